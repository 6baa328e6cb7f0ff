/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-train-research.h"
#include "vt-train-common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vt-dataset.h"
#include "vt-drnn.h"
#include "vt-f0.h"
#include "vt-features.h"
#include "vt-harmonic-map.h"
#include "vt-model.h"
#include "vt-optim.h"
#include "vt-waveunet.h"
#include "vt-weights.h"

typedef enum
{
  SYSTEM_DRNN,
  SYSTEM_WAVEUNET,
  SYSTEM_ADVERSARIAL,
} System;

typedef struct
{
  System system;
  VtTrainCommon c;
  int64_t batch, patch_frames;
  VtPatchParams patch;
  VtDrnnConfig drnn;
  VtWaveUnetConfig waveunet;
  /* adversarial */
  int64_t base_channels, critic_steps, paired_every, critic_channels;
  double alpha, beta, activity_weight, critic_learning_rate, clip;
  bool unpaired_f0_from_labels;
  char f0_model[1024];
} Settings;

/* Waveforms of the training clips, for the Wave-U-Net. */
typedef struct
{
  int n_clips;
  int64_t *n_samples;
  float **vocals, **accompaniment;
  double total;
} Waveforms;

typedef struct
{
  VtNet *net;
  VtNode input, weight, loss;
} Critic;

typedef struct
{
  const VtTrainOptions *options;
  Settings s;
  VtNet *net;
  VtNode loss;         /* what the log reports */
  VtDrnnNodes drnn;
  VtWaveUnetNodes waveunet;
  VtMaskNetNodes mask;
  VtNode negative_mixture, vocals_estimate, accompaniment_estimate;
  VtNode u_vocals_weight, u_accompaniment_weight, u_vocals, u_accompaniment;
  Critic critics[2];   /* vocals, accompaniment */
  VtModel *estimator;  /* the F0 of unpaired mixtures, as at inference */
  float *f0_hz, *f0_confidence, *posterior, *log_scratch;
  VtPatch *patches;    /* batch (paired) + batch (unpaired) + 2 * batch (solo sources) */
  float *scratch;      /* patch_frames x 512 */
  Waveforms waves;
  VtRng rng;
  double critic_sum, add_error, u_ratio;
} Trainer;

static void
say (const Trainer *trainer, const char *format, ...)
{
  char line[512];
  va_list args;
  va_start (args, format);
  vsnprintf (line, sizeof line, format, args);
  va_end (args);
  if (trainer->options->log)
    trainer->options->log (line, trainer->options->log_user_data);
}

static void
resolve (char *out, size_t size, const char *base, const char *path)
{
  if (path[0] == '/' || base == NULL || base[0] == '\0')
    snprintf (out, size, "%s", path);
  else
    snprintf (out, size, "%s/%s", base, path);
}

bool
vt_train_research_wants (VtRecipe *recipe)
{
  const char *network = vt_recipe_get_string (recipe, "network", "");
  const char *adversarial = vt_recipe_get_string (recipe, "adversarial", "false");
  /* Any value but "false" comes here, where anything but "true" is an error. */
  return strcmp (network, "drnn") == 0 || strcmp (network, "waveunet") == 0
         || (strcmp (network, "mask") == 0 && strcmp (adversarial, "false") != 0);
}

