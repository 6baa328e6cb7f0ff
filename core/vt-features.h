/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-features: the one fixed analysis that both U-Nets, the pitch tracker and
 * the training data share.
 *
 * Analysis is at 16 kHz mono with a 1024-point STFT (vt-stft, Hann window,
 * frame t centred on sample t * 320) and a hop of 320 samples (20 ms). The
 * hop is chosen so that MIR-1K's label frame i (40 ms, centred at
 * 0.020 * i + 0.020 s, i.e. on sample 320 * i + 320) is exactly our frame
 * i + 1. The networks see the 512 bins 0..511 (the Nyquist bin 512 is
 * dropped); bin k is centred at k * 15.625 Hz.
 *
 * Header only: constants and tiny inline helpers, no state, thread-safe.
 */
#pragma once

#include <math.h>
#include <stdint.h>

#define VT_FEATURES_RATE 16000
#define VT_FEATURES_N_FFT 1024
#define VT_FEATURES_HOP 320
/* Bins the networks see (n_fft / 2, the Nyquist bin dropped). */
#define VT_FEATURES_BINS 512
/* Frames per second (50). */
#define VT_FEATURES_FRAME_RATE ((double) VT_FEATURES_RATE / VT_FEATURES_HOP)

/* MIR-1K label frame i is our STFT frame i + VT_FEATURES_MIR1K_FRAME_OFFSET. */
#define VT_FEATURES_MIR1K_FRAME_OFFSET 1

/* Our frame count for n samples at 16 kHz (as vt_stft_frame_count). */
static inline int64_t
vt_features_frame_count (int64_t n_samples)
{
  return n_samples < 0 ? 0 : n_samples / VT_FEATURES_HOP + 1;
}

/* The time in seconds at the centre of frame t. */
static inline double
vt_features_frame_time (int64_t frame)
{
  return (double) frame * VT_FEATURES_HOP / VT_FEATURES_RATE;
}

/* Centre frequency of STFT bin k in Hz. */
static inline double
vt_features_bin_hz (double bin)
{
  return bin * VT_FEATURES_RATE / VT_FEATURES_N_FFT;
}

/* The compression the networks' input uses: log (1 + |X|). It maps silence
 * (and zero padding) to 0 and is monotonic, so a mask network can still be
 * trained on linear magnitudes as targets. */
static inline void
vt_features_log_magnitude (const float *magnitude, int64_t n, float *log_magnitude)
{
  for (int64_t i = 0; i < n; i++)
    log_magnitude[i] = log1pf (magnitude[i]);
}
