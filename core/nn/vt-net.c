/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-net-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t
align_floats (size_t n)
{
  return (n + VT_ALIGN_FLOATS - 1) / VT_ALIGN_FLOATS * VT_ALIGN_FLOATS;
}

static float *
alloc_floats (size_t n)
{
  size_t bytes = align_floats (n > 0 ? n : 1) * sizeof (float);
  return aligned_alloc (64, bytes);
}

VtNet *
vt_net_new (uint64_t seed)
{
  VtNet *net = calloc (1, sizeof *net);
  if (net == NULL)
    return NULL;
  vt_rng_init (&net->rng, seed);
  net->training = true;
  return net;
}

void
vt_net_free (VtNet *net)
{
  if (net == NULL)
    return;
  for (int i = 0; i < net->n_params; i++)
    {
      free (net->params[i].data);
      free (net->params[i].grad);
      free (net->params[i].adam_m);
      free (net->params[i].adam_v);
    }
  free (net->params);
  free (net->nodes);
  free (net->arena);
  free (net->scratch);
  free (net);
}

static void
record_error (VtNet *net, VtStatus status, const char *format, ...)
  __attribute__ ((format (printf, 3, 4)));

static void
record_error (VtNet *net, VtStatus status, const char *format, ...)
{
  if (net->build_error.status != VT_STATUS_OK)
    return;
  va_list args;
  va_start (args, format);
  vt_error_setv (&net->build_error, status, format, args);
  va_end (args);
}

static bool
valid_node (VtNet *net, VtNode id)
{
  return id >= 0 && id < net->n_nodes;
}

/* Appends a node; inputs must exist (optional ones may be VT_NODE_NONE when
 * n_required says so). */
static VtNode
new_node (VtNet *net, VtOp op, const char *name, int n_inputs, int n_required,
          const VtNode *inputs)
{
  if (net->build_error.status != VT_STATUS_OK)
    return VT_NODE_NONE;
  for (int i = 0; i < n_inputs; i++)
    if (!valid_node (net, inputs[i]) && (i < n_required || inputs[i] != VT_NODE_NONE))
      {
        record_error (net, VT_STATUS_BAD_ARGUMENT, "%s: input %d is not a node of this network",
                      name ? name : "layer", i + 1);
        return VT_NODE_NONE;
      }
  if (net->n_nodes == net->nodes_capacity)
    {
      int capacity = net->nodes_capacity ? 2 * net->nodes_capacity : 64;
      VtNodeRec *nodes = realloc (net->nodes, (size_t) capacity * sizeof *nodes);
      if (nodes == NULL)
        {
          record_error (net, VT_STATUS_NO_MEMORY, "out of memory building the network");
          return VT_NODE_NONE;
        }
      net->nodes = nodes;
      net->nodes_capacity = capacity;
    }
  VtNode id = net->n_nodes++;
  VtNodeRec *node = &net->nodes[id];
  memset (node, 0, sizeof *node);
  node->op = op;
  if (name != NULL)
    snprintf (node->name, sizeof node->name, "%s", name);
  else
    snprintf (node->name, sizeof node->name, "#%d", id);
  node->n_inputs = n_inputs;
  for (int i = 0; i < VT_NODE_MAX_INPUTS; i++)
    node->inputs[i] = i < n_inputs ? inputs[i] : VT_NODE_NONE;
  for (int i = 0; i < 4; i++)
    node->param[i] = -1;
  net->planned = false;
  return id;
}

