/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-eval-stats: the small statistics that turn per-clip measures into the
 * figures the papers report.
 *
 *  - NSDR = SDR(estimate) - SDR(mixture), and GNSDR / GSIR / GSAR: means over
 *    clips weighted by clip length (Huang et al., ISMIR 2014, on MIR-1K). The
 *    BSS Eval numbers themselves come from vt-bss-eval.
 *  - Mean and median that skip NaN (numpy's nanmean / nanmedian).
 *  - AU-ROC of per-frame vocal-activity scores against 0/1 labels, ties
 *    counted half as in the Mann-Whitney statistic (= sklearn's
 *    roc_auc_score).
 *  - RMS of a signal (the vocal estimate) over the frames labelled non-vocal
 *    (Stoller et al., "Jointly detecting and separating singing voice").
 *
 * A figure that does not exist (no values, one class only, no non-vocal
 * frame) comes back as NaN together with a status and a message, never as a
 * made-up 0. Ownership: the caller owns all arrays. Thread rules: no shared
 * state; all functions are reentrant.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vt-status.h"

/* One clip's BSS Eval figures for the source of interest. */
typedef struct
{
  double sdr;         /* SDR of the estimate, dB */
  double sdr_mixture; /* SDR of the unprocessed mixture as the estimate, dB */
  double sir;         /* dB */
  double sar;         /* dB */
  double length;      /* weight: samples or seconds, > 0 */
} VtClipSeparationScores;

typedef struct
{
  double gnsdr; /* length-weighted mean of NSDR */
  double gsir;
  double gsar;
  double gsdr; /* length-weighted mean of SDR(estimate) */
  double total_length;
  size_t n_clips;
} VtGlobalSeparationScores;

/* RMS over the non-vocal frames of a signal. */
typedef struct
{
  double rms;      /* linear, full scale = 1 */
  double rms_dbfs; /* 20 log10 (rms): a full-scale square wave is 0 dBFS,
                    * a full-scale sine -3.01; -inf for digital silence */
  int64_t n_samples; /* samples per channel that were counted */
} VtNonVocalRms;

/* SDR(estimate) - SDR(mixture). */
double vt_eval_nsdr (double sdr_estimate, double sdr_mixture);

/* Mean / median of the non-NaN values. *n_used (may be NULL) receives how
 * many counted. With none: *result = NaN and VT_STATUS_BAD_DATA. The median
 * of an even count is the mean of the two middle values. */
VtStatus vt_eval_mean (const double *values, size_t n, double *result, size_t *n_used,
                       VtError *error);
VtStatus vt_eval_median (const double *values, size_t n, double *result, size_t *n_used,
                         VtError *error);

/* sum w_i x_i / sum w_i over the i whose x_i is not NaN. Weights must be
 * finite and >= 0 (VT_STATUS_BAD_ARGUMENT otherwise); NaN and
 * VT_STATUS_BAD_DATA when no weight is left. */
VtStatus vt_eval_weighted_mean (const double *values, const double *weights, size_t n,
                                double *result, VtError *error);

/* GNSDR, GSIR, GSAR (and GSDR) over n clips, each weighted by its length.
 * Each measure skips the clips where it is NaN; lengths must be > 0. */
VtStatus vt_eval_global_scores (const VtClipSeparationScores *clips, size_t n,
                                VtGlobalSeparationScores *global, VtError *error);

/* Area under the ROC curve of scores (higher = more likely vocal) against
 * labels (0 or 1), n frames. Ties between a positive and a negative count
 * 1/2. Labels other than 0/1 or NaN scores: VT_STATUS_BAD_ARGUMENT. Only one
 * class present: *auc = NaN and VT_STATUS_BAD_DATA (the area is undefined).
 * Allocates n pairs. */
VtStatus vt_eval_auroc (const float *scores, const uint8_t *labels, size_t n, double *auc,
                        VtError *error);

/* RMS of signal (n_frames frames of `channels` interleaved samples) over the
 * samples whose label says non-vocal (vocal_labels[i] == 0). Label i covers
 * the `hop` samples centred on first_centre + i * hop, i.e.
 * [c - hop / 2, c - hop / 2 + hop); samples outside every label's span (or
 * beyond the signal) are not counted. MIR-1K's labels: hop 320,
 * first_centre 320 at 16 kHz; the STFT's frames: first_centre 0. No
 * non-vocal sample: NaN values, n_samples 0 and VT_STATUS_BAD_DATA. */
VtStatus vt_eval_rms_nonvocal (const float *signal, int64_t n_frames, int channels,
                               const uint8_t *vocal_labels, int64_t n_labels, int64_t hop,
                               int64_t first_centre, VtNonVocalRms *result, VtError *error);
