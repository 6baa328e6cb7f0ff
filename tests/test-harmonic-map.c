/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-harmonic-map: harmonics land on the right STFT bins. */
#include <math.h>

#include "vt-features.h"
#include "vt-harmonic-map.h"
#include "vt-stft.h"
#include "vt-test-util.h"

static int
count_peaks (const float *row, int bins, float floor_value)
{
  int peaks = 0;
  for (int k = 1; k < bins - 1; k++)
    if (row[k] > floor_value && row[k] > row[k - 1] && row[k] >= row[k + 1])
      peaks++;
  return peaks;
}

static void
test_render (void)
{
  const float f0[] = { 200.0f, 0.0f, 110.0f, 440.0f, 200.0f };
  const float confidence[] = { 1.0f, 1.0f, 1.0f, 1.0f, 0.5f };
  const int frames = G_N_ELEMENTS (f0);
  g_autofree float *map = g_new (float, frames * VT_FEATURES_BINS);
  VtError error = { 0 };
  g_assert_cmpint (vt_harmonic_map_render (f0, confidence, frames, NULL, map, &error), ==,
                   VT_STATUS_OK);
  for (int i = 0; i < frames * VT_FEATURES_BINS; i++)
    {
      g_assert_cmpfloat (map[i], >=, 0.0f);
      g_assert_cmpfloat (map[i], <=, 1.0f);
    }
  /* The unvoiced frame is empty. */
  for (int k = 0; k < VT_FEATURES_BINS; k++)
    g_assert_cmpfloat (map[VT_FEATURES_BINS + k], ==, 0.0f);
  for (int t = 0; t < frames; t++)
    {
      if (f0[t] <= 0)
        continue;
      const float *row = map + t * VT_FEATURES_BINS;
      /* Below 2 kHz (bin 128) every harmonic is a separate bump; higher up
       * the widening bumps of low voices may merge, by design. */
      int harmonics = (int) ceil (2000.0 / f0[t]) - 1;
      int peaks = count_peaks (row, 128, 1e-3f);
      g_test_message ("%.0f Hz: %d peaks, %d harmonics below 2 kHz", f0[t], peaks, harmonics);
      g_assert_cmpint (abs (peaks - harmonics), <=, 1);
      for (int h = 1; h <= 5; h++)
        {
          int k = (int) lround (h * f0[t] / (VT_FEATURES_RATE / (double) VT_FEATURES_N_FFT));
          float expected = confidence[t] * powf (0.9f, (float) (h - 1));
          g_assert_cmpfloat (row[k], >, 0.85f * expected);
          g_assert_cmpfloat (row[k], <=, expected + 1e-6f);
          /* Half-way between two harmonics there is (almost) nothing. */
          int between = (int) lround ((h + 0.5) * f0[t] / 15.625);
          if (f0[t] >= 200)
            g_assert_cmpfloat (row[between], <, 0.02f);
        }
    }
  /* Confidence scales the map. */
  for (int k = 0; k < VT_FEATURES_BINS; k++)
    g_assert_cmpfloat_with_epsilon (map[4 * VT_FEATURES_BINS + k], 0.5f * map[k], 1e-6);
  /* Without confidence every voiced frame is at full strength. */
  g_assert_cmpint (vt_harmonic_map_render (f0, NULL, frames, NULL, map, &error), ==, VT_STATUS_OK);
  for (int k = 0; k < VT_FEATURES_BINS; k++)
    g_assert_cmpfloat_with_epsilon (map[4 * VT_FEATURES_BINS + k], map[k], 1e-6);
}

/* The map's bumps coincide with the peaks of the STFT of a harmonic tone. */
static void
test_matches_stft (void)
{
  const double f0 = 233.0;
  const int64_t n = VT_FEATURES_RATE / 2;
  g_autofree float *x = g_new (float, n);
  for (int64_t i = 0; i < n; i++)
    {
      double v = 0;
      for (int h = 1; h * f0 < 8000; h++)
        v += sin (2 * G_PI * h * f0 * i / VT_FEATURES_RATE) / h;
      x[i] = (float) (0.2 * v);
    }
  VtStft *stft = vt_stft_new (VT_FEATURES_N_FFT, VT_FEATURES_HOP, NULL);
  int bins = vt_stft_get_bins (stft);
  g_autofree float *spectrum = g_new (float, bins * 2);
  g_autofree float *magnitude = g_new (float, bins);
  vt_stft_forward (stft, x, n, 10, 1, spectrum);
  vt_spectrum_magnitude (spectrum, bins, magnitude);
  vt_stft_free (stft);
  float f0_frame = (float) f0;
  float map[VT_FEATURES_BINS];
  g_assert_cmpint (vt_harmonic_map_render (&f0_frame, NULL, 1, NULL, map, NULL), ==, VT_STATUS_OK);
  for (int h = 1; h <= 10; h++)
    {
      int centre = (int) lround (h * f0 / 15.625);
      int map_peak = centre, stft_peak = centre;
      for (int k = centre - 3; k <= centre + 3; k++)
        {
          if (map[k] > map[map_peak])
            map_peak = k;
          if (magnitude[k] > magnitude[stft_peak])
            stft_peak = k;
        }
      g_assert_cmpint (map_peak, ==, stft_peak);
    }
}

static void
test_bad_arguments (void)
{
  VtHarmonicMapParams params;
  vt_harmonic_map_params_default (&params);
  params.bins = 2000;
  float f0 = 100.0f, map[4];
  VtError error = { 0 };
  g_assert_cmpint (vt_harmonic_map_render (&f0, NULL, 1, &params, map, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/harmonic-map/render", test_render);
  g_test_add_func ("/harmonic-map/matches-stft", test_matches_stft);
  g_test_add_func ("/harmonic-map/bad-arguments", test_bad_arguments);
  return g_test_run ();
}
