/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-audio and vt-resample: formats, rates, channels, and every kind of
 * bad input the foundation issue names. */
#include <math.h>
#include <sndfile.h>
#include <string.h>

#include "vt-audio.h"
#include "vt-resample.h"
#include "vt-test-util.h"

static float *
make_tone (int64_t frames, int channels, int rate, double hz)
{
  float *x = g_new (float, frames * channels);
  for (int64_t i = 0; i < frames; i++)
    for (int c = 0; c < channels; c++)
      x[i * channels + c] = (float) (0.5 * sin (2 * G_PI * hz * (c + 1) * i / rate));
  return x;
}

static void
write_raw_sndfile (const char *path, int format, int rate, int channels, const float *x,
                   int64_t frames)
{
  SF_INFO info = { .samplerate = rate, .channels = channels, .format = format };
  SNDFILE *f = sf_open (path, SFM_WRITE, &info);
  g_assert_nonnull (f);
  g_assert_cmpint (sf_writef_float (f, x, frames), ==, frames);
  sf_close (f);
}

typedef struct
{
  VtFileFormat format;
  int rate;
  int channels;
  double tolerance; /* max abs error; < 0: only check shape */
} RoundTrip;

static void
test_round_trip (void)
{
  const RoundTrip cases[] = {
    { VT_FILE_FORMAT_WAV_16, 8000, 1, 1.0 / 32768 },
    { VT_FILE_FORMAT_WAV_24, 44100, 2, 1.0 / 8388608 * 1.01 },
    { VT_FILE_FORMAT_WAV_FLOAT, 192000, 8, 0 },
    { VT_FILE_FORMAT_FLAC, 96000, 6, 1.0 / 8388608 * 1.01 },
    { VT_FILE_FORMAT_FLAC, 11025, 1, 1.0 / 8388608 * 1.01 },
    { VT_FILE_FORMAT_OGG, 44100, 2, -1 },
    { VT_FILE_FORMAT_MP3, 44100, 2, -1 },
    { VT_FILE_FORMAT_MP3, 16000, 1, -1 },
  };
  g_autofree char *dir = vt_test_scratch_new ();
  for (size_t k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const RoundTrip *c = &cases[k];
      int64_t frames = c->rate / 2;
      g_autofree float *x = make_tone (frames, c->channels, c->rate, 440);
      g_autofree char *path = g_strdup_printf ("%s/rt%zu.%s", dir, k,
                                               vt_file_format_extension (c->format));
      VtError error = { 0 };
      g_assert_cmpint (vt_audio_save (path, x, frames, c->channels, c->rate, c->format, &error),
                       ==, VT_STATUS_OK);
      VtAudio audio;
      vt_audio_init (&audio);
      VtStatus status = vt_audio_load (path, &audio, &error);
      if (status != VT_STATUS_OK)
        g_error ("%s", error.message);
      g_assert_cmpint (audio.sample_rate, ==, c->rate);
      g_assert_cmpint (audio.channels, ==, c->channels);
      if (c->tolerance >= 0)
        {
          g_assert_cmpint (audio.frames, ==, frames);
          double worst = 0;
          for (int64_t i = 0; i < frames * c->channels; i++)
            worst = fmax (worst, fabs (audio.samples[i] - x[i]));
          g_assert_cmpfloat (worst, <=, c->tolerance);
        }
      else
        {
          /* Lossy codecs add encoder delay and padding; the tone must survive. */
          g_assert_cmpint (llabs (audio.frames - frames), <, c->rate / 10);
          double energy = 0;
          for (int64_t i = 0; i < audio.frames * c->channels; i++)
            energy += audio.samples[i] * audio.samples[i];
          double rms = sqrt (energy / (audio.frames * c->channels));
          g_assert_cmpfloat (rms, >, 0.25);
          g_assert_cmpfloat (rms, <, 0.45);
        }
      vt_audio_clear (&audio);

      VtAudioInfo info;
      g_assert_cmpint (vt_audio_info (path, &info, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (info.sample_rate, ==, c->rate);
      g_assert_cmpint (info.channels, ==, c->channels);
    }
  vt_test_scratch_free (g_steal_pointer (&dir));
}

static void
assert_load_fails (const char *path, VtStatus expected, const char *needle)
{
  VtAudio audio;
  vt_audio_init (&audio);
  VtError error = { 0 };
  VtStatus status = vt_audio_load (path, &audio, &error);
  g_test_message ("%s -> %s", path, error.message);
  g_assert_cmpint (status, ==, expected);
  g_assert_cmpint (error.status, ==, expected);
  g_assert_nonnull (strstr (error.message, needle));
  g_assert_null (audio.samples);
}

static void
test_bad_input (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.wav", NULL);
  assert_load_fails (missing, VT_STATUS_NOT_FOUND, "no such file");
  assert_load_fails (dir, VT_STATUS_BAD_ARGUMENT, "folder");

  g_autofree char *empty = g_build_filename (dir, "empty.wav", NULL);
  g_file_set_contents (empty, "", 0, NULL);
  assert_load_fails (empty, VT_STATUS_BAD_FORMAT, "empty");

  g_autofree char *text = g_build_filename (dir, "notes.mp3", NULL);
  g_file_set_contents (text, "these are my lyrics, not audio\n", -1, NULL);
  assert_load_fails (text, VT_STATUS_BAD_FORMAT, "not an audio file");

  /* A WAV header with no frames. */
  g_autofree char *zero = g_build_filename (dir, "zero.wav", NULL);
  write_raw_sndfile (zero, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, NULL, 0);
  assert_load_fails (zero, VT_STATUS_BAD_DATA, "no audio");

  /* A rate below 8 kHz. */
  g_autofree float *tone = make_tone (4000, 2, 4000, 100);
  g_autofree char *slow = g_build_filename (dir, "slow.wav", NULL);
  write_raw_sndfile (slow, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 4000, 1, tone, 4000);
  assert_load_fails (slow, VT_STATUS_UNSUPPORTED, "8-192 kHz");

  /* More than 8 channels. */
  g_autofree float *many = make_tone (1000, 10, 44100, 100);
  g_autofree char *wide = g_build_filename (dir, "wide.wav", NULL);
  write_raw_sndfile (wide, SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, 44100, 10, many, 1000);
  assert_load_fails (wide, VT_STATUS_UNSUPPORTED, "10 channels");

  /* NaN and infinity in a float WAV. */
  g_autofree float *bad = make_tone (44100, 1, 44100, 440);
  bad[22050] = NAN;
  bad[30000] = INFINITY;
  g_autofree char *nan_path = g_build_filename (dir, "nan.wav", NULL);
  write_raw_sndfile (nan_path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 1, bad, 44100);
  assert_load_fails (nan_path, VT_STATUS_BAD_DATA, "0.500 s");

  /* Truncated files: cut a FLAC and a WAV to a third of their length. */
  const struct { const char *name; VtFileFormat format; } cut[] = {
    { "cut.flac", VT_FILE_FORMAT_FLAC }, { "cut.wav", VT_FILE_FORMAT_WAV_16 } };
  for (size_t k = 0; k < G_N_ELEMENTS (cut); k++)
    {
      g_autofree char *path = g_build_filename (dir, cut[k].name, NULL);
      g_autofree float *song = make_tone (44100 * 3, 2, 44100, 220);
      g_assert_cmpint (vt_audio_save (path, song, 44100 * 3, 2, 44100, cut[k].format, NULL), ==,
                       VT_STATUS_OK);
      g_autofree char *contents = NULL;
      gsize length = 0;
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (path, contents, (gssize) (length / 3), NULL));
      VtAudio audio;
      vt_audio_init (&audio);
      VtError error = { 0 };
      VtStatus status = vt_audio_load (path, &audio, &error);
      g_test_message ("%s -> %s", cut[k].name, error.message);
      g_assert_cmpint (status, !=, VT_STATUS_OK);
      g_assert_null (audio.samples);
    }
  vt_test_scratch_free (g_steal_pointer (&dir));
}

static void
test_bad_output (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree float *x = make_tone (48000, 2, 48000, 440);
  VtError error = { 0 };

  g_assert_cmpint (vt_audio_save ("/nonexistent-folder/out.wav", x, 48000, 2, 48000,
                                  VT_FILE_FORMAT_WAV_16, &error), ==, VT_STATUS_IO);
  g_assert_nonnull (strstr (error.message, "cannot write here"));

  g_assert_cmpint (vt_audio_save (dir, x, 48000, 2, 48000, VT_FILE_FORMAT_WAV_16, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);

  /* A failed export keeps the file that was there and leaves no temporary. */
  g_autofree char *kept = g_build_filename (dir, "kept.mp3", NULL);
  g_file_set_contents (kept, "precious", -1, NULL);
  g_autofree float *wide = make_tone (1000, 6, 96000, 440);
  g_assert_cmpint (vt_audio_save (kept, wide, 1000, 6, 96000, VT_FILE_FORMAT_MP3, &error), ==,
                   VT_STATUS_UNSUPPORTED);
  g_test_message ("%s", error.message);
  g_assert_nonnull (strstr (error.message, "MP3"));
  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (kept, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "precious");

  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  int entries = 0;
  while (g_dir_read_name (listing))
    entries++;
  g_assert_cmpint (entries, ==, 1);
  vt_test_scratch_free (g_steal_pointer (&dir));
}

static void
test_format_names (void)
{
  g_assert_cmpint (vt_file_format_from_name ("FLAC"), ==, VT_FILE_FORMAT_FLAC);
  g_assert_cmpint (vt_file_format_from_name ("wav24"), ==, VT_FILE_FORMAT_WAV_24);
  g_assert_cmpint (vt_file_format_from_name ("aac"), ==, VT_FILE_FORMAT_INVALID);
  g_assert_cmpint (vt_file_format_from_path ("/a/b.c/song.Ogg"), ==, VT_FILE_FORMAT_OGG);
  g_assert_cmpint (vt_file_format_from_path ("/a/b.c/song"), ==, VT_FILE_FORMAT_INVALID);
}

static void
test_downmix (void)
{
  const float stereo[] = { 1, 0, 0.5f, -0.5f, -1, -1 };
  float mono[3];
  vt_audio_downmix (stereo, 3, 2, mono);
  g_assert_cmpfloat_with_epsilon (mono[0], 0.5, 1e-7);
  g_assert_cmpfloat_with_epsilon (mono[1], 0.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (mono[2], -1.0, 1e-7);
}

/* A 1 kHz tone resampled from 44.1 kHz to 16 kHz keeps its frequency and
 * level, and its length scales with the rates. */
static void
test_resample (void)
{
  const int64_t n = 44100;
  g_autofree float *x = make_tone (n, 1, 44100, 1000);
  float *y = NULL;
  int64_t m = 0;
  VtError error = { 0 };
  g_assert_cmpint (vt_resample (x, n, 1, 44100, 16000, &y, &m, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (m, ==, 16000);
  double worst = 0;
  for (int64_t i = 1000; i < m - 1000; i++)
    worst = fmax (worst, fabs (y[i] - 0.5 * sin (2 * G_PI * 1000 * i / 16000.0)));
  g_assert_cmpfloat (worst, <, 2e-3);
  free (y);

  /* Content above the new Nyquist frequency is removed, not aliased. */
  g_autofree float *high = make_tone (n, 1, 44100, 12000);
  g_assert_cmpint (vt_resample (high, n, 1, 44100, 16000, &y, &m, &error), ==, VT_STATUS_OK);
  double energy = 0;
  for (int64_t i = 1000; i < m - 1000; i++)
    energy += y[i] * y[i];
  g_assert_cmpfloat (sqrt (energy / (m - 2000)), <, 1e-3);
  free (y);
}

static void
test_shared_song (void)
{
  g_autofree char *path = vt_test_shared_path ("songs/karissa-hobbs-lets-go-fishin.ogg");
  if (path == NULL)
    return;
  VtAudio audio;
  vt_audio_init (&audio);
  VtError error = { 0 };
  g_assert_cmpint (vt_audio_load (path, &audio, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (audio.sample_rate, ==, 44100);
  g_assert_cmpint (audio.channels, ==, 2);
  g_assert_cmpfloat (fabs (audio.frames / 44100.0 - 133), <, 2);
  vt_audio_clear (&audio);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audio/round-trip", test_round_trip);
  g_test_add_func ("/audio/bad-input", test_bad_input);
  g_test_add_func ("/audio/bad-output", test_bad_output);
  g_test_add_func ("/audio/format-names", test_format_names);
  g_test_add_func ("/audio/downmix", test_downmix);
  g_test_add_func ("/audio/resample", test_resample);
  g_test_add_func ("/audio/shared-song", test_shared_song);
  return g_test_run ();
}
