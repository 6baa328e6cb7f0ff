/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-waveunet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-weights-info.h"
#include "vt-weights.h"

#define MAX_LAYERS 16

struct VtWaveUnet
{
  VtWaveUnetConfig config;
  VtNet *net;
  VtWaveUnetNodes nodes;
};

void
vt_waveunet_config_default (VtWaveUnetConfig *config)
{
  *config = (VtWaveUnetConfig) { .layers = 12, .filters = 24, .down_kernel = 15,
                                 .up_kernel = 5, .output_samples = 16384 };
}

/* Follows a length through the network; 0 when some crop is uneven or a
 * length runs out. */
static int
output_for_input (const VtWaveUnetConfig *c, int input)
{
  int skip[MAX_LAYERS];
  int t = input;
  for (int i = 0; i < c->layers; i++)
    {
      t -= c->down_kernel - 1;
      if (t < 1)
        return 0;
      skip[i] = t;
      t = (t + 1) / 2;
    }
  t -= c->down_kernel - 1;
  if (t < 1)
    return 0;
  for (int i = c->layers - 1; i >= 0; i--)
    {
      t = 2 * t - 1;
      if (skip[i] < t || (skip[i] - t) % 2 != 0)
        return 0;
      t -= c->up_kernel - 1;
      if (t < 1)
        return 0;
    }
  return (input - t) % 2 == 0 ? t : 0;
}

int
vt_waveunet_input_samples (const VtWaveUnetConfig *c, int *output_samples)
{
  if (c->layers < 1 || c->layers > MAX_LAYERS || c->filters < 1 || c->down_kernel < 1
      || c->up_kernel < 1 || c->output_samples < 1 || c->output_samples > (1 << 22))
    return 0;
  /* The output grows with the input; step the input until it is big enough. */
  for (int input = c->output_samples; input < c->output_samples + (1 << 23); input++)
    {
      int out = output_for_input (c, input);
      if (out >= c->output_samples)
        {
          if (output_samples)
            *output_samples = out;
          return input;
        }
    }
  return 0;
}

VtNet *
vt_waveunet_build (int batch, const VtWaveUnetConfig *config, uint64_t seed,
                   VtWaveUnetNodes *nodes, VtError *error)
{
  memset (nodes, 0xff, sizeof *nodes);
  int output = 0;
  int input = vt_waveunet_input_samples (config, &output);
  if (batch < 1 || input == 0)
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                    "Wave-U-Net: no valid input size (layers %d, filters %d, kernels %d/%d, "
                    "output %d)", config->layers, config->filters, config->down_kernel,
                    config->up_kernel, config->output_samples);
      return NULL;
    }
  VtNet *net = vt_net_new (seed);
  if (net == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  nodes->input_samples = input;
  nodes->output_samples = output;
  nodes->mixture = vt_net_input (net, "mixture", (VtShape) { batch, 1, 1, input });
  VtNode skip[MAX_LAYERS];
  VtNode h = nodes->mixture;
  char name[48];
  for (int i = 0; i < config->layers; i++)
    {
      snprintf (name, sizeof name, "waveunet.down%d", i + 1);
      h = vt_net_conv1d (net, name, h,
                         &(VtConv1dConfig) { .out_channels = config->filters * (i + 1),
                                             .kernel = config->down_kernel });
      h = vt_net_leaky_relu (net, h, 0.2f);
      skip[i] = h;
      h = vt_net_decimate (net, h);
    }
  h = vt_net_conv1d (net, "waveunet.bottom", h,
                     &(VtConv1dConfig) { .out_channels = config->filters * (config->layers + 1),
                                         .kernel = config->down_kernel });
  h = vt_net_leaky_relu (net, h, 0.2f);
  for (int i = config->layers - 1; i >= 0; i--)
    {
      snprintf (name, sizeof name, "waveunet.up%d.upsample", i + 1);
      h = vt_net_upsample_learned (net, name, h);
      h = vt_net_concat (net, h, vt_net_crop_like (net, skip[i], h), 1);
      snprintf (name, sizeof name, "waveunet.up%d", i + 1);
      h = vt_net_conv1d (net, name, h,
                         &(VtConv1dConfig) { .out_channels = config->filters * (i + 1),
                                             .kernel = config->up_kernel });
      h = vt_net_leaky_relu (net, h, 0.2f);
    }
  h = vt_net_concat (net, h, vt_net_crop_like (net, nodes->mixture, h), 1);
  h = vt_net_conv1d (net, "waveunet.out", h, &(VtConv1dConfig) { .out_channels = 1, .kernel = 1 });
  nodes->vocals_estimate = vt_net_tanh (net, h);
  if (config->with_losses)
    {
      nodes->vocals = vt_net_input (net, "vocals", (VtShape) { batch, 1, 1, output });
      nodes->loss = vt_net_mse_loss (net, nodes->vocals_estimate, nodes->vocals, VT_NODE_NONE);
    }
  if (vt_net_plan (net, error) != VT_STATUS_OK)
    {
      vt_net_free (net);
      return NULL;
    }
  return net;
}

