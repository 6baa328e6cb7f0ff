/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LSTM and GRU layers over time (PyTorch's gate order and equations), with
 * backpropagation through time. The input projections of all frames are one
 * matrix product; only the recurrent product runs frame by frame. Sequences
 * are N x C x 1 x T (features along C, frames along W); the output is
 * N x hidden x 1 x T, starting from a zero state.
 *
 * Saved from forward (per node, in the arena): the frames transposed
 * (T x N x C), the states h (and c) for t = -1 .. T-1, the gate activations
 * and, for the GRU, the recurrent part of the candidate gate.
 */
#include "vt-net-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

static int
gates_of (VtOp op)
{
  return op == VT_OP_LSTM ? 4 : 3;
}

static VtNode
build (VtNet *net, VtOp op, const char *name, VtNode x, int hidden)
{
  VtNode id = vt_net_node_new (net, op, name, 1, 1, &x);
  if (id == VT_NODE_NONE)
    return id;
  VtNodeRec *node = vt_net_node (net, id);
  if (hidden <= 0)
    {
      vt_net_record_error (net, VT_STATUS_BAD_ARGUMENT, "%s: hidden size must be positive",
                           node->name);
      return VT_NODE_NONE;
    }
  node->conv.out_channels = hidden;
  int c = vt_net_node (net, x)->shape.c;
  int rows = gates_of (op) * hidden;
  int ih[2] = { rows, c }, hh[2] = { rows, hidden };
  node->param[0] = vt_net_add_param (net, node->name, "weight_ih", 2, ih, true);
  node->param[1] = vt_net_add_param (net, node->name, "weight_hh", 2, hh, true);
  node->param[2] = vt_net_add_param (net, node->name, "bias_ih", 1, &rows, true);
  node->param[3] = vt_net_add_param (net, node->name, "bias_hh", 1, &rows, true);
  float bound = 1.0f / sqrtf ((float) hidden);
  for (int k = 0; k < 4; k++)
    {
      VtParam *p = vt_net_node_param (net, node, k);
      if (p == NULL)
        return VT_NODE_NONE;
      for (size_t i = 0; i < p->size; i++)
        p->data[i] = bound * (2.0f * vt_rng_uniform (vt_net_get_rng (net)) - 1.0f);
    }
  return vt_net_node_finish (net, id);
}

VtNode
vt_net_lstm (VtNet *net, const char *name, VtNode x, int hidden)
{
  return build (net, VT_OP_LSTM, name, x, hidden);
}

VtNode
vt_net_gru (VtNet *net, const char *name, VtNode x, int hidden)
{
  return build (net, VT_OP_GRU, name, x, hidden);
}

typedef struct
{
  int n, c, t, h, g;
  float *frames;   /* T x N x C */
  float *states;   /* (T + 1) x N x H: h(-1) = 0, h(0) .. h(T-1) */
  float *cells;    /* LSTM: (T + 1) x N x H */
  float *gates;    /* T x N x GH, activated */
  float *hidden_n; /* GRU: T x N x H, W_hn h + b_hn */
} Layout;

static Layout
layout_of (VtNet *net, VtNodeRec *node)
{
  VtShape in = vt_net_node (net, node->inputs[0])->shape;
  Layout l = { in.n, in.c, in.w, node->conv.out_channels, gates_of (node->op) };
  float *p = node->saved;
  size_t nt = (size_t) l.n * l.t;
  l.frames = p;
  p += nt * l.c;
  l.states = p;
  p += (nt + l.n) * l.h;
  l.gates = p;
  p += nt * l.g * l.h;
  if (node->op == VT_OP_LSTM)
    {
      l.cells = p;
      p += (nt + l.n) * l.h;
    }
  else
    l.hidden_n = p;
  return l;
}

VtStatus
vt_rnn_infer (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error)
{
  VtShape in = vt_net_node (net, node->inputs[0])->shape;
  int hidden = node->conv.out_channels;
  if (in.h != 1)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: a sequence must be N x C x 1 x T, not height %d", node->name, in.h);
  if (vt_net_node_param (net, node, 0)->dims[1] != in.c)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: the input has %d features but the layer was built for %d",
                         node->name, in.c, vt_net_node_param (net, node, 0)->dims[1]);
  node->shape = (VtShape) { in.n, hidden, 1, in.w };
  size_t nt = (size_t) in.n * in.w, gh = (size_t) gates_of (node->op) * hidden;
  node->saved_floats = nt * in.c + (nt + in.n) * hidden + nt * gh + (nt + in.n) * hidden;
  /* backward: input-side and recurrent-side gate gradients, dh, dc, dx */
  *scratch = 2 * nt * gh + 2 * (size_t) in.n * hidden + nt * in.c;
  return VT_STATUS_OK;
}

