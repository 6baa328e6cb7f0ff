/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-f0.h"
#include "vt-features.h"
#include "vt-harmonic-map.h"
#include "vt-stft.h"
#include "vt-unet.h"
#include "vt-weights.h"

#define F0_HEAD_CHANNELS 4

struct VtModel
{
  VtNet *f0_net;
  VtF0NetNodes f0;
  VtNet *mask_net;
  VtMaskNetNodes mask;
  float *window_scratch; /* logits / map of one window */
};

/* Jansson et al.'s U-Net (vt-unet) up to its logits: out_channels maps at
 * the input's resolution, for the heads to read. */
static VtNode
unet (VtNet *net, const char *prefix, VtNode x, int base, int out_channels)
{
  VtUnetConfig config = vt_unet_config_default ();
  config.out_channels = out_channels;
  config.depth = VT_MODEL_DEPTH;
  config.base_channels = base;
  config.output = VT_UNET_OUTPUT_NONE;
  VtUnet unet;
  if (vt_unet_build (net, prefix, x, &config, &unet, NULL) != VT_STATUS_OK)
    return VT_NODE_NONE;
  return unet.logits;
}

/* A per-frame head: a convolution spanning all 512 bins of x. */
static VtNode
frame_head (VtNet *net, const char *name, VtNode x, int out_channels)
{
  return vt_net_conv2d (net, name, x,
                        &(VtConv2dConfig) { .out_channels = out_channels,
                                            .kernel_h = VT_FEATURES_BINS, .kernel_w = 1 });
}

static int
base_channels (const VtModelConfig *config)
{
  return config && config->base_channels > 0 ? config->base_channels : VT_MODEL_BASE_CHANNELS;
}

/* A new network for batch x frames windows (frames: a multiple of 2^depth). */
static VtNet *
net_new (const char *what, int batch, int frames, uint64_t seed, VtError *error)
{
  if (batch < 1 || frames < 64 || frames % 64 != 0)
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                    "the %s network needs a multiple of 64 frames (got %d)", what, frames);
      return NULL;
    }
  VtNet *net = vt_net_new (seed);
  if (net == NULL)
    vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  return net;
}

VtNet *
vt_model_build_f0_net (int batch, int frames, const VtModelConfig *config, uint64_t seed,
                       VtF0NetNodes *nodes, VtError *error)
{
  VtNet *net = net_new ("F0", batch, frames, seed, error);
  if (net == NULL)
    return NULL;
  memset (nodes, 0xff, sizeof *nodes);
  VtShape input = { batch, 1, VT_FEATURES_BINS, frames };
  nodes->spectrogram = vt_net_input (net, "spectrogram", input);
  VtNode h = unet (net, "f0", nodes->spectrogram, base_channels (config), F0_HEAD_CHANNELS);
  h = vt_net_leaky_relu (net, h, 0.2f);
  nodes->logits = frame_head (net, "f0.head", h, VT_F0_CLASSES);
  if (config && config->with_losses)
    {
      nodes->target = vt_net_input (net, "f0_target", (VtShape) { batch, VT_F0_CLASSES, 1, frames });
      nodes->weight = vt_net_input (net, "f0_weight", (VtShape) { batch, 1, 1, frames });
      nodes->loss = vt_net_cross_entropy_loss (net, nodes->logits, nodes->target, nodes->weight, 1);
    }
  if (vt_net_plan (net, error) != VT_STATUS_OK)
    {
      vt_net_free (net);
      return NULL;
    }
  return net;
}

