/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-bench-adapt: `voxtrace bench adapt`, the latency of human-in-the-loop
 * adaptation as the editor sees it, measured through the very VtWorker the
 * window uses (no display, no audio device).
 *
 * The song is opened and analysed; then 20 corrections (pitch spans and
 * silent regions of about 2 s, spread over the song, accumulating like a
 * user's) are sent one by one with the playhead at the edit. For each: the
 * time from sending it to the first re-separated chunk (5 s) holding the
 * playhead (the immediate effect), and to the first such chunk after
 * adaptation with the budget; for the last one, the time from the end of
 * the budget to the whole song re-estimated and re-separated. Prints `name: value` lines.
 * Runs a GLib main loop on the calling thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* song: a long song (the caller loops the demo to 4 minutes); model_spec as
 * vt_model_loader_load(); budget_s: training seconds per adaptation.
 * Returns the exit status (0 = ok; failures print a one-line reason). */
int vt_bench_adapt (const char *song, const char *model_spec, double budget_s, int corrections);

G_END_DECLS
