/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-eval-stats: AU-ROC, length-weighted GNSDR, NaN-aware mean and
 * median, RMS in non-vocal sections. */
#include <math.h>

#include "vt-audio.h"
#include "vt-eval-stats.h"
#include "vt-test-util.h"

/* ---- AU-ROC ------------------------------------------------------------ */

static double
auroc_of (const float *scores, const uint8_t *labels, size_t n)
{
  double auc = -1;
  VtError error = { 0 };
  g_assert_cmpint (vt_eval_auroc (scores, labels, n, &auc, &error), ==, VT_STATUS_OK);
  return auc;
}

static void
test_auroc_hand (void)
{
  /* sklearn's documented example: 0.75. */
  const float s1[] = { 0.1f, 0.4f, 0.35f, 0.8f };
  const uint8_t l1[] = { 0, 0, 1, 1 };
  g_assert_cmpfloat_with_epsilon (auroc_of (s1, l1, 4), 0.75, 1e-12);

  /* A positive tied with a negative counts one half: (1.5 + 2) / 4. */
  const float s2[] = { 0.2f, 0.5f, 0.5f, 0.9f };
  const uint8_t l2[] = { 0, 0, 1, 1 };
  g_assert_cmpfloat_with_epsilon (auroc_of (s2, l2, 4), 0.875, 1e-12);

  /* Everything tied: chance. */
  const float s3[] = { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f };
  const uint8_t l3[] = { 0, 1, 0, 1, 1 };
  g_assert_cmpfloat_with_epsilon (auroc_of (s3, l3, 5), 0.5, 1e-12);

  /* Perfect and perfectly wrong rankings. */
  const float s4[] = { 0.9f, 0.1f, 0.8f, 0.2f };
  const uint8_t l4[] = { 1, 0, 1, 0 };
  const uint8_t l4_reversed[] = { 0, 1, 0, 1 };
  g_assert_cmpfloat (auroc_of (s4, l4, 4), ==, 1.0);
  g_assert_cmpfloat (auroc_of (s4, l4_reversed, 4), ==, 0.0);

  /* Ties among positives alone do not matter: (3 + 3 + 1.5) / 9... with
   * negatives {0.1, 0.3, 0.7} and positives {0.7, 0.9, 0.9}:
   * 0.7 beats 2 and ties 1 -> 2.5; each 0.9 beats 3 -> 6; 8.5 / 9. */
  const float s5[] = { 0.1f, 0.3f, 0.7f, 0.7f, 0.9f, 0.9f };
  const uint8_t l5[] = { 0, 0, 0, 1, 1, 1 };
  g_assert_cmpfloat_with_epsilon (auroc_of (s5, l5, 6), 8.5 / 9.0, 1e-12);
}

/* Against the pairwise definition on random, heavily tied scores. */
static void
test_auroc_pairs (void)
{
  GRand *rand = g_rand_new_with_seed (7);
  const size_t n = 600;
  g_autofree float *scores = g_new (float, n);
  g_autofree uint8_t *labels = g_new (uint8_t, n);
  for (size_t i = 0; i < n; i++)
    {
      labels[i] = g_rand_int_range (rand, 0, 3) == 0;
      /* Positives a little higher on average, on a coarse grid. */
      scores[i] = (float) (g_rand_int_range (rand, 0, 10) + 3 * labels[i]) / 10.0f;
    }
  g_rand_free (rand);
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      if (labels[i] == 1 && labels[j] == 0)
        {
          pairs += 1;
          wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
        }
  double auc = auroc_of (scores, labels, n);
  g_test_message ("AU-ROC %.6f, pairwise %.6f", auc, wins / pairs);
  g_assert_cmpfloat_with_epsilon (auc, wins / pairs, 1e-12);
  g_assert_cmpfloat (auc, >, 0.6);
}

