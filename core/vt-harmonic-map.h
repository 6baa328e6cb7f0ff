/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-harmonic-map: renders a pitch trajectory onto the STFT bins, as the
 * mask network's F0 conditioning input.
 *
 * For each frame with f0 > 0 the map holds, at every harmonic h * f0 below
 * the Nyquist frequency, a Gaussian bump (standard deviation spread_bins
 * bins, widened for high harmonics by relative_spread * h * f0 so that
 * vibrato's larger excursions up there stay covered) of height
 * harmonic_decay^(h - 1), times the frame's confidence when one is given.
 * Overlapping bumps take the maximum, so the map stays in [0, 1]. Unvoiced
 * frames are all zero. The map is frames x bins (bins = VT_FEATURES_BINS for
 * the networks), frame-major, on vt-features' analysis: bin k is centred at
 * k * sample_rate / n_fft Hz.
 *
 * No state: reentrant; the caller owns every buffer.
 */
#pragma once

#include <stdint.h>

#include "vt-status.h"

typedef struct
{
  int sample_rate;       /* default 16000 */
  int n_fft;             /* default 1024 */
  int bins;              /* default 512 */
  float spread_bins;     /* default 1.0 */
  float relative_spread; /* default 0.01 (1 % of the harmonic's frequency, in Hz) */
  float harmonic_decay;  /* default 0.9 */
  int max_harmonics;     /* default 0 = up to Nyquist */
} VtHarmonicMapParams;

void vt_harmonic_map_params_default (VtHarmonicMapParams *params);

/* Renders frames of f0_hz (0 or less = unvoiced; confidence may be NULL)
 * into map (frames x params->bins). params NULL = defaults. */
VtStatus vt_harmonic_map_render (const float *f0_hz, const float *confidence, int64_t frames,
                                 const VtHarmonicMapParams *params, float *map, VtError *error);
