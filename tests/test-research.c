/* SPDX-License-Identifier: GPL-3.0-or-later
 * The research systems of issue 7: Huang et al.'s DRNN and the Wave-U-Net
 * (shapes, masking layer, windowed inference without seams, weights round
 * trip with the configuration read back from the file, a few training steps
 * that lower the loss). Small shapes, fast. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "vt-audio.h"
#include "vt-drnn.h"
#include "vt-features.h"
#include "vt-optim.h"
#include "vt-recipe.h"
#include "vt-research.h"
#include "vt-train.h"
#include "vt-waveunet.h"
#include "vt-weights.h"
#include "vt-nn-check.h"
#include "vt-test-util.h"

static VtDrnnConfig
small_drnn (void)
{
  VtDrnnConfig config;
  vt_drnn_config_default (&config);
  config.hidden = 12;
  config.layers = 3;
  config.context = 1;
  return config;
}

/* A random "song" of log-magnitudes, frame-major. */
static float *
random_log_magnitude (int64_t frames, uint64_t seed)
{
  VtRng rng;
  vt_rng_init (&rng, seed);
  float *x = g_new (float, frames * VT_FEATURES_BINS);
  for (int64_t i = 0; i < frames * VT_FEATURES_BINS; i++)
    x[i] = 2.0f * vt_rng_uniform (&rng);
  return x;
}

static void
test_drnn_features (void)
{
  const int64_t n = 5;
  float *log_magnitude = random_log_magnitude (n, 3);
  const int frames = 4, context = 1;
  float *sample = g_new (float, 3 * VT_FEATURES_BINS * frames);
  vt_drnn_fill_features (log_magnitude, n, 2, frames, context, sample);
  /* channel block j holds frame t + j - 1; frames past the end are 0 */
  for (int j = 0; j < 3; j++)
    for (int t = 0; t < frames; t++)
      {
        int64_t g = 2 + t + j - 1;
        float want = g < n ? log_magnitude[g * VT_FEATURES_BINS + 7] : 0.0f;
        g_assert_cmpfloat (sample[(j * VT_FEATURES_BINS + 7) * frames + t], ==, want);
      }
  g_free (sample);
  g_free (log_magnitude);
}

static void
test_drnn_masking_layer (void)
{
  VtDrnnConfig config = small_drnn ();
  config.with_losses = true;
  VtDrnnNodes nodes;
  VtError error = { 0 };
  VtNet *net = vt_drnn_build (2, 16, &config, 7, &nodes, &error);
  g_assert_nonnull (net);
  VtRng rng;
  vt_rng_init (&rng, 9);
  VtShape features = vt_net_get_shape (net, nodes.features);
  g_assert_cmpint (features.c, ==, 3 * VT_FEATURES_BINS);
  float *x = vt_net_get_value (net, nodes.features);
  for (size_t i = 0; i < vt_shape_size (features); i++)
    x[i] = vt_rng_uniform (&rng);
  VtShape bins = vt_net_get_shape (net, nodes.mixture);
  float *mixture = vt_net_get_value (net, nodes.mixture);
  for (size_t i = 0; i < vt_shape_size (bins); i++)
    mixture[i] = 3.0f * vt_rng_uniform (&rng);
  g_assert_cmpint (vt_net_forward (net, &error), ==, VT_STATUS_OK);
  const float *mask = vt_net_get_value (net, nodes.vocal_mask);
  const float *v = vt_net_get_value (net, nodes.vocals_estimate);
  const float *a = vt_net_get_value (net, nodes.accompaniment_estimate);
  g_assert_true (vt_shape_equal (vt_net_get_shape (net, nodes.vocal_mask), bins));
  for (size_t i = 0; i < vt_shape_size (bins); i++)
    {
      g_assert_cmpfloat (mask[i], >, 0.0f);
      g_assert_cmpfloat (mask[i], <, 1.0f);
      /* the two estimates add up to the mixture */
      g_assert_cmpfloat_with_epsilon (v[i] + a[i], mixture[i], 1e-5);
      g_assert_cmpfloat_with_epsilon (v[i], mask[i] * mixture[i], 1e-5);
    }
  vt_net_free (net);
}

