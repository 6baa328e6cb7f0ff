/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-dataset: listing, splits, label alignment, features, the cache and
 * the patch sampler, on ../shared/data (skipped where absent). */
#include <math.h>
#include <string.h>

#include "vt-dataset.h"
#include "vt-half.h"
#include "vt-f0.h"
#include "vt-features.h"
#include "vt-test-util.h"

static gboolean
open_dataset (VtDataset *dataset, VtDatasetKind kind)
{
  g_autofree char *root = vt_test_shared_path (kind == VT_DATASET_MIR1K ? "mir1k"
                                                                         : "musdb18-7-train");
  if (root == NULL)
    return FALSE;
  VtError error = { 0 };
  vt_dataset_init (dataset);
  g_assert_cmpint (vt_dataset_open (dataset, kind, root, &error), ==, VT_STATUS_OK);
  return TRUE;
}

static void
test_half (void)
{
  const float exact[] = { 0.0f, 1.0f, -2.0f, 0.5f, 65504.0f, 1024.0f, 0.000061035156f };
  for (size_t i = 0; i < G_N_ELEMENTS (exact); i++)
    g_assert_cmpfloat (vt_half_to_float (vt_half_from_float (exact[i])), ==, exact[i]);
  g_assert_cmpuint (vt_half_from_float (1.0f), ==, 0x3c00);
  g_assert_cmpuint (vt_half_from_float (-2.0f), ==, 0xc000);
  g_assert_true (isinf (vt_half_to_float (vt_half_from_float (1e6f))));
  g_assert_true (isnan (vt_half_to_float (vt_half_from_float (NAN))));
  GRand *rand = g_rand_new_with_seed (3);
  for (int i = 0; i < 100000; i++)
    {
      float x = (float) (g_rand_double_range (rand, -1, 1) * pow (10, g_rand_double_range (rand, -4, 4)));
      float y = vt_half_to_float (vt_half_from_float (x));
      /* Half precision: 11 significant bits, relative error <= 2^-11. */
      g_assert_cmpfloat (fabsf (y - x), <=, fabsf (x) * 4.9e-4f + 3e-8f);
    }
  g_rand_free (rand);
}

static void
test_missing_folder (void)
{
  VtDataset dataset;
  vt_dataset_init (&dataset);
  VtError error = { 0 };
  g_assert_cmpint (vt_dataset_open (&dataset, VT_DATASET_MIR1K, "/nonexistent/mir1k", &error), ==,
                   VT_STATUS_NOT_FOUND);
  g_assert_nonnull (strstr (error.message, "/nonexistent/mir1k"));
  g_assert_cmpint (dataset.n_clips, ==, 0);
}