int
vt_net_add_param (VtNet *net, const char *node_name, const char *suffix, int n_dims,
                  const int *dims, bool trainable)
{
  if (net->n_params == net->params_capacity)
    {
      int capacity = net->params_capacity ? 2 * net->params_capacity : 32;
      VtParam *params = realloc (net->params, (size_t) capacity * sizeof *params);
      if (params == NULL)
        goto no_memory;
      net->params = params;
      net->params_capacity = capacity;
    }
  VtParam *p = &net->params[net->n_params];
  memset (p, 0, sizeof *p);
  snprintf (p->name, sizeof p->name, "%s.%s", node_name, suffix);
  for (int i = 0; i < net->n_params; i++)
    if (strcmp (net->params[i].name, p->name) == 0)
      {
        record_error (net, VT_STATUS_BAD_ARGUMENT,
                      "two parameters are named '%s' (give each layer its own name)", p->name);
        return -1;
      }
  p->n_dims = n_dims;
  p->size = 1;
  for (int i = 0; i < n_dims; i++)
    {
      p->dims[i] = dims[i];
      p->size *= (size_t) dims[i];
    }
  p->trainable = trainable;
  p->data = calloc (p->size, sizeof (float));
  if (p->data == NULL)
    goto no_memory;
  if (trainable)
    {
      p->grad = calloc (p->size, sizeof (float));
      p->adam_m = calloc (p->size, sizeof (float));
      p->adam_v = calloc (p->size, sizeof (float));
      if (p->grad == NULL || p->adam_m == NULL || p->adam_v == NULL)
        {
          free (p->data);
          free (p->grad);
          free (p->adam_m);
          free (p->adam_v);
          goto no_memory;
        }
    }
  return net->n_params++;

no_memory:
  record_error (net, VT_STATUS_NO_MEMORY, "out of memory for parameter %s.%s", node_name, suffix);
  return -1;
}

static VtStatus
infer_node (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error)
{
  *scratch = 0;
  switch (node->op)
    {
    case VT_OP_INPUT:
      return VT_STATUS_OK;
    case VT_OP_CONV2D:
      return vt_conv_infer (net, node, scratch, error);
    case VT_OP_CONV_TRANSPOSE2D:
      return vt_conv_transpose_infer (net, node, scratch, error);
    case VT_OP_LOSS_L1:
    case VT_OP_LOSS_MSE:
    case VT_OP_LOSS_BCE:
    case VT_OP_LOSS_CE:
      return vt_loss_infer (net, node, error);
    case VT_OP_UPSAMPLE_LEARNED:
    case VT_OP_DECIMATE:
    case VT_OP_GROUP_NORM:
    case VT_OP_LOSS_DISCRIMINATIVE:
    case VT_OP_LOSS_SUM:
      return vt_seq_infer (net, node, error);
    case VT_OP_LSTM:
    case VT_OP_GRU:
      return vt_rnn_infer (net, node, scratch, error);
    default:
      return vt_layer_infer (net, node, scratch, error);
    }
}

/* Shape inference for the node just built; on failure records the error and
 * returns VT_NODE_NONE. */
static VtNode
finish_node (VtNet *net, VtNode id)
{
  if (id == VT_NODE_NONE)
    return id;
  if (net->build_error.status != VT_STATUS_OK)
    return VT_NODE_NONE;
  size_t scratch;
  VtError error = { 0 };
  if (infer_node (net, &net->nodes[id], &scratch, &error) != VT_STATUS_OK)
    {
      record_error (net, error.status, "%s", error.message);
      return VT_NODE_NONE;
    }
  return id;
}

VtNode
vt_net_input (VtNet *net, const char *name, VtShape shape)
{
  VtNode id = new_node (net, VT_OP_INPUT, name, 0, 0, NULL);
  if (id == VT_NODE_NONE)
    return id;
  if (shape.n <= 0 || shape.c <= 0 || shape.h <= 0 || shape.w <= 0)
    {
      record_error (net, VT_STATUS_BAD_ARGUMENT, "input %s: shape %dx%dx%dx%d has an empty dimension",
                    net->nodes[id].name, shape.n, shape.c, shape.h, shape.w);
      return VT_NODE_NONE;
    }
  net->nodes[id].shape = shape;
  return id;
}

void
vt_net_input_set_requires_grad (VtNet *net, VtNode input, bool requires_grad)
{
  if (valid_node (net, input) && net->nodes[input].op == VT_OP_INPUT)
    {
      net->nodes[input].needs_grad = requires_grad;
      net->planned = false;
    }
}

static void
init_normal (VtNet *net, int index, float stddev)
{
  if (index < 0)
    return;
  VtParam *p = &net->params[index];
  for (size_t i = 0; i < p->size; i++)
    p->data[i] = stddev * vt_rng_normal (&net->rng);
}

