/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-spectrogram-view.h"

#include <math.h>
#include <string.h>

/* The dynamic range shown: quieter than this below the loudest bin is black. */
#define RANGE_DB 80.0
#define TIME_RULER_HEIGHT 22
#define MIN_SPAN_S 0.25
#define MIN_HZ_LIMIT 27.5
#define LOW_CONFIDENCE 0.5f
/* How close (px) to the curve a drag must start to move the segment. */
#define GRAB_DISTANCE 14.0

struct _VtSpectrogram
{
  gatomicrefcount ref_count;
  gint64 frames;
  int bins;
  double frame_rate;
  double bin_hz;
  guint8 *levels; /* frames x bins */
};

G_DEFINE_BOXED_TYPE (VtSpectrogram, vt_spectrogram, vt_spectrogram_ref, vt_spectrogram_unref)

VtSpectrogram *
vt_spectrogram_new (const float *magnitude, gint64 frames, int bins, double frame_rate,
                    double bin_hz)
{
  if (magnitude == NULL || frames < 1 || bins < 2 || !(frame_rate > 0) || !(bin_hz > 0))
    return NULL;
  VtSpectrogram *spectrogram = g_try_new0 (VtSpectrogram, 1);
  if (spectrogram == NULL)
    return NULL;
  g_atomic_ref_count_init (&spectrogram->ref_count);
  spectrogram->frames = frames;
  spectrogram->bins = bins;
  spectrogram->frame_rate = frame_rate;
  spectrogram->bin_hz = bin_hz;
  gsize n = (gsize) frames * (gsize) bins;
  spectrogram->levels = g_try_malloc (n);
  if (spectrogram->levels == NULL)
    {
      g_free (spectrogram);
      return NULL;
    }
  float loudest = 0.0f;
  for (gsize i = 0; i < n; i++)
    if (magnitude[i] > loudest)
      loudest = magnitude[i];
  /* Levels in dB relative to the loudest bin; silence maps to 0. */
  double top_db = 20.0 * log10 (MAX (loudest, 1e-12));
  for (gsize i = 0; i < n; i++)
    {
      double m = magnitude[i];
      double level = m > 0 && isfinite (m)
                       ? (20.0 * log10 (m) - (top_db - RANGE_DB)) / RANGE_DB * 255.0
                       : 0.0;
      spectrogram->levels[i] = (guint8) CLAMP (level, 0.0, 255.0);
    }
  return spectrogram;
}

VtSpectrogram *
vt_spectrogram_ref (VtSpectrogram *spectrogram)
{
  g_return_val_if_fail (spectrogram != NULL, NULL);
  g_atomic_ref_count_inc (&spectrogram->ref_count);
  return spectrogram;
}

void
vt_spectrogram_unref (VtSpectrogram *spectrogram)
{
  g_return_if_fail (spectrogram != NULL);
  if (!g_atomic_ref_count_dec (&spectrogram->ref_count))
    return;
  g_free (spectrogram->levels);
  g_free (spectrogram);
}

gint64
vt_spectrogram_get_frames (const VtSpectrogram *spectrogram)
{
  return spectrogram->frames;
}

int
vt_spectrogram_get_bins (const VtSpectrogram *spectrogram)
{
  return spectrogram->bins;
}

double
vt_spectrogram_get_frame_rate (const VtSpectrogram *spectrogram)
{
  return spectrogram->frame_rate;
}

double
vt_spectrogram_get_bin_hz (const VtSpectrogram *spectrogram)
{
  return spectrogram->bin_hz;
}

double
vt_spectrogram_get_duration (const VtSpectrogram *spectrogram)
{
  return spectrogram->frames / spectrogram->frame_rate;
}

guint8
vt_spectrogram_get_level (const VtSpectrogram *spectrogram, gint64 frame, int bin)
{
  if (frame < 0 || frame >= spectrogram->frames || bin < 0 || bin >= spectrogram->bins)
    return 0;
  return spectrogram->levels[frame * spectrogram->bins + bin];
}

G_DEFINE_ENUM_TYPE (VtSpectrogramTool, vt_spectrogram_tool,
                    G_DEFINE_ENUM_VALUE (VT_SPECTROGRAM_TOOL_SELECT, "select"),
                    G_DEFINE_ENUM_VALUE (VT_SPECTROGRAM_TOOL_PENCIL, "pencil"))

typedef enum
{
  DRAG_NONE,
  DRAG_SELECT,
  DRAG_PENCIL,
  DRAG_MOVE,
} DragKind;

struct _VtSpectrogramView
{
  GtkWidget parent_instance;

  VtSpectrogram *spectrogram;
  double start_time;
  double end_time;
  double low_hz;
  double high_hz;
  double playhead;
  VtSpectrogramTool tool;
  gboolean snap;

  /* The curve (copies). */
  gint64 f0_frames;
  double f0_rate;
  float *f0_hz;
  float *f0_confidence;
  guint8 *f0_sources;

  /* Selection in F0 frames, [start, end); none when end <= start. */
  gint64 selection_start;
  gint64 selection_end;

  DragKind drag;
  double drag_x;
  double drag_y;
  double anchor_time;
  gint64 pencil_last_frame;
  float *pencil_hz; /* f0_frames; NaN where not drawn */
  gint64 pencil_first;
  gint64 pencil_end;
  double move_semitones;
  double pointer_x;
  double pointer_y;
  double zoom_start_span;

  /* The cached picture: re-made when the data, the range or the size change. */
  GskRenderNode *node;
  gboolean node_dirty;
  int cached_width;
  int cached_height;
  guint rebuild_tick;
};