VtWaveUnet *
vt_waveunet_new (const VtWaveUnetConfig *config, uint64_t seed, VtError *error)
{
  VtWaveUnet *unet = calloc (1, sizeof *unet);
  if (unet == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  unet->config = *config;
  unet->config.with_losses = false;
  unet->net = vt_waveunet_build (1, &unet->config, seed, &unet->nodes, error);
  if (unet->net == NULL)
    {
      free (unet);
      return NULL;
    }
  vt_net_set_training (unet->net, false);
  return unet;
}

VtWaveUnet *
vt_waveunet_load_memory (const void *data, size_t size, VtError *error)
{
  VtWeightsInfo info;
  vt_weights_info_init (&info);
  if (vt_weights_info_read_memory (&info, data, size, error) != VT_STATUS_OK)
    return NULL;
  VtWaveUnetConfig config;
  vt_waveunet_config_default (&config);
  int layers = 0;
  for (int i = 1; i <= MAX_LAYERS; i++)
    {
      char name[48];
      snprintf (name, sizeof name, "waveunet.down%d.weight", i);
      if (vt_weights_info_find (&info, name))
        layers = i;
    }
  const VtTensorInfo *down1 = vt_weights_info_find (&info, "waveunet.down1.weight");
  const VtTensorInfo *up1 = vt_weights_info_find (&info, "waveunet.up1.weight");
  bool ok = layers > 0 && down1 && up1 && down1->n_dims == 4 && up1->n_dims == 4;
  if (ok)
    {
      config.layers = layers;
      config.filters = down1->dims[0];
      config.down_kernel = down1->dims[3];
      config.up_kernel = up1->dims[3];
      /* One second of output per window at inference. */
      config.output_samples = 16000;
    }
  vt_weights_info_clear (&info);
  if (!ok)
    {
      vt_error_set (error, VT_STATUS_BAD_FORMAT,
                    "not a Wave-U-Net weights file (no waveunet.down1 / up1 tensors)");
      return NULL;
    }
  VtWaveUnet *unet = vt_waveunet_new (&config, 1, error);
  if (unet == NULL)
    return NULL;
  if (vt_net_load_weights_from_memory (unet->net, data, size, error) != VT_STATUS_OK)
    {
      vt_waveunet_free (unet);
      return NULL;
    }
  return unet;
}

VtWaveUnet *
vt_waveunet_load_file (const char *path, VtError *error)
{
  void *data = NULL;
  size_t size = 0;
  if (vt_file_read_all (path, &data, &size, error) != VT_STATUS_OK)
    return NULL;
  VtWaveUnet *unet = vt_waveunet_load_memory (data, size, error);
  free (data);
  if (unet == NULL)
    vt_error_prefix (error, "%s", path);
  return unet;
}

void
vt_waveunet_free (VtWaveUnet *unet)
{
  if (unet == NULL)
    return;
  vt_net_free (unet->net);
  free (unet);
}

VtNet *
vt_waveunet_get_net (VtWaveUnet *unet)
{
  return unet->net;
}

const VtWaveUnetNodes *
vt_waveunet_get_nodes (const VtWaveUnet *unet)
{
  return &unet->nodes;
}

VtStatus
vt_waveunet_separate (VtWaveUnet *unet, const float *mixture, int64_t n_samples, float *vocals,
                      float *accompaniment, const VtProgress *progress, VtError *error)
{
  if (n_samples < 0 || (n_samples > 0 && mixture == NULL))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "Wave-U-Net: no signal");
  const int input = unet->nodes.input_samples, output = unet->nodes.output_samples;
  const int margin = (input - output) / 2;
  VtNet *net = unet->net;
  float *in = vt_net_get_value (net, unet->nodes.mixture);
  for (int64_t start = 0; start < n_samples; start += output)
    {
      for (int i = 0; i < input; i++)
        {
          int64_t s = start - margin + i;
          in[i] = s >= 0 && s < n_samples ? mixture[s] : 0.0f;
        }
      VtStatus status = vt_net_forward (net, error);
      if (status != VT_STATUS_OK)
        return status;
      const float *estimate = vt_net_get_value (net, unet->nodes.vocals_estimate);
      for (int i = 0; i < output && start + i < n_samples; i++)
        {
          if (vocals)
            vocals[start + i] = estimate[i];
          if (accompaniment)
            accompaniment[start + i] = mixture[start + i] - estimate[i];
        }
      double done = fmin (1.0, (double) (start + output) / (double) n_samples);
      if (!vt_progress_report (progress, done, "separating"))
        return vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
    }
  return VT_STATUS_OK;
}
