/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-net-private: the graph's insides, shared by the layer implementations
 * (vt-net.c, vt-conv2d.c, vt-layers.c, vt-loss.c, vt-optim.c, vt-weights.c).
 * Not for models: they use vt-net.h.
 */
#pragma once

#include "vt-net.h"

#define VT_NODE_MAX_INPUTS 4
#define VT_NODE_NAME_SIZE 80
#define VT_ALIGN_FLOATS 16

typedef enum
{
  VT_OP_INPUT,
  VT_OP_CONV2D,
  VT_OP_CONV_TRANSPOSE2D,
  VT_OP_DENSE,
  VT_OP_BATCH_NORM,
  VT_OP_RELU,
  VT_OP_LEAKY_RELU,
  VT_OP_SIGMOID,
  VT_OP_TANH,
  VT_OP_SOFTMAX,
  VT_OP_DROPOUT,
  VT_OP_CONCAT,
  VT_OP_CROP,
  VT_OP_ADD,
  VT_OP_MUL,
  VT_OP_LOSS_L1,
  VT_OP_LOSS_MSE,
  VT_OP_LOSS_BCE,
  VT_OP_LOSS_CE,
  /* vt-sequence.c */
  VT_OP_UPSAMPLE_LEARNED,
  VT_OP_DECIMATE,
  VT_OP_GROUP_NORM,
  VT_OP_LOSS_DISCRIMINATIVE,
  VT_OP_LOSS_SUM,
  /* vt-recurrent.c */
  VT_OP_LSTM,
  VT_OP_GRU,
} VtOp;


typedef struct
{
  VtOp op;
  char name[VT_NODE_NAME_SIZE];
  int n_inputs;
  VtNode inputs[VT_NODE_MAX_INPUTS]; /* VT_NODE_NONE for absent optional inputs */
  VtShape shape;
  bool needs_grad;
  bool is_loss;
  /* arena pointers, set by plan */
  float *value;
  float *grad;
  float *saved;         /* per-op data kept from forward to backward */
  size_t saved_floats;
  /* parameters, by index into net->params (-1 absent) */
  int param[4];
  /* op settings */
  VtConv2dConfig conv;
  float alpha;          /* leaky slope, dropout p, loss scale */
  float gamma;          /* discriminative loss weight */
  int axis;             /* softmax, concat, cross-entropy */
  int crop_h, crop_w;
  double loss_value;
  double loss_norm;     /* the sum of the loss weights (or the count) */
} VtNodeRec;

struct VtNet
{
  VtNodeRec *nodes;
  int n_nodes, nodes_capacity;
  VtParam *params;
  int n_params, params_capacity;
  VtRng rng;
  int64_t step;
  bool training;
  bool planned;
  VtError build_error;  /* first error while building */
  float *arena;
  size_t arena_floats;
  float *scratch;
  size_t scratch_floats;
  float *grad_begin;    /* activation gradients are one block in the arena */
  size_t grad_floats;
};

static inline VtNodeRec *
vt_net_node (VtNet *net, VtNode id)
{
  return &net->nodes[id];
}

static inline VtParam *
vt_net_node_param (VtNet *net, VtNodeRec *node, int slot)
{
  return node->param[slot] >= 0 ? &net->params[node->param[slot]] : NULL;
}

static inline bool
vt_param_wants_grad (const VtParam *p)
{
  return p != NULL && p->trainable && !p->frozen;
}

/* Per-op hooks. infer checks inputs and sets shape and saved_floats, and
 * returns the scratch floats it needs (or sets an error). */
VtStatus vt_conv_infer (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error);
void vt_conv_forward (VtNet *net, VtNodeRec *node);
void vt_conv_backward (VtNet *net, VtNodeRec *node);
VtStatus vt_conv_transpose_infer (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error);
void vt_conv_transpose_forward (VtNet *net, VtNodeRec *node);
void vt_conv_transpose_backward (VtNet *net, VtNodeRec *node);
double vt_conv_flops (VtNet *net, VtNodeRec *node);

VtStatus vt_layer_infer (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error);
void vt_layer_forward (VtNet *net, VtNodeRec *node);
void vt_layer_backward (VtNet *net, VtNodeRec *node);

VtStatus vt_loss_infer (VtNet *net, VtNodeRec *node, VtError *error);
void vt_loss_forward (VtNet *net, VtNodeRec *node);
void vt_loss_backward (VtNet *net, VtNodeRec *node);

VtStatus vt_rnn_infer (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error);
void vt_rnn_forward (VtNet *net, VtNodeRec *node);
void vt_rnn_backward (VtNet *net, VtNodeRec *node);

VtStatus vt_seq_infer (VtNet *net, VtNodeRec *node, VtError *error);
void vt_seq_forward (VtNet *net, VtNodeRec *node);
void vt_seq_backward (VtNet *net, VtNodeRec *node);

/* Building blocks for layer constructors outside vt-net.c: a new node (its
 * inputs checked), then shape inference (VT_NODE_NONE and the error recorded
 * on failure). */
VtNode vt_net_node_new (VtNet *net, VtOp op, const char *name, int n_inputs, int n_required,
                        const VtNode *inputs);
VtNode vt_net_node_finish (VtNet *net, VtNode id);
void vt_net_record_error (VtNet *net, VtStatus status, const char *format, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Adds a parameter (zeroed); returns its index or -1 (error recorded). */
int vt_net_add_param (VtNet *net, const char *node_name, const char *suffix, int n_dims,
                      const int *dims, bool trainable);
