/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-region-lane.h"

#include <math.h>
#include <string.h>

#include "vt-spectrogram-view.h"

/* How close (px) to a region's edge a drag resizes it. */
#define EDGE_GRAB 6.0
#define CAP_HEIGHT 6.0f

/* tests/test-editor-gui.sh looks for these colours: change both together. */
static const GdkRGBA BACKGROUND_COLOR = { 0.094f, 0.102f, 0.122f, 1.0f };
static const GdkRGBA ACTIVITY_COLOR = { 0.18f, 0.43f, 0.61f, 1.0f };
static const GdkRGBA REGION_CAP_COLOR = { 1.0f, 0.533f, 0.0f, 1.0f }; /* #ff8800 */
static const GdkRGBA REGION_BODY_COLOR = { 1.0f, 0.533f, 0.0f, 0.30f };
static const GdkRGBA SELECTED_OUTLINE_COLOR = { 1.0f, 1.0f, 1.0f, 0.9f };

typedef enum
{
  DRAG_NONE,
  DRAG_NEW,
  DRAG_START_EDGE,
  DRAG_END_EDGE,
  DRAG_CLICK,
} DragKind;

struct _VtRegionLane
{
  GtkWidget parent_instance;

  float *activity;
  gint64 activity_frames;
  double frame_rate;
  double *regions; /* start, end pairs */
  guint n_regions;
  double duration;
  double start_time;
  double end_time;
  int left_margin;
  int selected;

  DragKind drag;
  int drag_index;
  double drag_x;
  double anchor_time;
  double preview_start;
  double preview_end;

  GskRenderNode *node;
  int cached_width;
  int cached_height;
};