static void
test_listing_and_splits (void)
{
  VtDataset mir1k, musdb;
  if (!open_dataset (&mir1k, VT_DATASET_MIR1K))
    return;
  g_assert_cmpint (mir1k.n_clips, ==, 535);
  g_assert_cmpstr (mir1k.clips[0].name, ==, "Ani_1_01");
  g_assert_cmpstr (mir1k.clips[0].singer, ==, "Ani");
  g_assert_cmpstr (mir1k.clips[0].song, ==, "Ani_1");
  int train = vt_dataset_split (&mir1k, VT_SPLIT_HUANG_TRAIN, NULL);
  int test = vt_dataset_split (&mir1k, VT_SPLIT_HUANG_TEST, NULL);
  int ship_train = vt_dataset_split (&mir1k, VT_SPLIT_TRAIN, NULL);
  int dev = vt_dataset_split (&mir1k, VT_SPLIT_DEV, NULL);
  g_test_message ("MIR-1K: Huang train %d, test %d; shipped train %d, dev %d", train, test,
                  ship_train, dev);
  g_assert_cmpint (train, ==, 175);
  g_assert_cmpint (train + test, ==, mir1k.n_clips);
  g_assert_cmpint (dev, ==, 92);
  g_assert_cmpint (ship_train + dev, ==, mir1k.n_clips);
  for (int i = 0; i < mir1k.n_clips; i++)
    {
      const VtClip *clip = &mir1k.clips[i];
      g_assert_true (vt_clip_in_split (clip, VT_SPLIT_HUANG_TRAIN)
                     != vt_clip_in_split (clip, VT_SPLIT_HUANG_TEST));
      g_assert_true (vt_clip_in_split (clip, VT_SPLIT_TRAIN) != vt_clip_in_split (clip, VT_SPLIT_DEV));
      /* A dev singer never appears in training. */
      if (vt_clip_in_split (clip, VT_SPLIT_TRAIN))
        g_assert_true (strcmp (clip->singer, "ariel") != 0 && strcmp (clip->singer, "davidson") != 0);
      g_assert_true (g_str_has_prefix (clip->name, clip->song));
      g_assert_true (g_str_has_prefix (clip->song, clip->singer));
    }
  vt_dataset_clear (&mir1k);

  if (!open_dataset (&musdb, VT_DATASET_MUSDB))
    return;
  g_assert_cmpint (musdb.n_clips, ==, 94);
  int n_names = 0;
  const char *const *names = vt_dataset_dev_names (VT_DATASET_MUSDB, &n_names);
  g_assert_cmpint (n_names, ==, 14);
  /* Every dev song exists, so the dev split is really 14 songs. */
  for (int j = 0; j < n_names; j++)
    {
      gboolean found = FALSE;
      for (int i = 0; i < musdb.n_clips; i++)
        found |= strcmp (musdb.clips[i].name, names[j]) == 0;
      g_assert_true (found);
    }
  g_assert_cmpint (vt_dataset_split (&musdb, VT_SPLIT_DEV, NULL), ==, 14);
  g_assert_cmpint (vt_dataset_split (&musdb, VT_SPLIT_TRAIN, NULL), ==, 80);
  g_assert_cmpint (vt_dataset_split (&musdb, VT_SPLIT_HUANG_TRAIN, NULL), ==, 0);
  int i = 0;
  while (i < musdb.n_clips && strcmp (musdb.clips[i].name, "ANiMAL - Clinic A") != 0)
    i++;
  g_assert_cmpint (i, <, musdb.n_clips);
  g_assert_cmpstr (musdb.clips[i].singer, ==, "ANiMAL");
  g_assert_cmpstr (musdb.clips[i].song, ==, "Clinic A");
  vt_dataset_clear (&musdb);
}

/* Label frame i is our frame i + 1; the counts are (N - 640) / 320 + 1 and
 * N / 320 + 1; the voice's energy agrees with the labels at this offset
 * better than one frame off. */
static void
test_mir1k_alignment (void)
{
  VtDataset mir1k;
  if (!open_dataset (&mir1k, VT_DATASET_MIR1K))
    return;
  VtStft *stft = vt_stft_new (VT_FEATURES_N_FFT, VT_FEATURES_HOP, NULL);
  double agree = 0, frames_total = 0;
  for (int index = 0; index < mir1k.n_clips; index += 53)
    {
      VtClipAudio audio;
      vt_clip_audio_init (&audio);
      VtError error = { 0 };
      g_assert_cmpint (vt_dataset_load_clip (&mir1k, index, &audio, &error), ==, VT_STATUS_OK);
      int64_t n = audio.n_samples;
      g_assert_cmpint (audio.n_label_frames, ==, (n - 640) / 320 + 1);
      g_assert_cmpint (audio.n_frames, ==, n / 320 + 1);
      g_assert_cmpint (audio.n_frames, ==, vt_stft_frame_count (stft, n));
      g_assert_cmpint (audio.n_frames - audio.n_label_frames, ==, 2);
      g_assert_nonnull (audio.f0_hz);
      g_assert_nonnull (audio.vocal_activity);

      /* The parsed labels, compared with the file itself. */
      g_autofree char *pv_name = g_strconcat (mir1k.clips[index].name, ".pv", NULL);
      g_autofree char *pv_path = g_build_filename (mir1k.root, "PitchLabel", pv_name, NULL);
      g_autofree char *text = NULL;
      g_assert_true (g_file_get_contents (pv_path, &text, NULL, NULL));
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      int64_t label = 0;
      for (int l = 0; lines[l]; l++)
        {
          g_strstrip (lines[l]);
          if (!lines[l][0])
            continue;
          double semitones = g_ascii_strtod (lines[l], NULL);
          float hz = audio.f0_hz[label + VT_FEATURES_MIR1K_FRAME_OFFSET];
          if (semitones <= 0)
            g_assert_cmpfloat (hz, ==, 0.0f);
          else
            g_assert_cmpfloat (fabs (vt_f0_hz_to_midi (hz) - semitones), <, 1e-4);
          label++;
        }
      g_assert_cmpint (label, ==, audio.n_label_frames);

      /* The energy rule used for MUSDB against MIR-1K's activity labels. */
      VtClipFeatures features;
      vt_clip_features_init (&features);
      g_assert_cmpint (vt_clip_features_compute (&audio, stft, NULL, &features, &error), ==,
                       VT_STATUS_OK);
      g_autofree float *activity = g_new (float, features.n_frames);
      vt_vocal_activity_from_spectrum (features.vocal_spectrum, features.n_frames, activity);
      for (int64_t t = 1; t < features.n_frames - 1; t++)
        {
          agree += activity[t] == audio.vocal_activity[t];
          frames_total++;
        }
      vt_clip_features_clear (&features);
      vt_clip_audio_clear (&audio);
    }
  g_test_message ("energy-based vocal activity agrees with MIR-1K's labels on %.1f %% of frames",
                  100 * agree / frames_total);
  g_assert_cmpfloat (agree / frames_total, >, 0.8);
  vt_stft_free (stft);
  vt_dataset_clear (&mir1k);
}

