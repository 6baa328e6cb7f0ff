/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/nn: every layer's and loss's gradient against central finite
 * differences, on several shapes including odd sizes; conv forward against a
 * direct float64 convolution. */
#include <string.h>

#include "vt-net.h"
#include "vt-nn-check.h"

static VtNode
input (VtNet *net, const char *name, int n, int c, int h, int w)
{
  VtNode x = vt_net_input (net, name, (VtShape) { n, c, h, w });
  vt_net_input_set_requires_grad (net, x, TRUE);
  return x;
}

/* MSE of y against a random target; plans and fills every input. */
static void
finish (VtNet *net, VtNode y, guint32 seed, gboolean away_from_zero)
{
  VtNode target = vt_net_input (net, "target", vt_net_get_shape (net, y));
  VtNode loss = vt_net_mse_loss (net, y, target, VT_NODE_NONE);
  VtError error = { 0 };
  if (vt_net_plan (net, &error) != VT_STATUS_OK)
    g_error ("plan: %s", error.message);
  g_assert_cmpint (loss, !=, VT_NODE_NONE);
  GRand *rand = g_rand_new_with_seed (seed);
  for (int i = 0; i < vt_net_get_n_nodes (net); i++)
    if (vt_net_node_is_input (net, i))
      {
        if (away_from_zero && i != target)
          vt_check_fill_away (net, i, rand, 0.05);
        else
          vt_check_fill (net, i, rand, -1, 1);
      }
  g_rand_free (rand);
}

/* Direct convolution in double (the definition), for one output element. */
static double
direct_conv (const float *x, VtShape in, const VtParam *w, const VtParam *b,
             const VtConv2dConfig *k, int n, int co, int oh, int ow)
{
  double sum = b ? b->data[co] : 0;
  for (int ci = 0; ci < in.c; ci++)
    for (int i = 0; i < k->kernel_h; i++)
      for (int j = 0; j < k->kernel_w; j++)
        {
          int ih = oh * k->stride_h - k->pad_h + i * k->dilation_h;
          int iw = ow * k->stride_w - k->pad_w + j * k->dilation_w;
          if (ih < 0 || iw < 0 || ih >= in.h || iw >= in.w)
            continue;
          sum += (double) x[((n * in.c + ci) * in.h + ih) * in.w + iw]
                 * w->data[((co * in.c + ci) * k->kernel_h + i) * k->kernel_w + j];
        }
  return sum;
}

static void
check_conv (int n, int c, int h, int w, VtConv2dConfig k, int expect_h, int expect_w)
{
  VtNet *net = vt_net_new (11);
  VtNode x = input (net, "x", n, c, h, w);
  VtNode y = vt_net_conv2d (net, "conv", x, &k);
  g_assert_cmpint (y, !=, VT_NODE_NONE);
  VtShape s = vt_net_get_shape (net, y);
  g_assert_cmpint (s.h, ==, expect_h);
  g_assert_cmpint (s.w, ==, expect_w);
  finish (net, y, 5 + c + h, FALSE);
  g_assert_cmpint (vt_net_forward (net, NULL), ==, VT_STATUS_OK);
  k.stride_h = k.stride_h ? k.stride_h : 1;
  k.stride_w = k.stride_w ? k.stride_w : 1;
  k.dilation_h = k.dilation_h ? k.dilation_h : 1;
  k.dilation_w = k.dilation_w ? k.dilation_w : 1;
  const float *out = vt_net_get_value (net, y);
  double worst = 0;
  for (int b = 0; b < n; b++)
    for (int co = 0; co < s.c; co++)
      for (int i = 0; i < s.h; i++)
        for (int j = 0; j < s.w; j++)
          {
            double ref = direct_conv (vt_net_get_value (net, x), vt_net_get_shape (net, x),
                                      vt_net_find_param (net, "conv.weight"),
                                      vt_net_find_param (net, "conv.bias"), &k, b, co, i, j);
            double got = out[((b * s.c + co) * s.h + i) * s.w + j];
            worst = fmax (worst, fabs (got - ref));
          }
  g_assert_cmpfloat (worst, <, 1e-4);
  vt_check_gradients (net, 1e-2, 60);
  vt_net_free (net);
}

