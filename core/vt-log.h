/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-log: long core runs (training, evaluation, simulations) report
 * progress lines through a caller-given function, never by printing.
 * vt_log_vprintf formats one line and hands it over; it does nothing when
 * func is NULL. Reentrant.
 */
#pragma once

#include <stdarg.h>

typedef void (*VtLogFunc) (const char *line, void *user_data);

void vt_log_vprintf (VtLogFunc func, void *user_data, const char *format, va_list args);