static VtStatus
read_settings (VtRecipe *recipe, const VtTrainOptions *options, Settings *s, VtError *error)
{
  memset (s, 0, sizeof *s);
  const char *network = vt_recipe_get_string (recipe, "network", "");
  if (strcmp (network, "drnn") == 0)
    s->system = SYSTEM_DRNN;
  else if (strcmp (network, "waveunet") == 0)
    s->system = SYSTEM_WAVEUNET;
  else
    s->system = SYSTEM_ADVERSARIAL;
  const char *adversarial = vt_recipe_get_string (recipe, "adversarial", "false");
  if (s->system == SYSTEM_ADVERSARIAL && strcmp (adversarial, "true") != 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: adversarial must be 'true' or 'false' (got '%s')",
                         vt_recipe_get_path (recipe), adversarial);
  VtStatus st = vt_train_common_read (recipe, options, &s->c, error);
  if (st != VT_STATUS_OK)
    return st;

#define INT(key, field, dflt, lo, hi) \
  if ((st = vt_recipe_get_int (recipe, key, dflt, lo, hi, &s->field, error)) != VT_STATUS_OK) \
    return st;
#define DBL(key, field, dflt, lo, hi) \
  if ((st = vt_recipe_get_double (recipe, key, dflt, lo, hi, &s->field, error)) != VT_STATUS_OK) \
    return st;
  INT ("batch", batch, s->system == SYSTEM_ADVERSARIAL ? 8 : 16, 1, 256);
  vt_patch_params_default (&s->patch);
  int64_t value;
  double real;
  switch (s->system)
    {
    case SYSTEM_DRNN:
      vt_drnn_config_default (&s->drnn);
      INT ("patch_frames", patch_frames, 64, 8, 4096);
      if ((st = vt_recipe_get_int (recipe, "drnn.hidden", s->drnn.hidden, 1, 8192, &value, error)))
        return st;
      s->drnn.hidden = (int) value;
      if ((st = vt_recipe_get_int (recipe, "drnn.layers", s->drnn.layers, 1, 8, &value, error)))
        return st;
      s->drnn.layers = (int) value;
      if ((st = vt_recipe_get_int (recipe, "drnn.context", s->drnn.context, 0, 8, &value, error)))
        return st;
      s->drnn.context = (int) value;
      if ((st = vt_recipe_get_double (recipe, "drnn.r", s->drnn.r, 0, 0.99, &real, error)))
        return st;
      s->drnn.r = (float) real;
      s->drnn.with_losses = true;
      break;
    case SYSTEM_WAVEUNET:
      {
        vt_waveunet_config_default (&s->waveunet);
        struct
        {
          const char *key;
          int *field;
          int max;
        } keys[] = {
          { "waveunet.layers", &s->waveunet.layers, 16 },
          { "waveunet.filters", &s->waveunet.filters, 256 },
          { "waveunet.down_kernel", &s->waveunet.down_kernel, 63 },
          { "waveunet.up_kernel", &s->waveunet.up_kernel, 63 },
          { "waveunet.output_samples", &s->waveunet.output_samples, 1 << 20 },
        };
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
          {
            if ((st = vt_recipe_get_int (recipe, keys[i].key, *keys[i].field, 1, keys[i].max,
                                         &value, error)))
              return st;
            *keys[i].field = (int) value;
          }
        s->waveunet.with_losses = true;
        break;
      }
    case SYSTEM_ADVERSARIAL:
      INT ("patch_frames", patch_frames, 128, 64, 4096);
      INT ("base_channels", base_channels, VT_MODEL_BASE_CHANNELS, 2, 128);
      INT ("adversarial.critic_steps", critic_steps, 5, 1, 100);
      INT ("adversarial.paired_every", paired_every, 2, 1, 1000);
      INT ("adversarial.critic_channels", critic_channels, 16, 1, 256);
      DBL ("adversarial.alpha", alpha, 0.01, 0, 100);
      DBL ("adversarial.beta", beta, 0, 0, 100);
      DBL ("adversarial.critic_learning_rate", critic_learning_rate, 1e-4, 0, 1);
      DBL ("adversarial.clip", clip, 0.01, 0, 10);
      DBL ("mask.activity_weight", activity_weight, 0.1, 0, 1);
      {
        const char *f0 = vt_recipe_get_string (recipe, "adversarial.unpaired_f0", "estimate");
        if (strcmp (f0, "labels") != 0 && strcmp (f0, "estimate") != 0)
          return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                               "%s: adversarial.unpaired_f0 must be 'estimate' or 'labels'",
                               vt_recipe_get_path (recipe));
        s->unpaired_f0_from_labels = strcmp (f0, "labels") == 0;
        resolve (s->f0_model, sizeof s->f0_model, vt_recipe_get_dir (recipe),
                 vt_recipe_get_string (recipe, "adversarial.f0_model", "."));
      }
      if (s->patch_frames % 64 != 0)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "%s: patch_frames must be a multiple of 64",
                             vt_recipe_get_path (recipe));
      break;
    }
#undef INT
#undef DBL
  s->patch.patch_frames = (int) s->patch_frames;
  if ((st = vt_train_read_augment (recipe, &s->patch, error)) != VT_STATUS_OK)
    return st;
  return vt_recipe_check_unused (recipe, error);
}

/* ---- Wave-U-Net data ---- */

static void
waveforms_clear (Waveforms *w)
{
  for (int i = 0; i < w->n_clips; i++)
    {
      free (w->vocals[i]);
      free (w->accompaniment[i]);
    }
  free (w->vocals);
  free (w->accompaniment);
  free (w->n_samples);
  memset (w, 0, sizeof *w);
}

static VtStatus
waveforms_add (Trainer *trainer, VtDatasetKind kind, const char *root, VtError *error)
{
  Waveforms *w = &trainer->waves;
  VtDataset dataset;
  vt_dataset_init (&dataset);
  VtStatus status = vt_dataset_open (&dataset, kind, root, error);
  int *indices = NULL;
  if (status != VT_STATUS_OK)
    return status;
  indices = malloc (sizeof (int) * (size_t) (dataset.n_clips + 1));
  int n = indices ? vt_dataset_split (&dataset, trainer->s.c.split, indices) : 0;
  int64_t *lengths = realloc (w->n_samples, sizeof (int64_t) * (size_t) (w->n_clips + n + 1));
  if (lengths)
    w->n_samples = lengths;
  float **vocals = realloc (w->vocals, sizeof (float *) * (size_t) (w->n_clips + n + 1));
  if (vocals)
    w->vocals = vocals;
  float **accompaniment = realloc (w->accompaniment,
                                   sizeof (float *) * (size_t) (w->n_clips + n + 1));
  if (accompaniment)
    w->accompaniment = accompaniment;
  if (!indices || !lengths || !vocals || !accompaniment)
    status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  for (int k = 0; k < n && status == VT_STATUS_OK; k++)
    {
      VtClipAudio audio;
      vt_clip_audio_init (&audio);
      status = vt_dataset_load_clip (&dataset, indices[k], &audio, error);
      if (status != VT_STATUS_OK)
        {
          vt_error_prefix (error, "%s", dataset.clips[indices[k]].name);
          break;
        }
      /* Take the arrays over. */
      w->vocals[w->n_clips] = audio.vocals;
      w->accompaniment[w->n_clips] = audio.accompaniment;
      w->n_samples[w->n_clips] = audio.n_samples;
      w->total += (double) audio.n_samples;
      w->n_clips++;
      audio.vocals = audio.accompaniment = NULL;
      vt_clip_audio_clear (&audio);
    }
  free (indices);
  vt_dataset_clear (&dataset);
  return status;
}

