/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-waveform-view.h"

#include <math.h>

/* Frames per entry of the block table. Small enough that the ragged ends of
 * a column cost little to read sample by sample, large enough that the table
 * of a ten-minute 44.1 kHz song has only ~100 000 entries. */
#define PEAK_BLOCK_FRAMES 256

struct _VtWaveformPeaks
{
  gatomicrefcount ref_count;
  GBytes *samples;
  const float *data;
  gint64 frames;
  int channels;
  int sample_rate;
  gint64 n_blocks;
  float *block_min;
  float *block_max;
};

G_DEFINE_BOXED_TYPE (VtWaveformPeaks, vt_waveform_peaks, vt_waveform_peaks_ref,
                     vt_waveform_peaks_unref)

/* Lowest and highest sample of frames [first, end), folded into *lo, *hi.
 * NaN never wins a comparison, so it is ignored. */
static void
raw_peaks (const VtWaveformPeaks *peaks, gint64 first, gint64 end, float *lo, float *hi)
{
  const float *sample = peaks->data + first * peaks->channels;
  const float *stop = peaks->data + end * peaks->channels;
  float low = *lo, high = *hi;
  for (; sample < stop; sample++)
    {
      if (*sample < low)
        low = *sample;
      if (*sample > high)
        high = *sample;
    }
  *lo = low;
  *hi = high;
}

VtWaveformPeaks *
vt_waveform_peaks_new (GBytes *samples, int channels, int sample_rate)
{
  g_return_val_if_fail (samples != NULL, NULL);
  if (channels < 1 || sample_rate < 1)
    return NULL;
  gsize size = g_bytes_get_size (samples);
  gsize frame_size = (gsize) channels * sizeof (float);
  if (size % frame_size != 0)
    return NULL;

  VtWaveformPeaks *peaks = g_try_new0 (VtWaveformPeaks, 1);
  if (peaks == NULL)
    return NULL;
  g_atomic_ref_count_init (&peaks->ref_count);
  peaks->samples = g_bytes_ref (samples);
  peaks->data = g_bytes_get_data (samples, NULL);
  peaks->frames = (gint64) (size / frame_size);
  peaks->channels = channels;
  peaks->sample_rate = sample_rate;
  peaks->n_blocks = (peaks->frames + PEAK_BLOCK_FRAMES - 1) / PEAK_BLOCK_FRAMES;
  if (peaks->n_blocks > 0)
    {
      peaks->block_min = g_try_new (float, peaks->n_blocks);
      peaks->block_max = g_try_new (float, peaks->n_blocks);
      if (peaks->block_min == NULL || peaks->block_max == NULL)
        {
          vt_waveform_peaks_unref (peaks);
          return NULL;
        }
    }
  for (gint64 b = 0; b < peaks->n_blocks; b++)
    {
      gint64 first = b * PEAK_BLOCK_FRAMES;
      gint64 end = MIN (first + PEAK_BLOCK_FRAMES, peaks->frames);
      float lo = INFINITY, hi = -INFINITY;
      raw_peaks (peaks, first, end, &lo, &hi);
      peaks->block_min[b] = lo;
      peaks->block_max[b] = hi;
    }
  return peaks;
}

VtWaveformPeaks *
vt_waveform_peaks_ref (VtWaveformPeaks *peaks)
{
  g_return_val_if_fail (peaks != NULL, NULL);
  g_atomic_ref_count_inc (&peaks->ref_count);
  return peaks;
}

void
vt_waveform_peaks_unref (VtWaveformPeaks *peaks)
{
  g_return_if_fail (peaks != NULL);
  if (!g_atomic_ref_count_dec (&peaks->ref_count))
    return;
  g_bytes_unref (peaks->samples);
  g_free (peaks->block_min);
  g_free (peaks->block_max);
  g_free (peaks);
}

gint64
vt_waveform_peaks_get_frames (const VtWaveformPeaks *peaks)
{
  return peaks->frames;
}