static void
test_conv2d (void)
{
  check_conv (2, 3, 7, 6, (VtConv2dConfig) { .out_channels = 4, .kernel_h = 3, .kernel_w = 3,
                                             .pad_h = 1, .pad_w = 1 }, 7, 6);
  check_conv (2, 2, 9, 8, (VtConv2dConfig) { .out_channels = 3, .kernel_h = 5, .kernel_w = 5,
                                             .stride_h = 2, .stride_w = 2, .pad_h = 2,
                                             .pad_w = 2 }, 5, 4);
  /* valid padding, dilation, odd sizes */
  check_conv (3, 2, 11, 9, (VtConv2dConfig) { .out_channels = 2, .kernel_h = 3, .kernel_w = 3,
                                              .stride_h = 2, .stride_w = 1, .dilation_h = 2,
                                              .dilation_w = 2 }, 4, 5);
  /* rectangular kernel, no bias, stride only along W */
  check_conv (1, 3, 5, 10, (VtConv2dConfig) { .out_channels = 5, .kernel_h = 2, .kernel_w = 3,
                                              .stride_w = 2, .pad_w = 1, .no_bias = TRUE },
              4, 5);
  /* one sample per product (>= 4096 positions): the ungrouped path */
  check_conv (2, 1, 64, 66, (VtConv2dConfig) { .out_channels = 2, .kernel_h = 3, .kernel_w = 3,
                                               .pad_h = 1, .pad_w = 1 }, 64, 66);
  /* a kernel spanning all rows (the per-frame head) */
  check_conv (2, 2, 6, 5, (VtConv2dConfig) { .out_channels = 7, .kernel_h = 6, .kernel_w = 1 },
              1, 5);
}

/* The transposed conv is the adjoint of the conv with the same weights:
 * <conv (x), y> = <x, tconv (y)> (no bias), which pins its forward. */
