/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-unet.h"

#include <stdio.h>

VtUnetConfig
vt_unet_config_default (void)
{
  return (VtUnetConfig) {
    .out_channels = 1,
    .depth = 6,
    .base_channels = 16,
    .max_channels = 0,
    .kernel = 5,
    .leaky_slope = 0.2f,
    .dropout = 0.5f,
    .dropout_layers = 3,
    .output = VT_UNET_OUTPUT_SIGMOID,
    .head_bins = 0,
  };
}

VtStatus
vt_unet_build (VtNet *net, const char *prefix, VtNode input, const VtUnetConfig *config,
               VtUnet *unet, VtError *error)
{
  const VtUnetConfig *c = config;
  if (c->depth < 1 || c->depth > VT_UNET_MAX_DEPTH || c->base_channels < 1 || c->kernel < 1
      || c->out_channels < 1 || c->head_bins < 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: depth must be 1 to %d, channels and kernel positive", prefix,
                         VT_UNET_MAX_DEPTH);
  VtShape in = vt_net_get_shape (net, input);
  int multiple = 1 << c->depth;
  if (in.h % multiple != 0 || in.w % multiple != 0 || in.h == 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: the input is %d x %d; both must be multiples of %d for depth %d",
                         prefix, in.h, in.w, multiple, c->depth);
  char name[96];
  int channels[VT_UNET_MAX_DEPTH];
  VtNode h = input;
  for (int level = 0; level < c->depth; level++)
    {
      int width = c->base_channels << level;
      if (c->max_channels > 0 && width > c->max_channels)
        width = c->max_channels;
      channels[level] = width;
      snprintf (name, sizeof name, "%s.enc%d.conv", prefix, level + 1);
      h = vt_net_conv2d (net, name, h, &(VtConv2dConfig) {
                           .out_channels = width, .kernel_h = c->kernel, .kernel_w = c->kernel,
                           .stride_h = 2, .stride_w = 2, .pad_h = c->kernel / 2,
                           .pad_w = c->kernel / 2 });
      snprintf (name, sizeof name, "%s.enc%d.bn", prefix, level + 1);
      h = vt_net_batch_norm (net, name, h);
      h = vt_net_leaky_relu (net, h, c->leaky_slope);
      unet->encoder[level] = h;
    }
  unet->bottleneck = h;
  for (int level = c->depth - 1; level >= 0; level--)
    {
      bool last = level == 0;
      int width = last ? c->out_channels : channels[level - 1];
      int index = c->depth - level;
      snprintf (name, sizeof name, "%s.dec%d.deconv", prefix, index);
      h = vt_net_conv_transpose2d (net, name, h, &(VtConv2dConfig) {
                                     .out_channels = width, .kernel_h = c->kernel,
                                     .kernel_w = c->kernel, .stride_h = 2, .stride_w = 2,
                                     .pad_h = c->kernel / 2, .pad_w = c->kernel / 2,
                                     .output_pad_h = 1, .output_pad_w = 1 });
      if (last)
        break;
      snprintf (name, sizeof name, "%s.dec%d.bn", prefix, index);
      h = vt_net_batch_norm (net, name, h);
      h = vt_net_relu (net, h);
      if (index <= c->dropout_layers && c->dropout > 0)
        h = vt_net_dropout (net, h, c->dropout);
      h = vt_net_concat (net, h, unet->encoder[level - 1], 1);
    }
  unet->logits = h;
  unet->output = c->output == VT_UNET_OUTPUT_SIGMOID ? vt_net_sigmoid (net, h) : h;
  unet->head = VT_NODE_NONE;
  if (c->head_bins > 0)
    {
      snprintf (name, sizeof name, "%s.head", prefix);
      unet->head = vt_net_conv2d (net, name, h, &(VtConv2dConfig) {
                                    .out_channels = c->head_bins, .kernel_h = in.h,
                                    .kernel_w = 1 });
    }
  /* Reports the error recorded while building, naming the layer. */
  if (unet->output == VT_NODE_NONE || (c->head_bins > 0 && unet->head == VT_NODE_NONE))
    {
      VtError build = { 0 };
      VtStatus status = vt_net_plan (net, &build);
      return vt_error_set (error, status != VT_STATUS_OK ? status : VT_STATUS_BAD_ARGUMENT, "%s",
                           build.message);
    }
  return VT_STATUS_OK;
}
