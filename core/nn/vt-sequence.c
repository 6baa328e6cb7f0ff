/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layers for the time-domain and recurrent models: conv1d (as conv2d),
 * Wave-U-Net's learned upsampling, decimation, group / layer norm, Huang's
 * discriminative loss, the weighted-sum loss that expresses the Wasserstein
 * critic, and weight clipping.
 */
#include "vt-net-private.h"

#include <math.h>
#include <string.h>

#define VT_GN_EPS 1e-5f

static VtConv2dConfig
conv_of (const VtConv1dConfig *c)
{
  return (VtConv2dConfig) { .out_channels = c->out_channels, .kernel_h = 1,
                            .kernel_w = c->kernel, .stride_h = 1, .stride_w = c->stride,
                            .pad_w = c->pad, .dilation_h = 1, .dilation_w = c->dilation,
                            .output_pad_w = c->output_pad, .no_bias = c->no_bias };
}

VtNode
vt_net_conv1d (VtNet *net, const char *name, VtNode x, const VtConv1dConfig *config)
{
  if (config == NULL)
    return vt_net_conv2d (net, name, x, NULL);
  VtConv2dConfig c = conv_of (config);
  return vt_net_conv2d (net, name, x, &c);
}

VtNode
vt_net_conv_transpose1d (VtNet *net, const char *name, VtNode x, const VtConv1dConfig *config)
{
  if (config == NULL)
    return vt_net_conv_transpose2d (net, name, x, NULL);
  VtConv2dConfig c = conv_of (config);
  return vt_net_conv_transpose2d (net, name, x, &c);
}

VtNode
vt_net_upsample_learned (VtNet *net, const char *name, VtNode x)
{
  VtNode id = vt_net_node_new (net, VT_OP_UPSAMPLE_LEARNED, name, 1, 1, &x);
  if (id == VT_NODE_NONE)
    return id;
  VtNodeRec *node = vt_net_node (net, id);
  int c = vt_net_node (net, x)->shape.c;
  node->param[0] = vt_net_add_param (net, node->name, "weight", 1, &c, true);
  return vt_net_node_finish (net, id);
}

VtNode
vt_net_decimate (VtNet *net, VtNode x)
{
  return vt_net_node_finish (net, vt_net_node_new (net, VT_OP_DECIMATE, NULL, 1, 1, &x));
}

VtNode
vt_net_group_norm (VtNet *net, const char *name, VtNode x, int groups)
{
  VtNode id = vt_net_node_new (net, VT_OP_GROUP_NORM, name, 1, 1, &x);
  if (id == VT_NODE_NONE)
    return id;
  VtNodeRec *node = vt_net_node (net, id);
  int c = vt_net_node (net, x)->shape.c;
  node->axis = groups;
  node->param[0] = vt_net_add_param (net, node->name, "weight", 1, &c, true);
  node->param[1] = vt_net_add_param (net, node->name, "bias", 1, &c, true);
  if (node->param[0] >= 0)
    for (int i = 0; i < c; i++)
      vt_net_node_param (net, node, 0)->data[i] = 1.0f;
  return vt_net_node_finish (net, id);
}

VtNode
vt_net_layer_norm (VtNet *net, const char *name, VtNode x)
{
  return vt_net_group_norm (net, name, x, 1);
}

VtNode
vt_net_discriminative_loss (VtNet *net, VtNode pred1, VtNode pred2, VtNode target1,
                            VtNode target2, float gamma)
{
  VtNode inputs[4] = { pred1, pred2, target1, target2 };
  VtNode id = vt_net_node_new (net, VT_OP_LOSS_DISCRIMINATIVE, "discriminative_loss", 4, 4,
                               inputs);
  if (id == VT_NODE_NONE)
    return id;
  VtNodeRec *node = vt_net_node (net, id);
  node->is_loss = true;
  node->alpha = 1.0f;
  node->gamma = gamma;
  return vt_net_node_finish (net, id);
}