static void
check_conv_transpose (int n, int c, int h, int w, VtConv2dConfig k, int expect_h, int expect_w)
{
  VtNet *net = vt_net_new (12);
  VtNode x = input (net, "x", n, c, h, w);
  VtNode y = vt_net_conv_transpose2d (net, "deconv", x, &k);
  g_assert_cmpint (y, !=, VT_NODE_NONE);
  VtShape s = vt_net_get_shape (net, y);
  g_assert_cmpint (s.h, ==, expect_h);
  g_assert_cmpint (s.w, ==, expect_w);
  finish (net, y, 7 + c + w, FALSE);
  vt_check_gradients (net, 1e-2, 60);

  VtNet *adjoint = vt_net_new (13);
  VtConv2dConfig k2 = k;
  k2.out_channels = c;
  k2.no_bias = TRUE;
  k2.output_pad_h = k2.output_pad_w = 0;
  VtNode z = vt_net_input (adjoint, "z", s);
  VtNode cz = vt_net_conv2d (adjoint, "conv", z, &k2);
  g_assert_cmpint (vt_net_plan (adjoint, NULL), ==, VT_STATUS_OK);
  VtShape cs = vt_net_get_shape (adjoint, cz);
  g_assert_true (cs.h == h && cs.w == w && cs.c == c);
  memcpy (vt_net_find_param (adjoint, "conv.weight")->data,
          vt_net_find_param (net, "deconv.weight")->data,
          vt_net_find_param (net, "deconv.weight")->size * sizeof (float));
  memset (vt_net_find_param (net, "deconv.bias")->data, 0, sizeof (float) * s.c);
  GRand *rand = g_rand_new_with_seed (99);
  vt_check_fill (adjoint, z, rand, -1, 1);
  g_rand_free (rand);
  g_assert_cmpint (vt_net_forward (net, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_net_forward (adjoint, NULL), ==, VT_STATUS_OK);
  double left = 0, right = 0;
  const float *xv = vt_net_get_value (net, x), *tv = vt_net_get_value (net, y);
  const float *zv = vt_net_get_value (adjoint, z), *czv = vt_net_get_value (adjoint, cz);
  for (size_t i = 0; i < vt_shape_size (cs); i++)
    left += (double) czv[i] * xv[i];
  for (size_t i = 0; i < vt_shape_size (s); i++)
    right += (double) zv[i] * tv[i];
  g_assert_cmpfloat (fabs (left - right), <, 1e-4 * (1 + fabs (left)));
  vt_net_free (adjoint);
  vt_net_free (net);
}

static void
test_conv_transpose2d (void)
{
  /* the U-Net's: 5x5, stride 2, pad 2, output pad 1 doubles the size */
  check_conv_transpose (2, 3, 3, 5, (VtConv2dConfig) { .out_channels = 2, .kernel_h = 5,
                                                       .kernel_w = 5, .stride_h = 2,
                                                       .stride_w = 2, .pad_h = 2, .pad_w = 2,
                                                       .output_pad_h = 1, .output_pad_w = 1 },
                        6, 10);
  check_conv_transpose (1, 2, 4, 3, (VtConv2dConfig) { .out_channels = 3, .kernel_h = 4,
                                                       .kernel_w = 4, .stride_h = 2,
                                                       .stride_w = 2, .pad_h = 1, .pad_w = 1 },
                        8, 6);
  check_conv_transpose (3, 2, 5, 4, (VtConv2dConfig) { .out_channels = 2, .kernel_h = 3,
                                                       .kernel_w = 3, .stride_h = 2,
                                                       .stride_w = 2, .pad_h = 1, .pad_w = 1,
                                                       .output_pad_h = 1 },
                        10, 7);
  /* stride 1, dilation, no padding */
  check_conv_transpose (2, 3, 4, 5, (VtConv2dConfig) { .out_channels = 2, .kernel_h = 3,
                                                       .kernel_w = 2, .dilation_h = 2 },
                        8, 6);
}

static void
test_dense (void)
{
  VtNet *net = vt_net_new (3);
  VtNode x = input (net, "x", 3, 2, 3, 1);
  finish (net, vt_net_dense (net, "fc", x, 5), 1, FALSE);
  vt_check_gradients (net, 1e-2, 100);
  vt_net_free (net);
}

static void
test_batch_norm (void)
{
  for (int training = 0; training < 2; training++)
    {
      VtNet *net = vt_net_new (4);
      VtNode x = input (net, "x", 3, 4, 5, 3);
      /* a nonlinearity after it, or the MSE could be insensitive to errors */
      VtNode y = vt_net_tanh (net, vt_net_batch_norm (net, "bn", x));
      finish (net, y, 2, FALSE);
      VtParam *gamma = vt_net_find_param (net, "bn.weight");
      VtParam *mean = vt_net_find_param (net, "bn.running_mean");
      VtParam *var = vt_net_find_param (net, "bn.running_var");
      for (int c = 0; c < 4; c++)
        {
          gamma->data[c] = 0.5f + 0.3f * c;
          mean->data[c] = 0.1f * c;
          var->data[c] = 0.5f + c;
        }
      vt_net_set_training (net, training);
      vt_check_gradients (net, 1e-2, 80);
      vt_net_free (net);
    }
  /* normalisation itself */
  VtNet *net = vt_net_new (5);
  VtNode x = vt_net_input (net, "x", (VtShape) { 4, 2, 3, 5 });
  VtNode y = vt_net_batch_norm (net, "bn", x);
  g_assert_cmpint (vt_net_plan (net, NULL), ==, VT_STATUS_OK);
  GRand *rand = g_rand_new_with_seed (8);
  vt_check_fill (net, x, rand, 2, 5);
  g_rand_free (rand);
  vt_net_forward (net, NULL);
  const float *v = vt_net_get_value (net, y);
  for (int c = 0; c < 2; c++)
    {
      double sum = 0, sq = 0;
      for (int n = 0; n < 4; n++)
        for (int i = 0; i < 15; i++)
          {
            double z = v[(n * 2 + c) * 15 + i];
            sum += z;
            sq += z * z;
          }
      g_assert_cmpfloat (fabs (sum / 60), <, 1e-5);
      g_assert_cmpfloat (fabs (sq / 60 - 1), <, 1e-3);
    }
  g_assert_cmpfloat (vt_net_find_param (net, "bn.running_mean")->data[0], >, 0.3);
  vt_net_free (net);
}

static void
test_activations (void)
{
  for (int kind = 0; kind < 4; kind++)
    {
      VtNet *net = vt_net_new (6);
      VtNode x = input (net, "x", 2, 3, 5, 7);
      VtNode y = kind == 0 ? vt_net_relu (net, x)
                 : kind == 1 ? vt_net_leaky_relu (net, x, 0.2f)
                 : kind == 2 ? vt_net_sigmoid (net, x)
                             : vt_net_tanh (net, x);
      finish (net, y, 3 + kind, TRUE);
      vt_check_gradients (net, 1e-2, 210);
      vt_net_free (net);
    }
}

static void
test_softmax (void)
{
  for (int axis = 1; axis <= 3; axis++)
    {
      VtNet *net = vt_net_new (7);
      VtNode x = input (net, "x", 2, 3, 4, 5);
      VtNode y = vt_net_softmax (net, x, axis);
      finish (net, y, 4, FALSE);
      vt_check_gradients (net, 1e-2, 120);
      vt_net_forward (net, NULL);
      const float *v = vt_net_get_value (net, y);
      double sum = 0;
      for (int i = 0; i < 120; i++)
        sum += v[i];
      /* sums to one along the axis: 120 / length groups */
      int length = axis == 1 ? 3 : axis == 2 ? 4 : 5;
      g_assert_cmpfloat (fabs (sum - 120.0 / length), <, 1e-4);
      vt_net_free (net);
    }
}

static void
test_dropout (void)
{
  VtNet *net = vt_net_new (8);
  VtNode x = input (net, "x", 2, 3, 4, 6);
  VtNode y = vt_net_dropout (net, x, 0.4f);
  finish (net, y, 5, FALSE);
  vt_check_gradients (net, 1e-2, 144);
  float *xv = vt_net_get_value (net, x);
  for (int i = 0; i < 144; i++)
    xv[i] = 1.0f;
  vt_net_forward (net, NULL);
  int zeros = 0;
  for (int i = 0; i < 144; i++)
    {
      float v = vt_net_get_value (net, y)[i];
      g_assert_true (v == 0.0f || fabsf (v - 1.0f / 0.6f) < 1e-6f);
      zeros += v == 0.0f;
    }
  g_assert_cmpint (zeros, >, 30);
  g_assert_cmpint (zeros, <, 90);
  vt_net_set_training (net, FALSE);
  vt_net_forward (net, NULL);
  for (int i = 0; i < 144; i++)
    g_assert_cmpfloat (vt_net_get_value (net, y)[i], ==, 1.0f);
  vt_net_free (net);
}

static void
test_concat_crop (void)
{
  for (int axis = 1; axis <= 3; axis++)
    {
      VtNet *net = vt_net_new (9);
      VtNode a = input (net, "a", 2, 3, 4, 5);
      VtNode b = input (net, "b", 2, axis == 1 ? 2 : 3, axis == 2 ? 3 : 4, axis == 3 ? 1 : 5);
      VtNode y = vt_net_concat (net, a, b, axis);
      finish (net, vt_net_tanh (net, y), 6, FALSE);
      vt_check_gradients (net, 1e-2, 200);
      vt_net_free (net);
    }
  VtNet *net = vt_net_new (10);
  VtNode a = input (net, "a", 2, 2, 9, 8);
  VtNode y = vt_net_crop (net, a, 4, 5);
  finish (net, y, 7, FALSE);
  vt_check_gradients (net, 1e-2, 300);
  /* centre: offsets (9 - 4) / 2 = 2 and (8 - 5) / 2 = 1 */
  vt_net_forward (net, NULL);
  g_assert_cmpfloat (vt_net_get_value (net, y)[0], ==, vt_net_get_value (net, a)[2 * 8 + 1]);
  vt_net_free (net);
  /* mismatched shapes are reported, not crashed on */
  net = vt_net_new (10);
  a = vt_net_input (net, "a", (VtShape) { 1, 2, 3, 4 });
  VtNode b = vt_net_input (net, "b", (VtShape) { 1, 2, 5, 4 });
  g_assert_cmpint (vt_net_concat (net, a, b, 1), ==, VT_NODE_NONE);
  VtError error = { 0 };
  g_assert_cmpint (vt_net_plan (net, &error), ==, VT_STATUS_BAD_ARGUMENT);
  g_test_message ("%s", error.message);
  g_assert_nonnull (strstr (error.message, "concat"));
  vt_net_free (net);
}

static void
test_add_mul (void)
{
  VtNet *net = vt_net_new (14);
  VtNode a = input (net, "a", 2, 3, 3, 5);
  VtNode b = input (net, "b", 2, 3, 3, 5);
  VtNode y = vt_net_add (net, vt_net_mul (net, a, b), a);
  finish (net, y, 8, FALSE);
  vt_check_gradients (net, 1e-2, 90);
  vt_net_free (net);
}

static void
check_loss (int kind, int axis, gboolean weighted)
{
  VtNet *net = vt_net_new (15);
  VtShape s = { 2, 5, 3, 4 };
  VtNode p = input (net, "pred", s.n, s.c, s.h, s.w);
  VtNode t = input (net, "target", s.n, s.c, s.h, s.w);
  VtShape ws = s;
  if (kind == 3)
    {
      if (axis == 1)
        ws.c = 1;
      else if (axis == 2)
        ws.h = 1;
      else
        ws.w = 1;
    }
  VtNode w = weighted ? vt_net_input (net, "weight", ws) : VT_NODE_NONE;
  VtNode loss = kind == 0 ? vt_net_l1_loss (net, p, t, w)
                : kind == 1 ? vt_net_mse_loss (net, p, t, w)
                : kind == 2 ? vt_net_bce_logits_loss (net, p, t, w)
                            : vt_net_cross_entropy_loss (net, p, t, w, axis);
  g_assert_cmpint (vt_net_plan (net, NULL), ==, VT_STATUS_OK);
  GRand *rand = g_rand_new_with_seed (20 + kind);
  vt_check_fill (net, p, rand, -2, 2);
  vt_check_fill (net, t, rand, 0, 1);
  if (weighted)
    vt_check_fill (net, w, rand, 0, 2);
  g_rand_free (rand);
  vt_check_gradients (net, 1e-3, 120);
  /* one value by hand */
  vt_net_forward (net, NULL);
  const float *pv = vt_net_get_value (net, p), *tv = vt_net_get_value (net, t);
  const float *wv = weighted ? vt_net_get_value (net, w) : NULL;
  double sum = 0, norm = 0;
  if (kind < 3)
    for (size_t i = 0; i < vt_shape_size (s); i++)
      {
        double d = pv[i] - tv[i], z = pv[i], l;
        l = kind == 0 ? fabs (d)
            : kind == 1 ? d * d
                        : -(tv[i] * log (1 / (1 + exp (-z))) + (1 - tv[i]) * log (1 - 1 / (1 + exp (-z))));
        sum += (wv ? wv[i] : 1) * l;
        norm += wv ? wv[i] : 1;
      }
  else
    {
      int dims[4] = { s.n, s.c, s.h, s.w };
      size_t outer = 1, inner = 1, length = dims[axis];
      for (int i = 0; i < axis; i++)
        outer *= dims[i];
      for (int i = axis + 1; i < 4; i++)
        inner *= dims[i];
      for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++)
          {
            double z = 0, l = 0;
            for (size_t k = 0; k < length; k++)
              z += exp (pv[(o * length + k) * inner + i]);
            for (size_t k = 0; k < length; k++)
              l -= tv[(o * length + k) * inner + i] * log (exp (pv[(o * length + k) * inner + i]) / z);
            double weight = wv ? wv[o * inner + i] : 1;
            sum += weight * l;
            norm += weight;
          }
    }
  g_assert_cmpfloat (fabs (vt_net_get_loss (net, loss) - sum / norm), <, 1e-6 * (1 + sum / norm));
  vt_net_free (net);
}

