/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-worker.h"

#include <math.h>
#include <string.h>

#include "vt-error.h"
#include "vt-features.h"
#include "vt-mask-apply.h"
#include "vt-model-loader.h"
#include "vt-separator.h"
#include "vt-session.h"
#include "vt-song.h"

/* The immediate pass renders at most this many changed chunks before
 * adaptation starts; the full pass after it covers the rest. */
#define IMMEDIATE_MAX_CHUNKS 3
/* Progress signals at most this often (seconds). */
#define PROGRESS_INTERVAL_S 0.1

typedef enum
{
  JOB_OPEN,
  JOB_CORRECT,
  JOB_EXPORT,
  JOB_QUIT,
} JobKind;

typedef struct
{
  JobKind kind;
  guint serial;
  char *path;
  float *f0_user;
  guint8 *silent;
  gint64 n_frames;
  double playhead_s;
  GTask *task;
  char *vocals_path, *accompaniment_path, *f0_csv_path;
  VtFileFormat format;
} Job;

typedef enum
{
  DELIVER_PROGRESS,
  DELIVER_ESTIMATE,
  DELIVER_ADAPTING,
  DELIVER_ADAPTED,
  DELIVER_CHUNK,
  DELIVER_RENDERED,
  DELIVER_FAILED,
  DELIVER_SUPERSEDED,
  DELIVER_JOB_DONE,
} DeliveryKind;

typedef struct _Engine Engine;

typedef struct
{
  Engine *engine;
  DeliveryKind kind;
  guint serial;
  char *stage;
  double value;
  guint code; /* estimate kind, pass, changed frames, adapting flag */
  gint64 first_frame, n_frames;
  GBytes *vocals;
  VtAudioInfo info;
  gboolean has_info;
  float *f0, *confidence, *activity, *mask;
  guint8 *changed;
  GError *error;
} Delivery;

/* What the worker thread works with. Reference-counted, so that dropping
 * the VtWorker never waits for the thread: the thread keeps its engine
 * until it has seen the quit job, and late deliveries find the VtWorker
 * through a weak reference (or not at all). */
struct _Engine
{
  gint ref_count; /* atomic */
  GWeakRef object; /* the VtWorker; only dereferenced on the UI thread */

  /* Shared between the threads. */
  GAsyncQueue *jobs;
  GMainContext *context;
  gint latest_serial; /* atomic: the newest superseding job */
  gint quitting;      /* atomic */
  GMutex lock;        /* guards the fields below */
  VtPlayer *player;
  VtWorkerChunkFunc chunk_func;
  gpointer chunk_data;
  double budget_s;
  double learning_rate;
  char *model_spec;

  /* Worker thread only. */
  VtModel *model;
  GError *model_error;
  VtSession *session;
  char *song_path;
  VtAudioInfo song_info;
  VtAudioReader *reader;
  VtMaskApplier *applier;
  float *rendered_mask; /* the mask behind the stems last handed out */
  float *render_input, *render_vocals, *render_accompaniment;
  gint64 render_block;
  double last_progress_s;
  Job *current;
};

struct _VtWorker
{
  GObject parent_instance;

  Engine *engine;
  GThread *thread;

  /* UI thread only. */
  guint submitted_serial;
  guint pending_jobs;
  gboolean adapting;
  guint n_superseded;
  gint64 n_frames;
  float *f0, *confidence, *activity, *mask;
  guint8 *changed;
  VtAudioInfo info;
  gboolean has_info;
};

G_DEFINE_FINAL_TYPE (VtWorker, vt_worker, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BUDGET,
  PROP_LEARNING_RATE,
  PROP_ADAPTING,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_ESTIMATE_CHANGED,
  SIGNAL_ADAPTED,
  SIGNAL_CHUNK_READY,
  SIGNAL_RENDER_FINISHED,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static double
now_s (void)
{
  return g_get_monotonic_time () * 1e-6;
}

static void
job_free (Job *job)
{
  g_free (job->path);
  g_free (job->f0_user);
  g_free (job->silent);
  g_free (job->vocals_path);
  g_free (job->accompaniment_path);
  g_free (job->f0_csv_path);
  g_free (job);
}

/* ---- Deliveries: worker thread -> UI thread ---- */

static void engine_unref (Engine *engine);

static void
delivery_free (gpointer data)
{
  Delivery *d = data;
  g_clear_pointer (&d->engine, engine_unref);
  g_free (d->stage);
  g_clear_pointer (&d->vocals, g_bytes_unref);
  g_free (d->f0);
  g_free (d->confidence);
  g_free (d->activity);
  g_free (d->mask);
  g_free (d->changed);
  g_clear_error (&d->error);
  g_free (d);
}

static void
set_adapting (VtWorker *self, gboolean adapting)
{
  if (self->adapting == adapting)
    return;
  self->adapting = adapting;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADAPTING]);
}

