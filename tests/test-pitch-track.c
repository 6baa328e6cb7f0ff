/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-pitch-track: YIN / pYIN on synthetic tones and on MIR-1K's voice
 * channels against their pitch labels. */
#include <math.h>
#include <stdio.h>

#include "vt-audio.h"
#include "vt-features.h"
#include "vt-pitch-track.h"
#include "vt-test-util.h"

/* Above 500 Hz the period is under 32 samples and the parabola through the
 * difference function's samples leaves a bias of a few cents (6 at 1200 Hz),
 * still far inside a 20-cent bin. */

/* A voice-like tone: 8 harmonics with 1/h amplitudes, pitch given per sample. */
static float *
harmonic_tone (int64_t n, double (*pitch) (double t, double base), double base)
{
  float *x = g_new (float, n);
  double phase = 0;
  for (int64_t i = 0; i < n; i++)
    {
      double hz = pitch (i / (double) VT_FEATURES_RATE, base);
      phase += 2 * G_PI * hz / VT_FEATURES_RATE;
      double v = 0;
      for (int h = 1; h <= 8; h++)
        if (h * hz < VT_FEATURES_RATE / 2)
          v += sin (h * phase) / h;
      x[i] = (float) (0.3 * v);
    }
  return x;
}

static double
steady (double t, double base)
{
  return base;
}

static double
vibrato (double t, double base)
{
  return base * pow (2.0, 0.6 / 12 * sin (2 * G_PI * 5.5 * t));
}

static void
check_tone (VtPitchTrackMode mode, double (*pitch) (double, double), double base,
            double max_mean_cents)
{
  VtPitchTrackParams params;
  vt_pitch_track_params_default (&params);
  params.mode = mode;
  VtError error = { 0 };
  VtPitchTracker *tracker = vt_pitch_tracker_new (VT_FEATURES_RATE, VT_FEATURES_HOP, &params,
                                                  &error);
  g_assert_nonnull (tracker);
  const int64_t n = 2 * VT_FEATURES_RATE;
  g_autofree float *x = harmonic_tone (n, pitch, base);
  int64_t frames = vt_pitch_tracker_frame_count (tracker, n);
  g_assert_cmpint (frames, ==, vt_features_frame_count (n));
  g_autofree float *hz = g_new (float, frames);
  g_autofree float *confidence = g_new (float, frames);
  g_assert_cmpint (vt_pitch_tracker_run (tracker, x, n, hz, confidence, &error), ==,
                   VT_STATUS_OK);
  double sum = 0, worst = 0;
  int counted = 0;
  /* Frames whose analysis lies inside the tone. */
  for (int64_t t = 3; t < frames - 3; t++)
    {
      g_assert_cmpfloat (hz[t], >, 0.0f);
      double ref = pitch (vt_features_frame_time (t), base);
      double cents = fabs (1200 * log2 (hz[t] / ref));
      sum += cents;
      worst = MAX (worst, cents);
      counted++;
      g_assert_cmpfloat (confidence[t], >, 0.5f);
    }
  g_test_message ("%s %s %.0f Hz: mean %.2f cents, worst %.2f", mode ? "yin" : "pyin",
                  pitch == steady ? "steady" : "vibrato", base, sum / counted, worst);
  g_assert_cmpfloat (sum / counted, <, max_mean_cents);
  g_assert_cmpfloat (worst, <, 50.0);
  vt_pitch_tracker_free (tracker);
}

static void
test_steady_tones (void)
{
  const double bases[] = { 75, 110, 196, 330, 523, 880, 1200 };
  for (size_t i = 0; i < G_N_ELEMENTS (bases); i++)
    {
      check_tone (VT_PITCH_TRACK_PYIN, steady, bases[i], bases[i] < 500 ? 1.0 : 8.0);
      check_tone (VT_PITCH_TRACK_YIN, steady, bases[i], bases[i] < 500 ? 1.0 : 8.0);
    }
}