G_DEFINE_FINAL_TYPE (VtSpectrogramView, vt_spectrogram_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SPECTROGRAM,
  PROP_START_TIME,
  PROP_END_TIME,
  PROP_LOW_HZ,
  PROP_HIGH_HZ,
  PROP_PLAYHEAD,
  PROP_TOOL,
  PROP_SNAP,
  PROP_HAS_SELECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_F0_DRAWN,
  SIGNAL_SEGMENT_SHIFTED,
  SIGNAL_UNVOICED,
  SIGNAL_SEEK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Colours of the curve; tests/test-gui.sh looks for CORRECTED_COLOR. */
static const GdkRGBA ESTIMATE_COLOR = { 0.40f, 0.85f, 1.00f, 1.0f };   /* #66d9ff */
static const GdkRGBA LOW_CONF_COLOR = { 0.40f, 0.85f, 1.00f, 0.45f };
static const GdkRGBA CORRECTED_COLOR = { 0.0f, 1.0f, 0.0f, 1.0f };     /* #00ff00 */
static const GdkRGBA UNVOICED_COLOR = { 1.0f, 0.0f, 1.0f, 1.0f };      /* #ff00ff */
static const GdkRGBA PLAYHEAD_COLOR = { 1.0f, 1.0f, 1.0f, 0.9f };
static const GdkRGBA SELECTION_COLOR = { 1.0f, 1.0f, 1.0f, 0.16f };
static const GdkRGBA RULER_COLOR = { 0.11f, 0.12f, 0.14f, 1.0f };
static const GdkRGBA RULER_TEXT_COLOR = { 0.80f, 0.82f, 0.86f, 1.0f };
static const GdkRGBA GRID_COLOR = { 1.0f, 1.0f, 1.0f, 0.10f };

/* ---- Geometry ----------------------------------------------------------- */

static double
duration (VtSpectrogramView *self)
{
  if (self->spectrogram != NULL)
    return vt_spectrogram_get_duration (self->spectrogram);
  if (self->f0_frames > 0)
    return self->f0_frames / self->f0_rate;
  return 0.0;
}

static int
plot_width (VtSpectrogramView *self)
{
  return MAX (gtk_widget_get_width (GTK_WIDGET (self)) - VT_SPECTROGRAM_VIEW_RULER_WIDTH, 0);
}

static int
plot_height (VtSpectrogramView *self)
{
  return MAX (gtk_widget_get_height (GTK_WIDGET (self)) - TIME_RULER_HEIGHT, 0);
}

double
vt_spectrogram_view_time_to_x (VtSpectrogramView *self, double seconds)
{
  double span = self->end_time - self->start_time;
  if (span <= 0)
    return VT_SPECTROGRAM_VIEW_RULER_WIDTH;
  return VT_SPECTROGRAM_VIEW_RULER_WIDTH + (seconds - self->start_time) / span * plot_width (self);
}

static double
x_to_time (VtSpectrogramView *self, double x)
{
  int width = MAX (plot_width (self), 1);
  return self->start_time
         + (x - VT_SPECTROGRAM_VIEW_RULER_WIDTH) / width * (self->end_time - self->start_time);
}

double
vt_spectrogram_view_hz_to_y (VtSpectrogramView *self, double hz)
{
  double lo = log (self->low_hz), hi = log (self->high_hz);
  return plot_height (self) * (1.0 - (log (hz) - lo) / (hi - lo));
}

static double
y_to_hz (VtSpectrogramView *self, double y)
{
  double lo = log (self->low_hz), hi = log (self->high_hz);
  int height = MAX (plot_height (self), 1);
  return exp (lo + (1.0 - y / height) * (hi - lo));
}

static double
max_hz (VtSpectrogramView *self)
{
  if (self->spectrogram != NULL)
    return self->spectrogram->bin_hz * (self->spectrogram->bins - 1);
  return 8000.0;
}

/* ---- The cached picture ------------------------------------------------- */

/* A dark-to-bright map (black, violet, red, orange, pale yellow) in which
 * no level is pure green or magenta, the curve's colours. */
static void
colormap (guint8 lut[256][4])
{
  static const double stops[][3] = {
    { 0, 0, 4 },       { 40, 11, 84 },   { 101, 21, 110 }, { 159, 42, 99 },
    { 212, 72, 66 },   { 245, 125, 21 }, { 250, 193, 39 }, { 252, 250, 164 },
  };
  const int n_stops = G_N_ELEMENTS (stops);
  for (int i = 0; i < 256; i++)
    {
      double position = i / 255.0 * (n_stops - 1);
      int s = MIN ((int) position, n_stops - 2);
      double t = position - s;
      /* Cairo-style premultiplied BGRA, opaque. */
      lut[i][2] = (guint8) lround (stops[s][0] + t * (stops[s + 1][0] - stops[s][0]));
      lut[i][1] = (guint8) lround (stops[s][1] + t * (stops[s + 1][1] - stops[s][1]));
      lut[i][0] = (guint8) lround (stops[s][2] + t * (stops[s + 1][2] - stops[s][2]));
      lut[i][3] = 255;
    }
}

static GdkTexture *
render_texture (VtSpectrogramView *self, int width, int height)
{
  static guint8 lut[256][4];
  static gsize lut_ready = 0;
  if (g_once_init_enter (&lut_ready))
    {
      colormap (lut);
      g_once_init_leave (&lut_ready, 1);
    }

  const VtSpectrogram *spectrogram = self->spectrogram;
  gsize stride = (gsize) width * 4;
  guint8 *pixels = g_try_malloc0 (stride * height);
  float *row_bin = g_try_new (float, height);
  guint8 *column = g_try_new (guint8, spectrogram->bins);
  if (pixels == NULL || row_bin == NULL || column == NULL)
    {
      g_free (pixels);
      g_free (row_bin);
      g_free (column);
      return NULL;
    }
  int lowest_bin = spectrogram->bins, highest_bin = 0;
  for (int y = 0; y < height; y++)
    {
      double hz = y_to_hz (self, y + 0.5);
      row_bin[y] = (float) CLAMP (hz / spectrogram->bin_hz, 0.0, spectrogram->bins - 1.001);
      lowest_bin = MIN (lowest_bin, (int) row_bin[y]);
      highest_bin = MAX (highest_bin, (int) row_bin[y] + 1);
    }
  highest_bin = MIN (highest_bin, spectrogram->bins - 1);

  double seconds_per_column = (self->end_time - self->start_time) / width;
  for (int x = 0; x < width; x++)
    {
      double t0 = self->start_time + x * seconds_per_column;
      gint64 first = (gint64) floor (t0 * spectrogram->frame_rate + 0.5);
      gint64 end = (gint64) floor ((t0 + seconds_per_column) * spectrogram->frame_rate + 0.5);
      if (end <= first)
        end = first + 1;
      first = MAX (first, 0);
      end = MIN (end, spectrogram->frames);
      if (first >= end)
        continue; /* beyond the song: left black (transparent) */
      /* Zoomed out, a column covers several frames: show their loudest. */
      memset (column + lowest_bin, 0, highest_bin - lowest_bin + 1);
      for (gint64 f = first; f < end; f++)
        {
          const guint8 *levels = spectrogram->levels + f * spectrogram->bins;
          for (int b = lowest_bin; b <= highest_bin; b++)
            column[b] = MAX (column[b], levels[b]);
        }
      for (int y = 0; y < height; y++)
        {
          int b = (int) row_bin[y];
          float t = row_bin[y] - b;
          int level = (int) lroundf (column[b] + t * (column[b + 1] - column[b]));
          memcpy (pixels + y * stride + x * 4, lut[CLAMP (level, 0, 255)], 4);
        }
    }
  g_free (row_bin);
  g_free (column);
  g_autoptr (GBytes) bytes = g_bytes_new_take (pixels, stride * height);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_B8G8R8A8_PREMULTIPLIED, bytes,
                                 stride);
}

