/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-cli-progress.h"

#include <glib.h>
#include <stdio.h>
#include <unistd.h>

void
vt_cli_progress_init (VtCliProgress *bar, const char *label)
{
  bar->label = label;
  bar->last_percent = -1;
  bar->enabled = isatty (STDERR_FILENO) || g_strcmp0 (g_getenv ("VT_PROGRESS"), "1") == 0;
}

static bool
draw (double fraction, const char *stage, void *user_data)
{
  VtCliProgress *bar = user_data;
  int percent = (int) (fraction * 100.0 + 0.5);
  if (!bar->enabled || percent == bar->last_percent)
    return true;
  bar->last_percent = percent;
  char cells[31];
  int filled = percent * 30 / 100;
  for (int i = 0; i < 30; i++)
    cells[i] = i < filled ? '#' : '-';
  cells[30] = '\0';
  fprintf (stderr, "\r%s [%s] %3d%% %-28s", bar->label, cells, percent, stage);
  fflush (stderr);
  return true;
}

VtProgress
vt_cli_progress_get (VtCliProgress *bar)
{
  return (VtProgress) { draw, bar };
}

void
vt_cli_progress_finish (VtCliProgress *bar)
{
  if (bar->enabled && bar->last_percent >= 0)
    fprintf (stderr, "\n");
}