static VtNode
build_conv (VtNet *net, VtOp op, const char *name, VtNode x, const VtConv2dConfig *config)
{
  VtNode id = new_node (net, op, name, 1, 1, &x);
  if (id == VT_NODE_NONE)
    return id;
  VtNodeRec *node = &net->nodes[id];
  if (config == NULL || config->out_channels <= 0 || config->kernel_h <= 0 || config->kernel_w <= 0
      || config->stride_h < 0 || config->stride_w < 0 || config->pad_h < 0 || config->pad_w < 0
      || config->dilation_h < 0 || config->dilation_w < 0 || config->output_pad_h < 0
      || config->output_pad_w < 0)
    {
      record_error (net, VT_STATUS_BAD_ARGUMENT,
                    "%s: channels and kernel sizes must be positive, strides, padding and "
                    "dilation non-negative", node->name);
      return VT_NODE_NONE;
    }
  node->conv = *config;
  VtConv2dConfig *c = &node->conv;
  if (c->stride_h == 0)
    c->stride_h = 1;
  if (c->stride_w == 0)
    c->stride_w = 1;
  if (c->dilation_h == 0)
    c->dilation_h = 1;
  if (c->dilation_w == 0)
    c->dilation_w = 1;
  int in_channels = net->nodes[x].shape.c;
  int dims[4];
  float stddev;
  if (op == VT_OP_CONV2D)
    {
      dims[0] = c->out_channels;
      dims[1] = in_channels;
      stddev = sqrtf (2.0f / (float) (in_channels * c->kernel_h * c->kernel_w));
    }
  else
    {
      dims[0] = in_channels;
      dims[1] = c->out_channels;
      float fan_in = (float) (in_channels * c->kernel_h * c->kernel_w)
                     / (float) (c->stride_h * c->stride_w);
      stddev = sqrtf (2.0f / (fan_in > 1.0f ? fan_in : 1.0f));
    }
  dims[2] = c->kernel_h;
  dims[3] = c->kernel_w;
  node->param[0] = vt_net_add_param (net, node->name, "weight", 4, dims, true);
  init_normal (net, node->param[0], stddev);
  if (!c->no_bias)
    node->param[1] = vt_net_add_param (net, node->name, "bias", 1, &c->out_channels, true);
  return finish_node (net, id);
}

VtNode
vt_net_conv2d (VtNet *net, const char *name, VtNode x, const VtConv2dConfig *config)
{
  return build_conv (net, VT_OP_CONV2D, name, x, config);
}

VtNode
vt_net_conv_transpose2d (VtNet *net, const char *name, VtNode x, const VtConv2dConfig *config)
{
  return build_conv (net, VT_OP_CONV_TRANSPOSE2D, name, x, config);
}

VtNode
vt_net_dense (VtNet *net, const char *name, VtNode x, int out_features)
{
  VtNode id = new_node (net, VT_OP_DENSE, name, 1, 1, &x);
  if (id == VT_NODE_NONE)
    return id;
  VtNodeRec *node = &net->nodes[id];
  if (out_features <= 0)
    {
      record_error (net, VT_STATUS_BAD_ARGUMENT, "%s: out_features must be positive", node->name);
      return VT_NODE_NONE;
    }
  VtShape s = net->nodes[x].shape;
  int dims[2] = { out_features, s.c * s.h * s.w };
  node->conv.out_channels = out_features;
  node->param[0] = vt_net_add_param (net, node->name, "weight", 2, dims, true);
  init_normal (net, node->param[0], sqrtf (1.0f / (float) dims[1]));
  node->param[1] = vt_net_add_param (net, node->name, "bias", 1, &out_features, true);
  return finish_node (net, id);
}