static void
take_arrays (VtWorker *self, Delivery *d)
{
  if (d->f0 == NULL)
    return;
  g_free (self->f0);
  g_free (self->confidence);
  g_free (self->activity);
  g_free (self->mask);
  self->f0 = g_steal_pointer (&d->f0);
  self->confidence = g_steal_pointer (&d->confidence);
  self->activity = g_steal_pointer (&d->activity);
  self->mask = g_steal_pointer (&d->mask);
  self->n_frames = d->n_frames;
  if (d->has_info)
    {
      self->info = d->info;
      self->has_info = TRUE;
    }
}

static gboolean
delivery_run (gpointer data)
{
  Delivery *d = data;
  g_autoptr (VtWorker) self = g_weak_ref_get (&d->engine->object);
  if (self == NULL)
    return G_SOURCE_REMOVE;
  if (d->kind == DELIVER_JOB_DONE)
    {
      if (self->pending_jobs > 0 && --self->pending_jobs == 0)
        {
          set_adapting (self, FALSE);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
        }
      return G_SOURCE_REMOVE;
    }
  if (d->kind == DELIVER_SUPERSEDED)
    {
      self->n_superseded++;
      return G_SOURCE_REMOVE;
    }
  /* A superseded job's late results would show the old corrections. */
  if (d->serial != self->submitted_serial)
    return G_SOURCE_REMOVE;
  switch (d->kind)
    {
    case DELIVER_PROGRESS:
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, d->stage, d->value);
      break;
    case DELIVER_ESTIMATE:
      take_arrays (self, d);
      g_signal_emit (self, signals[SIGNAL_ESTIMATE_CHANGED], 0, d->code);
      break;
    case DELIVER_ADAPTING:
      set_adapting (self, d->code != 0);
      break;
    case DELIVER_ADAPTED:
      take_arrays (self, d);
      g_free (self->changed);
      self->changed = g_steal_pointer (&d->changed);
      set_adapting (self, FALSE);
      g_signal_emit (self, signals[SIGNAL_ESTIMATE_CHANGED], 0, VT_WORKER_ESTIMATE_ADAPTED);
      g_signal_emit (self, signals[SIGNAL_ADAPTED], 0, d->code, d->value);
      break;
    case DELIVER_CHUNK:
      g_signal_emit (self, signals[SIGNAL_CHUNK_READY], 0, d->first_frame, d->n_frames,
                     d->vocals, d->code);
      break;
    case DELIVER_RENDERED:
      g_signal_emit (self, signals[SIGNAL_RENDER_FINISHED], 0, d->code);
      break;
    case DELIVER_FAILED:
      set_adapting (self, FALSE);
      g_signal_emit (self, signals[SIGNAL_FAILED], 0, d->error);
      break;
    case DELIVER_SUPERSEDED:
    case DELIVER_JOB_DONE:
      break;
    }
  return G_SOURCE_REMOVE;
}

static Delivery *
delivery_new (Engine *self, DeliveryKind kind)
{
  Delivery *d = g_new0 (Delivery, 1);
  d->kind = kind;
  d->serial = self->current ? self->current->serial : 0;
  return d;
}

static void
deliver (Engine *self, Delivery *d)
{
  if (g_atomic_int_get (&self->quitting))
    {
      delivery_free (d);
      return;
    }
  d->engine = self;
  g_atomic_int_inc (&self->ref_count);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, delivery_run, d, delivery_free);
}

static void
deliver_failed (Engine *self, const GError *error)
{
  Delivery *d = delivery_new (self, DELIVER_FAILED);
  d->error = g_error_copy (error);
  deliver (self, d);
}

static void
deliver_core_failure (Engine *self, const VtError *core_error, VtStatus status)
{
  g_autoptr (GError) error = NULL;
  vt_error_to_gerror (core_error, status, &error);
  deliver_failed (self, error);
}

/* The session's current curves, copied for the UI. */
static Delivery *
delivery_with_estimate (Engine *self, DeliveryKind kind)
{
  Delivery *d = delivery_new (self, kind);
  const gint64 frames = vt_session_get_frames (self->session);
  d->n_frames = frames;
  d->f0 = g_memdup2 (vt_session_get_f0 (self->session), sizeof (float) * frames);
  d->confidence = g_memdup2 (vt_session_get_f0_confidence (self->session),
                             sizeof (float) * frames);
  d->activity = g_memdup2 (vt_session_get_activity (self->session), sizeof (float) * frames);
  d->mask = g_memdup2 (vt_session_get_mask (self->session),
                       sizeof (float) * frames * VT_MODEL_MASK_BINS);
  d->info = self->song_info;
  d->has_info = TRUE;
  return d;
}

/* ---- Worker thread ---- */

static gboolean
is_current (Engine *self)
{
  return !g_atomic_int_get (&self->quitting)
         && (self->current == NULL
             || (guint) g_atomic_int_get (&self->latest_serial) == self->current->serial);
}

/* Progress of a core call: forwarded to the UI now and then; cancels the
 * call when a newer job superseded this one. */
