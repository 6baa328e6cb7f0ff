/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-window.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt-document.h"
#include "vt-error.h"
#include "vt-features.h"
#include "vt-model.h"
#include "vt-player.h"
#include "vt-region-lane.h"
#include "vt-song.h"
#include "vt-spectrogram-view.h"
#include "vt-waveform-view.h"
#include "vt-worker.h"

#define RECENT_SONGS_SHOWN 10
#define SETTINGS_SCHEMA_ID "org.voxtrace.Voxtrace"
#define PROJECT_SUFFIX ".vtproj"

struct _VtWindow
{
  GtkApplicationWindow parent_instance;

  /* Template children */
  GtkMenuButton *recent_button;
  GtkSpinner *spinner;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkStack *stack;
  GtkSpinner *loading_spinner;
  GtkLabel *loading_label;
  VtWaveformView *waveform;
  VtSpectrogramView *spectrogram;
  VtRegionLane *region_lane;
  GtkLabel *song_info_label;
  GtkRevealer *offer_revealer;
  GtkLabel *offer_label;
  GtkRevealer *notice_revealer;
  GtkLabel *notice_label;
  GtkButton *play_button;
  GtkLabel *time_label;
  GtkScale *volume_scale;
  GtkLabel *status_label;
  GtkProgressBar *progress_bar;
  GtkButton *cancel_analysis_button;

  /* NULL when the schema is not installed: defaults apply, nothing is kept. */
  GSettings *settings;

  /* The model and the adaptation session, on their own thread; NULL until a
   * song opens and after the user stopped its analysis. */
  VtWorker *worker;
  gboolean worker_analysing;
  /* The corrections last handed to the worker (its n_frames each). */
  float *sent_f0_user;
  guint8 *sent_silent;
  gint64 sent_frames;
  guint corrections_idle;

  /* Playback; NULL without an output device (player_error says why). */
  VtPlayer *player;
  char *player_error;
  guint tick_id;
  gint64 shown_tenths;
  char *source;
  gboolean loop;

  /* Corrections found in the autosave, offered until the user answers. */
  VtDocument *offered_document;
  /* A project file opened, waiting for its song's analysis. */
  VtDocument *pending_project;

  GtkWindow *export_dialog;
  GtkWindow *preferences_window;

  /* VOXTRACE_FRAME_STATS=SECONDS: intervals between frames (ms) over the
   * first SECONDS of the window, then reported (or at close). */
  GArray *frame_gaps;
  gint64 last_frame_time;
  gint64 frame_stats_end;

  /* The corrections of the song shown; NULL until its analysis is in. */
  VtDocument *document;
  /* Non-NULL while the song's spectrogram and pitch are being computed. */
  GCancellable *analysis_cancellable;
  gboolean pencil;
  gboolean snap;
#if GTK_CHECK_VERSION(4, 10, 0)
  GCancellable *save_cancellable;
#else
  GtkFileChooserNative *save_chooser;
#endif

  GMenu *recent_menu;
  VtLoadedSong *song;
  /* Non-NULL while a load is under way; its identity tells a stale result
   * (of a load that was superseded) from the current one. */
  GCancellable *load_cancellable;
#if GTK_CHECK_VERSION(4, 10, 0)
  GCancellable *chooser_cancellable;
#else
  GtkFileChooserNative *file_chooser;
#endif
};

G_DEFINE_FINAL_TYPE (VtWindow, vt_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_SONG,
  PROP_LOADING,
  PROP_PENCIL,
  PROP_SNAP,
  PROP_SOURCE,
  PROP_LOOP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void set_status (VtWindow *self, const char *text);
static void vt_window_open_song (VtWindow *self, GFile *file);
static void schedule_corrections (VtWindow *self);
static void adopt_document (VtWindow *self, VtDocument *document, const char *autosave);
static void start_player (VtWindow *self);
static void drop_player (VtWindow *self);
static void start_worker (VtWindow *self, const char *path);
static void drop_worker (VtWindow *self);
static void update_transport (VtWindow *self);

static void
show_error (VtWindow *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.dismiss-error", TRUE);
  /* Also for whoever runs us from a terminal; the banner is what users see. */
  g_message ("%s", message);
}

static void
hide_error (VtWindow *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.dismiss-error", FALSE);
}

static char *
format_duration (double seconds)
{
  int minutes = (int) (seconds / 60);
  return g_strdup_printf ("%d:%04.1f", minutes, seconds - 60.0 * minutes);
}

static char *
describe_song (VtLoadedSong *song)
{
  const VtAudioInfo *info = vt_loaded_song_get_info (song);
  VtAudio audio;
  vt_loaded_song_get_audio (song, &audio);

  g_autofree char *rate = audio.sample_rate % 1000 == 0
                            ? g_strdup_printf ("%d kHz", audio.sample_rate / 1000)
                            : g_strdup_printf ("%.1f kHz", audio.sample_rate / 1000.0);
  g_autofree char *channels = NULL;
  if (audio.channels == 1)
    channels = g_strdup ("mono");
  else if (audio.channels == 2)
    channels = g_strdup ("stereo");
  else
    channels = g_strdup_printf ("%d channels (mixed down to mono for analysis)", audio.channels);
  g_autofree char *duration = format_duration ((double) audio.frames / audio.sample_rate);
  return g_strdup_printf ("%s · %s · %s · %s, %s", duration, rate, channels, info->container,
                          info->encoding);
}

static void
update_view (VtWindow *self)
{
  gboolean loading = self->load_cancellable != NULL || self->analysis_cancellable != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-load", loading);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), loading);
  gtk_spinner_set_spinning (self->spinner, loading);
  gtk_spinner_set_spinning (self->loading_spinner, loading && self->song == NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->spinner),
                               self->load_cancellable ? "Loading the song…"
                                                      : "Computing the spectrogram and pitch…");

  if (self->song != NULL)
    gtk_stack_set_visible_child_name (self->stack, "song");
  else if (loading)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else
    gtk_stack_set_visible_child_name (self->stack, "empty");

  /* "*" marks corrections not yet saved in a project file. */
  g_autofree char *title = NULL;
  if (self->song != NULL)
    title = g_strdup_printf ("%s%s",
                             self->document && vt_document_get_modified (self->document) ? "*"
                                                                                        : "",
                             vt_loaded_song_get_display_name (self->song));
  gtk_window_set_title (GTK_WINDOW (self), title ? title : "Voxtrace");

  gboolean editable = self->document != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 editable && vt_document_can_undo (self->document));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 editable && vt_document_can_redo (self->document));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", editable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", editable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", self->song != NULL);
}

/* ---- The song's analysis: spectrogram and a first pitch curve ---------- */

typedef struct
{
  char *path;
  char *checksum;
  VtSpectrogram *spectrogram;
  gint64 frames;
} Analysis;

static void
analysis_free (Analysis *analysis)
{
  g_free (analysis->path);
  g_free (analysis->checksum);
  g_clear_pointer (&analysis->spectrogram, vt_spectrogram_unref);
  g_free (analysis);
}

static bool
analysis_progress (double fraction, const char *stage, void *user_data)
{
  return !g_cancellable_is_cancelled (user_data);
}

/* A GTask thread: the 16 kHz mono signal's spectrogram (what the networks
 * see), shown at once, and the file's checksum for the project and the
 * autosave. The pitch curve and the activity come from the worker. */
static void
analyse_in_thread (GTask *task, gpointer source_object, gpointer task_data,
                   GCancellable *cancellable)
{
  const char *path = task_data;
  Analysis *analysis = g_new0 (Analysis, 1);
  analysis->path = g_strdup (path);
  VtError error = { 0 };
  VtProgress progress = { analysis_progress, cancellable };
  float *mono = NULL, *magnitude = NULL, *log_magnitude = NULL;
  int64_t n_samples = 0, frames = 0;
  VtStatus status = vt_song_load_analysis_signal (path, &mono, &n_samples, NULL, &progress,
                                                  &error);
  if (status == VT_STATUS_OK)
    status = vt_model_spectrogram (mono, n_samples, &log_magnitude, &magnitude, &frames, &error);
  free (log_magnitude);
  if (status == VT_STATUS_OK && !g_cancellable_is_cancelled (cancellable))
    {
      analysis->frames = frames;
      analysis->spectrogram = vt_spectrogram_new (magnitude, frames, VT_FEATURES_BINS,
                                                  VT_FEATURES_FRAME_RATE,
                                                  vt_features_bin_hz (1));
      if (analysis->spectrogram == NULL)
        status = vt_error_set (&error, VT_STATUS_NO_MEMORY,
                               "not enough memory for the spectrogram");
    }
  free (magnitude);
  free (mono);
  if (status == VT_STATUS_OK && !g_cancellable_is_cancelled (cancellable))
    {
      GError *checksum_error = NULL;
      analysis->checksum = vt_document_checksum_file (path, cancellable, &checksum_error);
      if (analysis->checksum == NULL)
        {
          g_task_return_error (task, checksum_error);
          analysis_free (analysis);
          return;
        }
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      analysis_free (analysis);
      g_task_return_error_if_cancelled (task);
      return;
    }
  if (status != VT_STATUS_OK)
    {
      GError *gerror = NULL;
      vt_error_to_gerror (&error, status, &gerror);
      g_task_return_error (task, gerror);
      analysis_free (analysis);
      return;
    }
  g_task_return_pointer (task, analysis, (GDestroyNotify) analysis_free);
}

static void
show_document (VtWindow *self)
{
  VtDocument *document = self->document;
  gint64 frames = vt_document_get_n_frames (document);
  vt_spectrogram_view_set_f0 (self->spectrogram, vt_document_get_effective_f0 (document),
                              vt_document_get_confidence (document),
                              vt_document_get_f0_sources (document), frames,
                              VT_DOCUMENT_FRAME_RATE);
  guint n_regions;
  const VtSilentRegion *regions = vt_document_get_silent_regions (document, &n_regions);
  G_STATIC_ASSERT (sizeof (VtSilentRegion) == 2 * sizeof (double));
  vt_region_lane_set_regions (self->region_lane, (const double *) (const void *) regions,
                              n_regions);
  update_view (self);
}

static void
on_document_changed (VtDocument *document, VtWindow *self)
{
  show_document (self);
  schedule_corrections (self);
  const GError *autosave_error = vt_document_get_autosave_error (document);
  if (autosave_error != NULL)
    {
      g_autofree char *message = g_strdup_printf ("Your corrections could not be saved "
                                                  "automatically: %s",
                                                  autosave_error->message);
      show_error (self, message);
    }
}

static void
on_document_modified (VtDocument *document, GParamSpec *pspec, VtWindow *self)
{
  update_view (self);
}

