/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-session: human-in-the-loop adaptation of the model to one song.
 *
 * A session holds the song's analysis (16 kHz signal, spectrogram, the base
 * model's F0 posterior, trajectory, activity and mask) and the user's
 * corrections, given per analysis frame (50 per second):
 *   f0_user[t]  NAN = not corrected, 0 = marked unvoiced, > 0 = corrected Hz;
 *   silent[t]   1 = the user says there is no voice here.
 * The editor's document turns its undoable commands into these arrays, so
 * adaptation is a function of the base model and the corrections: undo, redo
 * and reopening a project give the same result. The base model is never
 * modified; the session fine-tunes its own copies.
 *
 * vt_session_set_corrections() applies the immediate effects at once: the
 * corrected pitch replaces the estimate and feeds the mask network around
 * the edit; silent regions gate the vocals to zero. vt_session_adapt() then
 * fine-tunes within a budget of steps or seconds (cancellable):
 *  - the F0 network on the corrected frames (cross-entropy on the pitch
 *    bins), with the song's own pre-adaptation posterior as a soft target on
 *    the other frames of each window (replay) and a pull towards the base
 *    weights, then re-estimates the uncorrected rest of the trajectory;
 *  - the mask network in silent regions with zero-vocal targets and/or
 *    synthetic tracks (the region's accompaniment plus the song's own
 *    confident vocals, so the target is exact), with the base mask as the
 *    target elsewhere (replay);
 * and re-masks the song. vt_session_render() re-separates the song at its
 * own rate, starting at the playhead and moving outwards in chunks, each
 * delivered through a callback as soon as it is ready.
 *
 * Ownership: a session borrows the base model (it must outlive the session)
 * and owns everything else. Threads: one thread at a time (the worker).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "vt-mask-apply.h"
#include "vt-model.h"
#include "vt-progress.h"

typedef struct VtSession VtSession;

typedef enum
{
  VT_SILENCE_GATE = 0,      /* immediate gating only, no training */
  VT_SILENCE_ZERO_TARGETS,  /* fine-tune with zero-vocal targets */
  VT_SILENCE_SYNTHETIC,     /* fine-tune with synthetic tracks */
  VT_SILENCE_BOTH,          /* both kinds of examples */
} VtSilenceStrategy;

typedef struct
{
  int max_steps;          /* per network; 0 = until the time budget */
  double budget_s;        /* wall-clock budget for training, 0 = none */
  int batch;              /* windows per step (4) */
  float learning_rate;      /* the F0 network's (3e-4) */
  float mask_learning_rate; /* the mask network's (3e-5: at 1e-4 and above it forgets; README) */
  float replay_weight;      /* weight of the song's own earlier outputs (1; 0 = no replay) */
  float anchor;             /* pull towards the base weights per step (1e-2; 0 = none) */
  VtSilenceStrategy silence;
  uint64_t seed;
  /* Analysis frames [focus_start, focus_end) (e.g. the chunk at the
   * playhead) are re-estimated with the adapted networks before
   * vt_session_adapt() returns; the rest of the song keeps the immediate
   * effects until vt_session_refresh(), so the editor can play the adapted
   * result there without waiting for the whole song. focus_end <=
   * focus_start (the default): the whole song at once. */
  int64_t focus_start, focus_end;
} VtAdaptParams;

void vt_adapt_params_default (VtAdaptParams *params);

/* Analyses mono (16 kHz) with model; the session keeps a copy of mono. */
VtSession *vt_session_new (VtModel *model, const float *mono, int64_t n_samples,
                           const VtProgress *progress, VtError *error);
void vt_session_free (VtSession *session);

int64_t vt_session_get_frames (const VtSession *session);
/* Borrowed, frames long (mask: frames x VT_MODEL_MASK_BINS), valid until the
 * next call that changes the session. */
const float *vt_session_get_f0 (const VtSession *session);
const float *vt_session_get_f0_confidence (const VtSession *session);
const float *vt_session_get_activity (const VtSession *session);
const float *vt_session_get_mask (const VtSession *session);
/* The base model's trajectory, before any correction. */
const float *vt_session_get_base_f0 (const VtSession *session);
/* The analysis grid's magnitude spectrogram of the mixture (frames x 512). */
const float *vt_session_get_mixture_magnitude (const VtSession *session);

/* Replaces the corrections (arrays of frames values; NULL = none) and applies
 * their immediate effects. Resets adaptation to the base model: adaptation
 * is always to the whole current set of corrections. */
VtStatus vt_session_set_corrections (VtSession *session, const float *f0_user,
                                     const uint8_t *silent, VtError *error);

/* Fine-tunes to the current corrections, then re-estimates F0 and the mask. */
VtStatus vt_session_adapt (VtSession *session, const VtAdaptParams *params,
                           const VtProgress *progress, VtError *error);

/* After a focused vt_session_adapt(): true while the song outside the focus
 * still holds the immediate effects. vt_session_refresh() re-estimates the
 * whole song with the adapted networks (cancellable: when cancelled, the
 * session is left as it was). Does nothing when no refresh is needed. */
bool vt_session_needs_refresh (const VtSession *session);
VtStatus vt_session_refresh (VtSession *session, const VtProgress *progress, VtError *error);

/* The vocal mask grid (with silent regions gated) for vt-mask-apply. */
VtMaskGrid vt_session_get_mask_grid (const VtSession *session, VtHighBand high_band);

typedef VtStatus (*VtChunkFunc) (int64_t first_frame, int64_t frames, const float *vocals,
                                 const float *accompaniment, void *user_data);

/* Re-separates the song at path (the file the session was made from) in
 * chunks of chunk_s seconds: the chunk holding playhead_s first, then
 * alternately after and before it. Frames are at the song's own rate. */
VtStatus vt_session_render (VtSession *session, const char *path, double playhead_s,
                            double chunk_s, VtHighBand high_band, VtChunkFunc chunk,
                            void *user_data, const VtProgress *progress, VtError *error);

/* A copy of the adapted model (the base's weights when nothing was
 * adapted), e.g. to carry adaptation from song to song. */
VtModel *vt_session_dup_model (VtSession *session, VtError *error);

/* Seconds spent and steps taken by the last vt_session_adapt, per network. */
void vt_session_get_adapt_stats (const VtSession *session, int *f0_steps, int *mask_steps,
                                 double *seconds);
