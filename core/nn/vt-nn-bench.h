/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-nn-bench: how fast the nn engine trains, as a fraction of this
 * machine's matrix-multiply rate measured in the same run.
 *
 * Prints `name: value` lines to out (scripts read them): sgemm_gflops, then
 * per U-Net-sized layer conv forward+backward as a fraction of sgemm, then
 * a whole U-Net training step (Jansson et al., batch 8, input 1x512x128:
 * forward, backward, Adam) as unet_step_ms and unet_step_vs_sgemm. Runs on
 * the calling thread plus OpenBLAS's threads (OPENBLAS_NUM_THREADS); takes
 * about half a minute. Not for use while the editor works.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "vt-status.h"

typedef struct
{
  int batch;       /* 8 */
  int height;      /* 512 (frequency bins) */
  int width;       /* 128 (frames) */
  int steps;       /* timed U-Net steps, best taken (5) */
  bool layers;     /* also time single layers */
  double unet_step_ms; /* out: best step time */
} VtNnBenchOptions;

void vt_nn_bench_options_init (VtNnBenchOptions *options);
VtStatus vt_nn_bench_run (FILE *out, VtNnBenchOptions *options, VtError *error);
