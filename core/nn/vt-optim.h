/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-optim: Adam / AdamW, gradient clipping and learning-rate schedules.
 *
 * vt_adam_step() updates every trainable, unfrozen parameter of a network
 * from the gradients accumulated by vt_net_backward(), then clears all
 * parameter gradients (frozen ones too). Adam's moments live in each
 * VtParam and the step count in the VtNet, so a checkpoint (vt-weights.h)
 * captures the whole optimizer. Same thread rules as the VtNet.
 */
#pragma once

#include "vt-net.h"

typedef struct
{
  float beta1, beta2, eps; /* 0 means 0.9, 0.999, 1e-8 */
  float weight_decay;      /* L2 added to the gradient (Adam) or decoupled (AdamW) */
  bool decoupled;          /* true: AdamW */
  float clip_norm;         /* > 0: scale the gradients so their global norm is at most this */
} VtAdamConfig;

/* Returns VT_STATUS_NUMERIC (and changes no weight, but clears the
 * gradients) when a gradient is not finite. grad_norm (optional) receives
 * the global gradient norm before clipping. */
VtStatus vt_adam_step (VtNet *net, const VtAdamConfig *config, float lr, float *grad_norm,
                       VtError *error);

/* The global L2 norm of all unfrozen trainable gradients. */
double vt_net_grad_norm (VtNet *net);
/* Scales the gradients down to max_norm if above; returns the norm before. */
double vt_net_clip_grad_norm (VtNet *net, double max_norm);

typedef enum
{
  VT_LR_CONSTANT,
  VT_LR_STEP,        /* base * gamma ^ floor (step / step_size) */
  VT_LR_COSINE,      /* from base to min_lr over total_steps */
  VT_LR_EXPONENTIAL, /* base * gamma ^ step */
} VtLrKind;

typedef struct
{
  VtLrKind kind;
  float base_lr;
  int64_t warmup_steps; /* linear ramp from 0 first (0: none) */
  int64_t total_steps;  /* cosine */
  float min_lr;         /* cosine */
  int64_t step_size;    /* step */
  float gamma;          /* step, exponential */
} VtLrSchedule;

float vt_lr_schedule_at (const VtLrSchedule *schedule, int64_t step);
