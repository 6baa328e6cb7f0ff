/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtDocument: what the user has done to a song — the corrections that teach
 * the model — and the project file that keeps them.
 *
 * The corrections are F0 edits (a span of analysis frames, 50 per second,
 * with the Hz the user wants there: drawn with the pencil, shifted up or
 * down, or 0 = marked unvoiced) applied in order over the model's estimate,
 * and silent regions (time spans in seconds, sorted, never overlapping,
 * where the vocals must be silent). Every edit is a command on an undo
 * stack; a new edit clears the redo stack. The effective F0 is the estimate
 * with the edits applied; each frame also says where its value comes from
 * (VtF0Source), so the editor can draw corrected spans distinctly.
 *
 * The project file is JSON (format "voxtrace-project", version 1): the
 * song's path and SHA-256, the corrections, and the view. Saving is atomic
 * (write to a temporary file, fsync, rename), so a crash leaves the old or
 * the new file, never half of one. When an autosave path is set, every edit,
 * undo and redo rewrites it at once; "modified" says whether there are edits
 * since the last explicit save or load.
 *
 * Ownership: the document copies every array it is given; get_ functions
 * return borrowed data valid until the next change. Signals: "changed" after
 * every change to the corrections or the estimate (not for the view). UI
 * thread only, like any GObject the window owns.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VT_DOCUMENT_ERROR (vt_document_error_quark ())
GQuark vt_document_error_quark (void);

typedef enum
{
  VT_DOCUMENT_ERROR_CORRUPT,     /* not JSON, or not the structure we write */
  VT_DOCUMENT_ERROR_NOT_PROJECT, /* JSON, but not a Voxtrace project */
  VT_DOCUMENT_ERROR_VERSION,     /* a project from a newer Voxtrace */
} VtDocumentError;

/* Analysis frames per second (core's VT_FEATURES_FRAME_RATE). */
#define VT_DOCUMENT_FRAME_RATE 50.0

typedef enum
{
  VT_F0_EDIT_DRAWN,
  VT_F0_EDIT_SHIFTED,
  VT_F0_EDIT_UNVOICED,
} VtF0EditKind;

/* Where a frame's effective F0 comes from. */
typedef enum
{
  VT_F0_SOURCE_ESTIMATE = 0,
  VT_F0_SOURCE_CORRECTED = 1, /* the user set a pitch */
  VT_F0_SOURCE_UNVOICED = 2,  /* the user marked it unvoiced */
} VtF0Source;

typedef struct
{
  double start; /* seconds */
  double end;
} VtSilentRegion;

typedef struct
{
  double start_time; /* seconds; end_time <= start_time: the whole song */
  double end_time;
  double low_hz;
  double high_hz;
} VtDocumentView;

#define VT_TYPE_DOCUMENT (vt_document_get_type ())
G_DECLARE_FINAL_TYPE (VtDocument, vt_document, VT, DOCUMENT, GObject)

VtDocument *vt_document_new (void);

/* Starts afresh for a song of n_frames analysis frames: no corrections, no
 * history, not modified. checksum: the file's SHA-256 in hex (may be NULL). */
void vt_document_set_song (VtDocument *self, const char *song_path, const char *checksum,
                           gint64 n_frames);
const char *vt_document_get_song_path (VtDocument *self);
const char *vt_document_get_song_checksum (VtDocument *self);
gint64 vt_document_get_n_frames (VtDocument *self);

/* The model's (or the pitch tracker's) estimate: n_frames values, copied;
 * confidence may be NULL. Not an edit: no undo, not "modified". */
void vt_document_set_estimate (VtDocument *self, const float *hz, const float *confidence,
                               gint64 n_frames);

/* n_frames values each (vt_document_get_n_frames). */
const float *vt_document_get_effective_f0 (VtDocument *self);
const float *vt_document_get_confidence (VtDocument *self);
const guint8 *vt_document_get_f0_sources (VtDocument *self);

/* Edits. Each returns FALSE (and changes nothing) when it would change
 * nothing: an empty or out-of-song span, a shift over unvoiced frames only,
 * a region that adds nothing. */
gboolean vt_document_draw_f0 (VtDocument *self, gint64 start_frame, gint64 n_frames,
                              const float *hz);
gboolean vt_document_shift_f0 (VtDocument *self, gint64 start_frame, gint64 n_frames,
                               double semitones);
gboolean vt_document_mark_unvoiced (VtDocument *self, gint64 start_frame, gint64 n_frames);
/* Overlapping or touching regions merge into one. */
gboolean vt_document_add_silent_region (VtDocument *self, double start, double end);
gboolean vt_document_resize_silent_region (VtDocument *self, guint index, double start,
                                           double end);
gboolean vt_document_remove_silent_region (VtDocument *self, guint index);

guint vt_document_get_n_f0_edits (VtDocument *self);
/* Borrowed hz (n_frames values, 0 = unvoiced). */
void vt_document_get_f0_edit (VtDocument *self, guint index, VtF0EditKind *kind,
                              gint64 *start_frame, gint64 *n_frames, const float **hz);
const VtSilentRegion *vt_document_get_silent_regions (VtDocument *self, guint *n_regions);

gboolean vt_document_can_undo (VtDocument *self);
gboolean vt_document_can_redo (VtDocument *self);
/* What the next undo / redo would do ("Draw pitch"), or NULL. */
const char *vt_document_get_undo_label (VtDocument *self);
const char *vt_document_get_redo_label (VtDocument *self);
gboolean vt_document_undo (VtDocument *self);
gboolean vt_document_redo (VtDocument *self);

gboolean vt_document_get_modified (VtDocument *self);
/* For corrections that came from elsewhere than a project file the user
 * saved (an autosave restored after a crash). */
void vt_document_set_modified (VtDocument *self, gboolean modified);

/* The view is saved with the project; setting it is not an edit. */
void vt_document_set_view (VtDocument *self, const VtDocumentView *view);
void vt_document_get_view (VtDocument *self, VtDocumentView *view);

/* Explicit save: writes path atomically, remembers it as the project path
 * and clears "modified". */
gboolean vt_document_save (VtDocument *self, const char *path, GError **error);
/* Writes the project to path (atomically) without touching "modified". */
gboolean vt_document_write (VtDocument *self, const char *path, GError **error);
const char *vt_document_get_project_path (VtDocument *self);

/* Where every edit is written at once (NULL: nowhere). If it is the file
 * the document was loaded from, the document forgets its project path. */
void vt_document_set_autosave_path (VtDocument *self, const char *path);
const char *vt_document_get_autosave_path (VtDocument *self);
/* The last autosave failure (NULL after a success). */
const GError *vt_document_get_autosave_error (VtDocument *self);

/* Reads a project file: song path, checksum, corrections and view (no
 * estimate: set it once the song is analysed). Errors in the
 * VT_DOCUMENT_ERROR domain (or G_FILE_ERROR) say what is wrong, with the
 * file's name. */
VtDocument *vt_document_load (const char *path, GError **error);

/* SHA-256 of a file, in hex; any thread. */
char *vt_document_checksum_file (const char *path, GCancellable *cancellable, GError **error);

G_END_DECLS
