/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-cli-progress: the progress bar the batch commands draw on stderr
 * (only when stderr is a terminal or VT_PROGRESS=1; otherwise silent).
 */
#pragma once

#include <stdbool.h>

#include "vt-progress.h"

typedef struct
{
  const char *label;
  int last_percent;
  bool enabled;
} VtCliProgress;

void vt_cli_progress_init (VtCliProgress *bar, const char *label);
/* A VtProgress that draws into bar. */
VtProgress vt_cli_progress_get (VtCliProgress *bar);
void vt_cli_progress_finish (VtCliProgress *bar);
