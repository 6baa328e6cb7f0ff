/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-nn-bench.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vt-net.h"
#include "vt-optim.h"
#include "vt-unet.h"

static double
cpu_now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double) t.tv_sec + 1e-9 * (double) t.tv_nsec;
}

void
vt_nn_bench_options_init (VtNnBenchOptions *options)
{
  memset (options, 0, sizeof *options);
  options->batch = 8;
  options->height = 512;
  options->width = 128;
  options->steps = 5;
  options->layers = true;
}

/* Best of several runs: the machine is shared. */
static double
sgemm_gflops (int m, int n, int k, int runs)
{
  float *a = malloc ((size_t) m * k * sizeof (float));
  float *b = malloc ((size_t) k * n * sizeof (float));
  float *c = malloc ((size_t) m * n * sizeof (float));
  if (a == NULL || b == NULL || c == NULL)
    {
      free (a);
      free (b);
      free (c);
      return 0;
    }
  for (size_t i = 0; i < (size_t) m * k; i++)
    a[i] = (float) (i % 7) * 0.1f;
  for (size_t i = 0; i < (size_t) k * n; i++)
    b[i] = (float) (i % 5) * 0.1f;
  double best = 1e30;
  for (int r = 0; r < runs; r++)
    {
      double t0 = now ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c,
                   n);
      double t = now () - t0;
      if (t < best)
        best = t;
    }
  free (a);
  free (b);
  free (c);
  return 2.0 * m * n * (double) k / best / 1e9;
}

static void
fill (VtNet *net, VtNode node, float scale)
{
  float *v = vt_net_get_value (net, node);
  size_t n = vt_shape_size (vt_net_get_shape (net, node));
  VtRng rng;
  vt_rng_init (&rng, 1);
  for (size_t i = 0; i < n; i++)
    v[i] = scale * vt_rng_uniform (&rng);
}

/* One conv (or transposed conv) layer, forward + backward (weights and
 * input gradients), as a fraction of sgemm. */
