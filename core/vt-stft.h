/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-stft: short-time Fourier transform and its inverse (FFTW3, float).
 *
 * Convention (frame-centred, like librosa's center=True with zero padding):
 * frame t is centred on sample t * hop and covers samples
 * [t * hop - n_fft / 2, t * hop + n_fft / 2), samples outside the signal being
 * zero. A signal of n samples has n / hop + 1 frames (integer division), so
 * every sample lies under at least one window centre's neighbourhood. The
 * analysis window is a periodic Hann window of length n_fft; the inverse uses
 * the same window for synthesis and divides by the summed squared windows,
 * which reconstructs exactly for any hop <= n_fft / 2.
 *
 * Spectra are frames x bins complex numbers (bins = n_fft / 2 + 1) stored as
 * interleaved (re, im) float pairs, frame-major: spectrum[(t * bins + k) * 2].
 *
 * Ownership: a VtStft owns its FFTW plans and scratch; the caller owns signals
 * and spectra. Thread rules: one VtStft per thread at a time; creating them
 * from several threads is safe (the planner is serialised in vt-fft).
 */
#pragma once

#include <stdint.h>

#include "vt-status.h"

typedef struct VtStft VtStft;

VtStft *vt_stft_new (int n_fft, int hop, VtError *error);
void vt_stft_free (VtStft *stft);

int vt_stft_get_n_fft (const VtStft *stft);
int vt_stft_get_hop (const VtStft *stft);
int vt_stft_get_bins (const VtStft *stft);
/* The analysis window (n_fft values), borrowed. */
const float *vt_stft_get_window (const VtStft *stft);

int64_t vt_stft_frame_count (const VtStft *stft, int64_t n_samples);

/* Computes frames [first_frame, first_frame + n_frames) of signal (n_samples
 * long) into spectrum (n_frames * bins * 2 floats). */
void vt_stft_forward (VtStft *stft, const float *signal, int64_t n_samples, int64_t first_frame,
                      int64_t n_frames, float *spectrum);

/* Reconstructs n_samples from the n_frames = vt_stft_frame_count (n_samples)
 * frames of spectrum. Allocates a window-sum buffer of n_samples floats. */
VtStatus vt_stft_inverse (VtStft *stft, const float *spectrum, int64_t n_frames, float *signal,
                          int64_t n_samples);

/* |X| for n complex values. */
void vt_spectrum_magnitude (const float *spectrum, int64_t n, float *magnitude);
