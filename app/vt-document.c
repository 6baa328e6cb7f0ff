/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-document.h"

#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define PROJECT_FORMAT "voxtrace-project"
#define PROJECT_VERSION 1
/* Beyond any singing voice; a shift or a drawn pitch is clamped into it. */
#define MIN_HZ 20.0
#define MAX_HZ 4000.0

G_DEFINE_QUARK (vt-document-error-quark, vt_document_error)

/* Shared by the edit list and the command that made it (g_rc_box). */
typedef struct
{
  VtF0EditKind kind;
  gint64 start_frame;
  gint64 n_frames;
  float *hz;
} F0Edit;

static void
f0_edit_clear (gpointer data)
{
  F0Edit *edit = data;
  g_free (edit->hz);
}

static void
f0_edit_release (gpointer edit)
{
  g_rc_box_release_full (edit, f0_edit_clear);
}

static F0Edit *
f0_edit_new (VtF0EditKind kind, gint64 start_frame, gint64 n_frames, float *hz_owned)
{
  F0Edit *edit = g_rc_box_new0 (F0Edit);
  edit->kind = kind;
  edit->start_frame = start_frame;
  edit->n_frames = n_frames;
  edit->hz = hz_owned;
  return edit;
}

typedef enum
{
  COMMAND_F0,
  COMMAND_REGIONS,
} CommandKind;

typedef struct
{
  CommandKind kind;
  const char *label; /* static */
  F0Edit *edit;      /* COMMAND_F0: a reference */
  GArray *regions_before; /* COMMAND_REGIONS */
  GArray *regions_after;
} Command;

static void
command_free (gpointer data)
{
  Command *command = data;
  if (command->edit != NULL)
    f0_edit_release (command->edit);
  g_clear_pointer (&command->regions_before, g_array_unref);
  g_clear_pointer (&command->regions_after, g_array_unref);
  g_free (command);
}

struct _VtDocument
{
  GObject parent_instance;

  char *song_path;
  char *song_checksum;
  gint64 n_frames;

  float *estimate;   /* n_frames */
  float *confidence; /* n_frames */
  float *effective;  /* n_frames */
  guint8 *sources;   /* n_frames */

  GPtrArray *f0_edits;   /* F0Edit references, in order of application */
  GArray *silent_regions; /* VtSilentRegion, sorted, disjoint */

  GPtrArray *undo_stack; /* Command, newest last */
  GPtrArray *redo_stack; /* Command, next redo last */

  gboolean modified;
  VtDocumentView view;
  char *project_path;
  char *autosave_path;
  GError *autosave_error;
};