static float
sigmoid (float x)
{
  return 1.0f / (1.0f + expf (-x));
}

void
vt_rnn_forward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = vt_net_node (net, node->inputs[0]);
  Layout l = layout_of (net, node);
  const float *w_ih = vt_net_node_param (net, node, 0)->data;
  const float *w_hh = vt_net_node_param (net, node, 1)->data;
  const float *b_ih = vt_net_node_param (net, node, 2)->data;
  const float *b_hh = vt_net_node_param (net, node, 3)->data;
  int gh = l.g * l.h;
  size_t nt = (size_t) l.n * l.t;
  for (int n = 0; n < l.n; n++)
    for (int c = 0; c < l.c; c++)
      for (int t = 0; t < l.t; t++)
        l.frames[((size_t) t * l.n + n) * l.c + c] = x->value[((size_t) n * l.c + c) * l.t + t];
  /* all input projections at once, into gates (activated in place below) */
  for (size_t r = 0; r < nt; r++)
    memcpy (l.gates + r * gh, b_ih, (size_t) gh * sizeof (float));
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nt, gh, l.c, 1.0f, l.frames, l.c,
               w_ih, l.c, 1.0f, l.gates, gh);
  memset (l.states, 0, (size_t) l.n * l.h * sizeof (float));
  if (l.cells)
    memset (l.cells, 0, (size_t) l.n * l.h * sizeof (float));
  float *recurrent = net->scratch; /* N x GH */
  for (int t = 0; t < l.t; t++)
    {
      const float *h_prev = l.states + (size_t) t * l.n * l.h;
      float *h = l.states + (size_t) (t + 1) * l.n * l.h;
      for (int n = 0; n < l.n; n++)
        memcpy (recurrent + (size_t) n * gh, b_hh, (size_t) gh * sizeof (float));
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, l.n, gh, l.h, 1.0f, h_prev, l.h,
                   w_hh, l.h, 1.0f, recurrent, gh);
      for (int n = 0; n < l.n; n++)
        {
          float *g = l.gates + ((size_t) t * l.n + n) * gh;
          const float *r = recurrent + (size_t) n * gh;
          const float *hp = h_prev + (size_t) n * l.h;
          float *hn = h + (size_t) n * l.h;
          if (node->op == VT_OP_LSTM)
            {
              const float *c_prev = l.cells + ((size_t) t * l.n + n) * l.h;
              float *cell = l.cells + ((size_t) (t + 1) * l.n + n) * l.h;
              for (int j = 0; j < l.h; j++)
                {
                  float i = sigmoid (g[j] + r[j]);
                  float f = sigmoid (g[l.h + j] + r[l.h + j]);
                  float cand = tanhf (g[2 * l.h + j] + r[2 * l.h + j]);
                  float o = sigmoid (g[3 * l.h + j] + r[3 * l.h + j]);
                  g[j] = i;
                  g[l.h + j] = f;
                  g[2 * l.h + j] = cand;
                  g[3 * l.h + j] = o;
                  cell[j] = f * c_prev[j] + i * cand;
                  hn[j] = o * tanhf (cell[j]);
                }
            }
          else
            {
              float *hidden_n = l.hidden_n + ((size_t) t * l.n + n) * l.h;
              for (int j = 0; j < l.h; j++)
                {
                  float reset = sigmoid (g[j] + r[j]);
                  float update = sigmoid (g[l.h + j] + r[l.h + j]);
                  hidden_n[j] = r[2 * l.h + j];
                  float cand = tanhf (g[2 * l.h + j] + reset * r[2 * l.h + j]);
                  g[j] = reset;
                  g[l.h + j] = update;
                  g[2 * l.h + j] = cand;
                  hn[j] = (1.0f - update) * cand + update * hp[j];
                }
            }
        }
    }
  for (int n = 0; n < l.n; n++)
    for (int j = 0; j < l.h; j++)
      for (int t = 0; t < l.t; t++)
        node->value[((size_t) n * l.h + j) * l.t + t]
          = l.states[((size_t) (t + 1) * l.n + n) * l.h + j];
}

