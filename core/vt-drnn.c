/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-drnn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-features.h"
#include "vt-weights-info.h"
#include "vt-weights.h"

struct VtDrnn
{
  VtDrnnConfig config;
  VtNet *net;
  VtDrnnNodes nodes;
};

void
vt_drnn_config_default (VtDrnnConfig *config)
{
  *config = (VtDrnnConfig) { .hidden = 1000, .layers = 3, .context = 1, .r = 0.05f };
}

/* The softmax over the pair (first, second) at each bin and frame, as the
 * share of first: stacked along H, softmax along H, row 0 kept. */
static VtNode
pair_share (VtNet *net, VtNode first, VtNode second, int frames)
{
  VtNode pair = vt_net_concat (net, first, second, 2);
  pair = vt_net_softmax (net, pair, 2);
  return vt_net_crop (net, pair, 1, frames);
}

VtNet *
vt_drnn_build (int batch, int frames, const VtDrnnConfig *config, uint64_t seed,
               VtDrnnNodes *nodes, VtError *error)
{
  if (batch < 1 || frames < 1 || config->hidden < 1 || config->layers < 1 || config->layers > 8
      || config->context < 0 || config->context > 8)
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                    "DRNN: bad shape (batch %d, frames %d, hidden %d, layers %d, context %d)",
                    batch, frames, config->hidden, config->layers, config->context);
      return NULL;
    }
  VtNet *net = vt_net_new (seed);
  if (net == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  memset (nodes, 0xff, sizeof *nodes);
  const int in_channels = (2 * config->context + 1) * VT_FEATURES_BINS;
  VtShape bins = { batch, VT_FEATURES_BINS, 1, frames };
  nodes->features = vt_net_input (net, "features", (VtShape) { batch, in_channels, 1, frames });
  nodes->mixture = vt_net_input (net, "mixture", bins);
  VtNode h = nodes->features;
  for (int l = 0; l < config->layers; l++)
    {
      char name[32];
      snprintf (name, sizeof name, "drnn.gru%d", l + 1);
      h = vt_net_gru (net, name, h, config->hidden);
    }
  VtConv1dConfig dense = { .out_channels = VT_FEATURES_BINS, .kernel = 1 };
  VtNode z_vocals = vt_net_conv1d (net, "drnn.out_vocals", h, &dense);
  VtNode z_accompaniment = vt_net_conv1d (net, "drnn.out_accompaniment", h, &dense);
  nodes->vocal_mask = pair_share (net, z_vocals, z_accompaniment, frames);
  VtNode accompaniment_mask = pair_share (net, z_accompaniment, z_vocals, frames);
  nodes->vocals_estimate = vt_net_mul (net, nodes->vocal_mask, nodes->mixture);
  nodes->accompaniment_estimate = vt_net_mul (net, accompaniment_mask, nodes->mixture);
  if (config->with_losses)
    {
      nodes->vocals = vt_net_input (net, "vocals", bins);
      nodes->accompaniment = vt_net_input (net, "accompaniment", bins);
      nodes->loss = vt_net_discriminative_loss (net, nodes->vocals_estimate,
                                                nodes->accompaniment_estimate, nodes->vocals,
                                                nodes->accompaniment, config->r);
    }
  if (vt_net_plan (net, error) != VT_STATUS_OK)
    {
      vt_net_free (net);
      return NULL;
    }
  return net;
}

void
vt_drnn_fill_features (const float *log_magnitude, int64_t n_frames, int64_t start, int frames,
                       int context, float *sample)
{
  for (int j = 0; j < 2 * context + 1; j++)
    {
      int offset = j - context;
      for (int k = 0; k < VT_FEATURES_BINS; k++)
        {
          float *row = sample + ((size_t) j * VT_FEATURES_BINS + k) * frames;
          for (int t = 0; t < frames; t++)
            {
              int64_t g = start + t + offset;
              row[t] = g >= 0 && g < n_frames ? log_magnitude[g * VT_FEATURES_BINS + k] : 0.0f;
            }
        }
    }
}

