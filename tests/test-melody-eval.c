/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-melody-eval: mir_eval.melody's peer vectors, its unit examples,
 * hand-made series and malformed files. */
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>

#include "vt-melody-eval.h"
#include "vt-test-util.h"

#define PEER_TOLERANCE 1e-6

/* ---- Peer vectors ---------------------------------------------------- */

static void
expect_json_scores (const char *json_path, const VtMelodyScores *scores, const char *label)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) gerror = NULL;
  json_parser_load_from_file (parser, json_path, &gerror);
  g_assert_no_error (gerror);
  JsonObject *expected = json_node_get_object (json_parser_get_root (parser));
  g_assert_nonnull (expected);

  struct
  {
    const char *key;
    double value;
  } measures[] = {
    { "Voicing Recall", scores->voicing_recall },
    { "Voicing False Alarm", scores->voicing_false_alarm },
    { "Raw Pitch Accuracy", scores->raw_pitch_accuracy },
    { "Raw Chroma Accuracy", scores->raw_chroma_accuracy },
    { "Overall Accuracy", scores->overall_accuracy },
  };
  g_assert_cmpuint (json_object_get_size (expected), ==, G_N_ELEMENTS (measures));
  for (size_t k = 0; k < G_N_ELEMENTS (measures); k++)
    {
      g_assert_true (json_object_has_member (expected, measures[k].key));
      double want = json_object_get_double_member (expected, measures[k].key);
      double error = fabs (measures[k].value - want);
      g_test_message ("%s %s: %.12f (expected %.12f, |error| %.1e)", label, measures[k].key,
                      measures[k].value, want, error);
      g_assert_cmpfloat (error, <=, PEER_TOLERANCE);
    }
}

