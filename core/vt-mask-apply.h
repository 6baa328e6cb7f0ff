/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-mask-apply: applies a vocal mask estimated at the analysis grid
 * (16 kHz, 20 ms frames, 15.6 Hz bins) to a song at its own sample rate and
 * channel count, so the stems keep the song's full bandwidth.
 *
 * The song is processed in blocks: block [first, first + frames) is computed
 * from the input [first - padding, first + frames + padding), and the result
 * is bit-for-bit what a whole-song STFT would give as long as `first` is a
 * multiple of vt_mask_applier_get_hop() — so chunked processing has no
 * seams and memory is bounded by the block, not the song.
 * Vocals are ISTFT (mask * STFT (mixture)), per channel with the same mask;
 * the accompaniment is mixture - vocals, so the stems add up to the input.
 *
 * Above the analysis band (8 kHz) the mask is extended by `high_band`.
 *
 * Ownership: the applier owns its STFT and scratch; masks and audio belong
 * to the caller. One VtMaskApplier per thread at a time.
 */
#pragma once

#include <stdint.h>

#include "vt-status.h"

typedef enum
{
  VT_HIGH_BAND_ZERO = 0, /* no vocals above the analysis band */
  VT_HIGH_BAND_EDGE,     /* each frame's mean mask over its top 2 kHz */
  VT_HIGH_BAND_ONE,      /* everything above goes to the vocals */
} VtHighBand;

typedef struct
{
  const float *values; /* frames x bins, frame-major, in [0, 1] */
  int64_t frames;
  int bins;
  double frame_rate; /* frames per second; frame k is at k / frame_rate s */
  double bin_hz;     /* bin j is at j * bin_hz Hz */
  VtHighBand high_band;
} VtMaskGrid;

typedef struct VtMaskApplier VtMaskApplier;

VtMaskApplier *vt_mask_applier_new (int sample_rate, int channels, VtError *error);
void vt_mask_applier_free (VtMaskApplier *applier);

int vt_mask_applier_get_hop (const VtMaskApplier *applier);
int64_t vt_mask_applier_get_padding (const VtMaskApplier *applier);

/* input: (frames + 2 * padding) interleaved frames starting at song frame
 * first - padding (zeros outside the song). Writes frames interleaved frames
 * to vocals and accompaniment (either may be NULL). */
VtStatus vt_mask_applier_process (VtMaskApplier *applier, const VtMaskGrid *mask,
                                  const float *input, int64_t first, int64_t frames,
                                  float *vocals, float *accompaniment);

VtHighBand vt_high_band_from_name (const char *name);
