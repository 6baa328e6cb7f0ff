/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-net: a network as a static graph of layers, with forward and backward.
 *
 * How to use it (see vt-unet.c for a whole U-Net):
 *
 *   VtNet *net = vt_net_new (seed);
 *   VtNode x = vt_net_input (net, "mix", (VtShape) { 8, 1, 512, 128 });
 *   VtNode t = vt_net_input (net, "target", (VtShape) { 8, 1, 512, 128 });
 *   VtNode h = vt_net_conv2d (net, "enc1", x, &(VtConv2dConfig) {
 *                               .out_channels = 16, .kernel_h = 5, .kernel_w = 5,
 *                               .stride_h = 2, .stride_w = 2, .pad_h = 2, .pad_w = 2 });
 *   h = vt_net_batch_norm (net, "enc1.bn", h);
 *   h = vt_net_leaky_relu (net, h, 0.2f);
 *   ...
 *   VtNode loss = vt_net_l1_loss (net, y, t, VT_NODE_NONE);
 *   if (vt_net_plan (net, &error) != VT_STATUS_OK) ...   (reports build errors)
 *   per step: fill vt_net_get_value (net, x) and (net, t); vt_net_forward;
 *             vt_net_backward; vt_adam_step (net, &adam, lr)  (vt-optim.h).
 *
 * Building: each layer function takes node ids and returns the new node's
 * id. Shapes are inferred at once from the inputs' declared shapes, and
 * parameters are created (named "<name>.weight", "<name>.bias", ...) and
 * initialised from the network's VtRng in call order. A layer that cannot be
 * built (wrong shapes, bad arguments, no memory) returns VT_NODE_NONE and
 * records the first error; later calls given VT_NODE_NONE also return it,
 * and vt_net_plan() reports that first error with the layer's name, so a
 * model can declare everything and check once.
 *
 * Memory: vt_net_plan() sizes one arena for all activations, gradients and
 * saved data, plus one scratch buffer (im2col), for the current input
 * shapes; forward/backward/optimizer steps then never allocate. Changing an
 * input's shape (vt_net_reshape_input, e.g. a training batch vs. a whole
 * song) marks the net for re-planning; the arena only grows. Value and
 * gradient pointers are borrowed and valid until the next re-plan.
 *
 * Gradients: vt_net_backward() clears activation gradients, seeds every loss
 * node with its scale (vt_net_set_loss_scale, default 1: the total loss is
 * the sum of scale * loss) and ACCUMULATES parameter gradients; the
 * optimizer step clears them (or call vt_net_zero_grad). Input nodes get a
 * gradient only when asked (vt_net_input_set_requires_grad).
 *
 * Modes: vt_net_set_training (true) makes batch norm use batch statistics
 * and update its running statistics, and dropout drop; false (the default
 * after vt_net_new is true) uses running statistics and no dropout. Both
 * modes support backward (fine-tuning with frozen statistics).
 *
 * Threads: one VtNet per thread at a time. Matrix products use OpenBLAS's
 * threads (OPENBLAS_NUM_THREADS); results are identical for the same seed
 * and thread count.
 */
#pragma once

#include "vt-rng.h"
#include "vt-status.h"
#include "vt-tensor.h"

typedef struct VtNet VtNet;
typedef int VtNode;
#define VT_NODE_NONE (-1)

VtNet *vt_net_new (uint64_t seed);
void vt_net_free (VtNet *net);

/* --- Building ----------------------------------------------------------- */

/* A tensor the caller fills before each forward (data, targets, weights). */
VtNode vt_net_input (VtNet *net, const char *name, VtShape shape);
void vt_net_input_set_requires_grad (VtNet *net, VtNode input, bool requires_grad);

typedef struct
{
  int out_channels;
  int kernel_h, kernel_w;
  int stride_h, stride_w;         /* 0 means 1 */
  int pad_h, pad_w;               /* zero padding each side; 0 = 'valid' */
  int dilation_h, dilation_w;     /* 0 means 1 */
  int output_pad_h, output_pad_w; /* transposed only: extra rows/cols at the end */
  bool no_bias;
} VtConv2dConfig;

/* out = floor ((in + 2 pad - dil (k - 1) - 1) / stride) + 1.
 * Weight: out_channels x in_channels x kernel_h x kernel_w. */
VtNode vt_net_conv2d (VtNet *net, const char *name, VtNode x, const VtConv2dConfig *config);
/* The gradient of conv2d with respect to its input, as a layer (PyTorch's
 * ConvTranspose2d): out = (in - 1) stride - 2 pad + dil (k - 1) + output_pad + 1.
 * Weight: in_channels x out_channels x kernel_h x kernel_w. With kernel 5,
 * stride 2, pad 2, output_pad 1 it exactly doubles H and W. */
VtNode vt_net_conv_transpose2d (VtNet *net, const char *name, VtNode x,
                                const VtConv2dConfig *config);
