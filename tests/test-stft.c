/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-stft: perfect reconstruction and the frame-centred convention. */
#include <math.h>

#include "vt-stft.h"
#include "vt-test-util.h"

static void
round_trip (int n_fft, int hop, int64_t n)
{
  VtError error = { 0 };
  VtStft *stft = vt_stft_new (n_fft, hop, &error);
  g_assert_nonnull (stft);
  GRand *rand = g_rand_new_with_seed (n_fft + hop);
  g_autofree float *x = g_new (float, n);
  for (int64_t i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, -1, 1);
  g_rand_free (rand);

  int64_t frames = vt_stft_frame_count (stft, n);
  int bins = vt_stft_get_bins (stft);
  g_autofree float *spectrum = g_new (float, frames * bins * 2);
  vt_stft_forward (stft, x, n, 0, frames, spectrum);
  g_autofree float *y = g_new (float, n);
  g_assert_cmpint (vt_stft_inverse (stft, spectrum, frames, y, n), ==, VT_STATUS_OK);
  double err = 0, ref = 0;
  for (int64_t i = 0; i < n; i++)
    {
      err += (double) (y[i] - x[i]) * (y[i] - x[i]);
      ref += (double) x[i] * x[i];
    }
  double relative = sqrt (err / ref);
  g_test_message ("%d/%d, %ld samples: relative error %.3g", n_fft, hop, (long) n, relative);
  g_assert_cmpfloat (relative, <, 1e-5);
  vt_stft_free (stft);
}

static void
test_round_trip (void)
{
  round_trip (1024, 256, 44100 + 17);
  round_trip (4096, 1024, 3 * 44100 + 5);
  round_trip (1024, 512, 10000);
  round_trip (512, 160, 7777);
  round_trip (2048, 441, 20000);
}

/* Frame t is centred on sample t * hop: an impulse there gives a flat
 * magnitude of 1 (the window's centre value) in that frame. */
static void
test_convention (void)
{
  VtStft *stft = vt_stft_new (1024, 256, NULL);
  const int64_t n = 8192;
  g_autofree float *x = g_new0 (float, n);
  x[10 * 256] = 1.0f;
  int bins = vt_stft_get_bins (stft);
  g_assert_cmpint (vt_stft_frame_count (stft, n), ==, n / 256 + 1);
  g_autofree float *spectrum = g_new (float, bins * 2);
  g_autofree float *magnitude = g_new (float, bins);
  vt_stft_forward (stft, x, n, 10, 1, spectrum);
  vt_spectrum_magnitude (spectrum, bins, magnitude);
  for (int k = 0; k < bins; k++)
    g_assert_cmpfloat_with_epsilon (magnitude[k], 1.0, 1e-5);
  /* The phase is zero at the centre: the impulse sits at the frame's middle
   * sample, so bin k has phase pi * k. */
  g_assert_cmpfloat_with_epsilon (spectrum[2 * 1], -1.0, 1e-5);
  vt_stft_free (stft);
}

static void
test_bad_arguments (void)
{
  VtError error = { 0 };
  g_assert_null (vt_stft_new (1024, 0, &error));
  g_assert_cmpint (error.status, ==, VT_STATUS_BAD_ARGUMENT);
  g_assert_null (vt_stft_new (1023, 256, &error));
  g_assert_null (vt_stft_new (1024, 600, &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stft/round-trip", test_round_trip);
  g_test_add_func ("/stft/convention", test_convention);
  g_test_add_func ("/stft/bad-arguments", test_bad_arguments);
  return g_test_run ();
}
