/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/TARGET/),
 * made with the project's own writers so that every seed is a valid file the
 * fuzzer then mutates. Run once after a format changes:
 *   build-fuzz/tests/fuzz/vt-fuzz-seeds tests/fuzz/corpus
 * No data from ../shared is used.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "vt-audio.h"
#include "vt-document.h"
#include "vt-fuzz-nets.h"
#include "vt-weights.h"

static const char *corpus_root;

static char *
seed_path (const char *target, const char *name)
{
  char *dir = g_build_filename (corpus_root, target, NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("cannot create %s", dir);
  char *path = g_build_filename (dir, name, NULL);
  g_free (dir);
  return path;
}

static void
write_seed (const char *target, const char *name, const void *data, size_t size)
{
  g_autofree char *path = seed_path (target, name);
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (path, data, (gssize) size, &error))
    g_error ("%s", error->message);
}

static void
text_seed (const char *target, const char *name, const char *text)
{
  write_seed (target, name, text, strlen (text));
}

static void
weights_seeds (void)
{
  VtNet *net = vt_fuzz_small_net (3);
  if (net == NULL)
    g_error ("cannot plan the small network");
  void *data;
  size_t size;
  VtError error = { 0 };
  if (vt_net_save_weights_to_memory (net, VT_DTYPE_F32, &data, &size, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  write_seed ("weights", "f32.vtw", data, size);
  free (data);
  if (vt_net_save_weights_to_memory (net, VT_DTYPE_F16, &data, &size, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  write_seed ("weights", "f16.vtw", data, size);
  free (data);
  if (vt_net_save_checkpoint_to_memory (net, &data, &size, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  write_seed ("weights", "checkpoint.vtc", data, size);
  free (data);
  vt_net_free (net);
}

static void
recipe_seeds (void)
{
  text_seed ("recipe", "basic.recipe",
             "# a training recipe\n"
             "model = mask\n"
             "steps = 200\n"
             "batch = 8\n"
             "learning_rate = 1e-3\n"
             "alpha = 0.5\n");
  text_seed ("recipe", "odd.recipe",
             "  steps=   -3  # trailing comment\n"
             "\n"
             "learning_rate = nan\n"
             "model =\n"
             "alpha = 1e999\n"
             "batch = 99999999999999999999\n"
             "steps = 4\n"
             "no equals sign here\n");
}

static void
melody_seeds (void)
{
  text_seed ("melody-csv", "header.csv",
             "time,frequency\n0.00,0\n0.01,220.0\n0.02,221.5\n0.03,-223\n0.04,0\n");
  text_seed ("melody-csv", "spaces.txt",
             "# Tony export\n0.000 0.0\n0.010\t440.0\n\n0.020   -440.0\n0.030 880\n");
  text_seed ("melody-csv", "odd.csv", "0.0,1e-300\n1e-5,inf\n2e-5,nan\n0.5,\n,3\n");
}

static void
audio_seeds (void)
{
  enum
  {
    FRAMES = 48
  };
  static const struct
  {
    const char *name;
    VtFileFormat format;
    int channels;
    int rate;
  } kinds[] = {
    { "pcm16.wav", VT_FILE_FORMAT_WAV_16, 1, 8000 },
    { "pcm24.wav", VT_FILE_FORMAT_WAV_24, 2, 44100 },
    { "float.wav", VT_FILE_FORMAT_WAV_FLOAT, 2, 16000 },
    { "stereo.flac", VT_FILE_FORMAT_FLAC, 2, 16000 },
    { "mono.flac", VT_FILE_FORMAT_FLAC, 1, 192000 },
    { "stereo.ogg", VT_FILE_FORMAT_OGG, 2, 16000 },
  };
  float samples[FRAMES * 2];
  for (int i = 0; i < FRAMES * 2; i++)
    samples[i] = 0.5f * sinf (0.3f * (float) i);
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    {
      g_autofree char *path = seed_path ("audio", kinds[k].name);
      VtError error = { 0 };
      int64_t frames = FRAMES * 2 / kinds[k].channels;
      if (vt_audio_save (path, samples, frames, kinds[k].channels, kinds[k].rate, kinds[k].format,
                         &error)
          != VT_STATUS_OK)
        g_error ("%s", error.message);
    }
}

static void
project_seeds (void)
{
  enum
  {
    N_FRAMES = 100
  };
  VtDocument *document = vt_document_new ();
  vt_document_set_song (document, "/songs/take 1.flac", "0123abcd", N_FRAMES);
  float hz[N_FRAMES], confidence[N_FRAMES];
  for (int i = 0; i < N_FRAMES; i++)
    {
      hz[i] = i < 80 ? 220.0f : 0.0f;
      confidence[i] = 0.5f;
    }
  vt_document_set_estimate (document, hz, confidence, N_FRAMES);
  float drawn[5] = { 300, 301, 302, 303, 304 };
  vt_document_draw_f0 (document, 10, 5, drawn);
  vt_document_shift_f0 (document, 20, 10, 2.0);
  vt_document_mark_unvoiced (document, 40, 3);
  vt_document_add_silent_region (document, 0.5, 0.75);
  vt_document_add_silent_region (document, 1.0, 1.5);
  g_autofree char *path = seed_path ("project", "edits.vtproj");
  g_autoptr (GError) error = NULL;
  if (!vt_document_write (document, path, &error))
    g_error ("%s", error->message);
  g_object_unref (document);

  document = vt_document_new ();
  vt_document_set_song (document, "song.wav", "ff", 1);
  g_autofree char *empty_path = seed_path ("project", "empty.vtproj");
  if (!vt_document_write (document, empty_path, &error))
    g_error ("%s", error->message);
  g_object_unref (document);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: vt-fuzz-seeds CORPUS-DIR\n");
      return 2;
    }
  corpus_root = argv[1];
  weights_seeds ();
  recipe_seeds ();
  melody_seeds ();
  audio_seeds ();
  project_seeds ();
  return 0;
}
