/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * conv2d and transposed conv2d as matrix products (im2col / col2im and
 * OpenBLAS sgemm). Samples are processed in groups whose columns are laid
 * side by side, so that the deep layers (few positions, many channels) still
 * give sgemm a wide matrix; with one sample per group the product writes
 * straight into the NCHW output.
 */
#include "vt-net-private.h"
#include "vt-parallel.h"

#include <cblas.h>
#include <string.h>

/* Columns per group that keep sgemm efficient without a huge scratch. */
#define VT_CONV_TARGET_COLUMNS 4096

typedef struct
{
  int c, h, w;     /* the convolution's input (for a transposed conv: its output) */
  int kh, kw, sh, sw, ph, pw, dh, dw;
  int oh, ow;      /* the convolution's output positions */
} Geometry;

static Geometry
geometry_of (const VtConv2dConfig *k, int c, int h, int w, int oh, int ow)
{
  return (Geometry) { c, h, w, k->kernel_h, k->kernel_w, k->stride_h, k->stride_w, k->pad_h,
                      k->pad_w, k->dilation_h, k->dilation_w, oh, ow };
}

/* The output columns ow whose input column lies inside [0, w), for a kernel
 * column offset off = kj * dw - pw: [*lo, *hi). */
static void
valid_columns (const Geometry *g, int off, int *lo, int *hi)
{
  int first = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
  int last = g->w - 1 - off < 0 ? 0 : (g->w - 1 - off) / g->sw + 1;
  if (last > g->ow)
    last = g->ow;
  if (first > last)
    first = last;
  *lo = first;
  *hi = last;
}

typedef struct
{
  const Geometry *g;
  const float *x;
  float *col;
  size_t ld;
} Patches;

/* Rows [begin, end) (each one (channel, kernel row, kernel column)) of one
 * sample's patches into col (row stride ld). */
static void
im2col_rows (void *data, size_t begin, size_t end)
{
  const Patches *p = data;
  const Geometry *g = p->g;
  for (size_t r = begin; r < end; r++)
    {
      int ci = (int) (r / (size_t) (g->kh * g->kw));
      int ki = (int) (r / (size_t) g->kw % (size_t) g->kh);
      int kj = (int) (r % (size_t) g->kw);
      float *row = p->col + r * p->ld;
      const float *plane = p->x + (size_t) ci * g->h * g->w;
      int off = kj * g->dw - g->pw;
      int lo, hi;
      valid_columns (g, off, &lo, &hi);
      for (int oh = 0; oh < g->oh; oh++)
        {
          float *dst = row + (size_t) oh * g->ow;
          int ih = oh * g->sh - g->ph + ki * g->dh;
          if (ih < 0 || ih >= g->h)
            {
              memset (dst, 0, (size_t) g->ow * sizeof (float));
              continue;
            }
          const float *src = plane + (size_t) ih * g->w + off;
          for (int o = 0; o < lo; o++)
            dst[o] = 0.0f;
          if (g->sw == 1)
            memcpy (dst + lo, src + lo, (size_t) (hi - lo) * sizeof (float));
          else
            for (int o = lo; o < hi; o++)
              dst[o] = src[o * g->sw];
          for (int o = hi; o < g->ow; o++)
            dst[o] = 0.0f;
        }
    }
}

/* The transpose of im2col for channels [begin, end): adds col into x.
 * Kernel offsets overlap in x, so only channels are split between threads. */
static void
col2im_channels (void *data, size_t begin, size_t end)
{
  const Patches *p = data;
  const Geometry *g = p->g;
  for (int ci = (int) begin; ci < (int) end; ci++)
    for (int ki = 0; ki < g->kh; ki++)
      for (int kj = 0; kj < g->kw; kj++)
        {
          const float *row = p->col + ((size_t) (ci * g->kh + ki) * g->kw + kj) * p->ld;
          float *plane = (float *) p->x + (size_t) ci * g->h * g->w;
          int off = kj * g->dw - g->pw;
          int lo, hi;
          valid_columns (g, off, &lo, &hi);
          for (int oh = 0; oh < g->oh; oh++)
            {
              int ih = oh * g->sh - g->ph + ki * g->dh;
              if (ih < 0 || ih >= g->h)
                continue;
              const float *src = row + (size_t) oh * g->ow;
              float *dst = plane + (size_t) ih * g->w + off;
              if (g->sw == 1)
                for (int o = lo; o < hi; o++)
                  dst[o] += src[o];
              else
                for (int o = lo; o < hi; o++)
                  dst[o * g->sw] += src[o];
            }
        }
}

static size_t
grain_of (const Geometry *g, size_t items_per_unit)
{
  size_t work = items_per_unit > 0 ? items_per_unit : 1;
  size_t grain = 16384 / work;
  return grain > 0 ? grain : 1;
}