/* Fully connected over C*H*W per sample: out is N x out_features x 1 x 1.
 * Weight: out_features x (C*H*W). */
VtNode vt_net_dense (VtNet *net, const char *name, VtNode x, int out_features);
/* Per-channel batch norm over N, H, W; parameters "<name>.weight" (gamma),
 * "<name>.bias" (beta); buffers "<name>.running_mean", "<name>.running_var"
 * (unbiased, momentum 0.1, eps 1e-5, as PyTorch). */
VtNode vt_net_batch_norm (VtNet *net, const char *name, VtNode x);

VtNode vt_net_relu (VtNet *net, VtNode x);
VtNode vt_net_leaky_relu (VtNet *net, VtNode x, float negative_slope);
VtNode vt_net_sigmoid (VtNet *net, VtNode x);
VtNode vt_net_tanh (VtNet *net, VtNode x);
/* Softmax along axis (1 = C, 2 = H, 3 = W). */
VtNode vt_net_softmax (VtNet *net, VtNode x, int axis);
/* Inverted dropout: in training, zeroes each element with probability p and
 * scales the rest by 1 / (1 - p); identity otherwise. */
VtNode vt_net_dropout (VtNet *net, VtNode x, float p);
/* Joins a and b along axis (0..3; 0 = batch, e.g. real and generated
 * examples through one critic); the other dims must match. */
VtNode vt_net_concat (VtNet *net, VtNode a, VtNode b, int axis);
/* Centre-crops H and W to h x w (offset (H - h) / 2, rounding down). */
VtNode vt_net_crop (VtNet *net, VtNode x, int h, int w);
/* Centre-crops x to the H and W of like. */
VtNode vt_net_crop_like (VtNet *net, VtNode x, VtNode like);
/* Elementwise, same shapes. */
VtNode vt_net_add (VtNet *net, VtNode a, VtNode b);
VtNode vt_net_mul (VtNet *net, VtNode a, VtNode b);

/* Losses: a node holding one scalar (shape 1x1x1x1). weight is an optional
 * input node (VT_NODE_NONE: all ones) of the prediction's shape (per
 * position, i.e. with the class axis of size 1, for cross-entropy); the
 * loss is sum (weight * loss) / sum (weight), i.e. a weighted mean, and 0
 * when the weights sum to 0. The gradient also flows into target when
 * target is not an input (L_add: estimates that must add up to the mix). */
VtNode vt_net_l1_loss (VtNet *net, VtNode pred, VtNode target, VtNode weight);
VtNode vt_net_mse_loss (VtNet *net, VtNode pred, VtNode target, VtNode weight);
/* Binary cross-entropy on logits (numerically stable), targets in [0, 1]. */
VtNode vt_net_bce_logits_loss (VtNet *net, VtNode logits, VtNode target, VtNode weight);
/* Cross-entropy over bins along axis: -sum_k target_k log softmax (logits)_k,
 * averaged over positions; target is a distribution (one-hot or soft). */
VtNode vt_net_cross_entropy_loss (VtNet *net, VtNode logits, VtNode target, VtNode weight,
                                  int axis);
void vt_net_set_loss_scale (VtNet *net, VtNode loss, float scale);
/* The loss value after the last forward. */
double vt_net_get_loss (const VtNet *net, VtNode loss);

/* --- Sequences (Wave-U-Net, recurrent baseline), norms, more losses ------ */

/* 1-D signals are N x C x 1 x T. conv1d / its transpose are conv2d with a
 * 1 x kernel kernel (weights out x in x 1 x k, resp. in x out x 1 x k). */
typedef struct
{
  int out_channels;
  int kernel;
  int stride, pad, dilation, output_pad; /* as VtConv2dConfig, along T */
  bool no_bias;
} VtConv1dConfig;
VtNode vt_net_conv1d (VtNet *net, const char *name, VtNode x, const VtConv1dConfig *config);
VtNode vt_net_conv_transpose1d (VtNet *net, const char *name, VtNode x,
                                const VtConv1dConfig *config);
/* Wave-U-Net's learned upsampling along W (T -> 2T - 1, no padding):
 * out[2t] = f(t), out[2t+1] = sigmoid (w_c) f(t) + (1 - sigmoid (w_c)) f(t+1),
 * one weight per channel ("<name>.weight", starting at 0: linear). */
VtNode vt_net_upsample_learned (VtNet *net, const char *name, VtNode x);
/* Decimation along W: keeps every other sample, T -> (T + 1) / 2. */
VtNode vt_net_decimate (VtNet *net, VtNode x);
/* Group norm: per sample, over each group of C / groups channels and all
 * H x W; per-channel "<name>.weight" / "<name>.bias"; eps 1e-5. C must be a
 * multiple of groups. groups = 1 is layer norm over C, H, W. */
