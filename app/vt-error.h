/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-error: core's VtError as a GError, for app code and GTask results.
 *
 * Errors in the VT_ERROR domain carry a VtStatus as their code and core's
 * one-line message unchanged, so the window shows what core said. Any
 * thread.
 */
#pragma once

#include <glib.h>

#include "vt-status.h"

G_BEGIN_DECLS

#define VT_ERROR (vt_error_quark ())
GQuark vt_error_quark (void);

/* Sets *dest (if dest is not NULL) from error, or from status alone when
 * error is NULL or has no message. */
void vt_error_to_gerror (const VtError *error, VtStatus status, GError **dest);

G_END_DECLS