static void
im2col (const Geometry *g, const float *x, float *col, size_t ld)
{
  Patches p = { g, x, col, ld };
  vt_parallel_for ((size_t) g->c * g->kh * g->kw, grain_of (g, (size_t) g->oh * g->ow),
                   im2col_rows, &p);
}

static void
col2im (const Geometry *g, const float *col, size_t ld, float *x)
{
  Patches p = { g, x, (float *) col, ld };
  vt_parallel_for ((size_t) g->c, grain_of (g, (size_t) g->kh * g->kw * g->oh * g->ow),
                   col2im_channels, &p);
}

/* Samples [n0, n0 + g) of an NCHW tensor (c channels of s positions) into a
 * c x (g * s) matrix, and back (adding). */
static void
gather (const float *x, int n0, int g, int c, size_t s, float *m)
{
  for (int ci = 0; ci < c; ci++)
    for (int k = 0; k < g; k++)
      memcpy (m + ((size_t) ci * g + k) * s, x + ((size_t) (n0 + k) * c + ci) * s,
              s * sizeof (float));
}

static void
scatter (const float *m, int n0, int g, int c, size_t s, float *x, bool add)
{
  for (int ci = 0; ci < c; ci++)
    for (int k = 0; k < g; k++)
      {
        const float *src = m + ((size_t) ci * g + k) * s;
        float *dst = x + ((size_t) (n0 + k) * c + ci) * s;
        if (add)
          for (size_t i = 0; i < s; i++)
            dst[i] += src[i];
        else
          memcpy (dst, src, s * sizeof (float));
      }
}

static int
group_size (int n, size_t positions)
{
  size_t g = (VT_CONV_TARGET_COLUMNS + positions - 1) / positions;
  if (g < 1)
    g = 1;
  if (g > (size_t) n)
    g = (size_t) n;
  return (int) g;
}

static void
add_bias (float *y, const float *bias, int n, int c, size_t s)
{
  if (bias == NULL)
    return;
  for (int k = 0; k < n; k++)
    for (int ci = 0; ci < c; ci++)
      {
        float b = bias[ci];
        float *row = y + ((size_t) k * c + ci) * s;
        for (size_t i = 0; i < s; i++)
          row[i] += b;
      }
}

static void
bias_grad (const float *dy, float *db, int n, int c, size_t s)
{
  for (int k = 0; k < n; k++)
    for (int ci = 0; ci < c; ci++)
      {
        const float *row = dy + ((size_t) k * c + ci) * s;
        double sum = 0;
        for (size_t i = 0; i < s; i++)
          sum += row[i];
        db[ci] += (float) sum;
      }
}

static VtStatus
check_weight (VtNet *net, VtNodeRec *node, int d0, int d1, VtError *error)
{
  VtParam *w = vt_net_node_param (net, node, 0);
  if (w->dims[0] != d0 || w->dims[1] != d1)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: the input has %d channels but the layer was built for %d",
                         node->name, node->op == VT_OP_CONV2D ? d1 : d0,
                         node->op == VT_OP_CONV2D ? w->dims[1] : w->dims[0]);
  return VT_STATUS_OK;
}

VtStatus
vt_conv_infer (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error)
{
  VtShape in = net->nodes[node->inputs[0]].shape;
  const VtConv2dConfig *k = &node->conv;
  VtStatus status = check_weight (net, node, k->out_channels, in.c, error);
  if (status != VT_STATUS_OK)
    return status;
  int span_h = k->dilation_h * (k->kernel_h - 1) + 1;
  int span_w = k->dilation_w * (k->kernel_w - 1) + 1;
  if (in.h + 2 * k->pad_h < span_h || in.w + 2 * k->pad_w < span_w)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: the input (%d x %d, padded by %d x %d) is smaller than the "
                         "kernel's span %d x %d",
                         node->name, in.h, in.w, k->pad_h, k->pad_w, span_h, span_w);
  node->shape = (VtShape) { in.n, k->out_channels, (in.h + 2 * k->pad_h - span_h) / k->stride_h + 1,
                            (in.w + 2 * k->pad_w - span_w) / k->stride_w + 1 };
  size_t positions = (size_t) node->shape.h * node->shape.w;
  size_t cols = (size_t) group_size (in.n, positions) * positions;
  size_t rows = (size_t) in.c * k->kernel_h * k->kernel_w;
  *scratch = rows * cols + (size_t) k->out_channels * cols;
  node->saved_floats = 0;
  return VT_STATUS_OK;
}