static void
test_losses (void)
{
  for (int kind = 0; kind < 4; kind++)
    for (int weighted = 0; weighted < 2; weighted++)
      {
        if (kind == 3)
          for (int axis = 1; axis <= 3; axis++)
            check_loss (kind, axis, weighted);
        else
          check_loss (kind, 0, weighted);
      }
}

/* A small stack: conv, BN, leaky ReLU, transposed conv, concat (a skip),
 * dropout, sigmoid, L1: the U-Net's pieces together. */
static void
test_stack (void)
{
  VtNet *net = vt_net_new (16);
  VtNode x = input (net, "x", 2, 2, 8, 6);
  VtNode h = vt_net_conv2d (net, "enc", x, &(VtConv2dConfig) { .out_channels = 3, .kernel_h = 5,
                                                               .kernel_w = 5, .stride_h = 2,
                                                               .stride_w = 2, .pad_h = 2,
                                                               .pad_w = 2 });
  h = vt_net_leaky_relu (net, vt_net_batch_norm (net, "enc.bn", h), 0.2f);
  VtNode d = vt_net_conv_transpose2d (net, "dec", h, &(VtConv2dConfig) {
                                        .out_channels = 2, .kernel_h = 5, .kernel_w = 5,
                                        .stride_h = 2, .stride_w = 2, .pad_h = 2, .pad_w = 2,
                                        .output_pad_h = 1, .output_pad_w = 1 });
  d = vt_net_dropout (net, d, 0.3f);
  d = vt_net_concat (net, d, x, 1);
  VtNode y = vt_net_sigmoid (net, vt_net_conv2d (net, "out", d, &(VtConv2dConfig) {
                                                   .out_channels = 1, .kernel_h = 1,
                                                   .kernel_w = 1 }));
  VtNode t = vt_net_input (net, "target", vt_net_get_shape (net, y));
  vt_net_l1_loss (net, y, t, VT_NODE_NONE);
  g_assert_cmpint (vt_net_plan (net, NULL), ==, VT_STATUS_OK);
  GRand *rand = g_rand_new_with_seed (30);
  vt_check_fill (net, x, rand, -1, 1);
  vt_check_fill (net, t, rand, 0, 1);
  g_rand_free (rand);
  vt_check_gradients (net, 1e-2, 40);
  vt_net_free (net);
}