static bool
on_progress (double fraction, const char *stage, void *user_data)
{
  Engine *self = user_data;
  if (!is_current (self))
    return false;
  double now = now_s ();
  if (now - self->last_progress_s >= PROGRESS_INTERVAL_S || fraction >= 1.0)
    {
      self->last_progress_s = now;
      Delivery *d = delivery_new (self, DELIVER_PROGRESS);
      d->stage = g_strdup (stage);
      d->value = fraction;
      deliver (self, d);
    }
  return true;
}

/* Export progress: cancelled by its GCancellable or by quitting, not by
 * newer corrections. */
static bool
on_export_progress (double fraction, const char *stage, void *user_data)
{
  Engine *self = user_data;
  GCancellable *cancellable = g_task_get_cancellable (self->current->task);
  return !g_atomic_int_get (&self->quitting) && !g_cancellable_is_cancelled (cancellable);
}

static gboolean
ensure_model (Engine *self, GError **error)
{
  if (self->model == NULL && self->model_error == NULL)
    {
      g_mutex_lock (&self->lock);
      g_autofree char *spec = g_strdup (self->model_spec);
      g_mutex_unlock (&self->lock);
      self->model = vt_model_loader_load (spec, &self->model_error);
    }
  if (self->model == NULL)
    {
      g_propagate_error (error, g_error_copy (self->model_error));
      return FALSE;
    }
  return TRUE;
}

static void
close_song (Engine *self)
{
  g_clear_pointer (&self->session, vt_session_free);
  g_clear_pointer (&self->song_path, g_free);
  g_clear_pointer (&self->reader, vt_audio_reader_close);
  g_clear_pointer (&self->applier, vt_mask_applier_free);
  g_clear_pointer (&self->rendered_mask, g_free);
  g_clear_pointer (&self->render_input, g_free);
  g_clear_pointer (&self->render_vocals, g_free);
  g_clear_pointer (&self->render_accompaniment, g_free);
}

static gint64
n_chunks (Engine *self)
{
  return (self->song_info.frames + self->render_block - 1) / self->render_block;
}

/* The chunk holding the playhead: the player's position when there is a
 * player, else the job's. */
static gint64
playhead_chunk (Engine *self, double playhead_s)
{
  gint64 frame = (gint64) (playhead_s * self->song_info.sample_rate);
  g_mutex_lock (&self->lock);
  if (self->player && vt_player_get_frames (self->player) == self->song_info.frames)
    frame = vt_player_get_position (self->player);
  g_mutex_unlock (&self->lock);
  return CLAMP (frame / self->render_block, 0, n_chunks (self) - 1);
}

/* Chunks in the order playhead, after, before, after, ... */
static GArray *
outward_order (Engine *self, gint64 first)
{
  const gint64 n = n_chunks (self);
  GArray *order = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) n);
  for (gint64 k = 0; (gint64) order->len < n; k++)
    {
      gint64 index = first + (k % 2 == 1 ? (k + 1) / 2 : -(k / 2));
      if (index >= 0 && index < n)
        g_array_append_val (order, index);
      if (k > 2 * n + 2)
        break;
    }
  return order;
}

static VtStatus
render_chunk (Engine *self, gint64 index, VtWorkerPass pass, VtError *error)
{
  const int channels = self->song_info.channels;
  const gint64 pad = vt_mask_applier_get_padding (self->applier);
  const gint64 first = index * self->render_block;
  const gint64 frames = MIN (self->render_block, self->song_info.frames - first);
  VtStatus status = vt_audio_reader_read (self->reader, first - pad, frames + 2 * pad,
                                          self->render_input, NULL, error);
  if (status != VT_STATUS_OK)
    return status;
  VtMaskGrid grid = vt_session_get_mask_grid (self->session, VT_HIGH_BAND_EDGE);
  status = vt_mask_applier_process (self->applier, &grid, self->render_input, first, frames,
                                    self->render_vocals, self->render_accompaniment);
  if (status != VT_STATUS_OK)
    return vt_error_set (error, status, "re-separating the song failed");

  /* Remember which analysis frames these stems were made from. */
  const gint64 frame_lo = (gint64) floor ((double) first / self->song_info.sample_rate
                                          * VT_FEATURES_FRAME_RATE);
  const gint64 frame_hi = MIN ((gint64) ceil ((double) (first + frames)
                                              / self->song_info.sample_rate
                                              * VT_FEATURES_FRAME_RATE),
                               grid.frames);
  if (frame_hi > frame_lo)
    memcpy (self->rendered_mask + frame_lo * VT_MODEL_MASK_BINS,
            grid.values + frame_lo * VT_MODEL_MASK_BINS,
            sizeof (float) * (frame_hi - frame_lo) * VT_MODEL_MASK_BINS);

  g_mutex_lock (&self->lock);
  if (self->player && vt_player_get_frames (self->player) == self->song_info.frames
      && vt_player_get_channels (self->player) == channels)
    {
      /* A player that refuses a chunk keeps the old audio; nothing to tell. */
      vt_player_replace_chunk (self->player, VT_PLAYER_SOURCE_VOCALS, first, frames,
                               self->render_vocals, NULL);
      vt_player_replace_chunk (self->player, VT_PLAYER_SOURCE_ACCOMPANIMENT, first, frames,
                               self->render_accompaniment, NULL);
    }
  if (self->chunk_func)
    self->chunk_func (first, frames, self->render_vocals, self->render_accompaniment, pass,
                      self->chunk_data);
  g_mutex_unlock (&self->lock);

  Delivery *d = delivery_new (self, DELIVER_CHUNK);
  d->first_frame = first;
  d->n_frames = frames;
  d->code = pass;
  d->vocals = g_bytes_new (self->render_vocals, sizeof (float) * frames * channels);
  deliver (self, d);
  return VT_STATUS_OK;
}

