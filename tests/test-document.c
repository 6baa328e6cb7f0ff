/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtDocument: edits applied over the estimate, undo/redo, silent regions
 * merging, save/load round trip, autosave, and clear errors for damaged
 * project files.
 */
#include <math.h>

#include "vt-document.h"
#include "vt-test-util.h"

#define N_FRAMES 500 /* 10 s */

/* A document over a steady 220 Hz estimate, unvoiced in frames 400..499. */
static VtDocument *
make_document (void)
{
  VtDocument *document = vt_document_new ();
  vt_document_set_song (document, "/songs/take 1.flac", "abc123", N_FRAMES);
  float hz[N_FRAMES], confidence[N_FRAMES];
  for (int i = 0; i < N_FRAMES; i++)
    {
      hz[i] = i < 400 ? 220.0f : 0.0f;
      confidence[i] = i < 400 ? 0.9f : 0.1f;
    }
  vt_document_set_estimate (document, hz, confidence, N_FRAMES);
  return document;
}

static void
count_changed (VtDocument *document, int *count)
{
  (*count)++;
}

static void
test_draw_undo_redo (void)
{
  g_autoptr (VtDocument) document = make_document ();
  int changed = 0;
  g_signal_connect (document, "changed", G_CALLBACK (count_changed), &changed);
  g_assert_false (vt_document_get_modified (document));
  g_assert_false (vt_document_can_undo (document));

  float drawn[50];
  for (int i = 0; i < 50; i++)
    drawn[i] = 330.0f + i;
  g_assert_true (vt_document_draw_f0 (document, 100, 50, drawn));
  g_assert_cmpint (changed, ==, 1);
  g_assert_true (vt_document_get_modified (document));
  g_assert_true (vt_document_can_undo (document));
  g_assert_cmpstr (vt_document_get_undo_label (document), ==, "Draw Pitch");

  const float *f0 = vt_document_get_effective_f0 (document);
  const guint8 *sources = vt_document_get_f0_sources (document);
  g_assert_cmpfloat (f0[99], ==, 220.0f);
  g_assert_cmpfloat (f0[100], ==, 330.0f);
  g_assert_cmpfloat (f0[149], ==, 379.0f);
  g_assert_cmpfloat (f0[150], ==, 220.0f);
  g_assert_cmpint (sources[99], ==, VT_F0_SOURCE_ESTIMATE);
  g_assert_cmpint (sources[120], ==, VT_F0_SOURCE_CORRECTED);

  /* Octave up over a span that half overlaps the drawing. */
  g_assert_true (vt_document_shift_f0 (document, 140, 20, 12.0));
  f0 = vt_document_get_effective_f0 (document);
  g_assert_cmpfloat_with_epsilon (f0[145], 2 * 375.0f, 1e-3);
  g_assert_cmpfloat_with_epsilon (f0[155], 440.0f, 1e-3);
  g_assert_cmpstr (vt_document_get_undo_label (document), ==, "Octave Up");

  g_assert_true (vt_document_mark_unvoiced (document, 0, 10));
  f0 = vt_document_get_effective_f0 (document);
  sources = vt_document_get_f0_sources (document);
  g_assert_cmpfloat (f0[5], ==, 0.0f);
  g_assert_cmpint (sources[5], ==, VT_F0_SOURCE_UNVOICED);
  g_assert_cmpuint (vt_document_get_n_f0_edits (document), ==, 3);

  /* Undo all three, in reverse order. */
  g_assert_true (vt_document_undo (document));
  f0 = vt_document_get_effective_f0 (document);
  g_assert_cmpfloat (f0[5], ==, 220.0f);
  g_assert_true (vt_document_undo (document));
  f0 = vt_document_get_effective_f0 (document);
  g_assert_cmpfloat (f0[145], ==, 375.0f);
  g_assert_cmpfloat (f0[155], ==, 220.0f);
  g_assert_true (vt_document_undo (document));
  f0 = vt_document_get_effective_f0 (document);
  g_assert_cmpfloat (f0[120], ==, 220.0f);
  g_assert_false (vt_document_can_undo (document));
  g_assert_false (vt_document_undo (document));
  g_assert_cmpuint (vt_document_get_n_f0_edits (document), ==, 0);

  /* Redo two, then a new edit drops the third from the redo stack. */
  g_assert_true (vt_document_redo (document));
  g_assert_true (vt_document_redo (document));
  f0 = vt_document_get_effective_f0 (document);
  g_assert_cmpfloat_with_epsilon (f0[145], 750.0f, 1e-3);
  g_assert_true (vt_document_can_redo (document));
  g_assert_true (vt_document_shift_f0 (document, 0, 10, -1.0));
  g_assert_false (vt_document_can_redo (document));
  f0 = vt_document_get_effective_f0 (document);
  g_assert_cmpfloat_with_epsilon (f0[0], 220.0f / powf (2.0f, 1.0f / 12.0f), 1e-3);

  g_assert_cmpint (changed, ==, 9);
}

