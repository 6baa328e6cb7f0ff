/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-song-loader.h"

#include <stdlib.h>

#include "vt-error.h"

struct _VtLoadedSong
{
  gatomicrefcount ref_count;
  GFile *file;
  char *display_name;
  VtAudioInfo info;
  GBytes *samples; /* interleaved floats, malloc'd by core */
  gint64 frames;
  int channels;
  int sample_rate;
  VtWaveformPeaks *peaks;
};

G_DEFINE_BOXED_TYPE (VtLoadedSong, vt_loaded_song, vt_loaded_song_ref, vt_loaded_song_unref)

VtLoadedSong *
vt_loaded_song_ref (VtLoadedSong *song)
{
  g_return_val_if_fail (song != NULL, NULL);
  g_atomic_ref_count_inc (&song->ref_count);
  return song;
}

void
vt_loaded_song_unref (VtLoadedSong *song)
{
  g_return_if_fail (song != NULL);
  if (!g_atomic_ref_count_dec (&song->ref_count))
    return;
  g_clear_object (&song->file);
  g_free (song->display_name);
  g_clear_pointer (&song->samples, g_bytes_unref);
  g_clear_pointer (&song->peaks, vt_waveform_peaks_unref);
  g_free (song);
}

GFile *
vt_loaded_song_get_file (VtLoadedSong *song)
{
  return song->file;
}

const char *
vt_loaded_song_get_display_name (VtLoadedSong *song)
{
  return song->display_name;
}

const VtAudioInfo *
vt_loaded_song_get_info (VtLoadedSong *song)
{
  return &song->info;
}

void
vt_loaded_song_get_audio (VtLoadedSong *song, VtAudio *view)
{
  view->samples = (float *) g_bytes_get_data (song->samples, NULL);
  view->frames = song->frames;
  view->channels = song->channels;
  view->sample_rate = song->sample_rate;
}

VtWaveformPeaks *
vt_loaded_song_get_peaks (VtLoadedSong *song)
{
  return song->peaks;
}

/* Returns FALSE if the task was cancelled meanwhile and has already
 * completed, in which case our result must be dropped. */
static gboolean
claim_task (GTask *task)
{
  return g_task_set_return_on_cancel (task, FALSE);
}

/* TRUE if the load was cancelled; the task then has its result. */
static gboolean
return_if_cancelled (GTask *task, GCancellable *cancellable)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;
  if (claim_task (task))
    g_task_return_error_if_cancelled (task);
  return TRUE;
}

static void
return_vt_error (GTask *task, const VtError *error, VtStatus status)
{
  if (!claim_task (task))
    return;
  GError *gerror = NULL;
  vt_error_to_gerror (error, status, &gerror);
  g_task_return_error (task, gerror);
}

static void
load_in_thread (GTask *task, gpointer source_object, gpointer task_data,
                GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      if (claim_task (task))
        g_task_return_new_error (task, VT_ERROR, VT_STATUS_UNSUPPORTED,
                                 "%s: only files on this computer or in a mounted folder can "
                                 "be opened", uri);
      return;
    }

  g_autoptr (VtLoadedSong) song = g_new0 (VtLoadedSong, 1);
  g_atomic_ref_count_init (&song->ref_count);
  song->file = g_object_ref (file);
  song->display_name = g_filename_display_basename (path);

  VtError error = { 0 };
  VtStatus status = vt_audio_info (path, &song->info, &error);
  if (status != VT_STATUS_OK)
    {
      return_vt_error (task, &error, status);
      return;
    }
  if (return_if_cancelled (task, cancellable))
    return;

  VtAudio audio;
  vt_audio_init (&audio);
  status = vt_audio_load (path, &audio, &error);
  if (status != VT_STATUS_OK)
    {
      return_vt_error (task, &error, status);
      return;
    }
  if (return_if_cancelled (task, cancellable))
    {
      vt_audio_clear (&audio);
      return;
    }

  gsize size = (gsize) audio.frames * (gsize) audio.channels * sizeof (float);
  song->samples = g_bytes_new_with_free_func (audio.samples, size, free, audio.samples);
  song->frames = audio.frames;
  song->channels = audio.channels;
  song->sample_rate = audio.sample_rate;
  song->peaks = vt_waveform_peaks_new (song->samples, audio.channels, audio.sample_rate);
  if (song->peaks == NULL)
    {
      vt_error_set (&error, VT_STATUS_NO_MEMORY, "%s: not enough memory to draw the waveform",
                    song->display_name);
      return_vt_error (task, &error, VT_STATUS_NO_MEMORY);
      return;
    }

  if (claim_task (task))
    g_task_return_pointer (task, g_steal_pointer (&song), (GDestroyNotify) vt_loaded_song_unref);
}

void
vt_song_loader_load_async (GFile *file, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (G_IS_FILE (file));
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vt_song_loader_load_async);
  g_task_set_name (task, "vt_song_loader_load_async");
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
}

VtLoadedSong *
vt_song_loader_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vt_song_loader_load_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
