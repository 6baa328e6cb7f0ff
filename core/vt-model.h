/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-model: Voxtrace's separation model, a pair of U-Nets on the analysis
 * grid of vt-features (16 kHz, 20 ms frames, 512 bins):
 *
 *  - the F0 network: log-magnitude spectrogram -> per-frame posterior over
 *    the VT_F0_CLASSES pitch classes of vt-f0 (20-cent bins + unvoiced),
 *    decoded by Viterbi into a trajectory with a confidence;
 *  - the mask network: log-magnitude spectrogram + a harmonic map rendered
 *    from the F0 trajectory -> a soft vocal mask, plus a per-frame vocal
 *    activity (multi-task). Conditioning on F0 is what lets a pitch
 *    correction change the separation at once.
 *
 * Both are Jansson et al.'s U-Net: 6 strided 5x5 convolutions down (batch
 * norm, leaky ReLU 0.2), 6 transposed convolutions up with skip connections
 * (batch norm, ReLU, dropout 0.5 in the first three), then a head. The
 * builders return the nodes a trainer or an inference run needs.
 *
 * Songs of any length are processed in windows of VT_MODEL_WINDOW frames
 * that overlap by VT_MODEL_CONTEXT frames on each side; only the centre of
 * each window is kept, so there are no seams and memory is bounded.
 *
 * Ownership: a VtModel owns its two networks; callers own all arrays.
 * Threads: one VtModel per thread at a time (the editor's worker owns one;
 * vt_model_dup makes the copy that adaptation fine-tunes).
 */
#pragma once

#include <stdint.h>

#include "vt-net.h"
#include "vt-progress.h"
#include "vt-status.h"

#define VT_MODEL_DEPTH 6
/* The shipped networks' first-layer width (8, 16, ... 256 channels down the
 * levels): half of Jansson et al.'s 16, a quarter of the work, so that
 * training fits in an hour on two cores and separation runs far faster
 * than real time. Weights files of other widths do not load. */
#define VT_MODEL_BASE_CHANNELS 8
#define VT_MODEL_WINDOW 256
#define VT_MODEL_CONTEXT 32
#define VT_MODEL_MASK_BINS 513 /* the mask covers bins 0..512; 512 repeats 511 */

typedef struct
{
  VtNode spectrogram; /* input N x 1 x 512 x T: log (1 + |X|) */
  VtNode logits;      /* N x VT_F0_CLASSES x 1 x T */
  VtNode target;      /* input, same shape: target distribution */
  VtNode weight;      /* input N x 1 x 1 x T: which frames count */
  VtNode loss;        /* cross-entropy */
} VtF0NetNodes;

typedef struct
{
  VtNode spectrogram;     /* input N x 1 x 512 x T: log (1 + |X|) */
  VtNode harmonics;       /* input N x 1 x 512 x T: the harmonic map of the F0 */
  VtNode mask;            /* N x 1 x 512 x T, in [0, 1] */
  VtNode activity_logits; /* N x 1 x 1 x T */
  VtNode mixture;         /* input N x 1 x 512 x T: |X| of the mixture */
  VtNode vocals;          /* input N x 1 x 512 x T: |X| of the true vocals */
  VtNode mask_weight;     /* input N x 1 x 512 x T: which cells count (1 = all) */
  VtNode activity_target; /* input N x 1 x 1 x T: 1 = voice present */
  VtNode activity_weight; /* input N x 1 x 1 x T */
  VtNode mask_loss;       /* L1 between mask * mixture and vocals */
  VtNode activity_loss;   /* BCE */
} VtMaskNetNodes;

typedef struct
{
  int base_channels; /* channels of the first layer, doubling per level (VT_MODEL_BASE_CHANNELS) */
  bool with_losses;  /* add targets and losses (training, adaptation) */
} VtModelConfig;

VtNet *vt_model_build_f0_net (int batch, int frames, const VtModelConfig *config, uint64_t seed,
                              VtF0NetNodes *nodes, VtError *error);
VtNet *vt_model_build_mask_net (int batch, int frames, const VtModelConfig *config,
                                uint64_t seed, VtMaskNetNodes *nodes, VtError *error);

typedef struct VtModel VtModel;

/* Loads the two networks' weights files (vt-weights format). */
VtModel *vt_model_load_files (const char *f0_path, const char *mask_path, VtError *error);
VtModel *vt_model_load_memory (const void *f0_data, size_t f0_size, const void *mask_data,
                               size_t mask_size, VtError *error);
/* An independent copy with the same weights (adaptation fine-tunes copies;
 * the shipped weights are never modified). */
VtModel *vt_model_dup (VtModel *model, VtError *error);
void vt_model_free (VtModel *model);

/* Borrowed networks (batch 1 x VT_MODEL_WINDOW inference shape). */
VtNet *vt_model_get_f0_net (VtModel *model);
VtNet *vt_model_get_mask_net (VtModel *model);

/* log (1 + |X|) of the analysis STFT of mono (16 kHz) into *log_magnitude
 * (frames x 512, malloc'd) and, if magnitude is not NULL, |X| likewise. */
VtStatus vt_model_spectrogram (const float *mono, int64_t n_samples, float **log_magnitude,
                               float **magnitude, int64_t *frames, VtError *error);

/* F0 posterior (frames x VT_F0_CLASSES, optional), trajectory in Hz
 * (0 = unvoiced) and confidence per frame. */
VtStatus vt_model_estimate_f0 (VtModel *model, const float *log_magnitude, int64_t frames,
                               float *posterior, float *hz, float *confidence,
                               const VtProgress *progress, VtError *error);

/* Vocal mask (frames x VT_MODEL_MASK_BINS) and activity probability per
 * frame (optional) given the spectrogram and an F0 trajectory. */
VtStatus vt_model_estimate_mask (VtModel *model, const float *log_magnitude,
                                 const float *f0_hz, const float *f0_confidence, int64_t frames,
                                 float *mask, float *activity, const VtProgress *progress,
                                 VtError *error);