/* Whether the gated mask of chunk index differs from what was rendered. */
static gboolean
chunk_changed (Engine *self, gint64 index)
{
  const float *mask = vt_session_get_mask (self->session);
  const gint64 frames = vt_session_get_frames (self->session);
  const double rate = self->song_info.sample_rate;
  const gint64 first = index * self->render_block;
  const gint64 end = MIN (first + self->render_block, self->song_info.frames);
  /* Frames whose STFT windows reach into the chunk. */
  gint64 lo = (gint64) floor (first / rate * VT_FEATURES_FRAME_RATE) - 2;
  gint64 hi = (gint64) ceil (end / rate * VT_FEATURES_FRAME_RATE) + 2;
  lo = MAX (lo, 0);
  hi = MIN (hi, frames);
  if (hi <= lo)
    return FALSE;
  return memcmp (mask + lo * VT_MODEL_MASK_BINS, self->rendered_mask + lo * VT_MODEL_MASK_BINS,
                 sizeof (float) * (hi - lo) * VT_MODEL_MASK_BINS)
         != 0;
}

/* Renders the chunks of the pass from the playhead outwards. Returns FALSE
 * when superseded or failed (failures are reported). */
static gboolean
render_pass (Engine *self, VtWorkerPass pass, double playhead_s)
{
  g_autoptr (GArray) order = outward_order (self, playhead_chunk (self, playhead_s));
  const gint64 n = order->len;
  gint64 rendered = 0;
  for (gint64 i = 0; i < n; i++)
    {
      gint64 index = g_array_index (order, gint64, i);
      if (pass == VT_WORKER_PASS_IMMEDIATE
          && (rendered >= IMMEDIATE_MAX_CHUNKS || !chunk_changed (self, index)))
        continue;
      if (!is_current (self))
        return FALSE;
      VtError error = { 0 };
      VtStatus status = render_chunk (self, index, pass, &error);
      if (status != VT_STATUS_OK)
        {
          deliver_core_failure (self, &error, status);
          return FALSE;
        }
      rendered++;
      if (pass == VT_WORKER_PASS_FULL)
        on_progress ((double) (i + 1) / n, "re-separating", self);
    }
  Delivery *d = delivery_new (self, DELIVER_RENDERED);
  d->code = pass;
  deliver (self, d);
  return TRUE;
}

static void
run_open (Engine *self, Job *job)
{
  close_song (self);
  g_autoptr (GError) error = NULL;
  if (!ensure_model (self, &error))
    {
      deliver_failed (self, error);
      return;
    }
  VtProgress progress = { on_progress, self };
  VtError core_error = { 0 };
  float *mono = NULL;
  int64_t n_samples = 0;
  VtStatus status = vt_song_load_analysis_signal (job->path, &mono, &n_samples, &self->song_info,
                                                  &progress, &core_error);
  if (status == VT_STATUS_OK)
    {
      self->session = vt_session_new (self->model, mono, n_samples, &progress, &core_error);
      if (self->session == NULL)
        status = core_error.status ? core_error.status : VT_STATUS_NO_MEMORY;
    }
  free (mono);
  if (status == VT_STATUS_OK)
    {
      self->reader = vt_audio_reader_open (job->path, NULL, &core_error);
      self->applier = vt_mask_applier_new (self->song_info.sample_rate, self->song_info.channels,
                                           &core_error);
      if (self->reader == NULL || self->applier == NULL)
        status = core_error.status ? core_error.status : VT_STATUS_IO;
    }
  if (status == VT_STATUS_OK)
    {
      const int hop = vt_mask_applier_get_hop (self->applier);
      const gint64 pad = vt_mask_applier_get_padding (self->applier);
      gint64 block = (gint64) (VT_WORKER_CHUNK_S * self->song_info.sample_rate);
      self->render_block = MAX (block / hop, 1) * hop;
      const gsize channels = self->song_info.channels;
      const gint64 frames = vt_session_get_frames (self->session);
      self->render_input = g_try_malloc (sizeof (float) * (self->render_block + 2 * pad)
                                         * channels);
      self->render_vocals = g_try_malloc (sizeof (float) * self->render_block * channels);
      self->render_accompaniment = g_try_malloc (sizeof (float) * self->render_block * channels);
      self->rendered_mask = g_try_malloc0 (sizeof (float) * (frames + 1) * VT_MODEL_MASK_BINS);
      if (!self->render_input || !self->render_vocals || !self->render_accompaniment
          || !self->rendered_mask)
        status = vt_error_set (&core_error, VT_STATUS_NO_MEMORY,
                               "out of memory for re-separating the song");
    }
  if (status != VT_STATUS_OK)
    {
      close_song (self);
      if (status != VT_STATUS_CANCELLED)
        deliver_core_failure (self, &core_error, status);
      return;
    }
  self->song_path = g_strdup (job->path);
  Delivery *d = delivery_with_estimate (self, DELIVER_ESTIMATE);
  d->code = VT_WORKER_ESTIMATE_ANALYSED;
  deliver (self, d);
  render_pass (self, VT_WORKER_PASS_FULL, job->playhead_s);
}

