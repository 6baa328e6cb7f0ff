/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A two-hour song (8 kHz mono 16-bit WAV, 115 MB, written block by block
 * into a scratch folder) read with bounded memory: the streaming reader
 * holds one block, and the 16 kHz analysis signal costs its own size (64 KB
 * per second) plus one block, never the song at its own rate on top.
 * Each measurement runs in a fresh subprocess so that its peak resident
 * size (VmHWM) starts from the program's baseline. Suite "slow".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt-audio.h"
#include "vt-features.h"
#include "vt-song.h"
#include "vt-test-util.h"

#define RATE 8000
#define HOURS 2
#define FRAMES ((int64_t) RATE * 3600 * HOURS)
#define MB (1024.0 * 1024.0)

static char *song_dir, *song_path;

/* VmRSS or VmHWM of this process, in bytes. */
static double
proc_status_bytes (const char *field)
{
  g_autofree char *status = NULL;
  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  const char *line = strstr (status, field);
  g_assert_nonnull (line);
  return (double) g_ascii_strtoll (line + strlen (field) + 1, NULL, 10) * 1024;
}

static void
write_long_song (void)
{
  song_dir = vt_test_scratch_new ();
  song_path = g_build_filename (song_dir, "two-hours.wav", NULL);
  VtError error = { 0 };
  VtAudioWriter *writer = vt_audio_writer_open (song_path, 1, RATE, VT_FILE_FORMAT_WAV_16, &error);
  g_assert_nonnull (writer);
  enum
  {
    BLOCK = RATE * 10
  };
  float *block = g_new (float, BLOCK);
  /* 10 s of a 250 Hz tone at 0.5; each block the same (250 Hz fits). */
  for (int i = 0; i < BLOCK; i++)
    block[i] = 0.5f * sinf ((float) (2 * G_PI * 250.0 * i / RATE));
  for (int64_t done = 0; done < FRAMES; done += BLOCK)
    if (vt_audio_writer_write (writer, block, BLOCK, &error) != VT_STATUS_OK)
      g_error ("%s", error.message);
  if (vt_audio_writer_commit (writer, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  g_free (block);
}

static void
test_reader (void)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 300 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  double before = proc_status_bytes ("VmRSS:");
  VtError error = { 0 };
  VtAudioInfo info;
  VtAudioReader *reader = vt_audio_reader_open (song_path, &info, &error);
  g_assert_nonnull (reader);
  g_assert_cmpint (info.frames, ==, FRAMES);
  enum
  {
    BLOCK = 65536
  };
  float *block = g_new (float, BLOCK);
  double energy = 0;
  int64_t total = 0;
  for (int64_t first = 0; first < FRAMES; first += BLOCK)
    {
      int64_t got = 0;
      g_assert_cmpint (vt_audio_reader_read (reader, first, BLOCK, block, &got, &error), ==,
                       VT_STATUS_OK);
      for (int64_t i = 0; i < got; i++)
        energy += (double) block[i] * block[i];
      total += got;
    }
  vt_audio_reader_close (reader);
  g_free (block);
  double peak = proc_status_bytes ("VmHWM:");
  g_printerr ("# reader: %.0f s read, rms %.4f, peak RSS %.1f MB over a baseline of %.1f MB\n",
              (double) total / RATE, sqrt (energy / (double) total), (peak - before) / MB,
              before / MB);
  g_assert_cmpint (total, ==, FRAMES);
  g_assert_cmpfloat (fabs (sqrt (energy / (double) total) - 0.5 / sqrt (2)), <, 0.01);
  /* One block is 256 KB; the file is 115 MB. */
  g_assert_cmpfloat (peak - before, <, 16 * MB);
}

typedef struct
{
  int calls;
  double last;
  gboolean monotonic;
} Progress;

static bool
count_progress (double fraction, const char *stage, void *user_data)
{
  Progress *progress = user_data;
  if (fraction < progress->last)
    progress->monotonic = FALSE;
  progress->last = fraction;
  progress->calls++;
  return true;
}

static void
test_analysis_signal (void)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 300 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  double before = proc_status_bytes ("VmRSS:");
  Progress progress = { 0, 0, TRUE };
  VtProgress reporter = { .func = count_progress, .user_data = &progress };
  VtError error = { 0 };
  float *mono = NULL;
  int64_t n = 0;
  gint64 start = g_get_monotonic_time ();
  if (vt_song_load_analysis_signal (song_path, &mono, &n, NULL, &reporter, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  double seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  double peak = proc_status_bytes ("VmHWM:");
  double analysis_bytes = (double) n * sizeof (float);
  g_printerr ("# analysis: %" G_GINT64_FORMAT " samples (%.1f MB) in %.1f s, %d progress "
              "reports, peak RSS %.1f MB over a baseline of %.1f MB\n",
              n, analysis_bytes / MB, seconds, progress.calls, (peak - before) / MB, before / MB);
  g_assert_cmpint (llabs (n - FRAMES * VT_FEATURES_RATE / RATE), <=, 2);
  /* The signal itself plus a little; the whole song at its own rate as
   * floats would add another 220 MB. */
  g_assert_cmpfloat (peak - before, <, analysis_bytes + 64 * MB);
  g_assert_cmpint (progress.calls, >=, 10);
  g_assert_true (progress.monotonic);
  g_assert_cmpfloat (fabs (mono[n / 2]), <=, 0.51);
  free (mono);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/long-song/reader", test_reader);
  g_test_add_func ("/long-song/analysis-signal", test_analysis_signal);
  /* The parent writes the song once; the subprocesses find it through the
   * environment. */
  const char *inherited = g_getenv ("VT_TEST_LONG_SONG");
  if (inherited != NULL)
    song_path = g_strdup (inherited);
  else
    {
      write_long_song ();
      g_setenv ("VT_TEST_LONG_SONG", song_path, TRUE);
    }
  int status = g_test_run ();
  if (inherited == NULL)
    vt_test_scratch_free (song_dir);
  g_free (song_path);
  return status;
}
