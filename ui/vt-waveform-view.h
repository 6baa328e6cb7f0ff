/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtWaveformView: draws a song's waveform as min/max peaks per pixel column.
 *
 * VtWaveformPeaks is the view's data: an immutable, reference-counted summary
 * of interleaved float samples (it keeps a reference to the samples' GBytes
 * and a table of min/max per block of frames). It holds no GTK state, so it
 * may be built on any thread (the song loader builds it on its worker thread)
 * and then handed to the view on the UI thread; once built it is never
 * written again, so any thread may read it.
 *
 * The view owns a reference to its peaks. It computes the min/max of each
 * pixel column, and the render node that draws them, only when the peaks,
 * the visible time range, the width or the style change; snapshot() only
 * appends the cached node. Like every widget it lives on the UI thread.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _VtWaveformPeaks VtWaveformPeaks;

#define VT_TYPE_WAVEFORM_PEAKS (vt_waveform_peaks_get_type ())
GType vt_waveform_peaks_get_type (void) G_GNUC_CONST;

/* samples holds frames * channels interleaved floats. Returns NULL if the
 * arguments do not describe such a buffer or memory runs out. */
VtWaveformPeaks *vt_waveform_peaks_new (GBytes *samples, int channels, int sample_rate);
VtWaveformPeaks *vt_waveform_peaks_ref (VtWaveformPeaks *peaks);
void vt_waveform_peaks_unref (VtWaveformPeaks *peaks);

gint64 vt_waveform_peaks_get_frames (const VtWaveformPeaks *peaks);
int vt_waveform_peaks_get_channels (const VtWaveformPeaks *peaks);
int vt_waveform_peaks_get_sample_rate (const VtWaveformPeaks *peaks);
double vt_waveform_peaks_get_duration (const VtWaveformPeaks *peaks);

/* For n_columns columns of frames_per_column frames each, starting at
 * first_frame, writes the lowest and highest sample over all channels into
 * mins[i] and maxs[i]. Columns wholly outside the song get mins[i] > maxs[i]
 * (nothing to draw). Exact, and cheap at any zoom: whole blocks come from the
 * block table, only the ragged ends are read sample by sample. */
void vt_waveform_peaks_compute_columns (const VtWaveformPeaks *peaks, double first_frame,
                                        double frames_per_column, int n_columns, float *mins,
                                        float *maxs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VtWaveformPeaks, vt_waveform_peaks_unref)

#define VT_TYPE_WAVEFORM_VIEW (vt_waveform_view_get_type ())
G_DECLARE_FINAL_TYPE (VtWaveformView, vt_waveform_view, VT, WAVEFORM_VIEW, GtkWidget)

GtkWidget *vt_waveform_view_new (void);

/* Shows peaks (or nothing if NULL) over the whole song. */
void vt_waveform_view_set_peaks (VtWaveformView *self, VtWaveformPeaks *peaks);
VtWaveformPeaks *vt_waveform_view_get_peaks (VtWaveformView *self);

/* The time span shown, in seconds. end_time <= start_time shows the whole
 * song. */
void vt_waveform_view_set_visible_range (VtWaveformView *self, double start_time,
                                         double end_time);
double vt_waveform_view_get_start_time (VtWaveformView *self);
double vt_waveform_view_get_end_time (VtWaveformView *self);

G_END_DECLS
