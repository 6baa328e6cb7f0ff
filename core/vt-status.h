/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-status: how core reports failure.
 *
 * Every core function that can fail returns a VtStatus (VT_STATUS_OK is 0).
 * Functions that fail for a reason a person should read also take an optional
 * VtError *: on failure it receives the status and a one-line message in plain
 * words ("song.flac: the file ends early (truncated)"). There is no global
 * error state; a VtError belongs to its caller and is safe to use from any
 * thread that owns it. Pass NULL when the message is not wanted.
 */
#pragma once

#include <stdarg.h>

typedef enum
{
  VT_STATUS_OK = 0,
  VT_STATUS_NO_MEMORY,
  VT_STATUS_NOT_FOUND,
  VT_STATUS_IO,
  VT_STATUS_BAD_FORMAT,
  VT_STATUS_BAD_DATA,
  VT_STATUS_BAD_ARGUMENT,
  VT_STATUS_UNSUPPORTED,
  VT_STATUS_NUMERIC,
  VT_STATUS_CANCELLED,
} VtStatus;

#define VT_ERROR_MESSAGE_SIZE 512

typedef struct
{
  VtStatus status;
  char message[VT_ERROR_MESSAGE_SIZE];
} VtError;

const char *vt_status_to_string (VtStatus status);

/* Fills error (if not NULL) and returns status, so that callers can write
 * `return vt_error_set (error, VT_STATUS_IO, "cannot open %s", path);`. */
VtStatus vt_error_set (VtError *error, VtStatus status, const char *format, ...)
  __attribute__ ((format (printf, 3, 4)));

VtStatus vt_error_setv (VtError *error, VtStatus status, const char *format, va_list args);

/* Prepends "prefix: " to the message already in error (e.g. the file name). */
void vt_error_prefix (VtError *error, const char *format, ...)
  __attribute__ ((format (printf, 2, 3)));

void vt_error_clear (VtError *error);