void
vt_rnn_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = vt_net_node (net, node->inputs[0]);
  Layout l = layout_of (net, node);
  VtParam *w_ih = vt_net_node_param (net, node, 0), *w_hh = vt_net_node_param (net, node, 1);
  VtParam *b_ih = vt_net_node_param (net, node, 2), *b_hh = vt_net_node_param (net, node, 3);
  int gh = l.g * l.h;
  size_t nt = (size_t) l.n * l.t;
  float *d_input_side = net->scratch;        /* T x N x GH */
  float *d_recurrent = d_input_side + nt * gh; /* T x N x GH */
  float *dh = d_recurrent + nt * gh;          /* N x H: gradient reaching h(t) from later */
  float *dc = dh + (size_t) l.n * l.h;        /* N x H */
  float *dx = dc + (size_t) l.n * l.h;        /* T x N x C */
  memset (dh, 0, 2 * (size_t) l.n * l.h * sizeof (float));
  for (int t = l.t - 1; t >= 0; t--)
    {
      for (int n = 0; n < l.n; n++)
        {
          const float *g = l.gates + ((size_t) t * l.n + n) * gh;
          float *da = d_input_side + ((size_t) t * l.n + n) * gh;
          float *dr = d_recurrent + ((size_t) t * l.n + n) * gh;
          const float *hp = l.states + ((size_t) t * l.n + n) * l.h;
          float *dhn = dh + (size_t) n * l.h;
          for (int j = 0; j < l.h; j++)
            {
              float d = dhn[j] + node->grad[((size_t) n * l.h + j) * l.t + t];
              if (node->op == VT_OP_LSTM)
                {
                  float i = g[j], f = g[l.h + j], cand = g[2 * l.h + j], o = g[3 * l.h + j];
                  float cell = l.cells[((size_t) (t + 1) * l.n + n) * l.h + j];
                  float c_prev = l.cells[((size_t) t * l.n + n) * l.h + j];
                  float tc = tanhf (cell);
                  float dcell = d * o * (1.0f - tc * tc) + dc[(size_t) n * l.h + j];
                  da[j] = dcell * cand * i * (1.0f - i);
                  da[l.h + j] = dcell * c_prev * f * (1.0f - f);
                  da[2 * l.h + j] = dcell * i * (1.0f - cand * cand);
                  da[3 * l.h + j] = d * tc * o * (1.0f - o);
                  dc[(size_t) n * l.h + j] = dcell * f;
                  dhn[j] = 0.0f;
                }
              else
                {
                  float reset = g[j], update = g[l.h + j], cand = g[2 * l.h + j];
                  float hidden_n = l.hidden_n[((size_t) t * l.n + n) * l.h + j];
                  float dcand = d * (1.0f - update) * (1.0f - cand * cand);
                  float dupdate = d * (hp[j] - cand) * update * (1.0f - update);
                  float dreset = dcand * hidden_n * reset * (1.0f - reset);
                  da[j] = dreset;
                  da[l.h + j] = dupdate;
                  da[2 * l.h + j] = dcand;
                  dr[j] = dreset;
                  dr[l.h + j] = dupdate;
                  dr[2 * l.h + j] = dcand * reset;
                  dhn[j] = d * update; /* the direct path h(t-1) -> h(t) */
                }
            }
        }
      const float *d_rec = node->op == VT_OP_LSTM ? d_input_side : d_recurrent;
      /* dh(t-1) += dA(t) W_hh */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, l.n, l.h, gh, 1.0f,
                   d_rec + (size_t) t * l.n * gh, gh, w_hh->data, l.h, 1.0f, dh, l.h);
    }
  const float *d_rec = node->op == VT_OP_LSTM ? d_input_side : d_recurrent;
  if (vt_param_wants_grad (w_hh))
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, gh, l.h, (int) nt, 1.0f, d_rec, gh,
                 l.states, l.h, 1.0f, w_hh->grad, l.h);
  if (vt_param_wants_grad (w_ih))
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, gh, l.c, (int) nt, 1.0f, d_input_side,
                 gh, l.frames, l.c, 1.0f, w_ih->grad, l.c);
  for (size_t r = 0; r < nt; r++)
    for (int k = 0; k < gh; k++)
      {
        if (vt_param_wants_grad (b_ih))
          b_ih->grad[k] += d_input_side[r * gh + k];
        if (vt_param_wants_grad (b_hh))
          b_hh->grad[k] += d_rec[r * gh + k];
      }
  if (x->grad == NULL)
    return;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) nt, l.c, gh, 1.0f, d_input_side,
               gh, w_ih->data, l.c, 0.0f, dx, l.c);
  for (int n = 0; n < l.n; n++)
    for (int c = 0; c < l.c; c++)
      for (int t = 0; t < l.t; t++)
        x->grad[((size_t) n * l.c + c) * l.t + t] += dx[((size_t) t * l.n + n) * l.c + c];
}
