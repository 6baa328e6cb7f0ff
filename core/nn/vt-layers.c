/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The layers that are not convolutions: dense, batch norm, activations,
 * softmax, dropout, concat, crop, add, mul. Backward functions add into the
 * inputs' gradients (a node may feed several others: skip connections).
 */
#include "vt-net-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define VT_BN_EPS 1e-5f
#define VT_BN_MOMENTUM 0.1f

static int
dim_of (VtShape s, int axis)
{
  switch (axis)
    {
    case 0: return s.n;
    case 1: return s.c;
    case 2: return s.h;
    default: return s.w;
    }
}

/* The tensor as outer x length x inner around axis. */
static void
axis_view (VtShape s, int axis, size_t *outer, size_t *length, size_t *inner)
{
  int dims[4] = { s.n, s.c, s.h, s.w };
  *outer = 1;
  *inner = 1;
  for (int i = 0; i < axis; i++)
    *outer *= (size_t) dims[i];
  *length = (size_t) dims[axis];
  for (int i = axis + 1; i < 4; i++)
    *inner *= (size_t) dims[i];
}

static const char *
op_name (VtOp op)
{
  switch (op)
    {
    case VT_OP_CONCAT: return "concat";
    case VT_OP_ADD: return "add";
    case VT_OP_MUL: return "mul";
    case VT_OP_SOFTMAX: return "softmax";
    case VT_OP_CROP: return "crop";
    default: return "layer";
    }
}

VtStatus
vt_layer_infer (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error)
{
  VtShape in = net->nodes[node->inputs[0]].shape;
  node->saved_floats = 0;
  node->shape = in;
  switch (node->op)
    {
    case VT_OP_DENSE:
      {
        VtParam *w = vt_net_node_param (net, node, 0);
        if ((size_t) w->dims[1] != (size_t) in.c * in.h * in.w)
          return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                               "%s: the input has %zu features per sample but the layer was "
                               "built for %d",
                               node->name, (size_t) in.c * in.h * in.w, w->dims[1]);
        node->shape = (VtShape) { in.n, w->dims[0], 1, 1 };
        return VT_STATUS_OK;
      }
    case VT_OP_BATCH_NORM:
      if (vt_net_node_param (net, node, 0)->dims[0] != in.c)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "%s: the input has %d channels but the layer was built for %d",
                             node->name, in.c, vt_net_node_param (net, node, 0)->dims[0]);
      node->saved_floats = 2 * (size_t) in.c; /* batch mean and 1 / std */
      return VT_STATUS_OK;
    case VT_OP_DROPOUT:
      node->saved_floats = vt_shape_size (in); /* the mask, already scaled */
      return VT_STATUS_OK;
    case VT_OP_SOFTMAX:
      if (node->axis < 1 || node->axis > 3)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "%s: axis %d is not 1, 2 or 3",
                             op_name (node->op), node->axis);
      return VT_STATUS_OK;
    case VT_OP_CONCAT:
      {
        VtShape b = net->nodes[node->inputs[1]].shape;
        int axis = node->axis;
        if (axis < 0 || axis > 3)
          return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "concat: axis %d is not 0 to 3",
                               axis);
        for (int i = 0; i < 4; i++)
          if (i != axis && dim_of (in, i) != dim_of (b, i))
            return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                                 "concat of %s (%dx%dx%dx%d) and %s (%dx%dx%dx%d): the shapes "
                                 "differ outside axis %d",
                                 net->nodes[node->inputs[0]].name, in.n, in.c, in.h, in.w,
                                 net->nodes[node->inputs[1]].name, b.n, b.c, b.h, b.w, axis);
        if (axis == 0)
          node->shape.n += b.n;
        else if (axis == 1)
          node->shape.c += b.c;
        else if (axis == 2)
          node->shape.h += b.h;
        else
          node->shape.w += b.w;
        return VT_STATUS_OK;
      }
    case VT_OP_CROP:
      if (node->crop_h <= 0 || node->crop_w <= 0 || node->crop_h > in.h || node->crop_w > in.w)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "crop of %s: cannot crop %d x %d to %d x %d",
                             net->nodes[node->inputs[0]].name, in.h, in.w, node->crop_h,
                             node->crop_w);
      node->shape.h = node->crop_h;
      node->shape.w = node->crop_w;
      return VT_STATUS_OK;
    case VT_OP_ADD:
    case VT_OP_MUL:
      {
        VtShape b = net->nodes[node->inputs[1]].shape;
        if (!vt_shape_equal (in, b))
          return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                               "%s of %s (%dx%dx%dx%d) and %s (%dx%dx%dx%d): shapes differ",
                               op_name (node->op), net->nodes[node->inputs[0]].name, in.n, in.c,
                               in.h, in.w, net->nodes[node->inputs[1]].name, b.n, b.c, b.h, b.w);
        return VT_STATUS_OK;
      }
    default:
      return VT_STATUS_OK;
    }
}

