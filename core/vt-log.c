/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-log.h"

#include <stdio.h>

void
vt_log_vprintf (VtLogFunc func, void *user_data, const char *format, va_list args)
{
  if (func == NULL)
    return;
  char line[512];
  vsnprintf (line, sizeof line, format, args);
  func (line, user_data);
}
