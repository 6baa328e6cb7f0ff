/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-player: live playback of a song and its stems through PortAudio.
 *
 * The player holds three sources of the song at the song's own rate and
 * channel count: the mix, the vocals and the accompaniment. It plays the
 * selected one from a player thread that renders blocks into a lock-free ring
 * buffer (vt-ring-buffer.h); the PortAudio callback only copies from that
 * ring and publishes the playhead through an atomic: it never locks,
 * allocates or logs. When the device's rate differs from the song's (a JACK
 * server runs at its own rate), the player thread resamples.
 *
 * Every change of what is heard — source (mix/vocals/accompaniment), seek,
 * loop wrap, play/pause, and a re-separated chunk swapped in by
 * vt_player_replace_chunk() — takes effect at the next block the player
 * thread renders, with a short crossfade (VT_PLAYER_CROSSFADE_S), so the
 * output never has a gap or a click. A swapped-in chunk is also blended with
 * the audio around it at both of its edges, so replaying it later is smooth.
 * Changes reach the ear after the ring's latency (about 40 ms).
 *
 * Ownership: vt_player_new() copies the mix; the vocals and accompaniment
 * start silent until delivered (vt_player_replace_chunk() with the whole
 * song, or in chunks). vt_player_free() stops playback and frees everything.
 *
 * Thread rules: vt_player_new(), vt_player_free(), vt_player_restart() and
 * vt_player_list_devices() initialise and terminate PortAudio, which is not
 * thread-safe: call them from one thread (the UI thread). The controls
 * (play, pause, seek, source, loop, volume) and the getters may be called
 * from any thread; vt_player_replace_chunk() is meant for the worker thread.
 * The lost-device callback runs on the player thread: marshal to the UI
 * thread (g_main_context_invoke) and do not call vt_player_free() or
 * vt_player_restart() from inside it.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "vt-audio.h"

G_BEGIN_DECLS

#define VT_PLAYER_CROSSFADE_S 0.010

typedef enum
{
  VT_PLAYER_SOURCE_MIX = 0,
  VT_PLAYER_SOURCE_VOCALS,
  VT_PLAYER_SOURCE_ACCOMPANIMENT,
  VT_PLAYER_N_SOURCES,
} VtPlayerSource;

typedef struct VtPlayer VtPlayer;

/* Called once on the player thread when the output stops working while the
 * player runs (the device vanished, the sound server stopped). reason is a
 * one-line message. Playback is stopped; vt_player_restart() may bring it
 * back later. */
typedef void (*VtPlayerLostFunc) (VtPlayer *player, const char *reason, gpointer user_data);

/* Output devices as "<host API>: <device>" strings (g_strfreev), or NULL with
 * error set when PortAudio cannot start. */
char **vt_player_list_devices (GError **error);

/* Opens the output for mix's rate and channel count. device_name is one of
 * vt_player_list_devices(), or just its device part, or a host API name
 * alone ("JACK Audio Connection Kit": its default device); NULL means the
 * system's default output. On failure returns NULL with a one-line error
 * ("no output device", "JACK server not running", ...) that the window shows
 * as "playback unavailable: <message>". The player starts paused at 0. */
VtPlayer *vt_player_new (const VtAudio *mix, const char *device_name, GError **error);
void vt_player_free (VtPlayer *player);

void vt_player_set_lost_func (VtPlayer *player, VtPlayerLostFunc func, gpointer user_data);

/* After the device was lost (or to move to another device): closes the
 * output and opens device_name (NULL: the default) again, keeping the song,
 * stems, position, source, loop and volume. Paused afterwards. */
gboolean vt_player_restart (VtPlayer *player, const char *device_name, GError **error);

void vt_player_play (VtPlayer *player);
void vt_player_pause (VtPlayer *player);
/* TRUE while playing; FALSE once paused, at the end of the song, or when
 * the device is lost. */
gboolean vt_player_is_playing (VtPlayer *player);
/* TRUE once the device was lost and until vt_player_restart() succeeds. */
gboolean vt_player_is_lost (VtPlayer *player);

/* Song frame to continue from (clamped to the song). */
void vt_player_seek (VtPlayer *player, int64_t frame);
void vt_player_set_source (VtPlayer *player, VtPlayerSource source);
VtPlayerSource vt_player_get_source (VtPlayer *player);
/* Plays [first, end) over and over once the playhead reaches end;
 * end <= first clears the loop. */
void vt_player_set_loop (VtPlayer *player, int64_t first, int64_t end);
/* Linear gain, 0 to 1 (clamped), ramped smoothly. */
void vt_player_set_volume (VtPlayer *player, float volume);

/* The song frame being handed to the device now (ignoring the device's own
 * output latency, see vt_player_get_output_latency()); any thread, lock-free,
 * e.g. from a GTK tick callback. */
int64_t vt_player_get_position (VtPlayer *player);
/* The device's reported output latency in seconds. */
double vt_player_get_output_latency (VtPlayer *player);
int vt_player_get_sample_rate (VtPlayer *player);
int vt_player_get_channels (VtPlayer *player);
int64_t vt_player_get_frames (VtPlayer *player);
/* The device's rate (differs from the song's when the player resamples). */
int vt_player_get_device_rate (VtPlayer *player);
/* How often the callback found the ring empty while playing (should be 0). */
guint64 vt_player_get_underruns (VtPlayer *player);

/* Replaces frames [first_frame, first_frame + frames) of the vocals or the
 * accompaniment with samples (frames * channels interleaved floats at the
 * song's rate; copied). The player swaps them in at its next block with a
 * crossfade; the span may lie anywhere, even under the playhead. The mix
 * cannot be replaced. Returns FALSE with error on a bad span or source or
 * when out of memory. */
gboolean vt_player_replace_chunk (VtPlayer *player, VtPlayerSource stem, int64_t first_frame,
                                  int64_t frames, const float *samples, GError **error);

G_END_DECLS