VtNet *
vt_model_build_mask_net (int batch, int frames, const VtModelConfig *config, uint64_t seed,
                         VtMaskNetNodes *nodes, VtError *error)
{
  VtNet *net = net_new ("mask", batch, frames, seed, error);
  if (net == NULL)
    return NULL;
  memset (nodes, 0xff, sizeof *nodes);
  VtShape map = { batch, 1, VT_FEATURES_BINS, frames };
  nodes->spectrogram = vt_net_input (net, "spectrogram", map);
  nodes->harmonics = vt_net_input (net, "harmonics", map);
  VtNode x = vt_net_concat (net, nodes->spectrogram, nodes->harmonics, 1);
  VtNode logits = unet (net, "mask", x, base_channels (config), 1);
  nodes->mask = vt_net_sigmoid (net, logits);
  /* Activity sees the mask's logits beside the inputs: "is there voice
   * energy in this frame", which is what the multi-task loss teaches. */
  VtNode features = vt_net_concat (net, logits, x, 1);
  nodes->activity_logits = frame_head (net, "mask.activity", features, 1);
  if (config && config->with_losses)
    {
      nodes->mixture = vt_net_input (net, "mixture", map);
      nodes->vocals = vt_net_input (net, "vocals", map);
      nodes->mask_weight = vt_net_input (net, "mask_weight", map);
      VtShape per_frame = { batch, 1, 1, frames };
      nodes->activity_target = vt_net_input (net, "activity_target", per_frame);
      nodes->activity_weight = vt_net_input (net, "activity_weight", per_frame);
      VtNode estimate = vt_net_mul (net, nodes->mask, nodes->mixture);
      nodes->mask_loss = vt_net_l1_loss (net, estimate, nodes->vocals, nodes->mask_weight);
      nodes->activity_loss = vt_net_bce_logits_loss (net, nodes->activity_logits,
                                                     nodes->activity_target,
                                                     nodes->activity_weight);
    }
  if (vt_net_plan (net, error) != VT_STATUS_OK)
    {
      vt_net_free (net);
      return NULL;
    }
  return net;
}