static void
test_conv1d (void)
{
  VtNet *net = vt_net_new (17);
  VtNode x = input (net, "x", 2, 3, 1, 21);
  VtNode h = vt_net_conv1d (net, "down", x, &(VtConv1dConfig) { .out_channels = 4, .kernel = 5,
                                                                .stride = 2 });
  g_assert_cmpint (vt_net_get_shape (net, h).w, ==, 9); /* valid: (21 - 5) / 2 + 1 */
  VtNode y = vt_net_conv_transpose1d (net, "up", vt_net_tanh (net, h), &(VtConv1dConfig) {
                                        .out_channels = 2, .kernel = 4, .stride = 2,
                                        .pad = 1 });
  g_assert_cmpint (vt_net_get_shape (net, y).w, ==, 18);
  g_assert_cmpint (vt_net_find_param (net, "up.weight")->dims[3], ==, 4);
  finish (net, y, 40, FALSE);
  vt_check_gradients (net, 1e-2, 80);
  vt_net_free (net);
}

static void
test_upsample_decimate (void)
{
  VtNet *net = vt_net_new (18);
  VtNode x = input (net, "x", 2, 3, 1, 7);
  VtNode up = vt_net_upsample_learned (net, "up", x);
  g_assert_cmpint (vt_net_get_shape (net, up).w, ==, 13);
  VtNode down = vt_net_decimate (net, vt_net_tanh (net, up));
  g_assert_cmpint (vt_net_get_shape (net, down).w, ==, 7);
  finish (net, vt_net_concat (net, up, vt_net_decimate (net, x), 3), 41, FALSE);
  VtParam *w = vt_net_find_param (net, "up.weight");
  /* starts as linear interpolation */
  vt_net_forward (net, NULL);
  const float *f = vt_net_get_value (net, x), *u = vt_net_get_value (net, up);
  g_assert_cmpfloat (fabsf (u[1] - 0.5f * (f[0] + f[1])), <, 1e-6);
  g_assert_cmpfloat (u[2], ==, f[1]);
  w->data[0] = 1.5f;
  w->data[1] = -0.7f;
  vt_net_forward (net, NULL);
  float s = 1.0f / (1.0f + expf (-1.5f));
  g_assert_cmpfloat (fabsf (u[3] - (s * f[1] + (1 - s) * f[2])), <, 1e-6);
  vt_check_gradients (net, 1e-2, 100);
  vt_net_free (net);
}

