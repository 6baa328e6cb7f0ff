/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-research: the other separation systems of the research (issue 7) —
 * Huang et al.'s DRNN (vt-drnn) and the Wave-U-Net (vt-waveunet) — behind
 * one handle, so that `separate`, `eval` and the results table run them on
 * the same paths as the main model.
 *
 * Both give a VtSongAnalysis: the DRNN its mask; the Wave-U-Net the ratio
 * mask |V| / (|V| + |A|) of its time-domain estimates on the analysis grid,
 * which is what lets its stems be rendered at the song's own rate and
 * channel count like every other model. Neither estimates pitch (f0_hz is
 * 0, confidence 0); activity is the vocal share of each frame's energy.
 * Evaluation scores each system's own 16 kHz outputs: the DRNN's mask
 * applied with the analysis STFT, the Wave-U-Net's waveforms as they are.
 * Human-in-the-loop adaptation is for the main model only.
 *
 * Ownership: a VtSystem owns its network. Threads: one thread at a time.
 */
#pragma once

#include "vt-evaluate.h"
#include "vt-separator.h"

typedef enum
{
  VT_SYSTEM_DRNN = 1,
  VT_SYSTEM_WAVEUNET,
} VtSystemKind;

typedef struct VtSystem VtSystem;

/* The kind is read from the file's tensors. */
VtSystem *vt_system_load_file (const char *path, VtError *error);
VtSystem *vt_system_load_memory (const void *data, size_t size, VtError *error);
void vt_system_free (VtSystem *system);
VtSystemKind vt_system_get_kind (const VtSystem *system);
const char *vt_system_get_name (const VtSystem *system);
/* Trainable parameters (for the results table). */
int64_t vt_system_get_n_parameters (VtSystem *system);

/* Separation of a 16 kHz mono signal: stems (either may be NULL; n
 * samples each) and activity per analysis frame (optional). */
VtStatus vt_system_separate_mono (VtSystem *system, const float *mono, int64_t n_samples,
                                  float *vocals, float *accompaniment, float *activity,
                                  const VtProgress *progress, VtError *error);

/* The analysis of a 16 kHz mono signal (see above). */
VtStatus vt_system_analyse (VtSystem *system, const float *mono, int64_t n_samples,
                            VtSongAnalysis *analysis, const VtProgress *progress,
                            VtError *error);

/* Reads a song, analyses it and writes its stems at its own rate. */
VtStatus vt_system_separate_file (VtSystem *system, const char *path, const VtStemOutput *output,
                                  VtHighBand high_band, const VtProgress *progress,
                                  VtError *error);

/* Vocal activity of each frame as the share of its energy that a mask
 * (frames x VT_MODEL_MASK_BINS) gives the voice, from the mixture's |X|
 * (frames x 512): a detector for any masking model, e.g. the multi-task
 * ablation trained without the activity loss (its head is untrained). */
void vt_activity_from_mask (const float *mask, const float *magnitude, int64_t frames,
                            float *activity);

/* vt_evaluate for these systems: same clips, same measures (pitch
 * measures are NaN). */
VtStatus vt_system_evaluate (VtSystem *system, const char *dataset_root,
                             const VtEvalOptions *options, VtEvalResult *result, VtError *error);