static const char *const note_names[12] = { "C", "C♯", "D", "D♯", "E", "F",
                                            "F♯", "G", "G♯", "A", "A♯", "B" };

static void
append_text (VtSpectrogramView *self, GtkSnapshot *snapshot, const char *text, float x, float y,
             gboolean right_align)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoFontDescription *font = pango_font_description_from_string ("Sans 8");
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  int text_width, text_height;
  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (right_align ? x - text_width : x,
                                                y - text_height / 2.0f));
  gtk_snapshot_append_layout (snapshot, layout, &RULER_TEXT_COLOR);
  gtk_snapshot_restore (snapshot);
}

/* Seconds between time-ruler ticks so that labels are >= 70 px apart. */
static double
time_tick (double seconds_per_pixel)
{
  static const double steps[] = { 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600 };
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    if (steps[i] / seconds_per_pixel >= 70)
      return steps[i];
  return 1200;
}

static void
append_rulers (VtSpectrogramView *self, GtkSnapshot *snapshot, int width, int height)
{
  int plot_h = height - TIME_RULER_HEIGHT;
  float left = VT_SPECTROGRAM_VIEW_RULER_WIDTH;
  gtk_snapshot_append_color (snapshot, &RULER_COLOR, &GRAPHENE_RECT_INIT (0, 0, left, height));
  gtk_snapshot_append_color (snapshot, &RULER_COLOR,
                             &GRAPHENE_RECT_INIT (0, plot_h, width, TIME_RULER_HEIGHT));

  /* Notes: a line at every C (labelled with its Hz), a tick at every
   * semitone when they are at least 4 px apart. */
  double px_per_semitone = plot_h / (12.0 * log2 (self->high_hz / self->low_hz));
  int first_midi = (int) ceil (69 + 12 * log2 (self->low_hz / 440.0));
  int last_midi = (int) floor (69 + 12 * log2 (self->high_hz / 440.0));
  for (int midi = first_midi; midi <= last_midi; midi++)
    {
      double hz = 440.0 * pow (2.0, (midi - 69) / 12.0);
      float y = (float) vt_spectrogram_view_hz_to_y (self, hz);
      int pitch_class = ((midi % 12) + 12) % 12;
      if (pitch_class == 0)
        {
          gtk_snapshot_append_color (snapshot, &GRID_COLOR,
                                     &GRAPHENE_RECT_INIT (left, floorf (y), width - left, 1));
          gtk_snapshot_append_color (snapshot, &RULER_TEXT_COLOR,
                                     &GRAPHENE_RECT_INIT (left - 6, floorf (y), 6, 1));
          char label[32];
          g_snprintf (label, sizeof label, "C%d %d", midi / 12 - 1, (int) lround (hz));
          append_text (self, snapshot, label, left - 8, y, TRUE);
        }
      else if (px_per_semitone >= 4)
        gtk_snapshot_append_color (snapshot, &GRID_COLOR,
                                   &GRAPHENE_RECT_INIT (left - 3, floorf (y), 3, 1));
      else if (pitch_class == 9 && px_per_semitone >= 1.5)
        {
          /* Zoomed out: also the A of each octave. */
          char label[16];
          g_snprintf (label, sizeof label, "%s%d", note_names[pitch_class], midi / 12 - 1);
          append_text (self, snapshot, label, left - 8, y, TRUE);
        }
    }

  double span = self->end_time - self->start_time;
  if (span <= 0 || width <= left)
    return;
  double tick = time_tick (span / (width - left));
  for (double t = ceil (self->start_time / tick) * tick; t <= self->end_time; t += tick)
    {
      float x = (float) vt_spectrogram_view_time_to_x (self, t);
      gtk_snapshot_append_color (snapshot, &RULER_TEXT_COLOR,
                                 &GRAPHENE_RECT_INIT (floorf (x), plot_h, 1, 5));
      char label[32];
      int minutes = (int) (t / 60 + 1e-9);
      double seconds = t - 60 * minutes;
      if (tick < 1)
        g_snprintf (label, sizeof label, "%d:%04.1f", minutes, fabs (seconds));
      else
        g_snprintf (label, sizeof label, "%d:%02d", minutes, (int) lround (seconds));
      append_text (self, snapshot, label, x + 3, plot_h + TIME_RULER_HEIGHT / 2.0f + 1, FALSE);
    }
}

static void
rebuild_node (VtSpectrogramView *self)
{
  g_clear_pointer (&self->node, gsk_render_node_unref);
  self->node_dirty = FALSE;
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int plot_w = plot_width (self), plot_h = plot_height (self);
  if (width <= 0 || height <= 0)
    return;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  if (self->spectrogram != NULL && plot_w > 0 && plot_h > 0
      && self->end_time > self->start_time)
    {
      g_autoptr (GdkTexture) texture = render_texture (self, plot_w, plot_h);
      if (texture != NULL)
        gtk_snapshot_append_texture (snapshot, texture,
                                     &GRAPHENE_RECT_INIT (VT_SPECTROGRAM_VIEW_RULER_WIDTH, 0,
                                                          plot_w, plot_h));
    }
  append_rulers (self, snapshot, width, height);
  self->node = gtk_snapshot_free_to_node (snapshot);
}

static gboolean
rebuild_on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  self->rebuild_tick = 0;
  if (self->node_dirty)
    {
      rebuild_node (self);
      gtk_widget_queue_draw (widget);
    }
  return G_SOURCE_REMOVE;
}

/* The picture is re-made before the next frame, once however many changes
 * come before it. */
static void
invalidate_picture (VtSpectrogramView *self)
{
  self->node_dirty = TRUE;
  if (self->rebuild_tick == 0)
    self->rebuild_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), rebuild_on_tick, NULL,
                                                       NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- Range -------------------------------------------------------------- */

