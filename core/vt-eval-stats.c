/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-eval-stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double
vt_eval_nsdr (double sdr_estimate, double sdr_mixture)
{
  return sdr_estimate - sdr_mixture;
}

VtStatus
vt_eval_mean (const double *values, size_t n, double *result, size_t *n_used, VtError *error)
{
  double sum = 0;
  size_t used = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan (values[i]))
      {
        sum += values[i];
        used++;
      }
  if (n_used != NULL)
    *n_used = used;
  if (used == 0)
    {
      *result = NAN;
      return vt_error_set (error, VT_STATUS_BAD_DATA,
                           "no value to average (%zu given, all missing)", n);
    }
  *result = sum / (double) used;
  return VT_STATUS_OK;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

VtStatus
vt_eval_median (const double *values, size_t n, double *result, size_t *n_used, VtError *error)
{
  *result = NAN;
  if (n_used != NULL)
    *n_used = 0;
  double *kept = malloc ((n ? n : 1) * sizeof *kept);
  if (kept == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for a median of %zu values",
                         n);
  size_t used = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan (values[i]))
      kept[used++] = values[i];
  if (n_used != NULL)
    *n_used = used;
  if (used == 0)
    {
      free (kept);
      return vt_error_set (error, VT_STATUS_BAD_DATA,
                           "no value to take the median of (%zu given, all missing)", n);
    }
  qsort (kept, used, sizeof *kept, compare_doubles);
  if (used % 2 == 1)
    *result = kept[used / 2];
  else
    *result = (kept[used / 2 - 1] + kept[used / 2]) / 2.0;
  free (kept);
  return VT_STATUS_OK;
}

VtStatus
vt_eval_weighted_mean (const double *values, const double *weights, size_t n, double *result,
                       VtError *error)
{
  *result = NAN;
  double sum = 0, total_weight = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (!isfinite (weights[i]) || weights[i] < 0)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "weight %zu is %g; weights must be finite and >= 0", i, weights[i]);
      if (isnan (values[i]))
        continue;
      sum += weights[i] * values[i];
      total_weight += weights[i];
    }
  if (total_weight == 0)
    return vt_error_set (error, VT_STATUS_BAD_DATA,
                         "no weighted value to average (%zu given)", n);
  *result = sum / total_weight;
  return VT_STATUS_OK;
}

VtStatus
vt_eval_global_scores (const VtClipSeparationScores *clips, size_t n,
                       VtGlobalSeparationScores *global, VtError *error)
{
  global->gnsdr = global->gsir = global->gsar = global->gsdr = NAN;
  global->total_length = 0;
  global->n_clips = n;
  if (n == 0)
    return vt_error_set (error, VT_STATUS_BAD_DATA, "no clip to average over");

  double sums[4] = { 0 }, weights[4] = { 0 };
  for (size_t i = 0; i < n; i++)
    {
      double length = clips[i].length;
      if (!isfinite (length) || length <= 0)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "clip %zu has length %g; lengths must be positive", i, length);
      global->total_length += length;
      double values[4] = {
        vt_eval_nsdr (clips[i].sdr, clips[i].sdr_mixture),
        clips[i].sir,
        clips[i].sar,
        clips[i].sdr,
      };
      for (int k = 0; k < 4; k++)
        if (!isnan (values[k]))
          {
            sums[k] += length * values[k];
            weights[k] += length;
          }
    }
  double *outputs[4] = { &global->gnsdr, &global->gsir, &global->gsar, &global->gsdr };
  for (int k = 0; k < 4; k++)
    *outputs[k] = weights[k] > 0 ? sums[k] / weights[k] : NAN;
  if (weights[0] == 0)
    return vt_error_set (error, VT_STATUS_BAD_DATA, "no clip has an NSDR (all %zu missing)", n);
  return VT_STATUS_OK;
}

typedef struct
{
  float score;
  uint8_t label;
} ScoredFrame;

static int
compare_scored_frames (const void *a, const void *b)
{
  float x = ((const ScoredFrame *) a)->score, y = ((const ScoredFrame *) b)->score;
  return (x > y) - (x < y);
}

VtStatus
vt_eval_auroc (const float *scores, const uint8_t *labels, size_t n, double *auc,
               VtError *error)
{
  *auc = NAN;
  size_t positives = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (labels[i] > 1)
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                             "label %zu is %u; labels must be 0 or 1", i, labels[i]);
      if (isnan (scores[i]))
        return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "score %zu is NaN", i);
      positives += labels[i];
    }
  size_t negatives = n - positives;
  if (positives == 0 || negatives == 0)
    return vt_error_set (error, VT_STATUS_BAD_DATA,
                         "AU-ROC is undefined: all %zu frames are %s", n,
                         positives == 0 ? "negative (0)" : "positive (1)");

  ScoredFrame *frames = malloc (n * sizeof *frames);
  if (frames == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for AU-ROC of %zu frames",
                         n);
  for (size_t i = 0; i < n; i++)
    {
      frames[i].score = scores[i];
      frames[i].label = labels[i];
    }
  qsort (frames, n, sizeof *frames, compare_scored_frames);

  /* For each positive, the negatives scored below it count 1 and those tied
   * with it 1/2 (the Mann-Whitney U of the positives). Counted in halves so
   * that the sum stays an exact integer. */
  double half_wins = 0;
  size_t negatives_below = 0;
  for (size_t start = 0; start < n;)
    {
      size_t end = start, tied_positives = 0, tied_negatives = 0;
      while (end < n && frames[end].score == frames[start].score)
        {
          if (frames[end].label)
            tied_positives++;
          else
            tied_negatives++;
          end++;
        }
      half_wins += (double) tied_positives * (2.0 * (double) negatives_below
                                              + (double) tied_negatives);
      negatives_below += tied_negatives;
      start = end;
    }
  free (frames);
  *auc = half_wins / (2.0 * (double) positives * (double) negatives);
  return VT_STATUS_OK;
}

VtStatus
vt_eval_rms_nonvocal (const float *signal, int64_t n_frames, int channels,
                      const uint8_t *vocal_labels, int64_t n_labels, int64_t hop,
                      int64_t first_centre, VtNonVocalRms *result, VtError *error)
{
  result->rms = NAN;
  result->rms_dbfs = NAN;
  result->n_samples = 0;
  if (channels < 1 || n_frames < 0 || n_labels < 0 || hop < 1)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "RMS needs >= 1 channel, a hop >= 1 and non-negative lengths "
                         "(got %d channels, hop %lld)", channels, (long long) hop);

  double sum_squares = 0;
  int64_t counted = 0;
  for (int64_t i = 0; i < n_labels; i++)
    {
      if (vocal_labels[i] != 0)
        continue;
      int64_t start = first_centre + i * hop - hop / 2;
      int64_t end = start + hop;
      if (start < 0)
        start = 0;
      if (end > n_frames)
        end = n_frames;
      for (int64_t t = start; t < end; t++)
        for (int c = 0; c < channels; c++)
          {
            double x = signal[t * channels + c];
            sum_squares += x * x;
          }
      if (end > start)
        counted += end - start;
    }
  result->n_samples = counted;
  if (counted == 0)
    return vt_error_set (error, VT_STATUS_BAD_DATA,
                         "no non-vocal frame inside the signal to measure the RMS of");
  result->rms = sqrt (sum_squares / ((double) counted * channels));
  result->rms_dbfs = 20.0 * log10 (result->rms);
  return VT_STATUS_OK;
}