static VtDrnn *
drnn_new (const VtDrnnConfig *config, uint64_t seed, VtError *error)
{
  VtDrnn *drnn = calloc (1, sizeof *drnn);
  if (drnn == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  drnn->config = *config;
  drnn->config.with_losses = false;
  drnn->net = vt_drnn_build (1, VT_DRNN_WINDOW, &drnn->config, seed, &drnn->nodes, error);
  if (drnn->net == NULL)
    {
      free (drnn);
      return NULL;
    }
  vt_net_set_training (drnn->net, false);
  return drnn;
}

VtDrnn *
vt_drnn_new (const VtDrnnConfig *config, uint64_t seed, VtError *error)
{
  return drnn_new (config, seed, error);
}

VtDrnn *
vt_drnn_load_memory (const void *data, size_t size, VtError *error)
{
  VtWeightsInfo info;
  vt_weights_info_init (&info);
  if (vt_weights_info_read_memory (&info, data, size, error) != VT_STATUS_OK)
    return NULL;
  VtDrnnConfig config;
  vt_drnn_config_default (&config);
  const VtTensorInfo *first = vt_weights_info_find (&info, "drnn.gru1.weight_ih");
  int layers = 0;
  for (int l = 1; l <= 8; l++)
    {
      char name[48];
      snprintf (name, sizeof name, "drnn.gru%d.weight_hh", l);
      if (vt_weights_info_find (&info, name))
        layers = l;
    }
  bool ok = first && first->n_dims == 2 && first->dims[0] % 3 == 0
            && first->dims[1] % VT_FEATURES_BINS == 0
            && (first->dims[1] / VT_FEATURES_BINS) % 2 == 1 && layers > 0;
  if (ok)
    {
      config.hidden = first->dims[0] / 3;
      config.context = (first->dims[1] / VT_FEATURES_BINS - 1) / 2;
      config.layers = layers;
    }
  vt_weights_info_clear (&info);
  if (!ok)
    {
      vt_error_set (error, VT_STATUS_BAD_FORMAT,
                    "not a DRNN weights file (no drnn.gru1 tensors of a known shape)");
      return NULL;
    }
  VtDrnn *drnn = drnn_new (&config, 1, error);
  if (drnn == NULL)
    return NULL;
  if (vt_net_load_weights_from_memory (drnn->net, data, size, error) != VT_STATUS_OK)
    {
      vt_drnn_free (drnn);
      return NULL;
    }
  return drnn;
}

VtDrnn *
vt_drnn_load_file (const char *path, VtError *error)
{
  void *data = NULL;
  size_t size = 0;
  if (vt_file_read_all (path, &data, &size, error) != VT_STATUS_OK)
    return NULL;
  VtDrnn *drnn = vt_drnn_load_memory (data, size, error);
  free (data);
  if (drnn == NULL)
    vt_error_prefix (error, "%s", path);
  return drnn;
}

void
vt_drnn_free (VtDrnn *drnn)
{
  if (drnn == NULL)
    return;
  vt_net_free (drnn->net);
  free (drnn);
}

VtNet *
vt_drnn_get_net (VtDrnn *drnn)
{
  return drnn->net;
}

const VtDrnnConfig *
vt_drnn_get_config (const VtDrnn *drnn)
{
  return &drnn->config;
}

VtStatus
vt_drnn_estimate_mask (VtDrnn *drnn, const float *log_magnitude, int64_t frames, float *mask,
                       int mask_bins, const VtProgress *progress, VtError *error)
{
  if (frames < 0 || mask_bins < VT_FEATURES_BINS || (frames > 0 && (!log_magnitude || !mask)))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "DRNN: bad mask request");
  const int window = VT_DRNN_WINDOW, warmup = VT_DRNN_WARMUP, keep = window - warmup;
  VtNet *net = drnn->net;
  float *features = vt_net_get_value (net, drnn->nodes.features);
  /* Windows keep frames [start, start + keep), computed from start - warmup. */
  for (int64_t start = 0; start < frames; start += keep)
    {
      int64_t first = start - warmup;
      vt_drnn_fill_features (log_magnitude, frames, first, window, drnn->config.context,
                             features);
      /* Frames before the song are silence, as the zero state assumes. */
      VtStatus status = vt_net_forward (net, error);
      if (status != VT_STATUS_OK)
        return status;
      const float *share = vt_net_get_value (net, drnn->nodes.vocal_mask);
      for (int t = warmup; t < window && first + t < frames; t++)
        {
          float *row = mask + (first + t) * mask_bins;
          for (int k = 0; k < VT_FEATURES_BINS; k++)
            row[k] = share[(size_t) k * window + t];
          for (int k = VT_FEATURES_BINS; k < mask_bins; k++)
            row[k] = row[VT_FEATURES_BINS - 1];
        }
      double done = fmin (1.0, (double) (start + keep) / (double) frames);
      if (!vt_progress_report (progress, done, "separating"))
        return vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
    }
  return VT_STATUS_OK;
}
