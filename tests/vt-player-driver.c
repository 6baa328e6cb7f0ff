/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-player-driver: drives app's VtPlayer for test-player.sh.
 *
 *   signals DIR          writes test stems (48 kHz stereo float WAV): mix,
 *                        vocals, accompaniment (vocals + accompaniment = mix)
 *                        and vocals-new (what a "re-separation" delivers)
 *   devices              lists output devices
 *   play DIR [options]   plays DIR's stems; options:
 *     --device NAME      output device (default: the system's)
 *     --source S         mix | vocals | accompaniment (default mix)
 *     --seconds S        how long to play (default 3)
 *     --start-file F     wait (up to 20 s) for F to exist before playing, so
 *                        that the recorder is connected first
 *     --switch T:S       at T seconds, switch to source S
 *     --swap T:A:B       at T seconds, replace the vocals of song time
 *                        [A, B) s with vocals-new's
 *     --seek T:S         at T seconds, seek to song time S seconds
 *   analyze REC REF FROM TO [LAG]
 *                        compares recording REC with REF over REF's song
 *                        time [FROM, TO) s; finds the latency LAG (in frames,
 *                        recording = REF delayed by LAG) when not given.
 *                        Prints "lag N corr C maxstep_rec X maxstep_ref Y
 *                        zero_run Z" (corr: the lower of the channels).
 *   steps REC FROM TO    the largest sample-to-sample step and the longest
 *                        silent run in REC's own time [FROM, TO) s:
 *                        "maxstep X zero_run Z"
 *
 * "play" prints "playback unavailable: <reason>" and exits 0 when there is
 * no output, as the editor goes on without playback; "device lost: <reason>"
 * when the output goes away while playing.
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-audio.h"
#include "vt-player.h"

#define RATE 48000
#define SECONDS 6.0

static void
die (const char *what, const VtError *error)
{
  fprintf (stderr, "vt-player-driver: %s: %s\n", what, error ? error->message : "failed");
  exit (2);
}

/* A linear chirp from f0 to f1 Hz over the whole signal. */
static double
chirp (double t, double f0, double f1, double phase)
{
  double k = (f1 - f0) / SECONDS;
  return sin (2.0 * G_PI * (f0 * t + 0.5 * k * t * t) + phase);
}

static int
make_signals (const char *dir)
{
  int64_t frames = (int64_t) (SECONDS * RATE);
  float *vocals = g_new (float, frames * 2);
  float *accompaniment = g_new (float, frames * 2);
  float *mix = g_new (float, frames * 2);
  float *vocals_new = g_new (float, frames * 2);
  for (int64_t i = 0; i < frames; i++)
    {
      double t = (double) i / RATE;
      vocals[2 * i] = (float) (0.4 * chirp (t, 300, 700, 0.0));
      vocals[2 * i + 1] = (float) (0.3 * chirp (t, 350, 800, 1.0));
      accompaniment[2 * i] = (float) (0.3 * chirp (t, 110, 190, 0.5) + 0.05 * sin (2 * G_PI * 1000 * t));
      accompaniment[2 * i + 1] = (float) (0.3 * chirp (t, 130, 170, 2.0));
      vocals_new[2 * i] = (float) (0.4 * chirp (t, 950, 450, 0.3));
      vocals_new[2 * i + 1] = (float) (0.3 * chirp (t, 900, 520, 1.3));
      for (int c = 0; c < 2; c++)
        mix[2 * i + c] = vocals[2 * i + c] + accompaniment[2 * i + c];
    }
  const char *names[] = { "mix.wav", "vocals.wav", "accompaniment.wav", "vocals-new.wav" };
  float *data[] = { mix, vocals, accompaniment, vocals_new };
  for (int k = 0; k < 4; k++)
    {
      g_autofree char *path = g_build_filename (dir, names[k], NULL);
      VtError error = { 0 };
      if (vt_audio_save (path, data[k], frames, 2, RATE, VT_FILE_FORMAT_WAV_FLOAT, &error))
        die (path, &error);
      g_free (data[k]);
    }
  return 0;
}

static void
load (const char *dir, const char *name, VtAudio *audio)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  VtError error = { 0 };
  vt_audio_init (audio);
  if (vt_audio_load (path, audio, &error))
    die (path, &error);
}

