/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vt-audio.h"
#include "vt-bench-adapt.h"
#include "vt-cli.h"
#include "vt-nn-bench.h"
#include "vt-stft.h"
#include "vt-worker.h"

/* `voxtrace bench separate`: end-to-end speed of `voxtrace separate` on a
 * 4-minute 44.1 kHz stereo song (decode -> F0 -> mask -> stems on disk) as
 * a multiple of real time, and the peak memory of separating a 10-minute
 * song, each measured on a child process so that nothing else counts. The
 * songs are the bundled demo looped (or any song given with --song). */

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Writes minutes of song_path looped, at its own rate and channels. */
static gboolean
make_long_song (const char *song_path, double minutes, const char *out_path, GError **error)
{
  VtAudio song;
  vt_audio_init (&song);
  VtError core_error = { 0 };
  if (vt_audio_load (song_path, &song, &core_error) != VT_STATUS_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", core_error.message);
      return FALSE;
    }
  int64_t frames = (int64_t) (minutes * 60 * song.sample_rate);
  VtAudioWriter *writer = vt_audio_writer_open (out_path, song.channels, song.sample_rate,
                                                VT_FILE_FORMAT_FLAC, &core_error);
  gboolean ok = writer != NULL;
  for (int64_t done = 0; ok && done < frames;)
    {
      int64_t n = MIN (song.frames, frames - done);
      ok = vt_audio_writer_write (writer, song.samples, n, &core_error) == VT_STATUS_OK;
      done += n;
    }
  if (writer && ok)
    ok = vt_audio_writer_commit (writer, &core_error) == VT_STATUS_OK;
  else if (writer)
    vt_audio_writer_abort (writer);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", core_error.message);
  vt_audio_clear (&song);
  return ok;
}

/* Runs `voxtrace separate song -o dir`; returns wall seconds and peak MB. */
static gboolean
run_separate (const char *self, const char *song, const char *dir, const char *model,
              double *seconds, double *peak_mb)
{
  double start = now_s ();
  pid_t pid = fork ();
  if (pid < 0)
    return FALSE;
  if (pid == 0)
    {
      if (model)
        execl (self, self, "separate", song, "-o", dir, "--model", model, (char *) NULL);
      else
        execl (self, self, "separate", song, "-o", dir, (char *) NULL);
      _exit (127);
    }
  int status = 0;
  struct rusage usage;
  if (wait4 (pid, &status, 0, &usage) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return FALSE;
  *seconds = now_s () - start;
  *peak_mb = usage.ru_maxrss / 1024.0;
  return TRUE;
}

static int
bench_separate (const char *song, const char *model)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("voxtrace-bench-XXXXXX", &error);
  if (dir == NULL)
    return vt_cli_fail ("bench", "%s", error->message);
  g_autofree char *four = g_build_filename (dir, "four-minutes.flac", NULL);
  g_autofree char *ten = g_build_filename (dir, "ten-minutes.flac", NULL);
  int exit_status = 0;
  if (!make_long_song (song, 4, four, &error) || !make_long_song (song, 10, ten, &error))
    exit_status = vt_cli_fail ("bench", "%s", error->message);
  double seconds = 0, peak = 0, seconds10 = 0, peak10 = 0;
  if (exit_status == 0
      && (!run_separate (self, four, dir, model, &seconds, &peak)
          || !run_separate (self, ten, dir, model, &seconds10, &peak10)))
    exit_status = vt_cli_fail ("bench", "voxtrace separate failed");
  if (exit_status == 0)
    {
      printf ("separate_4min_s: %.2f\n", seconds);
      printf ("separate_x_realtime: %.1f\n", 240.0 / seconds);
      printf ("separate_10min_s: %.2f\n", seconds10);
      printf ("separate_peak_mb: %.0f\n", peak10);
    }
  g_autofree char *cleanup = g_strdup_printf ("rm -rf '%s'", dir);
  if (system (cleanup) != 0)
    g_printerr ("could not remove %s\n", dir);
  return exit_status;
}

/* `voxtrace bench adapt`: latency from a correction to re-separated audio
 * on the demo looped to a 4-minute song (vt-bench-adapt.h). */