static void
set_document (VtWindow *self, VtDocument *document)
{
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document != NULL)
    {
      g_signal_connect (document, "changed", G_CALLBACK (on_document_changed), self);
      g_signal_connect (document, "notify::modified", G_CALLBACK (on_document_modified), self);
      show_document (self);
    }
  else
    {
      vt_spectrogram_view_set_f0 (self->spectrogram, NULL, NULL, NULL, 0, VT_DOCUMENT_FRAME_RATE);
      vt_region_lane_set_regions (self->region_lane, NULL, 0);
      update_view (self);
    }
}

static char *
autosave_path_for (const char *checksum)
{
  g_autofree char *name = g_strdup_printf ("%s.vtproj", checksum);
  return g_build_filename (g_get_user_data_dir (), "voxtrace", "autosave", name, NULL);
}

/* ---- The worker: the model's curves, corrections, adaptation ----------- */

static void
set_status (VtWindow *self, const char *text)
{
  gtk_label_set_text (self->status_label, text ? text : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), text);
  /* G_MESSAGES_DEBUG=voxtrace-window shows the status line's story. */
  if (text != NULL && text[0] != '\0')
    g_log ("voxtrace-window", G_LOG_LEVEL_DEBUG, "status: %s", text);
}

static void
show_progress (VtWindow *self, gboolean visible, double fraction)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), visible);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_analysis_button),
                          visible && self->worker_analysing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-analysis",
                                 self->worker_analysing);
  if (visible)
    gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
}

/* The model's curves go to the document (the estimate the user corrects)
 * and its activity to the lane. */
static void
apply_model_estimate (VtWindow *self)
{
  if (self->worker == NULL || vt_worker_get_n_frames (self->worker) <= 0)
    return;
  gint64 frames = vt_worker_get_n_frames (self->worker);
  vt_region_lane_set_activity (self->region_lane, vt_worker_get_activity (self->worker), frames,
                               VT_DOCUMENT_FRAME_RATE);
  if (self->document != NULL)
    vt_document_set_estimate (self->document, vt_worker_get_f0 (self->worker),
                              vt_worker_get_f0_confidence (self->worker), frames);
}

/* What the document holds, as the worker wants it: per analysis frame, the
 * user's pitch (NAN = not corrected, 0 = unvoiced) and "must be silent". */
static void
build_corrections (VtWindow *self, gint64 frames, float *f0_user, guint8 *silent)
{
  for (gint64 t = 0; t < frames; t++)
    {
      f0_user[t] = NAN;
      silent[t] = 0;
    }
  if (self->document == NULL)
    return;
  gint64 doc_frames = MIN (frames, vt_document_get_n_frames (self->document));
  const float *effective = vt_document_get_effective_f0 (self->document);
  const guint8 *sources = vt_document_get_f0_sources (self->document);
  for (gint64 t = 0; t < doc_frames; t++)
    if (sources[t] == VT_F0_SOURCE_CORRECTED)
      f0_user[t] = effective[t];
    else if (sources[t] == VT_F0_SOURCE_UNVOICED)
      f0_user[t] = 0.0f;
  guint n_regions = 0;
  const VtSilentRegion *regions = vt_document_get_silent_regions (self->document, &n_regions);
  for (guint i = 0; i < n_regions; i++)
    {
      gint64 first = MAX (0, (gint64) ceil (regions[i].start * VT_DOCUMENT_FRAME_RATE));
      gint64 end = MIN (frames, (gint64) ceil (regions[i].end * VT_DOCUMENT_FRAME_RATE));
      for (gint64 t = first; t < end; t++)
        silent[t] = 1;
    }
}

static double
playhead_seconds (VtWindow *self)
{
  if (self->player != NULL)
    return (double) vt_player_get_position (self->player)
           / MAX (1, vt_player_get_sample_rate (self->player));
  double playhead = 0;
  g_object_get (self->spectrogram, "playhead", &playhead, NULL);
  return MAX (0.0, playhead);
}

/* Sends the corrections when they differ from what the worker has: the
 * document also changes when the worker's own estimate comes in, and that
 * must not start another adaptation. force: send even if unchanged (a new
 * player needs its stems rendered). */
static void
send_corrections (VtWindow *self, gboolean force)
{
  if (self->worker == NULL || self->document == NULL)
    return;
  gint64 frames = vt_worker_get_n_frames (self->worker);
  if (frames <= 0)
    return;
  g_autofree float *f0_user = g_new (float, frames);
  g_autofree guint8 *silent = g_new (guint8, frames);
  build_corrections (self, frames, f0_user, silent);
  if (self->sent_frames != frames)
    {
      /* The worker starts from no corrections. */
      g_free (self->sent_f0_user);
      g_free (self->sent_silent);
      self->sent_f0_user = g_new (float, frames);
      self->sent_silent = g_new0 (guint8, frames);
      for (gint64 t = 0; t < frames; t++)
        self->sent_f0_user[t] = NAN;
      self->sent_frames = frames;
    }
  if (!force && memcmp (f0_user, self->sent_f0_user, sizeof (float) * frames) == 0
      && memcmp (silent, self->sent_silent, frames) == 0)
    return;
  memcpy (self->sent_f0_user, f0_user, sizeof (float) * frames);
  memcpy (self->sent_silent, silent, frames);
  vt_worker_set_corrections (self->worker, f0_user, silent, frames, playhead_seconds (self));
}

static gboolean
corrections_idle_cb (gpointer user_data)
{
  VtWindow *self = user_data;
  self->corrections_idle = 0;
  send_corrections (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_corrections (VtWindow *self)
{
  /* One send per burst of changes (an undo of several edits, a drag). */
  if (self->corrections_idle == 0)
    self->corrections_idle = g_idle_add (corrections_idle_cb, self);
}

static void
adopt_document (VtWindow *self, VtDocument *document, const char *autosave)
{
  if (self->worker != NULL && vt_worker_get_n_frames (self->worker) > 0)
    vt_document_set_estimate (document, vt_worker_get_f0 (self->worker),
                              vt_worker_get_f0_confidence (self->worker),
                              vt_worker_get_n_frames (self->worker));
  vt_document_set_autosave_path (document, autosave);
  set_document (self, document);
  /* A project comes back with the view it was saved with. */
  VtDocumentView view;
  vt_document_get_view (document, &view);
  if (view.end_time > view.start_time)
    vt_spectrogram_view_set_visible_range (self->spectrogram, view.start_time, view.end_time);
  if (view.high_hz > view.low_hz && view.low_hz > 0)
    vt_spectrogram_view_set_frequency_range (self->spectrogram, view.low_hz, view.high_hz);
  schedule_corrections (self);
}

static void
on_worker_progress (VtWorker *worker, const char *stage, double fraction, VtWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%s%s…", self->worker_analysing ? "Analysing: " : "",
                                           stage);
  set_status (self, text);
  show_progress (self, TRUE, fraction);
}

static void
on_worker_estimate (VtWorker *worker, guint what, VtWindow *self)
{
  if (what == VT_WORKER_ESTIMATE_ANALYSED)
    {
      self->worker_analysing = FALSE;
      set_status (self, "Pitch and activity are in; rendering the stems…");
      show_progress (self, TRUE, gtk_progress_bar_get_fraction (self->progress_bar));
    }
  apply_model_estimate (self);
}

static void
on_worker_adapting (VtWorker *worker, GParamSpec *pspec, VtWindow *self)
{
  if (vt_worker_get_adapting (worker))
    set_status (self, "Adapting the model to your corrections…");
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), vt_worker_get_adapting (worker));
  if (vt_worker_get_adapting (worker))
    gtk_progress_bar_pulse (self->progress_bar);
}

static void
on_worker_adapted (VtWorker *worker, guint n_changed, double vocal_db, VtWindow *self)
{
  g_autofree char *text = NULL;
  if (n_changed == 0)
    text = g_strdup_printf ("Adapted: the pitch elsewhere stays as it was; vocal energy "
                            "%+.1f dB. Re-rendering…", vocal_db);
  else
    text = g_strdup_printf ("Adapted: the pitch moved in %.1f s of the song outside your "
                            "edits; vocal energy %+.1f dB. Re-rendering…",
                            n_changed / VT_DOCUMENT_FRAME_RATE, vocal_db);
  set_status (self, text);
}

static void
on_worker_render_finished (VtWorker *worker, guint pass, VtWindow *self)
{
  if (pass != VT_WORKER_PASS_FULL)
    return;
  show_progress (self, FALSE, 1.0);
  const char *text = gtk_label_get_text (self->status_label);
  /* Keep what adaptation changed on screen; just say the audio is current. */
  if (g_str_has_prefix (text, "Adapted:"))
    {
      g_autofree char *base = g_strndup (text, strlen (text) - strlen (" Re-rendering…"));
      g_autofree char *done = g_str_has_suffix (text, " Re-rendering…")
                                ? g_strdup_printf ("%s The separation is up to date.", base)
                                : g_strdup (text);
      set_status (self, done);
    }
  else
    set_status (self, "The separation is up to date.");
}

static void
on_worker_failed (VtWorker *worker, GError *error, VtWindow *self)
{
  self->worker_analysing = FALSE;
  show_progress (self, FALSE, 0);
  set_status (self, "");
  g_autofree char *message = g_strdup_printf ("The model: %s", error->message);
  show_error (self, message);
}

static void
drop_worker (VtWindow *self)
{
  g_clear_handle_id (&self->corrections_idle, g_source_remove);
  if (self->worker == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->worker, self);
  vt_worker_set_player (self->worker, NULL);
  /* Cancels its job and joins its thread: the core calls check for
   * cancellation often, so this is short. */
  g_clear_object (&self->worker);
  self->worker_analysing = FALSE;
  g_clear_pointer (&self->sent_f0_user, g_free);
  g_clear_pointer (&self->sent_silent, g_free);
  self->sent_frames = 0;
  show_progress (self, FALSE, 0);
}

static void
apply_budget (VtWindow *self)
{
  if (self->worker != NULL && self->settings != NULL)
    vt_worker_set_budget (self->worker,
                          g_settings_get_double (self->settings, "adaptation-budget"));
}

static void
start_worker (VtWindow *self, const char *path)
{
  if (self->worker == NULL)
    {
      self->worker = vt_worker_new (g_getenv ("VOXTRACE_MODEL"));
      g_signal_connect (self->worker, "progress", G_CALLBACK (on_worker_progress), self);
      g_signal_connect (self->worker, "estimate-changed", G_CALLBACK (on_worker_estimate), self);
      g_signal_connect (self->worker, "notify::adapting", G_CALLBACK (on_worker_adapting), self);
      g_signal_connect (self->worker, "adapted", G_CALLBACK (on_worker_adapted), self);
      g_signal_connect (self->worker, "render-finished",
                        G_CALLBACK (on_worker_render_finished), self);
      g_signal_connect (self->worker, "failed", G_CALLBACK (on_worker_failed), self);
      apply_budget (self);
    }
  g_clear_pointer (&self->sent_f0_user, g_free);
  g_clear_pointer (&self->sent_silent, g_free);
  self->sent_frames = 0;
  vt_worker_set_player (self->worker, self->player);
  self->worker_analysing = TRUE;
  vt_worker_open_song (self->worker, path);
  set_status (self, "Analysing: loading the model…");
  show_progress (self, TRUE, 0);
}