static VtPlayerSource
parse_source (const char *name)
{
  if (g_strcmp0 (name, "vocals") == 0)
    return VT_PLAYER_SOURCE_VOCALS;
  if (g_strcmp0 (name, "accompaniment") == 0)
    return VT_PLAYER_SOURCE_ACCOMPANIMENT;
  if (g_strcmp0 (name, "mix") == 0)
    return VT_PLAYER_SOURCE_MIX;
  fprintf (stderr, "vt-player-driver: unknown source %s\n", name);
  exit (2);
}

static void
on_lost (VtPlayer *player, const char *reason, gpointer user_data)
{
  /* A test program may print here; the editor marshals to the UI thread. */
  printf ("device lost: %s\n", reason);
  fflush (stdout);
}

static int
play (int argc, char **argv)
{
  const char *dir = argv[0];
  const char *device = NULL, *start_file = NULL, *source = "mix";
  double seconds = 3.0, switch_at = -1, swap_at = -1, swap_from = 0, swap_to = 0;
  double seek_at = -1, seek_to = 0;
  char switch_to[32] = "";
  for (int i = 1; i + 1 < argc; i += 2)
    {
      if (strcmp (argv[i], "--device") == 0)
        device = argv[i + 1];
      else if (strcmp (argv[i], "--source") == 0)
        source = argv[i + 1];
      else if (strcmp (argv[i], "--seconds") == 0)
        seconds = g_ascii_strtod (argv[i + 1], NULL);
      else if (strcmp (argv[i], "--start-file") == 0)
        start_file = argv[i + 1];
      else if (strcmp (argv[i], "--switch") == 0)
        {
          if (sscanf (argv[i + 1], "%lf:%31s", &switch_at, switch_to) != 2)
            return 2;
        }
      else if (strcmp (argv[i], "--seek") == 0)
        {
          if (sscanf (argv[i + 1], "%lf:%lf", &seek_at, &seek_to) != 2)
            return 2;
        }
      else if (strcmp (argv[i], "--swap") == 0)
        {
          if (sscanf (argv[i + 1], "%lf:%lf:%lf", &swap_at, &swap_from, &swap_to) != 3)
            return 2;
        }
      else
        {
          fprintf (stderr, "vt-player-driver: unknown option %s\n", argv[i]);
          return 2;
        }
    }

  VtAudio mix, vocals, accompaniment, vocals_new;
  load (dir, "mix.wav", &mix);
  load (dir, "vocals.wav", &vocals);
  load (dir, "accompaniment.wav", &accompaniment);
  load (dir, "vocals-new.wav", &vocals_new);

  g_autoptr (GError) error = NULL;
  VtPlayer *player = vt_player_new (&mix, device, &error);
  if (player == NULL)
    {
      printf ("playback unavailable: %s\n", error->message);
      vt_audio_clear (&mix);
      vt_audio_clear (&vocals);
      vt_audio_clear (&accompaniment);
      vt_audio_clear (&vocals_new);
      return 0;
    }
  vt_player_set_lost_func (player, on_lost, NULL);
  printf ("device rate %d, latency %.3f s\n", vt_player_get_device_rate (player),
          vt_player_get_output_latency (player));
  if (!vt_player_replace_chunk (player, VT_PLAYER_SOURCE_VOCALS, 0, vocals.frames, vocals.samples,
                                &error)
      || !vt_player_replace_chunk (player, VT_PLAYER_SOURCE_ACCOMPANIMENT, 0, accompaniment.frames,
                                   accompaniment.samples, &error))
    {
      fprintf (stderr, "vt-player-driver: %s\n", error->message);
      return 1;
    }
  vt_player_set_source (player, parse_source (source));
  printf ("ready\n");
  fflush (stdout);

  if (start_file != NULL)
    for (int i = 0; i < 2000 && !g_file_test (start_file, G_FILE_TEST_EXISTS); i++)
      g_usleep (10000);
  vt_player_play (player);
  gint64 start = g_get_monotonic_time ();
  gboolean switched = FALSE, swapped = FALSE, sought = FALSE;
  for (;;)
    {
      double t = (g_get_monotonic_time () - start) / 1e6;
      if (t >= seconds)
        break;
      if (!switched && switch_at >= 0 && t >= switch_at)
        {
          vt_player_set_source (player, parse_source (switch_to));
          printf ("switched to %s at song frame %" G_GINT64_FORMAT "\n", switch_to,
                  vt_player_get_position (player));
          switched = TRUE;
        }
      if (!sought && seek_at >= 0 && t >= seek_at)
        {
          vt_player_seek (player, (int64_t) (seek_to * RATE));
          printf ("seek from song frame %" G_GINT64_FORMAT "\n", vt_player_get_position (player));
          sought = TRUE;
        }
      if (!swapped && swap_at >= 0 && t >= swap_at)
        {
          int64_t first = (int64_t) (swap_from * RATE), end = (int64_t) (swap_to * RATE);
          if (!vt_player_replace_chunk (player, VT_PLAYER_SOURCE_VOCALS, first, end - first,
                                        vocals_new.samples + first * 2, &error))
            {
              fprintf (stderr, "vt-player-driver: %s\n", error->message);
              return 1;
            }
          printf ("swapped at song frame %" G_GINT64_FORMAT "\n", vt_player_get_position (player));
          swapped = TRUE;
        }
      fflush (stdout);
      g_usleep (5000);
    }
  printf ("position %" G_GINT64_FORMAT " underruns %" G_GUINT64_FORMAT " lost %d\n",
          vt_player_get_position (player), vt_player_get_underruns (player),
          vt_player_is_lost (player));
  vt_player_free (player);
  vt_audio_clear (&mix);
  vt_audio_clear (&vocals);
  vt_audio_clear (&accompaniment);
  vt_audio_clear (&vocals_new);
  return 0;
}