static void
test_group_norm (void)
{
  for (int groups = 1; groups <= 3; groups += 2)
    {
      VtNet *net = vt_net_new (19);
      VtNode x = input (net, "x", 2, 6, 3, 5);
      VtNode y = vt_net_tanh (net, vt_net_group_norm (net, "gn", x, groups));
      finish (net, y, 42, FALSE);
      VtParam *gamma = vt_net_find_param (net, "gn.weight");
      for (int c = 0; c < 6; c++)
        gamma->data[c] = 0.5f + 0.2f * c;
      vt_check_gradients (net, 1e-2, 90);
      vt_net_free (net);
    }
  VtNet *net = vt_net_new (19);
  VtNode x = vt_net_input (net, "x", (VtShape) { 1, 5, 2, 2 });
  g_assert_cmpint (vt_net_group_norm (net, "gn", x, 2), ==, VT_NODE_NONE);
  VtError error = { 0 };
  g_assert_cmpint (vt_net_plan (net, &error), !=, VT_STATUS_OK);
  g_assert_nonnull (strstr (error.message, "5 channels cannot be split into 2 groups"));
  vt_net_free (net);
}

static void
test_discriminative_and_sum (void)
{
  VtNet *net = vt_net_new (20);
  VtNode p1 = input (net, "p1", 2, 1, 3, 4), p2 = input (net, "p2", 2, 1, 3, 4);
  VtNode t1 = input (net, "t1", 2, 1, 3, 4), t2 = input (net, "t2", 2, 1, 3, 4);
  VtNode loss = vt_net_discriminative_loss (net, p1, p2, t1, t2, 0.05f);
  g_assert_cmpint (vt_net_plan (net, NULL), ==, VT_STATUS_OK);
  GRand *rand = g_rand_new_with_seed (43);
  for (VtNode i = p1; i <= t2; i++)
    vt_check_fill (net, i, rand, -1, 1);
  g_rand_free (rand);
  vt_check_gradients (net, 1e-3, 24);
  vt_net_forward (net, NULL);
  double sum = 0;
  const float *a = vt_net_get_value (net, p1), *b = vt_net_get_value (net, p2);
  const float *c = vt_net_get_value (net, t1), *d = vt_net_get_value (net, t2);
  for (int i = 0; i < 24; i++)
    sum += (a[i] - c[i]) * (a[i] - c[i]) + (b[i] - d[i]) * (b[i] - d[i])
           - 0.05 * ((a[i] - d[i]) * (a[i] - d[i]) + (b[i] - c[i]) * (b[i] - c[i]));
  g_assert_cmpfloat (fabs (vt_net_get_loss (net, loss) - sum / 24), <, 1e-6);
  vt_net_free (net);

  /* Wasserstein critic: one critic on concat (generated, real) along the batch */
  net = vt_net_new (21);
  VtNode fake = input (net, "generated", 3, 2, 1, 5);
  VtNode real = vt_net_input (net, "real", (VtShape) { 3, 2, 1, 5 });
  VtNode both = vt_net_concat (net, fake, real, 0);
  g_assert_cmpint (vt_net_get_shape (net, both).n, ==, 6);
  VtNode score = vt_net_dense (net, "critic", vt_net_tanh (net, both), 1);
  VtNode sign = vt_net_input (net, "sign", vt_net_get_shape (net, score));
  VtNode critic = vt_net_sum_loss (net, score, sign);
  g_assert_cmpint (vt_net_plan (net, NULL), ==, VT_STATUS_OK);
  rand = g_rand_new_with_seed (44);
  vt_check_fill (net, fake, rand, -1, 1);
  vt_check_fill (net, real, rand, -1, 1);
  g_rand_free (rand);
  float *w = vt_net_get_value (net, sign);
  for (int i = 0; i < 6; i++)
    w[i] = i < 3 ? 1.0f / 3 : -1.0f / 3;
  vt_check_gradients (net, 1e-2, 30);
  vt_net_forward (net, NULL);
  const float *sc = vt_net_get_value (net, score);
  double expect = (sc[0] + sc[1] + sc[2] - sc[3] - sc[4] - sc[5]) / 3;
  g_assert_cmpfloat (fabs (vt_net_get_loss (net, critic) - expect), <, 1e-6);
  VtParam *weight = vt_net_find_param (net, "critic.weight");
  weight->data[0] = 3.0f;
  weight->data[1] = -3.0f;
  g_assert_cmpint (vt_net_clip_weights (net, "critic", 0.01f), ==, 2);
  g_assert_cmpfloat (weight->data[0], ==, 0.01f);
  g_assert_cmpfloat (weight->data[1], ==, -0.01f);
  vt_net_free (net);
}