/* --- dense ---------------------------------------------------------------- */

static void
dense_forward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = &net->nodes[node->inputs[0]];
  VtParam *w = vt_net_node_param (net, node, 0);
  VtParam *b = vt_net_node_param (net, node, 1);
  int n = node->shape.n, out = w->dims[0], d = w->dims[1];
  for (int i = 0; i < n; i++)
    memcpy (node->value + (size_t) i * out, b->data, (size_t) out * sizeof (float));
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, out, d, 1.0f, x->value, d, w->data, d,
               1.0f, node->value, out);
}

static void
dense_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = &net->nodes[node->inputs[0]];
  VtParam *w = vt_net_node_param (net, node, 0);
  VtParam *b = vt_net_node_param (net, node, 1);
  int n = node->shape.n, out = w->dims[0], d = w->dims[1];
  if (vt_param_wants_grad (b))
    for (int i = 0; i < n; i++)
      for (int j = 0; j < out; j++)
        b->grad[j] += node->grad[(size_t) i * out + j];
  if (vt_param_wants_grad (w))
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, out, d, n, 1.0f, node->grad, out,
                 x->value, d, 1.0f, w->grad, d);
  if (x->grad != NULL)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, out, 1.0f, node->grad, out,
                 w->data, d, 1.0f, x->grad, d);
}

/* --- batch norm ----------------------------------------------------------- */

static void
batch_norm_forward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = &net->nodes[node->inputs[0]];
  VtShape s = x->shape;
  size_t plane = (size_t) s.h * s.w;
  size_t count = (size_t) s.n * plane;
  float *gamma = vt_net_node_param (net, node, 0)->data;
  float *beta = vt_net_node_param (net, node, 1)->data;
  float *running_mean = vt_net_node_param (net, node, 2)->data;
  float *running_var = vt_net_node_param (net, node, 3)->data;
  float *mean = node->saved, *inv_std = node->saved + s.c;
  for (int c = 0; c < s.c; c++)
    {
      if (net->training)
        {
          double sum = 0, sum_sq = 0;
          for (int n = 0; n < s.n; n++)
            {
              const float *row = x->value + ((size_t) n * s.c + c) * plane;
              for (size_t i = 0; i < plane; i++)
                sum += row[i];
            }
          double m = sum / (double) count;
          for (int n = 0; n < s.n; n++)
            {
              const float *row = x->value + ((size_t) n * s.c + c) * plane;
              for (size_t i = 0; i < plane; i++)
                {
                  double d = row[i] - m;
                  sum_sq += d * d;
                }
            }
          double var = sum_sq / (double) count;
          mean[c] = (float) m;
          inv_std[c] = (float) (1.0 / sqrt (var + VT_BN_EPS));
          double unbiased = count > 1 ? sum_sq / (double) (count - 1) : var;
          running_mean[c] = (1 - VT_BN_MOMENTUM) * running_mean[c] + VT_BN_MOMENTUM * (float) m;
          running_var[c] = (1 - VT_BN_MOMENTUM) * running_var[c]
                           + VT_BN_MOMENTUM * (float) unbiased;
        }
      else
        {
          mean[c] = running_mean[c];
          inv_std[c] = 1.0f / sqrtf (running_var[c] + VT_BN_EPS);
        }
      float scale = gamma[c] * inv_std[c];
      float shift = beta[c] - mean[c] * scale;
      for (int n = 0; n < s.n; n++)
        {
          const float *src = x->value + ((size_t) n * s.c + c) * plane;
          float *dst = node->value + ((size_t) n * s.c + c) * plane;
          for (size_t i = 0; i < plane; i++)
            dst[i] = src[i] * scale + shift;
        }
    }
}

