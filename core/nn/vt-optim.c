/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-optim.h"

#include "vt-net-private.h"

#include <math.h>
#include <string.h>

double
vt_net_grad_norm (VtNet *net)
{
  double sum = 0;
  for (int i = 0; i < net->n_params; i++)
    {
      VtParam *p = &net->params[i];
      if (!vt_param_wants_grad (p))
        continue;
      for (size_t k = 0; k < p->size; k++)
        sum += (double) p->grad[k] * p->grad[k];
    }
  return sqrt (sum);
}

double
vt_net_clip_grad_norm (VtNet *net, double max_norm)
{
  double norm = vt_net_grad_norm (net);
  if (max_norm > 0 && norm > max_norm && isfinite (norm))
    {
      float scale = (float) (max_norm / norm);
      for (int i = 0; i < net->n_params; i++)
        {
          VtParam *p = &net->params[i];
          if (!vt_param_wants_grad (p))
            continue;
          for (size_t k = 0; k < p->size; k++)
            p->grad[k] *= scale;
        }
    }
  return norm;
}

VtStatus
vt_adam_step (VtNet *net, const VtAdamConfig *config, float lr, float *grad_norm, VtError *error)
{
  VtAdamConfig c = config ? *config : (VtAdamConfig) { 0 };
  if (c.beta1 == 0.0f)
    c.beta1 = 0.9f;
  if (c.beta2 == 0.0f)
    c.beta2 = 0.999f;
  if (c.eps == 0.0f)
    c.eps = 1e-8f;
  double norm = vt_net_clip_grad_norm (net, c.clip_norm);
  if (grad_norm != NULL)
    *grad_norm = (float) norm;
  if (!isfinite (norm))
    {
      vt_net_zero_grad (net);
      return vt_error_set (error, VT_STATUS_NUMERIC,
                           "the gradients are not finite (the loss diverged); step skipped");
    }
  net->step++;
  double t = (double) net->step;
  float correction1 = (float) (1.0 - pow (c.beta1, t));
  float correction2 = (float) (1.0 - pow (c.beta2, t));
  float step_size = lr / correction1;
  float inv_sqrt_c2 = 1.0f / sqrtf (correction2);
  for (int i = 0; i < net->n_params; i++)
    {
      VtParam *p = &net->params[i];
      if (!vt_param_wants_grad (p))
        {
          if (p->grad != NULL)
            memset (p->grad, 0, p->size * sizeof (float));
          continue;
        }
      float *x = p->data, *g = p->grad, *m = p->adam_m, *v = p->adam_v;
      float decay = c.weight_decay;
      for (size_t k = 0; k < p->size; k++)
        {
          float grad = g[k];
          if (!c.decoupled)
            grad += decay * x[k];
          m[k] = c.beta1 * m[k] + (1.0f - c.beta1) * grad;
          v[k] = c.beta2 * v[k] + (1.0f - c.beta2) * grad * grad;
          if (c.decoupled)
            x[k] -= lr * decay * x[k];
          x[k] -= step_size * m[k] / (sqrtf (v[k]) * inv_sqrt_c2 + c.eps);
          g[k] = 0.0f;
        }
    }
  return VT_STATUS_OK;
}

float
vt_lr_schedule_at (const VtLrSchedule *s, int64_t step)
{
  if (s->warmup_steps > 0 && step < s->warmup_steps)
    return s->base_lr * (float) (step + 1) / (float) s->warmup_steps;
  int64_t after = step - (s->warmup_steps > 0 ? s->warmup_steps : 0);
  switch (s->kind)
    {
    case VT_LR_STEP:
      if (s->step_size <= 0)
        return s->base_lr;
      return s->base_lr * powf (s->gamma, (float) (after / s->step_size));
    case VT_LR_COSINE:
      {
        int64_t span = s->total_steps - (s->warmup_steps > 0 ? s->warmup_steps : 0);
        if (span <= 0 || after >= span)
          return s->min_lr;
        double phase = (double) after / (double) span;
        return s->min_lr + (s->base_lr - s->min_lr) * (float) (0.5 * (1.0 + cos (M_PI * phase)));
      }
    case VT_LR_EXPONENTIAL:
      return s->base_lr * (float) pow (s->gamma, (double) after);
    case VT_LR_CONSTANT:
    default:
      return s->base_lr;
    }
}