static void
cancel_analysis_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (!self->worker_analysing)
    return;
  drop_worker (self);
  set_status (self, "Analysis stopped: no pitch curve or separation. Open the song again to "
                    "analyse it.");
}

/* ---- Playback ----------------------------------------------------------- */

static char *
format_clock (double seconds)
{
  seconds = MAX (0.0, seconds);
  int minutes = (int) (seconds / 60);
  return g_strdup_printf ("%d:%04.1f", minutes, seconds - 60.0 * minutes);
}

static void
update_transport (VtWindow *self)
{
  gboolean playable = self->player != NULL && !vt_player_is_lost (self->player);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.play-pause", playable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.source", playable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.loop", playable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->volume_scale), playable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry-playback",
                                 self->song != NULL && !playable);
  gboolean playing = playable && vt_player_is_playing (self->player);
  gtk_button_set_icon_name (self->play_button, playing ? "media-playback-pause-symbolic"
                                                       : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               playing ? "Pause (Space)" : "Play (Space)");
}

static void
show_notice (VtWindow *self, const char *message)
{
  if (message == NULL)
    {
      gtk_revealer_set_reveal_child (self->notice_revealer, FALSE);
      return;
    }
  gtk_label_set_text (self->notice_label, message);
  gtk_revealer_set_reveal_child (self->notice_revealer, TRUE);
  g_message ("%s", message);
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->player == NULL)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  int rate = MAX (1, vt_player_get_sample_rate (self->player));
  double seconds = (double) vt_player_get_position (self->player) / rate;
  vt_spectrogram_view_set_playhead (self->spectrogram, seconds);
  gint64 tenths = (gint64) (seconds * 10);
  if (tenths != self->shown_tenths)
    {
      self->shown_tenths = tenths;
      g_autofree char *now = format_clock (seconds);
      g_autofree char *total = format_clock ((double) vt_player_get_frames (self->player) / rate);
      g_autofree char *text = g_strdup_printf ("%s / %s", now, total);
      gtk_label_set_text (self->time_label, text);
    }
  /* The player stops by itself at the end of the song. */
  const char *icon = gtk_button_get_icon_name (self->play_button);
  gboolean shows_pause = g_strcmp0 (icon, "media-playback-pause-symbolic") == 0;
  if (shows_pause != vt_player_is_playing (self->player))
    update_transport (self);
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  GWeakRef window;
  char *reason;
} LostReport;

static gboolean
report_lost_device (gpointer user_data)
{
  LostReport *report = user_data;
  g_autoptr (VtWindow) self = g_weak_ref_get (&report->window);
  if (self != NULL && self->player != NULL)
    {
      g_autofree char *message = g_strdup_printf ("Playback stopped: %s. Try again when the "
                                                  "sound output is back.", report->reason);
      show_notice (self, message);
      update_transport (self);
    }
  g_weak_ref_clear (&report->window);
  g_free (report->reason);
  g_free (report);
  return G_SOURCE_REMOVE;
}

/* Player thread: hand the report over to the UI thread. */
static void
on_player_lost (VtPlayer *player, const char *reason, gpointer user_data)
{
  LostReport *report = g_new0 (LostReport, 1);
  g_weak_ref_init (&report->window, user_data);
  report->reason = g_strdup (reason);
  g_main_context_invoke (NULL, report_lost_device, report);
}

static VtPlayerSource
source_from_name (const char *name)
{
  if (g_strcmp0 (name, "vocals") == 0)
    return VT_PLAYER_SOURCE_VOCALS;
  if (g_strcmp0 (name, "accompaniment") == 0)
    return VT_PLAYER_SOURCE_ACCOMPANIMENT;
  return VT_PLAYER_SOURCE_MIX;
}

static char *
dup_output_device (VtWindow *self)
{
  if (self->settings == NULL)
    return NULL;
  char *device = g_settings_get_string (self->settings, "output-device");
  if (device[0] == '\0')
    g_clear_pointer (&device, g_free);
  return device;
}

static void
drop_player (VtWindow *self)
{
  if (self->worker != NULL)
    vt_worker_set_player (self->worker, NULL);
  g_clear_pointer (&self->player, vt_player_free);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
}

static void
apply_loop (VtWindow *self)
{
  if (self->player == NULL)
    return;
  gint64 start_frame = 0, n_frames = 0;
  if (self->loop && vt_spectrogram_view_get_selection (self->spectrogram, &start_frame, &n_frames)
      && n_frames > 0)
    {
      double rate = vt_player_get_sample_rate (self->player);
      vt_player_set_loop (self->player,
                          (int64_t) llround (start_frame / VT_DOCUMENT_FRAME_RATE * rate),
                          (int64_t) llround ((start_frame + n_frames) / VT_DOCUMENT_FRAME_RATE
                                             * rate));
      g_log ("voxtrace-window", G_LOG_LEVEL_DEBUG, "loop: %.4f %.4f s",
             start_frame / VT_DOCUMENT_FRAME_RATE,
             (start_frame + n_frames) / VT_DOCUMENT_FRAME_RATE);
    }
  else
    vt_player_set_loop (self->player, 0, 0);
}

static void
start_player (VtWindow *self)
{
  drop_player (self);
  g_clear_pointer (&self->player_error, g_free);
  if (self->song == NULL)
    {
      show_notice (self, NULL);
      update_transport (self);
      return;
    }
  VtAudio mix;
  vt_loaded_song_get_audio (self->song, &mix);
  g_autofree char *device = dup_output_device (self);
  g_autoptr (GError) error = NULL;
  self->player = vt_player_new (&mix, device, &error);
  if (self->player == NULL)
    {
      g_autofree char *total = format_clock ((double) mix.frames / MAX (1, mix.sample_rate));
      g_autofree char *text = g_strdup_printf ("0:00.0 / %s", total);
      gtk_label_set_text (self->time_label, text);
      self->player_error = g_strdup (error->message);
      g_autofree char *message = g_strdup_printf ("playback unavailable: %s (editing and export "
                                                  "still work)", error->message);
      show_notice (self, message);
    }
  else
    {
      show_notice (self, NULL);
      vt_player_set_lost_func (self->player, on_player_lost, self);
      vt_player_set_volume (self->player,
                            (float) gtk_range_get_value (GTK_RANGE (self->volume_scale)));
      vt_player_set_source (self->player, source_from_name (self->source));
      apply_loop (self);
      self->shown_tenths = -1;
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
      if (self->worker != NULL)
        vt_worker_set_player (self->worker, self->player);
    }
  update_transport (self);
}

static void
retry_playback_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->player != NULL)
    {
      g_autofree char *device = dup_output_device (self);
      g_autoptr (GError) error = NULL;
      if (!vt_player_restart (self->player, device, &error))
        {
          g_autofree char *message = g_strdup_printf ("playback unavailable: %s",
                                                      error->message);
          show_notice (self, message);
        }
      else
        show_notice (self, NULL);
      update_transport (self);
      return;
    }
  start_player (self);
  /* The stems rendered so far went nowhere: have them rendered again. */
  if (self->player != NULL && self->worker != NULL && !self->worker_analysing)
    send_corrections (self, TRUE);
}

static void
play_pause_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->player == NULL)
    return;
  if (vt_player_is_playing (self->player))
    vt_player_pause (self->player);
  else
    vt_player_play (self->player);
  update_transport (self);
}

static void
on_volume_changed (GtkRange *range, VtWindow *self)
{
  if (self->player != NULL)
    vt_player_set_volume (self->player, (float) gtk_range_get_value (range));
  if (self->settings != NULL)
    g_settings_set_double (self->settings, "volume", gtk_range_get_value (range));
}

static void
on_selection_changed (VtSpectrogramView *view, GParamSpec *pspec, VtWindow *self)
{
  if (self->loop)
    apply_loop (self);
}

static void
on_analysis_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VtWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  Analysis *analysis = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_task_get_cancellable (G_TASK (result)) != self->analysis_cancellable)
    {
      if (analysis)
        analysis_free (analysis);
      return;
    }
  g_clear_object (&self->analysis_cancellable);
  if (analysis == NULL)
    {
      update_view (self);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf ("The song cannot be analysed: %s",
                                                      error->message);
          show_error (self, message);
        }
      return;
    }

  vt_spectrogram_view_set_spectrogram (self->spectrogram, analysis->spectrogram);
  vt_spectrogram_view_set_visible_range (self->spectrogram, 0, 0);
  double duration = analysis->frames / VT_DOCUMENT_FRAME_RATE;
  vt_region_lane_set_duration (self->region_lane, duration);
  g_autofree char *autosave = autosave_path_for (analysis->checksum);

  /* A project the user opened wins over the autosave. */
  if (self->pending_project != NULL)
    {
      g_autoptr (VtDocument) project = g_steal_pointer (&self->pending_project);
      if (g_strcmp0 (vt_document_get_song_checksum (project), analysis->checksum) != 0)
        show_error (self, "This song's file differs from the one the project was made with "
                          "(another checksum); the corrections are kept at the same times.");
      adopt_document (self, project, autosave);
      analysis_free (analysis);
      return;
    }

  /* Corrections autosaved for this very file (same checksum), e.g. before a
   * crash, are offered: the user decides whether they come back. Until then
   * nothing is edited, so the autosave cannot be overwritten by accident. */
  g_autoptr (GError) autosave_error = NULL;
  g_autoptr (VtDocument) recovered = NULL;
  guint n_regions = 0;
  if (g_file_test (autosave, G_FILE_TEST_IS_REGULAR))
    recovered = vt_document_load (autosave, &autosave_error);
  if (recovered != NULL)
    vt_document_get_silent_regions (recovered, &n_regions);
  if (recovered != NULL
      && g_strcmp0 (vt_document_get_song_checksum (recovered), analysis->checksum) == 0
      && (vt_document_get_n_f0_edits (recovered) > 0 || n_regions > 0))
    {
      guint n_edits = vt_document_get_n_f0_edits (recovered);
      g_autofree char *offer = g_strdup_printf (
        "Voxtrace kept %u pitch correction%s and %u silent region%s of this song that were "
        "not saved in a project (e.g. before a crash). Restore them?",
        n_edits, n_edits == 1 ? "" : "s", n_regions, n_regions == 1 ? "" : "s");
      gtk_label_set_text (self->offer_label, offer);
      g_set_object (&self->offered_document, recovered);
      g_object_set_data_full (G_OBJECT (recovered), "vt-song-path", g_strdup (analysis->path),
                              g_free);
      g_object_set_data (G_OBJECT (recovered), "vt-frames",
                         GSIZE_TO_POINTER ((gsize) analysis->frames));
      gtk_revealer_set_reveal_child (self->offer_revealer, TRUE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-autosave", TRUE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.discard-autosave", TRUE);
      analysis_free (analysis);
      return;
    }
  if (autosave_error != NULL)
    g_message ("ignoring the autosave: %s", autosave_error->message);
  g_autoptr (VtDocument) document = vt_document_new ();
  vt_document_set_song (document, analysis->path, analysis->checksum, analysis->frames);
  adopt_document (self, document, autosave);
  analysis_free (analysis);
}