static void
test_vibrato (void)
{
  const double bases[] = { 98, 220, 440, 784 };
  for (size_t i = 0; i < G_N_ELEMENTS (bases); i++)
    {
      check_tone (VT_PITCH_TRACK_PYIN, vibrato, bases[i], 8.0);
      check_tone (VT_PITCH_TRACK_YIN, vibrato, bases[i], 8.0);
    }
}

/* Silence and white noise are unvoiced. */
static void
test_unvoiced (void)
{
  VtPitchTracker *tracker = vt_pitch_tracker_new (VT_FEATURES_RATE, VT_FEATURES_HOP, NULL, NULL);
  const int64_t n = VT_FEATURES_RATE;
  g_autofree float *x = g_new0 (float, n);
  int64_t frames = vt_pitch_tracker_frame_count (tracker, n);
  g_autofree float *hz = g_new (float, frames);
  g_assert_cmpint (vt_pitch_tracker_run (tracker, x, n, hz, NULL, NULL), ==, VT_STATUS_OK);
  for (int64_t t = 0; t < frames; t++)
    g_assert_cmpfloat (hz[t], ==, 0.0f);
  GRand *rand = g_rand_new_with_seed (7);
  for (int64_t i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, -0.3, 0.3);
  g_rand_free (rand);
  g_assert_cmpint (vt_pitch_tracker_run (tracker, x, n, hz, NULL, NULL), ==, VT_STATUS_OK);
  int voiced = 0;
  for (int64_t t = 0; t < frames; t++)
    voiced += hz[t] > 0;
  g_test_message ("white noise: %d of %ld frames voiced", voiced, (long) frames);
  g_assert_cmpint (voiced, <, frames / 10);
  vt_pitch_tracker_free (tracker);

  VtError error = { 0 };
  VtPitchTrackParams params;
  vt_pitch_track_params_default (&params);
  params.max_hz = params.min_hz;
  g_assert_null (vt_pitch_tracker_new (VT_FEATURES_RATE, VT_FEATURES_HOP, &params, &error));
  g_assert_cmpint (error.status, ==, VT_STATUS_BAD_ARGUMENT);
}

/* Reads a MIR-1K .pv file (semitones, 0 = unvoiced). */
static float *
read_pitch_labels (const char *path, int64_t *count)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GArray *values = g_array_new (FALSE, FALSE, sizeof (float));
  for (int i = 0; lines[i]; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      float v = (float) g_ascii_strtod (lines[i], NULL);
      g_array_append_val (values, v);
    }
  *count = values->len;
  return (float *) g_array_free (values, FALSE);
}

/* One clip per singer, spread over the songs. */
static const char *mir1k_clips[] = {
  "Ani_1_01", "abjones_2_05", "amy_9_03", "annar_3_04", "ariel_1_02",
  "bobon_4_03", "bug_2_02", "davidson_3_07", "fdps_5_01", "jmzen_4_04",
};