/* A toy task: vocals are the bins above 256, accompaniment the rest; a few
 * Adam steps must lower the discriminative loss. */
static void
test_drnn_learns (void)
{
  VtDrnnConfig config = small_drnn ();
  config.with_losses = true;
  VtDrnnNodes nodes;
  VtError error = { 0 };
  const int frames = 8, batch = 2;
  VtNet *net = vt_drnn_build (batch, frames, &config, 11, &nodes, &error);
  g_assert_nonnull (net);
  vt_net_set_training (net, true);
  VtRng rng;
  vt_rng_init (&rng, 5);
  VtAdamConfig adam = { 0 };
  double first = 0, last = 0;
  for (int step = 0; step < 60; step++)
    {
      float *m = vt_net_get_value (net, nodes.mixture);
      float *v = vt_net_get_value (net, nodes.vocals);
      float *acc = vt_net_get_value (net, nodes.accompaniment);
      float *f = vt_net_get_value (net, nodes.features);
      float *song = g_new (float, frames * VT_FEATURES_BINS);
      for (int n = 0; n < batch; n++)
        {
          for (int t = 0; t < frames; t++)
            for (int k = 0; k < VT_FEATURES_BINS; k++)
              {
                float value = vt_rng_uniform (&rng);
                size_t i = ((size_t) n * VT_FEATURES_BINS + k) * frames + t;
                m[i] = value;
                v[i] = k >= 256 ? value : 0.0f;
                acc[i] = k >= 256 ? 0.0f : value;
                song[t * VT_FEATURES_BINS + k] = log1pf (value);
              }
          vt_drnn_fill_features (song, frames, 0, frames, config.context,
                                 f + (size_t) n * 3 * VT_FEATURES_BINS * frames);
        }
      g_free (song);
      g_assert_cmpint (vt_net_forward (net, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (vt_net_backward (net, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (vt_adam_step (net, &adam, 0.01f, NULL, &error), ==, VT_STATUS_OK);
      double loss = vt_net_get_loss (net, nodes.loss);
      if (step == 0)
        first = loss;
      last = loss;
    }
  g_test_message ("DRNN toy loss %.4f -> %.4f", first, last);
  g_assert_cmpfloat (last, <, 0.5 * first);
  vt_net_free (net);
}

/* Weights written by a training net load into an inference DRNN whose
 * configuration is read from the file; the windowed mask over a song longer
 * than a window equals the mask from the same weights in one window. */
static void
test_drnn_round_trip (void)
{
  char *dir = vt_test_scratch_new ();
  g_autofree char *path = g_build_filename (dir, "drnn.vtw", NULL);
  VtDrnnConfig config = small_drnn ();
  config.layers = 2;
  config.context = 2;
  config.hidden = 10;
  VtError error = { 0 };
  VtDrnn *made = vt_drnn_new (&config, 21, &error);
  g_assert_nonnull (made);
  g_assert_cmpint (vt_net_save_weights (vt_drnn_get_net (made), path, VT_DTYPE_F32, &error), ==,
                   VT_STATUS_OK);
  VtDrnn *loaded = vt_drnn_load_file (path, &error);
  g_assert_nonnull (loaded);
  g_assert_cmpint (vt_drnn_get_config (loaded)->hidden, ==, 10);
  g_assert_cmpint (vt_drnn_get_config (loaded)->layers, ==, 2);
  g_assert_cmpint (vt_drnn_get_config (loaded)->context, ==, 2);

  const int64_t frames = 1000; /* two windows and a bit */
  float *song = random_log_magnitude (frames, 4);
  float *mask_made = g_new (float, frames * 513);
  float *mask_loaded = g_new (float, frames * 513);
  g_assert_cmpint (vt_drnn_estimate_mask (made, song, frames, mask_made, 513, NULL, &error), ==,
                   VT_STATUS_OK);
  g_assert_cmpint (vt_drnn_estimate_mask (loaded, song, frames, mask_loaded, 513, NULL, &error),
                   ==, VT_STATUS_OK);
  for (int64_t i = 0; i < frames * 513; i++)
    {
      g_assert_cmpfloat (mask_made[i], ==, mask_loaded[i]);
      g_assert_true (mask_made[i] > 0 && mask_made[i] < 1);
    }
  for (int64_t t = 0; t < frames; t++)
    g_assert_cmpfloat (mask_made[t * 513 + 512], ==, mask_made[t * 513 + 511]);
  /* A damaged or foreign file is an error, not a crash. */
  g_assert_null (vt_drnn_load_memory ("VTNN", 4, &error));
  g_assert_cmpint (error.status, ==, VT_STATUS_BAD_FORMAT);
  g_free (song);
  g_free (mask_made);
  g_free (mask_loaded);
  vt_drnn_free (made);
  vt_drnn_free (loaded);
  vt_test_scratch_free (dir);
}

static void
test_waveunet_sizes (void)
{
  VtWaveUnetConfig config;
  vt_waveunet_config_default (&config);
  int output = 0;
  int input = vt_waveunet_input_samples (&config, &output);
  g_test_message ("Wave-U-Net (paper) input %d -> output %d", input, output);
  g_assert_cmpint (input, >, output);
  g_assert_cmpint (output, >=, 16384);
  g_assert_cmpint ((input - output) % 2, ==, 0);
  config.layers = 40;
  g_assert_cmpint (vt_waveunet_input_samples (&config, &output), ==, 0);
}

static VtWaveUnetConfig
small_waveunet (int output)
{
  VtWaveUnetConfig config;
  vt_waveunet_config_default (&config);
  config.layers = 4;
  config.filters = 4;
  config.output_samples = output;
  return config;
}

/* Windows tile the song exactly (every sample written once), the stems add
 * up to the mixture, a window's output depends only on its own input
 * (valid convolutions: no padding seams), and the weights round-trip with
 * the configuration read from the file. */
static void
test_waveunet_tiling (void)
{
  VtError error = { 0 };
  VtWaveUnetConfig config = small_waveunet (300);
  VtWaveUnet *a = vt_waveunet_new (&config, 3, &error);
  g_assert_nonnull (a);
  const VtWaveUnetNodes *nodes = vt_waveunet_get_nodes (a);
  const int margin = (nodes->input_samples - nodes->output_samples) / 2;
  char *dir = vt_test_scratch_new ();
  g_autofree char *path = g_build_filename (dir, "waveunet.vtw", NULL);
  g_assert_cmpint (vt_net_save_weights (vt_waveunet_get_net (a), path, VT_DTYPE_F32, &error), ==,
                   VT_STATUS_OK);
  VtWaveUnet *from_file = vt_waveunet_load_file (path, &error);
  g_assert_nonnull (from_file);
  /* the file's configuration is found again (its tiling is the loader's) */
  g_assert_cmpint (vt_net_get_n_params (vt_waveunet_get_net (from_file)), ==,
                   vt_net_get_n_params (vt_waveunet_get_net (a)));
  VtWaveUnet *loaded = vt_waveunet_new (&config, 77, &error);
  g_assert_nonnull (loaded);
  g_assert_cmpint (vt_net_copy_weights (vt_waveunet_get_net (loaded),
                                        vt_waveunet_get_net (from_file), &error), ==,
                   VT_STATUS_OK);
  vt_waveunet_free (from_file);
  const int64_t n = 2500;
  g_assert_cmpint (n, >, nodes->output_samples + margin + 1);
  VtRng rng;
  vt_rng_init (&rng, 8);
  float *mixture = g_new (float, n), *va = g_new (float, n), *vb = g_new (float, n);
  float *vl = g_new (float, n), *acc = g_new (float, n);
  for (int64_t i = 0; i < n; i++)
    {
      mixture[i] = 0.5f * sinf (0.05f * i) + 0.2f * (vt_rng_uniform (&rng) - 0.5f);
      va[i] = vb[i] = NAN;
    }
  g_assert_cmpint (vt_waveunet_separate (a, mixture, n, va, acc, NULL, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_waveunet_separate (loaded, mixture, n, vl, NULL, NULL, &error), ==,
                   VT_STATUS_OK);
  double energy = 0;
  for (int64_t i = 0; i < n; i++)
    {
      g_assert_true (isfinite (va[i]));
      g_assert_cmpfloat_with_epsilon (va[i], vl[i], 1e-6);
      g_assert_cmpfloat_with_epsilon (va[i] + acc[i], mixture[i], 1e-6);
      energy += va[i] * va[i];
    }
  g_assert_cmpfloat (energy, >, 0.0);
  /* The last sample lies outside the first window's input. */
  mixture[n - 1] += 0.7f;
  g_assert_cmpint (vt_waveunet_separate (a, mixture, n, vb, NULL, NULL, &error), ==, VT_STATUS_OK);
  for (int i = 0; i < nodes->output_samples; i++)
    g_assert_cmpfloat (va[i], ==, vb[i]);
  g_assert_cmpfloat (va[n - 1], !=, vb[n - 1]);
  g_free (mixture);
  g_free (va);
  g_free (vb);
  g_free (vl);
  g_free (acc);
  vt_waveunet_free (a);
  vt_waveunet_free (loaded);
  vt_test_scratch_free (dir);
}

/* Toy: the "vocals" are a sine, the accompaniment noise; the loss falls. */
static void
test_waveunet_learns (void)
{
  VtWaveUnetConfig config = small_waveunet (256);
  config.with_losses = true;
  VtWaveUnetNodes nodes;
  VtError error = { 0 };
  VtNet *net = vt_waveunet_build (4, &config, 5, &nodes, &error);
  g_assert_nonnull (net);
  VtRng rng;
  vt_rng_init (&rng, 6);
  VtAdamConfig adam = { 0 };
  double first = 0, last = 0;
  const int margin = (nodes.input_samples - nodes.output_samples) / 2;
  for (int step = 0; step < 80; step++)
    {
      float *m = vt_net_get_value (net, nodes.mixture);
      float *v = vt_net_get_value (net, nodes.vocals);
      for (int b = 0; b < 4; b++)
        {
          float phase = 6.28f * vt_rng_uniform (&rng);
          float frequency = 0.05f + 0.1f * vt_rng_uniform (&rng);
          for (int i = 0; i < nodes.input_samples; i++)
            {
              float voice = 0.4f * sinf (phase + frequency * i);
              m[b * nodes.input_samples + i] = voice + 0.3f * (vt_rng_uniform (&rng) - 0.5f);
              if (i >= margin && i < margin + nodes.output_samples)
                v[b * nodes.output_samples + i - margin] = voice;
            }
        }
      g_assert_cmpint (vt_net_forward (net, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (vt_net_backward (net, &error), ==, VT_STATUS_OK);
      g_assert_cmpint (vt_adam_step (net, &adam, 3e-3f, NULL, &error), ==, VT_STATUS_OK);
      double loss = vt_net_get_loss (net, nodes.loss);
      if (step < 5)
        first += loss / 5;
      if (step >= 75)
        last += loss / 5;
    }
  g_test_message ("Wave-U-Net toy loss %.5f -> %.5f", first, last);
  g_assert_cmpfloat (last, <, 0.5 * first);
  vt_net_free (net);
}

/* A tiny MIR-1K of symbolic links to four clips of the shared data (two
 * training singers of Huang's split, two others), so that the trainer's
 * cache builds in a second. */
static char *
tiny_mir1k (const char *scratch)
{
  g_autofree char *mir1k = vt_test_shared_path ("mir1k");
  if (mir1k == NULL)
    return NULL;
  const char *clips[] = { "abjones_1_01", "amy_1_01", "ariel_1_01", "bobon_1_01" };
  const char *folders[][2] = { { "Wavfile", "flac" },
                               { "PitchLabel", "pv" },
                               { "vocal-nonvocalLabel", "vocal" } };
  char *root = g_build_filename (scratch, "mir1k", NULL);
  for (size_t f = 0; f < G_N_ELEMENTS (folders); f++)
    {
      g_autofree char *dir = g_build_filename (root, folders[f][0], NULL);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      for (size_t c = 0; c < G_N_ELEMENTS (clips); c++)
        {
          g_autofree char *name = g_strdup_printf ("%s.%s", clips[c], folders[f][1]);
          g_autofree char *target = g_build_filename (mir1k, folders[f][0], name, NULL);
          g_autofree char *link = g_build_filename (dir, name, NULL);
          g_assert_cmpint (symlink (target, link), ==, 0);
        }
    }
  return root;
}

static void
log_to_message (const char *line, void *user_data)
{
  (void) user_data;
  g_test_message ("%s", line);
}

/* Trains a few steps from a recipe; returns the weights' path. */
static char *
train_recipe (const char *scratch, const char *name, const char *text)
{
  g_autofree char *recipe_path = g_strdup_printf ("%s/%s.recipe", scratch, name);
  g_autofree char *full = g_strdup_printf ("%s\noutput = %s/%s.vtw\ndata.musdb = none\n"
                                           "warmup_steps = 0\nlog_every = 1\n", text, scratch,
                                           name);
  g_assert_true (g_file_set_contents (recipe_path, full, -1, NULL));
  VtError error = { 0 };
  VtRecipe *recipe = vt_recipe_load (recipe_path, &error);
  g_assert_nonnull (recipe);
  VtTrainOptions options = { .data_dir = scratch, .log = log_to_message };
  VtStatus status = vt_train_run (recipe, &options, &error);
  if (status != VT_STATUS_OK)
    g_error ("%s: %s", name, error.message);
  vt_recipe_free (recipe);
  return g_strdup_printf ("%s/%s.vtw", scratch, name);
}

/* The trainer's three research modes run from recipes, write weights that
 * the system loader recognises, and the systems separate a clip. */
static void
test_train_systems (void)
{
  char *scratch = vt_test_scratch_new ();
  g_autofree char *mir1k = tiny_mir1k (scratch);
  if (mir1k == NULL)
    {
      vt_test_scratch_free (scratch);
      return;
    }
  g_autofree char *drnn = train_recipe (scratch, "drnn",
                                        "network = drnn\nsplit = huang\nsteps = 3\nbatch = 2\n"
                                        "patch_frames = 16\ndrnn.hidden = 8\ndrnn.r = 0.05");
  g_autofree char *waveunet = train_recipe (scratch, "waveunet",
                                            "network = waveunet\nsplit = huang\nsteps = 3\n"
                                            "batch = 2\nwaveunet.layers = 3\n"
                                            "waveunet.filters = 4\n"
                                            "waveunet.output_samples = 512");
  /* unpaired mixtures conditioned on the shipped F0 network's estimate */
  const char *models = g_getenv ("VT_MODELS_DIR");
  g_assert_nonnull (models);
  g_autofree char *adversarial_text
    = g_strdup_printf ("network = mask\nadversarial = true\nsplit = huang\nsteps = 2\n"
                       "batch = 1\npatch_frames = 64\nbase_channels = 2\n"
                       "adversarial.critic_steps = 2\nadversarial.critic_channels = 2\n"
                       "adversarial.alpha = 0.1\nadversarial.f0_model = %s", models);
  g_autofree char *adversarial = train_recipe (scratch, "adversarial", adversarial_text);
  g_assert_true (g_file_test (adversarial, G_FILE_TEST_IS_REGULAR));
  /* a typo in a research recipe is reported, not ignored */
  VtError error = { 0 };
  VtRecipe *typo = vt_recipe_parse ("network = drnn\noutput = x.vtw\ndrnn.hiden = 3\n", "typo",
                                    &error);
  VtTrainOptions options = { .data_dir = scratch };
  g_assert_cmpint (vt_train_run (typo, &options, &error), ==, VT_STATUS_BAD_ARGUMENT);
  g_assert_nonnull (strstr (error.message, "drnn.hiden"));
  vt_recipe_free (typo);
  typo = vt_recipe_parse ("network = mask\noutput = x.vtw\nadversarial = yes\n", "typo", &error);
  g_assert_cmpint (vt_train_run (typo, &options, &error), ==, VT_STATUS_BAD_ARGUMENT);
  g_assert_nonnull (strstr (error.message, "adversarial"));
  vt_recipe_free (typo);

  const char *paths[2] = { drnn, waveunet };
  VtSystemKind kinds[2] = { VT_SYSTEM_DRNN, VT_SYSTEM_WAVEUNET };
  const int64_t n = 16000;
  float *mixture = g_new (float, n), *vocals = g_new (float, n), *acc = g_new (float, n);
  for (int64_t i = 0; i < n; i++)
    mixture[i] = 0.3f * sinf (0.07f * i) + 0.1f * sinf (0.9f * i);
  for (int k = 0; k < 2; k++)
    {
      VtSystem *system = vt_system_load_file (paths[k], &error);
      g_assert_nonnull (system);
      g_assert_cmpint (vt_system_get_kind (system), ==, kinds[k]);
      g_assert_cmpint (vt_system_get_n_parameters (system), >, 0);
      VtSongAnalysis analysis;
      vt_song_analysis_init (&analysis);
      g_assert_cmpint (vt_system_analyse (system, mixture, n, &analysis, NULL, &error), ==,
                       VT_STATUS_OK);
      g_assert_cmpint (analysis.frames, ==, vt_features_frame_count (n));
      for (int64_t i = 0; i < analysis.frames * 513; i++)
        g_assert_true (analysis.mask[i] >= 0 && analysis.mask[i] <= 1);
      g_assert_cmpint (vt_system_separate_mono (system, mixture, n, vocals, acc, NULL, NULL,
                                                &error), ==, VT_STATUS_OK);
      for (int64_t i = 0; i < n; i++)
        g_assert_cmpfloat_with_epsilon (vocals[i] + acc[i], mixture[i], 1e-3);
      vt_song_analysis_clear (&analysis);
      vt_system_free (system);
    }
  /* the mask network's weights are not a research system */
  g_assert_null (vt_system_load_file (adversarial, &error));
  g_assert_cmpint (error.status, ==, VT_STATUS_BAD_FORMAT);
  g_free (mixture);
  g_free (vocals);
  g_free (acc);
  vt_test_scratch_free (scratch);
}

/* The adversarial wiring: with alpha > 0 the critics reach the separator
 * (the weights differ from the supervised-only twin's), and the whole run,
 * critics included, is deterministic. */
static void
test_train_adversarial_wiring (void)
{
  char *scratch = vt_test_scratch_new ();
  g_autofree char *mir1k = tiny_mir1k (scratch);
  if (mir1k == NULL)
    {
      vt_test_scratch_free (scratch);
      return;
    }
  const char *base = "network = mask\nadversarial = true\nsplit = huang\nsteps = 2\nbatch = 1\n"
                     "patch_frames = 64\nbase_channels = 2\nadversarial.critic_channels = 2\n"
                     "adversarial.clip = 0.5\nadversarial.unpaired_f0 = labels\n";
  g_autofree char *cache = g_strdup_printf ("cache = %s/tiny.cache\n", scratch);
  g_autofree char *r1 = g_strconcat (base, cache, "adversarial.alpha = 0\n"
                                     "adversarial.critic_steps = 1", NULL);
  g_autofree char *r2 = g_strconcat (base, cache, "adversarial.alpha = 100\n"
                                     "adversarial.critic_steps = 1", NULL);
  g_autofree char *r3 = g_strconcat (base, cache, "adversarial.alpha = 100\n"
                                     "adversarial.critic_steps = 1", NULL);
  g_autofree char *p1 = train_recipe (scratch, "alpha0-a", r1);
  g_autofree char *p2 = train_recipe (scratch, "alpha100-b", r2);
  g_autofree char *p3 = train_recipe (scratch, "alpha100", r3);
  g_autofree char *w1 = NULL, *w2 = NULL, *w3 = NULL;
  gsize n1 = 0, n2 = 0, n3 = 0;
  g_assert_true (g_file_get_contents (p1, &w1, &n1, NULL));
  g_assert_true (g_file_get_contents (p2, &w2, &n2, NULL));
  g_assert_true (g_file_get_contents (p3, &w3, &n3, NULL));
  g_assert_cmpuint (n1, ==, n2);
  g_assert_cmpuint (n1, ==, n3);
  g_assert_false (memcmp (w1, w2, n1) == 0);
  g_assert_true (memcmp (w2, w3, n1) == 0);
  vt_test_scratch_free (scratch);
}

/* The composed graphs' gradients (GRUs, masking layer, discriminative loss;
 * valid convs, decimation, learned upsampling, crops) against finite
 * differences. */
static void
test_gradients (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (12);
  VtDrnnConfig config = small_drnn ();
  config.hidden = 3;
  config.layers = 2;
  config.with_losses = true;
  VtDrnnNodes nodes;
  VtError error = { 0 };
  VtNet *net = vt_drnn_build (1, 3, &config, 2, &nodes, &error);
  g_assert_nonnull (net);
  vt_check_fill (net, nodes.features, rand, 0, 2);
  vt_check_fill (net, nodes.mixture, rand, 0.5, 2);
  vt_check_fill (net, nodes.vocals, rand, 0, 1);
  vt_check_fill (net, nodes.accompaniment, rand, 0, 1);
  vt_check_gradients (net, 1e-2, 6);
  vt_net_free (net);

  VtWaveUnetConfig wave = small_waveunet (8);
  wave.layers = 2;
  wave.filters = 2;
  wave.with_losses = true;
  VtWaveUnetNodes wave_nodes;
  net = vt_waveunet_build (2, &wave, 3, &wave_nodes, &error);
  g_assert_nonnull (net);
  vt_check_fill (net, wave_nodes.mixture, rand, -1, 1);
  vt_check_fill (net, wave_nodes.vocals, rand, -0.5, 0.5);
  /* Small steps: a larger one moves some of the many leaky-ReLU inputs
   * across their kink (the difference then converges to the analytic
   * gradient as the step shrinks, as it should). */
  vt_check_gradients (net, 1e-3, 6);
  vt_net_free (net);
}

static int
run_voxtrace (char **argv, char **envp, char **err)
{
  int wait_status = -1;
  g_autofree char *out = NULL; /* not into the TAP stream */
  g_assert_true (g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, err,
                               &wait_status, NULL));
  return wait_status;
}

/* The command line with a research system: separate at the song's own rate
 * (stems that add up to it) by file and by name, eval with JSON, and a
 * clear failure for a system that is not trained. */
static void
test_command_line (void)
{
  const char *voxtrace = g_getenv ("VT_VOXTRACE");
  const char *demo = g_getenv ("VT_DEMO_SONG");
  if (!voxtrace || !demo || !g_file_test (voxtrace, G_FILE_TEST_IS_EXECUTABLE)
      || !g_file_test (demo, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the voxtrace program or the demo song is not built");
      return;
    }
  char *scratch = vt_test_scratch_new ();
  g_autofree char *weights = g_build_filename (scratch, "drnn.vtw", NULL);
  VtDrnnConfig config = small_drnn ();
  VtError error = { 0 };
  VtDrnn *drnn = vt_drnn_new (&config, 5, &error);
  g_assert_nonnull (drnn);
  g_assert_cmpint (vt_net_save_weights (vt_drnn_get_net (drnn), weights, VT_DTYPE_F16, &error),
                   ==, VT_STATUS_OK);
  vt_drnn_free (drnn);

  g_autofree char *out = g_build_filename (scratch, "stems", NULL);
  char *separate[] = { (char *) voxtrace, "separate", (char *) demo, "-o", out, "--format",
                       "float", "--model", weights, NULL };
  g_autofree char *err = NULL;
  g_assert_cmpint (run_voxtrace (separate, NULL, &err), ==, 0);
  g_autofree char *vocals_path = g_build_filename (out, "demo-mix", "vocals.wav", NULL);
  g_autofree char *acc_path = g_build_filename (out, "demo-mix", "accompaniment.wav", NULL);
  VtAudio mix, vocals, acc;
  vt_audio_init (&mix);
  vt_audio_init (&vocals);
  vt_audio_init (&acc);
  g_assert_cmpint (vt_audio_load (demo, &mix, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (vocals_path, &vocals, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_audio_load (acc_path, &acc, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vocals.frames, ==, mix.frames);
  g_assert_cmpint (vocals.sample_rate, ==, mix.sample_rate);
  g_assert_cmpint (acc.channels, ==, mix.channels);
  double worst = 0, energy = 0;
  for (int64_t i = 0; i < mix.frames * mix.channels; i++)
    {
      worst = fmax (worst, fabs (vocals.samples[i] + acc.samples[i] - mix.samples[i]));
      energy += vocals.samples[i] * vocals.samples[i];
    }
  g_assert_cmpfloat (worst, <, 1e-4);
  g_assert_cmpfloat (energy, >, 0);
  vt_audio_clear (&mix);
  vt_audio_clear (&vocals);
  vt_audio_clear (&acc);

  /* by name, from VOXTRACE_MODELS_DIR */
  g_auto (GStrv) envp = g_get_environ ();
  envp = g_environ_setenv (envp, "VOXTRACE_MODELS_DIR", scratch, TRUE);
  char *by_name[] = { (char *) voxtrace, "separate", (char *) demo, "-o", out, "--stems",
                      "vocals", "--model", "drnn", NULL };
  g_assert_cmpint (run_voxtrace (by_name, envp, NULL), ==, 0);
  char *untrained[] = { (char *) voxtrace, "separate", (char *) demo, "-o", out, "--model",
                        "waveunet", NULL };
  g_autofree char *untrained_err = NULL;
  g_assert_cmpint (run_voxtrace (untrained, envp, &untrained_err), !=, 0);
  g_assert_nonnull (strstr (untrained_err, "waveunet.recipe"));

  g_autofree char *mir1k = tiny_mir1k (scratch);
  if (mir1k != NULL)
    {
      g_autofree char *json_path = g_build_filename (scratch, "eval.json", NULL);
      char *eval[] = { (char *) voxtrace, "eval", mir1k, "--dataset", "mir1k", "--split",
                       "huang-test", "--model", weights, "--json", json_path, "-q", NULL };
      g_assert_cmpint (run_voxtrace (eval, NULL, NULL), ==, 0);
      g_autofree char *json = NULL;
      g_assert_true (g_file_get_contents (json_path, &json, NULL, NULL));
      g_assert_nonnull (strstr (json, "\"clips\": 2"));
      double gnsdr = NAN;
      const char *at = strstr (json, "\"gnsdr\": ");
      g_assert_nonnull (at);
      gnsdr = g_ascii_strtod (at + 9, NULL);
      g_assert_true (isfinite (gnsdr));
    }
  vt_test_scratch_free (scratch);
}

static void
test_activity_from_mask (void)
{
  const int64_t frames = 3;
  float *mask = g_new (float, frames * 513), *magnitude = g_new (float, frames * 512);
  float activity[3];
  for (int64_t t = 0; t < frames; t++)
    for (int k = 0; k < 513; k++)
      {
        mask[t * 513 + k] = t == 0 ? 1.0f : t == 1 ? 0.0f : 0.5f;
        if (k < 512)
          magnitude[t * 512 + k] = 1.0f + k % 7;
      }
  vt_activity_from_mask (mask, magnitude, frames, activity);
  g_assert_cmpfloat_with_epsilon (activity[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (activity[1], 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (activity[2], 0.25, 1e-6); /* energy, not amplitude */
  g_free (mask);
  g_free (magnitude);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/research/drnn/features", test_drnn_features);
  g_test_add_func ("/research/drnn/masking-layer", test_drnn_masking_layer);
  g_test_add_func ("/research/drnn/learns", test_drnn_learns);
  g_test_add_func ("/research/drnn/round-trip", test_drnn_round_trip);
  g_test_add_func ("/research/waveunet/sizes", test_waveunet_sizes);
  g_test_add_func ("/research/waveunet/tiling", test_waveunet_tiling);
  g_test_add_func ("/research/waveunet/learns", test_waveunet_learns);
  g_test_add_func ("/research/gradients", test_gradients);
  g_test_add_func ("/research/activity-from-mask", test_activity_from_mask);
  g_test_add_func ("/research/train/systems", test_train_systems);
  g_test_add_func ("/research/train/adversarial-wiring", test_train_adversarial_wiring);
  g_test_add_func ("/research/command-line", test_command_line);
  return g_test_run ();
}
