/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtApplication: the GtkApplication. Opens a window per song given on the
 * command line (or an empty one), loads the style sheet and sets the
 * application-wide shortcuts (Ctrl+Q quits). UI thread only.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VT_TYPE_APPLICATION (vt_application_get_type ())
G_DECLARE_FINAL_TYPE (VtApplication, vt_application, VT, APPLICATION, GtkApplication)

VtApplication *vt_application_new (void);

G_END_DECLS
