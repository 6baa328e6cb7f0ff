/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-model-loader: finds the separation model a user asked for: the shipped
 * default (inside the GResource bundle, so it works offline on first start)
 * or a folder holding f0.vtw and mask.vtw. Any thread.
 */
#pragma once

#include <glib.h>

#include "vt-model.h"
#include "vt-research.h"

G_BEGIN_DECLS

/* spec NULL, "" or "default": the shipped model; "unet-adv": the shipped F0
 * network with mask-adversarial.vtw from $VOXTRACE_MODELS_DIR or
 * ./resources/models; else a folder. */
VtModel *vt_model_loader_load (const char *spec, GError **error);

/* The other systems of the research (vt-research): spec "drnn" or
 * "waveunet" loads models/<spec>.vtw from the bundle when shipped, else
 * from $VOXTRACE_MODELS_DIR or ./resources/models; a path to a .vtw file of
 * either kind loads that file. Returns NULL and sets *is_system to FALSE
 * (no error) when spec names no such system. */
VtSystem *vt_model_loader_load_system (const char *spec, gboolean *is_system, GError **error);

G_END_DECLS
