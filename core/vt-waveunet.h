/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-waveunet: Stoller, Ewert and Dixon's Wave-U-Net, a U-Net on the
 * waveform itself (no STFT), mono at the analysis rate (16 kHz).
 *
 *   down block i = 1..L : conv1d (F*i channels, kernel Kd, 'valid'),
 *                         leaky ReLU 0.2, keep as skip, decimate (keep
 *                         every other sample)
 *   bottom               : conv1d (F*(L+1), Kd, valid), leaky ReLU
 *   up block i = L..1   : learned upsampling
 *                         f(t+1/2) = sigmoid (w) f(t) + (1 - sigmoid (w)) f(t+1),
 *                         concat with the skip cropped to its centre,
 *                         conv1d (F*i, Ku, valid), leaky ReLU
 *   output               : concat with the cropped mixture, conv1d (1, 1), tanh
 *                         = vocals; accompaniment = mixture - vocals (the
 *                         difference output layer: the stems add up to the
 *                         mixture, and with exact references the
 *                         accompaniment's error is the vocals' error, so the
 *                         loss is the MSE of the vocals).
 * No zero padding: the network sees input_samples and predicts only the
 * centre output_samples of them (context-aware), so a song is separated in
 * windows whose outputs tile it exactly with no seams. The paper's
 * configuration is L = 12, F = 24, Kd = 15, Ku = 5 (at 22.05 kHz).
 *
 * Stereo (the paper's M6) would take a 2-channel mixture into the first
 * convolution and give 2 output channels per source; only the channel
 * counts of the first and last layers change. Mono is what the data and
 * the analysis use here.
 *
 * Ownership: a VtWaveUnet owns its network; callers own all arrays.
 * Threads: one VtWaveUnet per thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "vt-net.h"
#include "vt-progress.h"
#include "vt-status.h"

typedef struct
{
  int layers;         /* L */
  int filters;        /* F: extra channels per level */
  int down_kernel;    /* Kd */
  int up_kernel;      /* Ku */
  int output_samples; /* at least this many centre samples per window */
  bool with_losses;
} VtWaveUnetConfig;

void vt_waveunet_config_default (VtWaveUnetConfig *config);

/* The smallest input for which every crop is centred exactly and the
 * output holds at least config->output_samples; *output_samples receives
 * the output size. Returns 0 when no such size exists (bad config). */
int vt_waveunet_input_samples (const VtWaveUnetConfig *config, int *output_samples);

typedef struct
{
  VtNode mixture;         /* input N x 1 x 1 x input_samples */
  VtNode vocals_estimate; /* N x 1 x 1 x output_samples, in (-1, 1) */
  VtNode vocals;          /* input (with_losses): the true vocals, centre */
  VtNode loss;            /* MSE */
  int input_samples, output_samples;
} VtWaveUnetNodes;

VtNet *vt_waveunet_build (int batch, const VtWaveUnetConfig *config, uint64_t seed,
                          VtWaveUnetNodes *nodes, VtError *error);

typedef struct VtWaveUnet VtWaveUnet;

/* The configuration is read from the file's tensor shapes. */
VtWaveUnet *vt_waveunet_load_file (const char *path, VtError *error);
VtWaveUnet *vt_waveunet_load_memory (const void *data, size_t size, VtError *error);
VtWaveUnet *vt_waveunet_new (const VtWaveUnetConfig *config, uint64_t seed, VtError *error);
void vt_waveunet_free (VtWaveUnet *unet);
VtNet *vt_waveunet_get_net (VtWaveUnet *unet);
const VtWaveUnetNodes *vt_waveunet_get_nodes (const VtWaveUnet *unet);

/* Separates a mono 16 kHz signal: vocals and accompaniment (either may be
 * NULL) of n_samples each; accompaniment = mixture - vocals. */
VtStatus vt_waveunet_separate (VtWaveUnet *unet, const float *mixture, int64_t n_samples,
                               float *vocals, float *accompaniment, const VtProgress *progress,
                               VtError *error);