double
vt_conv_flops (VtNet *net, VtNodeRec *node)
{
  VtShape in = net->nodes[node->inputs[0]].shape;
  VtShape out = node->shape;
  double k = (double) node->conv.kernel_h * node->conv.kernel_w;
  if (node->op == VT_OP_CONV2D)
    return 2.0 * out.c * in.c * k * out.n * (double) out.h * out.w;
  return 2.0 * in.c * out.c * k * in.n * (double) in.h * in.w;
}

void
vt_conv_forward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *input = &net->nodes[node->inputs[0]];
  VtShape in = input->shape, out = node->shape;
  Geometry g = geometry_of (&node->conv, in.c, in.h, in.w, out.h, out.w);
  VtParam *w = vt_net_node_param (net, node, 0);
  VtParam *b = vt_net_node_param (net, node, 1);
  size_t positions = (size_t) out.h * out.w;
  int rows = in.c * g.kh * g.kw;
  int group = group_size (in.n, positions);
  size_t cols_max = (size_t) group * positions;
  float *col = net->scratch;
  float *product = col + (size_t) rows * cols_max;
  for (int n0 = 0; n0 < in.n; n0 += group)
    {
      int count = in.n - n0 < group ? in.n - n0 : group;
      size_t cols = (size_t) count * positions;
      for (int k = 0; k < count; k++)
        im2col (&g, input->value + (size_t) (n0 + k) * in.c * in.h * in.w, col + k * positions,
                cols);
      float *dst = count == 1 ? node->value + (size_t) n0 * out.c * positions : product;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, out.c, (int) cols, rows, 1.0f,
                   w->data, rows, col, (int) cols, 0.0f, dst, (int) cols);
      if (count > 1)
        scatter (product, n0, count, out.c, positions, node->value, false);
    }
  add_bias (node->value, b ? b->data : NULL, out.n, out.c, positions);
}

void
vt_conv_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *input = &net->nodes[node->inputs[0]];
  VtShape in = input->shape, out = node->shape;
  Geometry g = geometry_of (&node->conv, in.c, in.h, in.w, out.h, out.w);
  VtParam *w = vt_net_node_param (net, node, 0);
  VtParam *b = vt_net_node_param (net, node, 1);
  size_t positions = (size_t) out.h * out.w;
  size_t in_size = (size_t) in.c * in.h * in.w;
  int rows = in.c * g.kh * g.kw;
  int group = group_size (in.n, positions);
  size_t cols_max = (size_t) group * positions;
  float *col = net->scratch;
  float *dy = col + (size_t) rows * cols_max;
  bool weight_grad = vt_param_wants_grad (w);
  if (vt_param_wants_grad (b))
    bias_grad (node->grad, b->grad, out.n, out.c, positions);
  if (!weight_grad && input->grad == NULL)
    return;
  for (int n0 = 0; n0 < in.n; n0 += group)
    {
      int count = in.n - n0 < group ? in.n - n0 : group;
      size_t cols = (size_t) count * positions;
      const float *dy_group;
      if (count == 1)
        dy_group = node->grad + (size_t) n0 * out.c * positions;
      else
        {
          gather (node->grad, n0, count, out.c, positions, dy);
          dy_group = dy;
        }
      if (weight_grad)
        {
          for (int k = 0; k < count; k++)
            im2col (&g, input->value + (size_t) (n0 + k) * in_size, col + k * positions, cols);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, out.c, rows, (int) cols, 1.0f,
                       dy_group, (int) cols, col, (int) cols, 1.0f, w->grad, rows);
        }
      if (input->grad != NULL)
        {
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, rows, (int) cols, out.c, 1.0f,
                       w->data, rows, dy_group, (int) cols, 0.0f, col, (int) cols);
          for (int k = 0; k < count; k++)
            col2im (&g, col + k * positions, cols, input->grad + (size_t) (n0 + k) * in_size);
        }
    }
}

VtStatus
vt_conv_transpose_infer (VtNet *net, VtNodeRec *node, size_t *scratch, VtError *error)
{
  VtShape in = net->nodes[node->inputs[0]].shape;
  const VtConv2dConfig *k = &node->conv;
  VtStatus status = check_weight (net, node, in.c, k->out_channels, error);
  if (status != VT_STATUS_OK)
    return status;
  if (k->output_pad_h >= k->stride_h && k->output_pad_h >= k->dilation_h)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: output padding %d must be smaller than the stride or the dilation",
                         node->name, k->output_pad_h);
  if (k->output_pad_w >= k->stride_w && k->output_pad_w >= k->dilation_w)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: output padding %d must be smaller than the stride or the dilation",
                         node->name, k->output_pad_w);
  int oh = (in.h - 1) * k->stride_h - 2 * k->pad_h + k->dilation_h * (k->kernel_h - 1)
           + k->output_pad_h + 1;
  int ow = (in.w - 1) * k->stride_w - 2 * k->pad_w + k->dilation_w * (k->kernel_w - 1)
           + k->output_pad_w + 1;
  if (oh <= 0 || ow <= 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: padding %d x %d leaves no output for a %d x %d input", node->name,
                         k->pad_h, k->pad_w, in.h, in.w);
  node->shape = (VtShape) { in.n, k->out_channels, oh, ow };
  size_t positions = (size_t) in.h * in.w;
  size_t cols = (size_t) group_size (in.n, positions) * positions;
  size_t rows = (size_t) k->out_channels * k->kernel_h * k->kernel_w;
  *scratch = rows * cols + 2 * (size_t) in.c * cols;
  node->saved_floats = 0;
  return VT_STATUS_OK;
}

