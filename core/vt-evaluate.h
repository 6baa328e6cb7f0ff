/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-evaluate: the numbers in the README's results table. Runs a model on
 * the clips of a dataset split and scores separation (BSS Eval v3 per clip
 * for MIR-1K with GNSDR/GSIR/GSAR as Huang et al.; v4 medians over 1 s
 * windows for MUSDB as SiSEC), pitch (mir_eval.melody measures against
 * MIR-1K's labels), and vocal activity (AU-ROC, RMS of the vocal estimate in
 * non-vocal frames).
 *
 * Ownership: VtEvalResult is caller-owned (init/clear). One thread.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "vt-dataset.h"
#include "vt-mask-apply.h"
#include "vt-model.h"
#include "vt-progress.h"

typedef struct
{
  char name[VT_CLIP_NAME_SIZE];
  double seconds;
  double sdr, sir, sar, nsdr; /* vocals */
  double acc_sdr;             /* accompaniment */
  double rpa, rca, oa, vr, vfa; /* NaN for clips without pitch labels */
  double auroc;               /* NaN when the clip is all one class */
  double nonvocal_rms_db;
} VtClipEval;

typedef struct
{
  int n_clips;
  VtClipEval *clips;
  /* over clips */
  double gnsdr, gsir, gsar;
  double mean_sdr, median_sdr, mean_sir, median_sir, mean_sar, median_sar;
  double acc_median_sdr;
  double rpa, rca, oa, vr, vfa; /* means over clips with labels */
  double auroc;                 /* over all frames pooled */
  double nonvocal_rms_db;       /* mean over clips */
} VtEvalResult;

typedef struct
{
  VtDatasetKind kind;
  VtSplit split;
  const char *clips;   /* comma-separated names to keep, or NULL */
  int every;           /* keep every n-th clip of the split (1 = all) */
  VtHighBand high_band;
  bool oracle_f0;      /* condition the mask on the true pitch (MIR-1K) */
  void (*log) (const char *line, void *user_data);
  void *log_user_data;
} VtEvalOptions;

void vt_eval_result_init (VtEvalResult *result);
void vt_eval_result_clear (VtEvalResult *result);

VtStatus vt_evaluate (VtModel *model, const char *dataset_root, const VtEvalOptions *options,
                      VtEvalResult *result, VtError *error);

/* Fills result's figures over its n_clips clips (means and medians of the
 * finite per-clip values; GNSDR/GSIR/GSAR for the MIR-1K protocol) and the
 * AU-ROC of the pooled per-frame activity scores against their labels. */
VtStatus vt_eval_result_summarise (VtEvalResult *result, bool mir1k_protocol,
                                   const float *activity_scores, const uint8_t *activity_labels,
                                   int64_t n_activity, VtError *error);

/* Scores one separated clip (mono, 16 kHz): used by vt_evaluate and by the
 * human-in-the-loop simulations. vocal_labels (may be NULL) are per
 * analysis frame. */
VtStatus vt_evaluate_separation (const float *vocals, const float *accompaniment,
                                 const float *vocals_estimate,
                                 const float *accompaniment_estimate, int64_t n_samples,
                                 bool mir1k_protocol, VtClipEval *clip, VtError *error);