static double
correlation (const float *a, int a_stride, const float *b, int b_stride, int64_t n)
{
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; i++)
    {
      double x = a[i * a_stride], y = b[i * b_stride];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
  return aa > 0 && bb > 0 ? ab / sqrt (aa * bb) : 0.0;
}

static int
analyze (int argc, char **argv)
{
  VtAudio rec, ref;
  VtError error = { 0 };
  vt_audio_init (&rec);
  vt_audio_init (&ref);
  if (vt_audio_load (argv[0], &rec, &error))
    die (argv[0], &error);
  if (vt_audio_load (argv[1], &ref, &error))
    die (argv[1], &error);
  if (rec.channels != ref.channels || rec.sample_rate != ref.sample_rate)
    {
      fprintf (stderr, "vt-player-driver: recording is %d ch %d Hz, reference %d ch %d Hz\n",
               rec.channels, rec.sample_rate, ref.channels, ref.sample_rate);
      return 2;
    }
  int ch = ref.channels;
  int64_t from = (int64_t) (g_ascii_strtod (argv[2], NULL) * ref.sample_rate);
  int64_t to = MIN ((int64_t) (g_ascii_strtod (argv[3], NULL) * ref.sample_rate), ref.frames);
  int64_t lag = INT64_MIN;
  if (argc > 4)
    lag = g_ascii_strtoll (argv[4], NULL, 10);
  else
    {
      /* Latency search on a quarter second of channel 0. */
      int64_t window = MIN (to - from, ref.sample_rate / 4);
      double best = -2;
      /* After a seek, song time may be ahead of recording time: negative
       * lags are fine. */
      for (int64_t l = -from; l + from + window <= rec.frames; l++)
        {
          double c = correlation (rec.samples + (l + from) * ch, ch, ref.samples + from * ch, ch,
                                  window);
          if (c > best)
            {
              best = c;
              lag = l;
            }
        }
    }
  if (lag == INT64_MIN || lag + from < 0 || lag + to > rec.frames || to <= from + 1)
    {
      printf ("lag %" G_GINT64_FORMAT " corr 0 maxstep_rec 0 maxstep_ref 0 zero_run 0\n", lag);
      return 1;
    }
  double corr = 1.0, step_rec = 0, step_ref = 0;
  int64_t zero_run = 0;
  for (int c = 0; c < ch; c++)
    corr = MIN (corr, correlation (rec.samples + (lag + from) * ch + c, ch,
                                   ref.samples + from * ch + c, ch, to - from));
  int64_t run = 0;
  for (int64_t i = from; i < to; i++)
    {
      gboolean silent = TRUE;
      for (int c = 0; c < ch; c++)
        {
          float r = rec.samples[(lag + i) * ch + c];
          silent = silent && fabsf (r) < 1e-4f;
          if (i + 1 < to)
            {
              step_rec = MAX (step_rec, fabsf (rec.samples[(lag + i + 1) * ch + c] - r));
              step_ref = MAX (step_ref, fabsf (ref.samples[(i + 1) * ch + c]
                                               - ref.samples[i * ch + c]));
            }
        }
      run = silent ? run + 1 : 0;
      zero_run = MAX (zero_run, run);
    }
  printf ("lag %" G_GINT64_FORMAT " corr %.5f maxstep_rec %.5f maxstep_ref %.5f zero_run %"
          G_GINT64_FORMAT "\n", lag, corr, step_rec, step_ref, zero_run);
  vt_audio_clear (&rec);
  vt_audio_clear (&ref);
  return 0;
}