static void
answer_offer (VtWindow *self, gboolean restore)
{
  g_autoptr (VtDocument) recovered = g_steal_pointer (&self->offered_document);
  gtk_revealer_set_reveal_child (self->offer_revealer, FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-autosave", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.discard-autosave", FALSE);
  if (recovered == NULL)
    return;
  g_autofree char *autosave = g_strdup (vt_document_get_autosave_path (recovered));
  if (autosave == NULL)
    autosave = autosave_path_for (vt_document_get_song_checksum (recovered));
  if (restore)
    {
      vt_document_set_modified (recovered, TRUE);
      adopt_document (self, recovered, autosave);
      set_status (self, "Restored the corrections kept automatically.");
      return;
    }
  g_autoptr (VtDocument) document = vt_document_new ();
  vt_document_set_song (document, g_object_get_data (G_OBJECT (recovered), "vt-song-path"),
                        vt_document_get_song_checksum (recovered),
                        (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (recovered),
                                                                      "vt-frames")));
  adopt_document (self, document, autosave);
}

static void
restore_autosave_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  answer_offer (VT_WINDOW (widget), TRUE);
}

static void
discard_autosave_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  answer_offer (VT_WINDOW (widget), FALSE);
}

static void
start_analysis (VtWindow *self, VtLoadedSong *song)
{
  if (self->analysis_cancellable != NULL)
    g_cancellable_cancel (self->analysis_cancellable);
  g_clear_object (&self->analysis_cancellable);
  set_document (self, NULL);
  g_clear_object (&self->offered_document);
  gtk_revealer_set_reveal_child (self->offer_revealer, FALSE);
  vt_spectrogram_view_set_spectrogram (self->spectrogram, NULL);
  vt_region_lane_set_activity (self->region_lane, NULL, 0, VT_DOCUMENT_FRAME_RATE);
  if (song == NULL)
    return;
  char *path = g_file_get_path (vt_loaded_song_get_file (song));
  if (path == NULL)
    return;
  self->analysis_cancellable = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (NULL, self->analysis_cancellable, on_analysis_done,
                                       g_object_ref (self));
  g_task_set_name (task, "voxtrace song analysis");
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, analyse_in_thread);
  start_worker (self, path);
  g_free (path);
  update_view (self);
}

static void
set_song (VtWindow *self, VtLoadedSong *song)
{
  if (song == self->song)
    return;
  if (song != NULL)
    vt_loaded_song_ref (song);
  g_clear_pointer (&self->song, vt_loaded_song_unref);
  self->song = song;

  vt_waveform_view_set_peaks (self->waveform, song ? vt_loaded_song_get_peaks (song) : NULL);
  /* The player first, so that the worker's first stems reach it. */
  start_player (self);
  start_analysis (self, song);
  g_autofree char *description = song ? describe_song (song) : NULL;
  gtk_label_set_text (self->song_info_label, description ? description : "");
  update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SONG]);
}

static void
remember_recent (VtLoadedSong *song)
{
  GFile *file = vt_loaded_song_get_file (song);
  g_autofree char *uri = g_file_get_uri (file);
  g_autofree char *content_type = g_content_type_guess (vt_loaded_song_get_display_name (song), NULL, 0,
                                                        NULL);
  g_autofree char *mime_type = content_type ? g_content_type_get_mime_type (content_type) : NULL;
  g_autofree char *exec = g_strdup_printf ("%s %%u", g_get_prgname ());
  GtkRecentData data = {
    .display_name = (char *) vt_loaded_song_get_display_name (song),
    .mime_type = mime_type ? mime_type : (char *) "application/octet-stream",
    .app_name = (char *) g_get_application_name (),
    .app_exec = exec,
  };
  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

static void
on_song_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VtWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (VtLoadedSong) song = vt_song_loader_load_finish (result, &error);

  /* A load that was superseded or cancelled with the window: drop it. */
  if (g_task_get_cancellable (G_TASK (result)) != self->load_cancellable)
    return;
  g_clear_object (&self->load_cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);

  if (song == NULL)
    {
      update_view (self);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  set_song (self, song);
  remember_recent (song);
}

static void
vt_window_open_song (VtWindow *self, GFile *file)
{
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  hide_error (self);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *display_name = name ? g_filename_display_name (name) : g_strdup ("the song");
  g_autofree char *loading_text = g_strdup_printf ("Loading %s…", display_name);
  gtk_label_set_text (self->loading_label, loading_text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->spinner), loading_text);
  update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);

  vt_song_loader_load_async (file, self->load_cancellable, on_song_loaded, g_object_ref (self));
}

static void
add_song_filters (void (*add) (gpointer chooser, GtkFileFilter *filter), gpointer chooser)
{
  static const char *const suffixes[] = { "wav", "flac", "ogg", "oga", "opus", "mp3",
                                          "aif", "aiff", "au", "w64", "caf" };
  g_autoptr (GtkFileFilter) audio = gtk_file_filter_new ();
  gtk_file_filter_set_name (audio, "Songs and Voxtrace projects");
  gtk_file_filter_add_mime_type (audio, "audio/*");
  gtk_file_filter_add_suffix (audio, "vtproj");
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    gtk_file_filter_add_suffix (audio, suffixes[i]);
  add (chooser, audio);

  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();
  gtk_file_filter_set_name (all, "All Files");
  gtk_file_filter_add_pattern (all, "*");
  add (chooser, all);
}

#if GTK_CHECK_VERSION(4, 10, 0)

static void
append_filter (gpointer store, GtkFileFilter *filter)
{
  g_list_store_append (store, filter);
}

static void
on_file_dialog_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VtWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, &error);
  g_clear_object (&self->chooser_cancellable);
  /* The window may have been closed while the dialog was up. */
  if (file != NULL && self->stack != NULL)
    vt_window_open (self, file);
}

static void
open_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->chooser_cancellable != NULL)
    return;
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, "Open a Song");
  gtk_file_dialog_set_modal (dialog, TRUE);
  g_autoptr (GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  add_song_filters (append_filter, filters);
  gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
  if (self->song != NULL)
    {
      g_autoptr (GFile) folder = g_file_get_parent (vt_loaded_song_get_file (self->song));
      if (folder != NULL)
        gtk_file_dialog_set_initial_folder (dialog, folder);
    }
  self->chooser_cancellable = g_cancellable_new ();
  gtk_file_dialog_open (dialog, GTK_WINDOW (self), self->chooser_cancellable, on_file_dialog_done,
                        g_object_ref (self));
}

static void
close_file_chooser (VtWindow *self)
{
  if (self->chooser_cancellable != NULL)
    g_cancellable_cancel (self->chooser_cancellable);
}

#else /* GTK < 4.10: Debian 12 has 4.8 */

static void
add_filter (gpointer chooser, GtkFileFilter *filter)
{
  gtk_file_chooser_add_filter (chooser, filter);
}

/* Closes a native chooser of this window, if open, without its response. */
static void
close_native_chooser (VtWindow *self, GtkFileChooserNative **chooser)
{
  if (*chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (*chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (*chooser));
  g_clear_object (chooser);
}

static void
close_file_chooser (VtWindow *self)
{
  close_native_chooser (self, &self->file_chooser);
}

static void
on_file_chooser_response (GtkNativeDialog *dialog, int response, VtWindow *self)
{
  g_autoptr (GFile) file = NULL;
  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  close_file_chooser (self);
  if (file != NULL)
    vt_window_open (self, file);
}

static void
open_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->file_chooser != NULL)
    return;
  self->file_chooser = gtk_file_chooser_native_new ("Open a Song", GTK_WINDOW (self),
                                                    GTK_FILE_CHOOSER_ACTION_OPEN, "_Open",
                                                    "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->file_chooser), TRUE);
  add_song_filters (add_filter, self->file_chooser);
  if (self->song != NULL)
    {
      g_autoptr (GFile) folder = g_file_get_parent (vt_loaded_song_get_file (self->song));
      if (folder != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->file_chooser), folder, NULL);
    }
  g_signal_connect (self->file_chooser, "response", G_CALLBACK (on_file_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->file_chooser));
}

#endif

static void
open_recent_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_autoptr (GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));
  vt_window_open (VT_WINDOW (widget), file);
}

static void
cancel_load_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  /* on_song_loaded then sees G_IO_ERROR_CANCELLED and restores the view. */
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
}

/* ---- Export ------------------------------------------------------------- */

typedef struct
{
  const char *name; /* as in GSettings and vt_file_format_from_name() */
  const char *label;
  VtFileFormat format;
} ExportFormat;

static const ExportFormat export_formats[] = {
  { "wav16", "WAV, 16-bit", VT_FILE_FORMAT_WAV_16 },
  { "wav24", "WAV, 24-bit", VT_FILE_FORMAT_WAV_24 },
  { "float", "WAV, 32-bit float", VT_FILE_FORMAT_WAV_FLOAT },
  { "flac", "FLAC", VT_FILE_FORMAT_FLAC },
  { "ogg", "Ogg Vorbis", VT_FILE_FORMAT_OGG },
  { "mp3", "MP3", VT_FILE_FORMAT_MP3 },
};

enum
{
  EXPORT_BOTH = 0,
  EXPORT_VOCALS,
  EXPORT_ACCOMPANIMENT,
};

typedef struct
{
  GWeakRef window;
  GtkWindow *dialog;
  GtkDropDown *stems;
  GtkDropDown *format;
  GtkCheckButton *f0_csv;
  GtkEntry *prefix;
  GtkLabel *files_label;
  GtkLabel *warning_label;
  GtkButton *export_button;
  GtkProgressBar *progress;
  GCancellable *cancellable; /* non-NULL while exporting */
  guint pulse_id;
  gboolean confirmed;
  gboolean closed;
  char *vocals_path;
  char *accompaniment_path;
  char *f0_csv_path;
} ExportDialog;

static void
export_dialog_free (ExportDialog *export)
{
  g_weak_ref_clear (&export->window);
  g_clear_handle_id (&export->pulse_id, g_source_remove);
  if (export->cancellable != NULL)
    g_cancellable_cancel (export->cancellable);
  g_clear_object (&export->cancellable);
  g_free (export->vocals_path);
  g_free (export->accompaniment_path);
  g_free (export->f0_csv_path);
  g_free (export);
}