static void
set_range (VtSpectrogramView *self, double start, double end)
{
  double song = duration (self);
  double span = end - start;
  if (song > 0)
    {
      span = CLAMP (span, MIN (MIN_SPAN_S, song), song);
      start = CLAMP (start, 0.0, song - span);
    }
  else
    span = MAX (span, MIN_SPAN_S);
  end = start + span;
  if (start == self->start_time && end == self->end_time)
    return;
  gboolean start_changed = start != self->start_time;
  gboolean end_changed = end != self->end_time;
  self->start_time = start;
  self->end_time = end;
  if (start_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_TIME]);
  if (end_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_TIME]);
  invalidate_picture (self);
}

void
vt_spectrogram_view_set_visible_range (VtSpectrogramView *self, double start_time,
                                       double end_time)
{
  g_return_if_fail (VT_IS_SPECTROGRAM_VIEW (self));
  if (end_time <= start_time)
    {
      start_time = 0;
      end_time = duration (self);
    }
  set_range (self, start_time, end_time);
}

double
vt_spectrogram_view_get_start_time (VtSpectrogramView *self)
{
  g_return_val_if_fail (VT_IS_SPECTROGRAM_VIEW (self), 0.0);
  return self->start_time;
}

double
vt_spectrogram_view_get_end_time (VtSpectrogramView *self)
{
  g_return_val_if_fail (VT_IS_SPECTROGRAM_VIEW (self), 0.0);
  return self->end_time;
}

void
vt_spectrogram_view_set_frequency_range (VtSpectrogramView *self, double low_hz, double high_hz)
{
  g_return_if_fail (VT_IS_SPECTROGRAM_VIEW (self));
  if (!isfinite (low_hz) || !isfinite (high_hz))
    return;
  double top = max_hz (self);
  /* At least an octave, within what the spectrogram holds. */
  low_hz = CLAMP (low_hz, MIN_HZ_LIMIT, top / 2);
  high_hz = CLAMP (high_hz, low_hz * 2, top);
  if (low_hz == self->low_hz && high_hz == self->high_hz)
    return;
  if (low_hz != self->low_hz)
    {
      self->low_hz = low_hz;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOW_HZ]);
    }
  if (high_hz != self->high_hz)
    {
      self->high_hz = high_hz;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGH_HZ]);
    }
  invalidate_picture (self);
}

double
vt_spectrogram_view_get_low_hz (VtSpectrogramView *self)
{
  return self->low_hz;
}

double
vt_spectrogram_view_get_high_hz (VtSpectrogramView *self)
{
  return self->high_hz;
}

static void
zoom_time (VtSpectrogramView *self, double factor, double anchor_x)
{
  double anchor = x_to_time (self, anchor_x);
  double span = self->end_time - self->start_time;
  double new_span = span * factor;
  double fraction = span > 0 ? (anchor - self->start_time) / span : 0.5;
  set_range (self, anchor - fraction * new_span, anchor - fraction * new_span + new_span);
}

static void
scroll_time (VtSpectrogramView *self, double seconds)
{
  double span = self->end_time - self->start_time;
  set_range (self, self->start_time + seconds, self->start_time + seconds + span);
}

static void
zoom_frequency (VtSpectrogramView *self, double factor, double anchor_y)
{
  double anchor = log (y_to_hz (self, anchor_y));
  double lo = log (self->low_hz), hi = log (self->high_hz);
  vt_spectrogram_view_set_frequency_range (self, exp (anchor - (anchor - lo) * factor),
                                           exp (anchor + (hi - anchor) * factor));
}

static void
scroll_frequency (VtSpectrogramView *self, double octaves)
{
  double ratio = pow (2.0, octaves);
  if (self->high_hz * ratio > max_hz (self) || self->low_hz * ratio < MIN_HZ_LIMIT)
    return;
  vt_spectrogram_view_set_frequency_range (self, self->low_hz * ratio, self->high_hz * ratio);
}

/* ---- Data --------------------------------------------------------------- */

void
vt_spectrogram_view_set_spectrogram (VtSpectrogramView *self, VtSpectrogram *spectrogram)
{
  g_return_if_fail (VT_IS_SPECTROGRAM_VIEW (self));
  if (spectrogram == self->spectrogram)
    return;
  if (spectrogram != NULL)
    vt_spectrogram_ref (spectrogram);
  g_clear_pointer (&self->spectrogram, vt_spectrogram_unref);
  self->spectrogram = spectrogram;
  vt_spectrogram_view_set_frequency_range (self, self->low_hz, self->high_hz);
  set_range (self, self->start_time, self->end_time);
  invalidate_picture (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPECTROGRAM]);
}

VtSpectrogram *
vt_spectrogram_view_get_spectrogram (VtSpectrogramView *self)
{
  g_return_val_if_fail (VT_IS_SPECTROGRAM_VIEW (self), NULL);
  return self->spectrogram;
}

static void
set_selection (VtSpectrogramView *self, gint64 start, gint64 end)
{
  gboolean had = self->selection_end > self->selection_start;
  self->selection_start = start;
  self->selection_end = end;
  if (had != (end > start))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_SELECTION]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
vt_spectrogram_view_set_f0 (VtSpectrogramView *self, const float *hz, const float *confidence,
                            const guint8 *sources, gint64 n_frames, double frame_rate)
{
  g_return_if_fail (VT_IS_SPECTROGRAM_VIEW (self));
  g_return_if_fail (hz != NULL || n_frames <= 0);
  n_frames = MAX (n_frames, 0);
  gsize n = (gsize) MAX (n_frames, 1);
  self->f0_hz = g_renew (float, self->f0_hz, n);
  self->f0_confidence = g_renew (float, self->f0_confidence, n);
  self->f0_sources = g_renew (guint8, self->f0_sources, n);
  if (n_frames > 0)
    {
      memcpy (self->f0_hz, hz, n_frames * sizeof (float));
      if (confidence != NULL)
        memcpy (self->f0_confidence, confidence, n_frames * sizeof (float));
      else
        for (gint64 i = 0; i < n_frames; i++)
          self->f0_confidence[i] = 1.0f;
      if (sources != NULL)
        memcpy (self->f0_sources, sources, n_frames);
      else
        memset (self->f0_sources, 0, n_frames);
    }
  if (n_frames != self->f0_frames)
    {
      /* The pencil's buffer follows the curve's length. */
      g_clear_pointer (&self->pencil_hz, g_free);
      if (self->drag == DRAG_PENCIL)
        self->drag = DRAG_NONE;
    }
  self->f0_frames = n_frames;
  self->f0_rate = frame_rate > 0 ? frame_rate : 50.0;
  /* The shift a drag previewed is now in the curve itself. */
  if (self->drag != DRAG_MOVE)
    self->move_semitones = 0;
  if (self->selection_end > n_frames)
    set_selection (self, 0, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
vt_spectrogram_view_set_playhead (VtSpectrogramView *self, double seconds)
{
  g_return_if_fail (VT_IS_SPECTROGRAM_VIEW (self));
  if (seconds == self->playhead)
    return;
  self->playhead = seconds;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYHEAD]);
}

