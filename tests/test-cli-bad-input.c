/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * voxtrace's subcommands given bad options and bad files: each run must end
 * with a non-zero exit status and exactly one line on stderr that says why,
 * never a signal or a GLib warning. Exports into a folder under a file and
 * onto a full disk (a 1 MB tmpfs in a private mount namespace, skipped with
 * a message where mounting is not allowed) leave nothing under the target's
 * name. Runs the program named by VT_VOXTRACE (set by meson).
 */
#define _GNU_SOURCE
#include <math.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt-audio.h"
#include "vt-test-util.h"

static const char *voxtrace;
static char *scratch, *song, *one_frame;

typedef struct
{
  int exit_status; /* -1: killed by a signal */
  char *stderr_text;
} Run;

static Run
run_voxtrace (const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) voxtrace);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  char **env = g_get_environ ();
  env = g_environ_unsetenv (env, "DISPLAY");
  env = g_environ_unsetenv (env, "WAYLAND_DISPLAY");
  env = g_environ_setenv (env, "OPENBLAS_NUM_THREADS", "1", TRUE);
  Run run = { 0 };
  int wait_status = 0;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_sync (scratch, (char **) argv->pdata, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &run.stderr_text, &wait_status, &error))
    g_error ("cannot run %s: %s", voxtrace, error->message);
  run.exit_status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  g_strfreev (env);
  g_ptr_array_free (argv, TRUE);
  return run;
}

/* Fails unless the run ended with status != 0 and one line containing
 * needle (NULL: any) on stderr. */
static void
expect_refused (const char *needle, const char *const *args)
{
  Run run = run_voxtrace (args);
  g_autofree char *joined = g_strjoinv (" ", (char **) args);
  g_test_message ("voxtrace %s -> %d: %s", joined, run.exit_status, run.stderr_text);
  if (run.exit_status == -1)
    g_error ("voxtrace %s was killed by a signal: %s", joined, run.stderr_text);
  if (run.exit_status == 0)
    g_error ("voxtrace %s succeeded", joined);
  g_autofree char *trimmed = g_strstrip (g_strdup (run.stderr_text));
  if (trimmed[0] == '\0' || strchr (trimmed, '\n') != NULL)
    g_error ("voxtrace %s: stderr is not one line: '%s'", joined, run.stderr_text);
  if (strstr (trimmed, "CRITICAL") || strstr (trimmed, "WARNING"))
    g_error ("voxtrace %s: a GLib warning instead of a message: '%s'", joined, trimmed);
  if (needle != NULL && strstr (trimmed, needle) == NULL)
    g_error ("voxtrace %s: '%s' lacks '%s'", joined, trimmed, needle);
  g_free (run.stderr_text);
}

#define REFUSED(needle, ...) expect_refused (needle, (const char *const[]){ __VA_ARGS__, NULL })

static void
test_separate (void)
{
  REFUSED ("no input", "separate");
  REFUSED ("-o", "separate", song);
  REFUSED ("xyz", "separate", song, "-o", "out", "--format", "xyz");
  REFUSED ("foo", "separate", song, "-o", "out", "--stems", "foo");
  REFUSED ("--stems", "separate", song, "-o", "out", "--stems", "");
  REFUSED ("nope", "separate", song, "-o", "out", "--high-band", "nope");
  REFUSED ("/nonexistent", "separate", song, "-o", "out", "--model", "/nonexistent");
  REFUSED ("no such file", "separate", "/nonexistent/song.wav", "-o", "out");
  REFUSED (NULL, "separate", song, "-o", "out", "--no-such-option");
  REFUSED (NULL, "separate", scratch, "-o", "out");
  /* A folder of the right name holding the wrong files is not a model. */
  REFUSED (NULL, "separate", song, "-o", "out", "--model", scratch);
}