/* The files the dialog's choices name; returns how many of them exist. */
static guint
export_update_paths (ExportDialog *export, GString *existing)
{
  g_clear_pointer (&export->vocals_path, g_free);
  g_clear_pointer (&export->accompaniment_path, g_free);
  g_clear_pointer (&export->f0_csv_path, g_free);
  const char *prefix = gtk_editable_get_text (GTK_EDITABLE (export->prefix));
  guint stems = gtk_drop_down_get_selected (export->stems);
  guint format = MIN (gtk_drop_down_get_selected (export->format),
                      G_N_ELEMENTS (export_formats) - 1);
  const char *extension = vt_file_format_extension (export_formats[format].format);
  if (prefix[0] != '\0')
    {
      if (stems != EXPORT_ACCOMPANIMENT)
        export->vocals_path = g_strdup_printf ("%s-vocals.%s", prefix, extension);
      if (stems != EXPORT_VOCALS)
        export->accompaniment_path = g_strdup_printf ("%s-accompaniment.%s", prefix, extension);
      if (gtk_check_button_get_active (export->f0_csv))
        export->f0_csv_path = g_strdup_printf ("%s-f0.csv", prefix);
    }
  g_autoptr (GString) names = g_string_new (NULL);
  guint n_existing = 0;
  const char *paths[] = { export->vocals_path, export->accompaniment_path, export->f0_csv_path };
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    if (paths[i] != NULL)
      {
        g_autofree char *base = g_path_get_basename (paths[i]);
        g_string_append_printf (names, "%s%s", names->len ? ", " : "", base);
        if (g_file_test (paths[i], G_FILE_TEST_EXISTS))
          {
            n_existing++;
            if (existing != NULL)
              g_string_append_printf (existing, "%s%s", existing->len ? ", " : "", base);
          }
      }
  g_autofree char *text = names->len ? g_strdup_printf ("Writes %s", names->str)
                                     : g_strdup ("Type where the files go.");
  gtk_label_set_text (export->files_label, text);
  return n_existing;
}

static void
export_choices_changed (ExportDialog *export)
{
  /* A confirmation was for the files named then. */
  export->confirmed = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (export->warning_label), FALSE);
  gtk_button_set_label (export->export_button, "_Export");
  export_update_paths (export, NULL);
}

static gboolean
export_pulse (gpointer user_data)
{
  ExportDialog *export = user_data;
  gtk_progress_bar_pulse (export->progress);
  return G_SOURCE_CONTINUE;
}

static void
export_set_busy (ExportDialog *export, gboolean busy)
{
  gtk_widget_set_sensitive (GTK_WIDGET (export->export_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (export->prefix), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (export->stems), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (export->format), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (export->f0_csv), !busy);
  gtk_widget_set_visible (GTK_WIDGET (export->progress), busy);
  g_clear_handle_id (&export->pulse_id, g_source_remove);
  if (busy)
    export->pulse_id = g_timeout_add (100, export_pulse, export);
}

static void
on_export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GtkWindow) dialog = user_data;
  ExportDialog *export = g_object_get_data (G_OBJECT (dialog), "vt-export");
  g_autoptr (GError) error = NULL;
  gboolean ok = vt_worker_export_finish (VT_WORKER (source), result, &error);
  if (export == NULL || export->closed)
    return;
  g_clear_object (&export->cancellable);
  export_set_busy (export, FALSE);
  g_autoptr (VtWindow) self = g_weak_ref_get (&export->window);
  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_label_set_text (export->files_label, "Export cancelled; no file was replaced.");
      else
        {
          g_autofree char *message = g_strdup_printf ("The export failed: %s", error->message);
          gtk_label_set_text (export->warning_label, message);
          gtk_widget_set_visible (GTK_WIDGET (export->warning_label), TRUE);
        }
      return;
    }
  if (self != NULL)
    {
      g_autofree char *folder = g_path_get_dirname (
        gtk_editable_get_text (GTK_EDITABLE (export->prefix)));
      g_autofree char *text = g_strdup_printf ("Exported to %s.", folder);
      set_status (self, text);
    }
  gtk_window_destroy (dialog);
}

static void
export_start (ExportDialog *export)
{
  g_autoptr (VtWindow) self = g_weak_ref_get (&export->window);
  if (self == NULL || export->cancellable != NULL)
    return;
  g_autoptr (GString) existing = g_string_new (NULL);
  guint n_existing = export_update_paths (export, existing);
  if (export->vocals_path == NULL && export->accompaniment_path == NULL
      && export->f0_csv_path == NULL)
    {
      gtk_widget_error_bell (GTK_WIDGET (export->dialog));
      return;
    }
  if (n_existing > 0 && !export->confirmed)
    {
      /* Never overwrite silently: say which, and ask for a second click. */
      g_autofree char *text = g_strdup_printf ("%s already exist%s. Press Replace to overwrite "
                                               "%s.", existing->str, n_existing == 1 ? "s" : "",
                                               n_existing == 1 ? "it" : "them");
      gtk_label_set_text (export->warning_label, text);
      gtk_widget_set_visible (GTK_WIDGET (export->warning_label), TRUE);
      gtk_button_set_label (export->export_button, "_Replace");
      export->confirmed = TRUE;
      return;
    }
  if (self->worker == NULL)
    {
      gtk_label_set_text (export->warning_label, "There is no separation to export: the song's "
                                                 "analysis was stopped. Open the song again.");
      gtk_widget_set_visible (GTK_WIDGET (export->warning_label), TRUE);
      return;
    }
  g_autofree char *folder = g_path_get_dirname (export->vocals_path ? export->vocals_path
                                                : export->accompaniment_path
                                                  ? export->accompaniment_path
                                                  : export->f0_csv_path);
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      g_autofree char *text = g_strdup_printf ("The folder %s cannot be made: %s", folder,
                                               g_strerror (errno));
      gtk_label_set_text (export->warning_label, text);
      gtk_widget_set_visible (GTK_WIDGET (export->warning_label), TRUE);
      return;
    }
  guint format = MIN (gtk_drop_down_get_selected (export->format),
                      G_N_ELEMENTS (export_formats) - 1);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "export-format", export_formats[format].name);
  VtWorkerExport what = {
    .vocals_path = export->vocals_path,
    .accompaniment_path = export->accompaniment_path,
    .format = export_formats[format].format,
    .f0_csv_path = export->f0_csv_path,
  };
  gtk_widget_set_visible (GTK_WIDGET (export->warning_label), FALSE);
  gtk_label_set_text (export->files_label, "Exporting…");
  export->cancellable = g_cancellable_new ();
  export_set_busy (export, TRUE);
  vt_worker_export_async (self->worker, &what, export->cancellable, on_export_done,
                          g_object_ref (export->dialog));
}

static void
on_export_clicked (GtkButton *button, ExportDialog *export)
{
  export_start (export);
}

static void
on_export_cancel_clicked (GtkButton *button, ExportDialog *export)
{
  if (export->cancellable != NULL)
    g_cancellable_cancel (export->cancellable);
  else
    gtk_window_destroy (export->dialog);
}

static void
on_export_dialog_destroy (GtkWidget *dialog, gpointer user_data)
{
  ExportDialog *export = g_object_get_data (G_OBJECT (dialog), "vt-export");
  g_autoptr (VtWindow) self = g_weak_ref_get (&export->window);
  export->closed = TRUE;
  if (export->cancellable != NULL)
    g_cancellable_cancel (export->cancellable);
  g_clear_handle_id (&export->pulse_id, g_source_remove);
  if (self != NULL && self->export_dialog == GTK_WINDOW (dialog))
    self->export_dialog = NULL;
}

static char *
default_export_prefix (VtWindow *self)
{
  g_autofree char *path = g_file_get_path (vt_loaded_song_get_file (self->song));
  if (path == NULL)
    path = g_build_filename (g_get_home_dir (), vt_loaded_song_get_display_name (self->song),
                             NULL);
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, G_DIR_SEPARATOR);
  return dot && (!slash || dot > slash) ? g_strndup (path, dot - path) : g_strdup (path);
}

/* Esc closes the dialogs, as it does GTK's own. */
static void
close_on_escape (GtkWindow *window)
{
  GtkEventController *keys = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (
    GTK_SHORTCUT_CONTROLLER (keys),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                      gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (GTK_WIDGET (window), keys);
}

static GtkWidget *
grid_label (const char *text, GtkWidget *target)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), target);
  return label;
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->song == NULL)
    return;
  if (self->export_dialog != NULL)
    {
      gtk_window_present (self->export_dialog);
      return;
    }
  ExportDialog *export = g_new0 (ExportDialog, 1);
  g_weak_ref_init (&export->window, self);
  export->dialog = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (export->dialog, "Export");
  gtk_window_set_transient_for (export->dialog, GTK_WINDOW (self));
  gtk_window_set_modal (export->dialog, TRUE);
  gtk_window_set_default_size (export->dialog, 560, -1);
  close_on_escape (export->dialog);
  g_object_set_data_full (G_OBJECT (export->dialog), "vt-export", export,
                          (GDestroyNotify) export_dialog_free);

  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_window_set_child (export->dialog, box);

  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_box_append (GTK_BOX (box), grid);

  export->prefix = GTK_ENTRY (gtk_entry_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (export->prefix), TRUE);
  gtk_entry_set_activates_default (export->prefix, TRUE);
  g_autofree char *prefix = default_export_prefix (self);
  gtk_editable_set_text (GTK_EDITABLE (export->prefix), prefix);
  gtk_widget_set_tooltip_text (GTK_WIDGET (export->prefix),
                               "Folder and start of the file names; \"-vocals\", "
                               "\"-accompaniment\" and \"-f0\" are added");
  gtk_grid_attach (GTK_GRID (grid), grid_label ("_Save as", GTK_WIDGET (export->prefix)), 0, 0,
                   1, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (export->prefix), 1, 0, 1, 1);

  static const char *const stems[] = { "Vocals and accompaniment", "Vocals only",
                                       "Accompaniment only", NULL };
  export->stems = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (stems));
  gtk_grid_attach (GTK_GRID (grid), grid_label ("S_tems", GTK_WIDGET (export->stems)), 0, 1, 1,
                   1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (export->stems), 1, 1, 1, 1);

  const char *format_labels[G_N_ELEMENTS (export_formats) + 1];
  guint chosen = 3; /* FLAC */
  g_autofree char *preferred = self->settings
                                 ? g_settings_get_string (self->settings, "export-format")
                                 : NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (export_formats); i++)
    {
      format_labels[i] = export_formats[i].label;
      if (g_strcmp0 (preferred, export_formats[i].name) == 0)
        chosen = i;
    }
  format_labels[G_N_ELEMENTS (export_formats)] = NULL;
  export->format = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (format_labels));
  gtk_drop_down_set_selected (export->format, chosen);
  gtk_grid_attach (GTK_GRID (grid), grid_label ("_Format", GTK_WIDGET (export->format)), 0, 2, 1,
                   1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (export->format), 1, 2, 1, 1);

  VtAudio mix;
  vt_loaded_song_get_audio (self->song, &mix);
  g_autofree char *keeps = g_strdup_printf ("At the song's own %d Hz, %d channel%s, full "
                                            "bandwidth.", mix.sample_rate, mix.channels,
                                            mix.channels == 1 ? "" : "s");
  GtkWidget *keeps_label = gtk_label_new (keeps);
  gtk_label_set_xalign (GTK_LABEL (keeps_label), 0);
  gtk_widget_add_css_class (keeps_label, "dim-label");
  gtk_grid_attach (GTK_GRID (grid), keeps_label, 1, 3, 1, 1);

  export->f0_csv = GTK_CHECK_BUTTON (
    gtk_check_button_new_with_mnemonic ("Also the _pitch curve as CSV (time s, Hz; 0 = unvoiced)"));
  gtk_check_button_set_active (export->f0_csv, TRUE);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (export->f0_csv), 1, 4, 1, 1);

  export->files_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (export->files_label, 0);
  gtk_label_set_wrap (export->files_label, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (export->files_label));
  export->warning_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (export->warning_label, 0);
  gtk_label_set_wrap (export->warning_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (export->warning_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (export->warning_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (export->warning_label));
  export->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_visible (GTK_WIDGET (export->progress), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (export->progress));

  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  GtkWidget *cancel = gtk_button_new_with_mnemonic ("_Cancel");
  export->export_button = GTK_BUTTON (gtk_button_new_with_mnemonic ("_Export"));
  gtk_widget_add_css_class (GTK_WIDGET (export->export_button), "suggested-action");
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (export->export_button));
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_default_widget (export->dialog, GTK_WIDGET (export->export_button));

  g_signal_connect (export->export_button, "clicked", G_CALLBACK (on_export_clicked), export);
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_export_cancel_clicked), export);
  g_signal_connect_swapped (export->prefix, "changed", G_CALLBACK (export_choices_changed),
                            export);
  g_signal_connect_swapped (export->stems, "notify::selected",
                            G_CALLBACK (export_choices_changed), export);
  g_signal_connect_swapped (export->format, "notify::selected",
                            G_CALLBACK (export_choices_changed), export);
  g_signal_connect_swapped (export->f0_csv, "toggled", G_CALLBACK (export_choices_changed),
                            export);
  g_signal_connect (export->dialog, "destroy", G_CALLBACK (on_export_dialog_destroy), NULL);
  export_update_paths (export, NULL);

  self->export_dialog = export->dialog;
  gtk_window_present (export->dialog);
  gtk_widget_grab_focus (GTK_WIDGET (export->prefix));
}