G_DEFINE_FINAL_TYPE (VtDocument, vt_document, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MODIFIED,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_PROJECT_PATH,
  PROP_AUTOSAVE_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
recompute_effective (VtDocument *self)
{
  gint64 n = self->n_frames;
  for (gint64 i = 0; i < n; i++)
    {
      self->effective[i] = self->estimate[i];
      self->sources[i] = VT_F0_SOURCE_ESTIMATE;
    }
  for (guint e = 0; e < self->f0_edits->len; e++)
    {
      const F0Edit *edit = g_ptr_array_index (self->f0_edits, e);
      gint64 first = MAX (edit->start_frame, 0);
      gint64 end = MIN (edit->start_frame + edit->n_frames, n);
      for (gint64 f = first; f < end; f++)
        {
          float hz = edit->hz[f - edit->start_frame];
          self->effective[f] = hz;
          self->sources[f] = hz > 0 ? VT_F0_SOURCE_CORRECTED : VT_F0_SOURCE_UNVOICED;
        }
    }
}

static void
write_autosave (VtDocument *self)
{
  if (self->autosave_path == NULL)
    return;
  g_clear_error (&self->autosave_error);
  if (!vt_document_write (self, self->autosave_path, &self->autosave_error))
    g_warning ("autosave failed: %s", self->autosave_error->message);
}

/* After every change to the corrections. */
static void
corrections_changed (VtDocument *self, gboolean was_undoable, gboolean was_redoable)
{
  recompute_effective (self);
  write_autosave (self);
  if (!self->modified)
    {
      self->modified = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
    }
  if (was_undoable != vt_document_can_undo (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  if (was_redoable != vt_document_can_redo (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
command_apply (VtDocument *self, Command *command)
{
  if (command->kind == COMMAND_F0)
    g_ptr_array_add (self->f0_edits, g_rc_box_acquire (command->edit));
  else
    {
      g_array_set_size (self->silent_regions, 0);
      g_array_append_vals (self->silent_regions, command->regions_after->data,
                           command->regions_after->len);
    }
}

static void
command_revert (VtDocument *self, Command *command)
{
  if (command->kind == COMMAND_F0)
    {
      /* Commands undo in reverse order, so its edit is the last one. */
      g_return_if_fail (self->f0_edits->len > 0
                        && g_ptr_array_index (self->f0_edits, self->f0_edits->len - 1)
                             == command->edit);
      g_ptr_array_set_size (self->f0_edits, self->f0_edits->len - 1);
    }
  else
    {
      g_array_set_size (self->silent_regions, 0);
      g_array_append_vals (self->silent_regions, command->regions_before->data,
                           command->regions_before->len);
    }
}

static void
push_command (VtDocument *self, Command *command)
{
  gboolean was_undoable = vt_document_can_undo (self);
  gboolean was_redoable = vt_document_can_redo (self);
  command_apply (self, command);
  g_ptr_array_add (self->undo_stack, command);
  g_ptr_array_set_size (self->redo_stack, 0);
  corrections_changed (self, was_undoable, was_redoable);
}

static gboolean
push_f0_edit (VtDocument *self, VtF0EditKind kind, gint64 start_frame, gint64 n_frames,
              float *hz_owned, const char *label)
{
  Command *command = g_new0 (Command, 1);
  command->kind = COMMAND_F0;
  command->label = label;
  command->edit = f0_edit_new (kind, start_frame, n_frames, hz_owned);
  push_command (self, command);
  return TRUE;
}

/* Clips [*start, *start + *n) to the song; FALSE if nothing is left. */
static gboolean
clip_span (VtDocument *self, gint64 *start, gint64 *n, gint64 *offset)
{
  gint64 first = MAX (*start, 0);
  gint64 end = MIN (*start + *n, self->n_frames);
  if (*n <= 0 || end <= first)
    return FALSE;
  *offset = first - *start;
  *start = first;
  *n = end - first;
  return TRUE;
}

gboolean
vt_document_draw_f0 (VtDocument *self, gint64 start_frame, gint64 n_frames, const float *hz)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (hz != NULL || n_frames <= 0, FALSE);
  gint64 offset;
  if (!clip_span (self, &start_frame, &n_frames, &offset))
    return FALSE;
  float *values = g_new (float, n_frames);
  for (gint64 i = 0; i < n_frames; i++)
    {
      float value = hz[offset + i];
      /* NaN, negatives and 0 all mean "no pitch" to the user's pencil. */
      values[i] = isfinite (value) && value > 0 ? (float) CLAMP (value, MIN_HZ, MAX_HZ) : 0.0f;
    }
  return push_f0_edit (self, VT_F0_EDIT_DRAWN, start_frame, n_frames, values, "Draw Pitch");
}

gboolean
vt_document_shift_f0 (VtDocument *self, gint64 start_frame, gint64 n_frames, double semitones)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  gint64 offset;
  if (!isfinite (semitones) || semitones == 0.0 || !clip_span (self, &start_frame, &n_frames, &offset))
    return FALSE;
  double factor = pow (2.0, semitones / 12.0);
  float *values = g_new (float, n_frames);
  gboolean any_voiced = FALSE;
  for (gint64 i = 0; i < n_frames; i++)
    {
      float hz = self->effective[start_frame + i];
      if (hz > 0)
        {
          values[i] = (float) CLAMP (hz * factor, MIN_HZ, MAX_HZ);
          any_voiced = TRUE;
        }
      else
        values[i] = 0.0f;
    }
  if (!any_voiced)
    {
      g_free (values);
      return FALSE;
    }
  const char *label = fabs (fabs (semitones) - 12.0) < 1e-9
                        ? (semitones > 0 ? "Octave Up" : "Octave Down")
                        : "Move Pitch";
  return push_f0_edit (self, VT_F0_EDIT_SHIFTED, start_frame, n_frames, values, label);
}

gboolean
vt_document_mark_unvoiced (VtDocument *self, gint64 start_frame, gint64 n_frames)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  gint64 offset;
  if (!clip_span (self, &start_frame, &n_frames, &offset))
    return FALSE;
  gboolean changes = FALSE;
  for (gint64 i = 0; i < n_frames && !changes; i++)
    changes = self->effective[start_frame + i] != 0.0f
              || self->sources[start_frame + i] != VT_F0_SOURCE_UNVOICED;
  if (!changes)
    return FALSE;
  float *values = g_new0 (float, n_frames);
  return push_f0_edit (self, VT_F0_EDIT_UNVOICED, start_frame, n_frames, values,
                       "Mark Unvoiced");
}

/* Inserts [start, end) into sorted disjoint regions, merging what it
 * overlaps or touches. */
static void
regions_insert (GArray *regions, double start, double end)
{
  guint i = 0;
  while (i < regions->len)
    {
      VtSilentRegion *region = &g_array_index (regions, VtSilentRegion, i);
      if (region->end < start || region->start > end)
        {
          i++;
          continue;
        }
      start = MIN (start, region->start);
      end = MAX (end, region->end);
      g_array_remove_index (regions, i);
    }
  guint at = 0;
  while (at < regions->len && g_array_index (regions, VtSilentRegion, at).start < start)
    at++;
  VtSilentRegion region = { start, end };
  g_array_insert_val (regions, at, region);
}

static GArray *
regions_copy (GArray *regions)
{
  GArray *copy = g_array_sized_new (FALSE, FALSE, sizeof (VtSilentRegion), regions->len);
  g_array_append_vals (copy, regions->data, regions->len);
  return copy;
}

static gboolean
regions_equal (GArray *a, GArray *b)
{
  return a->len == b->len
         && (a->len == 0 || memcmp (a->data, b->data, a->len * sizeof (VtSilentRegion)) == 0);
}

static double
song_duration (VtDocument *self)
{
  return self->n_frames / VT_DOCUMENT_FRAME_RATE;
}

/* Clamps a region to the song; FALSE if it is empty or not numbers. */
static gboolean
clip_region (VtDocument *self, double *start, double *end)
{
  if (!isfinite (*start) || !isfinite (*end))
    return FALSE;
  double lo = MIN (*start, *end), hi = MAX (*start, *end);
  *start = MAX (lo, 0.0);
  *end = MIN (hi, song_duration (self));
  return *end > *start;
}

static gboolean
push_regions (VtDocument *self, GArray *after, const char *label)
{
  if (regions_equal (after, self->silent_regions))
    {
      g_array_unref (after);
      return FALSE;
    }
  Command *command = g_new0 (Command, 1);
  command->kind = COMMAND_REGIONS;
  command->label = label;
  command->regions_before = regions_copy (self->silent_regions);
  command->regions_after = after;
  push_command (self, command);
  return TRUE;
}

gboolean
vt_document_add_silent_region (VtDocument *self, double start, double end)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  if (!clip_region (self, &start, &end))
    return FALSE;
  GArray *after = regions_copy (self->silent_regions);
  regions_insert (after, start, end);
  return push_regions (self, after, "Mark Silent Region");
}

gboolean
vt_document_resize_silent_region (VtDocument *self, guint index, double start, double end)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  if (index >= self->silent_regions->len || !clip_region (self, &start, &end))
    return FALSE;
  GArray *after = regions_copy (self->silent_regions);
  g_array_remove_index (after, index);
  regions_insert (after, start, end);
  return push_regions (self, after, "Resize Silent Region");
}

gboolean
vt_document_remove_silent_region (VtDocument *self, guint index)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  if (index >= self->silent_regions->len)
    return FALSE;
  GArray *after = regions_copy (self->silent_regions);
  g_array_remove_index (after, index);
  return push_regions (self, after, "Remove Silent Region");
}