VtNode
vt_net_batch_norm (VtNet *net, const char *name, VtNode x)
{
  VtNode id = new_node (net, VT_OP_BATCH_NORM, name, 1, 1, &x);
  if (id == VT_NODE_NONE)
    return id;
  VtNodeRec *node = &net->nodes[id];
  int c = net->nodes[x].shape.c;
  node->param[0] = vt_net_add_param (net, node->name, "weight", 1, &c, true);
  node->param[1] = vt_net_add_param (net, node->name, "bias", 1, &c, true);
  node->param[2] = vt_net_add_param (net, node->name, "running_mean", 1, &c, false);
  node->param[3] = vt_net_add_param (net, node->name, "running_var", 1, &c, false);
  if (net->build_error.status != VT_STATUS_OK)
    return VT_NODE_NONE;
  for (int i = 0; i < c; i++)
    {
      net->params[node->param[0]].data[i] = 1.0f;
      net->params[node->param[3]].data[i] = 1.0f;
    }
  return finish_node (net, id);
}

static VtNode
build_unary (VtNet *net, VtOp op, VtNode x, float alpha, int axis)
{
  VtNode id = new_node (net, op, NULL, 1, 1, &x);
  if (id == VT_NODE_NONE)
    return id;
  net->nodes[id].alpha = alpha;
  net->nodes[id].axis = axis;
  return finish_node (net, id);
}

VtNode
vt_net_relu (VtNet *net, VtNode x)
{
  return build_unary (net, VT_OP_RELU, x, 0, 0);
}

VtNode
vt_net_leaky_relu (VtNet *net, VtNode x, float negative_slope)
{
  return build_unary (net, VT_OP_LEAKY_RELU, x, negative_slope, 0);
}

VtNode
vt_net_sigmoid (VtNet *net, VtNode x)
{
  return build_unary (net, VT_OP_SIGMOID, x, 0, 0);
}

VtNode
vt_net_tanh (VtNet *net, VtNode x)
{
  return build_unary (net, VT_OP_TANH, x, 0, 0);
}

VtNode
vt_net_softmax (VtNet *net, VtNode x, int axis)
{
  return build_unary (net, VT_OP_SOFTMAX, x, 0, axis);
}

VtNode
vt_net_dropout (VtNet *net, VtNode x, float p)
{
  if (!(p >= 0.0f && p < 1.0f))
    {
      record_error (net, VT_STATUS_BAD_ARGUMENT, "dropout: p = %g is not in [0, 1)", p);
      return VT_NODE_NONE;
    }
  return build_unary (net, VT_OP_DROPOUT, x, p, 0);
}

VtNode
vt_net_concat (VtNet *net, VtNode a, VtNode b, int axis)
{
  VtNode inputs[2] = { a, b };
  VtNode id = new_node (net, VT_OP_CONCAT, NULL, 2, 2, inputs);
  if (id == VT_NODE_NONE)
    return id;
  net->nodes[id].axis = axis;
  return finish_node (net, id);
}

VtNode
vt_net_crop (VtNet *net, VtNode x, int h, int w)
{
  VtNode id = new_node (net, VT_OP_CROP, NULL, 1, 1, &x);
  if (id == VT_NODE_NONE)
    return id;
  net->nodes[id].crop_h = h;
  net->nodes[id].crop_w = w;
  return finish_node (net, id);
}

VtNode
vt_net_crop_like (VtNet *net, VtNode x, VtNode like)
{
  if (!valid_node (net, like))
    {
      record_error (net, VT_STATUS_BAD_ARGUMENT, "crop: the reference is not a node");
      return VT_NODE_NONE;
    }
  return vt_net_crop (net, x, net->nodes[like].shape.h, net->nodes[like].shape.w);
}

static VtNode
build_binary (VtNet *net, VtOp op, VtNode a, VtNode b)
{
  VtNode inputs[2] = { a, b };
  return finish_node (net, new_node (net, op, NULL, 2, 2, inputs));
}

VtNode
vt_net_add (VtNet *net, VtNode a, VtNode b)
{
  return build_binary (net, VT_OP_ADD, a, b);
}

VtNode
vt_net_mul (VtNet *net, VtNode a, VtNode b)
{
  return build_binary (net, VT_OP_MUL, a, b);
}

static VtNode
build_loss (VtNet *net, VtOp op, const char *name, VtNode pred, VtNode target, VtNode weight,
            int axis)
{
  VtNode inputs[3] = { pred, target, weight };
  VtNode id = new_node (net, op, name, 3, 2, inputs);
  if (id == VT_NODE_NONE)
    return id;
  net->nodes[id].is_loss = true;
  net->nodes[id].alpha = 1.0f;
  net->nodes[id].axis = axis;
  return finish_node (net, id);
}

