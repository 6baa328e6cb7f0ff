/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-drnn: the recurrent masking network of Huang, Kim, Hasegawa-Johnson and
 * Smaragdis, "Singing-Voice Separation from Monaural Recordings Using Deep
 * Recurrent Neural Networks" (ISMIR 2014), on Voxtrace's analysis grid
 * (vt-features: 16 kHz, 20 ms frames, 512 bins), so that its mask drops
 * into a VtSongAnalysis and `separate` / `eval` apply it like the U-Net's.
 *
 * The network, per frame t:
 *   input   log (1 + |X|) of frames t - c .. t + c concatenated ((2c+1) x 512)
 *   3 GRU layers of `hidden` units (the paper's recurrent variants; GRU here)
 *   two per-frame dense outputs z1 (vocals), z2 (accompaniment), 512 each
 *   the time-frequency masking layer: y_i = exp (z_i) > 0 and
 *     m = |y1| / (|y1| + |y2|) = softmax (z1, z2)_1,
 *     vocals = m * |X|, accompaniment = (1 - m) * |X|
 *   so the two estimates add up to the mixture exactly;
 * loss: Huang's discriminative objective (vt_net_discriminative_loss)
 *   |v - V|^2 + |a - A|^2 - r (|v - A|^2 + |a - V|^2), per element mean.
 * Parameterising the outputs as exponentials is what makes the masking
 * layer a softmax, which the engine has; it is the same family of masks.
 *
 * A song is processed in windows of VT_DRNN_WINDOW frames; the GRUs start
 * from a zero state, so each window has VT_DRNN_WARMUP frames of warm-up
 * before the frames it keeps (the GRUs run forward in time, so only past
 * context matters beyond the c frames of input context).
 *
 * Ownership: a VtDrnn owns its network; callers own all arrays.
 * Threads: one VtDrnn per thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "vt-net.h"
#include "vt-progress.h"
#include "vt-status.h"

#define VT_DRNN_WINDOW 512
#define VT_DRNN_WARMUP 64

typedef struct
{
  int hidden;  /* GRU units per layer (the paper: 1000) */
  int layers;  /* recurrent layers (the paper: 3) */
  int context; /* neighbouring frames on each side in the input (the paper: 1) */
  float r;     /* weight of the discriminative term (the paper: 0.05) */
  bool with_losses;
} VtDrnnConfig;

void vt_drnn_config_default (VtDrnnConfig *config);

typedef struct
{
  VtNode features;      /* input N x (2c+1)*512 x 1 x T: log (1 + |X|) with context */
  VtNode mixture;       /* input N x 512 x 1 x T: |X| */
  VtNode vocal_mask;    /* N x 512 x 1 x T, in (0, 1) */
  VtNode vocals_estimate;        /* N x 512 x 1 x T */
  VtNode accompaniment_estimate; /* N x 512 x 1 x T */
  VtNode vocals;        /* input (with_losses): |V| */
  VtNode accompaniment; /* input (with_losses): |A| */
  VtNode loss;          /* discriminative MSE */
} VtDrnnNodes;

VtNet *vt_drnn_build (int batch, int frames, const VtDrnnConfig *config, uint64_t seed,
                      VtDrnnNodes *nodes, VtError *error);

/* Writes the input features of frames [start, start + frames) of a
 * frame-major (n_frames x 512) log-magnitude array into one sample of the
 * features input (channel-major, (2c+1)*512 x frames); frames outside
 * [0, n_frames) are zeros. */
void vt_drnn_fill_features (const float *log_magnitude, int64_t n_frames, int64_t start,
                            int frames, int context, float *sample);

typedef struct VtDrnn VtDrnn;

/* Loads a weights file written by the trainer; the configuration (hidden
 * units, layers, context) is read from the tensors' shapes. */
VtDrnn *vt_drnn_load_file (const char *path, VtError *error);
VtDrnn *vt_drnn_load_memory (const void *data, size_t size, VtError *error);
/* A network with fresh weights (tests, training from scratch). */
VtDrnn *vt_drnn_new (const VtDrnnConfig *config, uint64_t seed, VtError *error);
void vt_drnn_free (VtDrnn *drnn);
VtNet *vt_drnn_get_net (VtDrnn *drnn);
const VtDrnnConfig *vt_drnn_get_config (const VtDrnn *drnn);

/* The vocal mask (frames x mask_bins, mask_bins >= 512; bins past 511
 * repeat bin 511) of a whole song from its log (1 + |X|) (frames x 512). */
VtStatus vt_drnn_estimate_mask (VtDrnn *drnn, const float *log_magnitude, int64_t frames,
                                float *mask, int mask_bins, const VtProgress *progress,
                                VtError *error);