static void
test_edits_that_change_nothing (void)
{
  g_autoptr (VtDocument) document = make_document ();
  float hz[10] = { 0 };
  g_assert_false (vt_document_draw_f0 (document, N_FRAMES, 10, hz));
  g_assert_false (vt_document_draw_f0 (document, -20, 10, hz));
  g_assert_false (vt_document_draw_f0 (document, 5, 0, hz));
  /* Shifting unvoiced frames, or by nothing, does nothing. */
  g_assert_false (vt_document_shift_f0 (document, 410, 20, 12.0));
  g_assert_false (vt_document_shift_f0 (document, 10, 20, 0.0));
  g_assert_false (vt_document_shift_f0 (document, 10, 20, NAN));
  g_assert_false (vt_document_add_silent_region (document, 11.0, 12.0));
  g_assert_false (vt_document_add_silent_region (document, NAN, 1.0));
  g_assert_false (vt_document_remove_silent_region (document, 0));
  g_assert_false (vt_document_get_modified (document));
  g_assert_false (vt_document_can_undo (document));

  /* A span that sticks out of the song is clipped to it. */
  float tail[20];
  for (int i = 0; i < 20; i++)
    tail[i] = 500.0f + i;
  g_assert_true (vt_document_draw_f0 (document, N_FRAMES - 10, 20, tail));
  gint64 start, n;
  const float *values;
  vt_document_get_f0_edit (document, 0, NULL, &start, &n, &values);
  g_assert_cmpint (start, ==, N_FRAMES - 10);
  g_assert_cmpint (n, ==, 10);
  g_assert_cmpfloat (values[9], ==, 509.0f);
  /* Marking unvoiced twice: the second changes nothing. */
  g_assert_true (vt_document_mark_unvoiced (document, 450, 10));
  g_assert_false (vt_document_mark_unvoiced (document, 450, 10));
}

