/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bad input that test-audio, test-nn-weights and test-recipe do not cover:
 * songs of one frame and at the 8 kHz and 192 kHz limits, a song that
 * changes on disk while a reader has it open, weights files with each header
 * byte corrupted, absurd sizes and unknown fields, recipe values out of
 * range, and exports to a read-only folder and a full disk (a small tmpfs in
 * a private mount namespace, skipped with a message where mounting is not
 * allowed). Each case must end in a clear error or a sane result, never a
 * crash, and an export never leaves a half-written file under its name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt-audio.h"
#include "vt-dataset.h"
#include "vt-net.h"
#include "vt-recipe.h"
#include "vt-song.h"
#include "vt-weights.h"
#include "vt-test-util.h"

static float *
make_tone (int64_t frames, int channels, int rate, double hz, double amplitude)
{
  float *x = g_new (float, frames *channels);
  for (int64_t i = 0; i < frames; i++)
    for (int c = 0; c < channels; c++)
      x[i * channels + c] = (float) (amplitude * sin (2 * G_PI * hz * (double) i / rate));
  return x;
}

static double
rms (const float *x, int64_t n)
{
  double energy = 0;
  for (int64_t i = 0; i < n; i++)
    energy += (double) x[i] * x[i];
  return n > 0 ? sqrt (energy / (double) n) : 0;
}

/* ---- songs ---- */