static void
test_f0_eval_simulate (void)
{
  REFUSED ("-o", "f0", song);
  REFUSED ("no such file", "f0", "/nonexistent/song.wav", "-o", "f0.csv");
  REFUSED (NULL, "f0", song, "-o", "f0.csv", "--model", "/nonexistent");

  REFUSED ("dataset", "eval");
  REFUSED ("mir1k or musdb", "eval", scratch, "-d", "nope");
  REFUSED ("--every", "eval", scratch, "-d", "mir1k", "-e", "-3");
  REFUSED ("--every", "eval", scratch, "-d", "mir1k", "-e", "0");
  REFUSED (NULL, "eval", scratch, "-d", "mir1k", "-e", "99999999999999999999");
  REFUSED ("bogus", "eval", scratch, "-d", "mir1k", "-s", "bogus");
  REFUSED (NULL, "eval", "/nonexistent", "-d", "mir1k");

  REFUSED (NULL, "simulate");
  REFUSED ("bogus", "simulate", "bogus", scratch, "-d", "mir1k");
  REFUSED ("out of range", "simulate", "f0", scratch, "-d", "mir1k", "--steps", "-1");
  REFUSED ("out of range", "simulate", "f0", scratch, "-d", "mir1k", "--steps", "100001");
  REFUSED ("out of range", "simulate", "f0", scratch, "-d", "mir1k", "--budget", "-5");
  REFUSED ("out of range", "simulate", "f0", scratch, "-d", "mir1k", "--budget", "nan");
  REFUSED ("out of range", "simulate", "f0", scratch, "-d", "mir1k", "--budget", "1e300");
  REFUSED ("out of range", "simulate", "f0", scratch, "-d", "mir1k", "-e", "0");
  REFUSED (NULL, "simulate", "f0", "/nonexistent", "-d", "mir1k");
}

static void
test_metrics (void)
{
  REFUSED ("--ref", "metrics");
  REFUSED ("no such file", "metrics", "-r", "a.wav", "-e", "b.wav");
  g_autofree char *two = g_strdup_printf ("%s,%s", song, song);
  REFUSED ("estimate", "metrics", "-r", song, "-e", two);
  REFUSED ("--window", "metrics", "-r", song, "-e", song, "-w", "-1");
  REFUSED ("--window", "metrics", "-r", song, "-e", song, "--hop", "nan");
  REFUSED ("--window", "metrics", "-r", song, "-e", song, "-w", "inf");
  REFUSED (NULL, "metrics", "-r", song, "-e", song, "-w", "1e300");
  REFUSED (NULL, "metrics", "-r", song, "-e", one_frame);
  REFUSED (NULL, "metrics", "-r", song, "-e", song, "-j", "/nonexistent/folder/x.json");
}

/* A song of one frame goes through separate and f0 without a crash: either
 * stems/a curve or one line saying why not. */
static void
test_one_frame_song (void)
{
  Run run = run_voxtrace ((const char *const[]){ "separate", one_frame, "-o", "one", NULL });
  g_test_message ("separate one frame -> %d: %s", run.exit_status, run.stderr_text);
  g_assert_cmpint (run.exit_status, !=, -1);
  g_free (run.stderr_text);
  run = run_voxtrace ((const char *const[]){ "f0", one_frame, "-o", "one.csv", NULL });
  g_test_message ("f0 one frame -> %d: %s", run.exit_status, run.stderr_text);
  g_assert_cmpint (run.exit_status, !=, -1);
  g_free (run.stderr_text);
}

