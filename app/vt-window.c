/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-window.h"

#include <stdlib.h>
#include <string.h>

#include "vt-document.h"
#include "vt-features.h"
#include "vt-model.h"
#include "vt-pitch-track.h"
#include "vt-region-lane.h"
#include "vt-song.h"
#include "vt-spectrogram-view.h"
#include "vt-error.h"
#include "vt-waveform-view.h"

#define RECENT_SONGS_SHOWN 10

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
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
}

/* ---- The song's analysis: spectrogram and a first pitch curve ---------- */

typedef struct
{
  char *path;
  char *checksum;
  VtSpectrogram *spectrogram;
  gint64 frames;
  float *hz;
  float *confidence;
} Analysis;

static void
analysis_free (Analysis *analysis)
{
  g_free (analysis->path);
  g_free (analysis->checksum);
  g_clear_pointer (&analysis->spectrogram, vt_spectrogram_unref);
  g_free (analysis->hz);
  g_free (analysis->confidence);
  g_free (analysis);
}

static bool
analysis_progress (double fraction, const char *stage, void *user_data)
{
  return !g_cancellable_is_cancelled (user_data);
}

/* Worker thread: the 16 kHz mono signal, its spectrogram (what the networks
 * see) and, until the models' output arrives through the worker, pYIN's
 * pitch curve so that there is a real curve to correct. */
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
  if (status == VT_STATUS_OK && !g_cancellable_is_cancelled (cancellable))
    {
      /* In a mix the bass is the most periodic thing and a voice rarely
       * dips below pYIN's thresholds: a singing range and a bias towards
       * "voiced" give a curve worth correcting (on the demo song, raw pitch
       * accuracy 0.51 against 0.00 with the solo-voice defaults). */
      VtPitchTrackParams params;
      vt_pitch_track_params_default (&params);
      params.min_hz = 100.0;
      params.max_hz = 1000.0;
      params.decode.voicing_bias = 6.0f;
      VtPitchTracker *tracker = vt_pitch_tracker_new (VT_FEATURES_RATE, VT_FEATURES_HOP, &params,
                                                      &error);
      status = tracker ? VT_STATUS_OK : VT_STATUS_NO_MEMORY;
      int64_t track_frames = tracker ? vt_pitch_tracker_frame_count (tracker, n_samples) : 0;
      analysis->hz = g_new0 (float, MAX (MAX (track_frames, frames), 1));
      analysis->confidence = g_new0 (float, MAX (MAX (track_frames, frames), 1));
      if (tracker != NULL)
        status = vt_pitch_tracker_run (tracker, mono, n_samples, analysis->hz,
                                       analysis->confidence, &error);
      vt_pitch_tracker_free (tracker);
    }
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
  /* No activity network output yet: pYIN's voicing confidence stands in. */
  vt_region_lane_set_activity (self->region_lane, analysis->confidence, analysis->frames,
                               VT_DOCUMENT_FRAME_RATE);

  /* Corrections autosaved for this very file (same checksum) come back:
   * a crash or a close without saving loses none of them. */
  g_autofree char *autosave = autosave_path_for (analysis->checksum);
  g_autoptr (GError) autosave_error = NULL;
  g_autoptr (VtDocument) document = NULL;
  guint n_regions = 0;
  if (g_file_test (autosave, G_FILE_TEST_IS_REGULAR))
    document = vt_document_load (autosave, &autosave_error);
  if (document != NULL)
    vt_document_get_silent_regions (document, &n_regions);
  if (document == NULL
      || g_strcmp0 (vt_document_get_song_checksum (document), analysis->checksum) != 0
      || (vt_document_get_n_f0_edits (document) == 0 && n_regions == 0))
    {
      if (autosave_error != NULL)
        g_message ("ignoring the autosave: %s", autosave_error->message);
      g_clear_object (&document);
      document = vt_document_new ();
      vt_document_set_song (document, analysis->path, analysis->checksum, analysis->frames);
    }
  else
    {
      g_message ("restored %u pitch edits and %u silent regions from %s",
                 vt_document_get_n_f0_edits (document), n_regions, autosave);
      vt_document_set_modified (document, TRUE);
    }
  vt_document_set_estimate (document, analysis->hz, analysis->confidence, analysis->frames);
  vt_document_set_autosave_path (document, autosave);
  set_document (self, document);
  analysis_free (analysis);
}

static void
start_analysis (VtWindow *self, VtLoadedSong *song)
{
  if (self->analysis_cancellable != NULL)
    g_cancellable_cancel (self->analysis_cancellable);
  g_clear_object (&self->analysis_cancellable);
  set_document (self, NULL);
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
  g_task_set_task_data (task, path, g_free);
  g_task_run_in_thread (task, analyse_in_thread);
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

void
vt_window_open (VtWindow *self, GFile *file)
{
  g_return_if_fail (VT_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

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
  gtk_file_filter_set_name (audio, "Songs");
  gtk_file_filter_add_mime_type (audio, "audio/*");
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

static void
close_file_chooser (VtWindow *self)
{
  if (self->file_chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->file_chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->file_chooser));
  g_clear_object (&self->file_chooser);
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
  /* The player, when there is one, follows the playhead. */
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
  if (self->save_chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->save_chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->save_chooser));
  g_clear_object (&self->save_chooser);
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

static void
vt_window_dispose (GObject *object)
{
  VtWindow *self = VT_WINDOW (object);
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
}

static void
vt_window_init (VtWindow *self)
{
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
