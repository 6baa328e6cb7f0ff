/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-pitch-track: a monophonic pitch tracker (YIN, and a pYIN-style
 * probabilistic variant with Viterbi smoothing) for solo voices.
 *
 * It is the baseline the F0 network is compared with and the source of the
 * pitch pseudo-labels of MUSDB18's vocal stems, which have none. Frames follow
 * vt-stft's convention: frame t is centred on sample t * hop and a signal of n
 * samples has n / hop + 1 frames, so at 16 kHz with hop 320 they are the
 * analysis frames of vt-features.
 *
 * pYIN mode (the default): for each frame the cumulative mean normalised
 * difference function of YIN is computed (by FFT); 100 thresholds weighted by
 * a beta distribution (mean 0.15) each pick the first dip below them, so that
 * every dip gets a probability; the dips' probabilities are spread onto the
 * vt-f0 pitch grid (linear split between the two nearest 20-cent bins), the
 * rest is the unvoiced probability. That posterior is decoded by vt_f0_decode
 * (band-limited Viterbi), whose weighted-mean refinement recovers the dip's
 * exact (parabolically interpolated) pitch. Frames quieter than silence_db are
 * unvoiced.
 * YIN mode: the classic single threshold, per frame, no smoothing.
 *
 * Ownership: a VtPitchTracker owns its FFT plans and scratch; the caller owns
 * signals and outputs. Thread rules: one VtPitchTracker per thread at a time;
 * creating them from several threads is safe.
 */
#pragma once

#include <stdint.h>

#include "vt-f0.h"
#include "vt-status.h"

typedef enum
{
  VT_PITCH_TRACK_PYIN = 0,
  VT_PITCH_TRACK_YIN,
} VtPitchTrackMode;

typedef struct
{
  VtPitchTrackMode mode;
  double min_hz;          /* lowest pitch searched (default 60 Hz) */
  double max_hz;          /* highest (default 1400 Hz, the top of the vt-f0 grid) */
  double window_s;        /* YIN's integration window (default 0.032 s) */
  double silence_db;      /* frames whose RMS is below this (dBFS) are unvoiced (default -60) */
  double yin_threshold;   /* YIN mode's threshold (default 0.15) */
  VtF0DecodeParams decode; /* pYIN mode's Viterbi */
} VtPitchTrackParams;

void vt_pitch_track_params_default (VtPitchTrackParams *params);

typedef struct VtPitchTracker VtPitchTracker;

/* params NULL = defaults. */
VtPitchTracker *vt_pitch_tracker_new (int sample_rate, int hop, const VtPitchTrackParams *params,
                                      VtError *error);
void vt_pitch_tracker_free (VtPitchTracker *tracker);

int64_t vt_pitch_tracker_frame_count (const VtPitchTracker *tracker, int64_t n_samples);

/* The per-frame pitch posterior (frame_count x VT_F0_CLASSES) of pYIN's
 * threshold distribution, before smoothing. */
VtStatus vt_pitch_tracker_posterior (VtPitchTracker *tracker, const float *signal,
                                     int64_t n_samples, float *posterior, VtError *error);

/* Tracks signal (mono, n_samples) into hz (frame_count values; 0 = unvoiced)
 * and, if not NULL, confidence (frame_count values in [0, 1]). */
VtStatus vt_pitch_tracker_run (VtPitchTracker *tracker, const float *signal, int64_t n_samples,
                               float *hz, float *confidence, VtError *error);