/* ---- Preferences, shortcuts, about, the demo ----------------------------- */

static void
on_device_selected (GtkDropDown *drop_down, GParamSpec *pspec, VtWindow *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (drop_down);
  if (item == NULL || self->settings == NULL)
    return;
  guint selected = gtk_drop_down_get_selected (drop_down);
  const char *device = selected == 0 ? "" : gtk_string_object_get_string (item);
  g_autofree char *current = g_settings_get_string (self->settings, "output-device");
  if (g_strcmp0 (current, device) == 0)
    return;
  g_settings_set_string (self->settings, "output-device", device);
  /* Move playback to the chosen output now. */
  if (self->player != NULL)
    {
      g_autoptr (GError) error = NULL;
      if (!vt_player_restart (self->player, device[0] ? device : NULL, &error))
        {
          g_autofree char *message = g_strdup_printf ("playback unavailable: %s",
                                                      error->message);
          show_notice (self, message);
        }
      update_transport (self);
    }
  else if (self->song != NULL)
    retry_playback_action (GTK_WIDGET (self), NULL, NULL);
}

static void
on_export_format_selected (GtkDropDown *drop_down, GParamSpec *pspec, VtWindow *self)
{
  guint selected = gtk_drop_down_get_selected (drop_down);
  if (self->settings != NULL && selected < G_N_ELEMENTS (export_formats))
    g_settings_set_string (self->settings, "export-format", export_formats[selected].name);
}

static void
on_preferences_destroy (GtkWidget *window, VtWindow *self)
{
  if (self->preferences_window == GTK_WINDOW (window))
    self->preferences_window = NULL;
}

static void
preferences_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->preferences_window != NULL)
    {
      gtk_window_present (self->preferences_window);
      return;
    }
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  self->preferences_window = window;
  gtk_window_set_title (window, "Preferences");
  gtk_window_set_transient_for (window, GTK_WINDOW (self));
  gtk_window_set_modal (window, TRUE);
  gtk_window_set_default_size (window, 480, -1);
  close_on_escape (window);
  g_signal_connect_object (window, "destroy", G_CALLBACK (on_preferences_destroy), self, 0);

  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 10);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_margin_start (grid, 18);
  gtk_widget_set_margin_end (grid, 18);
  gtk_widget_set_margin_top (grid, 18);
  gtk_widget_set_margin_bottom (grid, 18);
  gtk_window_set_child (window, grid);
  int row = 0;
  if (self->settings == NULL)
    {
      GtkWidget *missing = gtk_label_new ("Preferences cannot be kept: the settings schema "
                                          SETTINGS_SCHEMA_ID " is not installed.");
      gtk_label_set_wrap (GTK_LABEL (missing), TRUE);
      gtk_widget_add_css_class (missing, "error");
      gtk_grid_attach (GTK_GRID (grid), missing, 0, row++, 2, 1);
    }

  /* Devices: listing them starts PortAudio, which this thread owns. */
  g_autoptr (GError) list_error = NULL;
  g_auto (GStrv) devices = vt_player_list_devices (&list_error);
  g_autoptr (GtkStringList) device_names = gtk_string_list_new (NULL);
  gtk_string_list_append (device_names, "The system's default output");
  g_autofree char *current = self->settings
                               ? g_settings_get_string (self->settings, "output-device")
                               : g_strdup ("");
  guint device_selected = 0;
  for (guint i = 0; devices != NULL && devices[i] != NULL; i++)
    {
      gtk_string_list_append (device_names, devices[i]);
      if (g_strcmp0 (devices[i], current) == 0)
        device_selected = i + 1;
    }
  if (current[0] != '\0' && device_selected == 0)
    {
      /* Keep a device that is absent now (unplugged) selectable. */
      gtk_string_list_append (device_names, current);
      device_selected = g_list_model_get_n_items (G_LIST_MODEL (device_names)) - 1;
    }
  GtkWidget *device = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (device_names)), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (device), device_selected);
  gtk_widget_set_hexpand (device, TRUE);
  gtk_widget_set_sensitive (device, self->settings != NULL);
  g_signal_connect_object (device, "notify::selected", G_CALLBACK (on_device_selected), self, 0);
  gtk_grid_attach (GTK_GRID (grid), grid_label ("Audio _output", device), 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), device, 1, row++, 1, 1);
  if (devices == NULL)
    {
      g_autofree char *text = g_strdup_printf ("No devices listed: %s", list_error ? list_error->message : "unknown reason");
      GtkWidget *note = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (note), 0);
      gtk_widget_add_css_class (note, "dim-label");
      gtk_grid_attach (GTK_GRID (grid), note, 1, row++, 1, 1);
    }

  GtkWidget *budget = gtk_spin_button_new_with_range (0.5, 60, 0.5);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (budget), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (budget),
                             self->settings
                               ? g_settings_get_double (self->settings, "adaptation-budget")
                               : VT_WORKER_DEFAULT_BUDGET_S);
  gtk_widget_set_sensitive (budget, self->settings != NULL);
  gtk_widget_set_tooltip_text (budget, "Seconds of training after each correction before the "
                                       "separation is rendered again");
  if (self->settings != NULL)
    g_settings_bind (self->settings, "adaptation-budget", budget, "value",
                     G_SETTINGS_BIND_DEFAULT);
  gtk_grid_attach (GTK_GRID (grid), grid_label ("_Adaptation time (s)", budget), 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), budget, 1, row++, 1, 1);

  const char *format_labels[G_N_ELEMENTS (export_formats) + 1];
  guint chosen = 3;
  g_autofree char *preferred = self->settings
                                 ? g_settings_get_string (self->settings, "export-format")
                                 : NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (export_formats); i++)
    {
      format_labels[i] = export_formats[i].label;
      if (g_strcmp0 (preferred, export_formats[i].name) == 0)
        chosen = i;
    }
  format_labels[G_N_ELEMENTS (export_formats)] = NULL;
  GtkWidget *format = gtk_drop_down_new_from_strings (format_labels);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (format), chosen);
  gtk_widget_set_sensitive (format, self->settings != NULL);
  g_signal_connect_object (format, "notify::selected", G_CALLBACK (on_export_format_selected),
                           self, 0);
  gtk_grid_attach (GTK_GRID (grid), grid_label ("Export _format", format), 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), format, 1, row++, 1, 1);

  gtk_window_present (window);
}

static void
about_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  static const char *const authors[] = { "The Voxtrace developers", NULL };
  gtk_show_about_dialog (GTK_WINDOW (widget),
                         "program-name", "Voxtrace",
                         "version", VT_VERSION,
                         "comments", "Separate the singing voice from a song, and teach the "
                                     "model where it is wrong by correcting its pitch curve.",
                         "logo-icon-name", "org.voxtrace.Voxtrace",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         NULL);
}

/* The demo song: installed under datadir, else the build tree's. */
static char *
find_demo_song (void)
{
  const char *override = g_getenv ("VOXTRACE_DEMO_SONG");
  if (override != NULL && override[0] != '\0')
    return g_strdup (override);
  g_autofree char *installed = g_build_filename (VT_DATADIR, "voxtrace", "demo", "demo-mix.flac",
                                                 NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);
  if (g_file_test (VT_DEMO_SONG, G_FILE_TEST_IS_REGULAR))
    return g_strdup (VT_DEMO_SONG);
  return NULL;
}

static void
open_demo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  g_autofree char *demo = find_demo_song ();
  if (demo == NULL)
    {
      show_error (self, "The demo song is not installed (it is made when Voxtrace is built: "
                        "demo-mix.flac).");
      return;
    }
  g_autoptr (GFile) file = g_file_new_for_path (demo);
  vt_window_open (self, file);
}

/* ---- Projects ----------------------------------------------------------- */

/* Rewrites the project's song path (the user found the song elsewhere),
 * atomically, keeping everything else as it was. */
static gboolean
relink_project (const char *project_path, const char *song_path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, project_path, error))
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *top = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *song = top ? json_object_get_member (top, "song") : NULL;
  if (song == NULL || !JSON_NODE_HOLDS_OBJECT (song))
    {
      g_set_error (error, VT_DOCUMENT_ERROR, VT_DOCUMENT_ERROR_CORRUPT,
                   "%s has no song entry", project_path);
      return FALSE;
    }
  json_object_set_string_member (json_node_get_object (song), "path", song_path);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  gsize length = 0;
  g_autofree char *text = json_generator_to_data (generator, &length);
  return g_file_set_contents (project_path, text, (gssize) length, error);
}

