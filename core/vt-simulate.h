/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-simulate: the human-in-the-loop experiments of Nakano et al. and Gupta
 * et al. with simulated users, on clips with ground truth (the models' dev
 * split), driving the same vt-session as the editor.
 *
 *  - F0: the user fixes the k worst wrong-pitch segments (judged against the
 *    true pitch); raw pitch accuracy on the frames NOT corrected and vocal
 *    SDR before, right after the correction (immediate effect) and after
 *    adaptation.
 *  - Silence: the user marks the true non-vocal regions where the estimated
 *    vocals still carry energy; gating only, zero-vocal targets, synthetic
 *    tracks and both, each with and without replay; SDR and non-vocal RMS.
 *  - Continual: the adapted model is carried from clip to clip; SDR of
 *    earlier clips after later adaptations (forgetting), with and without
 *    replay and the pull towards the base weights.
 *
 * Results are conditions with `before` and `after` figures, printed as a
 * table and written as JSON by the command line. One thread.
 */
#pragma once

#include <stdio.h>

#include "vt-dataset.h"
#include "vt-model.h"
#include "vt-session.h"

typedef enum
{
  VT_SIMULATE_F0,
  VT_SIMULATE_SILENCE,
  VT_SIMULATE_CONTINUAL,
} VtSimulateKind;

typedef struct
{
  double mean_sdr, median_sdr;
  double rpa_uncorrected; /* F0 experiment */
  double nonvocal_rms_db; /* silence experiments */
} VtSimFigures;

typedef struct
{
  char name[64];
  VtSimFigures before, immediate, after;
  double corrected_fraction; /* of voiced frames (F0) or of frames (silence) */
  double adapt_seconds;      /* mean per clip */
} VtSimCondition;

typedef struct
{
  VtSimulateKind kind;
  int n_clips;
  int n_conditions;
  VtSimCondition conditions[16];
} VtSimResult;

typedef struct
{
  VtSimulateKind kind;
  VtDatasetKind dataset;
  const char *clips; /* comma-separated names, or NULL: every `every`-th dev clip */
  int every;
  int max_clips;
  VtAdaptParams adapt;
  void (*log) (const char *line, void *user_data);
  void *log_user_data;
} VtSimulateOptions;

VtStatus vt_simulate (VtModel *model, const char *dataset_root, const VtSimulateOptions *options,
                      VtSimResult *result, VtError *error);

/* Writes result as JSON: {"experiment": ..., "clips": n, "conditions": [{"name": ...,
 * "before": {...}, "immediate": {...}, "after": {...}}]}. */
VtStatus vt_sim_result_write_json (const VtSimResult *result, FILE *out);