guint
vt_document_get_n_f0_edits (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), 0);
  return self->f0_edits->len;
}

void
vt_document_get_f0_edit (VtDocument *self, guint index, VtF0EditKind *kind,
                         gint64 *start_frame, gint64 *n_frames, const float **hz)
{
  g_return_if_fail (VT_IS_DOCUMENT (self));
  g_return_if_fail (index < self->f0_edits->len);
  const F0Edit *edit = g_ptr_array_index (self->f0_edits, index);
  if (kind)
    *kind = edit->kind;
  if (start_frame)
    *start_frame = edit->start_frame;
  if (n_frames)
    *n_frames = edit->n_frames;
  if (hz)
    *hz = edit->hz;
}

const VtSilentRegion *
vt_document_get_silent_regions (VtDocument *self, guint *n_regions)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  *n_regions = self->silent_regions->len;
  return (const VtSilentRegion *) (void *) self->silent_regions->data;
}

gboolean
vt_document_can_undo (VtDocument *self)
{
  return self->undo_stack->len > 0;
}

gboolean
vt_document_can_redo (VtDocument *self)
{
  return self->redo_stack->len > 0;
}

static const char *
top_label (GPtrArray *stack)
{
  if (stack->len == 0)
    return NULL;
  return ((Command *) g_ptr_array_index (stack, stack->len - 1))->label;
}

