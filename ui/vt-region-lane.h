/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtRegionLane: the vocal-activity lane under the spectrogram. It draws the
 * model's vocal activity (a probability per analysis frame) as a filled
 * curve, and the user's silent regions (time spans where the vocals must be
 * silent) on top of it.
 *
 * Editing, as intents (the lane does not own the regions; the owner answers
 * with vt_region_lane_set_regions):
 *   drag on free space            "region-added"   (double start, double end)
 *   drag a region's edge          "region-changed" (uint index, double start, double end)
 *   click a region, then Delete   "region-removed" (uint index)
 * Times are seconds. The lane's time axis starts "left-margin" pixels from
 * its left edge, so it lines up with a VtSpectrogramView above it when both
 * show the same start-time/end-time (bind them).
 *
 * The activity picture is cached in a render node, re-made when the data,
 * the range or the size change; regions are drawn fresh in snapshot(). UI
 * thread only.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VT_TYPE_REGION_LANE (vt_region_lane_get_type ())
G_DECLARE_FINAL_TYPE (VtRegionLane, vt_region_lane, VT, REGION_LANE, GtkWidget)

GtkWidget *vt_region_lane_new (void);

/* n_frames probabilities in [0, 1] (copied); NULL clears. */
void vt_region_lane_set_activity (VtRegionLane *self, const float *activity, gint64 n_frames,
                                  double frame_rate);
/* n_regions (start, end) pairs in seconds, sorted (copied). */
void vt_region_lane_set_regions (VtRegionLane *self, const double *start_end, guint n_regions);
/* The song's length, which bounds new regions. */
void vt_region_lane_set_duration (VtRegionLane *self, double seconds);

void vt_region_lane_set_visible_range (VtRegionLane *self, double start_time, double end_time);

/* The selected region's index, or -1. */
int vt_region_lane_get_selected (VtRegionLane *self);

G_END_DECLS