G_DEFINE_FINAL_TYPE (VtRegionLane, vt_region_lane, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_START_TIME,
  PROP_END_TIME,
  PROP_LEFT_MARGIN,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_REGION_ADDED,
  SIGNAL_REGION_CHANGED,
  SIGNAL_REGION_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int
lane_width (VtRegionLane *self)
{
  return MAX (gtk_widget_get_width (GTK_WIDGET (self)) - self->left_margin, 1);
}

static double
time_to_x (VtRegionLane *self, double t)
{
  double span = self->end_time - self->start_time;
  if (span <= 0)
    return self->left_margin;
  return self->left_margin + (t - self->start_time) / span * lane_width (self);
}

static double
x_to_time (VtRegionLane *self, double x)
{
  return self->start_time
         + (x - self->left_margin) / lane_width (self) * (self->end_time - self->start_time);
}

static void
rebuild_node (VtRegionLane *self)
{
  g_clear_pointer (&self->node, gsk_render_node_unref);
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  self->cached_width = width;
  self->cached_height = height;
  if (width <= 0 || height <= 0)
    return;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_color (snapshot, &BACKGROUND_COLOR,
                             &GRAPHENE_RECT_INIT (self->left_margin, 0,
                                                  width - self->left_margin, height));
  if (self->activity != NULL && self->end_time > self->start_time)
    {
      /* One bar per pixel column: the column's highest activity. */
      int columns = lane_width (self);
      double seconds_per_column = (self->end_time - self->start_time) / columns;
      float body = height - CAP_HEIGHT;
      for (int c = 0; c < columns; c++)
        {
          double t0 = self->start_time + c * seconds_per_column;
          gint64 first = (gint64) floor (t0 * self->frame_rate + 0.5);
          gint64 end = (gint64) floor ((t0 + seconds_per_column) * self->frame_rate + 0.5);
          end = MAX (end, first + 1);
          first = MAX (first, 0);
          end = MIN (end, self->activity_frames);
          float value = 0;
          for (gint64 f = first; f < end; f++)
            value = MAX (value, self->activity[f]);
          float bar = roundf (CLAMP (value, 0.0f, 1.0f) * (body - 2));
          if (bar >= 1)
            gtk_snapshot_append_color (snapshot, &ACTIVITY_COLOR,
                                       &GRAPHENE_RECT_INIT (self->left_margin + c,
                                                            height - bar, 1, bar));
        }
    }
  self->node = gtk_snapshot_free_to_node (snapshot);
}

static void
invalidate (VtRegionLane *self)
{
  /* Cheap (one pass over the visible frames), so re-made at once. */
  if (gtk_widget_get_width (GTK_WIDGET (self)) > 0)
    rebuild_node (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
vt_region_lane_set_activity (VtRegionLane *self, const float *activity, gint64 n_frames,
                             double frame_rate)
{
  g_return_if_fail (VT_IS_REGION_LANE (self));
  g_clear_pointer (&self->activity, g_free);
  self->activity_frames = 0;
  if (activity != NULL && n_frames > 0)
    {
      self->activity = g_memdup2 (activity, n_frames * sizeof (float));
      self->activity_frames = n_frames;
      self->frame_rate = frame_rate > 0 ? frame_rate : 50.0;
    }
  invalidate (self);
}

static void
set_selected (VtRegionLane *self, int index)
{
  if (index == self->selected)
    return;
  self->selected = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

void
vt_region_lane_set_regions (VtRegionLane *self, const double *start_end, guint n_regions)
{
  g_return_if_fail (VT_IS_REGION_LANE (self));
  g_free (self->regions);
  self->regions = n_regions ? g_memdup2 (start_end, 2 * n_regions * sizeof (double)) : NULL;
  self->n_regions = n_regions;
  if (self->selected >= (int) n_regions)
    set_selected (self, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
vt_region_lane_set_duration (VtRegionLane *self, double seconds)
{
  g_return_if_fail (VT_IS_REGION_LANE (self));
  self->duration = MAX (seconds, 0.0);
}

void
vt_region_lane_set_visible_range (VtRegionLane *self, double start_time, double end_time)
{
  g_return_if_fail (VT_IS_REGION_LANE (self));
  if (start_time == self->start_time && end_time == self->end_time)
    return;
  if (start_time != self->start_time)
    {
      self->start_time = start_time;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_START_TIME]);
    }
  if (end_time != self->end_time)
    {
      self->end_time = end_time;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_END_TIME]);
    }
  invalidate (self);
}

int
vt_region_lane_get_selected (VtRegionLane *self)
{
  g_return_val_if_fail (VT_IS_REGION_LANE (self), -1);
  return self->selected;
}

static void
append_region (VtRegionLane *self, GtkSnapshot *snapshot, double start, double end,
               gboolean selected, int height)
{
  float x0 = (float) time_to_x (self, start), x1 = (float) time_to_x (self, end);
  float w = MAX (x1 - x0, 1.0f);
  gtk_snapshot_append_color (snapshot, &REGION_BODY_COLOR,
                             &GRAPHENE_RECT_INIT (x0, CAP_HEIGHT, w, height - CAP_HEIGHT));
  gtk_snapshot_append_color (snapshot, &REGION_CAP_COLOR,
                             &GRAPHENE_RECT_INIT (x0, 0, w, CAP_HEIGHT));
  if (selected)
    {
      GskRoundedRect outline;
      gsk_rounded_rect_init_from_rect (&outline, &GRAPHENE_RECT_INIT (x0, 0, w, height), 0);
      const float widths[4] = { 2, 2, 2, 2 };
      const GdkRGBA colors[4] = { SELECTED_OUTLINE_COLOR, SELECTED_OUTLINE_COLOR,
                                  SELECTED_OUTLINE_COLOR, SELECTED_OUTLINE_COLOR };
      gtk_snapshot_append_border (snapshot, &outline, widths, colors);
    }
}

static void
vt_region_lane_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  VtRegionLane *self = VT_REGION_LANE (widget);
  if (self->node != NULL)
    gtk_snapshot_append_node (snapshot, self->node);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  if (self->end_time <= self->start_time || width <= self->left_margin)
    return;
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (self->left_margin, 0,
                                                         width - self->left_margin, height));
  for (guint i = 0; i < self->n_regions; i++)
    {
      double start = self->regions[2 * i], end = self->regions[2 * i + 1];
      /* While an edge is dragged, that region is drawn where it will go. */
      if ((self->drag == DRAG_START_EDGE || self->drag == DRAG_END_EDGE)
          && (int) i == self->drag_index)
        {
          start = self->preview_start;
          end = self->preview_end;
        }
      if (end < self->start_time || start > self->end_time)
        continue;
      append_region (self, snapshot, start, end, (int) i == self->selected, height);
    }
  if (self->drag == DRAG_NEW && self->preview_end > self->preview_start)
    append_region (self, snapshot, self->preview_start, self->preview_end, FALSE, height);
  gtk_snapshot_pop (snapshot);
}