VtNode
vt_net_sum_loss (VtNet *net, VtNode x, VtNode weight)
{
  VtNode inputs[2] = { x, weight };
  VtNode id = vt_net_node_new (net, VT_OP_LOSS_SUM, "sum_loss", 2, 1, inputs);
  if (id == VT_NODE_NONE)
    return id;
  vt_net_node (net, id)->is_loss = true;
  vt_net_node (net, id)->alpha = 1.0f;
  return vt_net_node_finish (net, id);
}

int
vt_net_clip_weights (VtNet *net, const char *prefix, float limit)
{
  int count = 0;
  size_t length = prefix ? strlen (prefix) : 0;
  for (int i = 0; i < vt_net_get_n_params (net); i++)
    {
      VtParam *p = vt_net_get_param (net, i);
      if (!p->trainable || (length && strncmp (p->name, prefix, length) != 0))
        continue;
      for (size_t k = 0; k < p->size; k++)
        p->data[k] = p->data[k] > limit ? limit : p->data[k] < -limit ? -limit : p->data[k];
      count++;
    }
  return count;
}

VtStatus
vt_seq_infer (VtNet *net, VtNodeRec *node, VtError *error)
{
  VtShape in = vt_net_node (net, node->inputs[0])->shape;
  node->shape = in;
  node->saved_floats = 0;
  switch (node->op)
    {
    case VT_OP_UPSAMPLE_LEARNED:
      if (vt_net_node_param (net, node, 0)->dims[0] != in.c)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "%s: the input has %d channels but the layer was built for %d",
                             node->name, in.c, vt_net_node_param (net, node, 0)->dims[0]);
      node->shape.w = 2 * in.w - 1;
      return VT_STATUS_OK;
    case VT_OP_DECIMATE:
      node->shape.w = (in.w + 1) / 2;
      return VT_STATUS_OK;
    case VT_OP_GROUP_NORM:
      if (node->axis < 1 || in.c % node->axis != 0)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "%s: %d channels cannot be split into %d groups", node->name, in.c,
                             node->axis);
      if (vt_net_node_param (net, node, 0)->dims[0] != in.c)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "%s: the input has %d channels but the layer was built for %d",
                             node->name, in.c, vt_net_node_param (net, node, 0)->dims[0]);
      node->saved_floats = 2 * (size_t) in.n * node->axis;
      return VT_STATUS_OK;
    case VT_OP_LOSS_DISCRIMINATIVE:
      for (int i = 1; i < 4; i++)
        {
          VtShape s = vt_net_node (net, node->inputs[i])->shape;
          if (!vt_shape_equal (s, in))
            return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                                 "discriminative loss: %s is %dx%dx%dx%d but %s is %dx%dx%dx%d",
                                 vt_net_node (net, node->inputs[i])->name, s.n, s.c, s.h, s.w,
                                 vt_net_node (net, node->inputs[0])->name, in.n, in.c, in.h,
                                 in.w);
        }
      node->shape = (VtShape) { 1, 1, 1, 1 };
      return VT_STATUS_OK;
    case VT_OP_LOSS_SUM:
      if (node->inputs[1] != VT_NODE_NONE
          && !vt_shape_equal (vt_net_node (net, node->inputs[1])->shape, in))
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "sum loss: the weights %s do not have the shape of %s",
                             vt_net_node (net, node->inputs[1])->name,
                             vt_net_node (net, node->inputs[0])->name);
      node->shape = (VtShape) { 1, 1, 1, 1 };
      return VT_STATUS_OK;
    default:
      return VT_STATUS_OK;
    }
}

static void
group_norm_forward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = vt_net_node (net, node->inputs[0]);
  VtShape s = x->shape;
  int groups = node->axis, per = s.c / groups;
  size_t plane = (size_t) s.h * s.w, count = (size_t) per * plane;
  const float *gamma = vt_net_node_param (net, node, 0)->data;
  const float *beta = vt_net_node_param (net, node, 1)->data;
  for (int n = 0; n < s.n; n++)
    for (int g = 0; g < groups; g++)
      {
        size_t base = ((size_t) n * s.c + (size_t) g * per) * plane;
        const float *v = x->value + base;
        double sum = 0, sq = 0;
        for (size_t i = 0; i < count; i++)
          sum += v[i];
        double mean = sum / (double) count;
        for (size_t i = 0; i < count; i++)
          sq += (v[i] - mean) * (v[i] - mean);
        float inv = (float) (1.0 / sqrt (sq / (double) count + VT_GN_EPS));
        node->saved[2 * (n * groups + g)] = (float) mean;
        node->saved[2 * (n * groups + g) + 1] = inv;
        for (int c = 0; c < per; c++)
          {
            int channel = g * per + c;
            for (size_t i = 0; i < plane; i++)
              node->value[base + c * plane + i]
                = gamma[channel] * (v[c * plane + i] - (float) mean) * inv + beta[channel];
          }
      }
}