static void
test_peer_vectors (void)
{
  g_autofree char *dir = vt_test_shared_path ("metrics/mir_eval-melody");
  if (dir == NULL)
    return;
  int sets = 0;
  for (int i = 0; i < 100; i++)
    {
      g_autofree char *ref_path = g_strdup_printf ("%s/ref%02d.txt", dir, i);
      g_autofree char *est_path = g_strdup_printf ("%s/est%02d.txt", dir, i);
      g_autofree char *json_path = g_strdup_printf ("%s/output%02d.json", dir, i);
      if (!g_file_test (json_path, G_FILE_TEST_EXISTS))
        continue;
      g_autofree char *label = g_strdup_printf ("set %02d", i);
      sets++;

      /* From the files, at default settings. */
      VtError error = { 0 };
      VtMelodyScores scores;
      VtStatus status = vt_melody_evaluate_files (ref_path, est_path, NULL, &scores, &error);
      if (status != VT_STATUS_OK)
        g_error ("%s: %s", label, error.message);
      expect_json_scores (json_path, &scores, label);

      /* mir_eval's equivalence check: explicit all-ones reward and a 0/1
       * estimate voicing must give the same figures. */
      VtMelodySeries ref, est;
      vt_melody_series_init (&ref);
      vt_melody_series_init (&est);
      g_assert_cmpint (vt_melody_series_load (ref_path, &ref, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (vt_melody_series_load (est_path, &est, &error), ==, VT_STATUS_OK);
      g_autofree double *reward = g_new (double, ref.n);
      g_autofree double *voicing = g_new (double, est.n);
      for (size_t k = 0; k < ref.n; k++)
        reward[k] = 1.0;
      for (size_t k = 0; k < est.n; k++)
        voicing[k] = est.frequencies[k] >= 0 ? 1.0 : 0.0;
      status = vt_melody_evaluate (ref.times, ref.frequencies, ref.n, est.times,
                                   est.frequencies, est.n, voicing, reward, NULL, &scores,
                                   &error);
      g_assert_cmpint (status, ==, VT_STATUS_OK);
      g_autofree char *label_voicing = g_strdup_printf ("%s (explicit voicing)", label);
      expect_json_scores (json_path, &scores, label_voicing);
      vt_melody_series_clear (&ref);
      vt_melody_series_clear (&est);
    }
  g_test_message ("%d peer sets checked", sets);
  g_assert_cmpint (sets, ==, 10);
}

/* mir_eval's test_to_cent_voicing: frames 220-224 of set 00. */
static void
test_peer_frames (void)
{
  g_autofree char *dir = vt_test_shared_path ("metrics/mir_eval-melody");
  if (dir == NULL)
    return;
  g_autofree char *ref_path = g_build_filename (dir, "ref00.txt", NULL);
  g_autofree char *est_path = g_build_filename (dir, "est00.txt", NULL);
  g_autofree char *reward_path = g_build_filename (dir, "reward00.txt", NULL);
  g_autofree char *voicing_path = g_build_filename (dir, "voicingest00.txt", NULL);
  VtError error = { 0 };
  VtMelodySeries ref, est, reward, voicing;
  vt_melody_series_init (&ref);
  vt_melody_series_init (&est);
  vt_melody_series_init (&reward);
  vt_melody_series_init (&voicing);
  g_assert_cmpint (vt_melody_series_load (ref_path, &ref, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_melody_series_load (est_path, &est, &error), ==, VT_STATUS_OK);
  /* A comment on the first line of est00.txt. */
  g_assert_cmpuint (est.n, ==, 2106);
  g_assert_cmpuint (ref.n, ==, 3632);

  const double ref_cent[] = { 0, 0, 0, 6056.8837818916609, 6028.5504583021921 };
  const double est_cent = 5351.3179423647571;

  VtMelodyFrames frames;
  vt_melody_frames_init (&frames);
  g_assert_cmpint (vt_melody_to_cent_voicing (ref.times, ref.frequencies, ref.n, est.times,
                                              est.frequencies, est.n, NULL, NULL, NULL, &frames,
                                              &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpuint (frames.n, ==, ref.n);
  for (int k = 0; k < 5; k++)
    {
      g_assert_cmpfloat (frames.ref_voicing[220 + k], ==, k >= 3 ? 1.0 : 0.0);
      g_assert_cmpfloat_with_epsilon (frames.ref_cent[220 + k], ref_cent[k], 1e-6);
      g_assert_cmpfloat (frames.est_voicing[220 + k], ==, 0.0);
      g_assert_cmpfloat_with_epsilon (frames.est_cent[220 + k], est_cent, 1e-6);
    }

  /* The same with a reference reward and an estimate voicing. */
  g_assert_cmpint (vt_melody_series_load (reward_path, &reward, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_melody_series_load (voicing_path, &voicing, &error), ==, VT_STATUS_OK);
  g_assert_cmpuint (reward.n, ==, ref.n);
  g_assert_cmpuint (voicing.n, ==, est.n);
  const double ref_reward[] = { 0, 0, 0, 1.0, 0.3 };
  g_assert_cmpint (vt_melody_to_cent_voicing (ref.times, ref.frequencies, ref.n, est.times,
                                              est.frequencies, est.n, voicing.frequencies,
                                              reward.frequencies, NULL, &frames, &error),
                   ==, VT_STATUS_OK);
  for (int k = 0; k < 5; k++)
    {
      g_assert_cmpfloat_with_epsilon (frames.ref_voicing[220 + k], ref_reward[k], 1e-9);
      g_assert_cmpfloat_with_epsilon (frames.ref_cent[220 + k], ref_cent[k], 1e-6);
      g_assert_cmpfloat_with_epsilon (frames.est_voicing[220 + k], 0.2, 1e-9);
      g_assert_cmpfloat_with_epsilon (frames.est_cent[220 + k], est_cent, 1e-6);
    }
  vt_melody_frames_clear (&frames);
  vt_melody_series_clear (&ref);
  vt_melody_series_clear (&est);
  vt_melody_series_clear (&reward);
  vt_melody_series_clear (&voicing);
}

/* ---- mir_eval's small unit examples -------------------------------- */

static void
test_hz_to_cents (void)
{
  const double hz[] = { 0.0, 10.0, 5.0, 320.0, 1420.31238974231, -320.0 };
  const double cents[] = { 0.0, 0.0, -1200.0, 6000.0, 8580.0773605, 6000.0 };
  for (size_t i = 0; i < G_N_ELEMENTS (hz); i++)
    g_assert_cmpfloat_with_epsilon (vt_melody_hz_to_cents (hz[i], 10.0), cents[i], 1e-6);
  g_assert_cmpfloat_with_epsilon (vt_melody_hz_to_cents (440.0, 440.0), 0.0, 1e-12);
}

static double
cents_to_hz (double cents)
{
  return cents == 0.0 ? 0.0 : 10.0 * pow (2.0, cents / 1200.0);
}

/* mir_eval's test_resample_melody_series (binary voicing), driven through
 * to_cent_voicing: the estimate's times are k / 35 s and the reference
 * gives the new times 0, 0.01, ..., 0.08. Zero transitions are filled from
 * the last pitch before interpolating and restored afterwards. */
static void
test_resample_zero_transitions (void)
{
  double est_times[4], est_hz[4];
  const double est_cents[] = { 2.0, 0.0, -1.0, 1.0 };
  for (int i = 0; i < 4; i++)
    {
      est_times[i] = i / 35.0;
      est_hz[i] = cents_to_hz (est_cents[i]);
    }
  double ref_times[9], ref_hz[9];
  for (int i = 0; i < 9; i++)
    {
      ref_times[i] = 0.08 * i / 8.0;
      ref_hz[i] = 220.0;
    }
  const double expected_cents[] = { 2.0, 2.0, 2.0, 0.0, 0.0, 0.0, -0.8, -0.1, 0.6 };
  const double expected_voicing[] = { 1, 1, 1, 0, 0, 0, 1, 1, 1 };
  VtMelodyFrames frames;
  vt_melody_frames_init (&frames);
  VtError error = { 0 };
  g_assert_cmpint (vt_melody_to_cent_voicing (ref_times, ref_hz, 9, est_times, est_hz, 4, NULL,
                                              NULL, NULL, &frames, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpuint (frames.n, ==, 9);
  for (int i = 0; i < 9; i++)
    {
      g_assert_cmpfloat_with_epsilon (frames.est_cent[i], expected_cents[i], 1e-6);
      g_assert_cmpfloat (frames.est_voicing[i], ==, expected_voicing[i]);
    }

  /* Non-binary voicing is interpolated linearly (mir_eval's second case). */
  const double voicing[] = { 0.8, 0.0, 0.2, 1.0 };
  const double expected_soft[] = { 0.8, 0.52, 0.24, 0.01, 0.08, 0.15, 0.28, 0.56, 0.84 };
  g_assert_cmpint (vt_melody_to_cent_voicing (ref_times, ref_hz, 9, est_times, est_hz, 4,
                                              voicing, NULL, NULL, &frames, &error),
                   ==, VT_STATUS_OK);
  for (int i = 0; i < 9; i++)
    {
      g_assert_cmpfloat_with_epsilon (frames.est_cent[i], expected_cents[i], 1e-6);
      /* mir_eval gives 0.28000000112 etc.: times are rounded to 1e-10 s. */
      g_assert_cmpfloat_with_epsilon (frames.est_voicing[i], expected_soft[i], 1e-6);
    }
  vt_melody_frames_clear (&frames);
}

/* Series that do not start at 0 get a sample at 0 repeating the first. */
static void
test_sample_added_at_zero (void)
{
  const double ref_times[] = { 1.0, 2.0 }, ref_hz[] = { 440.0, 442.0 };
  const double est_times[] = { 1.0, 2.0 }, est_hz[] = { 441.0, 443.0 };
  VtMelodyFrames frames;
  vt_melody_frames_init (&frames);
  VtError error = { 0 };
  g_assert_cmpint (vt_melody_to_cent_voicing (ref_times, ref_hz, 2, est_times, est_hz, 2, NULL,
                                              NULL, NULL, &frames, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpuint (frames.n, ==, 3);
  g_assert_cmpfloat (frames.ref_cent[0], ==, frames.ref_cent[1]);
  g_assert_cmpfloat (frames.est_cent[0], ==, frames.est_cent[1]);
  g_assert_cmpfloat (frames.ref_voicing[0], ==, frames.ref_voicing[1]);
  g_assert_cmpfloat (frames.est_voicing[0], ==, frames.est_voicing[1]);
  vt_melody_frames_clear (&frames);
}

/* mir_eval's test_continuous_voicing_metrics: generalised measures. */
static void
test_continuous_voicing (void)
{
  const double times[] = { 0.0, 0.1, 0.2, 0.3 };
  const double ref_hz[] = { 440.0, 0.0, 220.0, 220.0 };
  const double est_hz[] = { 440.1, 330.0, 440.0, 330.0 };
  const double third = 1.0 / 3.0;
  struct
  {
    double est_voicing[4];
    double ref_reward[4];
    double expected[5]; /* recall, false alarm, raw pitch, raw chroma, overall */
  } cases[] = {
    { { 1, 0, 1, 1 }, { 1, 1, 1, 1 }, { 1, 0, third, 2 * third, 0.5 } },
    { { 0, 1, 0, 0 }, { 1, 1, 1, 1 }, { 0, 1, third, 2 * third, 0 } },
    { { .5, .5, .5, .5 }, { 1, 1, 1, 1 }, { .5, .5, third, 2 * third, .25 } },
    { { .8, .2, .8, .8 }, { 1, 1, 1, 1 }, { .8, .2, third, 2 * third, .4 } },
    { { .2, .8, .2, .2 }, { 1, 1, 1, 1 }, { .2, .8, third, 2 * third, .1 } },
    { { 1, 0, 1, 1 }, { .5, .5, .5, .5 }, { 1, 0, third, 2 * third, .5 } },
    { { 1, 0, 1, 1 }, { .3, .3, .3, .3 }, { 1, 0, third, 2 * third, .5 } },
    { { 1, 0, 1, 1 }, { 0, 0, 0, 0 }, { 1, .75, 0, 0, .25 } },
    { { 1, 0, 1, 1 }, { 1, 0, 0, 0 }, { 1, 2 * third, 1, 1, .5 } },
    { { 1, 0, 1, 1 }, { 1, 0, 1, 0 }, { 1, .5, .5, 1, .5 } },
    { { 1, 0, 1, 1 }, { 1, 0, .5, .5 }, { 1, 0, .5, .75, .625 } },
    { { 1, 0, 1, 1 }, { .1, 0, .1, .8 }, { 1, 0, .1, .2, .325 } },
  };
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      VtMelodyScores scores;
      VtError error = { 0 };
      g_assert_cmpint (vt_melody_evaluate (times, ref_hz, 4, times, est_hz, 4,
                                           cases[c].est_voicing, cases[c].ref_reward, NULL,
                                           &scores, &error),
                       ==, VT_STATUS_OK);
      double got[] = { scores.voicing_recall, scores.voicing_false_alarm,
                       scores.raw_pitch_accuracy, scores.raw_chroma_accuracy,
                       scores.overall_accuracy };
      for (int k = 0; k < 5; k++)
        g_assert_cmpfloat_with_epsilon (got[k], cases[c].expected[k], 1e-9);
    }
}

/* ---- Hand-made series ---------------------------------------------- */

/* 100 frames at 10 ms: the reference sings 220 Hz for 50 frames, then rests.
 * The estimate is 40 cents sharp (right) for 25, an octave high for 15,
 * unvoiced with a right guess for 10, then sings 300 Hz for 10 frames of the
 * rest (false alarms) and is silent after. */
static void
build_hand_case (double *times, double *ref_hz, double *est_hz)
{
  for (int i = 0; i < 100; i++)
    {
      times[i] = 0.01 * i;
      ref_hz[i] = i < 50 ? 220.0 : 0.0;
      if (i < 25)
        est_hz[i] = 220.0 * pow (2.0, 40.0 / 1200.0);
      else if (i < 40)
        est_hz[i] = 440.0;
      else if (i < 50)
        est_hz[i] = -220.0;
      else if (i < 60)
        est_hz[i] = 300.0;
      else
        est_hz[i] = 0.0;
    }
}

static void
check_hand_scores (const VtMelodyScores *scores)
{
  g_assert_cmpfloat_with_epsilon (scores->voicing_recall, 40.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores->voicing_false_alarm, 10.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores->raw_pitch_accuracy, 35.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores->raw_chroma_accuracy, 50.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores->overall_accuracy, (25.0 + 40.0) / 100, 1e-12);
}

static void
test_hand_case (void)
{
  double times[100], ref_hz[100], est_hz[100];
  build_hand_case (times, ref_hz, est_hz);
  VtMelodyScores scores;
  VtError error = { 0 };
  g_assert_cmpint (vt_melody_evaluate (times, ref_hz, 100, times, est_hz, 100, NULL, NULL, NULL,
                                       &scores, &error),
                   ==, VT_STATUS_OK);
  check_hand_scores (&scores);

  /* On a 10 ms grid (hop 0.01) and with each interpolation kind the frames
   * coincide with the samples, so nothing changes. */
  VtMelodyOptions options;
  vt_melody_options_init (&options);
  options.hop = 0.01;
  for (int kind = VT_MELODY_INTERP_LINEAR; kind <= VT_MELODY_INTERP_ZERO; kind++)
    {
      options.interp = (VtMelodyInterp) kind;
      g_assert_cmpint (vt_melody_evaluate (times, ref_hz, 100, times, est_hz, 100, NULL, NULL,
                                           &options, &scores, &error),
                       ==, VT_STATUS_OK);
      check_hand_scores (&scores);
    }

  /* A tighter tolerance rejects the 40-cent frames. */
  options.hop = 0;
  options.interp = VT_MELODY_INTERP_LINEAR;
  options.cent_tolerance = 30;
  g_assert_cmpint (vt_melody_evaluate (times, ref_hz, 100, times, est_hz, 100, NULL, NULL,
                                       &options, &scores, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (scores.raw_pitch_accuracy, 10.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.overall_accuracy, 40.0 / 100, 1e-12);

  /* An estimate that stops at frame 30 (0.29 s): on the reference's times
   * mir_eval holds its last sample (440 Hz, voiced) up to the reference's
   * last frame, where it appends an unvoiced one. */
  g_assert_cmpint (vt_melody_evaluate (times, ref_hz, 100, times, est_hz, 30, NULL, NULL, NULL,
                                       &scores, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (scores.voicing_recall, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.voicing_false_alarm, 49.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.raw_pitch_accuracy, 25.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.raw_chroma_accuracy, 50.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.overall_accuracy, 26.0 / 100, 1e-12);

  /* On a hop grid each series gets its own span and the shorter estimate
   * is padded with unvoiced frames. Its grid has 29 frames, not 30:
   * floor (0.29 / 0.01) is 28 in binary floating point, as in mir_eval. */
  options.hop = 0.01;
  options.cent_tolerance = 50;
  g_assert_cmpint (vt_melody_evaluate (times, ref_hz, 100, times, est_hz, 30, NULL, NULL,
                                       &options, &scores, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (scores.voicing_recall, 29.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.voicing_false_alarm, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.raw_pitch_accuracy, 25.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.raw_chroma_accuracy, 29.0 / 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.overall_accuracy, 75.0 / 100, 1e-12);
}

/* The estimate at 5 ms against a reference at 10 ms: only the reference's
 * frames count; the estimate's in-between samples are interpolated away. */
static void
test_finer_estimate (void)
{
  double ref_times[50], ref_hz[50], est_times[100], est_hz[100];
  for (int i = 0; i < 50; i++)
    {
      ref_times[i] = 0.01 * i;
      ref_hz[i] = i < 25 ? 200.0 : 0.0;
    }
  for (int i = 0; i < 100; i++)
    {
      est_times[i] = 0.005 * i;
      /* Right on the reference's frames (even i), a semitone off between. */
      est_hz[i] = i < 50 ? (i % 2 == 0 ? 200.0 : 200.0 * pow (2.0, 100.0 / 1200.0)) : 0.0;
    }
  VtMelodyScores scores;
  VtError error = { 0 };
  g_assert_cmpint (vt_melody_evaluate (ref_times, ref_hz, 50, est_times, est_hz, 100, NULL,
                                       NULL, NULL, &scores, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat_with_epsilon (scores.voicing_recall, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.voicing_false_alarm, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.raw_pitch_accuracy, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (scores.overall_accuracy, 1.0, 1e-12);
}

/* Degenerate references follow mir_eval's conventions. */
static void
test_unvoiced_reference (void)
{
  const double times[] = { 0, 0.01, 0.02, 0.03 };
  const double ref_hz[] = { 0, 0, 0, 0 };
  const double est_hz[] = { 0, 100, 0, 0 };
  VtMelodyScores scores;
  VtError error = { 0 };
  g_assert_cmpint (vt_melody_evaluate (times, ref_hz, 4, times, est_hz, 4, NULL, NULL, NULL,
                                       &scores, &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpfloat (scores.voicing_recall, ==, 1.0);
  g_assert_cmpfloat (scores.voicing_false_alarm, ==, 0.25);
  g_assert_cmpfloat (scores.raw_pitch_accuracy, ==, 0.0);
  g_assert_cmpfloat (scores.raw_chroma_accuracy, ==, 0.0);
  g_assert_cmpfloat (scores.overall_accuracy, ==, 0.75);
}

static void
test_bad_arrays (void)
{
  const double times[] = { 0, 0.01, 0.02 };
  const double hz[] = { 100, 100, 100 };
  const double backwards[] = { 0, 0.02, 0.01 };
  const double negative[] = { -0.01, 0.0, 0.01 };
  const double nan_hz[] = { 100, NAN, 100 };
  const double bad_voicing[] = { 0.5, 1.5, 0 };
  VtMelodyScores scores;
  VtError error = { 0 };
  g_assert_cmpint (vt_melody_evaluate (times, hz, 0, times, hz, 3, NULL, NULL, NULL, &scores,
                                       &error),
                   ==, VT_STATUS_BAD_ARGUMENT);
  g_assert_nonnull (strstr (error.message, "reference"));
  g_assert_cmpint (vt_melody_evaluate (times, hz, 3, backwards, hz, 3, NULL, NULL, NULL,
                                       &scores, &error),
                   ==, VT_STATUS_BAD_DATA);
  g_assert_nonnull (strstr (error.message, "estimated"));
  g_assert_cmpint (vt_melody_evaluate (negative, hz, 3, times, hz, 3, NULL, NULL, NULL, &scores,
                                       &error),
                   ==, VT_STATUS_BAD_DATA);
  g_assert_cmpint (vt_melody_evaluate (times, nan_hz, 3, times, hz, 3, NULL, NULL, NULL,
                                       &scores, &error),
                   ==, VT_STATUS_BAD_DATA);
  g_assert_cmpint (vt_melody_evaluate (times, hz, 3, times, hz, 3, bad_voicing, NULL, NULL,
                                       &scores, &error),
                   ==, VT_STATUS_BAD_DATA);
  g_assert_nonnull (strstr (error.message, "[0, 1]"));
  VtMelodyOptions options;
  vt_melody_options_init (&options);
  options.hop = -0.01;
  g_assert_cmpint (vt_melody_evaluate (times, hz, 3, times, hz, 3, NULL, NULL, &options,
                                       &scores, &error),
                   ==, VT_STATUS_BAD_ARGUMENT);
}

/* ---- Files ----------------------------------------------------------- */

static void
test_parse_formats (void)
{
  VtMelodySeries series;
  vt_melody_series_init (&series);
  VtError error = { 0 };

  /* Whitespace, tabs, commas, CRLF and lone CR, comments, blank lines. */
  const char *text = "# produced by hand\n"
                     "0.00\t0\r\n"
                     "0.01 , 220.5\r"
                     "  0.02,-110  \n"
                     "\n"
                     "3e-2   1e2\n";
  g_assert_cmpint (vt_melody_series_parse (text, "mixed", &series, &error), ==, VT_STATUS_OK);
  g_assert_cmpuint (series.n, ==, 4);
  const double times[] = { 0, 0.01, 0.02, 0.03 }, hz[] = { 0, 220.5, -110, 100 };
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpfloat (series.times[i], ==, times[i]);
      g_assert_cmpfloat (series.frequencies[i], ==, hz[i]);
    }

  /* A header line, as spreadsheets write. */
  g_assert_cmpint (vt_melody_series_parse ("time,frequency\n0,0\n0.01,100\n", "csv", &series,
                                           &error),
                   ==, VT_STATUS_OK);
  g_assert_cmpuint (series.n, ==, 2);
  vt_melody_series_clear (&series);
}

static void
expect_parse_error (const char *text, VtStatus status, const char *fragment)
{
  VtMelodySeries series;
  vt_melody_series_init (&series);
  VtError error = { 0 };
  g_assert_cmpint (vt_melody_series_parse (text, "f0.txt", &series, &error), ==, status);
  g_test_message ("\"%s\" -> %s", text, error.message);
  g_assert_cmpint (error.status, ==, status);
  g_assert_nonnull (strstr (error.message, fragment));
  g_assert_cmpuint (series.n, ==, 0);
  g_assert_null (series.times);
}

static void
test_parse_malformed (void)
{
  expect_parse_error ("0 100\n0.01\n", VT_STATUS_BAD_FORMAT, "f0.txt:2: expected two columns");
  expect_parse_error ("0 100 3\n", VT_STATUS_BAD_FORMAT, "found more");
  expect_parse_error ("0,100,3\n", VT_STATUS_BAD_FORMAT, "found more");
  expect_parse_error ("0 100\n0.01 abc\n", VT_STATUS_BAD_FORMAT, "f0.txt:2: the frequency");
  expect_parse_error ("0 100\nx 100\n", VT_STATUS_BAD_FORMAT, "f0.txt:2: the time");
  expect_parse_error ("0 100\ntime freq\n", VT_STATUS_BAD_FORMAT, "f0.txt:2:");
  expect_parse_error ("0 nan\n", VT_STATUS_BAD_FORMAT, "not a finite number");
  expect_parse_error ("0 1e999\n", VT_STATUS_BAD_FORMAT, "not a finite number");
  expect_parse_error ("0.1,\n", VT_STATUS_BAD_FORMAT, "expected two columns");
  expect_parse_error ("0 100\n0.02 100\n0.01 100\n", VT_STATUS_BAD_DATA, "f0.txt:3: the time");
  expect_parse_error ("-0.5 100\n", VT_STATUS_BAD_DATA, "negative");
  expect_parse_error ("", VT_STATUS_BAD_DATA, "no (time, frequency) lines");
  expect_parse_error ("# only a comment\n\n", VT_STATUS_BAD_DATA, "no (time, frequency)");
  /* '#' only starts a comment at the start of a line, as in mir_eval. */
  expect_parse_error (" # indented\n", VT_STATUS_BAD_FORMAT, "f0.txt:1:");
}

static void
test_load_files (void)
{
  char *dir = vt_test_scratch_new ();
  VtMelodySeries series;
  vt_melody_series_init (&series);
  VtError error = { 0 };

  g_autofree char *missing = g_build_filename (dir, "missing.txt", NULL);
  g_assert_cmpint (vt_melody_series_load (missing, &series, &error), ==, VT_STATUS_NOT_FOUND);
  g_assert_nonnull (strstr (error.message, "missing.txt"));

  g_autofree char *binary = g_build_filename (dir, "binary.txt", NULL);
  g_assert_true (g_file_set_contents (binary, "0 1\n\0\x01\x02", 7, NULL));
  g_assert_cmpint (vt_melody_series_load (binary, &series, &error), ==, VT_STATUS_BAD_FORMAT);
  g_assert_nonnull (strstr (error.message, "not a text file"));

  g_autofree char *bad = g_build_filename (dir, "bad.csv", NULL);
  g_assert_true (g_file_set_contents (bad, "0,100\n0.01;100\n", -1, NULL));
  g_assert_cmpint (vt_melody_series_load (bad, &series, &error), ==, VT_STATUS_BAD_FORMAT);
  g_assert_nonnull (strstr (error.message, "bad.csv:2:"));

  /* Large enough to need several reads. */
  GString *text = g_string_new (NULL);
  for (int i = 0; i < 20000; i++)
    g_string_append_printf (text, "%.3f %.3f\n", i * 0.01, 100.0 + i % 7);
  g_autofree char *big = g_build_filename (dir, "big.txt", NULL);
  g_assert_true (g_file_set_contents (big, text->str, (gssize) text->len, NULL));
  g_string_free (text, TRUE);
  g_assert_cmpint (vt_melody_series_load (big, &series, &error), ==, VT_STATUS_OK);
  g_assert_cmpuint (series.n, ==, 20000);
  g_assert_cmpfloat_with_epsilon (series.times[19999], 199.99, 1e-9);
  g_assert_cmpfloat (series.frequencies[19999], ==, 100.0 + 19999 % 7);

  vt_melody_series_clear (&series);
  vt_test_scratch_free (dir);
}

/* Numbers keep their '.' when the program runs in a decimal-comma locale. */
static void
test_parse_locale (void)
{
  const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8" };
  g_autofree char *saved = g_strdup (setlocale (LC_NUMERIC, NULL));
  const char *found = NULL;
  for (size_t i = 0; i < G_N_ELEMENTS (names) && found == NULL; i++)
    if (setlocale (LC_NUMERIC, names[i]) != NULL)
      found = names[i];
  if (found == NULL)
    {
      g_test_skip ("no decimal-comma locale installed");
      return;
    }
  VtMelodySeries series;
  vt_melody_series_init (&series);
  VtError error = { 0 };
  VtStatus status = vt_melody_series_parse ("0.5 220.25\n", "f0.txt", &series, &error);
  setlocale (LC_NUMERIC, saved);
  g_assert_cmpint (status, ==, VT_STATUS_OK);
  g_assert_cmpfloat (series.times[0], ==, 0.5);
  g_assert_cmpfloat (series.frequencies[0], ==, 220.25);
  vt_melody_series_clear (&series);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/melody-eval/peer-vectors", test_peer_vectors);
  g_test_add_func ("/melody-eval/peer-frames", test_peer_frames);
  g_test_add_func ("/melody-eval/hz-to-cents", test_hz_to_cents);
  g_test_add_func ("/melody-eval/resample-zero-transitions", test_resample_zero_transitions);
  g_test_add_func ("/melody-eval/sample-added-at-zero", test_sample_added_at_zero);
  g_test_add_func ("/melody-eval/continuous-voicing", test_continuous_voicing);
  g_test_add_func ("/melody-eval/hand-case", test_hand_case);
  g_test_add_func ("/melody-eval/finer-estimate", test_finer_estimate);
  g_test_add_func ("/melody-eval/unvoiced-reference", test_unvoiced_reference);
  g_test_add_func ("/melody-eval/bad-arrays", test_bad_arrays);
  g_test_add_func ("/melody-eval/parse-formats", test_parse_formats);
  g_test_add_func ("/melody-eval/parse-malformed", test_parse_malformed);
  g_test_add_func ("/melody-eval/load-files", test_load_files);
  g_test_add_func ("/melody-eval/parse-locale", test_parse_locale);
  return g_test_run ();
}