/* The region whose edge is under x (side: 0 start, 1 end), or -1. */
static int
edge_at (VtRegionLane *self, double x, int *side)
{
  int best = -1;
  double best_distance = EDGE_GRAB;
  for (guint i = 0; i < self->n_regions; i++)
    for (int s = 0; s < 2; s++)
      {
        double distance = fabs (time_to_x (self, self->regions[2 * i + s]) - x);
        if (distance <= best_distance)
          {
            best = (int) i;
            best_distance = distance;
            *side = s;
          }
      }
  return best;
}

static int
region_at (VtRegionLane *self, double x)
{
  double t = x_to_time (self, x);
  for (guint i = 0; i < self->n_regions; i++)
    if (t >= self->regions[2 * i] && t <= self->regions[2 * i + 1])
      return (int) i;
  return -1;
}

static double
clamp_time (VtRegionLane *self, double t)
{
  return CLAMP (t, 0.0, self->duration > 0 ? self->duration : G_MAXDOUBLE);
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, VtRegionLane *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (x < self->left_margin || self->end_time <= self->start_time)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      self->drag = DRAG_NONE;
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_x = x;
  int side = 0;
  int edge = edge_at (self, x, &side);
  if (edge >= 0)
    {
      self->drag = side == 0 ? DRAG_START_EDGE : DRAG_END_EDGE;
      self->drag_index = edge;
      self->preview_start = self->regions[2 * edge];
      self->preview_end = self->regions[2 * edge + 1];
      set_selected (self, edge);
      return;
    }
  int inside = region_at (self, x);
  if (inside >= 0)
    {
      self->drag = DRAG_CLICK;
      set_selected (self, inside);
      return;
    }
  set_selected (self, -1);
  self->drag = DRAG_NEW;
  self->anchor_time = clamp_time (self, x_to_time (self, x));
  self->preview_start = self->preview_end = self->anchor_time;
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, VtRegionLane *self)
{
  double t = clamp_time (self, x_to_time (self, self->drag_x + dx));
  switch (self->drag)
    {
    case DRAG_NEW:
      self->preview_start = MIN (self->anchor_time, t);
      self->preview_end = MAX (self->anchor_time, t);
      break;
    case DRAG_START_EDGE:
      self->preview_start = t;
      break;
    case DRAG_END_EDGE:
      self->preview_end = t;
      break;
    case DRAG_CLICK:
    case DRAG_NONE:
    default:
      return;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, VtRegionLane *self)
{
  DragKind drag = self->drag;
  self->drag = DRAG_NONE;
  double start = MIN (self->preview_start, self->preview_end);
  double end = MAX (self->preview_start, self->preview_end);
  gboolean moved = fabs (dx) >= 3;
  if (drag == DRAG_NEW && moved && end > start)
    g_signal_emit (self, signals[SIGNAL_REGION_ADDED], 0, start, end);
  else if ((drag == DRAG_START_EDGE || drag == DRAG_END_EDGE) && moved)
    {
      if (end > start)
        g_signal_emit (self, signals[SIGNAL_REGION_CHANGED], 0, (guint) self->drag_index, start,
                       end);
      else
        g_signal_emit (self, signals[SIGNAL_REGION_REMOVED], 0, (guint) self->drag_index);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
remove_selected_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  VtRegionLane *self = VT_REGION_LANE (widget);
  if (self->selected < 0)
    return;
  guint index = (guint) self->selected;
  set_selected (self, -1);
  g_signal_emit (self, signals[SIGNAL_REGION_REMOVED], 0, index);
}

static void
vt_region_lane_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  VtRegionLane *self = VT_REGION_LANE (widget);
  if (width != self->cached_width || height != self->cached_height)
    rebuild_node (self);
}

static void
vt_region_lane_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline,
                        int *natural_baseline)
{
  VtRegionLane *self = VT_REGION_LANE (widget);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = self->left_margin + 100;
      *natural = 800;
    }
  else
    {
      *minimum = 32;
      *natural = 48;
    }
}

