/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-separator: a song in, its analysis (pitch curve, vocal activity, vocal
 * mask on the analysis grid) and its stems out — the `separate` and `f0`
 * commands and the editor's first pass all run this.
 *
 * Ownership: VtSongAnalysis is caller-owned (init/clear). Threads: the
 * model is used by one thread at a time; everything else is reentrant.
 */
#pragma once

#include <stdint.h>

#include "vt-mask-apply.h"
#include "vt-model.h"
#include "vt-progress.h"
#include "vt-song.h"

typedef struct
{
  int64_t frames;       /* analysis frames, 50 per second */
  float *f0_hz;         /* frames; 0 = unvoiced */
  float *f0_confidence; /* frames, in [0, 1] */
  float *activity;      /* frames, probability of voice */
  float *mask;          /* frames x VT_MODEL_MASK_BINS */
} VtSongAnalysis;

void vt_song_analysis_init (VtSongAnalysis *analysis);
void vt_song_analysis_clear (VtSongAnalysis *analysis);

/* Runs both networks on the 16 kHz mono signal. */
VtStatus vt_separator_analyse (VtModel *model, const float *mono, int64_t n_samples,
                               VtSongAnalysis *analysis, const VtProgress *progress,
                               VtError *error);

/* Re-runs only the mask network with the given F0 (e.g. after a correction). */
VtStatus vt_separator_remask (VtModel *model, const float *log_magnitude,
                              VtSongAnalysis *analysis, const VtProgress *progress,
                              VtError *error);

VtMaskGrid vt_song_analysis_mask_grid (const VtSongAnalysis *analysis, VtHighBand high_band);

/* A mask of frames x VT_MODEL_MASK_BINS on the analysis grid, for
 * vt-mask-apply (borrowed values). */
VtMaskGrid vt_analysis_mask_grid (const float *mask, int64_t frames, VtHighBand high_band);

/* The whole command-line path: read, analyse, write stems (output may be
 * NULL to only analyse). analysis (optional) receives the analysis. */
VtStatus vt_separate_file (VtModel *model, const char *path, const VtStemOutput *output,
                           VtHighBand high_band, VtSongAnalysis *analysis,
                           const VtProgress *progress, VtError *error);

/* Writes time (s), frequency (Hz, 0 = unvoiced) and, when confidence is
 * not NULL, confidence, comma-separated with no header: what Tony and Sonic
 * Visualiser import. Atomic. */
VtStatus vt_f0_write_csv (const char *path, const float *hz, const float *confidence,
                          int64_t frames, VtError *error);