/* What adaptation changed: frames whose F0 moved by more than the
 * threshold or changed voicing, and the vocal energy's change in dB. */
static Delivery *
adapted_delivery (Engine *self, const float *before_f0, const float *before_mask)
{
  Delivery *d = delivery_with_estimate (self, DELIVER_ADAPTED);
  const gint64 frames = d->n_frames;
  d->changed = g_new0 (guint8, frames + 1);
  guint n_changed = 0;
  for (gint64 t = 0; t < frames; t++)
    {
      float a = before_f0[t], b = d->f0[t];
      gboolean moved = (a > 0) != (b > 0)
                       || (a > 0 && fabs (1200.0 * log2 ((double) b / a))
                                      > VT_WORKER_CHANGED_CENTS);
      d->changed[t] = moved;
      n_changed += moved;
    }
  const float *magnitude = vt_session_get_mixture_magnitude (self->session);
  double energy_before = 0, energy_after = 0;
  for (gint64 t = 0; t < frames; t++)
    for (int k = 0; k < VT_FEATURES_BINS; k++)
      {
        double m = magnitude[t * VT_FEATURES_BINS + k];
        double v0 = before_mask[t * VT_MODEL_MASK_BINS + k] * m;
        double v1 = d->mask[t * VT_MODEL_MASK_BINS + k] * m;
        energy_before += v0 * v0;
        energy_after += v1 * v1;
      }
  d->code = n_changed;
  d->value = 10.0 * log10 ((energy_after + 1e-12) / (energy_before + 1e-12));
  return d;
}

static void
run_corrections (Engine *self, Job *job)
{
  if (self->session == NULL)
    {
      g_autoptr (GError) error = g_error_new_literal (VT_ERROR, VT_STATUS_BAD_ARGUMENT,
                                                      "no song is open to correct");
      deliver_failed (self, error);
      return;
    }
  const gint64 frames = vt_session_get_frames (self->session);
  if (job->n_frames != frames)
    {
      g_autoptr (GError) error = g_error_new (VT_ERROR, VT_STATUS_BAD_ARGUMENT,
                                              "the corrections cover %" G_GINT64_FORMAT
                                              " frames, the song %" G_GINT64_FORMAT,
                                              job->n_frames, frames);
      deliver_failed (self, error);
      return;
    }
  VtError core_error = { 0 };
  VtStatus status = vt_session_set_corrections (self->session, job->f0_user, job->silent,
                                                &core_error);
  if (status != VT_STATUS_OK)
    {
      deliver_core_failure (self, &core_error, status);
      return;
    }
  /* Sound first: copying the curves for the UI costs tens of milliseconds
   * on a long song, and the user's own edit is already on screen. */
  if (!render_pass (self, VT_WORKER_PASS_IMMEDIATE, job->playhead_s))
    {
      if (!is_current (self))
        deliver (self, delivery_new (self, DELIVER_SUPERSEDED));
      return;
    }
  Delivery *d = delivery_with_estimate (self, DELIVER_ESTIMATE);
  d->code = VT_WORKER_ESTIMATE_CORRECTED;
  deliver (self, d);

  g_autofree float *before_f0 = g_memdup2 (vt_session_get_f0 (self->session),
                                           sizeof (float) * frames);
  g_autofree float *before_mask = g_memdup2 (vt_session_get_mask (self->session),
                                             sizeof (float) * frames * VT_MODEL_MASK_BINS);
  VtAdaptParams params;
  vt_adapt_params_default (&params);
  g_mutex_lock (&self->lock);
  params.budget_s = self->budget_s;
  params.learning_rate = (float) self->learning_rate;
  g_mutex_unlock (&self->lock);
  params.max_steps = 0; /* as many as the budget allows */
  /* The chunk at the playhead is re-estimated first and heard at once; the
   * rest of the song follows (vt_session_refresh). */
  const gint64 focus_chunk = playhead_chunk (self, job->playhead_s);
  const double rate = self->song_info.sample_rate;
  const gint64 focus_first = focus_chunk * self->render_block;
  const gint64 focus_end = MIN (focus_first + self->render_block, self->song_info.frames);
  params.focus_start = (gint64) floor (focus_first / rate * VT_FEATURES_FRAME_RATE) - 2;
  params.focus_end = (gint64) ceil (focus_end / rate * VT_FEATURES_FRAME_RATE) + 2;
  d = delivery_new (self, DELIVER_ADAPTING);
  d->code = TRUE;
  deliver (self, d);
  VtProgress progress = { on_progress, self };
  status = vt_session_adapt (self->session, &params, &progress, &core_error);
  if (status == VT_STATUS_CANCELLED || !is_current (self))
    {
      deliver (self, delivery_new (self, DELIVER_SUPERSEDED));
      return;
    }
  if (status != VT_STATUS_OK)
    {
      /* The session rolled back to the immediate effects: say so, and let
       * the song be rendered as it stands. */
      deliver_core_failure (self, &core_error, status);
      d = delivery_new (self, DELIVER_ADAPTING);
      d->code = FALSE;
      deliver (self, d);
    }
  else
    {
      if (vt_session_needs_refresh (self->session))
        {
          status = render_chunk (self, focus_chunk, VT_WORKER_PASS_PREVIEW, &core_error);
          if (status == VT_STATUS_OK)
            status = vt_session_refresh (self->session, &progress, &core_error);
          if (status == VT_STATUS_CANCELLED || !is_current (self))
            {
              deliver (self, delivery_new (self, DELIVER_SUPERSEDED));
              return;
            }
          /* Otherwise the song stands as adapted around the playhead. */
          if (status != VT_STATUS_OK)
            deliver_core_failure (self, &core_error, status);
        }
      deliver (self, adapted_delivery (self, before_f0, before_mask));
    }
  render_pass (self, VT_WORKER_PASS_FULL, job->playhead_s);
}

