/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtApplication: the GtkApplication; opens windows for files and the demo.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VT_TYPE_APPLICATION (vt_application_get_type ())
G_DECLARE_FINAL_TYPE (VtApplication, vt_application, VT, APPLICATION, GtkApplication)

VtApplication *vt_application_new (void);

G_END_DECLS
