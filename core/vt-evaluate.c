/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-evaluate.h"
#include "vt-log.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-bss-eval.h"
#include "vt-eval-stats.h"
#include "vt-features.h"
#include "vt-melody-eval.h"
#include "vt-separator.h"

void
vt_eval_result_init (VtEvalResult *result)
{
  memset (result, 0, sizeof *result);
}

void
vt_eval_result_clear (VtEvalResult *result)
{
  free (result->clips);
  vt_eval_result_init (result);
}

static void
say (const VtEvalOptions *options, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  vt_log_vprintf (options->log, options->log_user_data, format, args);
  va_end (args);
}

/* SDR/SIR/SAR of [vocals, accompaniment] estimates. MIR-1K: BSS Eval v3 on
 * the whole clip (and NSDR against the mixture); MUSDB: v4 medians over
 * 1 s windows. */
VtStatus
vt_evaluate_separation (const float *vocals, const float *accompaniment,
                        const float *vocals_estimate, const float *accompaniment_estimate,
                        int64_t n_samples, bool mir1k_protocol, VtClipEval *clip,
                        VtError *error)
{
  VtBssEval *bss = vt_bss_eval_new ();
  if (bss == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  const float *references[2] = { vocals, accompaniment };
  const float *estimates[2] = { vocals_estimate, accompaniment_estimate };
  VtBssSignals signals = { 2, 1, n_samples, references, estimates };
  VtStatus status;
  if (mir1k_protocol)
    {
      double sdr[2], sir[2], sar[2], isr[2];
      int permutation[2];
      VtBssScores scores = { sdr, isr, sir, sar, permutation };
      status = vt_bss_eval_sources (bss, &signals, false, &scores, error);
      if (status == VT_STATUS_OK)
        {
          clip->sdr = sdr[0];
          clip->sir = sir[0];
          clip->sar = sar[0];
          clip->acc_sdr = sdr[1];
          float *mixture = malloc (sizeof (float) * (size_t) n_samples);
          if (mixture == NULL)
            status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
          else
            {
              for (int64_t i = 0; i < n_samples; i++)
                mixture[i] = vocals[i] + accompaniment[i];
              const float *mixtures[2] = { mixture, mixture };
              VtBssSignals unprocessed = { 2, 1, n_samples, references, mixtures };
              status = vt_bss_eval_sources (bss, &unprocessed, false, &scores, error);
              if (status == VT_STATUS_OK)
                clip->nsdr = vt_eval_nsdr (clip->sdr, sdr[0]);
              free (mixture);
            }
        }
    }
  else
    {
      int64_t windows = vt_bss_eval_v4_window_count (n_samples, VT_FEATURES_RATE,
                                                     VT_FEATURES_RATE);
      double *values = calloc ((size_t) (8 * windows + 8), sizeof (double));
      if (values == NULL)
        status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      else
        {
          /* v4 scores are [source][window]. */
          VtBssScores scores = { values, values + 2 * windows, values + 4 * windows,
                                 values + 6 * windows, NULL };
          status = vt_bss_eval_v4 (bss, &signals, VT_FEATURES_RATE, VT_FEATURES_RATE, &scores,
                                   error);
          if (status == VT_STATUS_OK)
            {
              clip->sdr = vt_bss_eval_nan_median (scores.sdr, windows);
              clip->sir = vt_bss_eval_nan_median (scores.sir, windows);
              clip->sar = vt_bss_eval_nan_median (scores.sar, windows);
              clip->acc_sdr = vt_bss_eval_nan_median (scores.sdr + windows, windows);
              clip->nsdr = NAN;
            }
          free (values);
        }
    }
  vt_bss_eval_free (bss);
  return status;
}

static bool
wanted (const VtClip *clip, const VtEvalOptions *options)
{
  if (options->clips == NULL || options->clips[0] == '\0')
    return true;
  size_t length = strlen (clip->name);
  for (const char *p = options->clips; (p = strstr (p, clip->name)) != NULL; p += length)
    if ((p == options->clips || p[-1] == ',') && (p[length] == ',' || p[length] == '\0'))
      return true;
  return false;
}

/* Separates one clip and scores it. */
static VtStatus
evaluate_clip (VtModel *model, const VtDataset *dataset, int index, const VtEvalOptions *options,
               VtMaskApplier *applier, VtClipEval *clip, float **activity_scores,
               uint8_t **activity_labels, int64_t *n_activity, VtError *error)
{
  VtClipAudio audio;
  vt_clip_audio_init (&audio);
  VtSongAnalysis analysis;
  vt_song_analysis_init (&analysis);
  float *mixture = NULL, *padded = NULL, *vocals_estimate = NULL, *acc_estimate = NULL;
  float *log_magnitude = NULL;
  VtStatus status = vt_dataset_load_clip (dataset, index, &audio, error);
  if (status != VT_STATUS_OK)
    return status;
  const int64_t n = audio.n_samples;
  const int64_t pad = vt_mask_applier_get_padding (applier);
  mixture = malloc (sizeof (float) * (size_t) n);
  padded = calloc ((size_t) (n + 2 * pad), sizeof (float));
  vocals_estimate = malloc (sizeof (float) * (size_t) n);
  acc_estimate = malloc (sizeof (float) * (size_t) n);
  if (!mixture || !padded || !vocals_estimate || !acc_estimate)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  for (int64_t i = 0; i < n; i++)
    mixture[i] = padded[pad + i] = audio.vocals[i] + audio.accompaniment[i];

  if ((status = vt_separator_analyse (model, mixture, n, &analysis, NULL, error)) != VT_STATUS_OK)
    goto done;
  if (options->oracle_f0 && audio.f0_hz)
    {
      int64_t frames = 0;
      memcpy (analysis.f0_hz, audio.f0_hz, sizeof (float) * (size_t) analysis.frames);
      for (int64_t t = 0; t < analysis.frames; t++)
        analysis.f0_confidence[t] = 1.0f;
      if ((status = vt_model_spectrogram (mixture, n, &log_magnitude, NULL, &frames, error))
            != VT_STATUS_OK
          || (status = vt_separator_remask (model, log_magnitude, &analysis, NULL, error))
               != VT_STATUS_OK)
        goto done;
    }
  VtMaskGrid grid = vt_song_analysis_mask_grid (&analysis, options->high_band);
  if ((status = vt_mask_applier_process (applier, &grid, padded, 0, n, vocals_estimate,
                                         acc_estimate)) != VT_STATUS_OK)
    {
      vt_error_set (error, status, "applying the mask failed");
      goto done;
    }
  snprintf (clip->name, sizeof clip->name, "%s", dataset->clips[index].name);
  clip->seconds = (double) n / VT_FEATURES_RATE;
  status = vt_evaluate_separation (audio.vocals, audio.accompaniment, vocals_estimate,
                                   acc_estimate, n, dataset->kind == VT_DATASET_MIR1K, clip,
                                   error);
  if (status != VT_STATUS_OK)
    goto done;

  /* Vocal activity: MIR-1K's labels, or the vocals stem's level (MUSDB). */
  uint8_t *labels = malloc ((size_t) analysis.frames);
  float *reference_activity = audio.vocal_activity;
  float *computed = NULL;
  if (labels == NULL)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  if (reference_activity == NULL)
    {
      computed = malloc (sizeof (float) * (size_t) analysis.frames);
      float *vocal_log = NULL, *vocal_magnitude = NULL;
      int64_t frames = 0;
      if (computed == NULL
          || vt_model_spectrogram (audio.vocals, n, &vocal_log, &vocal_magnitude, &frames, NULL)
               != VT_STATUS_OK)
        {
          free (computed);
          free (labels);
          status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
          goto done;
        }
      /* The activity rule reads complex spectra; give it |X| as re, 0 as im. */
      float *complex_spectrum = calloc ((size_t) (frames * VT_FEATURES_BINS * 2), sizeof (float));
      if (complex_spectrum)
        {
          for (int64_t i = 0; i < frames * VT_FEATURES_BINS; i++)
            complex_spectrum[2 * i] = vocal_magnitude[i];
          vt_vocal_activity_from_spectrum (complex_spectrum, frames, computed);
        }
      free (complex_spectrum);
      free (vocal_log);
      free (vocal_magnitude);
      reference_activity = computed;
    }
  for (int64_t t = 0; t < analysis.frames; t++)
    labels[t] = reference_activity[t] > 0.5f;
  double auc = NAN;
  vt_eval_auroc (analysis.activity, labels, (size_t) analysis.frames, &auc, NULL);
  clip->auroc = auc;
  VtNonVocalRms rms = { 0 };
  if (vt_eval_rms_nonvocal (vocals_estimate, n, 1, labels, analysis.frames, VT_FEATURES_HOP, 0,
                            &rms, NULL) == VT_STATUS_OK)
    clip->nonvocal_rms_db = rms.rms_dbfs;
  else
    clip->nonvocal_rms_db = NAN;
  /* pooled AU-ROC over all clips */
  float *scores_grown = realloc (*activity_scores,
                                 sizeof (float) * (size_t) (*n_activity + analysis.frames));
  uint8_t *labels_grown = realloc (*activity_labels, (size_t) (*n_activity + analysis.frames));
  if (scores_grown)
    *activity_scores = scores_grown;
  if (labels_grown)
    *activity_labels = labels_grown;
  if (scores_grown && labels_grown)
    {
      memcpy (*activity_scores + *n_activity, analysis.activity,
              sizeof (float) * (size_t) analysis.frames);
      memcpy (*activity_labels + *n_activity, labels, (size_t) analysis.frames);
      *n_activity += analysis.frames;
    }
  free (labels);
  free (computed);

  /* Pitch against MIR-1K's labels (label frame i is at 0.02 i + 0.02 s). */
  clip->rpa = clip->rca = clip->oa = clip->vr = clip->vfa = NAN;
  if (audio.f0_hz && audio.n_label_frames > 0)
    {
      size_t n_ref = (size_t) audio.n_label_frames;
      double *ref_t = malloc (sizeof (double) * n_ref);
      double *ref_hz = malloc (sizeof (double) * n_ref);
      double *est_t = malloc (sizeof (double) * (size_t) analysis.frames);
      double *est_hz = malloc (sizeof (double) * (size_t) analysis.frames);
      if (ref_t && ref_hz && est_t && est_hz)
        {
          for (size_t i = 0; i < n_ref; i++)
            {
              ref_t[i] = vt_features_frame_time ((int64_t) i + VT_FEATURES_MIR1K_FRAME_OFFSET);
              ref_hz[i] = audio.f0_hz[i + VT_FEATURES_MIR1K_FRAME_OFFSET];
            }
          for (int64_t t = 0; t < analysis.frames; t++)
            {
              est_t[t] = vt_features_frame_time (t);
              est_hz[t] = analysis.f0_hz[t];
            }
          VtMelodyFrames frames;
          vt_melody_frames_init (&frames);
          VtMelodyScores scores;
          if (vt_melody_to_cent_voicing (ref_t, ref_hz, n_ref, est_t, est_hz,
                                         (size_t) analysis.frames, NULL, NULL, NULL, &frames,
                                         NULL) == VT_STATUS_OK
              && vt_melody_frames_score (&frames, 50.0, &scores, NULL) == VT_STATUS_OK)
            {
              clip->rpa = scores.raw_pitch_accuracy;
              clip->rca = scores.raw_chroma_accuracy;
              clip->oa = scores.overall_accuracy;
              clip->vr = scores.voicing_recall;
              clip->vfa = scores.voicing_false_alarm;
            }
          vt_melody_frames_clear (&frames);
        }
      free (ref_t);
      free (ref_hz);
      free (est_t);
      free (est_hz);
    }

done:
  free (mixture);
  free (padded);
  free (vocals_estimate);
  free (acc_estimate);
  free (log_magnitude);
  vt_song_analysis_clear (&analysis);
  vt_clip_audio_clear (&audio);
  return status;
}

/* The mean over clips of the finite values of one VtClipEval field (median
 * when asked); NaN when no clip has one. */
static double
over_clips (const VtEvalResult *result, size_t offset, double *values, bool median)
{
  for (int i = 0; i < result->n_clips; i++)
    {
      double v = *(const double *) ((const char *) &result->clips[i] + offset);
      values[i] = isfinite (v) ? v : NAN;
    }
  double out = NAN;
  if (median)
    vt_eval_median (values, (size_t) result->n_clips, &out, NULL, NULL);
  else
    vt_eval_mean (values, (size_t) result->n_clips, &out, NULL, NULL);
  return out;
}

VtStatus
vt_eval_result_summarise (VtEvalResult *result, bool mir1k_protocol,
                          const float *activity_scores, const uint8_t *activity_labels,
                          int64_t n_activity, VtError *error)
{
  size_t n = (size_t) result->n_clips;
  double *values = malloc (sizeof (double) * (n + 1));
  VtClipSeparationScores *separation = malloc (sizeof (VtClipSeparationScores) * (n + 1));
  if (!values || !separation)
    {
      free (values);
      free (separation);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
    }
  const struct
  {
    size_t offset;
    bool median;
    double *target;
  } figures[] = {
    { offsetof (VtClipEval, sdr), false, &result->mean_sdr },
    { offsetof (VtClipEval, sdr), true, &result->median_sdr },
    { offsetof (VtClipEval, sir), false, &result->mean_sir },
    { offsetof (VtClipEval, sir), true, &result->median_sir },
    { offsetof (VtClipEval, sar), false, &result->mean_sar },
    { offsetof (VtClipEval, sar), true, &result->median_sar },
    { offsetof (VtClipEval, acc_sdr), true, &result->acc_median_sdr },
    { offsetof (VtClipEval, rpa), false, &result->rpa },
    { offsetof (VtClipEval, rca), false, &result->rca },
    { offsetof (VtClipEval, oa), false, &result->oa },
    { offsetof (VtClipEval, vr), false, &result->vr },
    { offsetof (VtClipEval, vfa), false, &result->vfa },
    { offsetof (VtClipEval, nonvocal_rms_db), false, &result->nonvocal_rms_db },
  };
  for (size_t f = 0; f < sizeof figures / sizeof figures[0]; f++)
    *figures[f].target = over_clips (result, figures[f].offset, values, figures[f].median);

  result->gnsdr = result->gsir = result->gsar = NAN;
  if (mir1k_protocol)
    {
      for (size_t i = 0; i < n; i++)
        separation[i] = (VtClipSeparationScores) { result->clips[i].sdr,
                                                   result->clips[i].sdr - result->clips[i].nsdr,
                                                   result->clips[i].sir, result->clips[i].sar,
                                                   result->clips[i].seconds };
      VtGlobalSeparationScores global;
      if (vt_eval_global_scores (separation, n, &global, NULL) == VT_STATUS_OK)
        {
          result->gnsdr = global.gnsdr;
          result->gsir = global.gsir;
          result->gsar = global.gsar;
        }
    }
  result->auroc = NAN;
  vt_eval_auroc (activity_scores, activity_labels, (size_t) n_activity, &result->auroc, NULL);
  free (values);
  free (separation);
  return VT_STATUS_OK;
}

VtStatus
vt_evaluate (VtModel *model, const char *dataset_root, const VtEvalOptions *options,
             VtEvalResult *result, VtError *error)
{
  vt_eval_result_clear (result);
  VtDataset dataset;
  vt_dataset_init (&dataset);
  VtStatus status = vt_dataset_open (&dataset, options->kind, dataset_root, error);
  if (status != VT_STATUS_OK)
    return status;
  int *indices = malloc (sizeof (int) * (size_t) (dataset.n_clips + 1));
  VtMaskApplier *applier = vt_mask_applier_new (VT_FEATURES_RATE, 1, error);
  float *activity_scores = NULL;
  uint8_t *activity_labels = NULL;
  int64_t n_activity = 0;
  if (indices == NULL || applier == NULL)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  int n_split = vt_dataset_split (&dataset, options->split, indices);
  int every = options->every > 0 ? options->every : 1;
  result->clips = calloc ((size_t) n_split + 1, sizeof (VtClipEval));
  if (result->clips == NULL)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  for (int k = 0; k < n_split; k += every)
    {
      const VtClip *clip = &dataset.clips[indices[k]];
      if (!wanted (clip, options))
        continue;
      VtClipEval *out = &result->clips[result->n_clips];
      status = evaluate_clip (model, &dataset, indices[k], options, applier, out,
                              &activity_scores, &activity_labels, &n_activity, error);
      if (status != VT_STATUS_OK)
        {
          vt_error_prefix (error, "%s", clip->name);
          goto done;
        }
      result->n_clips++;
      say (options, "%-32s SDR %6.2f  SIR %6.2f  SAR %6.2f  NSDR %6.2f  RPA %5.1f %%  AUC %.3f",
           out->name, out->sdr, out->sir, out->sar, out->nsdr, 100 * out->rpa, out->auroc);
    }
  if (result->n_clips == 0)
    {
      status = vt_error_set (error, VT_STATUS_NOT_FOUND, "no clips to evaluate in %s",
                             dataset_root);
      goto done;
    }

  status = vt_eval_result_summarise (result, dataset.kind == VT_DATASET_MIR1K, activity_scores,
                                     activity_labels, n_activity, error);

done:
  free (activity_scores);
  free (activity_labels);
  free (indices);
  vt_mask_applier_free (applier);
  vt_dataset_clear (&dataset);
  return status;
}