static void
run_export (Engine *self, Job *job)
{
  GTask *task = job->task;
  GError *error = NULL;
  VtError core_error = { 0 };
  VtStatus status = VT_STATUS_OK;
  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->session == NULL)
    {
      g_task_return_new_error (task, VT_ERROR, VT_STATUS_BAD_ARGUMENT,
                               "no song is open to export");
      return;
    }
  VtProgress progress = { on_export_progress, self };
  if (job->vocals_path || job->accompaniment_path)
    {
      VtMaskGrid grid = vt_session_get_mask_grid (self->session, VT_HIGH_BAND_EDGE);
      VtStemOutput output = { .vocals_path = job->vocals_path,
                              .accompaniment_path = job->accompaniment_path,
                              .format = job->format };
      status = vt_song_render_stems (self->song_path, &grid, &output, &progress, &core_error);
    }
  if (status == VT_STATUS_OK && job->f0_csv_path)
    status = vt_f0_write_csv (job->f0_csv_path, vt_session_get_f0 (self->session),
                              NULL, vt_session_get_frames (self->session), &core_error);
  if (status != VT_STATUS_OK)
    {
      vt_error_to_gerror (&core_error, status, &error);
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
unref_on_ui_thread (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
engine_unref (Engine *engine)
{
  if (!g_atomic_int_dec_and_test (&engine->ref_count))
    return;
  /* The thread has quit (it held a reference until then). */
  g_weak_ref_clear (&engine->object);
  g_async_queue_unref (engine->jobs);
  g_main_context_unref (engine->context);
  g_mutex_clear (&engine->lock);
  g_free (engine->model_spec);
  g_free (engine);
}

static gpointer
worker_main (gpointer data)
{
  Engine *self = data;
  for (;;)
    {
      Job *job = g_async_queue_pop (self->jobs);
      if (job->kind == JOB_QUIT)
        {
          job_free (job);
          break;
        }
      self->current = job;
      gboolean superseded = job->kind != JOB_EXPORT && !is_current (self);
      if (superseded && job->kind == JOB_CORRECT)
        deliver (self, delivery_new (self, DELIVER_SUPERSEDED));
      else if (superseded)
        ; /* a newer song follows */
      else if (job->kind == JOB_OPEN)
        run_open (self, job);
      else if (job->kind == JOB_CORRECT)
        run_corrections (self, job);
      else if (job->kind == JOB_EXPORT)
        run_export (self, job);
      if (job->task)
        {
          /* The task holds the worker: its last unref must not run here. */
          g_main_context_invoke (self->context, unref_on_ui_thread, job->task);
          job->task = NULL;
        }
      deliver (self, delivery_new (self, DELIVER_JOB_DONE));
      self->current = NULL;
      job_free (job);
    }
  close_song (self);
  g_clear_pointer (&self->model, vt_model_free);
  g_clear_error (&self->model_error);
  engine_unref (self);
  return NULL;
}

/* ---- UI thread ---- */

static void
push_job (VtWorker *self, Job *job, gboolean supersedes)
{
  if (supersedes)
    {
      job->serial = ++self->submitted_serial;
      g_atomic_int_set (&self->engine->latest_serial, (gint) job->serial);
    }
  else
    job->serial = self->submitted_serial;
  if (self->pending_jobs++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_async_queue_push (self->engine->jobs, job);
}

VtWorker *
vt_worker_new (const char *model_spec)
{
  VtWorker *self = g_object_new (VT_TYPE_WORKER, NULL);
  g_mutex_lock (&self->engine->lock);
  self->engine->model_spec = g_strdup (model_spec);
  g_mutex_unlock (&self->engine->lock);
  return self;
}

void
vt_worker_open_song (VtWorker *self, const char *path)
{
  g_return_if_fail (VT_IS_WORKER (self));
  g_return_if_fail (path != NULL);
  Job *job = g_new0 (Job, 1);
  job->kind = JOB_OPEN;
  job->path = g_strdup (path);
  push_job (self, job, TRUE);
}

void
vt_worker_set_corrections (VtWorker *self, const float *f0_user, const guint8 *silent,
                           gint64 n_frames, double playhead_s)
{
  g_return_if_fail (VT_IS_WORKER (self));
  g_return_if_fail (n_frames >= 0);
  Job *job = g_new0 (Job, 1);
  job->kind = JOB_CORRECT;
  job->n_frames = n_frames;
  job->playhead_s = playhead_s;
  if (f0_user)
    job->f0_user = g_memdup2 (f0_user, sizeof (float) * n_frames);
  if (silent)
    job->silent = g_memdup2 (silent, n_frames);
  push_job (self, job, TRUE);
}

void
vt_worker_set_player (VtWorker *self, VtPlayer *player)
{
  g_return_if_fail (VT_IS_WORKER (self));
  g_mutex_lock (&self->engine->lock);
  self->engine->player = player;
  g_mutex_unlock (&self->engine->lock);
}

void
vt_worker_set_chunk_func (VtWorker *self, VtWorkerChunkFunc func, gpointer user_data)
{
  g_return_if_fail (VT_IS_WORKER (self));
  g_mutex_lock (&self->engine->lock);
  self->engine->chunk_func = func;
  self->engine->chunk_data = user_data;
  g_mutex_unlock (&self->engine->lock);
}

void
vt_worker_export_async (VtWorker *self, const VtWorkerExport *what, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VT_IS_WORKER (self));
  g_return_if_fail (what != NULL);
  Job *job = g_new0 (Job, 1);
  job->kind = JOB_EXPORT;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, vt_worker_export_async);
  job->vocals_path = g_strdup (what->vocals_path);
  job->accompaniment_path = g_strdup (what->accompaniment_path);
  job->f0_csv_path = g_strdup (what->f0_csv_path);
  job->format = what->format;
  push_job (self, job, FALSE);
}

gboolean
vt_worker_export_finish (VtWorker *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gint64 vt_worker_get_n_frames (VtWorker *self) { return self->n_frames; }
const float *vt_worker_get_f0 (VtWorker *self) { return self->f0; }
const float *vt_worker_get_f0_confidence (VtWorker *self) { return self->confidence; }
const float *vt_worker_get_activity (VtWorker *self) { return self->activity; }
const float *vt_worker_get_mask (VtWorker *self) { return self->mask; }
const guint8 *vt_worker_get_changed_frames (VtWorker *self) { return self->changed; }
guint vt_worker_get_n_superseded (VtWorker *self) { return self->n_superseded; }
gboolean vt_worker_get_adapting (VtWorker *self) { return self->adapting; }
gboolean vt_worker_get_busy (VtWorker *self) { return self->pending_jobs > 0; }

gboolean
vt_worker_get_song_info (VtWorker *self, VtAudioInfo *info)
{
  if (self->has_info && info)
    *info = self->info;
  return self->has_info;
}

void
vt_worker_set_budget (VtWorker *self, double seconds)
{
  g_return_if_fail (VT_IS_WORKER (self));
  g_mutex_lock (&self->engine->lock);
  gboolean changed = self->engine->budget_s != seconds;
  self->engine->budget_s = seconds;
  g_mutex_unlock (&self->engine->lock);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUDGET]);
}

