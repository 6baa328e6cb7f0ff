/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-train.h"
#include "vt-train-common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vt-dataset.h"
#include "vt-f0.h"
#include "vt-features.h"
#include "vt-harmonic-map.h"
#include "vt-log.h"
#include "vt-model.h"
#include "vt-optim.h"
#include "vt-weights.h"
#include "vt-train-research.h"

typedef enum
{
  NETWORK_F0,
  NETWORK_MASK,
} Network;

typedef struct
{
  Network network;
  VtTrainCommon c;
  int64_t batch, patch_frames, base_channels;
  double f0_sigma_bins, activity_weight, f0_corruption;
  VtPatchParams patch;
} Settings;

typedef struct
{
  const VtTrainOptions *options;
  Settings settings;
  VtNet *net;
  VtF0NetNodes f0;
  VtMaskNetNodes mask;
  VtPatch *patches;
  float *frame_scratch;   /* patch_frames x 512 */
  float *f0_scratch;      /* patch_frames */
  float *target_scratch;  /* VT_F0_CLASSES */
  VtRng corruption_rng;
} Trainer;

static void
say (const Trainer *trainer, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  vt_log_vprintf (trainer->options->log, trainer->options->log_user_data, format, args);
  va_end (args);
}

static VtStatus
read_settings (VtRecipe *recipe, const VtTrainOptions *options, Settings *s, VtError *error)
{
  memset (s, 0, sizeof *s);
  const char *network = vt_recipe_get_string (recipe, "network", "");
  if (strcmp (network, "f0") == 0)
    s->network = NETWORK_F0;
  else if (strcmp (network, "mask") == 0)
    s->network = NETWORK_MASK;
  else
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: network must be 'f0' or 'mask' (got '%s')",
                         vt_recipe_get_path (recipe), network);
  VtStatus st = vt_train_common_read (recipe, options, &s->c, error);
  if (st != VT_STATUS_OK)
    return st;

#define INT(key, field, dflt, lo, hi) \
  if ((st = vt_recipe_get_int (recipe, key, dflt, lo, hi, &s->field, error)) != VT_STATUS_OK) \
    return st;
#define DBL(key, field, dflt, lo, hi) \
  if ((st = vt_recipe_get_double (recipe, key, dflt, lo, hi, &s->field, error)) != VT_STATUS_OK) \
    return st;
  INT ("batch", batch, 8, 1, 256);
  INT ("patch_frames", patch_frames, 128, 64, 4096);
  INT ("base_channels", base_channels, VT_MODEL_BASE_CHANNELS, 2, 128);
  DBL ("f0.sigma_bins", f0_sigma_bins, 1.25, 0, 20);
  DBL ("mask.activity_weight", activity_weight, 0.1, 0, 1);
  DBL ("mask.f0_corruption", f0_corruption, 0.5, 0, 1);
  vt_patch_params_default (&s->patch);
#undef INT
#undef DBL
  if (s->patch_frames % 64 != 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: patch_frames must be a multiple of 64", vt_recipe_get_path (recipe));
  s->patch.patch_frames = (int) s->patch_frames;
  if ((st = vt_train_read_augment (recipe, &s->patch, error)) != VT_STATUS_OK)
    return st;
  return vt_recipe_check_unused (recipe, error);
}

/* Creates the folders above path (like mkdir -p on its dirname). */
static VtStatus
make_parent_dirs (const char *path, VtError *error)
{
  char buffer[1024];
  snprintf (buffer, sizeof buffer, "%s", path);
  for (char *p = buffer + 1; *p; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (buffer, 0755) != 0 && errno != EEXIST)
        return vt_error_set (error, VT_STATUS_IO, "%s: cannot create the folder: %s", buffer,
                             strerror (errno));
      *p = '/';
    }
  return VT_STATUS_OK;
}

/* Copies a frames x 512 frame-major array into the n-th sample of an
 * N x 1 x 512 x T tensor, optionally as log (1 + x). */