static void
batch_norm_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = &net->nodes[node->inputs[0]];
  VtShape s = x->shape;
  size_t plane = (size_t) s.h * s.w;
  double count = (double) s.n * (double) plane;
  VtParam *gamma = vt_net_node_param (net, node, 0);
  VtParam *beta = vt_net_node_param (net, node, 1);
  const float *mean = node->saved, *inv_std = node->saved + s.c;
  for (int c = 0; c < s.c; c++)
    {
      double sum_dy = 0, sum_dy_xhat = 0;
      float m = mean[c], is = inv_std[c];
      for (int n = 0; n < s.n; n++)
        {
          const float *xv = x->value + ((size_t) n * s.c + c) * plane;
          const float *dy = node->grad + ((size_t) n * s.c + c) * plane;
          for (size_t i = 0; i < plane; i++)
            {
              sum_dy += dy[i];
              sum_dy_xhat += dy[i] * (xv[i] - m) * is;
            }
        }
      if (vt_param_wants_grad (gamma))
        gamma->grad[c] += (float) sum_dy_xhat;
      if (vt_param_wants_grad (beta))
        beta->grad[c] += (float) sum_dy;
      if (x->grad == NULL)
        continue;
      float g = gamma->data[c] * is;
      if (net->training)
        {
          /* dx = g (dy - mean (dy) - xhat mean (dy xhat)) */
          float mean_dy = (float) (sum_dy / count);
          float mean_dy_xhat = (float) (sum_dy_xhat / count);
          for (int n = 0; n < s.n; n++)
            {
              const float *xv = x->value + ((size_t) n * s.c + c) * plane;
              const float *dy = node->grad + ((size_t) n * s.c + c) * plane;
              float *dx = x->grad + ((size_t) n * s.c + c) * plane;
              for (size_t i = 0; i < plane; i++)
                dx[i] += g * (dy[i] - mean_dy - (xv[i] - m) * is * mean_dy_xhat);
            }
        }
      else
        for (int n = 0; n < s.n; n++)
          {
            const float *dy = node->grad + ((size_t) n * s.c + c) * plane;
            float *dx = x->grad + ((size_t) n * s.c + c) * plane;
            for (size_t i = 0; i < plane; i++)
              dx[i] += g * dy[i];
          }
    }
}

/* --- softmax -------------------------------------------------------------- */

static void
softmax_forward (VtNet *net, VtNodeRec *node)
{
  const float *x = net->nodes[node->inputs[0]].value;
  size_t outer, length, inner;
  axis_view (node->shape, node->axis, &outer, &length, &inner);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++)
      {
        const float *src = x + o * length * inner + i;
        float *dst = node->value + o * length * inner + i;
        float top = src[0];
        for (size_t k = 1; k < length; k++)
          if (src[k * inner] > top)
            top = src[k * inner];
        double sum = 0;
        for (size_t k = 0; k < length; k++)
          {
            float e = expf (src[k * inner] - top);
            dst[k * inner] = e;
            sum += e;
          }
        float scale = (float) (1.0 / sum);
        for (size_t k = 0; k < length; k++)
          dst[k * inner] *= scale;
      }
}

static void
softmax_backward (VtNet *net, VtNodeRec *node)
{
  float *dx = net->nodes[node->inputs[0]].grad;
  if (dx == NULL)
    return;
  size_t outer, length, inner;
  axis_view (node->shape, node->axis, &outer, &length, &inner);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++)
      {
        size_t base = o * length * inner + i;
        const float *y = node->value + base, *dy = node->grad + base;
        double dot = 0;
        for (size_t k = 0; k < length; k++)
          dot += (double) y[k * inner] * dy[k * inner];
        for (size_t k = 0; k < length; k++)
          dx[base + k * inner] += y[k * inner] * (dy[k * inner] - (float) dot);
      }
}

/* --- concat and crop ------------------------------------------------------ */

/* Copies (forward) or adds back (backward) the two parts of a concat. */
static void
concat_run (VtNet *net, VtNodeRec *node, bool backward)
{
  int axis = node->axis;
  for (int part = 0; part < 2; part++)
    {
      VtNodeRec *x = &net->nodes[node->inputs[part]];
      if (backward && x->grad == NULL)
        continue;
      size_t outer, length, inner, out_outer, out_length, out_inner;
      axis_view (x->shape, axis, &outer, &length, &inner);
      axis_view (node->shape, axis, &out_outer, &out_length, &out_inner);
      size_t offset = part == 0 ? 0 : out_length - length;
      size_t block = length * inner;
      for (size_t o = 0; o < outer; o++)
        {
          float *out = (backward ? node->grad : node->value) + (o * out_length + offset) * inner;
          if (backward)
            {
              float *dx = x->grad + o * block;
              for (size_t i = 0; i < block; i++)
                dx[i] += out[i];
            }
          else
            memcpy (out, x->value + o * block, block * sizeof (float));
        }
    }
}

static void
crop_run (VtNet *net, VtNodeRec *node, bool backward)
{
  VtNodeRec *x = &net->nodes[node->inputs[0]];
  if (backward && x->grad == NULL)
    return;
  VtShape in = x->shape, out = node->shape;
  int top = (in.h - out.h) / 2, left = (in.w - out.w) / 2;
  for (int p = 0; p < out.n * out.c; p++)
    for (int h = 0; h < out.h; h++)
      {
        size_t src = ((size_t) p * in.h + h + top) * in.w + left;
        size_t dst = ((size_t) p * out.h + h) * out.w;
        if (backward)
          for (int w = 0; w < out.w; w++)
            x->grad[src + w] += node->grad[dst + w];
        else
          memcpy (node->value + dst, x->value + src, (size_t) out.w * sizeof (float));
      }
}

