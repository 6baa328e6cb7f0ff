/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-song: the analysis signal and stems rendered through files. */
#include <math.h>

#include "vt-features.h"
#include "vt-song.h"
#include "vt-test-util.h"

static char *
write_song (const char *dir, const char *name, int rate, int channels, int64_t frames,
            VtFileFormat format)
{
  g_autofree float *x = g_new (float, frames * channels);
  for (int64_t i = 0; i < frames; i++)
    for (int c = 0; c < channels; c++)
      x[i * channels + c] = (float) (0.3 * sin (2 * G_PI * 1000 * i / rate) * (c + 1) / channels);
  char *path = g_build_filename (dir, name, NULL);
  VtError error = { 0 };
  g_assert_cmpint (vt_audio_save (path, x, frames, channels, rate, format, &error), ==,
                   VT_STATUS_OK);
  return path;
}

static void
test_analysis_signal (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  const int rates[] = { 8000, 16000, 44100, 96000 };
  for (size_t r = 0; r < G_N_ELEMENTS (rates); r++)
    {
      g_autofree char *path = write_song (dir, "a.wav", rates[r], 2, rates[r] * 5 / 2,
                                          VT_FILE_FORMAT_WAV_FLOAT);
      float *mono = NULL;
      int64_t n = 0;
      VtAudioInfo info;
      VtError error = { 0 };
      g_assert_cmpint (vt_song_load_analysis_signal (path, &mono, &n, &info, NULL, &error), ==,
                       VT_STATUS_OK);
      g_assert_cmpint (info.sample_rate, ==, rates[r]);
      g_assert_cmpint (llabs (n - 40000), <=, 1);
      /* mono = mean of channels: amplitude 0.3 * (1/2 + 2/2) / 2 = 0.225 */
      double e = 0;
      for (int64_t i = 8000; i < 32000; i++)
        e += mono[i] * mono[i];
      g_assert_cmpfloat (fabs (sqrt (e / 24000) - 0.225 / sqrt (2)), <, 0.002);
      free (mono);
    }
  vt_test_scratch_free (g_steal_pointer (&dir));
}

static void
test_render_stems (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  const int64_t frames = 44100 * 7 + 11; /* several blocks and a partial one */
  g_autofree char *song = write_song (dir, "song.wav", 44100, 2, frames, VT_FILE_FORMAT_WAV_FLOAT);
  int64_t mask_frames = 7 * 50 + 2;
  g_autofree float *values = g_new (float, mask_frames * 513);
  for (int64_t i = 0; i < mask_frames * 513; i++)
    values[i] = 0.25f;
  VtMaskGrid mask = { .values = values, .frames = mask_frames, .bins = 513,
                      .frame_rate = VT_FEATURES_FRAME_RATE, .bin_hz = 15.625,
                      .high_band = VT_HIGH_BAND_EDGE };
  g_autofree char *vocals_path = g_build_filename (dir, "vocals.wav", NULL);
  g_autofree char *acc_path = g_build_filename (dir, "accompaniment.wav", NULL);
  VtStemOutput output = { vocals_path, acc_path, VT_FILE_FORMAT_WAV_FLOAT };
  VtError error = { 0 };
  g_assert_cmpint (vt_song_render_stems (song, &mask, &output, NULL, &error), ==, VT_STATUS_OK);

  VtAudio mix, vocals, acc;
  vt_audio_init (&mix);
  vt_audio_init (&vocals);
  vt_audio_init (&acc);
  g_assert_cmpint (vt_audio_load (song, &mix, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (vocals_path, &vocals, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (acc_path, &acc, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vocals.frames, ==, frames);
  g_assert_cmpint (acc.frames, ==, frames);
  g_assert_cmpint (vocals.channels, ==, 2);
  g_assert_cmpint (vocals.sample_rate, ==, 44100);
  double worst_sum = 0, worst_gain = 0;
  for (int64_t i = 0; i < frames * 2; i++)
    {
      worst_sum = fmax (worst_sum, fabs (vocals.samples[i] + acc.samples[i] - mix.samples[i]));
      worst_gain = fmax (worst_gain, fabs (vocals.samples[i] - 0.25 * mix.samples[i]));
    }
  g_test_message ("stems sum error %.2g, constant-mask gain error %.2g", worst_sum, worst_gain);
  g_assert_cmpfloat (worst_sum, <, 1e-6);
  g_assert_cmpfloat (worst_gain, <, 1e-5);
  vt_audio_clear (&mix);
  vt_audio_clear (&vocals);
  vt_audio_clear (&acc);

  /* A song that cannot be read leaves no stems behind. */
  g_autofree char *bad = g_build_filename (dir, "bad.wav", NULL);
  g_file_set_contents (bad, "RIFF garbage", -1, NULL);
  g_autofree char *v2 = g_build_filename (dir, "v2.wav", NULL);
  VtStemOutput output2 = { v2, NULL, VT_FILE_FORMAT_WAV_16 };
  g_assert_cmpint (vt_song_render_stems (bad, &mask, &output2, NULL, &error), !=, VT_STATUS_OK);
  g_assert_false (g_file_test (v2, G_FILE_TEST_EXISTS));
  vt_test_scratch_free (g_steal_pointer (&dir));
}

static bool
cancel_at_once (double fraction, const char *stage, void *user_data)
{
  return false;
}

static void
test_cancel (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree char *song = write_song (dir, "song.flac", 48000, 1, 48000 * 8, VT_FILE_FORMAT_FLAC);
  float *mono = NULL;
  int64_t n = 0;
  VtProgress progress = { cancel_at_once, NULL };
  VtError error = { 0 };
  g_assert_cmpint (vt_song_load_analysis_signal (song, &mono, &n, NULL, &progress, &error), ==,
                   VT_STATUS_CANCELLED);
  g_assert_null (mono);
  vt_test_scratch_free (g_steal_pointer (&dir));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/song/analysis-signal", test_analysis_signal);
  g_test_add_func ("/song/render-stems", test_render_stems);
  g_test_add_func ("/song/cancel", test_cancel);
  return g_test_run ();
}