static void
put_map (float *tensor, int n, int frames, const float *source, bool log_compress)
{
  float *dst = tensor + (size_t) n * VT_FEATURES_BINS * frames;
  for (int t = 0; t < frames; t++)
    for (int k = 0; k < VT_FEATURES_BINS; k++)
      {
        float v = source[t * VT_FEATURES_BINS + k];
        dst[k * frames + t] = log_compress ? log1pf (v) : v;
      }
}

/* The conditioning F0 as an estimate would give it: with probability
 * f0_corruption, some spans lose their voicing, jump an octave, drift by a
 * few cents or gain a spurious pitch; otherwise the labels as they are. */
static void
corrupt_f0 (Trainer *trainer, const float *truth, int frames, float *out)
{
  VtRng *rng = &trainer->corruption_rng;
  memcpy (out, truth, sizeof (float) * (size_t) frames);
  if (vt_rng_uniform (rng) >= trainer->settings.f0_corruption)
    return;
  int spans = 1 + (int) vt_rng_below (rng, 4);
  for (int s = 0; s < spans; s++)
    {
      int length = 5 + (int) vt_rng_below (rng, (uint32_t) (frames / 3));
      int start = (int) vt_rng_below (rng, (uint32_t) frames);
      int kind = (int) vt_rng_below (rng, 4);
      float cents = (vt_rng_uniform (rng) - 0.5f) * 100.0f;
      float spurious = 100.0f + 400.0f * vt_rng_uniform (rng);
      for (int t = start; t < start + length && t < frames; t++)
        switch (kind)
          {
          case 0: out[t] = 0; break;
          case 1: out[t] *= vt_rng_uniform (rng) < 0.5f ? 2.0f : 0.5f; break;
          case 2: out[t] *= powf (2.0f, cents / 1200.0f); break;
          default:
            if (out[t] <= 0)
              out[t] = spurious;
            break;
          }
    }
}

static VtStatus
fill_batch (Trainer *trainer, VtPatchSampler *sampler, VtError *error)
{
  const Settings *s = &trainer->settings;
  const int frames = (int) s->patch_frames;
  VtNet *net = trainer->net;
  for (int n = 0; n < s->batch; n++)
    {
      VtPatch *patch = &trainer->patches[n];
      VtStatus status = vt_patch_sampler_next (sampler, patch);
      if (status != VT_STATUS_OK)
        return vt_error_set (error, status, "sampling a training patch failed");
      if (s->network == NETWORK_F0)
        {
          put_map (vt_net_get_value (net, trainer->f0.spectrogram), n, frames,
                   patch->mixture_magnitude, true);
          float *target = vt_net_get_value (net, trainer->f0.target)
                          + (size_t) n * VT_F0_CLASSES * frames;
          float *weight = vt_net_get_value (net, trainer->f0.weight) + (size_t) n * frames;
          for (int t = 0; t < frames; t++)
            {
              vt_f0_target (patch->f0_hz[t], s->f0_sigma_bins, trainer->target_scratch);
              for (int c = 0; c < VT_F0_CLASSES; c++)
                target[c * frames + t] = trainer->target_scratch[c];
              /* Pseudo-labels count as much as the tracker is sure of them. */
              weight[t] = patch->f0_confidence ? patch->f0_confidence[t] : 1.0f;
            }
        }
      else
        {
          put_map (vt_net_get_value (net, trainer->mask.spectrogram), n, frames,
                   patch->mixture_magnitude, true);
          put_map (vt_net_get_value (net, trainer->mask.mixture), n, frames,
                   patch->mixture_magnitude, false);
          put_map (vt_net_get_value (net, trainer->mask.vocals), n, frames,
                   patch->vocal_magnitude, false);
          corrupt_f0 (trainer, patch->f0_hz, frames, trainer->f0_scratch);
          status = vt_harmonic_map_render (trainer->f0_scratch, NULL, frames, NULL,
                                           trainer->frame_scratch, error);
          if (status != VT_STATUS_OK)
            return status;
          put_map (vt_net_get_value (net, trainer->mask.harmonics), n, frames,
                   trainer->frame_scratch, false);
          float *activity = vt_net_get_value (net, trainer->mask.activity_target)
                            + (size_t) n * frames;
          float *activity_weight = vt_net_get_value (net, trainer->mask.activity_weight)
                                   + (size_t) n * frames;
          for (int t = 0; t < frames; t++)
            {
              activity[t] = patch->vocal_activity[t];
              activity_weight[t] = 1.0f;
            }
        }
    }
  if (s->network == NETWORK_MASK)
    {
      float *weight = vt_net_get_value (net, trainer->mask.mask_weight);
      size_t size = (size_t) s->batch * VT_FEATURES_BINS * frames;
      for (size_t i = 0; i < size; i++)
        weight[i] = 1.0f;
    }
  return VT_STATUS_OK;
}