VtNode
vt_net_l1_loss (VtNet *net, VtNode pred, VtNode target, VtNode weight)
{
  return build_loss (net, VT_OP_LOSS_L1, "l1_loss", pred, target, weight, 0);
}

VtNode
vt_net_mse_loss (VtNet *net, VtNode pred, VtNode target, VtNode weight)
{
  return build_loss (net, VT_OP_LOSS_MSE, "mse_loss", pred, target, weight, 0);
}

VtNode
vt_net_bce_logits_loss (VtNet *net, VtNode logits, VtNode target, VtNode weight)
{
  return build_loss (net, VT_OP_LOSS_BCE, "bce_loss", logits, target, weight, 0);
}

VtNode
vt_net_cross_entropy_loss (VtNet *net, VtNode logits, VtNode target, VtNode weight, int axis)
{
  return build_loss (net, VT_OP_LOSS_CE, "cross_entropy_loss", logits, target, weight, axis);
}

void
vt_net_set_loss_scale (VtNet *net, VtNode loss, float scale)
{
  if (valid_node (net, loss) && net->nodes[loss].is_loss)
    net->nodes[loss].alpha = scale;
}

VtNode
vt_net_node_new (VtNet *net, VtOp op, const char *name, int n_inputs, int n_required,
                 const VtNode *inputs)
{
  return new_node (net, op, name, n_inputs, n_required, inputs);
}

VtNode
vt_net_node_finish (VtNet *net, VtNode id)
{
  return finish_node (net, id);
}

void
vt_net_record_error (VtNet *net, VtStatus status, const char *format, ...)
{
  if (net->build_error.status != VT_STATUS_OK)
    return;
  va_list args;
  va_start (args, format);
  vt_error_setv (&net->build_error, status, format, args);
  va_end (args);
}

double
vt_net_get_loss (const VtNet *net, VtNode loss)
{
  if (loss < 0 || loss >= net->n_nodes || !net->nodes[loss].is_loss)
    return NAN;
  return net->nodes[loss].loss_value;
}

/* --- Running ------------------------------------------------------------ */

VtStatus
vt_net_reshape_input (VtNet *net, VtNode input, VtShape shape, VtError *error)
{
  if (!valid_node (net, input) || net->nodes[input].op != VT_OP_INPUT)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "reshape: node %d is not an input", input);
  if (shape.n <= 0 || shape.c <= 0 || shape.h <= 0 || shape.w <= 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "input %s: shape %dx%dx%dx%d has an empty dimension",
                         net->nodes[input].name, shape.n, shape.c, shape.h, shape.w);
  if (!vt_shape_equal (net->nodes[input].shape, shape))
    {
      net->nodes[input].shape = shape;
      net->planned = false;
    }
  return VT_STATUS_OK;
}

static bool
node_has_trainable_param (VtNet *net, VtNodeRec *node)
{
  for (int i = 0; i < 4; i++)
    if (node->param[i] >= 0 && net->params[node->param[i]].trainable)
      return true;
  return false;
}

