/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-song: the steps of separating a song that do not involve a network:
 * reading it into the 16 kHz mono analysis signal, and rendering stems at
 * the song's own rate and channel count from a mask on the analysis grid.
 *
 * Both stream through the file block by block: memory is the analysis
 * signal (64 KB per second of song) plus one block, never the whole song at
 * its own rate. Long calls take a VtProgress and can be cancelled.
 * Reentrant; the caller owns every buffer.
 */
#pragma once

#include <stdint.h>

#include "vt-audio.h"
#include "vt-mask-apply.h"
#include "vt-progress.h"
#include "vt-status.h"

/* Reads path, mixes it down to mono and resamples to VT_FEATURES_RATE.
 * *mono (free()) receives *n_samples samples; info (optional) the song's
 * own rate, channels and length. */
VtStatus vt_song_load_analysis_signal (const char *path, float **mono, int64_t *n_samples,
                                       VtAudioInfo *info, const VtProgress *progress,
                                       VtError *error);

typedef struct
{
  const char *vocals_path;        /* NULL: not written */
  const char *accompaniment_path; /* NULL: not written */
  VtFileFormat format;
} VtStemOutput;

/* Applies mask to the song at path and writes the stems atomically. */
VtStatus vt_song_render_stems (const char *path, const VtMaskGrid *mask,
                               const VtStemOutput *output, const VtProgress *progress,
                               VtError *error);
