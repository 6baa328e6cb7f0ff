/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-model-loader: finds the separation model a user asked for: the shipped
 * default (inside the GResource bundle, so it works offline on first start)
 * or a folder holding f0.vtw and mask.vtw. Any thread.
 */
#pragma once

#include <glib.h>

#include "vt-model.h"

G_BEGIN_DECLS

/* spec NULL, "" or "default": the shipped model; else a folder. */
VtModel *vt_model_loader_load (const char *spec, GError **error);

G_END_DECLS
