/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * VtWaveformPeaks: the per-column min/max that the waveform view draws must
 * equal a brute-force scan of the samples at every zoom, including columns
 * narrower than a frame, columns that straddle blocks and columns past the
 * song's ends. Needs no display.
 */
#include <math.h>

#include "vt-waveform-view.h"

/* A reproducible signal with a spike somewhere in most blocks, so that a
 * column taking the wrong blocks shows a wrong extreme. */
static GBytes *
make_samples (gint64 frames, int channels)
{
  float *samples = g_new (float, frames * channels);
  guint32 state = 12345;
  for (gint64 i = 0; i < frames * channels; i++)
    {
      state = state * 1664525u + 1013904223u;
      samples[i] = ((float) (state >> 8) / (float) (1u << 24)) * 1.6f - 0.8f;
      if (state % 997 == 0)
        samples[i] *= 1.25f;
    }
  return g_bytes_new_take (samples, (gsize) (frames * channels) * sizeof (float));
}

/* The same column boundaries as the view promises, scanned sample by sample. */
static void
brute_force (const float *samples, gint64 frames, int channels, double first_frame,
             double frames_per_column, int n_columns, float *mins, float *maxs)
{
  for (int i = 0; i < n_columns; i++)
    {
      double start = first_frame + i * frames_per_column;
      double first = floor (start), end = floor (start + frames_per_column);
      if (end <= first)
        end = first + 1;
      first = CLAMP (first, 0.0, (double) frames);
      end = CLAMP (end, 0.0, (double) frames);
      mins[i] = INFINITY;
      maxs[i] = -INFINITY;
      for (gint64 f = (gint64) first; f < (gint64) end; f++)
        for (int c = 0; c < channels; c++)
          {
            mins[i] = MIN (mins[i], samples[f * channels + c]);
            maxs[i] = MAX (maxs[i], samples[f * channels + c]);
          }
    }
}

static void
test_rejects_bad_buffers (void)
{
  g_autoptr (GBytes) odd = g_bytes_new_take (g_new0 (float, 5), 5 * sizeof (float));
  g_assert_null (vt_waveform_peaks_new (odd, 2, 44100));
  g_assert_null (vt_waveform_peaks_new (odd, 0, 44100));
  g_assert_null (vt_waveform_peaks_new (odd, 1, 0));
  g_autoptr (VtWaveformPeaks) mono = vt_waveform_peaks_new (odd, 1, 8000);
  g_assert_nonnull (mono);
  g_assert_cmpint (vt_waveform_peaks_get_frames (mono), ==, 5);
  g_assert_cmpfloat_with_epsilon (vt_waveform_peaks_get_duration (mono), 5.0 / 8000, 1e-12);

  g_autoptr (GBytes) nothing = g_bytes_new (NULL, 0);
  g_autoptr (VtWaveformPeaks) empty = vt_waveform_peaks_new (nothing, 2, 44100);
  g_assert_nonnull (empty);
  float lo, hi;
  vt_waveform_peaks_compute_columns (empty, 0, 10, 1, &lo, &hi);
  g_assert_cmpfloat (lo, >, hi);
}

static void
test_matches_brute_force (void)
{
  const gint64 frames = 100003; /* not a multiple of the block size */
  const int channels = 2;
  g_autoptr (GBytes) bytes = make_samples (frames, channels);
  const float *samples = g_bytes_get_data (bytes, NULL);
  g_autoptr (VtWaveformPeaks) peaks = vt_waveform_peaks_new (bytes, channels, 44100);
  g_assert_nonnull (peaks);
  g_assert_cmpint (vt_waveform_peaks_get_channels (peaks), ==, channels);

  /* first frame, frames per column, columns: whole song, block-aligned,
   * ragged, sub-frame zoom, and ranges hanging over either end. */
  static const double views[][3] = {
    { 0, 100003.0 / 900, 900 }, { 0, 256, 391 },     { 17.5, 255.5, 300 },
    { 1000, 1000.3, 99 },       { 5000, 0.25, 400 }, { 99990, 3, 20 },
    { -500, 300, 50 },          { 0, 100003, 1 },    { 12345.7, 513.9, 150 },
  };
  for (gsize v = 0; v < G_N_ELEMENTS (views); v++)
    {
      int n = (int) views[v][2];
      g_autofree float *mins = g_new (float, n);
      g_autofree float *maxs = g_new (float, n);
      g_autofree float *want_mins = g_new (float, n);
      g_autofree float *want_maxs = g_new (float, n);
      vt_waveform_peaks_compute_columns (peaks, views[v][0], views[v][1], n, mins, maxs);
      brute_force (samples, frames, channels, views[v][0], views[v][1], n, want_mins, want_maxs);
      for (int i = 0; i < n; i++)
        {
          if (want_mins[i] > want_maxs[i])
            {
              g_assert_cmpfloat (mins[i], >, maxs[i]);
              continue;
            }
          g_assert_cmpfloat (mins[i], ==, want_mins[i]);
          g_assert_cmpfloat (maxs[i], ==, want_maxs[i]);
        }
    }
}

static void
test_columns_past_the_end_are_empty (void)
{
  g_autoptr (GBytes) bytes = make_samples (1000, 1);
  g_autoptr (VtWaveformPeaks) peaks = vt_waveform_peaks_new (bytes, 1, 8000);
  float mins[4], maxs[4];
  /* Columns of 400 frames from 0: the third is partial, the fourth empty. */
  vt_waveform_peaks_compute_columns (peaks, 0, 400, 4, mins, maxs);
  g_assert_cmpfloat (mins[2], <=, maxs[2]);
  g_assert_cmpfloat (mins[3], >, maxs[3]);
  /* Before the start as well. */
  vt_waveform_peaks_compute_columns (peaks, -800, 400, 2, mins, maxs);
  g_assert_cmpfloat (mins[0], >, maxs[0]);
  g_assert_cmpfloat (mins[1], >, maxs[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/waveform-peaks/rejects-bad-buffers", test_rejects_bad_buffers);
  g_test_add_func ("/waveform-peaks/matches-brute-force", test_matches_brute_force);
  g_test_add_func ("/waveform-peaks/columns-past-the-end", test_columns_past_the_end_are_empty);
  return g_test_run ();
}
