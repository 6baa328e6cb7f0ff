/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-f0: the pitch grid, training targets and Viterbi decoding. */
#include <math.h>

#include "vt-f0.h"
#include "vt-test-util.h"

static void
test_grid (void)
{
  g_assert_cmpint (VT_F0_BINS, ==, 266);
  g_assert_cmpint (VT_F0_CLASSES, ==, 267);
  g_assert_cmpfloat_with_epsilon (vt_f0_min_hz (), 65.406, 1e-3);
  g_assert_cmpfloat_with_epsilon (vt_f0_max_hz (), 1396.913, 1e-3);
  g_assert_cmpfloat_with_epsilon (vt_f0_hz_to_bin (440.0), (69 - 36) * 5.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (vt_f0_cents (440.0, 880.0), 1200.0, 1e-9);
  for (double hz = 50; hz < 2000; hz *= 1.013)
    {
      double bin = vt_f0_hz_to_bin (hz);
      g_assert_cmpfloat (fabs (vt_f0_bin_to_hz (bin) / hz - 1), <, 1e-12);
    }
  for (double bin = -3; bin < VT_F0_BINS + 3; bin += 0.37)
    g_assert_cmpfloat_with_epsilon (vt_f0_hz_to_bin (vt_f0_bin_to_hz (bin)), bin, 1e-9);
  /* Neighbouring bins are 20 cents apart. */
  g_assert_cmpfloat_with_epsilon (vt_f0_cents (vt_f0_bin_to_hz (10), vt_f0_bin_to_hz (11)), 20.0,
                                  1e-9);
}

static void
test_target (void)
{
  float target[VT_F0_CLASSES];
  vt_f0_target (0.0, 1.25, target);
  g_assert_cmpfloat (target[VT_F0_UNVOICED], ==, 1.0f);
  for (int b = 0; b < VT_F0_BINS; b++)
    g_assert_cmpfloat (target[b], ==, 0.0f);

  const double hz[] = { 82.4, 220.0, 261.63, 443.1, 987.0 };
  for (size_t i = 0; i < G_N_ELEMENTS (hz); i++)
    for (int linear = 0; linear < 2; linear++)
      {
        vt_f0_target (hz[i], linear ? 0.0 : 1.25, target);
        double sum = 0, moment = 0;
        int peak = 0;
        for (int b = 0; b < VT_F0_BINS; b++)
          {
            sum += target[b];
            moment += target[b] * (double) b;
            if (target[b] > target[peak])
              peak = b;
          }
        g_assert_cmpfloat (target[VT_F0_UNVOICED], ==, 0.0f);
        g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
        double bin = vt_f0_hz_to_bin (hz[i]);
        g_assert_cmpint (peak, ==, (int) lround (bin));
        /* The distribution's mean is the pitch: this is what decoding uses. */
        g_assert_cmpfloat_with_epsilon (moment, bin, 1e-3);
      }
  /* Out of range: clamped onto the edge bin. */
  vt_f0_target (30.0, 1.25, target);
  g_assert_cmpfloat (target[0], >, 0.3f);
  vt_f0_target (5000.0, 0.0, target);
  g_assert_cmpfloat (target[VT_F0_BINS - 1], ==, 1.0f);
}

/* A sung phrase: notes with glides and vibrato, and unvoiced gaps. */
static double
true_pitch (int t)
{
  if (t < 20 || (t >= 150 && t < 175) || t >= 380)
    return 0;
  double note = t < 90 ? 57 : t < 150 ? 64 : t < 260 ? 62 : 69;
  return vt_f0_midi_to_hz (note + 0.5 * sin (2 * G_PI * 5.5 * t * 0.02));
}

static void
test_decode_noisy (void)
{
  const int frames = 400;
  g_autofree float *posterior = g_new0 (float, frames * VT_F0_CLASSES);
  GRand *rand = g_rand_new_with_seed (4);
  float target[VT_F0_CLASSES];
  for (int t = 0; t < frames; t++)
    {
      float *row = posterior + t * VT_F0_CLASSES;
      double hz = true_pitch (t);
      vt_f0_target (hz, 1.25, target);
      double voiced_weight = hz > 0 ? g_rand_double_range (rand, 0.45, 0.95)
                                    : g_rand_double_range (rand, 0.05, 0.5);
      for (int b = 0; b < VT_F0_BINS; b++)
        row[b] = (float) (voiced_weight * (hz > 0 ? target[b] : 0.0)
                          + 0.02 * g_rand_double (rand) / VT_F0_BINS);
      row[VT_F0_UNVOICED] = (float) (1 - voiced_weight);
      /* One frame in five gets a strong wrong peak (an octave error or a
       * random pitch) that per-frame argmax would follow. */
      if (hz > 0 && g_rand_int_range (rand, 0, 5) == 0)
        {
          double wrong = g_rand_boolean (rand) ? hz * 2 : vt_f0_bin_to_hz (g_rand_int_range (rand, 0, VT_F0_BINS));
          vt_f0_target (wrong, 1.25, target);
          for (int b = 0; b < VT_F0_BINS; b++)
            row[b] = row[b] * 0.3f + (float) voiced_weight * 0.7f * target[b];
        }
    }
  g_rand_free (rand);

  g_autofree float *hz = g_new (float, frames);
  g_autofree float *confidence = g_new (float, frames);
  g_autofree float *bin = g_new (float, frames);
  VtError error = { 0 };
  g_assert_cmpint (vt_f0_decode (posterior, frames, NULL, hz, confidence, bin, &error), ==,
                   VT_STATUS_OK);
  int voiced = 0, within_10_cents = 0, voicing_right = 0, argmax_within_10 = 0;
  for (int t = 0; t < frames; t++)
    {
      double ref = true_pitch (t);
      voicing_right += (ref > 0) == (hz[t] > 0);
      g_assert_cmpfloat (confidence[t], >=, 0.0f);
      g_assert_cmpfloat (confidence[t], <=, 1.0f + 1e-6);
      g_assert_true ((hz[t] > 0) == (bin[t] >= 0));
      if (ref <= 0)
        continue;
      voiced++;
      if (hz[t] > 0 && fabs (vt_f0_cents (ref, hz[t])) < 10)
        within_10_cents++;
      const float *row = posterior + t * VT_F0_CLASSES;
      int best = 0;
      for (int b = 1; b < VT_F0_BINS; b++)
        if (row[b] > row[best])
          best = b;
      if (fabs (vt_f0_cents (ref, vt_f0_bin_to_hz (best))) < 10)
        argmax_within_10++;
    }
  g_test_message ("decoded: %d/%d voiced frames within 10 cents (argmax %d), voicing %d/%d right",
                  within_10_cents, voiced, argmax_within_10, voicing_right, frames);
  g_assert_cmpfloat (within_10_cents, >, 0.95 * voiced);
  g_assert_cmpfloat (within_10_cents, >, argmax_within_10);
  g_assert_cmpfloat (voicing_right, >, 0.97 * frames);
}

/* A long clean glide is followed exactly within the band limit. */
static void
test_decode_glide (void)
{
  const int frames = 300;
  g_autofree float *posterior = g_new0 (float, frames * VT_F0_CLASSES);
  g_autofree float *hz = g_new (float, frames);
  for (int t = 0; t < frames; t++)
    vt_f0_target (100.0 * pow (2.0, t / 100.0), 1.25, posterior + t * VT_F0_CLASSES);
  g_assert_cmpint (vt_f0_decode (posterior, frames, NULL, hz, NULL, NULL, NULL), ==, VT_STATUS_OK);
  for (int t = 0; t < frames; t++)
    g_assert_cmpfloat (fabs (vt_f0_cents (100.0 * pow (2.0, t / 100.0), hz[t])), <, 2.0);
}

static void
test_decode_bad_input (void)
{
  float posterior[2 * VT_F0_CLASSES] = { 0 };
  float hz[2];
  VtError error = { 0 };
  posterior[VT_F0_CLASSES + 3] = -1.0f;
  g_assert_cmpint (vt_f0_decode (posterior, 2, NULL, hz, NULL, NULL, &error), ==,
                   VT_STATUS_BAD_DATA);
  g_assert_nonnull (strstr (error.message, "frame 1"));
  posterior[VT_F0_CLASSES + 3] = NAN;
  g_assert_cmpint (vt_f0_decode (posterior, 2, NULL, hz, NULL, NULL, &error), ==,
                   VT_STATUS_BAD_DATA);
  VtF0DecodeParams params;
  vt_f0_decode_params_default (&params);
  params.max_jump = -1;
  posterior[VT_F0_CLASSES + 3] = 0.0f;
  g_assert_cmpint (vt_f0_decode (posterior, 2, &params, hz, NULL, NULL, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
  /* All-zero rows are allowed (nothing known): they decode without error. */
  g_assert_cmpint (vt_f0_decode (posterior, 2, NULL, hz, NULL, NULL, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_f0_decode (posterior, 0, NULL, hz, NULL, NULL, &error), ==, VT_STATUS_OK);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/f0/grid", test_grid);
  g_test_add_func ("/f0/target", test_target);
  g_test_add_func ("/f0/decode-noisy", test_decode_noisy);
  g_test_add_func ("/f0/decode-glide", test_decode_glide);
  g_test_add_func ("/f0/decode-bad-input", test_decode_bad_input);
  return g_test_run ();
}