VtStatus
vt_net_plan (VtNet *net, VtError *error)
{
  if (net->build_error.status != VT_STATUS_OK)
    {
      if (error != NULL)
        *error = net->build_error;
      return net->build_error.status;
    }
  if (net->planned)
    return VT_STATUS_OK;
  size_t values = 0, grads = 0, scratch_max = 0;
  for (int i = 0; i < net->n_nodes; i++)
    {
      VtNodeRec *node = &net->nodes[i];
      size_t scratch = 0;
      VtStatus status = infer_node (net, node, &scratch, error);
      if (status != VT_STATUS_OK)
        return status;
      if (node->op != VT_OP_INPUT)
        {
          node->needs_grad = node_has_trainable_param (net, node);
          for (int k = 0; k < node->n_inputs; k++)
            if (node->inputs[k] != VT_NODE_NONE && net->nodes[node->inputs[k]].needs_grad)
              node->needs_grad = true;
        }
      if (scratch > scratch_max)
        scratch_max = scratch;
      values += align_floats (vt_shape_size (node->shape)) + align_floats (node->saved_floats);
      if (node->needs_grad)
        grads += align_floats (vt_shape_size (node->shape));
    }
  size_t total = values + grads;
  if (total > net->arena_floats)
    {
      free (net->arena);
      net->arena_floats = 0;
      net->arena = alloc_floats (total);
      if (net->arena == NULL)
        return vt_error_set (error, VT_STATUS_NO_MEMORY,
                             "out of memory for the network's activations (%.0f MB)",
                             (double) total * 4 / 1e6);
      net->arena_floats = total;
    }
  if (scratch_max > net->scratch_floats)
    {
      free (net->scratch);
      net->scratch_floats = 0;
      net->scratch = alloc_floats (scratch_max);
      if (net->scratch == NULL)
        return vt_error_set (error, VT_STATUS_NO_MEMORY,
                             "out of memory for the network's scratch (%.0f MB)",
                             (double) scratch_max * 4 / 1e6);
      net->scratch_floats = scratch_max;
    }
  float *cursor = net->arena;
  for (int i = 0; i < net->n_nodes; i++)
    {
      VtNodeRec *node = &net->nodes[i];
      node->value = cursor;
      cursor += align_floats (vt_shape_size (node->shape));
      node->saved = node->saved_floats ? cursor : NULL;
      cursor += align_floats (node->saved_floats);
    }
  net->grad_begin = cursor;
  net->grad_floats = grads;
  for (int i = 0; i < net->n_nodes; i++)
    {
      VtNodeRec *node = &net->nodes[i];
      node->grad = node->needs_grad ? cursor : NULL;
      if (node->needs_grad)
        cursor += align_floats (vt_shape_size (node->shape));
    }
  /* Inputs start as zeros rather than whatever the arena held. */
  memset (net->arena, 0, total * sizeof (float));
  net->planned = true;
  return VT_STATUS_OK;
}

void
vt_net_set_training (VtNet *net, bool training)
{
  net->training = training;
}

bool
vt_net_get_training (const VtNet *net)
{
  return net->training;
}

VtStatus
vt_net_forward (VtNet *net, VtError *error)
{
  VtStatus status = vt_net_plan (net, error);
  if (status != VT_STATUS_OK)
    return status;
  for (int i = 0; i < net->n_nodes; i++)
    {
      VtNodeRec *node = &net->nodes[i];
      switch (node->op)
        {
        case VT_OP_INPUT:
          break;
        case VT_OP_CONV2D:
          vt_conv_forward (net, node);
          break;
        case VT_OP_CONV_TRANSPOSE2D:
          vt_conv_transpose_forward (net, node);
          break;
        case VT_OP_LOSS_L1:
        case VT_OP_LOSS_MSE:
        case VT_OP_LOSS_BCE:
        case VT_OP_LOSS_CE:
          vt_loss_forward (net, node);
          break;
        case VT_OP_UPSAMPLE_LEARNED:
        case VT_OP_DECIMATE:
        case VT_OP_GROUP_NORM:
        case VT_OP_LOSS_DISCRIMINATIVE:
        case VT_OP_LOSS_SUM:
          vt_seq_forward (net, node);
          break;
        case VT_OP_LSTM:
        case VT_OP_GRU:
          vt_rnn_forward (net, node);
          break;
        default:
          vt_layer_forward (net, node);
          break;
        }
    }
  return VT_STATUS_OK;
}