const char *
vt_document_get_undo_label (VtDocument *self)
{
  return top_label (self->undo_stack);
}

const char *
vt_document_get_redo_label (VtDocument *self)
{
  return top_label (self->redo_stack);
}

gboolean
vt_document_undo (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  if (self->undo_stack->len == 0)
    return FALSE;
  gboolean was_redoable = vt_document_can_redo (self);
  Command *command = g_ptr_array_steal_index (self->undo_stack, self->undo_stack->len - 1);
  command_revert (self, command);
  g_ptr_array_add (self->redo_stack, command);
  corrections_changed (self, TRUE, was_redoable);
  return TRUE;
}

gboolean
vt_document_redo (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  if (self->redo_stack->len == 0)
    return FALSE;
  gboolean was_undoable = vt_document_can_undo (self);
  Command *command = g_ptr_array_steal_index (self->redo_stack, self->redo_stack->len - 1);
  command_apply (self, command);
  g_ptr_array_add (self->undo_stack, command);
  corrections_changed (self, was_undoable, TRUE);
  return TRUE;
}

gboolean
vt_document_get_modified (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  return self->modified;
}

static void
set_modified (VtDocument *self, gboolean modified)
{
  if (self->modified == modified)
    return;
  self->modified = modified;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

void
vt_document_set_modified (VtDocument *self, gboolean modified)
{
  g_return_if_fail (VT_IS_DOCUMENT (self));
  set_modified (self, modified);
}

void
vt_document_set_view (VtDocument *self, const VtDocumentView *view)
{
  g_return_if_fail (VT_IS_DOCUMENT (self));
  self->view = *view;
}

void
vt_document_get_view (VtDocument *self, VtDocumentView *view)
{
  g_return_if_fail (VT_IS_DOCUMENT (self));
  *view = self->view;
}

const char *
vt_document_get_project_path (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  return self->project_path;
}

const char *
vt_document_get_autosave_path (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  return self->autosave_path;
}

const GError *
vt_document_get_autosave_error (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  return self->autosave_error;
}

void
vt_document_set_autosave_path (VtDocument *self, const char *path)
{
  g_return_if_fail (VT_IS_DOCUMENT (self));
  if (g_strcmp0 (path, self->autosave_path) == 0)
    return;
  g_free (self->autosave_path);
  self->autosave_path = g_strdup (path);
  /* A document read back from its autosave has no project file of its own:
   * an explicit save must ask where, not overwrite the autosave. */
  if (path != NULL && g_strcmp0 (path, self->project_path) == 0)
    {
      g_clear_pointer (&self->project_path, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT_PATH]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOSAVE_PATH]);
}

