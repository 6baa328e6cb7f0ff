/* SPDX-License-Identifier: GPL-3.0-or-later
 * The shipped model (resources/models, f0.vtw and mask.vtw) on real clips: separation and
 * pitch quality stay above floors set from measurements (README), stems add
 * up to the mixture, and damaged weights are refused. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vt-evaluate.h"
#include "vt-model.h"
#include "vt-separator.h"
#include "vt-test-util.h"

/* Floors under what the shipped model measures on these 12 clips (mean vocal
 * SDR 6.56 dB, RPA 0.727, AU-ROC 0.870; README "Results"), so that a broken
 * model or pipeline fails while run-to-run noise does not. */
#define FLOOR_MEAN_SDR_DB 5.0
#define FLOOR_MEAN_RPA 0.60
#define FLOOR_AUROC 0.78

static VtModel *
load_shipped (void)
{
  const char *dir = g_getenv ("VT_MODELS_DIR");
  g_assert_nonnull (dir);
  g_autofree char *f0 = g_build_filename (dir, "f0.vtw", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.vtw", NULL);
  VtError error = { 0 };
  VtModel *model = vt_model_load_files (f0, mask, &error);
  if (model == NULL)
    g_error ("%s", error.message);
  return model;
}

static void
test_dev_clips (void)
{
  g_autofree char *root = vt_test_shared_path ("mir1k");
  if (root == NULL)
    return;
  VtModel *model = load_shipped ();
  /* Every 8th clip of the dev singers (ariel, davidson): never trained on. */
  VtEvalOptions options = { .kind = VT_DATASET_MIR1K, .split = VT_SPLIT_DEV, .every = 8,
                            .high_band = VT_HIGH_BAND_EDGE };
  VtEvalResult result;
  vt_eval_result_init (&result);
  VtError error = { 0 };
  VtStatus status = vt_evaluate (model, root, &options, &result, &error);
  if (status != VT_STATUS_OK)
    g_error ("%s", error.message);
  g_test_message ("%d dev clips: mean vocal SDR %.2f dB, GNSDR %.2f dB, RPA %.3f, OA %.3f, "
                  "AU-ROC %.3f", result.n_clips, result.mean_sdr, result.gnsdr, result.rpa,
                  result.oa, result.auroc);
  g_assert_cmpint (result.n_clips, >=, 10);
  g_assert_cmpfloat (result.mean_sdr, >, FLOOR_MEAN_SDR_DB);
  g_assert_cmpfloat (result.rpa, >, FLOOR_MEAN_RPA);
  g_assert_cmpfloat (result.auroc, >, FLOOR_AUROC);
  vt_eval_result_clear (&result);
  vt_model_free (model);
}

/* The stems of a real song add up to it, at its own rate and channels. */
static void
test_song_stems_sum (void)
{
  g_autofree char *song = vt_test_shared_path ("songs/singing-female.wav");
  if (song == NULL)
    return;
  VtModel *model = load_shipped ();
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree char *vocals_path = g_build_filename (dir, "vocals.wav", NULL);
  g_autofree char *acc_path = g_build_filename (dir, "accompaniment.wav", NULL);
  VtStemOutput output = { vocals_path, acc_path, VT_FILE_FORMAT_WAV_FLOAT };
  VtSongAnalysis analysis;
  vt_song_analysis_init (&analysis);
  VtError error = { 0 };
  g_assert_cmpint (vt_separate_file (model, song, &output, VT_HIGH_BAND_EDGE, &analysis, NULL,
                                     &error), ==, VT_STATUS_OK);
  VtAudio mix, vocals, acc;
  vt_audio_init (&mix);
  vt_audio_init (&vocals);
  vt_audio_init (&acc);
  g_assert_cmpint (vt_audio_load (song, &mix, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (vocals_path, &vocals, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (acc_path, &acc, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vocals.sample_rate, ==, mix.sample_rate);
  g_assert_cmpint (vocals.channels, ==, mix.channels);
  g_assert_cmpint (vocals.frames, ==, mix.frames);
  double worst = 0, vocal_energy = 0, mix_energy = 0;
  for (int64_t i = 0; i < mix.frames * mix.channels; i++)
    {
      worst = fmax (worst, fabs (vocals.samples[i] + acc.samples[i] - mix.samples[i]));
      vocal_energy += vocals.samples[i] * vocals.samples[i];
      mix_energy += mix.samples[i] * mix.samples[i];
    }
  g_test_message ("solo singing: %.1f %% of the energy in the vocals, sum error %.2g",
                  100 * vocal_energy / mix_energy, worst);
  g_assert_cmpfloat (worst, <, 1e-5);
  /* A solo voice is nearly all vocals. */
  g_assert_cmpfloat (vocal_energy / mix_energy, >, 0.5);
  /* And it is sung: most frames voiced. */
  int voiced = 0;
  for (int64_t t = 0; t < analysis.frames; t++)
    voiced += analysis.f0_hz[t] > 0;
  g_assert_cmpint (voiced, >, analysis.frames / 3);
  vt_song_analysis_clear (&analysis);
  vt_audio_clear (&mix);
  vt_audio_clear (&vocals);
  vt_audio_clear (&acc);
  vt_test_scratch_free (g_steal_pointer (&dir));
  vt_model_free (model);
}

static void
test_bad_weights (void)
{
  const char *dir = g_getenv ("VT_MODELS_DIR");
  g_autofree char *f0 = g_build_filename (dir, "f0.vtw", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.vtw", NULL);
  VtError error = { 0 };
  /* The networks' files swapped: every tensor name is wrong. */
  g_assert_null (vt_model_load_files (mask, f0, &error));
  g_test_message ("%s", error.message);
  g_assert_cmpint (error.status, !=, VT_STATUS_OK);
  /* Truncated. */
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (f0, &contents, &length, NULL));
  g_assert_null (vt_model_load_memory (contents, length / 2, contents, length, &error));
  g_test_message ("%s", error.message);
}

/* The command line as batch users run it: the Spleeter/Demucs layout, the
 * song's own format, stems that sum to the input, a pitch CSV, and a clear
 * one-line failure for a bad input. */
static void
test_command_line (void)
{
  const char *voxtrace = g_getenv ("VT_VOXTRACE");
  const char *demo = g_getenv ("VT_DEMO_SONG");
  g_assert_nonnull (voxtrace);
  g_autofree char *dir = vt_test_scratch_new ();
  char *argv_separate[] = { (char *) voxtrace, "separate", (char *) demo, "-o", dir, "--format",
                            "flac", NULL };
  int exit_status = -1;
  g_autofree char *err = NULL;
  g_assert_true (g_spawn_sync (NULL, argv_separate, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               &err, &exit_status, NULL));
  g_assert_cmpint (exit_status, ==, 0);
  g_autofree char *vocals_path = g_build_filename (dir, "demo-mix", "vocals.flac", NULL);
  g_autofree char *acc_path = g_build_filename (dir, "demo-mix", "accompaniment.flac", NULL);
  VtAudio mix, vocals, acc;
  vt_audio_init (&mix);
  vt_audio_init (&vocals);
  vt_audio_init (&acc);
  g_assert_cmpint (vt_audio_load (demo, &mix, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (vocals_path, &vocals, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (acc_path, &acc, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vocals.frames, ==, mix.frames);
  g_assert_cmpint (acc.channels, ==, mix.channels);
  g_assert_cmpint (acc.sample_rate, ==, mix.sample_rate);
  double worst = 0;
  for (int64_t i = 0; i < mix.frames * mix.channels; i++)
    worst = fmax (worst, fabs (vocals.samples[i] + acc.samples[i] - mix.samples[i]));
  g_test_message ("demo: vocals + accompaniment - mixture: max %.2g (24-bit FLAC)", worst);
  g_assert_cmpfloat (worst, <, 4.0 / 8388608);
  vt_audio_clear (&mix);
  vt_audio_clear (&vocals);
  vt_audio_clear (&acc);

  g_autofree char *csv = g_build_filename (dir, "demo.csv", NULL);
  char *argv_f0[] = { (char *) voxtrace, "f0", (char *) demo, "-o", csv, NULL };
  g_assert_true (g_spawn_sync (NULL, argv_f0, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                               &exit_status, NULL));
  g_assert_cmpint (exit_status, ==, 0);
  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (csv, &contents, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (contents, "\n", -1);
  /* 24 s at 50 frames per second. */
  g_assert_cmpint (g_strv_length (lines), >=, 1200);
  double t = 0, hz = 0;
  g_assert_cmpint (sscanf (lines[100], "%lf,%lf", &t, &hz), ==, 2);
  g_assert_cmpfloat_with_epsilon (t, 2.0, 1e-9);

  g_autofree char *missing = g_build_filename (dir, "missing.wav", NULL);
  char *argv_bad[] = { (char *) voxtrace, "separate", missing, "-o", dir, NULL };
  g_autofree char *bad_err = NULL;
  g_assert_true (g_spawn_sync (NULL, argv_bad, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &bad_err,
                               &exit_status, NULL));
  g_assert_cmpint (exit_status, !=, 0);
  g_assert_nonnull (strstr (bad_err, "no such file"));
  g_assert_nonnull (strstr (bad_err, "voxtrace separate:"));
  vt_test_scratch_free (g_steal_pointer (&dir));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/dev-clips", test_dev_clips);
  g_test_add_func ("/models/song-stems-sum", test_song_stems_sum);
  g_test_add_func ("/models/bad-weights", test_bad_weights);
  g_test_add_func ("/models/command-line", test_command_line);
  return g_test_run ();
}