double
vt_worker_get_budget (VtWorker *self)
{
  g_mutex_lock (&self->engine->lock);
  double seconds = self->engine->budget_s;
  g_mutex_unlock (&self->engine->lock);
  return seconds;
}

void
vt_worker_set_learning_rate (VtWorker *self, double learning_rate)
{
  g_return_if_fail (VT_IS_WORKER (self));
  g_mutex_lock (&self->engine->lock);
  gboolean changed = self->engine->learning_rate != learning_rate;
  self->engine->learning_rate = learning_rate;
  g_mutex_unlock (&self->engine->lock);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEARNING_RATE]);
}

static void
vt_worker_dispose (GObject *object)
{
  VtWorker *self = VT_WORKER (object);
  if (self->thread)
    {
      /* Cancel what runs, drop what waits, and let the thread finish on its
       * own: the UI thread never waits for it. From here on it delivers
       * nothing and touches neither the player nor the chunk function. */
      g_atomic_int_set (&self->engine->quitting, TRUE);
      g_mutex_lock (&self->engine->lock);
      self->engine->player = NULL;
      self->engine->chunk_func = NULL;
      g_mutex_unlock (&self->engine->lock);
      Job *job;
      g_async_queue_lock (self->engine->jobs);
      while ((job = g_async_queue_try_pop_unlocked (self->engine->jobs)) != NULL)
        {
          if (job->task)
            {
              g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                       "the worker stopped");
              g_object_unref (job->task);
            }
          job_free (job);
        }
      Job *quit = g_new0 (Job, 1);
      quit->kind = JOB_QUIT;
      g_async_queue_push_unlocked (self->engine->jobs, quit);
      g_async_queue_unlock (self->engine->jobs);
      g_clear_pointer (&self->thread, g_thread_unref);
      g_clear_pointer (&self->engine, engine_unref);
    }
  G_OBJECT_CLASS (vt_worker_parent_class)->dispose (object);
}

