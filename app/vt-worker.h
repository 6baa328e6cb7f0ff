/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtWorker: the editor's background thread. It owns the separation model and
 * the song's adaptation session (core/vt-session.h) and runs the jobs the
 * window gives it, one at a time, in order:
 *
 *  - open a song: the 16 kHz analysis and the base model's pass ("progress"
 *    signals), then the F0 curve, confidence, activity and mask are delivered
 *    ("estimate-changed" with VT_WORKER_ESTIMATE_ANALYSED) and the stems are
 *    rendered from the playhead outwards (VT_WORKER_PASS_FULL);
 *  - set corrections (per-frame arrays, see vt_worker_set_corrections()):
 *    the immediate effects are applied and delivered (..._CORRECTED); the
 *    chunks they changed, nearest the playhead first, are re-rendered at once
 *    (VT_WORKER_PASS_IMMEDIATE, at most a few); the networks adapt within the
 *    time budget ("adapting" is TRUE meanwhile); the chunk at the playhead
 *    is re-estimated and rendered first (VT_WORKER_PASS_PREVIEW), then the
 *    whole song is re-estimated, the adapted curve is delivered
 *    (..._ADAPTED) with what changed ("adapted"), and the whole song is
 *    re-rendered from the playhead outwards (VT_WORKER_PASS_FULL).
 *    A newer corrections job (or a new song) cancels all of this at its next
 *    step: the adaptation is abandoned, never half-applied. A failed
 *    adaptation (e.g. it diverged) rolls back to the immediate effects, is
 *    reported through "failed", and the song is rendered as it stands;
 *  - export (vt_worker_export_async()): stems at the song's own rate and
 *    channels with the current (adapted, gated) mask, and the F0 as CSV.
 *
 * Every rendered chunk goes, on the worker thread, to the player set with
 * vt_worker_set_player() (vt_player_replace_chunk(), crossfaded in at its
 * next block) and to the chunk function if one is set; then, on the UI
 * thread, to "chunk-ready" (e.g. to redraw the vocals' waveform).
 *
 * Wiring (the window): vt_worker_new (NULL); connect the signals;
 * vt_worker_set_player() once the player exists; vt_worker_open_song();
 * on "estimate-changed" show vt_worker_get_f0()/_get_activity() (and give
 * them to the document as its estimate); on every document change send
 * the whole set with vt_worker_set_corrections() (the playhead in
 * seconds); show "adapting", "progress" and "adapted" in the status; show
 * "failed" messages in the banner; export with vt_worker_export_async().
 *
 * Threads: create, use and drop the worker on one thread (the UI thread);
 * signals and export callbacks are emitted in the thread-default main
 * context of the thread that created it, with a weak reference to the worker:
 * once the worker is gone, late results are dropped. Results of a job that a
 * newer one superseded are dropped too, so what the signals say is always
 * about the latest corrections. The worker never touches widgets. Dropping
 * the last reference cancels the running job without waiting for it: the
 * thread winds down on its own, delivers nothing more and no longer uses
 * the player or the chunk function.
 *
 * Ownership: the worker copies every array and string it is given; the
 * getters return borrowed UI-thread copies of the latest delivered results,
 * valid until the next "estimate-changed" or "adapted" emission.
 */
#pragma once

#include <gio/gio.h>

#include "vt-audio.h"
#include "vt-player.h"

G_BEGIN_DECLS

/* Re-rendered chunks are this long (seconds of song). */
#define VT_WORKER_CHUNK_S 5.0
/* Default adaptation budget (the "budget" property), seconds. */
#define VT_WORKER_DEFAULT_BUDGET_S 2.0
/* An adapted F0 frame counts as changed when it moved by more than this. */
#define VT_WORKER_CHANGED_CENTS 50.0

typedef enum
{
  VT_WORKER_ESTIMATE_ANALYSED = 0, /* the base model's pass on a new song */
  VT_WORKER_ESTIMATE_CORRECTED,    /* the immediate effects of the corrections */
  VT_WORKER_ESTIMATE_ADAPTED,      /* after adaptation */
} VtWorkerEstimate;

typedef enum
{
  VT_WORKER_PASS_IMMEDIATE = 0, /* the chunks an edit changed, nearest the playhead */
  VT_WORKER_PASS_FULL,          /* the whole song, from the playhead outwards */
  VT_WORKER_PASS_PREVIEW,       /* the playhead's chunk as soon as adaptation ends */
} VtWorkerPass;

/* Called on the worker thread for every rendered chunk (frames * channels
 * interleaved floats each, at the song's rate; borrowed for the call). Must
 * be quick; must not call into the worker. */
typedef void (*VtWorkerChunkFunc) (gint64 first_frame, gint64 n_frames, const float *vocals,
                                   const float *accompaniment, VtWorkerPass pass,
                                   gpointer user_data);

#define VT_TYPE_WORKER (vt_worker_get_type ())
G_DECLARE_FINAL_TYPE (VtWorker, vt_worker, VT, WORKER, GObject)

/* model_spec as vt_model_loader_load(): NULL or "default" = the shipped
 * model, or a folder with f0.vtw and mask.vtw. The model is loaded on the
 * worker thread with the first job; a load failure is reported by "failed"
 * and fails every job. */
VtWorker *vt_worker_new (const char *model_spec);

/* Job: open the song at path (any format vt-audio reads). Supersedes the
 * jobs before it. */
void vt_worker_open_song (VtWorker *self, const char *path);

/* Job: the user's corrections, n_frames analysis frames (50 per second;
 * vt_worker_get_n_frames()) each, copied; NULL = none:
 *   f0_user[t]  NAN = not corrected, 0 = marked unvoiced, > 0 = Hz;
 *   silent[t]   nonzero = no voice here.
 * Always the whole current set (what VtDocument holds), not a difference.
 * playhead_s is where rendering starts when no player is set; with a
 * player, its position at the time of rendering is used. Supersedes the
 * jobs before it (an adaptation under way is cancelled). */
void vt_worker_set_corrections (VtWorker *self, const float *f0_user, const guint8 *silent,
                                gint64 n_frames, double playhead_s);

/* The player that re-rendered chunks go to (NULL: none). Call with NULL
 * before freeing the player: once this returns, the worker no longer uses
 * the old one. */
void vt_worker_set_player (VtWorker *self, VtPlayer *player);

/* A function run on the worker thread for each rendered chunk (NULL: none). */
void vt_worker_set_chunk_func (VtWorker *self, VtWorkerChunkFunc func, gpointer user_data);

typedef struct
{
  const char *vocals_path;        /* NULL: not written */
  const char *accompaniment_path; /* NULL: not written */
  VtFileFormat format;
  const char *f0_csv_path;        /* NULL: not written */
} VtWorkerExport;

/* Job: writes what (copied) with the song's current separation. Waits for
 * the jobs before it; cancellable. */
void vt_worker_export_async (VtWorker *self, const VtWorkerExport *what,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean vt_worker_export_finish (VtWorker *self, GAsyncResult *result, GError **error);

/* The latest delivered results (UI thread; NULL / 0 before the analysis). */
gint64 vt_worker_get_n_frames (VtWorker *self);
const float *vt_worker_get_f0 (VtWorker *self);
const float *vt_worker_get_f0_confidence (VtWorker *self);
const float *vt_worker_get_activity (VtWorker *self);
/* n_frames x VT_MODEL_MASK_BINS, silent regions gated. */
const float *vt_worker_get_mask (VtWorker *self);
/* After "adapted": 1 where the adapted F0 moved by more than
 * VT_WORKER_CHANGED_CENTS (or changed voicing) from the immediate effects. */
const guint8 *vt_worker_get_changed_frames (VtWorker *self);
/* The song's rate, channels and length once analysed. */
gboolean vt_worker_get_song_info (VtWorker *self, VtAudioInfo *info);
/* How many adaptations were cancelled or skipped because newer corrections
 * came in. */
guint vt_worker_get_n_superseded (VtWorker *self);

/* Seconds of training per adaptation (the "budget" property). */
void vt_worker_set_budget (VtWorker *self, double seconds);
double vt_worker_get_budget (VtWorker *self);
/* The adaptation's learning rate ("learning-rate"; for experiments and tests). */
void vt_worker_set_learning_rate (VtWorker *self, double learning_rate);
gboolean vt_worker_get_adapting (VtWorker *self);
/* TRUE while a job runs or waits. */
gboolean vt_worker_get_busy (VtWorker *self);

G_END_DECLS
