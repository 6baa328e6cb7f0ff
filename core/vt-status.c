/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-status.h"

#include <stdio.h>
#include <string.h>

const char *
vt_status_to_string (VtStatus status)
{
  switch (status)
    {
    case VT_STATUS_OK: return "no error";
    case VT_STATUS_NO_MEMORY: return "out of memory";
    case VT_STATUS_NOT_FOUND: return "not found";
    case VT_STATUS_IO: return "input/output error";
    case VT_STATUS_BAD_FORMAT: return "unrecognised or damaged format";
    case VT_STATUS_BAD_DATA: return "invalid data";
    case VT_STATUS_BAD_ARGUMENT: return "invalid argument";
    case VT_STATUS_UNSUPPORTED: return "not supported";
    case VT_STATUS_NUMERIC: return "numerical failure";
    case VT_STATUS_CANCELLED: return "cancelled";
    }
  return "unknown error";
}

VtStatus
vt_error_setv (VtError *error, VtStatus status, const char *format, va_list args)
{
  if (error == NULL)
    return status;
  error->status = status;
  if (format != NULL)
    vsnprintf (error->message, sizeof error->message, format, args);
  else
    snprintf (error->message, sizeof error->message, "%s", vt_status_to_string (status));
  return status;
}

VtStatus
vt_error_set (VtError *error, VtStatus status, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  vt_error_setv (error, status, format, args);
  va_end (args);
  return status;
}

void
vt_error_prefix (VtError *error, const char *format, ...)
{
  if (error == NULL)
    return;
  char prefix[VT_ERROR_MESSAGE_SIZE];
  char joined[2 * VT_ERROR_MESSAGE_SIZE + 2];
  va_list args;
  va_start (args, format);
  vsnprintf (prefix, sizeof prefix, format, args);
  va_end (args);
  snprintf (joined, sizeof joined, "%s: %s", prefix, error->message);
  snprintf (error->message, sizeof error->message, "%.*s", VT_ERROR_MESSAGE_SIZE - 1, joined);
}

void
vt_error_clear (VtError *error)
{
  if (error == NULL)
    return;
  error->status = VT_STATUS_OK;
  error->message[0] = '\0';
}