static void
test_recurrent (void)
{
  for (int kind = 0; kind < 2; kind++)
    for (int shape = 0; shape < 2; shape++)
      {
        VtNet *net = vt_net_new (22 + kind);
        int n = shape ? 3 : 1, c = shape ? 5 : 2, t = shape ? 7 : 4, hidden = shape ? 4 : 3;
        VtNode x = input (net, "x", n, c, 1, t);
        VtNode h = kind ? vt_net_gru (net, "rnn", x, hidden) : vt_net_lstm (net, "rnn", x, hidden);
        VtShape s = vt_net_get_shape (net, h);
        g_assert_true (s.n == n && s.c == hidden && s.h == 1 && s.w == t);
        /* two layers: the gradient also flows through a recurrent input */
        VtNode y = kind ? vt_net_gru (net, "rnn2", h, 2) : vt_net_lstm (net, "rnn2", h, 2);
        finish (net, y, 50 + kind, FALSE);
        vt_check_gradients (net, 1e-2, 60);
        /* causal: the first frame's output ignores later frames */
        vt_net_forward (net, NULL);
        float first = vt_net_get_value (net, h)[0];
        vt_net_get_value (net, x)[t - 1] += 1.0f;
        vt_net_forward (net, NULL);
        g_assert_cmpfloat (vt_net_get_value (net, h)[0], ==, first);
        vt_net_free (net);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/grad/conv2d", test_conv2d);
  g_test_add_func ("/nn/grad/conv-transpose2d", test_conv_transpose2d);
  g_test_add_func ("/nn/grad/dense", test_dense);
  g_test_add_func ("/nn/grad/batch-norm", test_batch_norm);
  g_test_add_func ("/nn/grad/activations", test_activations);
  g_test_add_func ("/nn/grad/softmax", test_softmax);
  g_test_add_func ("/nn/grad/dropout", test_dropout);
  g_test_add_func ("/nn/grad/concat-crop", test_concat_crop);
  g_test_add_func ("/nn/grad/add-mul", test_add_mul);
  g_test_add_func ("/nn/grad/losses", test_losses);
  g_test_add_func ("/nn/grad/stack", test_stack);
  g_test_add_func ("/nn/grad/conv1d", test_conv1d);
  g_test_add_func ("/nn/grad/upsample-decimate", test_upsample_decimate);
  g_test_add_func ("/nn/grad/group-norm", test_group_norm);
  g_test_add_func ("/nn/grad/discriminative-and-wasserstein", test_discriminative_and_sum);
  g_test_add_func ("/nn/grad/lstm-gru", test_recurrent);
  return g_test_run ();
}