void
vt_spectrogram_view_set_tool (VtSpectrogramView *self, VtSpectrogramTool tool)
{
  g_return_if_fail (VT_IS_SPECTROGRAM_VIEW (self));
  if (tool == self->tool)
    return;
  self->tool = tool;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self),
                                   tool == VT_SPECTROGRAM_TOOL_PENCIL ? "crosshair" : "default");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOOL]);
}

VtSpectrogramTool
vt_spectrogram_view_get_tool (VtSpectrogramView *self)
{
  g_return_val_if_fail (VT_IS_SPECTROGRAM_VIEW (self), VT_SPECTROGRAM_TOOL_SELECT);
  return self->tool;
}

gboolean
vt_spectrogram_view_get_selection (VtSpectrogramView *self, gint64 *start_frame,
                                   gint64 *n_frames)
{
  g_return_val_if_fail (VT_IS_SPECTROGRAM_VIEW (self), FALSE);
  if (start_frame)
    *start_frame = self->selection_start;
  if (n_frames)
    *n_frames = MAX (self->selection_end - self->selection_start, 0);
  return self->selection_end > self->selection_start;
}

void
vt_spectrogram_view_clear_selection (VtSpectrogramView *self)
{
  g_return_if_fail (VT_IS_SPECTROGRAM_VIEW (self));
  set_selection (self, 0, 0);
}

/* ---- Drawing on top ----------------------------------------------------- */

typedef enum
{
  STYLE_ESTIMATE,
  STYLE_LOW_CONFIDENCE,
  STYLE_CORRECTED,
} CurveStyle;

static CurveStyle
frame_style (VtSpectrogramView *self, gint64 f)
{
  if (self->f0_sources[f] == 1)
    return STYLE_CORRECTED;
  return self->f0_confidence[f] < LOW_CONFIDENCE ? STYLE_LOW_CONFIDENCE : STYLE_ESTIMATE;
}

/* The style of the segment from frame f to f + 1, or -1 for none: the
 * user's spans are not joined to the estimate around them, so that where a
 * correction starts and ends stays visible. */
static int
segment_style (VtSpectrogramView *self, gint64 f)
{
  CurveStyle a = frame_style (self, f), b = frame_style (self, f + 1);
  if (a == STYLE_CORRECTED || b == STYLE_CORRECTED)
    return a == b ? STYLE_CORRECTED : -1;
  return a == STYLE_LOW_CONFIDENCE || b == STYLE_LOW_CONFIDENCE ? STYLE_LOW_CONFIDENCE
                                                                : STYLE_ESTIMATE;
}

/* The value drawn for frame f, with a segment move previewed. */
static double
shown_hz (VtSpectrogramView *self, gint64 f)
{
  double hz = self->f0_hz[f];
  if (self->move_semitones != 0 && f >= self->selection_start && f < self->selection_end)
    hz *= pow (2.0, self->move_semitones / 12.0);
  return hz;
}

static void
draw_curve (VtSpectrogramView *self, cairo_t *cr, gint64 first, gint64 end, CurveStyle style)
{
  const GdkRGBA *color = style == STYLE_CORRECTED        ? &CORRECTED_COLOR
                         : style == STYLE_LOW_CONFIDENCE ? &LOW_CONF_COLOR
                                                         : &ESTIMATE_COLOR;
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, style == STYLE_LOW_CONFIDENCE ? 1.5 : 3.0);
  gboolean pen_down = FALSE;
  for (gint64 f = first; f < end; f++)
    {
      gboolean voiced = self->f0_hz[f] > 0 && f + 1 < self->f0_frames
                        && self->f0_hz[f + 1] > 0 && segment_style (self, f) == (int) style;
      if (!voiced)
        {
          pen_down = FALSE;
          continue;
        }
      double x = vt_spectrogram_view_time_to_x (self, f / self->f0_rate);
      double y = vt_spectrogram_view_hz_to_y (self, shown_hz (self, f));
      if (!pen_down)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
      cairo_line_to (cr, vt_spectrogram_view_time_to_x (self, (f + 1) / self->f0_rate),
                     vt_spectrogram_view_hz_to_y (self, shown_hz (self, f + 1)));
      pen_down = TRUE;
    }
  cairo_stroke (cr);
}