int
vt_waveform_peaks_get_channels (const VtWaveformPeaks *peaks)
{
  return peaks->channels;
}

int
vt_waveform_peaks_get_sample_rate (const VtWaveformPeaks *peaks)
{
  return peaks->sample_rate;
}

double
vt_waveform_peaks_get_duration (const VtWaveformPeaks *peaks)
{
  return (double) peaks->frames / peaks->sample_rate;
}

void
vt_waveform_peaks_compute_columns (const VtWaveformPeaks *peaks, double first_frame,
                                   double frames_per_column, int n_columns, float *mins,
                                   float *maxs)
{
  for (int i = 0; i < n_columns; i++)
    {
      double column_start = first_frame + i * frames_per_column;
      double first_d = floor (column_start);
      double end_d = floor (column_start + frames_per_column);
      /* Zoomed in past one frame per column: show the frame under it. */
      if (end_d <= first_d)
        end_d = first_d + 1;
      first_d = CLAMP (first_d, 0.0, (double) peaks->frames);
      end_d = CLAMP (end_d, 0.0, (double) peaks->frames);
      gint64 first = (gint64) first_d, end = (gint64) end_d;
      float lo = INFINITY, hi = -INFINITY;
      if (first < end)
        {
          gint64 first_block = (first + PEAK_BLOCK_FRAMES - 1) / PEAK_BLOCK_FRAMES;
          gint64 end_block = end / PEAK_BLOCK_FRAMES;
          if (first_block < end_block)
            {
              raw_peaks (peaks, first, first_block * PEAK_BLOCK_FRAMES, &lo, &hi);
              for (gint64 b = first_block; b < end_block; b++)
                {
                  lo = MIN (lo, peaks->block_min[b]);
                  hi = MAX (hi, peaks->block_max[b]);
                }
              raw_peaks (peaks, end_block * PEAK_BLOCK_FRAMES, end, &lo, &hi);
            }
          else
            raw_peaks (peaks, first, end, &lo, &hi);
        }
      mins[i] = lo;
      maxs[i] = hi;
    }
}

struct _VtWaveformView
{
  GtkWidget parent_instance;

  VtWaveformPeaks *peaks;
  double start_time;
  double end_time;

  /* Caches, re-made only when the inputs above, the size or the style change. */
  int cached_width;
  int cached_height;
  int n_columns;
  float *column_min;
  float *column_max;
  GdkRGBA cached_color;
  GskRenderNode *node;
};

G_DEFINE_FINAL_TYPE (VtWaveformView, vt_waveform_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_PEAKS,
  PROP_START_TIME,
  PROP_END_TIME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
get_foreground (VtWaveformView *self, GdkRGBA *color)
{
#if GTK_CHECK_VERSION(4, 10, 0)
  gtk_widget_get_color (GTK_WIDGET (self), color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), color);
#endif
}

/* The span shown, in seconds, resolving "whole song". */
static void
visible_span (VtWaveformView *self, double *start, double *end)
{
  double duration = self->peaks ? vt_waveform_peaks_get_duration (self->peaks) : 0.0;
  if (self->end_time > self->start_time)
    {
      *start = self->start_time;
      *end = self->end_time;
    }
  else
    {
      *start = 0.0;
      *end = duration;
    }
}