static void
test_mir1k_voice (void)
{
  g_autofree char *root = vt_test_shared_path ("mir1k");
  if (root == NULL)
    return;
  VtPitchTracker *tracker = vt_pitch_tracker_new (VT_FEATURES_RATE, VT_FEATURES_HOP, NULL, NULL);
  VtPitchTrackParams yin_params;
  vt_pitch_track_params_default (&yin_params);
  yin_params.mode = VT_PITCH_TRACK_YIN;
  VtPitchTracker *yin = vt_pitch_tracker_new (VT_FEATURES_RATE, VT_FEATURES_HOP, &yin_params,
                                              NULL);
  int64_t voiced_total = 0, correct = 0, correct_yin = 0, recalled = 0, unvoiced_total = 0,
          false_alarms = 0;
  int clips = 0;
  for (size_t c = 0; c < G_N_ELEMENTS (mir1k_clips); c++)
    {
      g_autofree char *name = g_strconcat (mir1k_clips[c], ".flac", NULL);
      g_autofree char *audio_path = g_build_filename (root, "Wavfile", name, NULL);
      g_autofree char *pv_name = g_strconcat (mir1k_clips[c], ".pv", NULL);
      g_autofree char *pv_path = g_build_filename (root, "PitchLabel", pv_name, NULL);
      if (!g_file_test (audio_path, G_FILE_TEST_EXISTS))
        continue;
      VtAudio audio;
      vt_audio_init (&audio);
      VtError error = { 0 };
      g_assert_cmpint (vt_audio_load (audio_path, &audio, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (audio.channels, ==, 2);
      g_assert_cmpint (audio.sample_rate, ==, VT_FEATURES_RATE);
      g_autofree float *voice = g_new (float, audio.frames);
      for (int64_t i = 0; i < audio.frames; i++)
        voice[i] = audio.samples[2 * i + 1];
      int64_t label_count;
      g_autofree float *labels = read_pitch_labels (pv_path, &label_count);
      g_assert_cmpint (label_count, ==, (audio.frames - 640) / 320 + 1);
      int64_t frames = vt_pitch_tracker_frame_count (tracker, audio.frames);
      g_autofree float *hz = g_new (float, frames);
      g_autofree float *hz_yin = g_new (float, frames);
      g_assert_cmpint (vt_pitch_tracker_run (tracker, voice, audio.frames, hz, NULL, &error), ==,
                       VT_STATUS_OK);
      g_assert_cmpint (vt_pitch_tracker_run (yin, voice, audio.frames, hz_yin, NULL, &error), ==,
                       VT_STATUS_OK);
      int64_t clip_voiced = 0, clip_correct = 0;
      for (int64_t i = 0; i < label_count; i++)
        {
          int64_t t = i + VT_FEATURES_MIR1K_FRAME_OFFSET;
          g_assert_cmpint (t, <, frames);
          if (labels[i] <= 0)
            {
              unvoiced_total++;
              false_alarms += hz[t] > 0;
              continue;
            }
          double ref = 440.0 * pow (2.0, (labels[i] - 69.0) / 12.0);
          clip_voiced++;
          recalled += hz[t] > 0;
          /* Raw pitch accuracy counts the pitch even where voicing is missed
           * only if a pitch was given; our unvoiced frames carry none. */
          if (hz[t] > 0 && fabs (1200 * log2 (hz[t] / ref)) <= 50)
            clip_correct++;
          if (hz_yin[t] > 0 && fabs (1200 * log2 (hz_yin[t] / ref)) <= 50)
            correct_yin++;
        }
      g_test_message ("%s: RPA %.1f %% of %ld voiced frames", mir1k_clips[c],
                      100.0 * clip_correct / MAX (clip_voiced, 1), (long) clip_voiced);
      voiced_total += clip_voiced;
      correct += clip_correct;
      clips++;
      vt_audio_clear (&audio);
    }
  vt_pitch_tracker_free (tracker);
  vt_pitch_tracker_free (yin);
  if (clips == 0)
    {
      g_test_skip ("none of the MIR-1K test clips is present");
      return;
    }
  double rpa = 100.0 * correct / voiced_total;
  g_test_message ("MIR-1K voice channels, %d clips, %ld voiced frames: pYIN RPA %.2f %%, "
                  "YIN RPA %.2f %%, voicing recall %.2f %%, false alarm %.2f %%",
                  clips, (long) voiced_total, rpa, 100.0 * correct_yin / voiced_total,
                  100.0 * recalled / voiced_total, 100.0 * false_alarms / MAX (unvoiced_total, 1));
  g_assert_cmpfloat (rpa, >, 90.0);
  g_assert_cmpfloat (100.0 * recalled / voiced_total, >, 85.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pitch-track/steady-tones", test_steady_tones);
  g_test_add_func ("/pitch-track/vibrato", test_vibrato);
  g_test_add_func ("/pitch-track/unvoiced", test_unvoiced);
  g_test_add_func ("/pitch-track/mir1k-voice", test_mir1k_voice);
  return g_test_run ();
}
