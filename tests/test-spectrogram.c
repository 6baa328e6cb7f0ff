/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtSpectrogram, the spectrogram view's picture data: levels in dB below
 * the loudest bin, bad input refused, and the cost of a ten-minute song.
 */
#include <math.h>

#include "vt-spectrogram-view.h"

static void
test_levels (void)
{
  /* 3 frames x 4 bins: 1.0 is the loudest; 0.01 is 40 dB below it, 1e-4
   * 80 dB (the bottom of the range), 1e-6 below the range. */
  const float magnitude[12] = { 1.0f, 0.01f, 1e-4f, 1e-6f, 0.0f, NAN, -1.0f, 0.1f,
                                0.5f, 0.5f, 0.5f, 0.5f };
  g_autoptr (VtSpectrogram) spectrogram = vt_spectrogram_new (magnitude, 3, 4, 50.0, 15.625);
  g_assert_nonnull (spectrogram);
  g_assert_cmpint (vt_spectrogram_get_frames (spectrogram), ==, 3);
  g_assert_cmpint (vt_spectrogram_get_bins (spectrogram), ==, 4);
  g_assert_cmpfloat_with_epsilon (vt_spectrogram_get_duration (spectrogram), 0.06, 1e-12);
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 0, 0), ==, 255);
  g_assert_cmpint (abs (vt_spectrogram_get_level (spectrogram, 0, 1) - 127), <=, 1);
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 0, 2), <=, 1);
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 0, 3), ==, 0);
  /* Silence, NaN and negative values are black, not garbage. */
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 1, 0), ==, 0);
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 1, 1), ==, 0);
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 1, 2), ==, 0);
  /* -20 dB is three quarters up the 80 dB range. */
  g_assert_cmpint (abs (vt_spectrogram_get_level (spectrogram, 1, 3) - 191), <=, 1);
  /* Out of range reads are black. */
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 3, 0), ==, 0);
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, -1, 0), ==, 0);
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 0, 4), ==, 0);
}

static void
test_bad_input (void)
{
  const float magnitude[4] = { 1, 1, 1, 1 };
  g_assert_null (vt_spectrogram_new (NULL, 2, 2, 50, 10));
  g_assert_null (vt_spectrogram_new (magnitude, 0, 2, 50, 10));
  g_assert_null (vt_spectrogram_new (magnitude, 2, 1, 50, 10));
  g_assert_null (vt_spectrogram_new (magnitude, 2, 2, 0, 10));
  g_assert_null (vt_spectrogram_new (magnitude, 2, 2, 50, NAN));
  /* All silent: no division by zero, all black. */
  const float silence[4] = { 0 };
  g_autoptr (VtSpectrogram) spectrogram = vt_spectrogram_new (silence, 2, 2, 50, 10);
  g_assert_nonnull (spectrogram);
  g_assert_cmpint (vt_spectrogram_get_level (spectrogram, 1, 1), ==, 0);
}

static void
test_ten_minutes (void)
{
  /* 10 minutes at 50 frames per second, 512 bins: built on the window's
   * worker thread once per song. */
  const gint64 frames = 30000;
  const int bins = 512;
  g_autofree float *magnitude = g_new (float, frames * bins);
  for (gint64 i = 0; i < frames * bins; i++)
    magnitude[i] = (float) ((i * 2654435761u) % 1000) / 1000.0f;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (VtSpectrogram) spectrogram = vt_spectrogram_new (magnitude, frames, bins, 50.0,
                                                              15.625);
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  g_assert_nonnull (spectrogram);
  g_test_message ("spectrogram_levels_10min_s: %.3f", seconds);
  g_assert_cmpfloat_with_epsilon (vt_spectrogram_get_duration (spectrogram), 600.0, 1e-9);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spectrogram/levels", test_levels);
  g_test_add_func ("/spectrogram/bad-input", test_bad_input);
  g_test_add_func ("/spectrogram/ten-minutes", test_ten_minutes);
  return g_test_run ();
}
