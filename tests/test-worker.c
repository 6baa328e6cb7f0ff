/* SPDX-License-Identifier: GPL-3.0-or-later
 * app/vt-worker: the editor's worker thread on the demo song with the
 * shipped model, driven from a GLib main loop like the window drives it (no
 * display needed): analysis, corrections that supersede an adaptation under
 * way, chunks from the playhead covering the song once per pass, export of
 * stems that add up to the mixture, and a diverging adaptation that is
 * reported while the worker keeps working. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "vt-features.h"
#include "vt-model.h"
#include "vt-session.h"
#include "vt-song.h"
#include "vt-test-util.h"
#include "vt-worker.h"

/* Generous: the machine is shared; each wait is far shorter when idle. */
#define WAIT_S 120.0

typedef struct
{
  VtWorker *worker;
  VtAudio mix;
  /* Chunks of the current full pass, and of finished ones. */
  GArray *chunk_first, *chunk_frames;
  int full_passes, immediate_passes, preview_chunks;
  gint64 last_preview_first, last_preview_end;
  gint64 last_full_first_chunk;
  gboolean last_full_covered_once;
  int analysed, corrected, adapted;
  guint last_changed;
  double last_energy_db;
  int failures;
  char *last_failure;
  gboolean adapting_seen;
  int worker_thread_chunks; /* from the chunk function, atomic */
  gboolean exported;
  GError *export_error;
} Fixture;

static Fixture fx;

static void
on_estimate (VtWorker *worker, guint kind, gpointer data)
{
  if (kind == VT_WORKER_ESTIMATE_ANALYSED)
    fx.analysed++;
  else if (kind == VT_WORKER_ESTIMATE_CORRECTED)
    fx.corrected++;
}

static void
on_adapted (VtWorker *worker, guint changed, double energy_db, gpointer data)
{
  fx.adapted++;
  fx.last_changed = changed;
  fx.last_energy_db = energy_db;
}

static void
on_chunk (VtWorker *worker, gint64 first, gint64 frames, GBytes *vocals, guint pass,
          gpointer data)
{
  g_assert_cmpuint (g_bytes_get_size (vocals), ==,
                    sizeof (float) * (gsize) frames * (gsize) fx.mix.channels);
  if (pass == VT_WORKER_PASS_PREVIEW)
    {
      fx.preview_chunks++;
      fx.last_preview_first = first;
      fx.last_preview_end = first + frames;
    }
  if (pass != VT_WORKER_PASS_FULL)
    return;
  g_array_append_val (fx.chunk_first, first);
  g_array_append_val (fx.chunk_frames, frames);
}

static void
on_render_finished (VtWorker *worker, guint pass, gpointer data)
{
  if (pass == VT_WORKER_PASS_IMMEDIATE)
    {
      fx.immediate_passes++;
      return;
    }
  /* Every frame of the song exactly once. */
  g_autofree guint8 *seen = g_new0 (guint8, fx.mix.frames);
  gboolean once = TRUE;
  gint64 covered = 0;
  for (guint i = 0; i < fx.chunk_first->len; i++)
    {
      gint64 first = g_array_index (fx.chunk_first, gint64, i);
      gint64 frames = g_array_index (fx.chunk_frames, gint64, i);
      for (gint64 s = first; s < first + frames && s < fx.mix.frames; s++)
        once &= seen[s]++ == 0;
      covered += frames;
    }
  fx.last_full_covered_once = once && covered == fx.mix.frames;
  fx.last_full_first_chunk = fx.chunk_first->len ? g_array_index (fx.chunk_first, gint64, 0) : -1;
  g_array_set_size (fx.chunk_first, 0);
  g_array_set_size (fx.chunk_frames, 0);
  fx.full_passes++;
}

static void
on_failed (VtWorker *worker, const GError *error, gpointer data)
{
  fx.failures++;
  g_free (fx.last_failure);
  fx.last_failure = g_strdup (error->message);
  g_test_message ("worker failed: %s", error->message);
}

static void
on_adapting (GObject *object, GParamSpec *pspec, gpointer data)
{
  if (vt_worker_get_adapting (VT_WORKER (object)))
    fx.adapting_seen = TRUE;
}