VtStatus
vt_net_backward (VtNet *net, VtError *error)
{
  if (!net->planned)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "backward needs a forward first");
  memset (net->grad_begin, 0, net->grad_floats * sizeof (float));
  for (int i = 0; i < net->n_nodes; i++)
    if (net->nodes[i].is_loss && net->nodes[i].grad != NULL)
      net->nodes[i].grad[0] = net->nodes[i].alpha;
  for (int i = net->n_nodes - 1; i >= 0; i--)
    {
      VtNodeRec *node = &net->nodes[i];
      if (!node->needs_grad)
        continue;
      switch (node->op)
        {
        case VT_OP_INPUT:
          break;
        case VT_OP_CONV2D:
          vt_conv_backward (net, node);
          break;
        case VT_OP_CONV_TRANSPOSE2D:
          vt_conv_transpose_backward (net, node);
          break;
        case VT_OP_LOSS_L1:
        case VT_OP_LOSS_MSE:
        case VT_OP_LOSS_BCE:
        case VT_OP_LOSS_CE:
          vt_loss_backward (net, node);
          break;
        case VT_OP_UPSAMPLE_LEARNED:
        case VT_OP_DECIMATE:
        case VT_OP_GROUP_NORM:
        case VT_OP_LOSS_DISCRIMINATIVE:
        case VT_OP_LOSS_SUM:
          vt_seq_backward (net, node);
          break;
        case VT_OP_LSTM:
        case VT_OP_GRU:
          vt_rnn_backward (net, node);
          break;
        default:
          vt_layer_backward (net, node);
          break;
        }
    }
  return VT_STATUS_OK;
}

VtShape
vt_net_get_shape (const VtNet *net, VtNode node)
{
  if (node < 0 || node >= net->n_nodes)
    return (VtShape) { 0, 0, 0, 0 };
  return net->nodes[node].shape;
}

float *
vt_net_get_value (VtNet *net, VtNode node)
{
  if (!valid_node (net, node) || !net->planned)
    return NULL;
  return net->nodes[node].value;
}

float *
vt_net_get_grad (VtNet *net, VtNode node)
{
  if (!valid_node (net, node) || !net->planned)
    return NULL;
  return net->nodes[node].grad;
}

const char *
vt_net_get_node_name (const VtNet *net, VtNode node)
{
  if (node < 0 || node >= net->n_nodes)
    return NULL;
  return net->nodes[node].name;
}

bool
vt_net_node_is_input (const VtNet *net, VtNode node)
{
  return node >= 0 && node < net->n_nodes && net->nodes[node].op == VT_OP_INPUT;
}

int
vt_net_get_n_nodes (const VtNet *net)
{
  return net->n_nodes;
}

size_t
vt_net_get_arena_size (const VtNet *net)
{
  return (net->arena_floats + net->scratch_floats) * sizeof (float);
}

double
vt_net_get_forward_flops (const VtNet *net)
{
  double flops = 0;
  VtNet *mutable_net = (VtNet *) net;
  for (int i = 0; i < net->n_nodes; i++)
    {
      VtNodeRec *node = &mutable_net->nodes[i];
      if (node->op == VT_OP_CONV2D || node->op == VT_OP_CONV_TRANSPOSE2D)
        flops += vt_conv_flops (mutable_net, node);
      else if (node->op == VT_OP_LSTM || node->op == VT_OP_GRU)
        {
          VtShape s = net->nodes[node->inputs[0]].shape;
          double gates = (node->op == VT_OP_LSTM ? 4.0 : 3.0) * node->conv.out_channels;
          flops += 2.0 * s.n * (double) s.w * gates * (s.c + node->conv.out_channels);
        }
      else if (node->op == VT_OP_DENSE)
        {
          VtShape s = net->nodes[node->inputs[0]].shape;
          flops += 2.0 * s.n * (double) s.c * s.h * s.w * node->conv.out_channels;
        }
    }
  return flops;
}

/* --- Parameters --------------------------------------------------------- */

int
vt_net_get_n_params (const VtNet *net)
{
  return net->n_params;
}

VtParam *
vt_net_get_param (VtNet *net, int index)
{
  if (index < 0 || index >= net->n_params)
    return NULL;
  return &net->params[index];
}

VtParam *
vt_net_find_param (VtNet *net, const char *name)
{
  for (int i = 0; i < net->n_params; i++)
    if (strcmp (net->params[i].name, name) == 0)
      return &net->params[i];
  return NULL;
}

int
vt_net_set_frozen (VtNet *net, const char *prefix, bool frozen)
{
  int count = 0;
  size_t length = prefix ? strlen (prefix) : 0;
  for (int i = 0; i < net->n_params; i++)
    {
      VtParam *p = &net->params[i];
      if (p->trainable && (length == 0 || strncmp (p->name, prefix, length) == 0))
        {
          p->frozen = frozen;
          count++;
        }
    }
  return count;
}