static void
open_project_song (VtWindow *self, VtDocument *project)
{
  g_set_object (&self->pending_project, project);
  g_autoptr (GFile) song = g_file_new_for_path (vt_document_get_song_path (project));
  vt_window_open_song (self, song);
}

typedef struct
{
  GWeakRef window;
  char *project_path;
} LocateSong;

static void
on_locate_song_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  LocateSong *locate = user_data;
  g_autoptr (VtWindow) self = g_weak_ref_get (&locate->window);
  g_autoptr (GFile) file = NULL;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
  g_autofree char *song_path = file ? g_file_get_path (file) : NULL;
  if (self != NULL && song_path != NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VtDocument) project = NULL;
      if (relink_project (locate->project_path, song_path, &error))
        project = vt_document_load (locate->project_path, &error);
      if (project == NULL)
        {
          g_autofree char *message = g_strdup_printf ("The project cannot be opened: %s",
                                                      error->message);
          show_error (self, message);
        }
      else
        {
          g_autofree char *text = g_strdup_printf ("The project now refers to %s.", song_path);
          set_status (self, text);
          open_project_song (self, project);
        }
    }
  else if (self != NULL)
    show_error (self, "The project was not opened: its song was not found.");
  g_weak_ref_clear (&locate->window);
  g_free (locate->project_path);
  g_free (locate);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_native_dialog_destroy (dialog);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_object_unref (dialog);
}

/* The song moved: ask where it is rather than lose the project. */
static void
ask_for_moved_song (VtWindow *self, const char *project_path, const char *song_path)
{
  g_autofree char *base = g_path_get_basename (song_path);
  g_autofree char *title = g_strdup_printf ("Where Is %s?", base);
  LocateSong *locate = g_new0 (LocateSong, 1);
  g_weak_ref_init (&locate->window, self);
  locate->project_path = g_strdup (project_path);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                                               "_Open", "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_locate_song_response), locate);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_autofree char *message = g_strdup_printf ("The project's song %s is no longer there: "
                                              "choose where it is now.", song_path);
  show_error (self, message);
}

static void open_project (VtWindow *self, GFile *file);

void
vt_window_open (VtWindow *self, GFile *file)
{
  g_return_if_fail (VT_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  g_autofree char *name = g_file_get_basename (file);
  if (name != NULL && g_str_has_suffix (name, PROJECT_SUFFIX))
    {
      open_project (self, file);
      return;
    }
  /* A song opened by itself: no project waits for it. */
  g_clear_object (&self->pending_project);
  vt_window_open_song (self, file);
}

static void
open_project (VtWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;
  g_autoptr (VtDocument) project = path ? vt_document_load (path, &error) : NULL;
  if (project == NULL)
    {
      g_autofree char *message = g_strdup_printf ("The project cannot be opened: %s",
                                                  error ? error->message
                                                        : "it is not a local file");
      show_error (self, message);
      return;
    }
  const char *song = vt_document_get_song_path (project);
  if (song == NULL || !g_file_test (song, G_FILE_TEST_IS_REGULAR))
    {
      ask_for_moved_song (self, path, song ? song : "");
      return;
    }
  open_project_song (self, project);
}

/* ---- Edits: the widgets' intents go to the document --------------------- */

static void
remember_view (VtWindow *self)
{
  if (self->document == NULL)
    return;
  VtDocumentView view = {
    vt_spectrogram_view_get_start_time (self->spectrogram),
    vt_spectrogram_view_get_end_time (self->spectrogram),
    vt_spectrogram_view_get_low_hz (self->spectrogram),
    vt_spectrogram_view_get_high_hz (self->spectrogram),
  };
  vt_document_set_view (self->document, &view);
}

static void
on_f0_drawn (VtSpectrogramView *view, int start_frame, int n_frames, gpointer hz, VtWindow *self)
{
  if (self->document == NULL)
    return;
  remember_view (self);
  vt_document_draw_f0 (self->document, start_frame, n_frames, hz);
}

static void
on_segment_shifted (VtSpectrogramView *view, int start_frame, int n_frames, double semitones,
                    VtWindow *self)
{
  if (self->document == NULL)
    return;
  remember_view (self);
  if (!vt_document_shift_f0 (self->document, start_frame, n_frames, semitones))
    gtk_widget_error_bell (GTK_WIDGET (self));
}

static void
on_unvoiced (VtSpectrogramView *view, int start_frame, int n_frames, VtWindow *self)
{
  if (self->document == NULL)
    return;
  remember_view (self);
  vt_document_mark_unvoiced (self->document, start_frame, n_frames);
}

static void
on_seek (VtSpectrogramView *view, double seconds, VtWindow *self)
{
  seconds = MAX (0.0, seconds);
  if (self->player != NULL)
    vt_player_seek (self->player,
                    (int64_t) llround (seconds * vt_player_get_sample_rate (self->player)));
  /* The tick callback follows the player; without one, the view does. */
  vt_spectrogram_view_set_playhead (self->spectrogram, seconds);
}

static void
on_region_added (VtRegionLane *lane, double start, double end, VtWindow *self)
{
  if (self->document == NULL)
    return;
  remember_view (self);
  vt_document_add_silent_region (self->document, start, end);
}

static void
on_region_changed (VtRegionLane *lane, guint index, double start, double end, VtWindow *self)
{
  if (self->document == NULL)
    return;
  remember_view (self);
  vt_document_resize_silent_region (self->document, index, start, end);
}

static void
on_region_removed (VtRegionLane *lane, guint index, VtWindow *self)
{
  if (self->document == NULL)
    return;
  remember_view (self);
  vt_document_remove_silent_region (self->document, index);
}

static void
undo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->document != NULL)
    vt_document_undo (self->document);
}

static void
redo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->document != NULL)
    vt_document_redo (self->document);
}

static void
save_to (VtWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  if (self->document == NULL || path == NULL)
    return;
  remember_view (self);
  g_autoptr (GError) error = NULL;
  if (!vt_document_save (self->document, path, &error))
    {
      g_autofree char *message = g_strdup_printf ("The project cannot be saved: %s",
                                                  error->message);
      show_error (self, message);
    }
  update_view (self);
}

static char *
suggested_project_name (VtWindow *self)
{
  const char *song = self->song ? vt_loaded_song_get_display_name (self->song) : "song";
  const char *dot = strrchr (song, '.');
  g_autofree char *stem = dot ? g_strndup (song, dot - song) : g_strdup (song);
  return g_strdup_printf ("%s.vtproj", stem);
}

#if GTK_CHECK_VERSION(4, 10, 0)

static void
on_save_dialog_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (VtWindow) self = user_data;
  g_autoptr (GFile) file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, NULL);
  g_clear_object (&self->save_cancellable);
  if (file != NULL && self->stack != NULL)
    save_to (self, file);
}

static void
ask_project_path (VtWindow *self)
{
  if (self->save_cancellable != NULL)
    return;
  g_autoptr (GtkFileDialog) dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (dialog, "Save the Project");
  gtk_file_dialog_set_modal (dialog, TRUE);
  g_autofree char *name = suggested_project_name (self);
  gtk_file_dialog_set_initial_name (dialog, name);
  self->save_cancellable = g_cancellable_new ();
  gtk_file_dialog_save (dialog, GTK_WINDOW (self), self->save_cancellable, on_save_dialog_done,
                        g_object_ref (self));
}

static void
close_save_chooser (VtWindow *self)
{
  if (self->save_cancellable != NULL)
    g_cancellable_cancel (self->save_cancellable);
  g_clear_object (&self->save_cancellable);
}

#else

static void
close_save_chooser (VtWindow *self)
{
  close_native_chooser (self, &self->save_chooser);
}

static void
on_save_chooser_response (GtkNativeDialog *dialog, int response, VtWindow *self)
{
  g_autoptr (GFile) file = NULL;
  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  close_save_chooser (self);
  if (file != NULL)
    save_to (self, file);
}

static void
ask_project_path (VtWindow *self)
{
  if (self->save_chooser != NULL)
    return;
  self->save_chooser = gtk_file_chooser_native_new ("Save the Project", GTK_WINDOW (self),
                                                    GTK_FILE_CHOOSER_ACTION_SAVE, "_Save",
                                                    "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->save_chooser), TRUE);
  g_autofree char *name = suggested_project_name (self);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->save_chooser), name);
  g_signal_connect (self->save_chooser, "response", G_CALLBACK (on_save_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->save_chooser));
}

#endif

static void
save_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->document == NULL)
    return;
  const char *project = vt_document_get_project_path (self->document);
  if (project != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_path (project);
      save_to (self, file);
    }
  else
    ask_project_path (self);
}

static void
save_as_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtWindow *self = VT_WINDOW (widget);
  if (self->document != NULL)
    ask_project_path (self);
}

static void
dismiss_error_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  hide_error (VT_WINDOW (widget));
}

static int
compare_recent_newest_first (gconstpointer a, gconstpointer b)
{
  GDateTime *time_a = gtk_recent_info_get_modified ((GtkRecentInfo *) a);
  GDateTime *time_b = gtk_recent_info_get_modified ((GtkRecentInfo *) b);
  if (time_a == NULL || time_b == NULL)
    return (time_a == NULL) - (time_b == NULL);
  return g_date_time_compare (time_b, time_a);
}

static void
rebuild_recent_menu (VtWindow *self)
{
  if (self->recent_menu == NULL)
    return;
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  GList *ours = NULL;
  for (GList *l = items; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      if (gtk_recent_info_has_application (info, g_get_application_name ())
          && gtk_recent_info_exists (info))
        ours = g_list_prepend (ours, info);
    }
  ours = g_list_sort (ours, compare_recent_newest_first);

  g_menu_remove_all (self->recent_menu);
  int shown = 0;
  for (GList *l = ours; l != NULL && shown < RECENT_SONGS_SHOWN; l = l->next, shown++)
    {
      GtkRecentInfo *info = l->data;
      /* Menu labels treat '_' as a mnemonic; song names are full of them. */
      g_auto (GStrv) parts = g_strsplit (gtk_recent_info_get_display_name (info), "_", -1);
      g_autofree char *label = g_strjoinv ("__", parts);
      g_autoptr (GMenuItem) item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s",
                                         gtk_recent_info_get_uri (info));
      g_menu_append_item (self->recent_menu, item);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->recent_button), shown > 0);
  g_list_free (ours);
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, VtWindow *self)
{
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      vt_window_open (self, g_value_get_object (value));
      return TRUE;
    }
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  vt_window_open (self, files->data);
  /* The others each get a window of their own. */
  guint n_others = g_slist_length (files->next);
  if (n_others > 0)
    {
      g_autofree GFile **others = g_new (GFile *, n_others);
      guint i = 0;
      for (GSList *l = files->next; l != NULL; l = l->next)
        others[i++] = l->data;
      g_application_open (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))), others,
                          (int) n_others, "");
    }
  g_slist_free (files);
  return TRUE;
}

