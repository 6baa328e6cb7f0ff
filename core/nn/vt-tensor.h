/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-tensor: shapes of the nn engine's tensors and their parameters.
 *
 * Every activation is float32 in NCHW order (batch, channels, height, width;
 * element (n, c, h, w) at ((n * C + c) * H + h) * W + w). For spectrograms
 * the models use H = frequency bins and W = frames. Vectors are N x D x 1 x 1.
 *
 * A VtParam is a named, trainable tensor (weights, biases, batch-norm scale)
 * or a buffer (batch-norm running statistics: saved and loaded with the
 * weights, never trained). Its network owns it and its arrays; callers may
 * read and write data[] between steps (e.g. to initialise it) but never free
 * it. Adam's moments live beside it so that a checkpoint can store them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct
{
  int n, c, h, w;
} VtShape;

static inline size_t
vt_shape_size (VtShape s)
{
  return (size_t) s.n * (size_t) s.c * (size_t) s.h * (size_t) s.w;
}

static inline bool
vt_shape_equal (VtShape a, VtShape b)
{
  return a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w;
}

#define VT_PARAM_NAME_SIZE 96
#define VT_PARAM_MAX_DIMS 4

typedef struct
{
  char name[VT_PARAM_NAME_SIZE]; /* e.g. "unet.enc3.conv.weight" */
  int n_dims;
  int dims[VT_PARAM_MAX_DIMS];   /* conv2d weight: out, in, kh, kw */
  size_t size;                   /* product of dims */
  float *data;
  float *grad;                   /* NULL for buffers */
  float *adam_m, *adam_v;        /* NULL for buffers */
  bool trainable;                /* false: a buffer (running statistics) */
  bool frozen;                   /* trainable but excluded from updates */
} VtParam;