void
vt_net_zero_grad (VtNet *net)
{
  for (int i = 0; i < net->n_params; i++)
    if (net->params[i].grad != NULL)
      memset (net->params[i].grad, 0, net->params[i].size * sizeof (float));
}

VtRng *
vt_net_get_rng (VtNet *net)
{
  return &net->rng;
}

int64_t
vt_net_get_step (const VtNet *net)
{
  return net->step;
}

void
vt_net_set_step (VtNet *net, int64_t step)
{
  net->step = step;
}

struct VtNetSnapshot
{
  int n_params;
  char (*names)[VT_PARAM_NAME_SIZE];
  size_t *sizes;
  float **data;
};

void
vt_net_snapshot_free (VtNetSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  for (int i = 0; i < snapshot->n_params; i++)
    free (snapshot->data ? snapshot->data[i] : NULL);
  free (snapshot->names);
  free (snapshot->sizes);
  free (snapshot->data);
  free (snapshot);
}

VtNetSnapshot *
vt_net_snapshot_new (const VtNet *net, VtError *error)
{
  VtNetSnapshot *s = calloc (1, sizeof *s);
  if (s == NULL)
    goto no_memory;
  int n = net->n_params;
  s->names = calloc ((size_t) (n ? n : 1), sizeof *s->names);
  s->sizes = calloc ((size_t) (n ? n : 1), sizeof *s->sizes);
  s->data = calloc ((size_t) (n ? n : 1), sizeof *s->data);
  if (s->names == NULL || s->sizes == NULL || s->data == NULL)
    goto no_memory;
  s->n_params = n;
  for (int i = 0; i < n; i++)
    {
      const VtParam *p = &net->params[i];
      memcpy (s->names[i], p->name, sizeof s->names[i]);
      s->sizes[i] = p->size;
      s->data[i] = malloc (p->size * sizeof (float));
      if (s->data[i] == NULL)
        goto no_memory;
      memcpy (s->data[i], p->data, p->size * sizeof (float));
    }
  return s;

no_memory:
  vt_net_snapshot_free (s);
  vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory copying the network's weights");
  return NULL;
}

VtStatus
vt_net_snapshot_restore (const VtNetSnapshot *s, VtNet *net, VtError *error)
{
  if (s->n_params != net->n_params)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "the snapshot has %d parameters, the network %d", s->n_params,
                         net->n_params);
  for (int i = 0; i < s->n_params; i++)
    if (strcmp (s->names[i], net->params[i].name) != 0 || s->sizes[i] != net->params[i].size)
      return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                           "the snapshot's parameter %d is %s (%zu values), the network's %s (%zu)",
                           i, s->names[i], s->sizes[i], net->params[i].name,
                           net->params[i].size);
  for (int i = 0; i < s->n_params; i++)
    {
      VtParam *p = &net->params[i];
      memcpy (p->data, s->data[i], p->size * sizeof (float));
      if (p->trainable)
        {
          memset (p->grad, 0, p->size * sizeof (float));
          memset (p->adam_m, 0, p->size * sizeof (float));
          memset (p->adam_v, 0, p->size * sizeof (float));
        }
    }
  net->step = 0;
  return VT_STATUS_OK;
}

VtStatus
vt_net_copy_weights (VtNet *dst, const VtNet *src, VtError *error)
{
  if (dst->n_params != src->n_params)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "the networks differ: %d parameters against %d", src->n_params,
                         dst->n_params);
  for (int i = 0; i < src->n_params; i++)
    if (strcmp (src->params[i].name, dst->params[i].name) != 0
        || src->params[i].size != dst->params[i].size)
      return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                           "the networks differ at parameter %d: %s (%zu values) against %s (%zu)",
                           i, src->params[i].name, src->params[i].size, dst->params[i].name,
                           dst->params[i].size);
  for (int i = 0; i < src->n_params; i++)
    memcpy (dst->params[i].data, src->params[i].data, src->params[i].size * sizeof (float));
  return VT_STATUS_OK;
}