/* --- elementwise ---------------------------------------------------------- */

static void
elementwise_forward (VtNet *net, VtNodeRec *node)
{
  const float *x = net->nodes[node->inputs[0]].value;
  float *y = node->value;
  size_t size = vt_shape_size (node->shape);
  float alpha = node->alpha;
  switch (node->op)
    {
    case VT_OP_RELU:
      for (size_t i = 0; i < size; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case VT_OP_LEAKY_RELU:
      for (size_t i = 0; i < size; i++)
        y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
      break;
    case VT_OP_SIGMOID:
      for (size_t i = 0; i < size; i++)
        y[i] = 1.0f / (1.0f + expf (-x[i]));
      break;
    case VT_OP_TANH:
      for (size_t i = 0; i < size; i++)
        y[i] = tanhf (x[i]);
      break;
    case VT_OP_DROPOUT:
      if (net->training && alpha > 0.0f)
        {
          float keep = 1.0f / (1.0f - alpha);
          for (size_t i = 0; i < size; i++)
            {
              node->saved[i] = vt_rng_uniform (&net->rng) < alpha ? 0.0f : keep;
              y[i] = x[i] * node->saved[i];
            }
        }
      else
        {
          for (size_t i = 0; i < size; i++)
            node->saved[i] = 1.0f;
          memcpy (y, x, size * sizeof (float));
        }
      break;
    case VT_OP_ADD:
      {
        const float *b = net->nodes[node->inputs[1]].value;
        for (size_t i = 0; i < size; i++)
          y[i] = x[i] + b[i];
        break;
      }
    case VT_OP_MUL:
      {
        const float *b = net->nodes[node->inputs[1]].value;
        for (size_t i = 0; i < size; i++)
          y[i] = x[i] * b[i];
        break;
      }
    default:
      break;
    }
}

static void
elementwise_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *input = &net->nodes[node->inputs[0]];
  const float *x = input->value, *y = node->value, *dy = node->grad;
  float *dx = input->grad;
  size_t size = vt_shape_size (node->shape);
  float alpha = node->alpha;
  if (node->op == VT_OP_ADD || node->op == VT_OP_MUL)
    {
      VtNodeRec *other = &net->nodes[node->inputs[1]];
      const float *b = other->value;
      bool mul = node->op == VT_OP_MUL;
      if (dx != NULL)
        for (size_t i = 0; i < size; i++)
          dx[i] += mul ? dy[i] * b[i] : dy[i];
      if (other->grad != NULL)
        for (size_t i = 0; i < size; i++)
          other->grad[i] += mul ? dy[i] * x[i] : dy[i];
      return;
    }
  if (dx == NULL)
    return;
  switch (node->op)
    {
    case VT_OP_RELU:
      for (size_t i = 0; i < size; i++)
        dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
      break;
    case VT_OP_LEAKY_RELU:
      for (size_t i = 0; i < size; i++)
        dx[i] += x[i] > 0.0f ? dy[i] : alpha * dy[i];
      break;
    case VT_OP_SIGMOID:
      for (size_t i = 0; i < size; i++)
        dx[i] += dy[i] * y[i] * (1.0f - y[i]);
      break;
    case VT_OP_TANH:
      for (size_t i = 0; i < size; i++)
        dx[i] += dy[i] * (1.0f - y[i] * y[i]);
      break;
    case VT_OP_DROPOUT:
      for (size_t i = 0; i < size; i++)
        dx[i] += dy[i] * node->saved[i];
      break;
    default:
      break;
    }
}

void
vt_layer_forward (VtNet *net, VtNodeRec *node)
{
  switch (node->op)
    {
    case VT_OP_DENSE: dense_forward (net, node); break;
    case VT_OP_BATCH_NORM: batch_norm_forward (net, node); break;
    case VT_OP_SOFTMAX: softmax_forward (net, node); break;
    case VT_OP_CONCAT: concat_run (net, node, false); break;
    case VT_OP_CROP: crop_run (net, node, false); break;
    default: elementwise_forward (net, node); break;
    }
}

void
vt_layer_backward (VtNet *net, VtNodeRec *node)
{
  switch (node->op)
    {
    case VT_OP_DENSE: dense_backward (net, node); break;
    case VT_OP_BATCH_NORM: batch_norm_backward (net, node); break;
    case VT_OP_SOFTMAX: softmax_backward (net, node); break;
    case VT_OP_CONCAT: concat_run (net, node, true); break;
    case VT_OP_CROP: crop_run (net, node, true); break;
    default: elementwise_backward (net, node); break;
    }
}