static void
group_norm_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = vt_net_node (net, node->inputs[0]);
  VtShape s = x->shape;
  int groups = node->axis, per = s.c / groups;
  size_t plane = (size_t) s.h * s.w, count = (size_t) per * plane;
  VtParam *gamma = vt_net_node_param (net, node, 0);
  VtParam *beta = vt_net_node_param (net, node, 1);
  for (int n = 0; n < s.n; n++)
    for (int g = 0; g < groups; g++)
      {
        size_t base = ((size_t) n * s.c + (size_t) g * per) * plane;
        float mean = node->saved[2 * (n * groups + g)];
        float inv = node->saved[2 * (n * groups + g) + 1];
        const float *v = x->value + base, *dy = node->grad + base;
        double sum_d = 0, sum_dx = 0;
        for (int c = 0; c < per; c++)
          {
            int channel = g * per + c;
            double dg = 0, db = 0;
            for (size_t i = 0; i < plane; i++)
              {
                size_t k = c * plane + i;
                float xhat = (v[k] - mean) * inv;
                float d = dy[k] * gamma->data[channel];
                dg += dy[k] * xhat;
                db += dy[k];
                sum_d += d;
                sum_dx += d * xhat;
              }
            if (vt_param_wants_grad (gamma))
              gamma->grad[channel] += (float) dg;
            if (vt_param_wants_grad (beta))
              beta->grad[channel] += (float) db;
          }
        if (x->grad == NULL)
          continue;
        float mean_d = (float) (sum_d / (double) count);
        float mean_dx = (float) (sum_dx / (double) count);
        for (int c = 0; c < per; c++)
          {
            int channel = g * per + c;
            for (size_t i = 0; i < plane; i++)
              {
                size_t k = c * plane + i;
                float xhat = (v[k] - mean) * inv;
                x->grad[base + k]
                  += inv * (dy[k] * gamma->data[channel] - mean_d - xhat * mean_dx);
              }
          }
      }
}

void
vt_seq_forward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = vt_net_node (net, node->inputs[0]);
  VtShape in = x->shape;
  size_t rows = (size_t) in.n * in.c * in.h;
  switch (node->op)
    {
    case VT_OP_UPSAMPLE_LEARNED:
      {
        const float *w = vt_net_node_param (net, node, 0)->data;
        int width = node->shape.w;
        for (size_t r = 0; r < rows; r++)
          {
            float s = 1.0f / (1.0f + expf (-w[(r / in.h) % in.c]));
            const float *f = x->value + r * in.w;
            float *y = node->value + r * width;
            for (int t = 0; t < in.w; t++)
              {
                y[2 * t] = f[t];
                if (t + 1 < in.w)
                  y[2 * t + 1] = s * f[t] + (1.0f - s) * f[t + 1];
              }
          }
        break;
      }
    case VT_OP_DECIMATE:
      for (size_t r = 0; r < rows; r++)
        for (int t = 0; t < node->shape.w; t++)
          node->value[r * node->shape.w + t] = x->value[r * in.w + 2 * t];
      break;
    case VT_OP_GROUP_NORM:
      group_norm_forward (net, node);
      break;
    case VT_OP_LOSS_DISCRIMINATIVE:
      {
        const float *p1 = x->value, *p2 = vt_net_node (net, node->inputs[1])->value;
        const float *t1 = vt_net_node (net, node->inputs[2])->value;
        const float *t2 = vt_net_node (net, node->inputs[3])->value;
        double gamma = node->gamma, sum = 0;
        size_t size = vt_shape_size (in);
        for (size_t i = 0; i < size; i++)
          {
            double a = p1[i] - t1[i], b = p2[i] - t2[i], c = p1[i] - t2[i], d = p2[i] - t1[i];
            sum += a * a + b * b - gamma * (c * c + d * d);
          }
        node->loss_norm = (double) size;
        node->loss_value = sum / (double) size;
        node->value[0] = (float) node->loss_value;
        break;
      }
    case VT_OP_LOSS_SUM:
      {
        const float *w
          = node->inputs[1] != VT_NODE_NONE ? vt_net_node (net, node->inputs[1])->value : NULL;
        size_t size = vt_shape_size (in);
        double sum = 0;
        for (size_t i = 0; i < size; i++)
          sum += (double) x->value[i] * (w ? w[i] : 1.0 / (double) size);
        node->loss_value = sum;
        node->value[0] = (float) sum;
        break;
      }
    default:
      break;
    }
}

