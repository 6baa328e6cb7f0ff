/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-song-loader: reads a song off the UI thread.
 *
 * vt_song_loader_load_async() decodes the file with core's vt_audio_load on
 * a GTask worker thread and also builds the waveform summary there, so the
 * UI thread never waits on the disk or the decoder. Cancelling completes the
 * operation at once with G_IO_ERROR_CANCELLED (the decoder may still run to
 * its end in the background; its result is dropped). Failures carry core's
 * message in the VT_ERROR domain (vt-error.h).
 *
 * VtLoadedSong is the loaded song: immutable and reference-counted, so any thread
 * may read it and the last unref (from any thread) frees it.
 */
#pragma once

#include <gio/gio.h>

#include "vt-audio.h"
#include "vt-waveform-view.h"

G_BEGIN_DECLS

typedef struct _VtLoadedSong VtLoadedSong;

#define VT_TYPE_LOADED_SONG (vt_loaded_song_get_type ())
GType vt_loaded_song_get_type (void) G_GNUC_CONST;

VtLoadedSong *vt_loaded_song_ref (VtLoadedSong *song);
void vt_loaded_song_unref (VtLoadedSong *song);

GFile *vt_loaded_song_get_file (VtLoadedSong *song);
/* The file's name as a person reads it ("take 3.flac"). */
const char *vt_loaded_song_get_display_name (VtLoadedSong *song);
/* Container, encoding, rate, channels and length as the file declares them. */
const VtAudioInfo *vt_loaded_song_get_info (VtLoadedSong *song);
/* A VtAudio that borrows the song's samples: read them, never free them. */
void vt_loaded_song_get_audio (VtLoadedSong *song, VtAudio *view);
VtWaveformPeaks *vt_loaded_song_get_peaks (VtLoadedSong *song);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VtLoadedSong, vt_loaded_song_unref)

void vt_song_loader_load_async (GFile *file, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
/* Returns a new reference, or NULL with error set. */
VtLoadedSong *vt_song_loader_load_finish (GAsyncResult *result, GError **error);

G_END_DECLS