static int
pick_clip (Trainer *trainer)
{
  double target = vt_rng_uniform (&trainer->rng) * trainer->waves.total;
  for (int i = 0; i < trainer->waves.n_clips; i++)
    {
      target -= (double) trainer->waves.n_samples[i];
      if (target < 0)
        return i;
    }
  return trainer->waves.n_clips - 1;
}

static float
random_gain (Trainer *trainer)
{
  float db = (2 * vt_rng_uniform (&trainer->rng) - 1) * trainer->s.patch.gain_db;
  return powf (10.0f, db / 20.0f);
}

/* Copies [start, start + length) of a clip, zeros outside it. */
static void
copy_span (const float *signal, int64_t n, int64_t start, int length, float gain, float *out)
{
  for (int i = 0; i < length; i++)
    {
      int64_t s = start + i;
      out[i] = s >= 0 && s < n ? gain * signal[s] : 0.0f;
    }
}

static VtStatus
fill_waveunet (Trainer *trainer)
{
  const Waveforms *w = &trainer->waves;
  const int input = trainer->waveunet.input_samples, output = trainer->waveunet.output_samples;
  const int margin = (input - output) / 2;
  float *mixture = vt_net_get_value (trainer->net, trainer->waveunet.mixture);
  float *target = vt_net_get_value (trainer->net, trainer->waveunet.vocals);
  for (int b = 0; b < trainer->s.batch; b++)
    {
      int v = pick_clip (trainer);
      int a = vt_rng_uniform (&trainer->rng) < trainer->s.patch.remix_probability
                ? pick_clip (trainer) : v;
      int64_t v_span = w->n_samples[v] > output ? w->n_samples[v] - output : 1;
      int64_t v_start = (int64_t) (vt_rng_uniform (&trainer->rng) * (double) v_span);
      int64_t a_start = v_start;
      if (a != v)
        {
          int64_t a_span = w->n_samples[a] > output ? w->n_samples[a] - output : 1;
          a_start = (int64_t) (vt_rng_uniform (&trainer->rng) * (double) a_span);
        }
      float v_gain = random_gain (trainer), a_gain = random_gain (trainer);
      float *m = mixture + (size_t) b * input;
      copy_span (w->vocals[v], w->n_samples[v], v_start - margin, input, v_gain, m);
      copy_span (w->vocals[v], w->n_samples[v], v_start, output, v_gain,
                 target + (size_t) b * output);
      float *acc = trainer->scratch;
      copy_span (w->accompaniment[a], w->n_samples[a], a_start - margin, input, a_gain, acc);
      for (int i = 0; i < input; i++)
        m[i] += acc[i];
    }
  return VT_STATUS_OK;
}

/* ---- spectrogram patches ---- */

/* frame-major patch array (frames x 512) into sample n of an
 * N x C x H x W tensor laid out with bins on `bins_axis_stride`. */
static void
put_bins_time (float *tensor, int n, int frames, const float *source, bool log_compress)
{
  float *dst = tensor + (size_t) n * VT_FEATURES_BINS * frames;
  for (int t = 0; t < frames; t++)
    for (int k = 0; k < VT_FEATURES_BINS; k++)
      {
        float v = source[t * VT_FEATURES_BINS + k];
        dst[(size_t) k * frames + t] = log_compress ? log1pf (v) : v;
      }
}

static VtStatus
fill_drnn (Trainer *trainer, VtPatchSampler *sampler, VtError *error)
{
  const int frames = (int) trainer->s.patch_frames;
  const int channels = (2 * trainer->s.drnn.context + 1) * VT_FEATURES_BINS;
  VtNet *net = trainer->net;
  for (int n = 0; n < trainer->s.batch; n++)
    {
      VtPatch *patch = &trainer->patches[n];
      if (vt_patch_sampler_next (sampler, patch) != VT_STATUS_OK)
        return vt_error_set (error, VT_STATUS_NO_MEMORY, "sampling a training patch failed");
      for (int i = 0; i < frames * VT_FEATURES_BINS; i++)
        trainer->scratch[i] = log1pf (patch->mixture_magnitude[i]);
      vt_drnn_fill_features (trainer->scratch, frames, 0, frames, trainer->s.drnn.context,
                             vt_net_get_value (net, trainer->drnn.features)
                               + (size_t) n * channels * frames);
      put_bins_time (vt_net_get_value (net, trainer->drnn.mixture), n, frames,
                     patch->mixture_magnitude, false);
      put_bins_time (vt_net_get_value (net, trainer->drnn.vocals), n, frames,
                     patch->vocal_magnitude, false);
      put_bins_time (vt_net_get_value (net, trainer->drnn.accompaniment), n, frames,
                     patch->accompaniment_magnitude, false);
    }
  return VT_STATUS_OK;
}

/* ---- semi-supervised adversarial ---- */