static void
test_silent_regions (void)
{
  g_autoptr (VtDocument) document = make_document ();
  guint n;
  const VtSilentRegion *regions;
  g_assert_true (vt_document_add_silent_region (document, 2.0, 3.0));
  /* Dragged right to left: the same span. */
  g_assert_true (vt_document_add_silent_region (document, 6.0, 5.0));
  regions = vt_document_get_silent_regions (document, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (regions[0].start, ==, 2.0);
  g_assert_cmpfloat (regions[1].start, ==, 5.0);
  g_assert_cmpfloat (regions[1].end, ==, 6.0);

  /* One that bridges both merges them. */
  g_assert_true (vt_document_add_silent_region (document, 2.5, 5.5));
  regions = vt_document_get_silent_regions (document, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (regions[0].start, ==, 2.0);
  g_assert_cmpfloat (regions[0].end, ==, 6.0);

  /* Beyond the song's end: clipped. */
  g_assert_true (vt_document_resize_silent_region (document, 0, 1.0, 30.0));
  regions = vt_document_get_silent_regions (document, &n);
  g_assert_cmpfloat (regions[0].start, ==, 1.0);
  g_assert_cmpfloat (regions[0].end, ==, 10.0);
  g_assert_cmpstr (vt_document_get_undo_label (document), ==, "Resize Silent Region");

  g_assert_true (vt_document_remove_silent_region (document, 0));
  regions = vt_document_get_silent_regions (document, &n);
  g_assert_cmpuint (n, ==, 0);

  g_assert_true (vt_document_undo (document)); /* remove */
  g_assert_true (vt_document_undo (document)); /* resize */
  regions = vt_document_get_silent_regions (document, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (regions[0].end, ==, 6.0);
  g_assert_true (vt_document_undo (document)); /* merge */
  regions = vt_document_get_silent_regions (document, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (vt_document_redo (document));
  regions = vt_document_get_silent_regions (document, &n);
  g_assert_cmpuint (n, ==, 1);
}

static void
test_save_load_round_trip (void)
{
  g_autofree char *scratch = vt_test_scratch_new ();
  g_autofree char *path = g_build_filename (scratch, "song.vtproj", NULL);
  g_autofree char *autosave = g_build_filename (scratch, "autosave", "song.vtproj", NULL);

  g_autoptr (VtDocument) document = make_document ();
  vt_document_set_autosave_path (document, autosave);
  float drawn[25];
  for (int i = 0; i < 25; i++)
    drawn[i] = 261.63f + 3.0f * i;
  g_assert_true (vt_document_draw_f0 (document, 60, 25, drawn));
  /* The autosave is written at once, before any explicit save. */
  g_assert_true (g_file_test (autosave, G_FILE_TEST_IS_REGULAR));
  g_assert_null (vt_document_get_autosave_error (document));
  g_assert_true (vt_document_mark_unvoiced (document, 200, 5));
  g_assert_true (vt_document_add_silent_region (document, 4.25, 5.5));
  VtDocumentView view = { 1.0, 4.0, 80.0, 1200.0 };
  vt_document_set_view (document, &view);

  g_autoptr (GError) error = NULL;
  g_assert_true (vt_document_save (document, path, &error));
  g_assert_no_error (error);
  g_assert_false (vt_document_get_modified (document));
  g_assert_cmpstr (vt_document_get_project_path (document), ==, path);

  g_autoptr (VtDocument) loaded = vt_document_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (vt_document_get_song_path (loaded), ==, "/songs/take 1.flac");
  g_assert_cmpstr (vt_document_get_song_checksum (loaded), ==, "abc123");
  g_assert_cmpint (vt_document_get_n_frames (loaded), ==, N_FRAMES);
  g_assert_false (vt_document_get_modified (loaded));
  g_assert_cmpuint (vt_document_get_n_f0_edits (loaded), ==, 2);
  VtF0EditKind kind;
  gint64 start, n;
  const float *hz;
  vt_document_get_f0_edit (loaded, 0, &kind, &start, &n, &hz);
  g_assert_cmpint (kind, ==, VT_F0_EDIT_DRAWN);
  g_assert_cmpint (start, ==, 60);
  g_assert_cmpint (n, ==, 25);
  for (int i = 0; i < 25; i++)
    g_assert_cmpfloat_with_epsilon (hz[i], drawn[i], 0.006);
  vt_document_get_f0_edit (loaded, 1, &kind, &start, &n, &hz);
  g_assert_cmpint (kind, ==, VT_F0_EDIT_UNVOICED);
  g_assert_cmpint (start, ==, 200);
  g_assert_cmpint (n, ==, 5);
  guint n_regions;
  const VtSilentRegion *regions = vt_document_get_silent_regions (loaded, &n_regions);
  g_assert_cmpuint (n_regions, ==, 1);
  g_assert_cmpfloat (regions[0].start, ==, 4.25);
  g_assert_cmpfloat (regions[0].end, ==, 5.5);
  VtDocumentView loaded_view;
  vt_document_get_view (loaded, &loaded_view);
  g_assert_cmpfloat (loaded_view.start_time, ==, 1.0);
  g_assert_cmpfloat (loaded_view.high_hz, ==, 1200.0);

  /* Once the estimate arrives, the effective F0 is the saved one's. */
  float estimate[N_FRAMES];
  for (int i = 0; i < N_FRAMES; i++)
    estimate[i] = 220.0f;
  vt_document_set_estimate (loaded, estimate, NULL, N_FRAMES);
  const float *f0 = vt_document_get_effective_f0 (loaded);
  g_assert_cmpfloat_with_epsilon (f0[70], drawn[10], 0.006);
  g_assert_cmpfloat (f0[202], ==, 0.0f);
  g_assert_cmpfloat (f0[300], ==, 220.0f);

  /* The autosave holds every edit too (the view is not an edit). */
  g_autoptr (VtDocument) recovered = vt_document_load (autosave, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vt_document_get_n_f0_edits (recovered), ==, 2);
  vt_document_get_silent_regions (recovered, &n_regions);
  g_assert_cmpuint (n_regions, ==, 1);

  /* No temporary files left beside the project. */
  g_autoptr (GDir) dir = g_dir_open (scratch, 0, NULL);
  const char *name;
  int entries = 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    entries++;
  g_assert_cmpint (entries, ==, 2);

  vt_test_scratch_free (g_steal_pointer (&scratch));
}

static void
check_load_fails (const char *scratch, const char *contents, int code, const char *fragment)
{
  g_autofree char *path = g_build_filename (scratch, "bad.vtproj", NULL);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (VtDocument) document = vt_document_load (path, &error);
  g_assert_null (document);
  g_assert_error (error, VT_DOCUMENT_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "bad.vtproj: "));
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_corrupt_files (void)
{
  g_autofree char *scratch = vt_test_scratch_new ();
  const char *head = "{\"format\": \"voxtrace-project\", \"version\": 1, "
                     "\"song\": {\"path\": \"/a.flac\", \"sha256\": \"\", \"frames\": 100}, "
                     "\"frame_rate\": 50, ";
  check_load_fails (scratch, "{\"format\": \"voxtrace-project\", \"version\": 1, \"song\": {",
                    VT_DOCUMENT_ERROR_CORRUPT, "damaged");
  check_load_fails (scratch, "", VT_DOCUMENT_ERROR_CORRUPT, "damaged");
  check_load_fails (scratch, "[1, 2, 3]", VT_DOCUMENT_ERROR_NOT_PROJECT, "not a Voxtrace project");
  check_load_fails (scratch, "{\"format\": \"voxtrace-project\", \"version\": 7}",
                    VT_DOCUMENT_ERROR_VERSION, "newer Voxtrace");
  g_autofree char *no_regions = g_strconcat (head, "\"f0_edits\": []}", NULL);
  check_load_fails (scratch, no_regions, VT_DOCUMENT_ERROR_CORRUPT, "no list of silent regions");
  g_autofree char *bad_hz = g_strconcat (
    head, "\"f0_edits\": [{\"kind\": \"drawn\", \"start_frame\": 3, \"hz\": [200, \"x\"]}], "
          "\"silent_regions\": []}", NULL);
  check_load_fails (scratch, bad_hz, VT_DOCUMENT_ERROR_CORRUPT,
                    "pitch edit 1 has a value that is not a frequency");
  g_autofree char *bad_kind = g_strconcat (
    head, "\"f0_edits\": [{\"kind\": \"smudged\", \"start_frame\": 3, \"hz\": [200]}], "
          "\"silent_regions\": []}", NULL);
  check_load_fails (scratch, bad_kind, VT_DOCUMENT_ERROR_CORRUPT, "pitch edit 1 is incomplete");
  g_autofree char *bad_region = g_strconcat (
    head, "\"f0_edits\": [], \"silent_regions\": [{\"start\": 3, \"end\": 1}]}", NULL);
  check_load_fails (scratch, bad_region, VT_DOCUMENT_ERROR_CORRUPT,
                    "silent region 1 is not a time span");

  /* A missing file is a file error that names it. */
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (scratch, "missing.vtproj", NULL);
  g_assert_null (vt_document_load (missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  /* A good minimal file loads. */
  g_autofree char *good = g_strconcat (head, "\"f0_edits\": [], \"silent_regions\": []}", NULL);
  g_autofree char *path = g_build_filename (scratch, "good.vtproj", NULL);
  g_assert_true (g_file_set_contents (path, good, -1, NULL));
  g_clear_error (&error);
  g_autoptr (VtDocument) document = vt_document_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (vt_document_get_n_frames (document), ==, 100);
  g_assert_null (vt_document_get_song_checksum (document));
  vt_test_scratch_free (g_steal_pointer (&scratch));
}

static void
test_checksum (void)
{
  g_autofree char *scratch = vt_test_scratch_new ();
  g_autofree char *path = g_build_filename (scratch, "abc.txt", NULL);
  g_assert_true (g_file_set_contents (path, "abc", 3, NULL));
  g_autoptr (GError) error = NULL;
  g_autofree char *sum = vt_document_checksum_file (path, NULL, &error);
  g_assert_no_error (error);
  /* FIPS 180-2's test vector. */
  g_assert_cmpstr (sum, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  vt_test_scratch_free (g_steal_pointer (&scratch));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/document/draw-undo-redo", test_draw_undo_redo);
  g_test_add_func ("/document/edits-that-change-nothing", test_edits_that_change_nothing);
  g_test_add_func ("/document/silent-regions", test_silent_regions);
  g_test_add_func ("/document/save-load-round-trip", test_save_load_round_trip);
  g_test_add_func ("/document/corrupt-files", test_corrupt_files);
  g_test_add_func ("/document/checksum", test_checksum);
  return g_test_run ();
}