VtNode vt_net_group_norm (VtNet *net, const char *name, VtNode x, int groups);
VtNode vt_net_layer_norm (VtNet *net, const char *name, VtNode x);
/* Huang et al.'s discriminative objective for two sources, per element mean:
 * |p1 - t1|^2 + |p2 - t2|^2 - gamma (|p1 - t2|^2 + |p2 - t1|^2). */
VtNode vt_net_discriminative_loss (VtNet *net, VtNode pred1, VtNode pred2, VtNode target1,
                                   VtNode target2, float gamma);
/* sum (weight * x) (weight: an input of x's shape; VT_NODE_NONE: the mean
 * of x). The Wasserstein losses: run the critic once on
 * concat (generated, real) along axis 0 (N each) giving scores, then
 *   critic loss    = sum_loss (scores, w) with w = +1/N generated, -1/N real
 *   separator loss = sum_loss (scores, w) with w = -1/N generated, 0 real
 * and keep the critic Lipschitz with vt_net_clip_weights after each step. */
VtNode vt_net_sum_loss (VtNet *net, VtNode x, VtNode weight);
/* Recurrent layers over a sequence N x C x 1 x T, from a zero state; output
 * N x hidden x 1 x T. PyTorch's equations and gate order (LSTM: i, f, g, o;
 * GRU: r, z, n) and parameter names: "<name>.weight_ih" (gates*hidden x C),
 * "<name>.weight_hh" (gates*hidden x hidden), "<name>.bias_ih", ".bias_hh". */
VtNode vt_net_lstm (VtNet *net, const char *name, VtNode x, int hidden);
VtNode vt_net_gru (VtNet *net, const char *name, VtNode x, int hidden);
/* Clamps every trainable parameter whose name starts with prefix to
 * [-limit, limit] (WGAN weight clipping); returns how many were matched. */
int vt_net_clip_weights (VtNet *net, const char *prefix, float limit);

/* --- Running ------------------------------------------------------------ */

VtStatus vt_net_reshape_input (VtNet *net, VtNode input, VtShape shape, VtError *error);
/* Reports the first build error; infers shapes; sizes the arena. Called by
 * forward when needed, but call it yourself to get buffers to fill. */
VtStatus vt_net_plan (VtNet *net, VtError *error);
void vt_net_set_training (VtNet *net, bool training);
bool vt_net_get_training (const VtNet *net);
VtStatus vt_net_forward (VtNet *net, VtError *error);
VtStatus vt_net_backward (VtNet *net, VtError *error);

VtShape vt_net_get_shape (const VtNet *net, VtNode node);
float *vt_net_get_value (VtNet *net, VtNode node);
/* NULL when the node carries no gradient (inputs not requiring one). */
float *vt_net_get_grad (VtNet *net, VtNode node);
const char *vt_net_get_node_name (const VtNet *net, VtNode node);
bool vt_net_node_is_input (const VtNet *net, VtNode node);
int vt_net_get_n_nodes (const VtNet *net);
/* Bytes of the arena and scratch after the last plan. */
size_t vt_net_get_arena_size (const VtNet *net);
/* Multiply-add work of one forward, counted as 2 * M * N * K of every
 * matrix product (conv, transposed conv, dense); a backward costs twice
 * that. Used by the benchmark to express speed against sgemm. */
double vt_net_get_forward_flops (const VtNet *net);

/* --- Parameters --------------------------------------------------------- */

int vt_net_get_n_params (const VtNet *net);
VtParam *vt_net_get_param (VtNet *net, int index);
VtParam *vt_net_find_param (VtNet *net, const char *name);
/* Freezes (or thaws) every trainable parameter whose name starts with
 * prefix ("" = all); returns how many changed state or matched. */
int vt_net_set_frozen (VtNet *net, const char *prefix, bool frozen);
void vt_net_zero_grad (VtNet *net);
VtRng *vt_net_get_rng (VtNet *net);
/* Optimizer steps taken (Adam's t); saved in checkpoints. */
int64_t vt_net_get_step (const VtNet *net);
void vt_net_set_step (VtNet *net, int64_t step);

/* A copy of every parameter and buffer (not optimizer state), to reset a
 * fine-tuned model to its shipped weights. */
typedef struct VtNetSnapshot VtNetSnapshot;
VtNetSnapshot *vt_net_snapshot_new (const VtNet *net, VtError *error);
/* Fails (and changes nothing) unless the net has the same parameter names
 * and sizes as the one snapshotted. Also resets Adam's moments and step, so
 * that fine-tuning starts afresh. */
VtStatus vt_net_snapshot_restore (const VtNetSnapshot *snapshot, VtNet *net, VtError *error);
void vt_net_snapshot_free (VtNetSnapshot *snapshot);
/* Copies parameters and buffers from src to dst (same names and sizes),
 * e.g. from a training net to an inference net of another batch shape. */
VtStatus vt_net_copy_weights (VtNet *dst, const VtNet *src, VtError *error);