static void
vt_worker_finalize (GObject *object)
{
  VtWorker *self = VT_WORKER (object);
  g_free (self->f0);
  g_free (self->confidence);
  g_free (self->activity);
  g_free (self->mask);
  g_free (self->changed);
  G_OBJECT_CLASS (vt_worker_parent_class)->finalize (object);
}

static void
vt_worker_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VtWorker *self = VT_WORKER (object);
  switch (prop_id)
    {
    case PROP_BUDGET:
      g_value_set_double (value, vt_worker_get_budget (self));
      break;
    case PROP_LEARNING_RATE:
      g_mutex_lock (&self->engine->lock);
      g_value_set_double (value, self->engine->learning_rate);
      g_mutex_unlock (&self->engine->lock);
      break;
    case PROP_ADAPTING:
      g_value_set_boolean (value, self->adapting);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, vt_worker_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_worker_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  VtWorker *self = VT_WORKER (object);
  switch (prop_id)
    {
    case PROP_BUDGET:
      vt_worker_set_budget (self, g_value_get_double (value));
      break;
    case PROP_LEARNING_RATE:
      vt_worker_set_learning_rate (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_worker_class_init (VtWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = vt_worker_dispose;
  object_class->finalize = vt_worker_finalize;
  object_class->get_property = vt_worker_get_property;
  object_class->set_property = vt_worker_set_property;

  VtAdaptParams defaults;
  vt_adapt_params_default (&defaults);
  properties[PROP_BUDGET] = g_param_spec_double (
    "budget", NULL, NULL, 0.05, 600.0, VT_WORKER_DEFAULT_BUDGET_S,
    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LEARNING_RATE] = g_param_spec_double (
    "learning-rate", NULL, NULL, 0.0, G_MAXDOUBLE, defaults.learning_rate,
    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ADAPTING] = g_param_spec_boolean (
    "adapting", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean (
    "busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (stage, fraction) of the running job: analysis, adaptation, rendering. */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           2, G_TYPE_STRING, G_TYPE_DOUBLE);
  /* (VtWorkerEstimate): the getters hold new curves. */
  signals[SIGNAL_ESTIMATE_CHANGED] = g_signal_new ("estimate-changed", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                   G_TYPE_NONE, 1, G_TYPE_UINT);
  /* (n_changed_frames, vocal_energy_change_db): what adaptation changed;
   * vt_worker_get_changed_frames() says where. */
  signals[SIGNAL_ADAPTED] = g_signal_new ("adapted", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          G_TYPE_UINT, G_TYPE_DOUBLE);
  /* (first_frame, n_frames, vocals, VtWorkerPass): a re-rendered chunk at
   * the song's rate; vocals holds n_frames * channels interleaved floats
   * (the accompaniment is the mix minus the vocals). */
  signals[SIGNAL_CHUNK_READY] = g_signal_new ("chunk-ready", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_INT64,
                                              G_TYPE_BYTES, G_TYPE_UINT);
  /* (VtWorkerPass): every chunk of the pass was delivered. */
  signals[SIGNAL_RENDER_FINISHED] = g_signal_new ("render-finished", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 1, G_TYPE_UINT);
  /* (GError): a message for the window; the worker goes on working. */
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
vt_worker_init (VtWorker *self)
{
  self->engine = g_new0 (Engine, 1);
  self->engine->ref_count = 2; /* ours and the thread's */
  g_weak_ref_init (&self->engine->object, self);
  g_mutex_init (&self->engine->lock);
  self->engine->budget_s = VT_WORKER_DEFAULT_BUDGET_S;
  VtAdaptParams defaults;
  vt_adapt_params_default (&defaults);
  self->engine->learning_rate = defaults.learning_rate;
  self->engine->context = g_main_context_ref_thread_default ();
  self->engine->jobs = g_async_queue_new ();
  self->thread = g_thread_new ("vt-worker", worker_main, self->engine);
}
