/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtWindow: the main window, one song per window.
 *
 * It opens songs and Voxtrace projects (Open button / Ctrl+O, drag and drop,
 * the Recent menu / Alt+R, "Try the demo", the command line through
 * VtApplication), loads them with vt-song-loader off the UI thread while a
 * spinner turns (Esc or Cancel abandons the load), and tells the user in a
 * banner when a song cannot be opened. Opening a new song cancels a load
 * still under way; a failed load keeps the song already shown. A project
 * whose song moved asks where the song is now and is rewritten to point
 * there.
 *
 * Once a song is in, the window owns, besides the VtLoadedSong:
 *  - a VtWorker (model + adaptation session on its own thread): it analyses
 *    the song (progress and Stop in the transport bar), its F0 curve and
 *    activity become the document's estimate and the lane's activity, every
 *    change of the corrections is sent to it (coalesced in an idle, only
 *    when the per-frame arrays differ), and the status line says what
 *    adaptation is doing and what it changed;
 *  - a VtPlayer (or, without an output device, a "playback unavailable"
 *    notice with Try Again): Space, 1/2/3, L, click-to-seek, volume; the
 *    playhead follows the player's atomic position in a tick callback; the
 *    worker hands re-rendered chunks to it directly;
 *  - the VtDocument with the corrections, autosaved after every edit.
 *    Corrections autosaved for the same file (a crash, a close without
 *    saving) are offered in a banner; nothing is editable until answered.
 * The export dialog (Ctrl+E) writes stems and the F0 CSV through the worker
 * and never replaces a file without a second, explicit click. Preferences
 * (GSettings org.voxtrace.Voxtrace; defaults when the schema is absent),
 * the shortcuts window and About hang off the primary menu.
 *
 * Threads: UI thread only. The window never waits on the worker; the
 * player's device-lost report is marshalled here with a weak reference.
 */
#pragma once

#include <gtk/gtk.h>

#include "vt-application.h"
#include "vt-song-loader.h"

G_BEGIN_DECLS

#define VT_TYPE_WINDOW (vt_window_get_type ())
G_DECLARE_FINAL_TYPE (VtWindow, vt_window, VT, WINDOW, GtkApplicationWindow)

VtWindow *vt_window_new (VtApplication *application);

/* Starts loading file; the window shows it (or the reason it cannot). */
void vt_window_open (VtWindow *self, GFile *file);

/* The song shown, or NULL. */
VtLoadedSong *vt_window_get_song (VtWindow *self);
gboolean vt_window_get_loading (VtWindow *self);

G_END_DECLS