static VtStatus
critic_build (Critic *critic, const char *name, int batch, int frames, int channels,
              uint64_t seed, VtError *error)
{
  VtNet *net = vt_net_new (seed);
  if (net == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  critic->net = net;
  /* generated (first batch) and real (second batch) through one pass */
  critic->input = vt_net_input (net, "spectrogram", (VtShape) { 2 * batch, 1, VT_FEATURES_BINS,
                                                                frames });
  vt_net_input_set_requires_grad (net, critic->input, true);
  VtNode h = critic->input;
  char layer[64];
  for (int i = 0; i < 4; i++)
    {
      snprintf (layer, sizeof layer, "%s.conv%d", name, i + 1);
      h = vt_net_conv2d (net, layer, h,
                         &(VtConv2dConfig) { .out_channels = channels << i, .kernel_h = 5,
                                             .kernel_w = 5, .stride_h = 4 - 2 * (i % 2),
                                             .stride_w = 2, .pad_h = 2, .pad_w = 2 });
      h = vt_net_leaky_relu (net, h, 0.2f);
    }
  snprintf (layer, sizeof layer, "%s.score", name);
  h = vt_net_dense (net, layer, h, 1);
  critic->weight = vt_net_input (net, "weight", (VtShape) { 2 * batch, 1, 1, 1 });
  critic->loss = vt_net_sum_loss (net, h, critic->weight);
  return vt_net_plan (net, error);
}

static void
critic_weights (Critic *critic, int batch, float generated, float real)
{
  float *w = vt_net_get_value (critic->net, critic->weight);
  for (int n = 0; n < batch; n++)
    {
      w[n] = generated / batch;
      w[batch + n] = real / batch;
    }
}

/* The real half of a critic's input: solo sources from patches drawn
 * independently of the mixtures. */
static VtStatus
critic_fill_real (Trainer *trainer, VtPatchSampler *solo, int source)
{
  const int batch = (int) trainer->s.batch, frames = (int) trainer->s.patch_frames;
  Critic *critic = &trainer->critics[source];
  float *input = vt_net_get_value (critic->net, critic->input);
  for (int n = 0; n < batch; n++)
    {
      VtPatch *patch = &trainer->patches[2 * batch + n];
      if (vt_patch_sampler_next (solo, patch) != VT_STATUS_OK)
        return VT_STATUS_NO_MEMORY;
      put_bins_time (input, batch + n, frames,
                     source == 0 ? patch->vocal_magnitude : patch->accompaniment_magnitude, true);
    }
  return VT_STATUS_OK;
}

static VtStatus
fill_adversarial (Trainer *trainer, VtPatchSampler *paired, VtPatchSampler *unpaired,
                  VtPatchSampler *solo, VtError *error)
{
  const int batch = (int) trainer->s.batch, frames = (int) trainer->s.patch_frames;
  VtNet *net = trainer->net;
  const size_t plane = (size_t) VT_FEATURES_BINS * frames;
  for (int n = 0; n < 2 * batch; n++)
    {
      VtPatch *patch = &trainer->patches[n];
      if (vt_patch_sampler_next (n < batch ? paired : unpaired, patch) != VT_STATUS_OK)
        return vt_error_set (error, VT_STATUS_NO_MEMORY, "sampling a training patch failed");
      put_bins_time (vt_net_get_value (net, trainer->mask.spectrogram), n, frames,
                     patch->mixture_magnitude, true);
      put_bins_time (vt_net_get_value (net, trainer->mask.mixture), n, frames,
                     patch->mixture_magnitude, false);
      float *negative = vt_net_get_value (net, trainer->negative_mixture) + n * plane;
      const float *mixture = vt_net_get_value (net, trainer->mask.mixture) + n * plane;
      for (size_t i = 0; i < plane; i++)
        negative[i] = -mixture[i];
      put_bins_time (vt_net_get_value (net, trainer->mask.vocals), n, frames,
                     patch->vocal_magnitude, false);
      /* Paired patches are conditioned on their labels; unpaired mixtures
       * have none, so on the F0 network's estimate, as at inference. */
      VtStatus status;
      if (n >= batch && trainer->estimator)
        {
          for (int i = 0; i < frames * VT_FEATURES_BINS; i++)
            trainer->log_scratch[i] = log1pf (patch->mixture_magnitude[i]);
          status = vt_model_estimate_f0 (trainer->estimator, trainer->log_scratch, frames,
                                         trainer->posterior, trainer->f0_hz,
                                         trainer->f0_confidence, NULL, error);
          if (status == VT_STATUS_OK)
            status = vt_harmonic_map_render (trainer->f0_hz, trainer->f0_confidence, frames,
                                             NULL, trainer->scratch, error);
        }
      else
        status = vt_harmonic_map_render (patch->f0_hz, NULL, frames, NULL, trainer->scratch,
                                         error);
      if (status != VT_STATUS_OK)
        return status;
      put_bins_time (vt_net_get_value (net, trainer->mask.harmonics), n, frames, trainer->scratch,
                     false);
      float paired_weight = n < batch ? 1.0f : 0.0f;
      float *mask_weight = vt_net_get_value (net, trainer->mask.mask_weight) + n * plane;
      for (size_t i = 0; i < plane; i++)
        mask_weight[i] = paired_weight;
      float *activity = vt_net_get_value (net, trainer->mask.activity_target) + (size_t) n * frames;
      float *activity_weight = vt_net_get_value (net, trainer->mask.activity_weight)
                               + (size_t) n * frames;
      for (int t = 0; t < frames; t++)
        {
          activity[t] = patch->vocal_activity[t];
          activity_weight[t] = paired_weight;
        }
    }
  return VT_STATUS_OK;
}

/* After the separator's forward: trains the critics on its estimates for
 * the unpaired mixtures against solo sources, then turns each critic's
 * judgement into the separator's gradient (alpha * dL_u/d estimate) in the
 * sum-loss weights. */
static VtStatus
adversarial_step (Trainer *trainer, VtPatchSampler *solo, float lr, VtError *error)
{
  const Settings *s = &trainer->s;
  const int batch = (int) s->batch, frames = (int) s->patch_frames;
  const size_t plane = (size_t) VT_FEATURES_BINS * frames;
  VtNet *net = trainer->net;
  VtAdamConfig adam = { .beta1 = 0.5f };
  VtNode estimates[2] = { trainer->vocals_estimate, trainer->accompaniment_estimate };
  VtNode weights[2] = { trainer->u_vocals_weight, trainer->u_accompaniment_weight };
  double add_error = 0;
  const float *v = vt_net_get_value (net, estimates[0]);
  const float *a = vt_net_get_value (net, estimates[1]);
  const float *mixture = vt_net_get_value (net, trainer->mask.mixture);
  for (size_t i = 0; i < 2 * batch * plane; i++)
    add_error = fmax (add_error, fabs ((double) v[i] + a[i] - mixture[i]));
  trainer->add_error = fmax (trainer->add_error, add_error);
  for (int source = 0; source < 2; source++)
    {
      Critic *critic = &trainer->critics[source];
      float *input = vt_net_get_value (critic->net, critic->input);
      const float *estimate = vt_net_get_value (net, estimates[source]) + batch * plane;
      for (size_t i = 0; i < batch * plane; i++)
        input[i] = log1pf (fmaxf (estimate[i], 0.0f));
      VtStatus status;
      for (int k = 0; k < s->critic_steps; k++)
        {
          if (critic_fill_real (trainer, solo, source) != VT_STATUS_OK)
            return vt_error_set (error, VT_STATUS_NO_MEMORY, "sampling a solo patch failed");
          critic_weights (critic, batch, 1.0f, -1.0f);
          if ((status = vt_net_forward (critic->net, error)) != VT_STATUS_OK
              || (status = vt_net_backward (critic->net, error)) != VT_STATUS_OK)
            return status;
          status = vt_adam_step (critic->net, &adam, lr, NULL, error);
          if (status != VT_STATUS_OK && status != VT_STATUS_NUMERIC)
            return status;
          vt_net_clip_weights (critic->net, "", (float) s->clip);
          /* the critic's loss is -(Wasserstein estimate) */
          trainer->critic_sum += -vt_net_get_loss (critic->net, critic->loss) / 2;
        }
      /* The separator wants the critic to score its estimates high. */
      critic_weights (critic, batch, -1.0f, 0.0f);
      if ((status = vt_net_forward (critic->net, error)) != VT_STATUS_OK
          || (status = vt_net_backward (critic->net, error)) != VT_STATUS_OK)
        return status;
      vt_net_zero_grad (critic->net);
      const float *grad = vt_net_get_grad (critic->net, critic->input);
      float *w = vt_net_get_value (net, weights[source]);
      memset (w, 0, sizeof (float) * batch * plane);
      double norm = 0;
      for (size_t i = 0; i < batch * plane; i++)
        {
          float g = (float) s->alpha * grad[i] / (1.0f + fmaxf (estimate[i], 0.0f));
          w[batch * plane + i] = g;
          norm += (double) g * g;
        }
      /* Against L_s's gradient on the vocal estimate, which for a weighted
       * mean L1 has norm (1 - activity_weight) / sqrt (paired cells): the
       * figure to tune alpha by. */
      if (source == 0)
        trainer->u_ratio += sqrt (norm) * sqrt ((double) batch * plane)
                            / fmax (1.0 - s->activity_weight, 1e-9);
    }
  return VT_STATUS_OK;
}

static VtStatus
build_adversarial (Trainer *trainer, VtError *error)
{
  const Settings *s = &trainer->s;
  const int batch = (int) s->batch, frames = (int) s->patch_frames;
  VtModelConfig config = { .base_channels = (int) s->base_channels, .with_losses = true };
  /* paired patches, then unpaired mixtures */
  trainer->net = vt_model_build_mask_net (2 * batch, frames, &config, (uint64_t) s->c.seed,
                                          &trainer->mask, error);
  if (trainer->net == NULL)
    return error ? error->status : VT_STATUS_NO_MEMORY;
  VtNet *net = trainer->net;
  VtShape map = { 2 * batch, 1, VT_FEATURES_BINS, frames };
  /* (1 - m) x = x + m (-x): the engine has no subtraction. */
  trainer->negative_mixture = vt_net_input (net, "negative_mixture", map);
  trainer->vocals_estimate = vt_net_mul (net, trainer->mask.mask, trainer->mask.mixture);
  trainer->accompaniment_estimate
    = vt_net_add (net, trainer->mask.mixture,
                  vt_net_mul (net, trainer->mask.mask, trainer->negative_mixture));
  trainer->u_vocals_weight = vt_net_input (net, "u_vocals_weight", map);
  trainer->u_accompaniment_weight = vt_net_input (net, "u_accompaniment_weight", map);
  trainer->u_vocals = vt_net_sum_loss (net, trainer->vocals_estimate, trainer->u_vocals_weight);
  trainer->u_accompaniment = vt_net_sum_loss (net, trainer->accompaniment_estimate,
                                              trainer->u_accompaniment_weight);
  VtStatus status = vt_net_plan (net, error);
  if (status != VT_STATUS_OK)
    return status;
  memset (vt_net_get_value (net, trainer->u_vocals_weight), 0,
          sizeof (float) * vt_shape_size (map));
  memset (vt_net_get_value (net, trainer->u_accompaniment_weight), 0,
          sizeof (float) * vt_shape_size (map));
  vt_net_set_loss_scale (net, trainer->mask.mask_loss, (float) (1.0 - s->activity_weight));
  vt_net_set_loss_scale (net, trainer->mask.activity_loss, (float) s->activity_weight);
  trainer->loss = trainer->mask.mask_loss;
  if (!s->unpaired_f0_from_labels && s->alpha > 0)
    {
      char f0_path[1100], mask_path[1100];
      snprintf (f0_path, sizeof f0_path, "%s/f0.vtw", s->f0_model);
      snprintf (mask_path, sizeof mask_path, "%s/mask.vtw", s->f0_model);
      trainer->estimator = vt_model_load_files (f0_path, mask_path, error);
      if (trainer->estimator == NULL)
        {
          vt_error_prefix (error, "adversarial.f0_model");
          return error ? error->status : VT_STATUS_NO_MEMORY;
        }
      trainer->f0_hz = malloc (sizeof (float) * (size_t) frames);
      trainer->f0_confidence = malloc (sizeof (float) * (size_t) frames);
      trainer->posterior = malloc (sizeof (float) * (size_t) frames * VT_F0_CLASSES);
      trainer->log_scratch = malloc (sizeof (float) * (size_t) frames * VT_FEATURES_BINS);
      if (!trainer->f0_hz || !trainer->f0_confidence || !trainer->posterior
          || !trainer->log_scratch)
        return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
    }
  const char *names[2] = { "critic_vocals", "critic_accompaniment" };
  for (int c = 0; c < 2; c++)
    if ((status = critic_build (&trainer->critics[c], names[c], batch, frames,
                                (int) s->critic_channels, (uint64_t) s->c.seed + 17 + c, error))
        != VT_STATUS_OK)
      return status;
  return VT_STATUS_OK;
}

static uint64_t
segment_seed (const Settings *s, int64_t step)
{
  uint64_t x = (uint64_t) s->c.seed * 0x9E3779B97F4A7C15ull ^ (uint64_t) step * 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  return x;
}

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int64_t
count_parameters (VtNet *net)
{
  int64_t total = 0;
  for (int i = 0; i < vt_net_get_n_params (net); i++)
    if (vt_net_get_param (net, i)->trainable)
      total += (int64_t) vt_net_get_param (net, i)->size;
  return total;
}

static VtStatus
save_all (Trainer *trainer, VtError *error)
{
  VtStatus status = vt_net_save_checkpoint (trainer->net, trainer->s.c.checkpoint, error);
  if (status == VT_STATUS_OK)
    status = vt_net_save_weights (trainer->net, trainer->s.c.output, VT_DTYPE_F16, error);
  const char *suffix[2] = { "critic-vocals", "critic-accompaniment" };
  for (int c = 0; c < 2 && status == VT_STATUS_OK; c++)
    if (trainer->critics[c].net)
      {
        char path[1200];
        snprintf (path, sizeof path, "%s.%s", trainer->s.c.checkpoint, suffix[c]);
        status = vt_net_save_checkpoint (trainer->critics[c].net, path, error);
      }
  return status;
}

static VtStatus
resume (Trainer *trainer, VtError *error)
{
  struct stat st;
  if (stat (trainer->s.c.checkpoint, &st) != 0)
    return VT_STATUS_OK;
  VtStatus status = vt_net_load_checkpoint (trainer->net, trainer->s.c.checkpoint, error);
  const char *suffix[2] = { "critic-vocals", "critic-accompaniment" };
  for (int c = 0; c < 2 && status == VT_STATUS_OK; c++)
    if (trainer->critics[c].net)
      {
        char path[1200];
        snprintf (path, sizeof path, "%s.%s", trainer->s.c.checkpoint, suffix[c]);
        if (stat (path, &st) == 0)
          status = vt_net_load_checkpoint (trainer->critics[c].net, path, error);
      }
  if (status == VT_STATUS_OK)
    say (trainer, "resuming from %s at step %lld", trainer->s.c.checkpoint,
         (long long) vt_net_get_step (trainer->net));
  return status;
}

VtStatus
vt_train_research_run (VtRecipe *recipe, const VtTrainOptions *options, VtError *error)
{
  Trainer trainer = { .options = options };
  Settings *s = &trainer.s;
  VtStatus status = read_settings (recipe, options, s, error);
  if (status != VT_STATUS_OK)
    return status;
  VtDatasetCache cache;
  vt_dataset_cache_init (&cache);
  VtPatchSampler *samplers[3] = { NULL, NULL, NULL }; /* paired, unpaired, solo */
  int *indices = NULL, *paired = NULL, *unpaired = NULL;
  int n_train = 0, n_paired = 0, n_unpaired = 0;
  const int n_patches = s->system == SYSTEM_ADVERSARIAL ? (int) (3 * s->batch) : (int) s->batch;
  const char *what = s->system == SYSTEM_DRNN        ? "DRNN"
                     : s->system == SYSTEM_WAVEUNET ? "Wave-U-Net"
                                                    : "adversarial mask U-Net";

  if (s->system == SYSTEM_WAVEUNET)
    {
      say (&trainer, "loading the training clips' waveforms");
      status = waveforms_add (&trainer, VT_DATASET_MIR1K, s->c.mir1k, error);
      if (status == VT_STATUS_OK && s->c.musdb[0])
        status = waveforms_add (&trainer, VT_DATASET_MUSDB, s->c.musdb, error);
      if (status == VT_STATUS_OK && trainer.waves.n_clips == 0)
        status = vt_error_set (error, VT_STATUS_NOT_FOUND, "no training clips");
      if (status != VT_STATUS_OK)
        goto done;
      n_train = trainer.waves.n_clips;
      trainer.net = vt_waveunet_build ((int) s->batch, &s->waveunet, (uint64_t) s->c.seed,
                                       &trainer.waveunet, error);
      if (trainer.net == NULL)
        {
          status = error ? error->status : VT_STATUS_NO_MEMORY;
          goto done;
        }
      trainer.loss = trainer.waveunet.loss;
      trainer.scratch = malloc (sizeof (float) * (size_t) trainer.waveunet.input_samples);
    }
  else
    {
      if ((status = vt_train_open_cache (&trainer.s.c, options, &cache, error)) != VT_STATUS_OK)
        goto done;
      indices = malloc (sizeof (int) * (size_t) (cache.n_clips + 1));
      paired = malloc (sizeof (int) * (size_t) (cache.n_clips + 1));
      unpaired = malloc (sizeof (int) * (size_t) (cache.n_clips + 1));
      if (!indices || !paired || !unpaired)
        {
          status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
          goto done;
        }
      n_train = vt_dataset_cache_split (&cache, s->c.split, indices);
      if (n_train == 0)
        {
          status = vt_error_set (error, VT_STATUS_NOT_FOUND, "%s: no training clips", s->c.cache);
          goto done;
        }
      if (s->system == SYSTEM_DRNN)
        {
          trainer.net = vt_drnn_build ((int) s->batch, (int) s->patch_frames, &s->drnn,
                                       (uint64_t) s->c.seed, &trainer.drnn, error);
          if (trainer.net == NULL)
            {
              status = error ? error->status : VT_STATUS_NO_MEMORY;
              goto done;
            }
          trainer.loss = trainer.drnn.loss;
        }
      else if ((status = build_adversarial (&trainer, error)) != VT_STATUS_OK)
        goto done;
      for (int k = 0; k < n_train; k++)
        {
          if (s->system != SYSTEM_ADVERSARIAL || k % s->paired_every == 0)
            paired[n_paired++] = indices[k];
          else
            unpaired[n_unpaired++] = indices[k];
        }
      if (n_unpaired == 0)
        {
          memcpy (unpaired, indices, sizeof (int) * (size_t) n_train);
          n_unpaired = n_train;
        }
      trainer.scratch = malloc (sizeof (float) * (size_t) (s->patch_frames * VT_FEATURES_BINS));
    }
  trainer.patches = calloc ((size_t) n_patches, sizeof (VtPatch));
  if (trainer.patches == NULL || trainer.scratch == NULL)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  if (s->system != SYSTEM_WAVEUNET)
    for (int n = 0; n < n_patches; n++)
      if ((status = vt_patch_alloc (&trainer.patches[n], (int) s->patch_frames)) != VT_STATUS_OK)
        {
          vt_error_set (error, status, "out of memory for patches");
          goto done;
        }
  vt_net_set_training (trainer.net, true);
  if ((status = resume (&trainer, error)) != VT_STATUS_OK)
    goto done;
  if (s->system == SYSTEM_ADVERSARIAL)
    say (&trainer, "training the %s (%lld parameters; critics %lld each) on %d paired and %d "
         "unpaired clips (their F0: %s), alpha %g, beta %g, %lld steps of %lld + %lld patches",
         what, (long long) count_parameters (trainer.net),
         (long long) count_parameters (trainer.critics[0].net), n_paired, n_unpaired,
         s->unpaired_f0_from_labels ? "labels" : "estimated", s->alpha, s->beta,
         (long long) s->c.steps, (long long) s->batch, (long long) s->batch);
  else
    say (&trainer, "training the %s (%lld parameters) on %d clips, %lld steps of batch %lld",
         what, (long long) count_parameters (trainer.net), n_train, (long long) s->c.steps,
         (long long) s->batch);

  VtLrSchedule schedule = { .kind = VT_LR_COSINE, .base_lr = (float) s->c.learning_rate,
                            .warmup_steps = s->c.warmup_steps, .total_steps = s->c.steps,
                            .min_lr = (float) s->c.min_learning_rate };
  VtAdamConfig adam = { .weight_decay = (float) s->c.weight_decay, .decoupled = true,
                        .clip_norm = (float) s->c.clip_norm };
  double loss_sum = 0, activity_sum = 0;
  int loss_count = 0;
  double started = now_s ();
  int64_t started_step = vt_net_get_step (trainer.net);
  for (int64_t step = vt_net_get_step (trainer.net); step < s->c.steps; step++)
    {
      if (step == started_step || step % s->c.checkpoint_every == 0)
        {
          uint64_t seed = segment_seed (s, step);
          vt_rng_init (&trainer.rng, seed ^ 0x5555);
          if (s->system != SYSTEM_WAVEUNET)
            {
              /* The supervised-only twin (alpha = 0) never sees the unpaired
               * clips, not even in its batch-norm statistics: its second
               * half-batch is more paired patches, without loss. */
              bool twin = s->system == SYSTEM_ADVERSARIAL && s->alpha == 0;
              int *lists[3] = { paired, twin ? paired : unpaired, unpaired };
              int counts[3] = { n_paired, twin ? n_paired : n_unpaired, n_unpaired };
              VtPatchParams solo_params = s->patch;
              solo_params.silent_vocal_probability = 0;
              for (int i = 0; i < (s->system == SYSTEM_ADVERSARIAL ? 3 : 1); i++)
                {
                  vt_patch_sampler_free (samplers[i]);
                  samplers[i] = vt_patch_sampler_new (&cache, lists[i], counts[i],
                                                      i == 2 ? &solo_params : &s->patch,
                                                      seed + (uint64_t) i * 7919, error);
                  if (samplers[i] == NULL)
                    {
                      status = error ? error->status : VT_STATUS_NO_MEMORY;
                      goto done;
                    }
                }
            }
        }
      float lr = vt_lr_schedule_at (&schedule, step);
      switch (s->system)
        {
        case SYSTEM_DRNN: status = fill_drnn (&trainer, samplers[0], error); break;
        case SYSTEM_WAVEUNET: status = fill_waveunet (&trainer); break;
        case SYSTEM_ADVERSARIAL:
          status = fill_adversarial (&trainer, samplers[0], samplers[1], samplers[2], error);
          break;
        }
      if (status != VT_STATUS_OK || (status = vt_net_forward (trainer.net, error)) != VT_STATUS_OK)
        goto done;
      /* alpha = 0 is the supervised-only twin: no critic work at all. */
      if (s->system == SYSTEM_ADVERSARIAL && s->alpha > 0
          && (status = adversarial_step (&trainer, samplers[2],
                                         (float) s->critic_learning_rate, error))
               != VT_STATUS_OK)
        goto done;
      if ((status = vt_net_backward (trainer.net, error)) != VT_STATUS_OK)
        goto done;
      status = vt_adam_step (trainer.net, &adam, lr, NULL, error);
      if (status == VT_STATUS_NUMERIC)
        {
          say (&trainer, "step %lld: non-finite gradient, batch skipped", (long long) step);
          vt_net_set_step (trainer.net, step + 1);
          status = VT_STATUS_OK;
        }
      else if (status != VT_STATUS_OK)
        goto done;
      loss_sum += vt_net_get_loss (trainer.net, trainer.loss);
      if (s->system == SYSTEM_ADVERSARIAL)
        activity_sum += vt_net_get_loss (trainer.net, trainer.mask.activity_loss);
      loss_count++;
      if ((step + 1) % s->c.log_every == 0 || step + 1 == s->c.steps)
        {
          double elapsed = now_s () - started;
          double per_step = elapsed / (double) (step + 1 - started_step);
          if (s->system == SYSTEM_ADVERSARIAL)
            say (&trainer, "step %lld/%lld  L_s (L1) %.5f  activity BCE %.4f  critic W %.4g  "
                 "|grad L_u|/|grad L_s| %.3g  L_add %.2g  lr %.2e  %.3f s/step",
                 (long long) (step + 1), (long long) s->c.steps, loss_sum / loss_count,
                 activity_sum / loss_count, trainer.critic_sum / (loss_count * s->critic_steps),
                 trainer.u_ratio / loss_count, trainer.add_error, lr, per_step);
          else
            say (&trainer, "step %lld/%lld  %s loss %.6f  lr %.2e  %.3f s/step",
                 (long long) (step + 1), (long long) s->c.steps,
                 s->system == SYSTEM_DRNN ? "discriminative" : "MSE", loss_sum / loss_count, lr,
                 per_step);
          loss_sum = activity_sum = trainer.critic_sum = trainer.add_error = trainer.u_ratio = 0;
          loss_count = 0;
        }
      if ((step + 1) % s->c.checkpoint_every == 0 || step + 1 == s->c.steps)
        if ((status = save_all (&trainer, error)) != VT_STATUS_OK)
          goto done;
      if (!vt_progress_report (options->progress, (double) (step + 1) / s->c.steps, "training"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled at step %lld",
                                 (long long) (step + 1));
          goto done;
        }
    }
  say (&trainer, "wrote %s", s->c.output);

done:
  for (int i = 0; i < 3; i++)
    vt_patch_sampler_free (samplers[i]);
  if (trainer.patches)
    for (int n = 0; n < n_patches; n++)
      vt_patch_clear (&trainer.patches[n]);
  free (trainer.patches);
  free (trainer.scratch);
  vt_net_free (trainer.net);
  for (int c = 0; c < 2; c++)
    vt_net_free (trainer.critics[c].net);
  vt_model_free (trainer.estimator);
  free (trainer.f0_hz);
  free (trainer.f0_confidence);
  free (trainer.posterior);
  free (trainer.log_scratch);
  waveforms_clear (&trainer.waves);
  vt_dataset_cache_clear (&cache);
  free (indices);
  free (paired);
  free (unpaired);
  return status;
}