static int
bench_adapt (const char *song, const char *model, double budget, int corrections)
{
  if (budget <= 0 || corrections < 1)
    return vt_cli_fail ("bench", "--budget and --corrections must be positive");
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("voxtrace-bench-XXXXXX", &error);
  if (dir == NULL)
    return vt_cli_fail ("bench", "%s", error->message);
  g_autofree char *four = g_build_filename (dir, "four-minutes.flac", NULL);
  int exit_status = make_long_song (song, 4, four, &error)
                      ? vt_bench_adapt (four, model, budget, corrections)
                      : vt_cli_fail ("bench", "%s", error->message);
  g_unlink (four);
  g_rmdir (dir);
  return exit_status;
}

/* `voxtrace bench stft`: STFT + inverse throughput in seconds of audio per
 * second, for the analysis STFT (1024/320 at 16 kHz) and a song-rate one
 * (2048/512 at 44.1 kHz), on one minute of noise. */
static int
bench_stft (void)
{
  const struct
  {
    const char *name;
    int rate, n_fft, hop;
  } cases[] = { { "analysis_16k_1024_320", 16000, 1024, 320 },
                { "song_44k_2048_512", 44100, 2048, 512 } };
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const int64_t n = (int64_t) cases[c].rate * 60;
      VtStft *stft = vt_stft_new (cases[c].n_fft, cases[c].hop, NULL);
      float *x = g_new (float, n);
      float *y = g_new (float, n);
      GRand *rand = g_rand_new_with_seed (7);
      for (int64_t i = 0; i < n; i++)
        x[i] = (float) g_rand_double_range (rand, -1, 1);
      g_rand_free (rand);
      int64_t frames = vt_stft_frame_count (stft, n);
      float *spectrum = g_new (float, frames * vt_stft_get_bins (stft) * 2);
      double best_forward = 1e9, best_both = 1e9;
      for (int round = 0; round < 3; round++)
        {
          double t0 = now_s ();
          vt_stft_forward (stft, x, n, 0, frames, spectrum);
          double t1 = now_s ();
          vt_stft_inverse (stft, spectrum, frames, y, n);
          double t2 = now_s ();
          best_forward = MIN (best_forward, t1 - t0);
          best_both = MIN (best_both, t2 - t0);
        }
      printf ("stft_%s_forward_x_realtime: %.0f\n", cases[c].name, 60.0 / best_forward);
      printf ("stft_%s_round_trip_x_realtime: %.0f\n", cases[c].name, 60.0 / best_both);
      g_free (spectrum);
      g_free (x);
      g_free (y);
      vt_stft_free (stft);
    }
  return 0;
}

int
vt_cmd_bench (int argc, char **argv)
{
  g_autofree char *song = NULL;
  g_autofree char *model = NULL;
  double budget = VT_WORKER_DEFAULT_BUDGET_S;
  int corrections = 20;
  GOptionEntry entries[] = {
    { "song", 0, 0, G_OPTION_ARG_FILENAME, &song, "song to loop (default: the demo)", "FILE" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "model for separate and adapt", "MODEL" },
    { "budget", 0, 0, G_OPTION_ARG_DOUBLE, &budget, "adapt: training seconds (default 2)", "S" },
    { "corrections", 0, 0, G_OPTION_ARG_INT, &corrections, "adapt: how many (default 20)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "nn|stft|separate|adapt - measure speed and memory (prints name: value lines)");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!vt_cli_parse (context, "bench", &argc, &argv))
    return 2;
  if (argc == 2 && strcmp (argv[1], "nn") == 0)
    {
      /* The nn engine against this machine's sgemm (and PyTorch: bench/bench-nn). */
      VtNnBenchOptions options;
      vt_nn_bench_options_init (&options);
      VtError error = { 0 };
      if (vt_nn_bench_run (stdout, &options, &error) != VT_STATUS_OK)
        return vt_cli_fail ("bench", "%s", error.message);
      return 0;
    }
  if (argc == 2 && strcmp (argv[1], "stft") == 0)
    return bench_stft ();
  if (argc == 2 && strcmp (argv[1], "adapt") == 0)
    return bench_adapt (song ? song : VT_DEMO_SONG, model, budget, corrections);
  if (argc != 2 || strcmp (argv[1], "separate") != 0)
    return vt_cli_fail ("bench", "name a benchmark: nn, stft, separate or adapt");
  if (song == NULL)
    song = g_strdup (VT_DEMO_SONG);
  return bench_separate (song, model);
}
