/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-metrics: how fast BSS Eval v4 runs on a 4-minute stereo 44.1 kHz
 * song, against real time (museval takes minutes for the same).
 *
 * The pair is built from ../shared/data/songs/karissa-hobbs-lets-go-fishin.ogg
 * looped to 4 minutes: "vocals" is the song, "accompaniment" the song started
 * 37 s later and low-passed; the estimates are the references plus 10 %
 * leakage of the other one and a little white noise. Not a test: run it by
 * hand (ninja -C BUILD bench/bench-metrics && BUILD/bench/bench-metrics [SONG]).
 * With --write DIR it also saves the four stems there as float WAV, to time
 * `voxtrace metrics` on them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vt-audio.h"
#include "vt-bss-eval.h"

#define SECONDS 240
#define ACCOMPANIMENT_OFFSET_S 37

static double
clock_s (clockid_t clock)
{
  struct timespec ts;
  clock_gettime (clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift64*: uniform in [-1, 1), reproducible. */
static double
noise (uint64_t *state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (double) ((*state * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1.0;
}

int
main (int argc, char **argv)
{
  char default_path[4096];
  const char *shared = getenv ("VT_SHARED_DATA");
  snprintf (default_path, sizeof default_path, "%s/songs/karissa-hobbs-lets-go-fishin.ogg",
            shared ? shared : VT_SHARED_DATA_DIR);
  const char *write_dir = NULL;
  const char *path = default_path;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--write") == 0 && i + 1 < argc)
      write_dir = argv[++i];
    else
      path = argv[i];

  VtAudio song;
  vt_audio_init (&song);
  VtError error = { 0 };
  if (vt_audio_load (path, &song, &error) != VT_STATUS_OK)
    {
      fprintf (stderr, "bench-metrics: %s\n", error.message);
      return 1;
    }
  if (song.channels != 2)
    {
      fprintf (stderr, "bench-metrics: %s is not stereo\n", path);
      return 1;
    }
  const int rate = song.sample_rate;
  const int64_t n = (int64_t) SECONDS * rate;
  const int64_t offset = (int64_t) ACCOMPANIMENT_OFFSET_S * rate;
  float *signals[4];
  for (int j = 0; j < 4; j++)
    {
      signals[j] = malloc (sizeof (float) * (size_t) n * 2);
      if (signals[j] == NULL)
        {
          fprintf (stderr, "bench-metrics: out of memory\n");
          return 1;
        }
    }
  float *vocals = signals[0], *accompaniment = signals[1];
  float *est_vocals = signals[2], *est_accompaniment = signals[3];
  double lowpass[2] = { 0.0, 0.0 };
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (int64_t i = 0; i < n; i++)
    for (int c = 0; c < 2; c++)
      {
        double v = song.samples[(i % song.frames) * 2 + c];
        double a = song.samples[((i + offset) % song.frames) * 2 + c];
        lowpass[c] += 0.2 * (a - lowpass[c]);
        vocals[i * 2 + c] = (float) v;
        accompaniment[i * 2 + c] = (float) lowpass[c];
      }
  for (int64_t i = 0; i < 2 * n; i++)
    {
      est_vocals[i] = (float) (vocals[i] + 0.1 * accompaniment[i] + 0.003 * noise (&state));
      est_accompaniment[i]
          = (float) (accompaniment[i] + 0.1 * vocals[i] + 0.003 * noise (&state));
    }
  vt_audio_clear (&song);
  const char *stem_files[4] = { "vocals.wav", "accompaniment.wav", "est-vocals.wav",
                                "est-accompaniment.wav" };
  for (int j = 0; j < 4 && write_dir != NULL; j++)
    {
      char stem_path[4096];
      snprintf (stem_path, sizeof stem_path, "%s/%s", write_dir, stem_files[j]);
      if (vt_audio_save (stem_path, signals[j], n, 2, rate, VT_FILE_FORMAT_WAV_FLOAT, &error)
          != VT_STATUS_OK)
        {
          fprintf (stderr, "bench-metrics: %s\n", error.message);
          return 1;
        }
    }

  const float *refs[2] = { vocals, accompaniment };
  const float *ests[2] = { est_vocals, est_accompaniment };
  VtBssSignals pair = { 2, 2, n, refs, ests };
  const int64_t window = rate; /* SiSEC: 1 s windows, no overlap */
  const int64_t n_windows = vt_bss_eval_v4_window_count (n, window, window);
  double *scores_memory = malloc (sizeof (double) * 4 * 2 * (size_t) n_windows);
  if (scores_memory == NULL)
    return 1;
  VtBssScores scores = { scores_memory, scores_memory + 2 * n_windows,
                         scores_memory + 4 * n_windows, scores_memory + 6 * n_windows, NULL };
  VtBssEval *eval = vt_bss_eval_new ();
  double began = clock_s (CLOCK_MONOTONIC);
  double began_cpu = clock_s (CLOCK_PROCESS_CPUTIME_ID);
  if (vt_bss_eval_v4 (eval, &pair, window, window, &scores, &error) != VT_STATUS_OK)
    {
      fprintf (stderr, "bench-metrics: %s\n", error.message);
      return 1;
    }
  double elapsed = clock_s (CLOCK_MONOTONIC) - began;
  double cpu = clock_s (CLOCK_PROCESS_CPUTIME_ID) - began_cpu;

  const char *names[2] = { "vocals", "accompaniment" };
  for (int j = 0; j < 2; j++)
    printf ("median over %lld windows, %s: SDR %.2f SIR %.2f SAR %.2f ISR %.2f dB\n",
            (long long) n_windows, names[j],
            vt_bss_eval_nan_median (scores.sdr + j * n_windows, n_windows),
            vt_bss_eval_nan_median (scores.sir + j * n_windows, n_windows),
            vt_bss_eval_nan_median (scores.sar + j * n_windows, n_windows),
            vt_bss_eval_nan_median (scores.isr + j * n_windows, n_windows));
  printf ("metrics_v4_4min_s: %.2f\n", elapsed);
  printf ("metrics_v4_x_realtime: %.1f\n", SECONDS / elapsed);
  /* CPU time of all threads: a steadier figure on a shared machine. */
  printf ("metrics_v4_4min_cpu_s: %.2f\n", cpu);

  vt_bss_eval_free (eval);
  free (scores_memory);
  for (int j = 0; j < 4; j++)
    free (signals[j]);
  return 0;
}
