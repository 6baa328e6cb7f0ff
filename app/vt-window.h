/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtWindow: the main window, one song per window.
 *
 * It opens songs (Open button / Ctrl+O, drag and drop, the Recent menu /
 * Alt+R, the command line through VtApplication), loads them with
 * vt-song-loader off the UI thread while a spinner turns (Esc or Cancel
 * abandons the load), shows the waveform and tells the user in a banner when
 * a song cannot be opened. Opening a new song cancels a load still under way;
 * a failed load keeps the song already shown. It owns the VtLoadedSong it
 * shows. UI thread only.
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