/* Resizes the per-frame arrays; new frames have no estimate. */
static void
resize_frames (VtDocument *self, gint64 n_frames)
{
  gint64 old = self->n_frames;
  gsize n = (gsize) MAX (n_frames, 1);
  self->estimate = g_renew (float, self->estimate, n);
  self->confidence = g_renew (float, self->confidence, n);
  self->effective = g_renew (float, self->effective, n);
  self->sources = g_renew (guint8, self->sources, n);
  for (gint64 i = MAX (old, 0); i < n_frames; i++)
    {
      self->estimate[i] = 0.0f;
      self->confidence[i] = 0.0f;
    }
  self->n_frames = MAX (n_frames, 0);
}

static void
reset_corrections (VtDocument *self)
{
  gboolean was_undoable = vt_document_can_undo (self);
  gboolean was_redoable = vt_document_can_redo (self);
  g_ptr_array_set_size (self->f0_edits, 0);
  g_array_set_size (self->silent_regions, 0);
  g_ptr_array_set_size (self->undo_stack, 0);
  g_ptr_array_set_size (self->redo_stack, 0);
  if (was_undoable)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  if (was_redoable)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

void
vt_document_set_song (VtDocument *self, const char *song_path, const char *checksum,
                      gint64 n_frames)
{
  g_return_if_fail (VT_IS_DOCUMENT (self));
  g_free (self->song_path);
  self->song_path = g_strdup (song_path);
  g_free (self->song_checksum);
  self->song_checksum = g_strdup (checksum);
  reset_corrections (self);
  self->n_frames = 0;
  resize_frames (self, n_frames);
  recompute_effective (self);
  self->view = (VtDocumentView) { 0 };
  set_modified (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

const char *
vt_document_get_song_path (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  return self->song_path;
}

const char *
vt_document_get_song_checksum (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  return self->song_checksum;
}

gint64
vt_document_get_n_frames (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), 0);
  return self->n_frames;
}

void
vt_document_set_estimate (VtDocument *self, const float *hz, const float *confidence,
                          gint64 n_frames)
{
  g_return_if_fail (VT_IS_DOCUMENT (self));
  g_return_if_fail (hz != NULL || n_frames <= 0);
  /* The analysis decides the song's length; edits beyond it are kept (and
   * saved) but have no effect. */
  resize_frames (self, n_frames);
  for (gint64 i = 0; i < self->n_frames; i++)
    {
      self->estimate[i] = isfinite (hz[i]) && hz[i] > 0 ? hz[i] : 0.0f;
      self->confidence[i] = confidence ? CLAMP (confidence[i], 0.0f, 1.0f) : 1.0f;
    }
  recompute_effective (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

const float *
vt_document_get_effective_f0 (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  return self->effective;
}

const float *
vt_document_get_confidence (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  return self->confidence;
}

const guint8 *
vt_document_get_f0_sources (VtDocument *self)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), NULL);
  return self->sources;
}

/* ---- Project files ---------------------------------------------------- */

static const char *const edit_kind_names[] = { "drawn", "shifted", "unvoiced" };

