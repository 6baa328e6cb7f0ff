/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtSpectrogramView: the mixture's spectrogram on a log-frequency axis (a
 * note/Hz ruler on the left, a time ruler below), the pitch curve (F0) on
 * top of it, and the tools that edit the curve.
 *
 * VtSpectrogram is the view's picture data: an immutable, reference-counted
 * table of colour levels (one byte per frame and bin, 80 dB below the
 * loudest bin mapped to 0..255), built from a plain magnitude array
 * (frames x bins on a grid of frame_rate frames per second and bin_hz Hz per
 * bin). It holds no GTK state, so the window builds it on a worker thread.
 *
 * The view shows plain arrays it copies: the F0 curve (Hz, 0 = unvoiced),
 * its confidence and, per frame, where the value comes from (0 = estimate,
 * 1 = corrected by the user, 2 = marked unvoiced by the user; see
 * vt-document.h's VtF0Source). Estimate, corrected spans, low-confidence
 * parts (confidence < 0.5) and user-unvoiced spans are drawn distinctly.
 *
 * It does not own the document: edits come out as signals (intents), and the
 * owner answers by calling vt_spectrogram_view_set_f0 with the new curve.
 *   "f0-drawn"        (int start_frame, int n_frames, gpointer hz): the
 *                     pencil replaced the curve there; hz (n_frames floats) is
 *                     valid during the emission only
 *   "segment-shifted" (int start_frame, int n_frames, double semitones):
 *                     move the selected segment (Up/Down: 1 semitone,
 *                     Ctrl+Up/Down: an octave, or a vertical drag of the
 *                     curve inside the selection; whole semitones when
 *                     "snap" is on)
 *   "unvoiced"        (int start_frame, int n_frames): Delete on a selection
 *   "seek"            (double seconds): a click without a drag (select tool)
 *
 * Navigation: wheel or trackpad scrolls in time, Ctrl+wheel (or pinch) zooms
 * in time around the pointer, Ctrl+Shift+wheel zooms in frequency, Shift+
 * wheel scrolls in frequency; keys Left/Right scroll, +/- zoom, 0 shows the
 * whole song, Escape clears the selection.
 *
 * The spectrogram picture and the rulers are rendered into a texture and a
 * cached render node only when the data, the visible range or the size
 * change (at most once per frame, from a tick callback); snapshot() appends
 * that node and draws the curve, the selection and the playhead on top.
 * UI thread only.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _VtSpectrogram VtSpectrogram;

#define VT_TYPE_SPECTROGRAM (vt_spectrogram_get_type ())
GType vt_spectrogram_get_type (void) G_GNUC_CONST;

/* magnitude: frames x bins linear magnitudes. Returns NULL on bad arguments
 * or when memory runs out. Any thread. */
VtSpectrogram *vt_spectrogram_new (const float *magnitude, gint64 frames, int bins,
                                   double frame_rate, double bin_hz);
VtSpectrogram *vt_spectrogram_ref (VtSpectrogram *spectrogram);
void vt_spectrogram_unref (VtSpectrogram *spectrogram);
gint64 vt_spectrogram_get_frames (const VtSpectrogram *spectrogram);
int vt_spectrogram_get_bins (const VtSpectrogram *spectrogram);
double vt_spectrogram_get_frame_rate (const VtSpectrogram *spectrogram);
double vt_spectrogram_get_bin_hz (const VtSpectrogram *spectrogram);
double vt_spectrogram_get_duration (const VtSpectrogram *spectrogram);
/* Level (0..255) of a frame and bin. */
guint8 vt_spectrogram_get_level (const VtSpectrogram *spectrogram, gint64 frame, int bin);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VtSpectrogram, vt_spectrogram_unref)

typedef enum
{
  VT_SPECTROGRAM_TOOL_SELECT,
  VT_SPECTROGRAM_TOOL_PENCIL,
} VtSpectrogramTool;

#define VT_TYPE_SPECTROGRAM_TOOL (vt_spectrogram_tool_get_type ())
GType vt_spectrogram_tool_get_type (void) G_GNUC_CONST;

/* Width of the note/Hz ruler, so that lanes below can line up with the plot. */
#define VT_SPECTROGRAM_VIEW_RULER_WIDTH 64

#define VT_TYPE_SPECTROGRAM_VIEW (vt_spectrogram_view_get_type ())
G_DECLARE_FINAL_TYPE (VtSpectrogramView, vt_spectrogram_view, VT, SPECTROGRAM_VIEW, GtkWidget)

GtkWidget *vt_spectrogram_view_new (void);

void vt_spectrogram_view_set_spectrogram (VtSpectrogramView *self, VtSpectrogram *spectrogram);
VtSpectrogram *vt_spectrogram_view_get_spectrogram (VtSpectrogramView *self);

/* Copies n_frames values of each; confidence and sources may be NULL. */
void vt_spectrogram_view_set_f0 (VtSpectrogramView *self, const float *hz,
                                 const float *confidence, const guint8 *sources,
                                 gint64 n_frames, double frame_rate);

/* The time span shown, in seconds (clamped to the song, at least 0.25 s). */
void vt_spectrogram_view_set_visible_range (VtSpectrogramView *self, double start_time,
                                            double end_time);
double vt_spectrogram_view_get_start_time (VtSpectrogramView *self);
double vt_spectrogram_view_get_end_time (VtSpectrogramView *self);

void vt_spectrogram_view_set_frequency_range (VtSpectrogramView *self, double low_hz,
                                              double high_hz);
double vt_spectrogram_view_get_low_hz (VtSpectrogramView *self);
double vt_spectrogram_view_get_high_hz (VtSpectrogramView *self);

/* Seconds; negative hides it. */
void vt_spectrogram_view_set_playhead (VtSpectrogramView *self, double seconds);

void vt_spectrogram_view_set_tool (VtSpectrogramView *self, VtSpectrogramTool tool);
VtSpectrogramTool vt_spectrogram_view_get_tool (VtSpectrogramView *self);

/* The selected span in F0 frames; FALSE when nothing is selected. */
gboolean vt_spectrogram_view_get_selection (VtSpectrogramView *self, gint64 *start_frame,
                                            gint64 *n_frames);
void vt_spectrogram_view_clear_selection (VtSpectrogramView *self);

/* Widget coordinates of a time and a frequency (for tests and overlays). */
double vt_spectrogram_view_time_to_x (VtSpectrogramView *self, double seconds);
double vt_spectrogram_view_hz_to_y (VtSpectrogramView *self, double hz);

G_END_DECLS