static VtModel *
model_new (VtError *error)
{
  VtModel *model = calloc (1, sizeof *model);
  if (model == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  VtModelConfig config = { 0 };
  model->f0_net = vt_model_build_f0_net (1, VT_MODEL_WINDOW, &config, 1, &model->f0, error);
  if (model->f0_net)
    model->mask_net = vt_model_build_mask_net (1, VT_MODEL_WINDOW, &config, 1, &model->mask,
                                               error);
  model->window_scratch = malloc (sizeof (float) * VT_F0_CLASSES * VT_MODEL_WINDOW);
  if (!model->f0_net || !model->mask_net || !model->window_scratch)
    {
      vt_model_free (model);
      return NULL;
    }
  vt_net_set_training (model->f0_net, false);
  vt_net_set_training (model->mask_net, false);
  return model;
}

VtModel *
vt_model_load_files (const char *f0_path, const char *mask_path, VtError *error)
{
  VtModel *model = model_new (error);
  if (model == NULL)
    return NULL;
  if (vt_net_load_weights (model->f0_net, f0_path, error) != VT_STATUS_OK
      || vt_net_load_weights (model->mask_net, mask_path, error) != VT_STATUS_OK)
    {
      vt_model_free (model);
      return NULL;
    }
  return model;
}

VtModel *
vt_model_load_memory (const void *f0_data, size_t f0_size, const void *mask_data,
                      size_t mask_size, VtError *error)
{
  VtModel *model = model_new (error);
  if (model == NULL)
    return NULL;
  if (vt_net_load_weights_from_memory (model->f0_net, f0_data, f0_size, error) != VT_STATUS_OK
      || vt_net_load_weights_from_memory (model->mask_net, mask_data, mask_size, error)
           != VT_STATUS_OK)
    {
      vt_model_free (model);
      return NULL;
    }
  return model;
}

VtModel *
vt_model_dup (VtModel *model, VtError *error)
{
  VtModel *copy = model_new (error);
  if (copy == NULL)
    return NULL;
  if (vt_net_copy_weights (copy->f0_net, model->f0_net, error) != VT_STATUS_OK
      || vt_net_copy_weights (copy->mask_net, model->mask_net, error) != VT_STATUS_OK)
    {
      vt_model_free (copy);
      return NULL;
    }
  return copy;
}

void
vt_model_free (VtModel *model)
{
  if (model == NULL)
    return;
  vt_net_free (model->f0_net);
  vt_net_free (model->mask_net);
  free (model->window_scratch);
  free (model);
}

VtNet *vt_model_get_f0_net (VtModel *model) { return model->f0_net; }
VtNet *vt_model_get_mask_net (VtModel *model) { return model->mask_net; }

VtStatus
vt_model_spectrogram (const float *mono, int64_t n_samples, float **log_magnitude,
                      float **magnitude, int64_t *frames, VtError *error)
{
  VtStft *stft = vt_stft_new (VT_FEATURES_N_FFT, VT_FEATURES_HOP, error);
  if (stft == NULL)
    return error ? error->status : VT_STATUS_NO_MEMORY;
  const int64_t n_frames = vt_features_frame_count (n_samples);
  const int bins = vt_stft_get_bins (stft);
  float *spectrum = malloc (sizeof (float) * 2 * (size_t) bins);
  float *row = malloc (sizeof (float) * (size_t) bins);
  float *log_out = malloc (sizeof (float) * (size_t) (n_frames * VT_FEATURES_BINS));
  float *mag_out = magnitude ? malloc (sizeof (float) * (size_t) (n_frames * VT_FEATURES_BINS))
                             : NULL;
  if (!spectrum || !row || !log_out || (magnitude && !mag_out))
    {
      free (spectrum);
      free (row);
      free (log_out);
      free (mag_out);
      vt_stft_free (stft);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for the spectrogram");
    }
  for (int64_t t = 0; t < n_frames; t++)
    {
      vt_stft_forward (stft, mono, n_samples, t, 1, spectrum);
      vt_spectrum_magnitude (spectrum, bins, row);
      if (mag_out)
        memcpy (mag_out + t * VT_FEATURES_BINS, row, sizeof (float) * VT_FEATURES_BINS);
      vt_features_log_magnitude (row, VT_FEATURES_BINS, log_out + t * VT_FEATURES_BINS);
    }
  free (spectrum);
  free (row);
  vt_stft_free (stft);
  *log_magnitude = log_out;
  if (magnitude)
    *magnitude = mag_out;
  *frames = n_frames;
  return VT_STATUS_OK;
}

/* Copies frames [start, start + VT_MODEL_WINDOW) of a frames x bins
 * frame-major array into a 1 x 1 x bins x WINDOW tensor (bins-major), with
 * zeros outside [0, frames). */
static void
fill_window (float *tensor, const float *source, int64_t frames, int64_t start)
{
  for (int k = 0; k < VT_FEATURES_BINS; k++)
    for (int t = 0; t < VT_MODEL_WINDOW; t++)
      {
        int64_t s = start + t;
        tensor[k * VT_MODEL_WINDOW + t]
          = (s >= 0 && s < frames) ? source[s * VT_FEATURES_BINS + k] : 0.0f;
      }
}

/* Window starts so that window w keeps frames [w * core, (w + 1) * core). */
#define CORE_FRAMES (VT_MODEL_WINDOW - 2 * VT_MODEL_CONTEXT)

static int64_t
window_count (int64_t frames)
{
  return (frames + CORE_FRAMES - 1) / CORE_FRAMES;
}

VtStatus
vt_model_estimate_f0 (VtModel *model, const float *log_magnitude, int64_t frames,
                      float *posterior, float *hz, float *confidence,
                      const VtProgress *progress, VtError *error)
{
  float *own_posterior = NULL;
  if (posterior == NULL)
    {
      own_posterior = malloc (sizeof (float) * (size_t) (frames * VT_F0_CLASSES));
      if (own_posterior == NULL)
        return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for the F0 posterior");
      posterior = own_posterior;
    }
  VtStatus status = VT_STATUS_OK;
  float *input = vt_net_get_value (model->f0_net, model->f0.spectrogram);
  const int64_t windows = window_count (frames);
  for (int64_t w = 0; w < windows; w++)
    {
      int64_t core_start = w * CORE_FRAMES;
      fill_window (input, log_magnitude, frames, core_start - VT_MODEL_CONTEXT);
      if ((status = vt_net_forward (model->f0_net, error)) != VT_STATUS_OK)
        goto done;
      const float *logits = vt_net_get_value (model->f0_net, model->f0.logits);
      for (int t = 0; t < CORE_FRAMES && core_start + t < frames; t++)
        {
          /* softmax over the classes of this frame (channel-major logits) */
          int column = VT_MODEL_CONTEXT + t;
          float *out = posterior + (core_start + t) * VT_F0_CLASSES;
          float top = -INFINITY;
          for (int c = 0; c < VT_F0_CLASSES; c++)
            top = fmaxf (top, logits[c * VT_MODEL_WINDOW + column]);
          double sum = 0;
          for (int c = 0; c < VT_F0_CLASSES; c++)
            {
              out[c] = expf (logits[c * VT_MODEL_WINDOW + column] - top);
              sum += out[c];
            }
          for (int c = 0; c < VT_F0_CLASSES; c++)
            out[c] = (float) (out[c] / sum);
        }
      if (!vt_progress_report (progress, (double) (w + 1) / windows, "estimating pitch"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
          goto done;
        }
    }
  status = vt_f0_decode (posterior, frames, NULL, hz, confidence, NULL, error);

done:
  free (own_posterior);
  return status;
}

VtStatus
vt_model_estimate_mask (VtModel *model, const float *log_magnitude, const float *f0_hz,
                        const float *f0_confidence, int64_t frames, float *mask,
                        float *activity, const VtProgress *progress, VtError *error)
{
  float *harmonics = malloc (sizeof (float) * (size_t) (frames * VT_FEATURES_BINS));
  if (harmonics == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for the harmonic map");
  VtStatus status = vt_harmonic_map_render (f0_hz, f0_confidence, frames, NULL, harmonics, error);
  if (status != VT_STATUS_OK)
    goto done;
  float *spectrogram_in = vt_net_get_value (model->mask_net, model->mask.spectrogram);
  float *harmonics_in = vt_net_get_value (model->mask_net, model->mask.harmonics);
  const int64_t windows = window_count (frames);
  for (int64_t w = 0; w < windows; w++)
    {
      int64_t core_start = w * CORE_FRAMES;
      fill_window (spectrogram_in, log_magnitude, frames, core_start - VT_MODEL_CONTEXT);
      fill_window (harmonics_in, harmonics, frames, core_start - VT_MODEL_CONTEXT);
      if ((status = vt_net_forward (model->mask_net, error)) != VT_STATUS_OK)
        goto done;
      const float *window_mask = vt_net_get_value (model->mask_net, model->mask.mask);
      const float *activity_logits = vt_net_get_value (model->mask_net,
                                                       model->mask.activity_logits);
      for (int t = 0; t < CORE_FRAMES && core_start + t < frames; t++)
        {
          int column = VT_MODEL_CONTEXT + t;
          float *out = mask + (core_start + t) * VT_MODEL_MASK_BINS;
          for (int k = 0; k < VT_FEATURES_BINS; k++)
            out[k] = window_mask[k * VT_MODEL_WINDOW + column];
          out[VT_FEATURES_BINS] = out[VT_FEATURES_BINS - 1];
          if (activity)
            activity[core_start + t] = 1.0f / (1.0f + expf (-activity_logits[column]));
        }
      if (!vt_progress_report (progress, (double) (w + 1) / windows, "estimating the vocal mask"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
          goto done;
        }
    }

done:
  free (harmonics);
  return status;
}