static char *
project_to_json (VtDocument *self, gsize *length)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, PROJECT_FORMAT);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, PROJECT_VERSION);

  json_builder_set_member_name (builder, "song");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, self->song_path ? self->song_path : "");
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, self->song_checksum ? self->song_checksum : "");
  json_builder_set_member_name (builder, "frames");
  json_builder_add_int_value (builder, self->n_frames);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "frame_rate");
  json_builder_add_double_value (builder, VT_DOCUMENT_FRAME_RATE);

  json_builder_set_member_name (builder, "f0_edits");
  json_builder_begin_array (builder);
  for (guint e = 0; e < self->f0_edits->len; e++)
    {
      const F0Edit *edit = g_ptr_array_index (self->f0_edits, e);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, edit_kind_names[edit->kind]);
      json_builder_set_member_name (builder, "start_frame");
      json_builder_add_int_value (builder, edit->start_frame);
      /* Times for people and other tools; frames are what we read back. */
      json_builder_set_member_name (builder, "start");
      json_builder_add_double_value (builder, edit->start_frame / VT_DOCUMENT_FRAME_RATE);
      json_builder_set_member_name (builder, "end");
      json_builder_add_double_value (builder,
                                     (edit->start_frame + edit->n_frames)
                                       / VT_DOCUMENT_FRAME_RATE);
      json_builder_set_member_name (builder, "hz");
      json_builder_begin_array (builder);
      for (gint64 i = 0; i < edit->n_frames; i++)
        /* Rounded to 0.01 Hz: under a thousandth of a semitone. */
        json_builder_add_double_value (builder, round (edit->hz[i] * 100.0) / 100.0);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "silent_regions");
  json_builder_begin_array (builder);
  for (guint r = 0; r < self->silent_regions->len; r++)
    {
      const VtSilentRegion *region = &g_array_index (self->silent_regions, VtSilentRegion, r);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "start");
      json_builder_add_double_value (builder, region->start);
      json_builder_set_member_name (builder, "end");
      json_builder_add_double_value (builder, region->end);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "view");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "start");
  json_builder_add_double_value (builder, self->view.start_time);
  json_builder_set_member_name (builder, "end");
  json_builder_add_double_value (builder, self->view.end_time);
  json_builder_set_member_name (builder, "low_hz");
  json_builder_add_double_value (builder, self->view.low_hz);
  json_builder_set_member_name (builder, "high_hz");
  json_builder_add_double_value (builder, self->view.high_hz);
  json_builder_end_object (builder);

  json_builder_end_object (builder);

  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 1);
  return json_generator_to_data (generator, length);
}

gboolean
vt_document_write (VtDocument *self, const char *path, GError **error)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  gsize length = 0;
  g_autofree char *json = project_to_json (self, &length);
  g_autofree char *folder = g_path_get_dirname (path);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (folder);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s: cannot create the folder: %s", display, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, json, (gssize) length,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0644, error);
}

gboolean
vt_document_save (VtDocument *self, const char *path, GError **error)
{
  g_return_val_if_fail (VT_IS_DOCUMENT (self), FALSE);
  if (!vt_document_write (self, path, error))
    return FALSE;
  if (g_strcmp0 (path, self->project_path) != 0)
    {
      g_free (self->project_path);
      self->project_path = g_strdup (path);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT_PATH]);
    }
  set_modified (self, FALSE);
  return TRUE;
}

/* Reading: every member is checked, and the message names the file and
 * what is wrong in it. */
typedef struct
{
  const char *display_name;
  GError **error;
} Reader;

static gboolean
corrupt (Reader *reader, const char *what)
{
  g_set_error (reader->error, VT_DOCUMENT_ERROR, VT_DOCUMENT_ERROR_CORRUPT,
               "%s: the project file is damaged: %s", reader->display_name, what);
  return FALSE;
}

static JsonNode *
member (JsonObject *object, const char *name, JsonNodeType type)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  if (node == NULL || JSON_NODE_TYPE (node) != type)
    return NULL;
  return node;
}

static gboolean
number_member (JsonObject *object, const char *name, double *value)
{
  JsonNode *node = member (object, name, JSON_NODE_VALUE);
  if (node == NULL)
    return FALSE;
  GType type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *value = json_node_get_double (node);
  return isfinite (*value);
}