static void
vt_region_lane_finalize (GObject *object)
{
  VtRegionLane *self = VT_REGION_LANE (object);
  g_free (self->activity);
  g_free (self->regions);
  g_clear_pointer (&self->node, gsk_render_node_unref);
  G_OBJECT_CLASS (vt_region_lane_parent_class)->finalize (object);
}

static void
vt_region_lane_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VtRegionLane *self = VT_REGION_LANE (object);
  switch (prop_id)
    {
    case PROP_START_TIME:
      g_value_set_double (value, self->start_time);
      break;
    case PROP_END_TIME:
      g_value_set_double (value, self->end_time);
      break;
    case PROP_LEFT_MARGIN:
      g_value_set_int (value, self->left_margin);
      break;
    case PROP_SELECTED:
      g_value_set_int (value, self->selected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_region_lane_set_property (GObject *object, guint prop_id, const GValue *value,
                             GParamSpec *pspec)
{
  VtRegionLane *self = VT_REGION_LANE (object);
  switch (prop_id)
    {
    case PROP_START_TIME:
      vt_region_lane_set_visible_range (self, g_value_get_double (value), self->end_time);
      break;
    case PROP_END_TIME:
      vt_region_lane_set_visible_range (self, self->start_time, g_value_get_double (value));
      break;
    case PROP_LEFT_MARGIN:
      if (self->left_margin != g_value_get_int (value))
        {
          self->left_margin = g_value_get_int (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          invalidate (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_region_lane_class_init (VtRegionLaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = vt_region_lane_finalize;
  object_class->get_property = vt_region_lane_get_property;
  object_class->set_property = vt_region_lane_set_property;
  widget_class->snapshot = vt_region_lane_snapshot;
  widget_class->size_allocate = vt_region_lane_size_allocate;
  widget_class->measure = vt_region_lane_measure;

  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  properties[PROP_START_TIME] = g_param_spec_double ("start-time", NULL, NULL, 0, G_MAXDOUBLE,
                                                     0, flags);
  properties[PROP_END_TIME] = g_param_spec_double ("end-time", NULL, NULL, 0, G_MAXDOUBLE, 0,
                                                   flags);
  properties[PROP_LEFT_MARGIN] = g_param_spec_int ("left-margin", NULL, NULL, 0, 10000,
                                                   VT_SPECTROGRAM_VIEW_RULER_WIDTH, flags);
  properties[PROP_SELECTED] = g_param_spec_int (
    "selected", NULL, NULL, -1, G_MAXINT, -1,
    G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_REGION_ADDED] = g_signal_new ("region-added", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_REGION_CHANGED] = g_signal_new ("region-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_DOUBLE,
                                                 G_TYPE_DOUBLE);
  signals[SIGNAL_REGION_REMOVED] = g_signal_new ("region-removed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_install_action (widget_class, "lane.remove-selected", NULL,
                                   remove_selected_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "lane.remove-selected",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0,
                                       "lane.remove-selected", NULL);
  gtk_widget_class_set_css_name (widget_class, "regionlane");
}

static void
vt_region_lane_init (VtRegionLane *self)
{
  self->left_margin = VT_SPECTROGRAM_VIEW_RULER_WIDTH;
  self->selected = -1;
  self->frame_rate = 50.0;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  GtkGesture *drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
}

GtkWidget *
vt_region_lane_new (void)
{
  return g_object_new (VT_TYPE_REGION_LANE, NULL);
}