static void
vt_spectrogram_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  if (self->node != NULL)
    gtk_snapshot_append_node (snapshot, self->node);
  int plot_w = plot_width (self), plot_h = plot_height (self);
  if (plot_w <= 0 || plot_h <= 0 || self->end_time <= self->start_time)
    return;
  float left = VT_SPECTROGRAM_VIEW_RULER_WIDTH;
  graphene_rect_t plot = GRAPHENE_RECT_INIT (left, 0, plot_w, plot_h);
  gtk_snapshot_push_clip (snapshot, &plot);

  if (self->selection_end > self->selection_start)
    {
      double x0 = vt_spectrogram_view_time_to_x (self, self->selection_start / self->f0_rate);
      double x1 = vt_spectrogram_view_time_to_x (self, self->selection_end / self->f0_rate);
      gtk_snapshot_append_color (snapshot, &SELECTION_COLOR,
                                 &GRAPHENE_RECT_INIT ((float) x0, 0, (float) (x1 - x0), plot_h));
    }

  if (self->f0_frames > 1)
    {
      gint64 first = MAX ((gint64) floor (self->start_time * self->f0_rate) - 1, 0);
      gint64 end = MIN ((gint64) ceil (self->end_time * self->f0_rate) + 2, self->f0_frames);
      /* Frames the user marked unvoiced: a strip along the bottom. */
      for (gint64 f = first; f < end; f++)
        {
          if (self->f0_sources[f] != 2)
            continue;
          gint64 run = f;
          while (run < end && self->f0_sources[run] == 2)
            run++;
          double x0 = vt_spectrogram_view_time_to_x (self, f / self->f0_rate);
          double x1 = vt_spectrogram_view_time_to_x (self, run / self->f0_rate);
          gtk_snapshot_append_color (snapshot, &UNVOICED_COLOR,
                                     &GRAPHENE_RECT_INIT ((float) x0, plot_h - 4.0f,
                                                          (float) MAX (x1 - x0, 1), 4));
          f = run;
        }
      cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &plot);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      draw_curve (self, cr, first, end, STYLE_LOW_CONFIDENCE);
      draw_curve (self, cr, first, end, STYLE_ESTIMATE);
      draw_curve (self, cr, first, end, STYLE_CORRECTED);

      /* What the pencil has drawn so far. */
      if (self->drag == DRAG_PENCIL && self->pencil_hz != NULL)
        {
          gdk_cairo_set_source_rgba (cr, &CORRECTED_COLOR);
          cairo_set_line_width (cr, 3.0);
          gboolean pen_down = FALSE;
          for (gint64 f = self->pencil_first; f < self->pencil_end; f++)
            {
              if (isnan (self->pencil_hz[f]))
                {
                  pen_down = FALSE;
                  continue;
                }
              double x = vt_spectrogram_view_time_to_x (self, f / self->f0_rate);
              double y = vt_spectrogram_view_hz_to_y (self, self->pencil_hz[f]);
              if (pen_down)
                cairo_line_to (cr, x, y);
              else
                cairo_move_to (cr, x, y);
              pen_down = TRUE;
            }
          cairo_stroke (cr);
        }
      cairo_destroy (cr);
    }

  if (self->playhead >= 0 && self->playhead >= self->start_time
      && self->playhead <= self->end_time)
    {
      float x = (float) vt_spectrogram_view_time_to_x (self, self->playhead);
      gtk_snapshot_append_color (snapshot, &PLAYHEAD_COLOR,
                                 &GRAPHENE_RECT_INIT (floorf (x), 0, 1, plot_h));
    }
  gtk_snapshot_pop (snapshot);
}

/* ---- Tools -------------------------------------------------------------- */

static gint64
time_to_frame (VtSpectrogramView *self, double seconds)
{
  return (gint64) floor (seconds * self->f0_rate + 0.5);
}

static void
pencil_add_point (VtSpectrogramView *self, double x, double y)
{
  gint64 frame = CLAMP (time_to_frame (self, x_to_time (self, x)), 0, self->f0_frames - 1);
  double hz = y_to_hz (self, CLAMP (y, 0, plot_height (self)));
  if (self->pencil_last_frame < 0 || isnan (self->pencil_hz[self->pencil_last_frame]))
    self->pencil_hz[frame] = (float) hz;
  else
    {
      /* Fill the frames the pointer jumped over, straight in log frequency. */
      gint64 from = self->pencil_last_frame;
      double from_log = log (self->pencil_hz[from]), to_log = log (hz);
      gint64 steps = ABS (frame - from);
      for (gint64 i = 1; i <= steps; i++)
        {
          gint64 f = from + (frame > from ? i : -i);
          self->pencil_hz[f] = (float) exp (from_log + (to_log - from_log) * i / steps);
        }
      if (steps == 0)
        self->pencil_hz[frame] = (float) hz;
    }
  self->pencil_last_frame = frame;
  self->pencil_first = MIN (self->pencil_first, frame);
  self->pencil_end = MAX (self->pencil_end, frame + 1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
finish_pencil (VtSpectrogramView *self)
{
  gint64 first = self->pencil_first, end = self->pencil_end;
  if (end - first < 1)
    return;
  /* A drag right to left and back leaves no holes, but a jump of the
   * pointer over the ruler might: fill them from their neighbours. */
  g_autofree float *hz = g_new (float, end - first);
  float last = NAN;
  for (gint64 f = first; f < end; f++)
    {
      if (!isnan (self->pencil_hz[f]))
        last = self->pencil_hz[f];
      hz[f - first] = last;
    }
  g_signal_emit (self, signals[SIGNAL_F0_DRAWN], 0, (int) first, (int) (end - first),
                 (gpointer) hz);
}

static double
curve_y_at (VtSpectrogramView *self, double x)
{
  gint64 frame = time_to_frame (self, x_to_time (self, x));
  if (frame < 0 || frame >= self->f0_frames || self->f0_hz[frame] <= 0)
    return NAN;
  return vt_spectrogram_view_hz_to_y (self, self->f0_hz[frame]);
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, VtSpectrogramView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag = DRAG_NONE;
  if (x < VT_SPECTROGRAM_VIEW_RULER_WIDTH || y > plot_height (self) || self->f0_frames < 1)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_x = x;
  self->drag_y = y;
  if (self->tool == VT_SPECTROGRAM_TOOL_PENCIL)
    {
      if (self->pencil_hz == NULL)
        self->pencil_hz = g_new (float, self->f0_frames);
      for (gint64 f = 0; f < self->f0_frames; f++)
        self->pencil_hz[f] = NAN;
      self->pencil_last_frame = -1;
      self->pencil_first = self->f0_frames;
      self->pencil_end = 0;
      self->drag = DRAG_PENCIL;
      pencil_add_point (self, x, y);
      return;
    }
  gint64 frame = time_to_frame (self, x_to_time (self, x));
  double curve_y = curve_y_at (self, x);
  if (frame >= self->selection_start && frame < self->selection_end && !isnan (curve_y)
      && fabs (curve_y - y) <= GRAB_DISTANCE)
    {
      self->drag = DRAG_MOVE;
      self->move_semitones = 0;
      return;
    }
  self->drag = DRAG_SELECT;
  self->anchor_time = x_to_time (self, x);
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, VtSpectrogramView *self)
{
  double x = self->drag_x + dx, y = self->drag_y + dy;
  switch (self->drag)
    {
    case DRAG_PENCIL:
      pencil_add_point (self, x, y);
      break;
    case DRAG_SELECT:
      {
        double t0 = self->anchor_time, t1 = x_to_time (self, x);
        gint64 a = time_to_frame (self, MIN (t0, t1)), b = time_to_frame (self, MAX (t0, t1));
        a = CLAMP (a, 0, self->f0_frames);
        b = CLAMP (b, 0, self->f0_frames);
        if (fabs (dx) >= 3)
          set_selection (self, a, b);
        break;
      }
    case DRAG_MOVE:
      {
        double px_per_semitone = plot_height (self) / (12.0 * log2 (self->high_hz / self->low_hz));
        double semitones = -dy / px_per_semitone;
        self->move_semitones = self->snap ? round (semitones) : semitones;
        gtk_widget_queue_draw (GTK_WIDGET (self));
        break;
      }
    case DRAG_NONE:
    default:
      break;
    }
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, VtSpectrogramView *self)
{
  DragKind drag = self->drag;
  self->drag = DRAG_NONE;
  switch (drag)
    {
    case DRAG_PENCIL:
      finish_pencil (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;
    case DRAG_SELECT:
      if (fabs (dx) < 3 && fabs (dy) < 3)
        {
          set_selection (self, 0, 0);
          g_signal_emit (self, signals[SIGNAL_SEEK], 0,
                         CLAMP (self->anchor_time, 0.0, duration (self)));
        }
      break;
    case DRAG_MOVE:
      if (self->move_semitones != 0)
        g_signal_emit (self, signals[SIGNAL_SEGMENT_SHIFTED], 0, (int) self->selection_start,
                       (int) (self->selection_end - self->selection_start),
                       self->move_semitones);
      /* The owner's new curve carries the shift; until then (or if it
       * refused it) nothing is previewed. */
      self->move_semitones = 0;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;
    case DRAG_NONE:
    default:
      break;
    }
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, VtSpectrogramView *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, VtSpectrogramView *self)
{
  GdkModifierType state
    = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  gboolean pixels = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_SURFACE;
  /* A wheel step is a tenth of the view; a trackpad moves by its pixels. */
  double steps_x = pixels ? dx / 40.0 : dx, steps_y = pixels ? dy / 40.0 : dy;
  double span = self->end_time - self->start_time;
  if ((state & GDK_CONTROL_MASK) && (state & GDK_SHIFT_MASK))
    zoom_frequency (self, pow (1.15, steps_y), self->pointer_y);
  else if (state & GDK_CONTROL_MASK)
    zoom_time (self, pow (1.2, steps_y), self->pointer_x);
  else if (state & GDK_SHIFT_MASK)
    scroll_frequency (self, -steps_y / 6.0);
  else
    scroll_time (self, (steps_x + steps_y) * span / 10.0);
  return TRUE;
}

static void
on_zoom_begin (GtkGesture *gesture, GdkEventSequence *sequence, VtSpectrogramView *self)
{
  self->zoom_start_span = self->end_time - self->start_time;
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture, double scale, VtSpectrogramView *self)
{
  double x, y;
  if (scale <= 0 || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;
  double span = self->end_time - self->start_time;
  zoom_time (self, self->zoom_start_span / scale / span, x);
}

static void
shift_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  if (self->selection_end <= self->selection_start)
    return;
  g_signal_emit (self, signals[SIGNAL_SEGMENT_SHIFTED], 0, (int) self->selection_start,
                 (int) (self->selection_end - self->selection_start),
                 g_variant_get_double (parameter));
}

static void
unvoiced_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  if (self->selection_end <= self->selection_start)
    return;
  g_signal_emit (self, signals[SIGNAL_UNVOICED], 0, (int) self->selection_start,
                 (int) (self->selection_end - self->selection_start));
}

static void
scroll_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  scroll_time (self, g_variant_get_double (parameter) * (self->end_time - self->start_time));
}

static void
zoom_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  double centre = VT_SPECTROGRAM_VIEW_RULER_WIDTH + plot_width (self) / 2.0;
  zoom_time (self, g_variant_get_double (parameter), centre);
}

