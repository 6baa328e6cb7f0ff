/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-progress: how long core calls report progress and learn that they are
 * cancelled. The callback is called from the thread doing the work; it must
 * be quick and must not call back into the object that is working.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* fraction in [0, 1] of the current stage; return false to cancel (the
 * call then returns VT_STATUS_CANCELLED as soon as it can). */
typedef bool (*VtProgressFunc) (double fraction, const char *stage, void *user_data);

typedef struct
{
  VtProgressFunc func;
  void *user_data;
} VtProgress;

/* Reports and returns true to go on (also when progress or func is NULL). */
static inline bool
vt_progress_report (const VtProgress *progress, double fraction, const char *stage)
{
  if (progress == NULL || progress->func == NULL)
    return true;
  return progress->func (fraction, stage, progress->user_data);
}
