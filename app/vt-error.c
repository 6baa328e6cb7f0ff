/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-error.h"

G_DEFINE_QUARK (vt-error-quark, vt_error)

void
vt_error_to_gerror (const VtError *error, VtStatus status, GError **dest)
{
  if (error != NULL && error->status != VT_STATUS_OK)
    status = error->status;
  if (error != NULL && error->message[0] != '\0')
    g_set_error_literal (dest, VT_ERROR, (int) status, error->message);
  else
    g_set_error_literal (dest, VT_ERROR, (int) status, vt_status_to_string (status));
}