static int
steps (char **argv)
{
  VtAudio rec;
  VtError error = { 0 };
  vt_audio_init (&rec);
  if (vt_audio_load (argv[0], &rec, &error))
    die (argv[0], &error);
  int ch = rec.channels;
  int64_t from = MAX (0, (int64_t) (g_ascii_strtod (argv[1], NULL) * rec.sample_rate));
  int64_t to = MIN ((int64_t) (g_ascii_strtod (argv[2], NULL) * rec.sample_rate), rec.frames);
  double step = 0;
  int64_t run = 0, zero_run = 0;
  for (int64_t i = from; i < to; i++)
    {
      gboolean silent = TRUE;
      for (int c = 0; c < ch; c++)
        {
          silent = silent && fabsf (rec.samples[i * ch + c]) < 1e-4f;
          if (i + 1 < to)
            step = MAX (step, fabsf (rec.samples[(i + 1) * ch + c] - rec.samples[i * ch + c]));
        }
      run = silent ? run + 1 : 0;
      zero_run = MAX (zero_run, run);
    }
  printf ("maxstep %.5f zero_run %" G_GINT64_FORMAT "\n", step, zero_run);
  vt_audio_clear (&rec);
  return 0;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc >= 3 && strcmp (argv[1], "signals") == 0)
    return make_signals (argv[2]);
  if (argc >= 3 && strcmp (argv[1], "play") == 0)
    return play (argc - 2, argv + 2);
  if (argc >= 6 && strcmp (argv[1], "analyze") == 0)
    return analyze (argc - 2, argv + 2);
  if (argc >= 5 && strcmp (argv[1], "steps") == 0)
    return steps (argv + 2);
  if (argc >= 2 && strcmp (argv[1], "devices") == 0)
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) names = vt_player_list_devices (&error);
      if (names == NULL)
        {
          printf ("playback unavailable: %s\n", error->message);
          return 0;
        }
      for (int i = 0; names[i] != NULL; i++)
        printf ("%s\n", names[i]);
      return 0;
    }
  fprintf (stderr, "usage: vt-player-driver signals DIR | devices | play DIR [options] | "
                   "analyze REC REF FROM TO [LAG] | steps REC FROM TO\n");
  return 2;
}