static int
count_progress (int done, int total, const char *name, void *user_data)
{
  *(int *) user_data = done;
  return 0;
}

static void
test_cache_and_patches (void)
{
  VtDataset mir1k, musdb;
  if (!open_dataset (&mir1k, VT_DATASET_MIR1K))
    return;
  if (!open_dataset (&musdb, VT_DATASET_MUSDB))
    {
      vt_dataset_clear (&mir1k);
      return;
    }
  char *scratch = vt_test_scratch_new ();
  g_autofree char *path = g_build_filename (scratch, "small.vtdc", NULL);
  const int mir1k_pick[] = { 0, 100, 200, 300 };
  const int musdb_pick[] = { 1, 50 };
  const VtDataset *datasets[] = { &mir1k, &musdb };
  const int *indices[] = { mir1k_pick, musdb_pick };
  const int counts[] = { 4, 2 };
  VtError error = { 0 };
  int progress = 0;
  gint64 start = g_get_monotonic_time ();
  g_assert_cmpint (vt_dataset_cache_build (datasets, indices, counts, 2, path, count_progress,
                                           &progress, &error), ==, VT_STATUS_OK);
  g_test_message ("cache of 6 clips built in %.2f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (progress, ==, 6);

  VtDatasetCache cache;
  vt_dataset_cache_init (&cache);
  g_assert_cmpint (vt_dataset_cache_load (&cache, path, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (cache.n_clips, ==, 6);
  g_test_message ("%ld frames, %zu bytes (%.0f bytes per frame)", (long) cache.total_frames,
                  cache.size, (double) cache.size / cache.total_frames);

  /* Every clip matches a fresh computation. */
  VtStft *stft = vt_stft_new (VT_FEATURES_N_FFT, VT_FEATURES_HOP, NULL);
  VtPitchTracker *tracker = vt_pitch_tracker_new (VT_FEATURES_RATE, VT_FEATURES_HOP, NULL, NULL);
  for (int c = 0; c < 6; c++)
    {
      const VtDataset *dataset = c < 4 ? &mir1k : &musdb;
      int index = c < 4 ? mir1k_pick[c] : musdb_pick[c - 4];
      const VtCacheClip *cached = &cache.clips[c];
      g_assert_cmpstr (cached->clip.name, ==, dataset->clips[index].name);
      g_assert_cmpint (vt_dataset_cache_find (&cache, cached->clip.name), ==, c);
      g_assert_cmpint (cached->f0_from_labels, ==, c < 4);
      VtClipAudio audio;
      VtClipFeatures features;
      vt_clip_audio_init (&audio);
      vt_clip_features_init (&features);
      g_assert_cmpint (vt_dataset_load_clip (dataset, index, &audio, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (vt_clip_features_compute (&audio, stft, tracker, &features, &error), ==,
                       VT_STATUS_OK);
      g_assert_cmpint (cached->n_frames, ==, features.n_frames);
      double err = 0, ref = 0;
      for (int64_t i = 0; i < features.n_frames * VT_FEATURES_BINS * 2; i++)
        {
          double a = vt_half_to_float (cached->vocal_spectrum[i]);
          double b = vt_half_to_float (cached->accompaniment_spectrum[i]);
          err += (a - features.vocal_spectrum[i]) * (a - features.vocal_spectrum[i])
                 + (b - features.accompaniment_spectrum[i]) * (b - features.accompaniment_spectrum[i]);
          ref += (double) features.vocal_spectrum[i] * features.vocal_spectrum[i]
                 + (double) features.accompaniment_spectrum[i] * features.accompaniment_spectrum[i];
        }
      g_assert_cmpfloat (sqrt (err / ref), <, 1e-3);
      int voiced = 0;
      for (int64_t t = 0; t < features.n_frames; t++)
        {
          g_assert_cmpfloat (cached->f0_hz[t], ==, features.f0_hz[t]);
          g_assert_cmpfloat (cached->f0_confidence[t], ==, features.f0_confidence[t]);
          g_assert_cmpint (cached->vocal_activity[t], ==, features.vocal_activity[t] > 0.5f);
          voiced += cached->f0_hz[t] > 0;
        }
      g_test_message ("%s: %ld frames, %d voiced", cached->clip.name, (long) cached->n_frames,
                      voiced);
      vt_clip_features_clear (&features);
      vt_clip_audio_clear (&audio);
    }

  /* Patches without augmentation reproduce the mixture's own magnitude. */
  VtPatchParams params;
  vt_patch_params_default (&params);
  params.remix_probability = 0;
  params.shift_probability = 0;
  params.gain_db = 0;
  params.silent_vocal_probability = 0;
  const int only_first[] = { 0 };
  VtPatchSampler *sampler = vt_patch_sampler_new (&cache, only_first, 1, &params, 1, &error);
  g_assert_nonnull (sampler);
  VtPatch patch;
  g_assert_cmpint (vt_patch_alloc (&patch, params.patch_frames), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_patch_sampler_next (sampler, &patch), ==, VT_STATUS_OK);
  {
    VtClipAudio audio;
    vt_clip_audio_init (&audio);
    g_assert_cmpint (vt_dataset_load_clip (&mir1k, mir1k_pick[0], &audio, &error), ==,
                     VT_STATUS_OK);
    g_autofree float *mixture = g_new (float, audio.n_samples);
    for (int64_t i = 0; i < audio.n_samples; i++)
      mixture[i] = audio.vocals[i] + audio.accompaniment[i];
    int bins = vt_stft_get_bins (stft);
    g_autofree float *spectrum = g_new (float, bins * 2);
    double err = 0, ref = 0;
    for (int t = 0; t < patch.n_frames; t++)
      {
        vt_stft_forward (stft, mixture, audio.n_samples, patch.vocal_start + t, 1, spectrum);
        for (int k = 0; k < VT_FEATURES_BINS; k++)
          {
            double m = hypot (spectrum[2 * k], spectrum[2 * k + 1]);
            double d = patch.mixture_magnitude[t * VT_FEATURES_BINS + k] - m;
            err += d * d;
            ref += m * m;
          }
        g_assert_cmpfloat (patch.f0_hz[t], ==, audio.f0_hz[patch.vocal_start + t]);
      }
    g_test_message ("unaugmented patch vs mixture STFT: relative error %.2g", sqrt (err / ref));
    g_assert_cmpfloat (sqrt (err / ref), <, 1e-3);
    vt_clip_audio_clear (&audio);
  }
  vt_patch_sampler_free (sampler);

  /* Augmented: deterministic for a seed, sources add up (triangle
   * inequality), silent voices are labelled silent. */
  vt_patch_params_default (&params);
  params.silent_vocal_probability = 0.3f;
  VtPatch again;
  g_assert_cmpint (vt_patch_alloc (&again, params.patch_frames), ==, VT_STATUS_OK);
  VtPatchSampler *a = vt_patch_sampler_new (&cache, NULL, 0, &params, 42, &error);
  VtPatchSampler *b = vt_patch_sampler_new (&cache, NULL, 0, &params, 42, &error);
  int remixed = 0, shifted = 0, silent = 0;
  for (int i = 0; i < 60; i++)
    {
      g_assert_cmpint (vt_patch_sampler_next (a, &patch), ==, VT_STATUS_OK);
      g_assert_cmpint (vt_patch_sampler_next (b, &again), ==, VT_STATUS_OK);
      g_assert_cmpmem (patch.mixture_magnitude, sizeof (float) * patch.n_frames * VT_FEATURES_BINS,
                       again.mixture_magnitude, sizeof (float) * again.n_frames * VT_FEATURES_BINS);
      remixed += patch.vocal_clip != patch.accompaniment_clip;
      shifted += patch.vocal_clip == patch.accompaniment_clip
                 && patch.vocal_start != patch.accompaniment_start;
      silent += patch.vocal_gain == 0;
      g_assert_cmpfloat (patch.accompaniment_gain, >=, 0.5f);
      g_assert_cmpfloat (patch.accompaniment_gain, <=, 2.0f);
      for (int t = 0; t < patch.n_frames; t++)
        {
          if (patch.vocal_gain == 0)
            {
              g_assert_cmpfloat (patch.f0_hz[t], ==, 0.0f);
              g_assert_cmpfloat (patch.vocal_activity[t], ==, 0.0f);
            }
          for (int k = 0; k < VT_FEATURES_BINS; k++)
            {
              size_t j = (size_t) t * VT_FEATURES_BINS + k;
              float v = patch.vocal_magnitude[j], acc = patch.accompaniment_magnitude[j];
              float m = patch.mixture_magnitude[j];
              g_assert_cmpfloat (m, <=, (v + acc) * 1.0001f + 1e-6f);
              g_assert_cmpfloat (m, >=, fabsf (v - acc) * 0.9999f - 1e-6f);
            }
        }
    }
  g_test_message ("60 patches: %d remixed, %d shifted, %d silent voices", remixed, shifted, silent);
  g_assert_cmpint (remixed, >, 10);
  g_assert_cmpint (shifted, >, 5);
  g_assert_cmpint (silent, >, 5);
  /* Another seed, other patches. */
  VtPatchSampler *c = vt_patch_sampler_new (&cache, NULL, 0, &params, 43, &error);
  g_assert_cmpint (vt_patch_sampler_next (c, &again), ==, VT_STATUS_OK);
  vt_patch_sampler_free (c);
  vt_patch_sampler_free (a);
  vt_patch_sampler_free (b);
  vt_patch_clear (&patch);
  vt_patch_clear (&again);

  /* A damaged or truncated cache is refused with a message. */
  g_autofree char *bytes = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &bytes, &length, NULL));
  bytes[length / 2] ^= 0x10;
  g_autofree char *damaged = g_build_filename (scratch, "damaged.vtdc", NULL);
  g_assert_true (g_file_set_contents (damaged, bytes, (gssize) length, NULL));
  VtDatasetCache other;
  vt_dataset_cache_init (&other);
  g_assert_cmpint (vt_dataset_cache_load (&other, damaged, &error), ==, VT_STATUS_BAD_DATA);
  g_assert_nonnull (strstr (error.message, "checksum"));
  bytes[length / 2] ^= 0x10;
  g_assert_true (g_file_set_contents (damaged, bytes, (gssize) length - 100, NULL));
  g_assert_cmpint (vt_dataset_cache_load (&other, damaged, &error), ==, VT_STATUS_BAD_FORMAT);
  g_assert_true (g_file_set_contents (damaged, "not a cache at all, really not one", -1, NULL));
  g_assert_cmpint (vt_dataset_cache_load (&other, damaged, &error), ==, VT_STATUS_BAD_FORMAT);

  vt_pitch_tracker_free (tracker);
  vt_stft_free (stft);
  vt_dataset_cache_clear (&cache);
  vt_dataset_clear (&mir1k);
  vt_dataset_clear (&musdb);
  vt_test_scratch_free (scratch);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dataset/half", test_half);
  g_test_add_func ("/dataset/missing-folder", test_missing_folder);
  g_test_add_func ("/dataset/listing-and-splits", test_listing_and_splits);
  g_test_add_func ("/dataset/mir1k-alignment", test_mir1k_alignment);
  g_test_add_func ("/dataset/cache-and-patches", test_cache_and_patches);
  return g_test_run ();
}