static void
rebuild_node (VtWaveformView *self)
{
  g_clear_pointer (&self->node, gsk_render_node_unref);
  int width = self->cached_width, height = self->cached_height;
  if (self->peaks == NULL || self->n_columns == 0 || height <= 0)
    return;

  GdkRGBA color;
  get_foreground (self, &color);
  self->cached_color = color;
  GdkRGBA axis_color = color;
  axis_color.alpha *= 0.3f;

  const float mid = height / 2.0f;
  const float scale = height / 2.0f;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_color (snapshot, &axis_color,
                             &GRAPHENE_RECT_INIT (0, floorf (mid), (float) width, 1));

  /* Neighbouring columns with the same extent share one rectangle, so long
   * silences or steady tones cost one node, not one per pixel. */
  int run_start = -1;
  float run_top = 0, run_bottom = 0;
  for (int i = 0; i <= self->n_columns; i++)
    {
      gboolean drawn = i < self->n_columns && self->column_min[i] <= self->column_max[i];
      float top = 0, bottom = 0;
      if (drawn)
        {
          float hi = CLAMP (self->column_max[i], -1.0f, 1.0f);
          float lo = CLAMP (self->column_min[i], -1.0f, 1.0f);
          top = floorf (mid - hi * scale);
          bottom = ceilf (mid - lo * scale);
          if (bottom - top < 1)
            bottom = top + 1;
          top = CLAMP (top, 0.0f, height - 1.0f);
          bottom = CLAMP (bottom, top + 1.0f, (float) height);
        }
      if (run_start >= 0 && (!drawn || top != run_top || bottom != run_bottom))
        {
          gtk_snapshot_append_color (snapshot, &color,
                                     &GRAPHENE_RECT_INIT ((float) run_start, run_top,
                                                          (float) (i - run_start),
                                                          run_bottom - run_top));
          run_start = -1;
        }
      if (drawn && run_start < 0)
        {
          run_start = i;
          run_top = top;
          run_bottom = bottom;
        }
    }
  self->node = gtk_snapshot_free_to_node (snapshot);
}

static void
update_columns (VtWaveformView *self)
{
  int width = self->cached_width;
  if (self->peaks == NULL || width <= 0)
    {
      self->n_columns = 0;
      rebuild_node (self);
      return;
    }
  if (width != self->n_columns)
    {
      self->column_min = g_renew (float, self->column_min, width);
      self->column_max = g_renew (float, self->column_max, width);
      self->n_columns = width;
    }
  double start, end;
  visible_span (self, &start, &end);
  double rate = vt_waveform_peaks_get_sample_rate (self->peaks);
  vt_waveform_peaks_compute_columns (self->peaks, start * rate, (end - start) * rate / width,
                                     width, self->column_min, self->column_max);
  rebuild_node (self);
}

static void
vt_waveform_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  VtWaveformView *self = VT_WAVEFORM_VIEW (widget);
  if (width == self->cached_width && height == self->cached_height)
    return;
  gboolean width_changed = width != self->cached_width;
  self->cached_width = width;
  self->cached_height = height;
  if (width_changed)
    update_columns (self);
  else
    rebuild_node (self);
}

static void
vt_waveform_view_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  VtWaveformView *self = VT_WAVEFORM_VIEW (widget);
  GTK_WIDGET_CLASS (vt_waveform_view_parent_class)->css_changed (widget, change);
  GdkRGBA color;
  get_foreground (self, &color);
  if (self->node != NULL && !gdk_rgba_equal (&color, &self->cached_color))
    {
      rebuild_node (self);
      gtk_widget_queue_draw (widget);
    }
}

static void
vt_waveform_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  VtWaveformView *self = VT_WAVEFORM_VIEW (widget);
  if (self->node != NULL)
    gtk_snapshot_append_node (snapshot, self->node);
}

static void
vt_waveform_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *minimum_baseline,
                          int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 100;
      *natural = 600;
    }
  else
    {
      *minimum = 60;
      /* An overview strip above the editor; a lone waveform may expand. */
      *natural = 96;
    }
}

static void
vt_waveform_view_finalize (GObject *object)
{
  VtWaveformView *self = VT_WAVEFORM_VIEW (object);
  g_clear_pointer (&self->peaks, vt_waveform_peaks_unref);
  g_clear_pointer (&self->node, gsk_render_node_unref);
  g_free (self->column_min);
  g_free (self->column_max);
  G_OBJECT_CLASS (vt_waveform_view_parent_class)->finalize (object);
}

