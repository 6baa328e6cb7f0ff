/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-unet: the spectrogram U-Net of Jansson et al. (ISMIR 2017) as a
 * reusable block of a VtNet.
 *
 * Encoder: depth levels of conv kernel x kernel, stride 2, padding
 * kernel / 2, batch norm, leaky ReLU; channels base, 2 base, 4 base, ...
 * (capped at max_channels when set). Decoder: transposed conv (stride 2,
 * output padding 1, so each level exactly doubles H and W), batch norm,
 * ReLU, dropout on the first dropout_layers levels, then concatenation with
 * the encoder level of the same size; the last transposed conv gives
 * out_channels "logits", then the output activation (sigmoid: a mask).
 * With vt_unet_config_default() and depth 6, base 16 this is the paper's
 * network (16..512 channels, 0.2 slope, 50 % dropout in 3 layers).
 *
 * Optional per-frame head (head_bins > 0): a conv whose kernel spans all H
 * rows of the logits (valid padding), giving head_bins x 1 x W logits per
 * frame (W = time): e.g. a pitch posterior over bins (cross-entropy along
 * axis 1) or a vocal-activity logit (head_bins = 1, BCE).
 *
 * The input's H and W must be multiples of 2^depth. Parameter names start
 * with prefix ("mask.enc1.conv.weight", ...). The U-Net is part of the net:
 * no separate ownership or threading rules.
 */
#pragma once

#include "vt-net.h"

#define VT_UNET_MAX_DEPTH 10

typedef enum
{
  VT_UNET_OUTPUT_SIGMOID,
  VT_UNET_OUTPUT_NONE,     /* output = logits */
} VtUnetOutput;

typedef struct
{
  int out_channels;
  int depth;
  int base_channels;
  int max_channels;        /* 0: no cap */
  int kernel;
  float leaky_slope;
  float dropout;
  int dropout_layers;      /* 0: no dropout */
  VtUnetOutput output;
  int head_bins;           /* 0: no per-frame head */
} VtUnetConfig;

typedef struct
{
  VtNode output;           /* activated, same H x W as the input */
  VtNode logits;           /* before the output activation */
  VtNode head;             /* per-frame head logits, or VT_NODE_NONE */
  VtNode bottleneck;       /* deepest encoder level */
  VtNode encoder[VT_UNET_MAX_DEPTH];
} VtUnet;

/* Jansson et al.: out 1, depth 6, base 16, kernel 5, slope 0.2, dropout 0.5
 * in 3 layers, sigmoid, no head. */
VtUnetConfig vt_unet_config_default (void);

VtStatus vt_unet_build (VtNet *net, const char *prefix, VtNode input, const VtUnetConfig *config,
                        VtUnet *unet, VtError *error);
