/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-half: IEEE binary16 <-> float32 (round to nearest even), shared by the
 * weights files (f16 tensors) and the training-data cache (f16 spectra).
 * Pure functions, thread-safe.
 */
#pragma once

#include <stdint.h>

uint16_t vt_half_from_float (float value);
float vt_half_to_float (uint16_t half);