void
vt_conv_transpose_forward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *input = &net->nodes[node->inputs[0]];
  VtShape in = input->shape, out = node->shape;
  Geometry g = geometry_of (&node->conv, out.c, out.h, out.w, in.h, in.w);
  VtParam *w = vt_net_node_param (net, node, 0);
  VtParam *b = vt_net_node_param (net, node, 1);
  size_t positions = (size_t) in.h * in.w;
  size_t out_size = (size_t) out.c * out.h * out.w;
  int rows = out.c * g.kh * g.kw;
  int group = group_size (in.n, positions);
  size_t cols_max = (size_t) group * positions;
  float *col = net->scratch;
  float *x_group = col + (size_t) rows * cols_max;
  memset (node->value, 0, vt_shape_size (out) * sizeof (float));
  for (int n0 = 0; n0 < in.n; n0 += group)
    {
      int count = in.n - n0 < group ? in.n - n0 : group;
      size_t cols = (size_t) count * positions;
      const float *xg;
      if (count == 1)
        xg = input->value + (size_t) n0 * in.c * positions;
      else
        {
          gather (input->value, n0, count, in.c, positions, x_group);
          xg = x_group;
        }
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, rows, (int) cols, in.c, 1.0f,
                   w->data, rows, xg, (int) cols, 0.0f, col, (int) cols);
      for (int k = 0; k < count; k++)
        col2im (&g, col + k * positions, cols, node->value + (size_t) (n0 + k) * out_size);
    }
  add_bias (node->value, b ? b->data : NULL, out.n, out.c, (size_t) out.h * out.w);
}

void
vt_conv_transpose_backward (VtNet *net, VtNodeRec *node)
{
  VtNodeRec *input = &net->nodes[node->inputs[0]];
  VtShape in = input->shape, out = node->shape;
  Geometry g = geometry_of (&node->conv, out.c, out.h, out.w, in.h, in.w);
  VtParam *w = vt_net_node_param (net, node, 0);
  VtParam *b = vt_net_node_param (net, node, 1);
  size_t positions = (size_t) in.h * in.w;
  size_t out_size = (size_t) out.c * out.h * out.w;
  int rows = out.c * g.kh * g.kw;
  int group = group_size (in.n, positions);
  size_t cols_max = (size_t) group * positions;
  float *col = net->scratch;
  float *x_group = col + (size_t) rows * cols_max;
  float *dx_group = x_group + (size_t) in.c * cols_max;
  bool weight_grad = vt_param_wants_grad (w);
  if (vt_param_wants_grad (b))
    bias_grad (node->grad, b->grad, out.n, out.c, (size_t) out.h * out.w);
  if (!weight_grad && input->grad == NULL)
    return;
  for (int n0 = 0; n0 < in.n; n0 += group)
    {
      int count = in.n - n0 < group ? in.n - n0 : group;
      size_t cols = (size_t) count * positions;
      for (int k = 0; k < count; k++)
        im2col (&g, node->grad + (size_t) (n0 + k) * out_size, col + k * positions, cols);
      if (weight_grad)
        {
          const float *xg;
          if (count == 1)
            xg = input->value + (size_t) n0 * in.c * positions;
          else
            {
              gather (input->value, n0, count, in.c, positions, x_group);
              xg = x_group;
            }
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, in.c, rows, (int) cols, 1.0f,
                       xg, (int) cols, col, (int) cols, 1.0f, w->grad, rows);
        }
      if (input->grad != NULL)
        {
          if (count == 1)
            cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, in.c, (int) cols, rows, 1.0f,
                         w->data, rows, col, (int) cols, 1.0f,
                         input->grad + (size_t) n0 * in.c * positions, (int) cols);
          else
            {
              cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, in.c, (int) cols, rows,
                           1.0f, w->data, rows, col, (int) cols, 0.0f, dx_group, (int) cols);
              scatter (dx_group, n0, count, in.c, positions, input->grad, true);
            }
        }
    }
}