void
vt_seq_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *x = vt_net_node (net, node->inputs[0]);
  VtShape in = x->shape;
  size_t rows = (size_t) in.n * in.c * in.h;
  switch (node->op)
    {
    case VT_OP_UPSAMPLE_LEARNED:
      {
        VtParam *w = vt_net_node_param (net, node, 0);
        int width = node->shape.w;
        for (size_t r = 0; r < rows; r++)
          {
            int c = (int) ((r / in.h) % in.c);
            float s = 1.0f / (1.0f + expf (-w->data[c]));
            const float *f = x->value + r * in.w;
            const float *dy = node->grad + r * width;
            double dw = 0;
            for (int t = 0; t + 1 < in.w; t++)
              dw += dy[2 * t + 1] * (f[t] - f[t + 1]);
            if (vt_param_wants_grad (w))
              w->grad[c] += (float) dw * s * (1.0f - s);
            if (x->grad == NULL)
              continue;
            float *dx = x->grad + r * in.w;
            for (int t = 0; t < in.w; t++)
              {
                dx[t] += dy[2 * t];
                if (t + 1 < in.w)
                  {
                    dx[t] += s * dy[2 * t + 1];
                    dx[t + 1] += (1.0f - s) * dy[2 * t + 1];
                  }
              }
          }
        break;
      }
    case VT_OP_DECIMATE:
      if (x->grad != NULL)
        for (size_t r = 0; r < rows; r++)
          for (int t = 0; t < node->shape.w; t++)
            x->grad[r * in.w + 2 * t] += node->grad[r * node->shape.w + t];
      break;
    case VT_OP_GROUP_NORM:
      group_norm_backward (net, node);
      break;
    case VT_OP_LOSS_DISCRIMINATIVE:
      {
        VtNodeRec *n1 = x, *n2 = vt_net_node (net, node->inputs[1]);
        VtNodeRec *m1 = vt_net_node (net, node->inputs[2]), *m2 = vt_net_node (net, node->inputs[3]);
        const float *p1 = n1->value, *p2 = n2->value, *t1 = m1->value, *t2 = m2->value;
        double gamma = node->gamma;
        double g = 2.0 * node->grad[0] / node->loss_norm;
        size_t size = vt_shape_size (in);
        for (size_t i = 0; i < size; i++)
          {
            double a = p1[i] - t1[i], b = p2[i] - t2[i], c = p1[i] - t2[i], d = p2[i] - t1[i];
            if (n1->grad)
              n1->grad[i] += (float) (g * (a - gamma * c));
            if (n2->grad)
              n2->grad[i] += (float) (g * (b - gamma * d));
            if (m1->grad)
              m1->grad[i] += (float) (g * (-a + gamma * d));
            if (m2->grad)
              m2->grad[i] += (float) (g * (-b + gamma * c));
          }
        break;
      }
    case VT_OP_LOSS_SUM:
      if (x->grad != NULL)
        {
          const float *w
            = node->inputs[1] != VT_NODE_NONE ? vt_net_node (net, node->inputs[1])->value : NULL;
          size_t size = vt_shape_size (in);
          for (size_t i = 0; i < size; i++)
            x->grad[i] += node->grad[0] * (w ? w[i] : 1.0f / (float) size);
        }
      break;
    default:
      break;
    }
}
