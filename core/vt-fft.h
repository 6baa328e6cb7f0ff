/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-fft: the one place that serialises FFTW's planner.
 *
 * FFTW's execute functions are thread-safe, its planner is not. Every core
 * module that makes an fftwf plan does it between vt_fft_planner_lock() and
 * vt_fft_planner_unlock(), so that the worker thread, the player and the
 * command line can make plans at the same time.
 */
#pragma once

#include <stddef.h>

void vt_fft_planner_lock (void);
void vt_fft_planner_unlock (void);

/* Smallest size >= n whose only prime factors are 2, 3 and 5 (fast for FFTW). */
size_t vt_fft_good_size (size_t n);