static void
zoom_all_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  set_range (self, 0, duration (self));
}

static void
clear_selection_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  vt_spectrogram_view_clear_selection (VT_SPECTROGRAM_VIEW (widget));
}

/* ---- GtkWidget ---------------------------------------------------------- */

static void
vt_spectrogram_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  /* Re-made here, not in a tick, so the first frame at a size is complete. */
  if (self->node_dirty || width != self->cached_width || height != self->cached_height)
    {
      self->cached_width = width;
      self->cached_height = height;
      rebuild_node (self);
    }
}

static void
vt_spectrogram_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                             int *minimum, int *natural, int *minimum_baseline,
                             int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = VT_SPECTROGRAM_VIEW_RULER_WIDTH + 100;
      *natural = 800;
    }
  else
    {
      *minimum = TIME_RULER_HEIGHT + 100;
      *natural = 360;
    }
}

static void
vt_spectrogram_view_unmap (GtkWidget *widget)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (widget);
  if (self->rebuild_tick != 0)
    {
      gtk_widget_remove_tick_callback (widget, self->rebuild_tick);
      self->rebuild_tick = 0;
    }
  GTK_WIDGET_CLASS (vt_spectrogram_view_parent_class)->unmap (widget);
}

static void
vt_spectrogram_view_finalize (GObject *object)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (object);
  g_clear_pointer (&self->spectrogram, vt_spectrogram_unref);
  g_clear_pointer (&self->node, gsk_render_node_unref);
  g_free (self->f0_hz);
  g_free (self->f0_confidence);
  g_free (self->f0_sources);
  g_free (self->pencil_hz);
  G_OBJECT_CLASS (vt_spectrogram_view_parent_class)->finalize (object);
}