static void
test_auroc_errors (void)
{
  const float scores[] = { 0.1f, 0.2f, 0.3f };
  const uint8_t ones[] = { 1, 1, 1 }, zeros[] = { 0, 0, 0 }, bad[] = { 0, 2, 1 };
  double auc = 0;
  VtError error = { 0 };
  g_assert_cmpint (vt_eval_auroc (scores, ones, 3, &auc, &error), ==, VT_STATUS_BAD_DATA);
  g_assert_true (isnan (auc));
  g_assert_nonnull (strstr (error.message, "undefined"));
  auc = 0;
  g_assert_cmpint (vt_eval_auroc (scores, zeros, 3, &auc, &error), ==, VT_STATUS_BAD_DATA);
  g_assert_true (isnan (auc));
  g_assert_cmpint (vt_eval_auroc (scores, zeros, 0, &auc, &error), ==, VT_STATUS_BAD_DATA);
  g_assert_cmpint (vt_eval_auroc (scores, bad, 3, &auc, &error), ==, VT_STATUS_BAD_ARGUMENT);
  const float nan_scores[] = { 0.1f, NAN, 0.3f };
  const uint8_t mixed[] = { 0, 1, 1 };
  g_assert_cmpint (vt_eval_auroc (nan_scores, mixed, 3, &auc, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
}

/* ---- NSDR and the global measures ------------------------------------ */

static void
test_global_scores (void)
{
  g_assert_cmpfloat (vt_eval_nsdr (7.5, 2.0), ==, 5.5);

  /* NSDR 8 over 100 samples and 3 over 300: weighted 4.25, plain mean 5.5. */
  VtClipSeparationScores clips[] = {
    { .sdr = 10, .sdr_mixture = 2, .sir = 15, .sar = 12, .length = 100 },
    { .sdr = 4, .sdr_mixture = 1, .sir = 8, .sar = 6, .length = 300 },
  };
  VtGlobalSeparationScores global;
  VtError error = { 0 };
  g_assert_cmpint (vt_eval_global_scores (clips, 2, &global, &error), ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (global.gnsdr, 4.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (global.gsir, 9.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (global.gsar, 7.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (global.gsdr, 5.5, 1e-12);
  g_assert_cmpfloat (global.total_length, ==, 400);
  g_assert_cmpuint (global.n_clips, ==, 2);

  /* A clip without an SIR (silent interference) leaves GSIR to the others. */
  clips[1].sir = NAN;
  g_assert_cmpint (vt_eval_global_scores (clips, 2, &global, &error), ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (global.gsir, 15.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (global.gnsdr, 4.25, 1e-12);

  clips[1].length = 0;
  g_assert_cmpint (vt_eval_global_scores (clips, 2, &global, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
  g_assert_cmpint (vt_eval_global_scores (clips, 0, &global, &error), ==, VT_STATUS_BAD_DATA);
  g_assert_true (isnan (global.gnsdr));
}

static void
test_mean_median (void)
{
  const double values[] = { 1, NAN, 3, 2 };
  double result;
  size_t used;
  VtError error = { 0 };
  g_assert_cmpint (vt_eval_mean (values, 4, &result, &used, &error), ==, VT_STATUS_OK);
  g_assert_cmpfloat (result, ==, 2.0);
  g_assert_cmpuint (used, ==, 3);
  g_assert_cmpint (vt_eval_median (values, 4, &result, &used, &error), ==, VT_STATUS_OK);
  g_assert_cmpfloat (result, ==, 2.0);
  g_assert_cmpuint (used, ==, 3);

  const double even[] = { 4, -1, 10, 2, NAN, 3, 100 };
  g_assert_cmpint (vt_eval_median (even, 7, &result, NULL, &error), ==, VT_STATUS_OK);
  g_assert_cmpfloat (result, ==, 3.5);

  const double none[] = { NAN, NAN };
  g_assert_cmpint (vt_eval_mean (none, 2, &result, &used, &error), ==, VT_STATUS_BAD_DATA);
  g_assert_true (isnan (result));
  g_assert_cmpuint (used, ==, 0);
  g_assert_cmpint (vt_eval_median (none, 2, &result, NULL, &error), ==, VT_STATUS_BAD_DATA);
  g_assert_true (isnan (result));
  g_assert_cmpint (vt_eval_median (none, 0, &result, NULL, &error), ==, VT_STATUS_BAD_DATA);

  const double weights[] = { 1, 5, 3, 0 };
  g_assert_cmpint (vt_eval_weighted_mean (values, weights, 4, &result, &error), ==,
                   VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (result, (1.0 * 1 + 3.0 * 3) / 4.0, 1e-12);
  const double negative[] = { 1, -1, 1, 1 };
  g_assert_cmpint (vt_eval_weighted_mean (values, negative, 4, &result, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
}

/* ---- RMS in non-vocal sections --------------------------------------- */

static void
test_rms_nonvocal (void)
{
  /* 0.5 for the first 500 samples, 0.1 after; ten labels of 100 samples. */
  float signal[1000];
  for (int i = 0; i < 1000; i++)
    signal[i] = i < 500 ? (i % 2 ? 0.5f : -0.5f) : 0.1f;
  uint8_t labels[10] = { 1, 1, 1, 1, 1, 0, 0, 0, 0, 0 };
  VtNonVocalRms rms;
  VtError error = { 0 };
  g_assert_cmpint (vt_eval_rms_nonvocal (signal, 1000, 1, labels, 10, 100, 50, &rms, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (rms.rms, 0.1, 1e-7);
  g_assert_cmpfloat_with_epsilon (rms.rms_dbfs, -20.0, 1e-5);
  g_assert_cmpint (rms.n_samples, ==, 500);

  for (int i = 0; i < 10; i++)
    labels[i] = !labels[i];
  g_assert_cmpint (vt_eval_rms_nonvocal (signal, 1000, 1, labels, 10, 100, 50, &rms, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (rms.rms, 0.5, 1e-7);
  g_assert_cmpfloat_with_epsilon (rms.rms_dbfs, 20 * log10 (0.5), 1e-5);

  /* One label on each side of the change: sqrt ((0.25 + 0.01) / 2). */
  uint8_t straddle[10] = { 1, 1, 1, 1, 0, 0, 1, 1, 1, 1 };
  g_assert_cmpint (vt_eval_rms_nonvocal (signal, 1000, 1, straddle, 10, 100, 50, &rms, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (rms.rms, sqrt (0.13), 1e-7);

  /* Frame-centred labels (first centre 0): label 0 covers only [0, 50). */
  uint8_t first_only[10] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  g_assert_cmpint (vt_eval_rms_nonvocal (signal, 1000, 1, first_only, 10, 100, 0, &rms, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpint (rms.n_samples, ==, 50);
  g_assert_cmpfloat_with_epsilon (rms.rms, 0.5, 1e-7);

  /* Labels past the end of the signal count only what exists. */
  uint8_t long_labels[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 };
  g_assert_cmpint (vt_eval_rms_nonvocal (signal, 1000, 1, long_labels, 12, 100, 50, &rms,
                                         &error),
                   ==, VT_STATUS_BAD_DATA);
  g_assert_true (isnan (rms.rms));

  /* Stereo, interleaved: left 0.3, right 0.4 -> sqrt ((0.09 + 0.16) / 2). */
  float stereo[400];
  for (int i = 0; i < 200; i++)
    {
      stereo[2 * i] = 0.3f;
      stereo[2 * i + 1] = -0.4f;
    }
  uint8_t two[2] = { 0, 0 };
  g_assert_cmpint (vt_eval_rms_nonvocal (stereo, 200, 2, two, 2, 100, 50, &rms, &error), ==,
                   VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (rms.rms, sqrt (0.125), 1e-7);
  g_assert_cmpint (rms.n_samples, ==, 200);

  /* Digital silence is -inf dBFS; all-vocal has no figure. */
  float silence[100] = { 0 };
  uint8_t one_label[1] = { 0 };
  g_assert_cmpint (vt_eval_rms_nonvocal (silence, 100, 1, one_label, 1, 100, 50, &rms, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat (rms.rms, ==, 0.0);
  g_assert_true (isinf (rms.rms_dbfs) && rms.rms_dbfs < 0);
  one_label[0] = 1;
  g_assert_cmpint (vt_eval_rms_nonvocal (silence, 100, 1, one_label, 1, 100, 50, &rms, &error),
                   ==, VT_STATUS_BAD_DATA);
  g_assert_cmpint (vt_eval_rms_nonvocal (silence, 100, 1, one_label, 1, 0, 50, &rms, &error),
                   ==, VT_STATUS_BAD_ARGUMENT);
}

/* On a MIR-1K clip, the clean voice channel is far quieter where the labels
 * say "no voice" than where they say "voice". */
static void
test_rms_mir1k (void)
{
  g_autofree char *wav = vt_test_shared_path ("mir1k/Wavfile/Ani_1_01.flac");
  g_autofree char *label_path = vt_test_shared_path ("mir1k/vocal-nonvocalLabel/Ani_1_01.vocal");
  if (wav == NULL || label_path == NULL)
    return;
  VtAudio audio;
  vt_audio_init (&audio);
  VtError error = { 0 };
  g_assert_cmpint (vt_audio_load (wav, &audio, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (audio.channels, ==, 2);
  g_autofree float *voice = g_new (float, audio.frames);
  for (int64_t i = 0; i < audio.frames; i++)
    voice[i] = audio.samples[2 * i + 1];

  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (label_path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  int64_t n_labels = (audio.frames - 640) / 320 + 1;
  g_autofree uint8_t *vocal = g_new0 (uint8_t, n_labels);
  g_autofree uint8_t *nonvocal = g_new0 (uint8_t, n_labels);
  int64_t count = 0;
  for (int64_t i = 0; lines[i] != NULL && count < n_labels; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      vocal[count] = (uint8_t) (g_ascii_strtoll (lines[i], NULL, 10) != 0);
      nonvocal[count] = !vocal[count];
      count++;
    }
  g_assert_cmpint (count, ==, n_labels);

  VtNonVocalRms quiet, loud;
  g_assert_cmpint (vt_eval_rms_nonvocal (voice, audio.frames, 1, vocal, n_labels, 320, 320,
                                         &quiet, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpint (vt_eval_rms_nonvocal (voice, audio.frames, 1, nonvocal, n_labels, 320, 320,
                                         &loud, &error),
                   ==, VT_STATUS_OK);
  g_test_message ("voice channel: %.1f dBFS in non-vocal frames, %.1f dBFS in vocal frames",
                  quiet.rms_dbfs, loud.rms_dbfs);
  g_assert_cmpint (quiet.n_samples + loud.n_samples, ==, n_labels * 320);
  g_assert_cmpfloat (quiet.rms_dbfs, <, loud.rms_dbfs - 10.0);
  vt_audio_clear (&audio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/eval-stats/auroc-hand", test_auroc_hand);
  g_test_add_func ("/eval-stats/auroc-pairs", test_auroc_pairs);
  g_test_add_func ("/eval-stats/auroc-errors", test_auroc_errors);
  g_test_add_func ("/eval-stats/global-scores", test_global_scores);
  g_test_add_func ("/eval-stats/mean-median", test_mean_median);
  g_test_add_func ("/eval-stats/rms-nonvocal", test_rms_nonvocal);
  g_test_add_func ("/eval-stats/rms-mir1k", test_rms_mir1k);
  return g_test_run ();
}