static int
compare_floats (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static void report_frame_stats (VtWindow *self);

/* Runs every frame while stats are wanted: the frame clock keeps ticking, so
 * a gap between ticks is time the UI thread was not free. */
static gboolean
on_stats_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  VtWindow *self = VT_WINDOW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  if (self->last_frame_time != 0 && self->frame_gaps->len < 1000000)
    {
      float gap = (now - self->last_frame_time) / 1000.0f;
      g_array_append_val (self->frame_gaps, gap);
      if (gap > 100.0f)
        g_message ("frame stats: a %.0f ms frame", gap);
    }
  self->last_frame_time = now;
  if (now >= self->frame_stats_end)
    {
      report_frame_stats (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
report_frame_stats (VtWindow *self)
{
  if (self->frame_gaps == NULL || self->frame_gaps->len == 0)
    return;
  GArray *gaps = self->frame_gaps;
  guint over = 0;
  for (guint i = 0; i < gaps->len; i++)
    over += g_array_index (gaps, float, i) > 50.0f;
  g_array_sort (gaps, compare_floats);
  g_message ("frame summary: %u frames, median %.1f ms, p99 %.1f ms, worst %.1f ms, %u over 50 ms",
             gaps->len, g_array_index (gaps, float, gaps->len / 2),
             g_array_index (gaps, float, (guint) (gaps->len * 0.99)),
             g_array_index (gaps, float, gaps->len - 1), over);
  g_array_set_size (gaps, 0);
}

static void
vt_window_dispose (GObject *object)
{
  VtWindow *self = VT_WINDOW (object);
  report_frame_stats (self);
  g_clear_pointer (&self->frame_gaps, g_array_unref);
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  close_file_chooser (self);
  close_save_chooser (self);
#if GTK_CHECK_VERSION(4, 10, 0)
  g_clear_object (&self->chooser_cancellable);
#endif
  if (self->analysis_cancellable != NULL)
    g_cancellable_cancel (self->analysis_cancellable);
  g_clear_object (&self->analysis_cancellable);
  if (self->export_dialog != NULL)
    gtk_window_destroy (self->export_dialog);
  if (self->preferences_window != NULL)
    gtk_window_destroy (self->preferences_window);
  drop_player (self);
  drop_worker (self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->player_error, g_free);
  g_clear_pointer (&self->source, g_free);
  g_clear_object (&self->offered_document);
  g_clear_object (&self->pending_project);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  g_clear_pointer (&self->song, vt_loaded_song_unref);
  g_clear_object (&self->recent_menu);
  gtk_widget_dispose_template (GTK_WIDGET (self), VT_TYPE_WINDOW);
  G_OBJECT_CLASS (vt_window_parent_class)->dispose (object);
}

static void
vt_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VtWindow *self = VT_WINDOW (object);
  switch (prop_id)
    {
    case PROP_SONG:
      g_value_set_boxed (value, self->song);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, vt_window_get_loading (self));
      break;
    case PROP_PENCIL:
      g_value_set_boolean (value, self->pencil);
      break;
    case PROP_SNAP:
      g_value_set_boolean (value, self->snap);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_LOOP:
      g_value_set_boolean (value, self->loop);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  VtWindow *self = VT_WINDOW (object);
  switch (prop_id)
    {
    case PROP_PENCIL:
      if (self->pencil != g_value_get_boolean (value))
        {
          self->pencil = g_value_get_boolean (value);
          vt_spectrogram_view_set_tool (self->spectrogram, self->pencil
                                                             ? VT_SPECTROGRAM_TOOL_PENCIL
                                                             : VT_SPECTROGRAM_TOOL_SELECT);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SNAP:
      if (self->snap != g_value_get_boolean (value))
        {
          self->snap = g_value_get_boolean (value);
          g_object_set (self->spectrogram, "snap", self->snap, NULL);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SOURCE:
      {
        const char *name = g_value_get_string (value);
        if (g_strcmp0 (name, "vocals") != 0 && g_strcmp0 (name, "accompaniment") != 0)
          name = "mix";
        if (g_strcmp0 (self->source, name) != 0)
          {
            g_free (self->source);
            self->source = g_strdup (name);
            if (self->player != NULL)
              vt_player_set_source (self->player, source_from_name (name));
            g_object_notify_by_pspec (object, pspec);
          }
      }
      break;
    case PROP_LOOP:
      if (self->loop != g_value_get_boolean (value))
        {
          self->loop = g_value_get_boolean (value);
          apply_loop (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_window_class_init (VtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vt_window_dispose;
  object_class->get_property = vt_window_get_property;
  object_class->set_property = vt_window_set_property;

  properties[PROP_SONG] = g_param_spec_boxed ("song", NULL, NULL, VT_TYPE_LOADED_SONG,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                     | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENCIL] = g_param_spec_boolean ("pencil", NULL, NULL, FALSE,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                    | G_PARAM_STATIC_STRINGS);
  properties[PROP_SNAP] = g_param_spec_boolean ("snap", NULL, NULL, FALSE,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, "mix",
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOOP] = g_param_spec_boolean ("loop", NULL, NULL, FALSE,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (VT_TYPE_WAVEFORM_VIEW);
  g_type_ensure (VT_TYPE_SPECTROGRAM_VIEW);
  g_type_ensure (VT_TYPE_REGION_LANE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/voxtrace/Voxtrace/ui/vt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, VtWindow, recent_button);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, waveform);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, song_info_label);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, spectrogram);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, region_lane);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, offer_revealer);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, offer_label);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, notice_label);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, time_label);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, volume_scale);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, VtWindow, cancel_analysis_button);
  gtk_widget_class_bind_template_callback (widget_class, on_f0_drawn);
  gtk_widget_class_bind_template_callback (widget_class, on_segment_shifted);
  gtk_widget_class_bind_template_callback (widget_class, on_unvoiced);
  gtk_widget_class_bind_template_callback (widget_class, on_seek);
  gtk_widget_class_bind_template_callback (widget_class, on_region_added);
  gtk_widget_class_bind_template_callback (widget_class, on_region_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_region_removed);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, cancel_load_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-error", NULL, dismiss_error_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel-load", NULL);

  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_install_property_action (widget_class, "win.pencil", "pencil");
  gtk_widget_class_install_property_action (widget_class, "win.snap", "snap");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_y, GDK_CONTROL_MASK, "win.redo",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, 0, "win.pencil", NULL);

  gtk_widget_class_install_action (widget_class, "win.restore-autosave", NULL,
                                   restore_autosave_action);
  gtk_widget_class_install_action (widget_class, "win.discard-autosave", NULL,
                                   discard_autosave_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-analysis", NULL,
                                   cancel_analysis_action);
  gtk_widget_class_install_action (widget_class, "win.play-pause", NULL, play_pause_action);
  gtk_widget_class_install_action (widget_class, "win.retry-playback", NULL,
                                   retry_playback_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.about", NULL, about_action);
  gtk_widget_class_install_action (widget_class, "win.open-demo", NULL, open_demo_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_install_property_action (widget_class, "win.source", "source");
  gtk_widget_class_install_property_action (widget_class, "win.loop", "loop");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, 0, "win.source", "s", "mix");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, 0, "win.source", "s", "vocals");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, 0, "win.source", "s",
                                       "accompaniment");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_1, 0, "win.source", "s", "mix");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_2, 0, "win.source", "s",
                                       "vocals");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_3, 0, "win.source", "s",
                                       "accompaniment");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, 0, "win.loop", NULL);
}

static void
vt_window_init (VtWindow *self)
{
  /* The transport's buttons read the "source" action's state as they are
   * built. */
  self->source = g_strdup ("mix");
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "vt-main-window");

  self->recent_menu = g_menu_new ();
  gtk_menu_button_set_menu_model (self->recent_button, G_MENU_MODEL (self->recent_menu));
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (rebuild_recent_menu), self, G_CONNECT_SWAPPED);
  rebuild_recent_menu (self);

  GtkDropTarget *drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  GType drop_types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };
  gtk_drop_target_set_gtypes (drop_target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect (drop_target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.dismiss-error", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-autosave", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.discard-autosave", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-analysis", FALSE);

  GSettingsSchemaSource *schemas = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = schemas ? g_settings_schema_source_lookup (
                                                   schemas, SETTINGS_SCHEMA_ID, TRUE)
                                               : NULL;
  if (schema != NULL)
    {
      self->settings = g_settings_new_full (schema, NULL, NULL);
      gtk_range_set_value (GTK_RANGE (self->volume_scale),
                           g_settings_get_double (self->settings, "volume"));
      g_signal_connect_swapped (self->settings, "changed::adaptation-budget",
                                G_CALLBACK (apply_budget), self);
    }
  g_signal_connect (self->volume_scale, "value-changed", G_CALLBACK (on_volume_changed), self);
  g_signal_connect (self->spectrogram, "notify::has-selection",
                    G_CALLBACK (on_selection_changed), self);

  /* Space plays and pauses wherever the focus is (before a focused button
   * takes it as a click). */
  GtkEventController *keys = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (keys), GTK_SHORTCUT_SCOPE_LOCAL);
  gtk_shortcut_controller_add_shortcut (
    GTK_SHORTCUT_CONTROLLER (keys),
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_space, 0),
                      gtk_named_action_new ("win.play-pause")));
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  update_transport (self);
  const char *frame_stats = g_getenv ("VOXTRACE_FRAME_STATS");
  if (frame_stats != NULL && g_ascii_strtod (frame_stats, NULL) > 0)
    {
      self->frame_stats_end = g_get_monotonic_time ()
                              + (gint64) (g_ascii_strtod (frame_stats, NULL) * G_USEC_PER_SEC);
      self->frame_gaps = g_array_new (FALSE, FALSE, sizeof (float));
      gtk_widget_add_tick_callback (GTK_WIDGET (self), on_stats_tick, NULL, NULL);
    }
  /* The activity lane scrolls and zooms with the spectrogram. */
  g_object_bind_property (self->spectrogram, "start-time", self->region_lane, "start-time",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->spectrogram, "end-time", self->region_lane, "end-time",
                          G_BINDING_SYNC_CREATE);
  update_view (self);
}

VtWindow *
vt_window_new (VtApplication *application)
{
  return g_object_new (VT_TYPE_WINDOW, "application", application, NULL);
}

VtLoadedSong *
vt_window_get_song (VtWindow *self)
{
  g_return_val_if_fail (VT_IS_WINDOW (self), NULL);
  return self->song;
}

gboolean
vt_window_get_loading (VtWindow *self)
{
  g_return_val_if_fail (VT_IS_WINDOW (self), FALSE);
  return self->load_cancellable != NULL;
}