static VtStatus
bench_layer (FILE *out, const char *name, bool transposed, VtShape in, int out_channels,
             double sgemm, VtError *error)
{
  VtNet *net = vt_net_new (1);
  if (net == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  VtNode x = vt_net_input (net, "x", in);
  vt_net_input_set_requires_grad (net, x, true);
  VtConv2dConfig k = { .out_channels = out_channels, .kernel_h = 5, .kernel_w = 5, .stride_h = 2,
                       .stride_w = 2, .pad_h = 2, .pad_w = 2 };
  if (transposed)
    k.output_pad_h = k.output_pad_w = 1;
  VtNode y = transposed ? vt_net_conv_transpose2d (net, "layer", x, &k)
                        : vt_net_conv2d (net, "layer", x, &k);
  VtNode t = vt_net_input (net, "t", vt_net_get_shape (net, y));
  vt_net_mse_loss (net, y, t, VT_NODE_NONE);
  VtStatus status = vt_net_plan (net, error);
  if (status != VT_STATUS_OK)
    {
      vt_net_free (net);
      return status;
    }
  fill (net, x, 1.0f);
  double best = 1e30;
  for (int r = 0; r < 4; r++)
    {
      double t0 = now ();
      vt_net_forward (net, NULL);
      vt_net_backward (net, NULL);
      double elapsed = now () - t0;
      if (r > 0 && elapsed < best)
        best = elapsed;
    }
  double flops = 3.0 * vt_net_get_forward_flops (net);
  fprintf (out, "%s_ms: %.2f\n%s_vs_sgemm: %.2f\n", name, best * 1e3, name,
           flops / best / 1e9 / sgemm);
  vt_net_free (net);
  return VT_STATUS_OK;
}

VtStatus
vt_nn_bench_run (FILE *out, VtNnBenchOptions *o, VtError *error)
{
  if (o->batch < 1 || o->height < 64 || o->width < 64 || o->height % 64 || o->width % 64)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "bench: batch >= 1 and sizes that are multiples of 64 needed");
  /* The machine may be shared: the ceiling is the best sgemm rate seen, and
   * it is measured again after the U-Net steps (see below). */
  double sgemm = sgemm_gflops (2048, 2048, 2048, 5);
  if (sgemm <= 0)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for the sgemm test");
  fprintf (out, "sgemm_gflops_start: %.1f\n", sgemm);
  fflush (out);
  if (o->layers)
    {
      int b = o->batch, h = o->height, w = o->width;
      VtStatus status;
      if ((status = bench_layer (out, "conv_enc1", false, (VtShape) { b, 1, h, w }, 16, sgemm,
                                 error))
          || (status = bench_layer (out, "conv_enc2", false,
                                    (VtShape) { b, 16, h / 2, w / 2 }, 32, sgemm, error))
          || (status = bench_layer (out, "conv_enc6", false,
                                    (VtShape) { b, 256, h / 32, w / 32 }, 512, sgemm, error))
          || (status = bench_layer (out, "deconv_dec1", true,
                                    (VtShape) { b, 512, h / 64, w / 64 }, 256, sgemm, error))
          || (status = bench_layer (out, "deconv_dec5", true,
                                    (VtShape) { b, 64, h / 4, w / 4 }, 16, sgemm, error))
          || (status = bench_layer (out, "deconv_dec6", true,
                                    (VtShape) { b, 32, h / 2, w / 2 }, 1, sgemm, error)))
        return status;
      fflush (out);
    }
  VtNet *net = vt_net_new (1);
  if (net == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  VtNode x = vt_net_input (net, "mix", (VtShape) { o->batch, 1, o->height, o->width });
  VtNode t = vt_net_input (net, "vocals", (VtShape) { o->batch, 1, o->height, o->width });
  VtUnetConfig config = vt_unet_config_default ();
  VtUnet unet;
  VtStatus status = vt_unet_build (net, "unet", x, &config, &unet, error);
  if (status == VT_STATUS_OK)
    {
      /* Jansson et al.: L1 between mask * mix and the target */
      VtNode masked = vt_net_mul (net, unet.output, x);
      vt_net_l1_loss (net, masked, t, VT_NODE_NONE);
      status = vt_net_plan (net, error);
    }
  if (status != VT_STATUS_OK)
    {
      vt_net_free (net);
      return status;
    }
  fill (net, x, 1.0f);
  fill (net, t, 0.5f);
  VtAdamConfig adam = { 0 };
  double best = 1e30, total = 0, cpu = 0;
  int steps = o->steps > 0 ? o->steps : 1;
  for (int r = 0; r <= steps; r++)
    {
      if (r == 1)
        cpu = cpu_now ();
      double t0 = now ();
      vt_net_forward (net, NULL);
      vt_net_backward (net, NULL);
      vt_adam_step (net, &adam, 1e-4f, NULL, NULL);
      double elapsed = now () - t0;
      if (r == 0)
        continue; /* first touch of the arena */
      total += elapsed;
      if (elapsed < best)
        best = elapsed;
    }
  cpu = cpu_now () - cpu;
  double flops = 3.0 * vt_net_get_forward_flops (net);
  double sgemm_end = sgemm_gflops (2048, 2048, 2048, 5);
  if (sgemm_end > sgemm)
    sgemm = sgemm_end;
  fprintf (out, "sgemm_gflops_end: %.1f\n", sgemm_end);
  fprintf (out, "sgemm_gflops: %.1f\n", sgemm);
  o->unet_step_ms = best * 1e3;
  fprintf (out, "unet_step_gflop: %.2f\n", flops / 1e9);
  fprintf (out, "unet_step_ms: %.1f\n", best * 1e3);
  fprintf (out, "unet_step_mean_ms: %.1f\n", total / steps * 1e3);
  /* CPU time of all threads per step: when the machine is shared, wall time
   * says little, but cpu / wall shows how well the cores were used. */
  fprintf (out, "unet_step_cpu_ms: %.1f\n", cpu / steps * 1e3);
  fprintf (out, "unet_step_vs_sgemm: %.2f\n", flops / best / 1e9 / sgemm);
  fflush (out);
  vt_net_free (net);
  return VT_STATUS_OK;
}