static VtNode
main_loss (const Trainer *trainer)
{
  return trainer->settings.network == NETWORK_F0 ? trainer->f0.loss : trainer->mask.mask_loss;
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

VtStatus
vt_train_run (VtRecipe *recipe, const VtTrainOptions *options, VtError *error)
{
  /* DRNN, Wave-U-Net and adversarial mask training: vt-train-research. */
  if (vt_train_research_wants (recipe))
    return vt_train_research_run (recipe, options, error);
  Trainer trainer = { .options = options };
  Settings *s = &trainer.settings;
  VtStatus status = read_settings (recipe, options, s, error);
  if (status != VT_STATUS_OK)
    return status;

  if ((status = make_parent_dirs (s->c.output, error)) != VT_STATUS_OK
      || (status = make_parent_dirs (s->c.checkpoint, error)) != VT_STATUS_OK
      || (status = make_parent_dirs (s->c.cache, error)) != VT_STATUS_OK)
    return status;
  VtDatasetCache cache;
  vt_dataset_cache_init (&cache);
  VtPatchSampler *sampler = NULL;
  int *indices = NULL;
  status = vt_train_open_cache (&trainer.settings.c, options, &cache, error);
  if (status != VT_STATUS_OK)
    goto done;
  indices = malloc (sizeof (int) * (size_t) (cache.n_clips + 1));
  if (indices == NULL)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  int n_train = vt_dataset_cache_split (&cache, s->c.split, indices);
  if (n_train == 0)
    {
      status = vt_error_set (error, VT_STATUS_NOT_FOUND, "%s: no training clips in the cache",
                             s->c.cache);
      goto done;
    }

  VtModelConfig config = { .base_channels = (int) s->base_channels, .with_losses = true };
  if (s->network == NETWORK_F0)
    trainer.net = vt_model_build_f0_net ((int) s->batch, (int) s->patch_frames, &config,
                                         (uint64_t) s->c.seed, &trainer.f0, error);
  else
    trainer.net = vt_model_build_mask_net ((int) s->batch, (int) s->patch_frames, &config,
                                           (uint64_t) s->c.seed, &trainer.mask, error);
  if (trainer.net == NULL)
    {
      status = error ? error->status : VT_STATUS_NO_MEMORY;
      goto done;
    }
  if (s->network == NETWORK_MASK)
    {
      vt_net_set_loss_scale (trainer.net, trainer.mask.mask_loss,
                             (float) (1.0 - s->activity_weight));
      vt_net_set_loss_scale (trainer.net, trainer.mask.activity_loss, (float) s->activity_weight);
    }
  vt_net_set_training (trainer.net, true);

  trainer.patches = calloc ((size_t) s->batch, sizeof (VtPatch));
  trainer.frame_scratch = malloc (sizeof (float) * (size_t) (s->patch_frames * VT_FEATURES_BINS));
  trainer.f0_scratch = malloc (sizeof (float) * (size_t) s->patch_frames);
  trainer.target_scratch = malloc (sizeof (float) * VT_F0_CLASSES);
  if (!trainer.patches || !trainer.frame_scratch || !trainer.f0_scratch || !trainer.target_scratch)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  for (int n = 0; n < s->batch; n++)
    if ((status = vt_patch_alloc (&trainer.patches[n], (int) s->patch_frames)) != VT_STATUS_OK)
      {
        vt_error_set (error, status, "out of memory for patches");
        goto done;
      }

  struct stat st;
  if (stat (s->c.checkpoint, &st) == 0)
    {
      status = vt_net_load_checkpoint (trainer.net, s->c.checkpoint, error);
      if (status != VT_STATUS_OK)
        goto done;
      say (&trainer, "resuming from %s at step %lld", s->c.checkpoint,
           (long long) vt_net_get_step (trainer.net));
    }
  say (&trainer, "training the %s network on %d clips (%lld frames in the cache), %lld steps "
       "of %lld x %lld frames", s->network == NETWORK_F0 ? "F0" : "mask", n_train,
       (long long) cache.total_frames, (long long) s->c.steps, (long long) s->batch,
       (long long) s->patch_frames);

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
      if (sampler == NULL || step % s->c.checkpoint_every == 0)
        {
          vt_patch_sampler_free (sampler);
          sampler = vt_patch_sampler_new (&cache, indices, n_train, &s->patch,
                                          segment_seed (s, step), error);
          if (sampler == NULL)
            {
              status = error ? error->status : VT_STATUS_NO_MEMORY;
              goto done;
            }
          vt_rng_init (&trainer.corruption_rng, segment_seed (s, step) ^ 0x5555);
        }
      if ((status = fill_batch (&trainer, sampler, error)) != VT_STATUS_OK
          || (status = vt_net_forward (trainer.net, error)) != VT_STATUS_OK
          || (status = vt_net_backward (trainer.net, error)) != VT_STATUS_OK)
        goto done;
      float lr = vt_lr_schedule_at (&schedule, step);
      status = vt_adam_step (trainer.net, &adam, lr, NULL, error);
      if (status == VT_STATUS_NUMERIC)
        {
          /* One bad batch (a gradient overflow) is skipped, not fatal. */
          say (&trainer, "step %lld: non-finite gradient, batch skipped", (long long) step);
          vt_net_set_step (trainer.net, step + 1);
          status = VT_STATUS_OK;
        }
      else if (status != VT_STATUS_OK)
        goto done;
      loss_sum += vt_net_get_loss (trainer.net, main_loss (&trainer));
      if (s->network == NETWORK_MASK)
        activity_sum += vt_net_get_loss (trainer.net, trainer.mask.activity_loss);
      loss_count++;
      if ((step + 1) % s->c.log_every == 0 || step + 1 == s->c.steps)
        {
          double elapsed = now_s () - started;
          double steps_per_s = (double) (step + 1 - started_step) / elapsed;
          if (s->network == NETWORK_MASK)
            say (&trainer, "step %lld/%lld  mask L1 %.5f  activity BCE %.4f  lr %.2e  %.2f steps/s",
                 (long long) (step + 1), (long long) s->c.steps, loss_sum / loss_count,
                 activity_sum / loss_count, lr, steps_per_s);
          else
            say (&trainer, "step %lld/%lld  F0 cross-entropy %.4f  lr %.2e  %.2f steps/s",
                 (long long) (step + 1), (long long) s->c.steps, loss_sum / loss_count, lr,
                 steps_per_s);
          loss_sum = activity_sum = 0;
          loss_count = 0;
        }
      if ((step + 1) % s->c.checkpoint_every == 0 || step + 1 == s->c.steps)
        {
          if ((status = vt_net_save_checkpoint (trainer.net, s->c.checkpoint, error)) != VT_STATUS_OK)
            goto done;
          if ((status = vt_net_save_weights (trainer.net, s->c.output, VT_DTYPE_F16, error))
              != VT_STATUS_OK)
            goto done;
        }
      if (!vt_progress_report (options->progress, (double) (step + 1) / s->c.steps, "training"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled at step %lld",
                                 (long long) (step + 1));
          goto done;
        }
    }
  say (&trainer, "wrote %s", s->c.output);

done:
  vt_patch_sampler_free (sampler);
  if (trainer.patches)
    for (int n = 0; n < s->batch; n++)
      vt_patch_clear (&trainer.patches[n]);
  free (trainer.patches);
  free (trainer.frame_scratch);
  free (trainer.f0_scratch);
  free (trainer.target_scratch);
  vt_net_free (trainer.net);
  vt_dataset_cache_clear (&cache);
  free (indices);
  return status;
}