static void
test_one_frame (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree char *path = g_build_filename (dir, "one.wav", NULL);
  const float frame[2] = { 0.5f, -0.25f };
  VtError error = { 0 };
  g_assert_cmpint (vt_audio_save (path, frame, 1, 2, 44100, VT_FILE_FORMAT_WAV_FLOAT, &error), ==,
                   VT_STATUS_OK);

  VtAudio audio;
  vt_audio_init (&audio);
  g_assert_cmpint (vt_audio_load (path, &audio, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (audio.frames, ==, 1);
  g_assert_cmpfloat (audio.samples[0], ==, 0.5f);
  g_assert_cmpfloat (audio.samples[1], ==, -0.25f);
  vt_audio_clear (&audio);

  /* The analysis signal of a 23 us song: a sample or a clear refusal. */
  float *mono = NULL;
  int64_t n = -1;
  VtStatus status = vt_song_load_analysis_signal (path, &mono, &n, NULL, NULL, &error);
  g_test_message ("one frame -> %s, %" G_GINT64_FORMAT " samples %s", vt_status_to_string (status),
                  n, status ? error.message : "");
  if (status == VT_STATUS_OK)
    {
      g_assert_cmpint (n, >=, 0);
      g_assert_cmpint (n, <=, 2);
      for (int64_t i = 0; i < n; i++)
        g_assert_true (isfinite (mono[i]));
    }
  else
    g_assert_cmpstr (error.message, !=, "");
  free (mono);

  /* The reader: the one frame, then silence either side. */
  VtAudioInfo info;
  VtAudioReader *reader = vt_audio_reader_open (path, &info, &error);
  g_assert_nonnull (reader);
  float block[8 * 2];
  int64_t got = -1;
  g_assert_cmpint (vt_audio_reader_read (reader, -3, 8, block, &got, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (got, ==, 1);
  g_assert_cmpfloat (block[0], ==, 0);
  g_assert_cmpfloat (block[6], ==, 0.5f);
  g_assert_cmpfloat (block[8], ==, 0);
  vt_audio_reader_close (reader);
  vt_test_scratch_free (g_steal_pointer (&dir));
}

/* The limits of the accepted range go through the analysis path: a 440 Hz
 * tone keeps its length (in time) and its level at 16 kHz. */
static void
test_extreme_rates (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  const int rates[] = { 8000, 192000 };
  for (size_t k = 0; k < G_N_ELEMENTS (rates); k++)
    {
      int rate = rates[k];
      g_autofree char *path = g_strdup_printf ("%s/tone-%d.flac", dir, rate);
      g_autofree float *tone = make_tone (rate * 2, 2, rate, 440, 0.5);
      VtError error = { 0 };
      g_assert_cmpint (vt_audio_save (path, tone, rate * 2, 2, rate, VT_FILE_FORMAT_FLAC, &error),
                       ==, VT_STATUS_OK);
      VtAudioInfo info;
      g_assert_cmpint (vt_audio_info (path, &info, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (info.sample_rate, ==, rate);
      g_assert_cmpfloat_with_epsilon (info.duration_s, 2.0, 1e-9);

      float *mono = NULL;
      int64_t n = 0;
      if (vt_song_load_analysis_signal (path, &mono, &n, &info, NULL, &error) != VT_STATUS_OK)
        g_error ("%d Hz: %s", rate, error.message);
      g_assert_cmpint (llabs (n - 32000), <=, 2);
      /* Away from the edges, the level is the tone's (0.5 / sqrt 2). */
      double level = rms (mono + 4000, n - 8000);
      g_test_message ("%d Hz: %" G_GINT64_FORMAT " analysis samples, rms %.4f", rate, n, level);
      g_assert_cmpfloat (fabs (level - 0.5 / sqrt (2)), <, 0.01);
      free (mono);
    }
  vt_test_scratch_free (g_steal_pointer (&dir));
}

/* A 47-byte FLAC stream whose header claims 694 772 294 frames at 192 kHz
 * (found by fuzz-audio): loading it once asked for 2.7 GB up front. In a
 * child whose address space is limited to 512 MB more than it uses, it
 * must be refused as damaged, not as "not enough memory". */
static const unsigned char lying_flac[47] = {
  0x66, 0x4c, 0x61, 0x43, 0x00, 0x00, 0x00, 0x22, 0x10, 0x00, 0x10, 0x00, 0x00, 0x00, 0xad, 0x00,
  0x00, 0xad, 0x2e, 0xe0, 0x01, 0x70, 0x29, 0x69, 0x62, 0x46, 0x4c, 0x41, 0x43, 0x20, 0x31, 0x2e,
  0x52, 0x97, 0xa7, 0x2a, 0x59, 0x92, 0xcc, 0xaa, 0x57, 0x77, 0x83, 0x57, 0x50, 0x31, 0xa7,
};

static int64_t
vm_size_bytes (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  const char *line = strstr (status, "VmSize:");
  return line ? g_ascii_strtoll (line + 7, NULL, 10) * 1024 : -1;
}

/* Runs func (data) in a forked child and returns its result (0-255), or
 * -1 when the child died before giving one (a crash or a failed
 * assertion). The result comes through a pipe, not the exit status, which
 * a wrapping tool may change (valgrind's --error-exitcode). */
typedef int (*ChildFunc) (const void *data);

static int
run_in_child (ChildFunc func, const void *data)
{
  int fds[2];
  g_assert_cmpint (pipe (fds), ==, 0);
  pid_t child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      close (fds[0]);
      unsigned char result = (unsigned char) func (data);
      _exit (write (fds[1], &result, 1) == 1 ? 0 : 1);
    }
  close (fds[1]);
  unsigned char result = 0;
  ssize_t got = read (fds[0], &result, 1);
  close (fds[0]);
  int wstatus = 0;
  g_assert_cmpint (waitpid (child, &wstatus, 0), ==, child);
  return got == 1 ? result : -1;
}

typedef struct
{
  const char *path;
  int64_t vm_size;
} LyingHeaderCase;

static int
load_with_limited_memory (const void *data)
{
  const LyingHeaderCase *lying = data;
  struct rlimit limit = { .rlim_cur = (rlim_t) lying->vm_size + (512u << 20),
                          .rlim_max = (rlim_t) lying->vm_size + (512u << 20) };
  if (setrlimit (RLIMIT_AS, &limit) != 0)
    return 77;
  VtAudio audio;
  vt_audio_init (&audio);
  VtError error = { 0 };
  VtStatus status = vt_audio_load (lying->path, &audio, &error);
  g_printerr ("# lying header -> %s: %s\n", vt_status_to_string (status), error.message);
  vt_audio_clear (&audio);
  return status == VT_STATUS_OK ? 1 : status == VT_STATUS_NO_MEMORY ? 2 : 0;
}

static void
test_lying_header (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree char *path = g_build_filename (dir, "lying.flac", NULL);
  g_assert_true (g_file_set_contents (path, (const char *) lying_flac, sizeof lying_flac, NULL));
  int64_t vm_size = vm_size_bytes ();
  if (vm_size < 0)
    {
      g_test_skip ("/proc/self/status is not readable");
      vt_test_scratch_free (g_steal_pointer (&dir));
      return;
    }
  if (g_strrstr (g_getenv ("LD_PRELOAD") ? g_getenv ("LD_PRELOAD") : "", "vgpreload") != NULL)
    {
      g_test_skip ("under valgrind: the address-space limit would bind valgrind itself");
      vt_test_scratch_free (g_steal_pointer (&dir));
      return;
    }
  LyingHeaderCase lying = { path, vm_size };
  int result = run_in_child (load_with_limited_memory, &lying);
  if (result == 77)
    g_test_skip ("cannot limit the address space here");
  else if (result != 0)
    g_error ("loading a FLAC header that claims 694M frames: child result %d (2 = out of "
             "memory, -1 = crashed)",
             result);
  vt_test_scratch_free (g_steal_pointer (&dir));
}

/* An Ogg Vorbis file cut inside its last page: libsndfile cannot find its
 * length and says SF_COUNT_MAX frames, which was reported as the length
 * (found by fuzz-audio). It is refused as damaged by info, load, the reader
 * and the analysis. */
static void
test_cut_ogg (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree char *path = g_build_filename (dir, "cut.ogg", NULL);
  g_autofree float *tone = make_tone (16000, 2, 16000, 440, 0.5);
  VtError error = { 0 };
  g_assert_cmpint (vt_audio_save (path, tone, 16000, 2, 16000, VT_FILE_FORMAT_OGG, &error), ==,
                   VT_STATUS_OK);
  struct stat st;
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (truncate (path, st.st_size - 200), ==, 0);

  VtAudioInfo info = { 0 };
  VtStatus status = vt_audio_info (path, &info, &error);
  g_test_message ("info -> %s: %s", vt_status_to_string (status), error.message);
  if (status == VT_STATUS_OK)
    g_assert_cmpint (info.frames, <=, 16000 + 4096);
  else
    g_assert_nonnull (strstr (error.message, "cut.ogg"));

  VtAudio audio;
  vt_audio_init (&audio);
  status = vt_audio_load (path, &audio, &error);
  if (status == VT_STATUS_OK)
    g_assert_cmpint (audio.frames, <=, 16000 + 4096);
  vt_audio_clear (&audio);

  VtAudioReader *reader = vt_audio_reader_open (path, &info, &error);
  if (reader != NULL)
    {
      g_assert_cmpint (info.frames, <=, 16000 + 4096);
      vt_audio_reader_close (reader);
    }
  float *mono = NULL;
  int64_t n = 0;
  status = vt_song_load_analysis_signal (path, &mono, &n, &info, NULL, &error);
  g_test_message ("analysis -> %s: %s", vt_status_to_string (status), error.message);
  if (status == VT_STATUS_OK)
    g_assert_cmpint (n, <=, 16000 + 4096);
  free (mono);
  vt_test_scratch_free (g_steal_pointer (&dir));
}

/* Reads every block of the song; each read must either succeed with
 * finite samples in range (silence past the end) or fail with a message. */
static void
read_all_blocks (VtAudioReader *reader, int64_t frames, int channels, const char *when)
{
  enum
  {
    BLOCK = 4096
  };
  g_autofree float *block = g_new (float, BLOCK *channels);
  int n_errors = 0;
  for (int64_t first = 0; first < frames + BLOCK; first += BLOCK)
    {
      VtError error = { 0 };
      int64_t got = -1;
      VtStatus status = vt_audio_reader_read (reader, first, BLOCK, block, &got, &error);
      if (status != VT_STATUS_OK)
        {
          if (n_errors++ == 0)
            g_test_message ("%s: %s", when, error.message);
          g_assert_cmpstr (error.message, !=, "");
          continue;
        }
      g_assert_cmpint (got, >=, 0);
      g_assert_cmpint (got, <=, BLOCK);
      for (int64_t i = 0; i < BLOCK * channels; i++)
        {
          g_assert_true (isfinite (block[i]));
          g_assert_cmpfloat (fabsf (block[i]), <=, 1.0f);
          if (i >= got * channels)
            g_assert_cmpfloat (block[i], ==, 0.0f);
        }
    }
  g_test_message ("%s: %d blocks failed", when, n_errors);
}

static void
test_changes_while_open (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  const int rate = 44100, channels = 2;
  const int64_t frames = rate * 3;
  g_autofree float *tone = make_tone (frames, channels, rate, 220, 0.5);
  const VtFileFormat formats[] = { VT_FILE_FORMAT_WAV_16, VT_FILE_FORMAT_FLAC };
  for (size_t k = 0; k < G_N_ELEMENTS (formats); k++)
    {
      g_autofree char *path
          = g_strdup_printf ("%s/song.%s", dir, vt_file_format_extension (formats[k]));
      VtError error = { 0 };
      g_assert_cmpint (vt_audio_save (path, tone, frames, channels, rate, formats[k], &error), ==,
                       VT_STATUS_OK);
      VtAudioInfo info;

      /* Truncated to a third under the reader. */
      VtAudioReader *reader = vt_audio_reader_open (path, &info, &error);
      g_assert_nonnull (reader);
      read_all_blocks (reader, frames, channels, "before");
      struct stat st;
      g_assert_cmpint (stat (path, &st), ==, 0);
      g_assert_cmpint (truncate (path, st.st_size / 3), ==, 0);
      read_all_blocks (reader, frames, channels, "truncated");
      vt_audio_reader_close (reader);

      /* Overwritten in place with noise (same size, no truncation). */
      g_assert_cmpint (vt_audio_save (path, tone, frames, channels, rate, formats[k], &error), ==,
                       VT_STATUS_OK);
      reader = vt_audio_reader_open (path, &info, &error);
      g_assert_nonnull (reader);
      int fd = open (path, O_WRONLY);
      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (stat (path, &st), ==, 0);
      GRand *rand = g_rand_new_with_seed (8);
      unsigned char noise[4096];
      for (off_t at = 64; at < st.st_size; at += sizeof noise)
        {
          for (size_t i = 0; i < sizeof noise; i++)
            noise[i] = (unsigned char) g_rand_int (rand);
          size_t n = MIN ((off_t) sizeof noise, st.st_size - at);
          g_assert_cmpint (pwrite (fd, noise, n, at), ==, (ssize_t) n);
        }
      g_rand_free (rand);
      close (fd);
      read_all_blocks (reader, frames, channels, "overwritten");
      vt_audio_reader_close (reader);

      /* Replaced by another song (rename) and deleted: the reader keeps
       * the file it opened. */
      g_assert_cmpint (vt_audio_save (path, tone, frames, channels, rate, formats[k], &error), ==,
                       VT_STATUS_OK);
      reader = vt_audio_reader_open (path, &info, &error);
      g_assert_nonnull (reader);
      g_autofree float *other = make_tone (rate, 1, rate, 330, 0.1);
      g_assert_cmpint (vt_audio_save (path, other, rate, 1, rate, formats[k], &error), ==,
                       VT_STATUS_OK);
      g_assert_cmpint (unlink (path), ==, 0);
      float block[2 * 1024];
      int64_t got = 0;
      g_assert_cmpint (vt_audio_reader_read (reader, rate, 1024, block, &got, &error), ==,
                       VT_STATUS_OK);
      g_assert_cmpint (got, ==, 1024);
      g_assert_cmpfloat (fabs (rms (block, 2 * 1024) - 0.5 / sqrt (2)), <, 0.02);
      vt_audio_reader_close (reader);
    }
  vt_test_scratch_free (g_steal_pointer (&dir));
}

/* ---- MIR-1K label files ---- */

static char *
repeat_lines (const char *line, int n)
{
  GString *text = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    g_string_append_printf (text, "%s\n", line);
  return g_string_free (text, FALSE);
}

/* A one-clip MIR-1K folder (1 s at 16 kHz: 49 label frames) whose pitch
 * label file is each of the cases below in turn. A clip either loads with
 * finite, plausible F0 or is refused with a message naming the clip. */
static void
test_mir1k_labels (void)
{
  g_autofree char *root = vt_test_scratch_new ();
  g_autofree char *wav_dir = g_build_filename (root, "Wavfile", NULL);
  g_autofree char *pitch_dir = g_build_filename (root, "PitchLabel", NULL);
  g_autofree char *vocal_dir = g_build_filename (root, "vocal-nonvocalLabel", NULL);
  g_assert_cmpint (g_mkdir (wav_dir, 0755) | g_mkdir (pitch_dir, 0755) | g_mkdir (vocal_dir, 0755),
                   ==, 0);
  g_autofree char *song = g_build_filename (wav_dir, "abjones_1_01.flac", NULL);
  g_autofree float *tone = make_tone (16000, 2, 16000, 220, 0.3);
  g_assert_cmpint (vt_audio_save (song, tone, 16000, 2, 16000, VT_FILE_FORMAT_FLAC, NULL), ==,
                   VT_STATUS_OK);
  g_autofree char *pitch_path = g_build_filename (pitch_dir, "abjones_1_01.pv", NULL);
  g_autofree char *vocal_path = g_build_filename (vocal_dir, "abjones_1_01.vocal", NULL);
  g_autofree char *vocal_text = repeat_lines ("1", 49);
  g_assert_true (g_file_set_contents (vocal_path, vocal_text, -1, NULL));

  g_autofree char *good = repeat_lines ("57", 49);
  g_autofree char *few = repeat_lines ("57", 40);
  g_autofree char *huge_float = g_strconcat ("1e39\n", good + 3, NULL);
  g_autofree char *huge_note = g_strconcat ("1000\n", good + 3, NULL);
  g_autofree char *negative = g_strconcat ("-3\n", good + 3, NULL);
  g_autofree char *not_number = g_strconcat ("57\nabc\n", good + 6, NULL);
  g_autofree char *nan_line = g_strconcat ("nan\n", good + 3, NULL);
  g_autofree char *digits = g_strnfill (300, '7');
  g_autofree char *long_line = g_strconcat (digits, "\n", good + 3, NULL);
  const struct
  {
    const char *what;
    const char *text;
    gssize length;
    gboolean loads;
  } cases[] = {
    { "good", good, -1, TRUE },
    { "too few lines", few, -1, FALSE },
    { "empty", "", 0, FALSE },
    { "1e39 (an infinite float)", huge_float, -1, FALSE },
    { "note 1000 (an infinite Hz)", huge_note, -1, FALSE },
    { "a negative note", negative, -1, FALSE },
    { "a word", not_number, -1, FALSE },
    { "nan", nan_line, -1, FALSE },
    { "a 300-digit line", long_line, -1, FALSE },
    { "binary", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, FALSE },
  };
  VtDataset dataset;
  vt_dataset_init (&dataset);
  VtError error = { 0 };
  if (vt_dataset_open (&dataset, VT_DATASET_MIR1K, root, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  g_assert_cmpint (dataset.n_clips, ==, 1);
  for (size_t k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_assert_true (g_file_set_contents (pitch_path, cases[k].text, cases[k].length, NULL));
      VtClipAudio audio;
      vt_clip_audio_init (&audio);
      VtStatus status = vt_dataset_load_clip (&dataset, 0, &audio, &error);
      g_test_message ("%s -> %s: %s", cases[k].what, vt_status_to_string (status),
                      status ? error.message : "");
      if (cases[k].loads)
        {
          g_assert_cmpint (status, ==, VT_STATUS_OK);
          g_assert_nonnull (audio.f0_hz);
          for (int64_t i = 0; i < audio.n_frames; i++)
            g_assert_cmpfloat (fabsf (audio.f0_hz[i] - 220.0f), <, 0.01f);
        }
      else
        {
          if (status == VT_STATUS_OK)
            g_error ("pitch labels with %s were accepted", cases[k].what);
          g_assert_nonnull (strstr (error.message, "abjones_1_01"));
        }
      vt_clip_audio_clear (&audio);
    }
  /* A missing vocal-activity file. */
  g_assert_true (g_file_set_contents (pitch_path, good, -1, NULL));
  g_unlink (vocal_path);
  VtClipAudio audio;
  vt_clip_audio_init (&audio);
  g_assert_cmpint (vt_dataset_load_clip (&dataset, 0, &audio, &error), ==, VT_STATUS_NOT_FOUND);
  g_assert_nonnull (strstr (error.message, "abjones_1_01.vocal"));
  vt_clip_audio_clear (&audio);
  vt_dataset_clear (&dataset);
  vt_test_scratch_free (g_steal_pointer (&root));
}

/* ---- weights files ---- */

static VtNet *
small_net (uint64_t seed)
{
  VtNet *net = vt_net_new (seed);
  VtNode x = vt_net_input (net, "x", (VtShape){ 1, 2, 4, 4 });
  VtNode h = vt_net_conv2d (net, "enc", x,
                            &(VtConv2dConfig){ .out_channels = 3, .kernel_h = 3, .kernel_w = 3 });
  h = vt_net_batch_norm (net, "enc.bn", h);
  vt_net_dense (net, "fc", h, 2);
  g_assert_cmpint (vt_net_plan (net, NULL), ==, VT_STATUS_OK);
  return net;
}

static gboolean
same_weights (VtNet *a, VtNet *b)
{
  for (int i = 0; i < vt_net_get_n_params (a); i++)
    {
      VtParam *p = vt_net_get_param (a, i), *q = vt_net_get_param (b, i);
      if (memcmp (p->data, q->data, p->size * sizeof *p->data) != 0)
        return FALSE;
    }
  return TRUE;
}

static uint32_t
get_le (const unsigned char *p, int n)
{
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static void
put_le (unsigned char *p, uint32_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (unsigned char) (v >> (8 * i));
}

static void
fix_crc (unsigned char *data, size_t size)
{
  put_le (data + size - 4, vt_crc32 (data, size - 4), 4);
}

/* Marks which bytes of a weights file are structure, not values (tensor
 * values and the u64 values of meta entries). The writer puts n_tensors
 * right after n_meta, before the meta entries. */
static void
mark_header_bytes (const unsigned char *data, size_t size, gboolean *is_header)
{
  memset (is_header, 0, size * sizeof *is_header);
  size_t at = 0;
  for (; at < 24; at++)
    is_header[at] = TRUE; /* magic, version, kind, n_meta, n_tensors */
  uint32_t n_meta = get_le (data + 16, 4), n_tensors = get_le (data + 20, 4);
  for (uint32_t i = 0; i < n_meta; i++)
    {
      size_t length = data[at];
      for (size_t k = 0; k < 1 + length; k++)
        is_header[at++] = TRUE;
      at += 8;
    }
  for (uint32_t t = 0; t < n_tensors; t++)
    {
      size_t length = get_le (data + at, 2);
      size_t start = at;
      at += 2 + length;
      int dtype = data[at], n_dims = data[at + 1];
      at += 2;
      size_t count = 1;
      for (int d = 0; d < n_dims; d++)
        count *= get_le (data + at + 4 * d, 4);
      at += 4 * (size_t) n_dims;
      for (size_t k = start; k < at; k++)
        is_header[k] = TRUE;
      at += count * (dtype == 1 ? 4 : 2);
    }
  g_assert_cmpuint (at, ==, size - 4);
}

/* Every structural byte of a weights file and of a checkpoint set to values
 * that break it (0, 0xff, 0x80 and each bit flipped), with the checksum
 * fixed so the loader's own checks are reached: each is refused with a
 * message, and the network is left unchanged. */
static void
test_weights_every_header_byte (void)
{
  VtNet *source = small_net (1);
  VtNet *net = small_net (2), *reference = small_net (2);
  for (int kind = 0; kind < 2; kind++)
    {
      unsigned char *good;
      size_t size;
      VtStatus saved
          = kind == 0
                ? vt_net_save_weights_to_memory (source, VT_DTYPE_F16, (void **) &good, &size, NULL)
                : vt_net_save_checkpoint_to_memory (source, (void **) &good, &size, NULL);
      g_assert_cmpint (saved, ==, VT_STATUS_OK);
      g_autofree gboolean *is_header = g_new (gboolean, size);
      mark_header_bytes (good, size, is_header);
      g_autofree unsigned char *bad = g_malloc (size);
      int n_cases = 0;
      for (size_t at = 0; at < size - 4; at++)
        {
          if (!is_header[at])
            continue;
          unsigned char values[11] = { 0x00, 0xff, 0x80 };
          for (int bit = 0; bit < 8; bit++)
            values[3 + bit] = good[at] ^ (1u << bit);
          for (size_t v = 0; v < G_N_ELEMENTS (values); v++)
            {
              if (values[v] == good[at])
                continue;
              memcpy (bad, good, size);
              bad[at] = values[v];
              fix_crc (bad, size);
              VtError error = { 0 };
              VtStatus status = kind == 0
                                    ? vt_net_load_weights_from_memory (net, bad, size, &error)
                                    : vt_net_load_checkpoint_from_memory (net, bad, size, &error);
              if (status == VT_STATUS_OK)
                g_error ("byte %zu of the %s set to 0x%02x was accepted", at,
                         kind ? "checkpoint" : "weights file", values[v]);
              g_assert_cmpstr (error.message, !=, "");
              n_cases++;
              if (kind == 1)
                continue;
              if (!same_weights (net, reference))
                g_error ("byte %zu = 0x%02x: refused (%s) but the network changed", at, values[v],
                         error.message);
            }
        }
      g_test_message ("%s: %d corrupted headers refused", kind ? "checkpoint" : "weights", n_cases);
      g_assert_cmpint (n_cases, >, 100);
      free (good);
    }
  vt_net_free (source);
  vt_net_free (net);
  vt_net_free (reference);
}

/* Builds a weights file by hand: one f32 tensor with the given name and
 * dims and n_values values, optionally preceded by a meta entry. */
static unsigned char *
handmade_weights (const char *meta_key, const char *name, int n_dims, const uint32_t *dims,
                  size_t n_values, size_t *size)
{
  GByteArray *out = g_byte_array_new ();
  unsigned char word[8];
  g_byte_array_append (out, (const guint8 *) "VTNN\x89\r\n\x1a", 8);
  put_le (word, 1, 4);
  g_byte_array_append (out, word, 4); /* version */
  g_byte_array_append (out, word, 4); /* kind: weights */
  put_le (word, meta_key ? 1 : 0, 4);
  g_byte_array_append (out, word, 4);
  put_le (word, 1, 4);
  g_byte_array_append (out, word, 4); /* n_tensors */
  if (meta_key)
    {
      guint8 length = (guint8) strlen (meta_key);
      g_byte_array_append (out, &length, 1);
      g_byte_array_append (out, (const guint8 *) meta_key, length);
      memset (word, 0, 8);
      word[0] = 42;
      g_byte_array_append (out, word, 8);
    }
  put_le (word, (uint32_t) strlen (name), 2);
  g_byte_array_append (out, word, 2);
  g_byte_array_append (out, (const guint8 *) name, (guint) strlen (name));
  word[0] = 1;
  word[1] = (unsigned char) n_dims;
  g_byte_array_append (out, word, 2);
  for (int d = 0; d < n_dims; d++)
    {
      put_le (word, dims[d], 4);
      g_byte_array_append (out, word, 4);
    }
  float value = 0.5f;
  for (size_t i = 0; i < n_values; i++)
    g_byte_array_append (out, (const guint8 *) &value, 4);
  put_le (word, vt_crc32 (out->data, out->len), 4);
  g_byte_array_append (out, word, 4);
  *size = out->len;
  return g_byte_array_free (out, FALSE);
}

static void
expect_weights_refused (VtNet *net, const unsigned char *data, size_t size, const char *needle)
{
  VtError error = { 0 };
  VtStatus status = vt_net_load_weights_from_memory (net, data, size, &error);
  g_test_message ("%s", error.message);
  g_assert_cmpint (status, !=, VT_STATUS_OK);
  if (strstr (error.message, needle) == NULL)
    g_error ("message '%s' lacks '%s'", error.message, needle);
}

static void
test_weights_absurd_sizes (void)
{
  VtNet *net = vt_net_new (1);
  VtNode x = vt_net_input (net, "x", (VtShape){ 1, 1, 1, 4 });
  vt_net_dense (net, "fc", x, 2);
  g_assert_cmpint (vt_net_plan (net, NULL), ==, VT_STATUS_OK);
  size_t size;
  unsigned char *data;

  /* The reference: fc.weight 2x4 and fc.bias 2 in a hand-made file load. */
  void *saved;
  size_t saved_size;
  g_assert_cmpint (vt_net_save_weights_to_memory (net, VT_DTYPE_F32, &saved, &saved_size, NULL), ==,
                   VT_STATUS_OK);

  /* 65536^4 = 2^64 values: the count must not wrap around to 0. */
  const uint32_t wrap[4] = { 65536, 65536, 65536, 65536 };
  data = handmade_weights (NULL, "fc.weight", 4, wrap, 0, &size);
  expect_weights_refused (net, data, size, "more values than the file holds");
  g_free (data);
  /* 2^32 - 1 in every dimension. */
  const uint32_t huge[4] = { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu };
  data = handmade_weights (NULL, "fc.weight", 4, huge, 0, &size);
  expect_weights_refused (net, data, size, "more values than the file holds");
  g_free (data);
  /* 10^12 values claimed, 8 present. */
  const uint32_t trillion[2] = { 1000000, 1000000 };
  data = handmade_weights (NULL, "fc.weight", 2, trillion, 8, &size);
  expect_weights_refused (net, data, size, "more values than the file holds");
  g_free (data);
  /* 0 and 200 dimensions; a zero-sized dimension. */
  const uint32_t none[1] = { 0 };
  data = handmade_weights (NULL, "fc.weight", 0, none, 0, &size);
  expect_weights_refused (net, data, size, "dimensions");
  g_free (data);
  data = handmade_weights (NULL, "fc.weight", 1, none, 0, &size);
  expect_weights_refused (net, data, size, "fc.weight");
  g_free (data);
  uint32_t many[200];
  for (int i = 0; i < 200; i++)
    many[i] = 1;
  data = handmade_weights (NULL, "fc.weight", 200, many, 1, &size);
  expect_weights_refused (net, data, size, "dimensions");
  g_free (data);
  /* A name of 65535 bytes claimed in a short file. */
  const uint32_t two_by_four[2] = { 2, 4 };
  data = handmade_weights (NULL, "fc.weight", 2, two_by_four, 8, &size);
  put_le (data + 24, 0xffff, 2);
  fix_crc (data, size);
  expect_weights_refused (net, data, size, "name of 65535 bytes");
  g_free (data);
  /* n_meta and n_tensors of 2^32 - 1. */
  data = handmade_weights (NULL, "fc.weight", 2, two_by_four, 8, &size);
  put_le (data + 16, 0xffffffffu, 4);
  fix_crc (data, size);
  expect_weights_refused (net, data, size, "claims");
  put_le (data + 16, 0, 4);
  put_le (data + 20, 0xffffffffu, 4);
  fix_crc (data, size);
  expect_weights_refused (net, data, size, "claims");
  g_free (data);

  /* An unknown meta field (a later version's addition) is ignored: the
   * file is refused only for what it lacks (fc.bias), not for the field. */
  data = handmade_weights ("future_field", "fc.weight", 2, two_by_four, 8, &size);
  VtError error = { 0 };
  g_assert_cmpint (vt_net_load_weights_from_memory (net, data, size, &error), !=, VT_STATUS_OK);
  g_assert_null (strstr (error.message, "future_field"));
  g_assert_nonnull (strstr (error.message, "fc.bias"));
  g_free (data);
  /* ...and a complete file with an unknown meta field loads. */
  unsigned char *with_meta = g_malloc (saved_size + 1 + 12 + 8);
  const unsigned char *orig = saved;
  memcpy (with_meta, orig, 24);
  put_le (with_meta + 16, get_le (orig + 16, 4) + 1, 4);
  size_t at = 24;
  with_meta[at++] = 12;
  memcpy (with_meta + at, "future_field", 12);
  at += 12;
  memset (with_meta + at, 0, 8);
  at += 8;
  memcpy (with_meta + at, orig + 24, saved_size - 24);
  size = at + saved_size - 24;
  fix_crc (with_meta, size);
  if (vt_net_load_weights_from_memory (net, with_meta, size, &error) != VT_STATUS_OK)
    g_error ("an unknown meta field was refused: %s", error.message);
  g_free (with_meta);
  free (saved);
  vt_net_free (net);
}

/* ---- recipes ---- */

static void
test_recipe_out_of_range (void)
{
  VtError error = { 0 };
  VtRecipe *recipe = vt_recipe_parse ("steps = 99999999999999999999\n"
                                      "batch = -1\n"
                                      "epochs = 12abc\n"
                                      "frames = 0x10\n"
                                      "learning_rate = nan\n"
                                      "alpha = 1e999\n"
                                      "beta = -inf\n"
                                      "gamma = \n"
                                      "delta = 1e-400\n",
                                      "bad.recipe", &error);
  g_assert_nonnull (recipe);
  const struct
  {
    const char *key;
    const char *line;
  } ints[] = { { "steps", ":1" }, { "batch", ":2" }, { "epochs", ":3" }, { "frames", ":4" } };
  for (size_t k = 0; k < G_N_ELEMENTS (ints); k++)
    {
      int64_t value = 77;
      g_assert_cmpint (vt_recipe_get_int (recipe, ints[k].key, 1, 1, 1000000, &value, &error), ==,
                       VT_STATUS_BAD_ARGUMENT);
      g_test_message ("%s", error.message);
      g_assert_nonnull (strstr (error.message, ints[k].key));
      g_assert_nonnull (strstr (error.message, ints[k].line));
    }
  const char *doubles[] = { "learning_rate", "alpha", "beta", "gamma" };
  for (size_t k = 0; k < G_N_ELEMENTS (doubles); k++)
    {
      double value = 0;
      g_assert_cmpint (vt_recipe_get_double (recipe, doubles[k], 0.1, 0, 1, &value, &error), ==,
                       VT_STATUS_BAD_ARGUMENT);
      g_test_message ("%s", error.message);
      g_assert_nonnull (strstr (error.message, doubles[k]));
    }
  /* An underflow to 0 is inside [0, 1]: not an error, and it reads as 0. */
  double tiny = 1;
  VtStatus status = vt_recipe_get_double (recipe, "delta", 0.1, 0, 1, &tiny, &error);
  g_test_message ("delta = 1e-400 -> %s %g", vt_status_to_string (status), tiny);
  if (status == VT_STATUS_OK)
    g_assert_cmpfloat (tiny, <, 1e-300);
  vt_recipe_free (recipe);
}

/* ---- exports ---- */

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* A folder's entries, sorted, joined with spaces. */
static char *
list_folder (const char *dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *handle = g_dir_open (dir, 0, NULL);
  const char *name;
  while (handle && (name = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  if (handle)
    g_dir_close (handle);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  char *joined = g_strjoinv (" ", (char **) names->pdata);
  g_ptr_array_free (names, TRUE);
  return joined;
}

static void
test_export_parent_is_file (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  g_autofree char *file = g_build_filename (dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (file, "a file, not a folder", -1, NULL));
  g_autofree char *target = g_build_filename (file, "vocals.wav", NULL);
  g_autofree float *tone = make_tone (4800, 2, 48000, 440, 0.5);
  VtError error = { 0 };
  g_assert_cmpint (vt_audio_save (target, tone, 4800, 2, 48000, VT_FILE_FORMAT_WAV_16, &error), ==,
                   VT_STATUS_IO);
  g_test_message ("%s", error.message);
  g_assert_nonnull (strstr (error.message, target));
  g_assert_null (vt_audio_writer_open (target, 2, 48000, VT_FILE_FORMAT_FLAC, &error));
  g_assert_cmpstr (error.message, !=, "");
  g_autofree char *listing = list_folder (dir);
  g_assert_cmpstr (listing, ==, "notes.txt");
  vt_test_scratch_free (g_steal_pointer (&dir));
}

/* In a child with its own mount namespace (so the mounts vanish with it):
 * a read-only tmpfs and a 256 KB tmpfs. Exit 77 when mounting is not
 * allowed here. */
static int
export_to_small_and_read_only_folders (const void *data)
{
  const char *dir = data;
  if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    return 77;
  g_autofree char *full = g_build_filename (dir, "full", NULL);
  g_autofree char *ro = g_build_filename (dir, "read-only", NULL);
  if (g_mkdir (full, 0755) != 0 || g_mkdir (ro, 0755) != 0)
    return 3;
  if (mount ("tmpfs", full, "tmpfs", 0, "size=256k") != 0
      || mount ("tmpfs", ro, "tmpfs", MS_RDONLY, "size=64k") != 0)
    return 77;

  /* 10 s of stereo at 44.1 kHz is 1.7 MB as 16-bit WAV. */
  const int rate = 44100, channels = 2;
  const int64_t frames = rate * 10;
  g_autofree float *tone = make_tone (frames, channels, rate, 440, 0.5);
  g_autofree char *kept = g_build_filename (full, "vocals.flac", NULL);
  const char *precious = "the export of yesterday";
  g_assert_true (g_file_set_contents (kept, precious, -1, NULL));

  const VtFileFormat formats[]
      = { VT_FILE_FORMAT_WAV_16, VT_FILE_FORMAT_FLAC, VT_FILE_FORMAT_WAV_FLOAT };
  for (size_t k = 0; k < G_N_ELEMENTS (formats); k++)
    {
      VtError error = { 0 };
      /* A new file and over an existing one. */
      g_autofree char *fresh
          = g_strdup_printf ("%s/new.%s", full, vt_file_format_extension (formats[k]));
      VtStatus status = vt_audio_save (fresh, tone, frames, channels, rate, formats[k], &error);
      g_test_message ("full disk, %s: %s", fresh, error.message);
      g_assert_cmpint (status, !=, VT_STATUS_OK);
      g_assert_nonnull (strstr (error.message, "new."));
      g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));

      status = vt_audio_save (kept, tone, frames, channels, rate, formats[k], &error);
      g_assert_cmpint (status, !=, VT_STATUS_OK);
      g_autofree char *contents = NULL;
      g_assert_true (g_file_get_contents (kept, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, precious);

      /* Streaming: a write or the commit fails; nothing is left behind. */
      VtAudioWriter *writer = vt_audio_writer_open (fresh, channels, rate, formats[k], &error);
      g_assert_nonnull (writer);
      status = VT_STATUS_OK;
      for (int64_t done = 0; done < frames && status == VT_STATUS_OK; done += rate)
        status = vt_audio_writer_write (writer, tone + done * channels, rate, &error);
      if (status == VT_STATUS_OK)
        status = vt_audio_writer_commit (writer, &error);
      else
        vt_audio_writer_abort (writer);
      g_test_message ("full disk, streaming: %s", error.message);
      g_assert_cmpint (status, !=, VT_STATUS_OK);
      g_assert_cmpstr (error.message, !=, "");

      g_autofree char *listing = list_folder (full);
      g_assert_cmpstr (listing, ==, "vocals.flac");
    }

  /* A small export still fits: the failure above was the space. */
  g_autofree char *small = g_build_filename (full, "short.wav", NULL);
  g_assert_cmpint (vt_audio_save (small, tone, 1000, channels, rate, VT_FILE_FORMAT_WAV_16, NULL),
                   ==, VT_STATUS_OK);

  g_autofree char *denied = g_build_filename (ro, "vocals.wav", NULL);
  VtError error = { 0 };
  g_assert_cmpint (
      vt_audio_save (denied, tone, 1000, channels, rate, VT_FILE_FORMAT_WAV_16, &error), ==,
      VT_STATUS_IO);
  g_test_message ("read-only: %s", error.message);
  g_assert_nonnull (strstr (error.message, denied));
  g_autofree char *listing = list_folder (ro);
  g_assert_cmpstr (listing, ==, "");
  return 0;
}

static void
test_export_full_and_read_only (void)
{
  g_autofree char *dir = vt_test_scratch_new ();
  int result = run_in_child (export_to_small_and_read_only_folders, dir);
  if (result == 77)
    g_test_skip ("cannot mount a tmpfs here (needs root or a user namespace)");
  else if (result != 0)
    g_error ("the export child failed (result %d; -1 = crashed)", result);
  g_autofree char *full = g_build_filename (dir, "full", NULL);
  g_autofree char *ro = g_build_filename (dir, "read-only", NULL);
  g_rmdir (full);
  g_rmdir (ro);
  vt_test_scratch_free (g_steal_pointer (&dir));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bad-input/audio/one-frame", test_one_frame);
  g_test_add_func ("/bad-input/audio/extreme-rates", test_extreme_rates);
  g_test_add_func ("/bad-input/audio/lying-header", test_lying_header);
  g_test_add_func ("/bad-input/audio/cut-ogg", test_cut_ogg);
  g_test_add_func ("/bad-input/audio/changes-while-open", test_changes_while_open);
  g_test_add_func ("/bad-input/labels/mir1k", test_mir1k_labels);
  g_test_add_func ("/bad-input/weights/every-header-byte", test_weights_every_header_byte);
  g_test_add_func ("/bad-input/weights/absurd-sizes", test_weights_absurd_sizes);
  g_test_add_func ("/bad-input/recipe/out-of-range", test_recipe_out_of_range);
  g_test_add_func ("/bad-input/export/parent-is-file", test_export_parent_is_file);
  g_test_add_func ("/bad-input/export/full-and-read-only", test_export_full_and_read_only);
  return g_test_run ();
}