static void
vt_waveform_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VtWaveformView *self = VT_WAVEFORM_VIEW (object);
  switch (prop_id)
    {
    case PROP_PEAKS:
      g_value_set_boxed (value, self->peaks);
      break;
    case PROP_START_TIME:
      g_value_set_double (value, vt_waveform_view_get_start_time (self));
      break;
    case PROP_END_TIME:
      g_value_set_double (value, vt_waveform_view_get_end_time (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_waveform_view_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  VtWaveformView *self = VT_WAVEFORM_VIEW (object);
  switch (prop_id)
    {
    case PROP_PEAKS:
      vt_waveform_view_set_peaks (self, g_value_get_boxed (value));
      break;
    case PROP_START_TIME:
      vt_waveform_view_set_visible_range (self, g_value_get_double (value), self->end_time);
      break;
    case PROP_END_TIME:
      vt_waveform_view_set_visible_range (self, self->start_time, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_waveform_view_class_init (VtWaveformViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = vt_waveform_view_finalize;
  object_class->get_property = vt_waveform_view_get_property;
  object_class->set_property = vt_waveform_view_set_property;

  widget_class->size_allocate = vt_waveform_view_size_allocate;
  widget_class->css_changed = vt_waveform_view_css_changed;
  widget_class->snapshot = vt_waveform_view_snapshot;
  widget_class->measure = vt_waveform_view_measure;

  properties[PROP_PEAKS] = g_param_spec_boxed ("peaks", NULL, NULL, VT_TYPE_WAVEFORM_PEAKS,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                 | G_PARAM_STATIC_STRINGS);
  properties[PROP_START_TIME] = g_param_spec_double ("start-time", NULL, NULL, 0.0, G_MAXDOUBLE,
                                                     0.0,
                                                     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                       | G_PARAM_STATIC_STRINGS);
  properties[PROP_END_TIME] = g_param_spec_double ("end-time", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                     | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "waveform");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
vt_waveform_view_init (VtWaveformView *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Waveform", -1);
}

GtkWidget *
vt_waveform_view_new (void)
{
  return g_object_new (VT_TYPE_WAVEFORM_VIEW, NULL);
}

void
vt_waveform_view_set_peaks (VtWaveformView *self, VtWaveformPeaks *peaks)
{
  g_return_if_fail (VT_IS_WAVEFORM_VIEW (self));
  if (peaks == self->peaks)
    return;
  if (peaks != NULL)
    vt_waveform_peaks_ref (peaks);
  g_clear_pointer (&self->peaks, vt_waveform_peaks_unref);
  self->peaks = peaks;
  self->start_time = 0.0;
  self->end_time = 0.0;
  update_columns (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEAKS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_TIME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_TIME]);
}

VtWaveformPeaks *
vt_waveform_view_get_peaks (VtWaveformView *self)
{
  g_return_val_if_fail (VT_IS_WAVEFORM_VIEW (self), NULL);
  return self->peaks;
}

void
vt_waveform_view_set_visible_range (VtWaveformView *self, double start_time, double end_time)
{
  g_return_if_fail (VT_IS_WAVEFORM_VIEW (self));
  if (!isfinite (start_time) || !isfinite (end_time) || start_time < 0)
    return;
  if (start_time == self->start_time && end_time == self->end_time)
    return;
  gboolean start_changed = start_time != self->start_time;
  gboolean end_changed = end_time != self->end_time;
  self->start_time = start_time;
  self->end_time = end_time;
  update_columns (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (start_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_TIME]);
  if (end_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_TIME]);
}

double
vt_waveform_view_get_start_time (VtWaveformView *self)
{
  g_return_val_if_fail (VT_IS_WAVEFORM_VIEW (self), 0.0);
  double start, end;
  visible_span (self, &start, &end);
  return start;
}

double
vt_waveform_view_get_end_time (VtWaveformView *self)
{
  g_return_val_if_fail (VT_IS_WAVEFORM_VIEW (self), 0.0);
  double start, end;
  visible_span (self, &start, &end);
  return end;
}