static void
on_worker_chunk (gint64 first, gint64 frames, const float *vocals, const float *accompaniment,
                 VtWorkerPass pass, gpointer data)
{
  g_atomic_int_inc (&fx.worker_thread_chunks);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *flag (an int or gboolean) reaches value. */
static void
wait_for (const int *flag, int value, const char *what)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds ((guint) WAIT_S, on_timeout, &timed_out);
  while (*flag < value && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for %s", what);
  g_source_remove (timeout);
}

static void
wait_idle (void)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds ((guint) WAIT_S, on_timeout, &timed_out);
  while (vt_worker_get_busy (fx.worker) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for the worker to finish");
  g_source_remove (timeout);
  /* Deliveries queued just before the last one. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static float *
no_f0_corrections (gint64 frames)
{
  float *user = g_new (float, frames);
  for (gint64 t = 0; t < frames; t++)
    user[t] = NAN;
  return user;
}

static void
test_open (void)
{
  wait_for (&fx.analysed, 1, "the analysis");
  const gint64 frames = vt_worker_get_n_frames (fx.worker);
  VtAudioInfo info;
  g_assert_true (vt_worker_get_song_info (fx.worker, &info));
  g_assert_cmpint (info.frames, ==, fx.mix.frames);
  g_assert_cmpint (info.sample_rate, ==, fx.mix.sample_rate);
  g_assert_cmpfloat (fabs (frames - fx.mix.frames / (double) fx.mix.sample_rate
                                      * VT_FEATURES_FRAME_RATE), <, 3);
  g_assert_nonnull (vt_worker_get_f0 (fx.worker));
  g_assert_nonnull (vt_worker_get_mask (fx.worker));
  /* What the session gives on its own, bit for bit. */
  const char *dir = g_getenv ("VT_MODELS_DIR");
  g_autofree char *f0_path = g_build_filename (dir, "f0.vtw", NULL);
  g_autofree char *mask_path = g_build_filename (dir, "mask.vtw", NULL);
  VtError error = { 0 };
  VtModel *model = vt_model_load_files (f0_path, mask_path, &error);
  g_assert_nonnull (model);
  float *mono = NULL;
  int64_t n = 0;
  g_assert_cmpint (vt_song_load_analysis_signal (g_getenv ("VT_DEMO_SONG"), &mono, &n, NULL, NULL,
                                                 &error), ==, VT_STATUS_OK);
  VtSession *session = vt_session_new (model, mono, n, NULL, &error);
  g_assert_nonnull (session);
  g_assert_cmpint (vt_session_get_frames (session), ==, frames);
  g_assert_cmpmem (vt_worker_get_f0 (fx.worker), sizeof (float) * frames,
                   vt_session_get_f0 (session), sizeof (float) * frames);
  g_assert_cmpmem (vt_worker_get_activity (fx.worker), sizeof (float) * frames,
                   vt_session_get_activity (session), sizeof (float) * frames);
  g_assert_cmpmem (vt_worker_get_mask (fx.worker), sizeof (float) * frames * VT_MODEL_MASK_BINS,
                   vt_session_get_mask (session), sizeof (float) * frames * VT_MODEL_MASK_BINS);
  vt_session_free (session);
  vt_model_free (model);
  free (mono);
  wait_for (&fx.full_passes, 1, "the first render");
  g_assert_true (fx.last_full_covered_once);
  g_assert_cmpint (fx.last_full_first_chunk, ==, 0); /* the playhead is at 0 */
  wait_idle ();
  g_assert_cmpint (fx.failures, ==, 0);
}

static void
test_supersede (void)
{
  const gint64 frames = vt_worker_get_n_frames (fx.worker);
  g_assert_cmpint (frames, >, 700);
  /* First set: a pitch the demo does not sing over 2 s. */
  g_autofree float *first = no_f0_corrections (frames);
  for (gint64 t = 100; t < 200; t++)
    first[t] = 300.0f;
  /* Second set: another span and a silent region around the playhead. */
  g_autofree float *second = no_f0_corrections (frames);
  g_autofree guint8 *silent = g_new0 (guint8, frames);
  for (gint64 t = 400; t < 480; t++)
    second[t] = 220.0f;
  for (gint64 t = 600; t < 700; t++)
    silent[t] = 1;
  const double playhead_s = 12.3;

  vt_worker_set_budget (fx.worker, 3.0);
  int adapted_before = fx.adapted, full_before = fx.full_passes;
  fx.preview_chunks = 0;
  guint superseded_before = vt_worker_get_n_superseded (fx.worker);
  fx.adapting_seen = FALSE;
  vt_worker_set_corrections (fx.worker, first, NULL, frames, playhead_s);
  wait_for (&fx.adapting_seen, TRUE, "the first adaptation to start");
  gint64 started = g_get_monotonic_time ();
  vt_worker_set_corrections (fx.worker, second, silent, frames, playhead_s);
  wait_idle ();
  double took = (g_get_monotonic_time () - started) * 1e-6;
  g_test_message ("second job done %.2f s after it was sent; %u superseded, %u F0 frames "
                  "changed, vocal energy %+.2f dB", took,
                  vt_worker_get_n_superseded (fx.worker) - superseded_before, fx.last_changed,
                  fx.last_energy_db);

  /* The first adaptation was cancelled: one adaptation reported, the
   * second's, and the full pass after it alone. */
  g_assert_cmpuint (vt_worker_get_n_superseded (fx.worker), ==, superseded_before + 1);
  g_assert_cmpint (fx.adapted, ==, adapted_before + 1);
  g_assert_cmpint (fx.full_passes, ==, full_before + 1);
  g_assert_cmpint (fx.failures, ==, 0);
  g_assert_false (vt_worker_get_adapting (fx.worker));

  /* The result is the second set's: its pitch, its silence, not the first's. */
  const float *f0 = vt_worker_get_f0 (fx.worker);
  for (gint64 t = 400; t < 480; t++)
    g_assert_cmpfloat (f0[t], ==, 220.0f);
  int still_first = 0;
  for (gint64 t = 100; t < 200; t++)
    still_first += f0[t] == 300.0f;
  g_assert_cmpint (still_first, <, 100);
  const float *mask = vt_worker_get_mask (fx.worker);
  for (gint64 t = 600; t < 700; t++)
    for (int k = 0; k < VT_MODEL_MASK_BINS; k++)
      g_assert_cmpfloat (mask[t * VT_MODEL_MASK_BINS + k], ==, 0.0f);
  g_assert_nonnull (vt_worker_get_changed_frames (fx.worker));

  /* The full pass started at the playhead and covered the song once. */
  g_assert_true (fx.last_full_covered_once);
  double first_s = (double) fx.last_full_first_chunk / fx.mix.sample_rate;
  g_assert_cmpfloat (first_s, <=, playhead_s);
  g_assert_cmpfloat (first_s, >, playhead_s - VT_WORKER_CHUNK_S);
  /* The adapted chunk at the playhead came first, alone. */
  g_assert_cmpint (fx.preview_chunks, ==, 1);
  g_assert_cmpint (fx.last_preview_first, <=, (gint64) (playhead_s * fx.mix.sample_rate));
  g_assert_cmpint (fx.last_preview_end, >, (gint64) (playhead_s * fx.mix.sample_rate));
  /* The edits changed chunks there: some were re-rendered before adapting. */
  g_assert_cmpint (fx.immediate_passes, >=, 1);
  g_assert_cmpint (g_atomic_int_get (&fx.worker_thread_chunks), >, 0);
}

static void
on_exported (GObject *source, GAsyncResult *result, gpointer data)
{
  fx.exported = vt_worker_export_finish (VT_WORKER (source), result, &fx.export_error) || TRUE;
}

static void
test_export (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree char *vocals_path = g_build_filename (dir, "vocals.wav", NULL);
  g_autofree char *accompaniment_path = g_build_filename (dir, "accompaniment.wav", NULL);
  g_autofree char *csv_path = g_build_filename (dir, "f0.csv", NULL);
  VtWorkerExport what = { .vocals_path = vocals_path, .accompaniment_path = accompaniment_path,
                          .format = VT_FILE_FORMAT_WAV_FLOAT, .f0_csv_path = csv_path };
  fx.exported = FALSE;
  vt_worker_export_async (fx.worker, &what, NULL, on_exported, NULL);
  wait_for (&fx.exported, TRUE, "the export");
  g_assert_no_error (fx.export_error);

  VtAudio vocals, accompaniment;
  vt_audio_init (&vocals);
  vt_audio_init (&accompaniment);
  g_assert_cmpint (vt_audio_load (vocals_path, &vocals, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (accompaniment_path, &accompaniment, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vocals.frames, ==, fx.mix.frames);
  g_assert_cmpint (vocals.channels, ==, fx.mix.channels);
  g_assert_cmpint (vocals.sample_rate, ==, fx.mix.sample_rate);
  g_assert_cmpint (accompaniment.frames, ==, fx.mix.frames);
  double worst = 0, vocal_energy = 0, silent_energy = 0;
  const gint64 n = fx.mix.frames * fx.mix.channels;
  for (gint64 i = 0; i < n; i++)
    {
      worst = fmax (worst, fabs (vocals.samples[i] + accompaniment.samples[i]
                                 - fx.mix.samples[i]));
      vocal_energy += vocals.samples[i] * vocals.samples[i];
    }
  /* The silent region of the corrections (frames 600-700: 12-14 s), well
   * inside so that the STFT's overlap does not count. */
  const gint64 a = (gint64) (12.2 * fx.mix.sample_rate), b = (gint64) (13.8 * fx.mix.sample_rate);
  for (gint64 i = a * fx.mix.channels; i < b * fx.mix.channels; i++)
    silent_energy += vocals.samples[i] * vocals.samples[i];
  g_test_message ("stems sum error %.2g; vocal energy %.3g, in the silent region %.3g", worst,
                  vocal_energy, silent_energy);
  g_assert_cmpfloat (worst, <, 1e-4);
  g_assert_cmpfloat (vocal_energy, >, 0);
  g_assert_cmpfloat (silent_energy, <, 1e-6 * vocal_energy);
  vt_audio_clear (&vocals);
  vt_audio_clear (&accompaniment);

  g_autofree char *csv = NULL;
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (g_strstrip (csv), "\n", -1);
  g_assert_cmpint (g_strv_length (lines), ==, vt_worker_get_n_frames (fx.worker));
  /* Frame 440 was corrected to 220 Hz. */
  double time_s = 0, hz = 0;
  g_assert_cmpint (sscanf (lines[440], "%lf,%lf", &time_s, &hz), ==, 2);
  g_assert_cmpfloat (fabs (hz - 220.0), <, 1e-3);
  g_assert_cmpfloat (fabs (time_s - 440 / VT_FEATURES_FRAME_RATE), <, 0.011);
  vt_test_scratch_free (g_steal_pointer (&dir));
}

static void
test_divergence (void)
{
  const gint64 frames = vt_worker_get_n_frames (fx.worker);
  g_autofree float *user = no_f0_corrections (frames);
  for (gint64 t = 250; t < 300; t++)
    user[t] = 330.0f;
  vt_worker_set_budget (fx.worker, 1.0);
  vt_worker_set_learning_rate (fx.worker, 1e12); /* certain to blow up */
  int failures_before = fx.failures, adapted_before = fx.adapted, full_before = fx.full_passes;
  vt_worker_set_corrections (fx.worker, user, NULL, frames, 3.0);
  wait_idle ();
  g_test_message ("huge learning rate: %s", fx.last_failure ? fx.last_failure : "no failure");
  g_assert_cmpint (fx.failures, ==, failures_before + 1);
  g_assert_nonnull (strstr (fx.last_failure, "diverged"));
  g_assert_cmpint (fx.adapted, ==, adapted_before);
  /* Rolled back to the immediate effects, and the song still rendered. */
  const float *f0 = vt_worker_get_f0 (fx.worker);
  for (gint64 t = 0; t < frames; t++)
    g_assert_true (isfinite (f0[t]));
  for (gint64 t = 250; t < 300; t++)
    g_assert_cmpfloat (f0[t], ==, 330.0f);
  g_assert_cmpint (fx.full_passes, ==, full_before + 1);
  g_assert_false (vt_worker_get_adapting (fx.worker));

  /* The worker keeps working. */
  vt_worker_set_learning_rate (fx.worker, 3e-4);
  vt_worker_set_corrections (fx.worker, user, NULL, frames, 3.0);
  wait_idle ();
  g_assert_cmpint (fx.failures, ==, failures_before + 1);
  g_assert_cmpint (fx.adapted, ==, adapted_before + 1);
  g_assert_cmpint (fx.full_passes, ==, full_before + 2);
}

static void
test_bad_corrections (void)
{
  int failures_before = fx.failures;
  float one = 200.0f;
  vt_worker_set_corrections (fx.worker, &one, NULL, 1, 0);
  wait_idle ();
  g_assert_cmpint (fx.failures, ==, failures_before + 1);
  g_assert_nonnull (strstr (fx.last_failure, "frames"));
}

/* Dropping a worker in the middle of an analysis returns promptly and
 * delivers nothing afterwards. */
static void
test_dispose_while_busy (void)
{
  VtWorker *worker = vt_worker_new (g_getenv ("VT_MODELS_DIR"));
  int estimates = 0;
  g_signal_connect_swapped (worker, "estimate-changed", G_CALLBACK (g_atomic_int_inc), &estimates);
  vt_worker_open_song (worker, g_getenv ("VT_DEMO_SONG"));
  g_usleep (G_USEC_PER_SEC / 2);
  gint64 started = g_get_monotonic_time ();
  g_object_unref (worker);
  double took = (g_get_monotonic_time () - started) * 1e-6;
  g_test_message ("dropped a busy worker in %.3f s", took);
  g_assert_cmpfloat (took, <, 0.1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (estimates, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  const char *demo = g_getenv ("VT_DEMO_SONG");
  const char *models = g_getenv ("VT_MODELS_DIR");
  if (demo == NULL || models == NULL)
    {
      g_test_skip ("VT_DEMO_SONG and VT_MODELS_DIR are not set (run through meson test)");
      return g_test_run ();
    }
  vt_audio_init (&fx.mix);
  if (vt_audio_load (demo, &fx.mix, NULL) != VT_STATUS_OK)
    g_error ("cannot read %s", demo);
  fx.chunk_first = g_array_new (FALSE, FALSE, sizeof (gint64));
  fx.chunk_frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  fx.worker = vt_worker_new (models);
  g_signal_connect (fx.worker, "estimate-changed", G_CALLBACK (on_estimate), NULL);
  g_signal_connect (fx.worker, "adapted", G_CALLBACK (on_adapted), NULL);
  g_signal_connect (fx.worker, "chunk-ready", G_CALLBACK (on_chunk), NULL);
  g_signal_connect (fx.worker, "render-finished", G_CALLBACK (on_render_finished), NULL);
  g_signal_connect (fx.worker, "failed", G_CALLBACK (on_failed), NULL);
  g_signal_connect (fx.worker, "notify::adapting", G_CALLBACK (on_adapting), NULL);
  vt_worker_set_chunk_func (fx.worker, on_worker_chunk, NULL);
  vt_worker_open_song (fx.worker, demo);

  /* In order: each builds on the state the one before left. */
  g_test_add_func ("/worker/open", test_open);
  g_test_add_func ("/worker/supersede", test_supersede);
  g_test_add_func ("/worker/export", test_export);
  g_test_add_func ("/worker/divergence", test_divergence);
  g_test_add_func ("/worker/bad-corrections", test_bad_corrections);
  g_test_add_func ("/worker/dispose-while-busy", test_dispose_while_busy);
  int status = g_test_run ();

  g_object_unref (fx.worker);
  g_array_unref (fx.chunk_first);
  g_array_unref (fx.chunk_frames);
  g_free (fx.last_failure);
  vt_audio_clear (&fx.mix);
  return status;
}
