/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-check-stems: measurements on audio files for the editor's GUI tests
 * (tests/test-editor-gui.sh), read with core's own loader.
 *
 *   vt-check-stems sum MIX VOCALS ACCOMPANIMENT
 *     prints "frames N rate R channels C max_err E snr_db S" for
 *     vocals + accompaniment against the mix (same rate, channels, length);
 *   vt-check-stems rms FILE START_S END_S
 *     prints "rms X" over that span of all channels;
 *   vt-check-stems repeat FILE START_S PERIOD_S
 *     prints "corr X": the correlation of [START, START + PERIOD) with the
 *     PERIOD after it (channels summed), near 1 when a loop repeats.
 *
 * Exit status 0 when the files could be read and compared, 1 otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-audio.h"

static int
load (const char *path, VtAudio *audio)
{
  VtError error = { 0 };
  vt_audio_init (audio);
  if (vt_audio_load (path, audio, &error) != VT_STATUS_OK)
    {
      fprintf (stderr, "%s: %s\n", path, error.message);
      return 0;
    }
  return 1;
}

static int
check_sum (const char *mix_path, const char *vocals_path, const char *accompaniment_path)
{
  VtAudio mix, vocals, accompaniment;
  int ok = load (mix_path, &mix) && load (vocals_path, &vocals)
           && load (accompaniment_path, &accompaniment);
  if (ok && (vocals.sample_rate != mix.sample_rate || vocals.channels != mix.channels
             || accompaniment.sample_rate != mix.sample_rate
             || accompaniment.channels != mix.channels || vocals.frames != mix.frames
             || accompaniment.frames != mix.frames))
    {
      fprintf (stderr, "shapes differ: mix %lld x %d @ %d, vocals %lld x %d @ %d, "
               "accompaniment %lld x %d @ %d\n", (long long) mix.frames, mix.channels,
               mix.sample_rate, (long long) vocals.frames, vocals.channels, vocals.sample_rate,
               (long long) accompaniment.frames, accompaniment.channels,
               accompaniment.sample_rate);
      ok = 0;
    }
  if (ok)
    {
      double max_err = 0, signal = 0, noise = 0;
      int64_t n = mix.frames * mix.channels;
      for (int64_t i = 0; i < n; i++)
        {
          double err = (double) vocals.samples[i] + accompaniment.samples[i] - mix.samples[i];
          max_err = fmax (max_err, fabs (err));
          signal += (double) mix.samples[i] * mix.samples[i];
          noise += err * err;
        }
      printf ("frames %lld rate %d channels %d max_err %.3g snr_db %.1f\n",
              (long long) mix.frames, mix.sample_rate, mix.channels, max_err,
              10 * log10 ((signal + 1e-30) / (noise + 1e-30)));
    }
  vt_audio_clear (&mix);
  vt_audio_clear (&vocals);
  vt_audio_clear (&accompaniment);
  return ok;
}

static int
check_rms (const char *path, double start, double end)
{
  VtAudio audio;
  if (!load (path, &audio))
    return 0;
  int64_t first = (int64_t) fmax (0, start * audio.sample_rate);
  int64_t last = (int64_t) fmin ((double) audio.frames, end * audio.sample_rate);
  double sum = 0;
  int64_t count = 0;
  for (int64_t f = first; f < last; f++)
    for (int c = 0; c < audio.channels; c++, count++)
      sum += (double) audio.samples[f * audio.channels + c] * audio.samples[f * audio.channels + c];
  printf ("rms %.6f\n", count ? sqrt (sum / count) : 0.0);
  vt_audio_clear (&audio);
  return count > 0;
}

static int
check_repeat (const char *path, double start, double period)
{
  VtAudio audio;
  if (!load (path, &audio))
    return 0;
  int64_t first = (int64_t) (start * audio.sample_rate);
  int64_t length = (int64_t) llround (period * audio.sample_rate);
  if (first < 0 || length <= 0 || first + 2 * length > audio.frames)
    {
      fprintf (stderr, "%s: the span is outside the recording\n", path);
      vt_audio_clear (&audio);
      return 0;
    }
  double xy = 0, xx = 0, yy = 0;
  for (int64_t f = first; f < first + length; f++)
    {
      double x = 0, y = 0;
      for (int c = 0; c < audio.channels; c++)
        {
          x += audio.samples[f * audio.channels + c];
          y += audio.samples[(f + length) * audio.channels + c];
        }
      xy += x * y;
      xx += x * x;
      yy += y * y;
    }
  printf ("corr %.4f\n", xy / sqrt (xx * yy + 1e-30));
  vt_audio_clear (&audio);
  return 1;
}

int
main (int argc, char **argv)
{
  if (argc == 5 && strcmp (argv[1], "sum") == 0)
    return check_sum (argv[2], argv[3], argv[4]) ? 0 : 1;
  if (argc == 5 && strcmp (argv[1], "rms") == 0)
    return check_rms (argv[2], atof (argv[3]), atof (argv[4])) ? 0 : 1;
  if (argc == 5 && strcmp (argv[1], "repeat") == 0)
    return check_repeat (argv[2], atof (argv[3]), atof (argv[4])) ? 0 : 1;
  fprintf (stderr, "usage: vt-check-stems sum MIX VOCALS ACCOMPANIMENT\n"
                   "       vt-check-stems rms FILE START_S END_S\n"
                   "       vt-check-stems repeat FILE START_S PERIOD_S\n");
  return 1;
}
