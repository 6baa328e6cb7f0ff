/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Losses: L1, MSE, binary cross-entropy on logits, cross-entropy over bins.
 * Sums run in double so that the finite-difference checks and long training
 * runs do not drown in rounding.
 */
#include "vt-net-private.h"

#include <math.h>

static const char *
loss_name (VtOp op)
{
  switch (op)
    {
    case VT_OP_LOSS_L1: return "L1 loss";
    case VT_OP_LOSS_MSE: return "MSE loss";
    case VT_OP_LOSS_BCE: return "BCE loss";
    default: return "cross-entropy loss";
    }
}

VtStatus
vt_loss_infer (VtNet *net, VtNodeRec *node, VtError *error)
{
  VtNodeRec *pred = &net->nodes[node->inputs[0]];
  VtNodeRec *target = &net->nodes[node->inputs[1]];
  VtShape p = pred->shape, t = target->shape;
  if (!vt_shape_equal (p, t))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: the prediction %s is %dx%dx%dx%d but the target %s is %dx%dx%dx%d",
                         loss_name (node->op), pred->name, p.n, p.c, p.h, p.w, target->name, t.n,
                         t.c, t.h, t.w);
  VtShape expected = p;
  if (node->op == VT_OP_LOSS_CE)
    {
      if (node->axis < 1 || node->axis > 3)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "%s: axis %d is not 1, 2 or 3",
                             loss_name (node->op), node->axis);
      if (node->axis == 1)
        expected.c = 1;
      else if (node->axis == 2)
        expected.h = 1;
      else
        expected.w = 1;
    }
  if (node->inputs[2] != VT_NODE_NONE)
    {
      VtNodeRec *weight = &net->nodes[node->inputs[2]];
      VtShape w = weight->shape;
      if (!vt_shape_equal (w, expected))
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "%s: the weights %s are %dx%dx%dx%d, expected %dx%dx%dx%d",
                             loss_name (node->op), weight->name, w.n, w.c, w.h, w.w, expected.n,
                             expected.c, expected.h, expected.w);
    }
  node->shape = (VtShape) { 1, 1, 1, 1 };
  node->saved_floats = 0;
  return VT_STATUS_OK;
}

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

static double
log_sum_exp (const float *z, size_t length, size_t inner)
{
  float top = z[0];
  for (size_t k = 1; k < length; k++)
    if (z[k * inner] > top)
      top = z[k * inner];
  double sum = 0;
  for (size_t k = 0; k < length; k++)
    sum += exp ((double) z[k * inner] - top);
  return top + log (sum);
}

void
vt_loss_forward (VtNet *net, VtNodeRec *node)
{
  const float *p = net->nodes[node->inputs[0]].value;
  const float *t = net->nodes[node->inputs[1]].value;
  const float *w = node->inputs[2] != VT_NODE_NONE ? net->nodes[node->inputs[2]].value : NULL;
  VtShape shape = net->nodes[node->inputs[0]].shape;
  double total = 0, norm = 0;
  if (node->op == VT_OP_LOSS_CE)
    {
      size_t outer, length, inner;
      axis_view (shape, node->axis, &outer, &length, &inner);
      for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++)
          {
            size_t base = o * length * inner + i;
            double weight = w ? w[o * inner + i] : 1.0;
            norm += weight;
            if (weight == 0.0)
              continue;
            double lse = log_sum_exp (p + base, length, inner);
            double sum = 0;
            for (size_t k = 0; k < length; k++)
              sum -= t[base + k * inner] * (p[base + k * inner] - lse);
            total += weight * sum;
          }
    }
  else
    {
      size_t size = vt_shape_size (shape);
      for (size_t i = 0; i < size; i++)
        {
          double weight = w ? w[i] : 1.0;
          double d = (double) p[i] - t[i], l;
          norm += weight;
          switch (node->op)
            {
            case VT_OP_LOSS_L1:
              l = fabs (d);
              break;
            case VT_OP_LOSS_MSE:
              l = d * d;
              break;
            default:
              {
                double z = p[i];
                l = (z > 0 ? z : 0) - z * t[i] + log1p (exp (-fabs (z)));
                break;
              }
            }
          total += weight * l;
        }
    }
  node->loss_norm = norm;
  node->loss_value = norm > 0 ? total / norm : 0.0;
  node->value[0] = (float) node->loss_value;
}

void
vt_loss_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *pred = &net->nodes[node->inputs[0]];
  VtNodeRec *target = &net->nodes[node->inputs[1]];
  const float *p = pred->value, *t = target->value;
  float *dp = pred->grad, *dt = target->grad;
  const float *w = node->inputs[2] != VT_NODE_NONE ? net->nodes[node->inputs[2]].value : NULL;
  if (node->loss_norm <= 0)
    return;
  double g = node->grad[0] / node->loss_norm;
  VtShape shape = pred->shape;
  if (node->op == VT_OP_LOSS_CE)
    {
      size_t outer, length, inner;
      axis_view (shape, node->axis, &outer, &length, &inner);
      for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++)
          {
            size_t base = o * length * inner + i;
            double scale = g * (w ? w[o * inner + i] : 1.0);
            if (scale == 0.0)
              continue;
            double lse = log_sum_exp (p + base, length, inner);
            double mass = 0;
            for (size_t k = 0; k < length; k++)
              mass += t[base + k * inner];
            for (size_t k = 0; k < length; k++)
              {
                size_t j = base + k * inner;
                double log_prob = p[j] - lse;
                if (dp != NULL)
                  dp[j] += (float) (scale * (exp (log_prob) * mass - t[j]));
                if (dt != NULL)
                  dt[j] += (float) (-scale * log_prob);
              }
          }
      return;
    }
  size_t size = vt_shape_size (shape);
  for (size_t i = 0; i < size; i++)
    {
      double scale = g * (w ? w[i] : 1.0);
      double d = (double) p[i] - t[i];
      double dpred, dtarget;
      switch (node->op)
        {
        case VT_OP_LOSS_L1:
          dpred = d > 0 ? scale : d < 0 ? -scale : 0.0;
          dtarget = -dpred;
          break;
        case VT_OP_LOSS_MSE:
          dpred = 2.0 * scale * d;
          dtarget = -dpred;
          break;
        default:
          dpred = scale * (1.0 / (1.0 + exp (-(double) p[i])) - t[i]);
          dtarget = -scale * p[i];
          break;
        }
      if (dp != NULL)
        dp[i] += (float) dpred;
      if (dt != NULL)
        dt[i] += (float) dtarget;
    }
}