static void
vt_spectrogram_view_get_property (GObject *object, guint prop_id, GValue *value,
                                  GParamSpec *pspec)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (object);
  switch (prop_id)
    {
    case PROP_SPECTROGRAM:
      g_value_set_boxed (value, self->spectrogram);
      break;
    case PROP_START_TIME:
      g_value_set_double (value, self->start_time);
      break;
    case PROP_END_TIME:
      g_value_set_double (value, self->end_time);
      break;
    case PROP_LOW_HZ:
      g_value_set_double (value, self->low_hz);
      break;
    case PROP_HIGH_HZ:
      g_value_set_double (value, self->high_hz);
      break;
    case PROP_PLAYHEAD:
      g_value_set_double (value, self->playhead);
      break;
    case PROP_TOOL:
      g_value_set_enum (value, self->tool);
      break;
    case PROP_SNAP:
      g_value_set_boolean (value, self->snap);
      break;
    case PROP_HAS_SELECTION:
      g_value_set_boolean (value, self->selection_end > self->selection_start);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_spectrogram_view_set_property (GObject *object, guint prop_id, const GValue *value,
                                  GParamSpec *pspec)
{
  VtSpectrogramView *self = VT_SPECTROGRAM_VIEW (object);
  switch (prop_id)
    {
    case PROP_SPECTROGRAM:
      vt_spectrogram_view_set_spectrogram (self, g_value_get_boxed (value));
      break;
    case PROP_START_TIME:
      set_range (self, g_value_get_double (value),
                 g_value_get_double (value) + self->end_time - self->start_time);
      break;
    case PROP_END_TIME:
      set_range (self, self->start_time, g_value_get_double (value));
      break;
    case PROP_LOW_HZ:
      vt_spectrogram_view_set_frequency_range (self, g_value_get_double (value), self->high_hz);
      break;
    case PROP_HIGH_HZ:
      vt_spectrogram_view_set_frequency_range (self, self->low_hz, g_value_get_double (value));
      break;
    case PROP_PLAYHEAD:
      vt_spectrogram_view_set_playhead (self, g_value_get_double (value));
      break;
    case PROP_TOOL:
      vt_spectrogram_view_set_tool (self, g_value_get_enum (value));
      break;
    case PROP_SNAP:
      if (self->snap != g_value_get_boolean (value))
        {
          self->snap = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_binding (GtkWidgetClass *widget_class, guint key, GdkModifierType mods, const char *action,
             const char *format, double value)
{
  gtk_widget_class_add_binding_action (widget_class, key, mods, action, format, value);
}

static void
vt_spectrogram_view_class_init (VtSpectrogramViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = vt_spectrogram_view_finalize;
  object_class->get_property = vt_spectrogram_view_get_property;
  object_class->set_property = vt_spectrogram_view_set_property;
  widget_class->snapshot = vt_spectrogram_view_snapshot;
  widget_class->size_allocate = vt_spectrogram_view_size_allocate;
  widget_class->measure = vt_spectrogram_view_measure;
  widget_class->unmap = vt_spectrogram_view_unmap;

  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  properties[PROP_SPECTROGRAM] = g_param_spec_boxed ("spectrogram", NULL, NULL,
                                                     VT_TYPE_SPECTROGRAM, flags);
  properties[PROP_START_TIME] = g_param_spec_double ("start-time", NULL, NULL, 0, G_MAXDOUBLE,
                                                     0, flags);
  properties[PROP_END_TIME] = g_param_spec_double ("end-time", NULL, NULL, 0, G_MAXDOUBLE, 0,
                                                   flags);
  properties[PROP_LOW_HZ] = g_param_spec_double ("low-hz", NULL, NULL, 1, 100000, 65.4,
                                                 flags);
  properties[PROP_HIGH_HZ] = g_param_spec_double ("high-hz", NULL, NULL, 1, 100000, 2093,
                                                  flags);
  properties[PROP_PLAYHEAD] = g_param_spec_double ("playhead", NULL, NULL, -G_MAXDOUBLE,
                                                   G_MAXDOUBLE, -1, flags);
  properties[PROP_TOOL] = g_param_spec_enum ("tool", NULL, NULL, VT_TYPE_SPECTROGRAM_TOOL,
                                             VT_SPECTROGRAM_TOOL_SELECT, flags);
  properties[PROP_SNAP] = g_param_spec_boolean ("snap", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_SELECTION] = g_param_spec_boolean (
    "has-selection", NULL, NULL, FALSE,
    G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_F0_DRAWN] = g_signal_new ("f0-drawn", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           3, G_TYPE_INT, G_TYPE_INT, G_TYPE_POINTER);
  signals[SIGNAL_SEGMENT_SHIFTED] = g_signal_new ("segment-shifted", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                  G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_INT,
                                                  G_TYPE_DOUBLE);
  signals[SIGNAL_UNVOICED] = g_signal_new ("unvoiced", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           2, G_TYPE_INT, G_TYPE_INT);
  signals[SIGNAL_SEEK] = g_signal_new ("seek", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_DOUBLE);

  gtk_widget_class_install_action (widget_class, "spectrogram.shift", "d", shift_action);
  gtk_widget_class_install_action (widget_class, "spectrogram.unvoiced", NULL, unvoiced_action);
  gtk_widget_class_install_action (widget_class, "spectrogram.scroll", "d", scroll_action);
  gtk_widget_class_install_action (widget_class, "spectrogram.zoom", "d", zoom_action);
  gtk_widget_class_install_action (widget_class, "spectrogram.zoom-all", NULL, zoom_all_action);
  gtk_widget_class_install_action (widget_class, "spectrogram.clear-selection", NULL,
                                   clear_selection_action);
  gtk_widget_class_install_property_action (widget_class, "spectrogram.snap", "snap");

  add_binding (widget_class, GDK_KEY_Up, 0, "spectrogram.shift", "d", 1.0);
  add_binding (widget_class, GDK_KEY_Down, 0, "spectrogram.shift", "d", -1.0);
  add_binding (widget_class, GDK_KEY_Up, GDK_CONTROL_MASK, "spectrogram.shift", "d", 12.0);
  add_binding (widget_class, GDK_KEY_Down, GDK_CONTROL_MASK, "spectrogram.shift", "d", -12.0);
  add_binding (widget_class, GDK_KEY_Left, 0, "spectrogram.scroll", "d", -0.1);
  add_binding (widget_class, GDK_KEY_Right, 0, "spectrogram.scroll", "d", 0.1);
  add_binding (widget_class, GDK_KEY_plus, 0, "spectrogram.zoom", "d", 1 / 1.5);
  add_binding (widget_class, GDK_KEY_equal, 0, "spectrogram.zoom", "d", 1 / 1.5);
  add_binding (widget_class, GDK_KEY_KP_Add, 0, "spectrogram.zoom", "d", 1 / 1.5);
  add_binding (widget_class, GDK_KEY_minus, 0, "spectrogram.zoom", "d", 1.5);
  add_binding (widget_class, GDK_KEY_KP_Subtract, 0, "spectrogram.zoom", "d", 1.5);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "spectrogram.zoom-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "spectrogram.unvoiced",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "spectrogram.clear-selection", NULL);

  gtk_widget_class_set_css_name (widget_class, "spectrogram");
}

static void
vt_spectrogram_view_init (VtSpectrogramView *self)
{
  self->low_hz = 65.4;   /* C2 */
  self->high_hz = 2093;  /* C7 */
  self->playhead = -1;
  self->f0_rate = 50.0;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  GtkGesture *drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  GtkEventController *scroll = gtk_event_controller_scroll_new (
    GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  GtkGesture *zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "begin", G_CALLBACK (on_zoom_begin), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));
}

GtkWidget *
vt_spectrogram_view_new (void)
{
  return g_object_new (VT_TYPE_SPECTROGRAM_VIEW, NULL);
}