static gboolean
read_project (VtDocument *self, JsonNode *root, Reader *reader)
{
  JsonObject *top = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *format = member (top, "format", JSON_NODE_VALUE);
  if (format == NULL || json_node_get_value_type (format) != G_TYPE_STRING
      || g_strcmp0 (json_node_get_string (format), PROJECT_FORMAT) != 0)
    {
      g_set_error (reader->error, VT_DOCUMENT_ERROR, VT_DOCUMENT_ERROR_NOT_PROJECT,
                   "%s: not a Voxtrace project", reader->display_name);
      return FALSE;
    }
  double version;
  if (!number_member (top, "version", &version))
    return corrupt (reader, "no version");
  if (version > PROJECT_VERSION)
    {
      g_set_error (reader->error, VT_DOCUMENT_ERROR, VT_DOCUMENT_ERROR_VERSION,
                   "%s: made by a newer Voxtrace (project version %g; this one reads %d)",
                   reader->display_name, version, PROJECT_VERSION);
      return FALSE;
    }

  JsonNode *song_node = member (top, "song", JSON_NODE_OBJECT);
  JsonObject *song = song_node ? json_node_get_object (song_node) : NULL;
  JsonNode *path = member (song, "path", JSON_NODE_VALUE);
  JsonNode *sha = member (song, "sha256", JSON_NODE_VALUE);
  double frames;
  if (path == NULL || json_node_get_value_type (path) != G_TYPE_STRING || sha == NULL
      || json_node_get_value_type (sha) != G_TYPE_STRING || !number_member (song, "frames", &frames)
      || frames < 0 || frames > 1e9)
    return corrupt (reader, "the song's path, checksum or length is missing");
  double frame_rate;
  if (!number_member (top, "frame_rate", &frame_rate) || frame_rate != VT_DOCUMENT_FRAME_RATE)
    return corrupt (reader, "the frame rate is missing or not 50 per second");

  const char *sha_text = json_node_get_string (sha);
  vt_document_set_song (self, json_node_get_string (path), *sha_text ? sha_text : NULL,
                        (gint64) frames);

  JsonNode *edits_node = member (top, "f0_edits", JSON_NODE_ARRAY);
  if (edits_node == NULL)
    return corrupt (reader, "no list of pitch edits");
  JsonArray *edits = json_node_get_array (edits_node);
  for (guint e = 0; e < json_array_get_length (edits); e++)
    {
      JsonNode *edit_node = json_array_get_element (edits, e);
      JsonObject *edit = JSON_NODE_HOLDS_OBJECT (edit_node) ? json_node_get_object (edit_node)
                                                            : NULL;
      JsonNode *kind_node = member (edit, "kind", JSON_NODE_VALUE);
      JsonNode *hz_node = member (edit, "hz", JSON_NODE_ARRAY);
      double start;
      int kind = -1;
      for (guint k = 0; kind_node && k < G_N_ELEMENTS (edit_kind_names); k++)
        if (json_node_get_value_type (kind_node) == G_TYPE_STRING
            && g_strcmp0 (json_node_get_string (kind_node), edit_kind_names[k]) == 0)
          kind = (int) k;
      if (kind < 0 || hz_node == NULL || !number_member (edit, "start_frame", &start)
          || start != floor (start) || fabs (start) > 1e9)
        {
          g_autofree char *what = g_strdup_printf ("pitch edit %u is incomplete", e + 1);
          return corrupt (reader, what);
        }
      JsonArray *hz_array = json_node_get_array (hz_node);
      guint n = json_array_get_length (hz_array);
      float *hz = g_new (float, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        {
          JsonNode *value = json_array_get_element (hz_array, i);
          GType type = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value)
                                                     : G_TYPE_INVALID;
          double v = type == G_TYPE_INT64 || type == G_TYPE_DOUBLE ? json_node_get_double (value)
                                                                  : NAN;
          if (!isfinite (v) || v < 0 || v > MAX_HZ)
            {
              g_free (hz);
              g_autofree char *what = g_strdup_printf (
                "pitch edit %u has a value that is not a frequency", e + 1);
              return corrupt (reader, what);
            }
          hz[i] = (float) v;
        }
      g_ptr_array_add (self->f0_edits, f0_edit_new (kind, (gint64) start, n, hz));
    }

  JsonNode *regions_node = member (top, "silent_regions", JSON_NODE_ARRAY);
  if (regions_node == NULL)
    return corrupt (reader, "no list of silent regions");
  JsonArray *regions = json_node_get_array (regions_node);
  for (guint r = 0; r < json_array_get_length (regions); r++)
    {
      JsonNode *region_node = json_array_get_element (regions, r);
      JsonObject *region = JSON_NODE_HOLDS_OBJECT (region_node)
                             ? json_node_get_object (region_node)
                             : NULL;
      double start, end;
      if (!number_member (region, "start", &start) || !number_member (region, "end", &end)
          || end <= start)
        {
          g_autofree char *what = g_strdup_printf ("silent region %u is not a time span", r + 1);
          return corrupt (reader, what);
        }
      regions_insert (self->silent_regions, start, end);
    }

  /* The view is a convenience: a damaged one is ignored, not an error. */
  JsonNode *view_node = member (top, "view", JSON_NODE_OBJECT);
  JsonObject *view = view_node ? json_node_get_object (view_node) : NULL;
  VtDocumentView v = { 0 };
  if (number_member (view, "start", &v.start_time) && number_member (view, "end", &v.end_time)
      && number_member (view, "low_hz", &v.low_hz) && number_member (view, "high_hz", &v.high_hz))
    self->view = v;

  recompute_effective (self);
  return TRUE;
}