/* The folder's regular files (recursively), sorted, joined with spaces. */
static void
collect_files (const char *dir, const char *prefix, GPtrArray *names)
{
  GDir *handle = g_dir_open (dir, 0, NULL);
  const char *name;
  while (handle && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *shown = prefix ? g_build_filename (prefix, name, NULL) : g_strdup (name);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_files (path, shown, names);
      else
        g_ptr_array_add (names, g_steal_pointer (&shown));
    }
  if (handle)
    g_dir_close (handle);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char *
list_files (const char *dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  collect_files (dir, NULL, names);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  char *joined = g_strjoinv (" ", (char **) names->pdata);
  g_ptr_array_free (names, TRUE);
  return joined;
}

static void
test_export_under_a_file (void)
{
  g_autofree char *file = g_build_filename (scratch, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (file, "a file", -1, NULL));
  g_autofree char *out = g_build_filename (file, "stems", NULL);
  REFUSED ("notes.txt", "separate", song, "-o", out);
  g_autofree char *csv = g_build_filename (file, "f0.csv", NULL);
  REFUSED ("notes.txt", "f0", song, "-o", csv);
  g_unlink (file);
}

/* In a child with its own mount namespace: separate a 20 s song as WAV
 * (3.5 MB a stem) onto a 1 MB tmpfs. */
static int
separate_onto_full_disk (const char *full)
{
  if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    return 77;
  if (mount ("tmpfs", full, "tmpfs", 0, "size=1m") != 0)
    return 77;
  Run run = run_voxtrace ((const char *const[]){ "separate", song, "-o", full, NULL });
  g_printerr ("# separate onto a full disk -> %d: %s", run.exit_status, run.stderr_text);
  if (run.exit_status <= 0)
    return 1;
  g_autofree char *trimmed = g_strstrip (g_strdup (run.stderr_text));
  if (strchr (trimmed, '\n') != NULL || strstr (trimmed, "disk full") == NULL)
    return 2;
  /* No stem under its name, no temporary left behind. */
  g_autofree char *listing = list_files (full);
  g_printerr ("# left on the full disk: '%s'\n", listing);
  if (listing[0] != '\0')
    return 3;
  return 0;
}

static void
test_export_full_disk (void)
{
  g_autofree char *full = g_build_filename (scratch, "full", NULL);
  g_assert_cmpint (g_mkdir (full, 0755), ==, 0);
  pid_t child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    _exit (separate_onto_full_disk (full));
  int wstatus = 0;
  g_assert_cmpint (waitpid (child, &wstatus, 0), ==, child);
  if (WIFEXITED (wstatus) && WEXITSTATUS (wstatus) == 77)
    g_test_skip ("cannot mount a tmpfs here (needs root or a user namespace)");
  else if (!WIFEXITED (wstatus) || WEXITSTATUS (wstatus) != 0)
    g_error ("separate onto a full disk: child status 0x%x (1 = succeeded or crashed, "
             "2 = message, 3 = files left)",
             wstatus);
  g_rmdir (full);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  voxtrace = g_getenv ("VT_VOXTRACE");
  if (voxtrace == NULL || !g_file_test (voxtrace, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("VT_VOXTRACE does not name the program\n");
      return 77;
    }
  scratch = vt_test_scratch_new ();
  /* A 20 s stereo song at 22.05 kHz (a chord and noise), and one frame. */
  const int rate = 22050, channels = 2;
  const int64_t frames = (int64_t) rate * 20;
  float *x = g_new (float, frames *channels);
  GRand *rand = g_rand_new_with_seed (3);
  for (int64_t i = 0; i < frames; i++)
    for (int c = 0; c < channels; c++)
      x[i * channels + c]
          = (float) (0.2 * sin (2 * G_PI * 220 * i / rate) + 0.1 * sin (2 * G_PI * 330 * i / rate)
                     + 0.05 * g_rand_double_range (rand, -1, 1));
  g_rand_free (rand);
  song = g_build_filename (scratch, "song.flac", NULL);
  one_frame = g_build_filename (scratch, "one.wav", NULL);
  if (vt_audio_save (song, x, frames, channels, rate, VT_FILE_FORMAT_FLAC, NULL) != VT_STATUS_OK
      || vt_audio_save (one_frame, x, 1, channels, rate, VT_FILE_FORMAT_WAV_16, NULL)
             != VT_STATUS_OK)
    g_error ("cannot write the test songs");
  g_free (x);

  g_test_add_func ("/cli-bad-input/separate", test_separate);
  g_test_add_func ("/cli-bad-input/f0-eval-simulate", test_f0_eval_simulate);
  g_test_add_func ("/cli-bad-input/metrics", test_metrics);
  g_test_add_func ("/cli-bad-input/one-frame-song", test_one_frame_song);
  g_test_add_func ("/cli-bad-input/export-under-a-file", test_export_under_a_file);
  g_test_add_func ("/cli-bad-input/export-full-disk", test_export_full_disk);
  int status = g_test_run ();
  vt_test_scratch_free (scratch);
  return status;
}
