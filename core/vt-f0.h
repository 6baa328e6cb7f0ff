/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-f0: the F0 network's pitch grid, its training targets and the decoding
 * of its per-frame posterior into a smooth pitch trajectory.
 *
 * The grid: VT_F0_BINS = 266 bins of 20 cents, bin b centred on MIDI note
 * 36 + 0.2 * b, i.e. from C2 = 65.41 Hz (bin 0) to F6 = 1396.9 Hz (bin 265),
 * plus one 'unvoiced' class with index VT_F0_UNVOICED = 266. A posterior is
 * frames x VT_F0_CLASSES (267) floats, frame-major. Bins are fractional where
 * that makes sense (bin 10.5 lies half-way between bins 10 and 11, in cents).
 *
 * Decoding is a Viterbi search over the 266 voiced states and one unvoiced
 * state: a voiced state's pitch may move at most max_jump bins per frame at a
 * cost per bin moved, and entering or leaving the unvoiced state costs
 * voicing_switch_cost. That keeps the work O(frames * bins * max_jump). The
 * chosen bin is refined to sub-bin accuracy by the posterior-weighted mean of
 * the bins within refine_radius of it.
 *
 * No state: everything here is reentrant. vt_f0_decode allocates its
 * back-pointers (frames * 267 int16) and frees them before returning.
 */
#pragma once

#include <stdint.h>

#include "vt-status.h"

#define VT_F0_BINS 266
#define VT_F0_UNVOICED VT_F0_BINS
#define VT_F0_CLASSES (VT_F0_BINS + 1)
#define VT_F0_CENTS_PER_BIN 20.0
/* MIDI note of bin 0 (C2, 65.406 Hz). */
#define VT_F0_MIN_MIDI 36.0

double vt_f0_midi_to_hz (double midi);
/* hz must be > 0. */
double vt_f0_hz_to_midi (double hz);

/* Fractional bin of a frequency, not clamped (may be < 0 or > 265). */
double vt_f0_hz_to_bin (double hz);
double vt_f0_bin_to_hz (double bin);
/* Lowest and highest frequencies of the grid (the centres of bins 0 and 265). */
double vt_f0_min_hz (void);
double vt_f0_max_hz (void);

/* Difference in cents between two frequencies (b relative to a). */
double vt_f0_cents (double hz_a, double hz_b);

/* The cross-entropy target for one frame (VT_F0_CLASSES floats summing to 1):
 * hz <= 0 puts all mass on the unvoiced class; otherwise a Gaussian over the
 * bins centred on the (clamped) fractional bin of hz with a standard
 * deviation of sigma_bins (1.25 bins = 25 cents is a good value), truncated
 * at 4 sigma. sigma_bins <= 0 gives the linear split between the two nearest
 * bins. */
void vt_f0_target (double hz, double sigma_bins, float *target);

typedef struct
{
  int max_jump;              /* bins a voiced pitch may move per frame (band half-width) */
  float jump_cost;           /* nats per bin moved */
  float voicing_switch_cost; /* nats for entering or leaving the unvoiced state */
  float voicing_bias;        /* nats added to every voiced emission (> 0 favours voiced) */
  int refine_radius;         /* bins around the chosen one for the weighted mean */
} VtF0DecodeParams;

void vt_f0_decode_params_default (VtF0DecodeParams *params);

/* Decodes a posterior (frames x VT_F0_CLASSES, each row non-negative; rows
 * need not be normalised) into hz (frames; 0 = unvoiced) and, if not NULL,
 * confidence (frames, in [0, 1]: the posterior mass within refine_radius of
 * the chosen bin for a voiced frame, the unvoiced probability otherwise) and
 * bin (frames, the refined fractional bin, -1 for unvoiced). params NULL =
 * defaults. Fails on bad parameters, non-finite or negative posteriors, or
 * when out of memory. */
VtStatus vt_f0_decode (const float *posterior, int64_t frames, const VtF0DecodeParams *params,
                       float *hz, float *confidence, float *bin, VtError *error);