VtDocument *
vt_document_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *display_name = g_filename_display_name (path);
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, contents, (gssize) length, &local_error))
    {
      g_set_error (error, VT_DOCUMENT_ERROR, VT_DOCUMENT_ERROR_CORRUPT,
                   "%s: the project file is damaged: %s", display_name, local_error->message);
      return NULL;
    }
  g_autoptr (VtDocument) self = vt_document_new ();
  Reader reader = { display_name, error };
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL)
    {
      corrupt (&reader, "it is empty");
      return NULL;
    }
  if (!read_project (self, root, &reader))
    return NULL;
  self->project_path = g_strdup (path);
  self->modified = FALSE;
  return g_steal_pointer (&self);
}

char *
vt_document_checksum_file (const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return NULL;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (1 << 16);
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, 1 << 16, cancellable,
                                      error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_checksum_update (checksum, buffer, (gsize) n);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

/* ---- GObject ------------------------------------------------------------ */

static void
vt_document_finalize (GObject *object)
{
  VtDocument *self = VT_DOCUMENT (object);
  g_free (self->song_path);
  g_free (self->song_checksum);
  g_free (self->estimate);
  g_free (self->confidence);
  g_free (self->effective);
  g_free (self->sources);
  g_ptr_array_unref (self->undo_stack);
  g_ptr_array_unref (self->redo_stack);
  g_ptr_array_unref (self->f0_edits);
  g_array_unref (self->silent_regions);
  g_free (self->project_path);
  g_free (self->autosave_path);
  g_clear_error (&self->autosave_error);
  G_OBJECT_CLASS (vt_document_parent_class)->finalize (object);
}

static void
vt_document_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VtDocument *self = VT_DOCUMENT (object);
  switch (prop_id)
    {
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, vt_document_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, vt_document_can_redo (self));
      break;
    case PROP_PROJECT_PATH:
      g_value_set_string (value, self->project_path);
      break;
    case PROP_AUTOSAVE_PATH:
      g_value_set_string (value, self->autosave_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_document_set_property (GObject *object, guint prop_id, const GValue *value,
                          GParamSpec *pspec)
{
  VtDocument *self = VT_DOCUMENT (object);
  switch (prop_id)
    {
    case PROP_AUTOSAVE_PATH:
      vt_document_set_autosave_path (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vt_document_class_init (VtDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = vt_document_finalize;
  object_class->get_property = vt_document_get_property;
  object_class->set_property = vt_document_set_property;

  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  properties[PROP_MODIFIED] = g_param_spec_boolean ("modified", NULL, NULL, FALSE, read_only);
  properties[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, read_only);
  properties[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, read_only);
  properties[PROP_PROJECT_PATH] = g_param_spec_string ("project-path", NULL, NULL, NULL,
                                                       read_only);
  properties[PROP_AUTOSAVE_PATH] = g_param_spec_string (
    "autosave-path", NULL, NULL, NULL,
    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          0);
}

static void
vt_document_init (VtDocument *self)
{
  self->f0_edits = g_ptr_array_new_with_free_func (f0_edit_release);
  self->silent_regions = g_array_new (FALSE, FALSE, sizeof (VtSilentRegion));
  self->undo_stack = g_ptr_array_new_with_free_func (command_free);
  self->redo_stack = g_ptr_array_new_with_free_func (command_free);
  resize_frames (self, 0);
}

VtDocument *
vt_document_new (void)
{
  return g_object_new (VT_TYPE_DOCUMENT, NULL);
}
