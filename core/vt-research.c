/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-research.h"
#include "vt-log.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-bss-eval.h"
#include "vt-drnn.h"
#include "vt-eval-stats.h"
#include "vt-features.h"
#include "vt-waveunet.h"
#include "vt-weights-info.h"

struct VtSystem
{
  VtSystemKind kind;
  VtDrnn *drnn;
  VtWaveUnet *waveunet;
};

VtSystem *
vt_system_load_memory (const void *data, size_t size, VtError *error)
{
  VtWeightsInfo info;
  vt_weights_info_init (&info);
  if (vt_weights_info_read_memory (&info, data, size, error) != VT_STATUS_OK)
    return NULL;
  VtSystemKind kind = 0;
  if (vt_weights_info_find (&info, "drnn.gru1.weight_ih"))
    kind = VT_SYSTEM_DRNN;
  else if (vt_weights_info_find (&info, "waveunet.down1.weight"))
    kind = VT_SYSTEM_WAVEUNET;
  vt_weights_info_clear (&info);
  if (kind == 0)
    {
      vt_error_set (error, VT_STATUS_BAD_FORMAT,
                    "neither a DRNN nor a Wave-U-Net weights file");
      return NULL;
    }
  VtSystem *system = calloc (1, sizeof *system);
  if (system == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  system->kind = kind;
  if (kind == VT_SYSTEM_DRNN)
    system->drnn = vt_drnn_load_memory (data, size, error);
  else
    system->waveunet = vt_waveunet_load_memory (data, size, error);
  if (system->drnn == NULL && system->waveunet == NULL)
    {
      free (system);
      return NULL;
    }
  return system;
}

VtSystem *
vt_system_load_file (const char *path, VtError *error)
{
  void *data = NULL;
  size_t size = 0;
  if (vt_file_read_all (path, &data, &size, error) != VT_STATUS_OK)
    return NULL;
  VtSystem *system = vt_system_load_memory (data, size, error);
  free (data);
  if (system == NULL)
    vt_error_prefix (error, "%s", path);
  return system;
}

void
vt_system_free (VtSystem *system)
{
  if (system == NULL)
    return;
  vt_drnn_free (system->drnn);
  vt_waveunet_free (system->waveunet);
  free (system);
}

VtSystemKind
vt_system_get_kind (const VtSystem *system)
{
  return system->kind;
}

const char *
vt_system_get_name (const VtSystem *system)
{
  return system->kind == VT_SYSTEM_DRNN ? "drnn" : "waveunet";
}

int64_t
vt_system_get_n_parameters (VtSystem *system)
{
  VtNet *net = system->drnn ? vt_drnn_get_net (system->drnn)
                            : vt_waveunet_get_net (system->waveunet);
  int64_t total = 0;
  for (int i = 0; i < vt_net_get_n_params (net); i++)
    if (vt_net_get_param (net, i)->trainable)
      total += (int64_t) vt_net_get_param (net, i)->size;
  return total;
}

static VtStatus
analysis_alloc (VtSongAnalysis *analysis, int64_t frames)
{
  vt_song_analysis_clear (analysis);
  analysis->frames = frames;
  analysis->f0_hz = calloc ((size_t) frames + 1, sizeof (float));
  analysis->f0_confidence = calloc ((size_t) frames + 1, sizeof (float));
  analysis->activity = calloc ((size_t) frames + 1, sizeof (float));
  analysis->mask = calloc ((size_t) (frames + 1) * VT_MODEL_MASK_BINS, sizeof (float));
  if (!analysis->f0_hz || !analysis->f0_confidence || !analysis->activity || !analysis->mask)
    {
      vt_song_analysis_clear (analysis);
      return VT_STATUS_NO_MEMORY;
    }
  return VT_STATUS_OK;
}

void
vt_activity_from_mask (const float *mask, const float *magnitude, int64_t frames,
                       float *activity)
{
  for (int64_t t = 0; t < frames; t++)
    {
      double vocal = 0, total = 1e-12;
      for (int k = 0; k < VT_FEATURES_BINS; k++)
        {
          double x = magnitude[t * VT_FEATURES_BINS + k];
          double m = mask[t * VT_MODEL_MASK_BINS + k];
          vocal += m * m * x * x;
          total += x * x;
        }
      activity[t] = (float) (vocal / total);
    }
}

/* The analysis; for the Wave-U-Net also its stems (stems may be NULL). */
static VtStatus
analyse (VtSystem *system, const float *mono, int64_t n_samples, VtSongAnalysis *analysis,
         float *stem_vocals, float *stem_accompaniment, const VtProgress *progress,
         VtError *error)
{
  float *log_magnitude = NULL, *magnitude = NULL;
  float *vocals = NULL, *accompaniment = NULL;
  float *vocal_log = NULL, *vocal_magnitude = NULL, *acc_log = NULL, *acc_magnitude = NULL;
  int64_t frames = 0, other_frames = 0;
  VtStatus status = vt_model_spectrogram (mono, n_samples, &log_magnitude, &magnitude, &frames,
                                          error);
  if (status != VT_STATUS_OK)
    return status;
  if ((status = analysis_alloc (analysis, frames)) != VT_STATUS_OK)
    {
      vt_error_set (error, status, "out of memory for the analysis");
      goto done;
    }
  if (system->kind == VT_SYSTEM_DRNN)
    status = vt_drnn_estimate_mask (system->drnn, log_magnitude, frames, analysis->mask,
                                    VT_MODEL_MASK_BINS, progress, error);
  else
    {
      vocals = malloc (sizeof (float) * (size_t) (n_samples + 1));
      accompaniment = malloc (sizeof (float) * (size_t) (n_samples + 1));
      if (!vocals || !accompaniment)
        {
          status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
          goto done;
        }
      if ((status = vt_waveunet_separate (system->waveunet, mono, n_samples, vocals,
                                          accompaniment, progress, error)) != VT_STATUS_OK
          || (status = vt_model_spectrogram (vocals, n_samples, &vocal_log, &vocal_magnitude,
                                             &other_frames, error)) != VT_STATUS_OK
          || (status = vt_model_spectrogram (accompaniment, n_samples, &acc_log, &acc_magnitude,
                                             &other_frames, error)) != VT_STATUS_OK)
        goto done;
      for (int64_t t = 0; t < frames; t++)
        {
          float *row = analysis->mask + t * VT_MODEL_MASK_BINS;
          for (int k = 0; k < VT_FEATURES_BINS; k++)
            {
              float v = vocal_magnitude[t * VT_FEATURES_BINS + k];
              float a = acc_magnitude[t * VT_FEATURES_BINS + k];
              row[k] = v + a > 1e-9f ? v / (v + a) : 0.0f;
            }
          for (int k = VT_FEATURES_BINS; k < VT_MODEL_MASK_BINS; k++)
            row[k] = row[VT_FEATURES_BINS - 1];
        }
    }
  if (status == VT_STATUS_OK)
    vt_activity_from_mask (analysis->mask, magnitude, frames, analysis->activity);
  if (status == VT_STATUS_OK && vocals && stem_vocals)
    memcpy (stem_vocals, vocals, sizeof (float) * (size_t) n_samples);
  if (status == VT_STATUS_OK && accompaniment && stem_accompaniment)
    memcpy (stem_accompaniment, accompaniment, sizeof (float) * (size_t) n_samples);
done:
  if (status != VT_STATUS_OK)
    vt_song_analysis_clear (analysis);
  free (log_magnitude);
  free (magnitude);
  free (vocals);
  free (accompaniment);
  free (vocal_log);
  free (vocal_magnitude);
  free (acc_log);
  free (acc_magnitude);
  return status;
}

VtStatus
vt_system_analyse (VtSystem *system, const float *mono, int64_t n_samples,
                   VtSongAnalysis *analysis, const VtProgress *progress, VtError *error)
{
  return analyse (system, mono, n_samples, analysis, NULL, NULL, progress, error);
}

VtStatus
vt_system_separate_mono (VtSystem *system, const float *mono, int64_t n_samples, float *vocals,
                         float *accompaniment, float *activity, const VtProgress *progress,
                         VtError *error)
{
  VtSongAnalysis analysis;
  vt_song_analysis_init (&analysis);
  VtStatus status;
  if (system->kind == VT_SYSTEM_WAVEUNET && activity == NULL)
    return vt_waveunet_separate (system->waveunet, mono, n_samples, vocals, accompaniment,
                                 progress, error);
  /* The Wave-U-Net's stems are its own waveforms, found on the way. */
  if ((status = analyse (system, mono, n_samples, &analysis, vocals, accompaniment, progress,
                         error)) != VT_STATUS_OK)
    return status;
  if (activity)
    memcpy (activity, analysis.activity, sizeof (float) * (size_t) analysis.frames);
  if (system->kind == VT_SYSTEM_DRNN && (vocals || accompaniment))
    {
      VtMaskApplier *applier = vt_mask_applier_new (VT_FEATURES_RATE, 1, error);
      float *padded = NULL;
      if (applier == NULL)
        status = error ? error->status : VT_STATUS_NO_MEMORY;
      else
        {
          int64_t pad = vt_mask_applier_get_padding (applier);
          padded = calloc ((size_t) (n_samples + 2 * pad), sizeof (float));
          if (padded == NULL)
            status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
          else
            {
              memcpy (padded + pad, mono, sizeof (float) * (size_t) n_samples);
              VtMaskGrid grid = vt_song_analysis_mask_grid (&analysis, VT_HIGH_BAND_ZERO);
              status = vt_mask_applier_process (applier, &grid, padded, 0, n_samples, vocals,
                                                accompaniment);
              if (status != VT_STATUS_OK)
                vt_error_set (error, status, "applying the mask failed");
            }
        }
      free (padded);
      vt_mask_applier_free (applier);
    }
  vt_song_analysis_clear (&analysis);
  return status;
}

VtStatus
vt_system_separate_file (VtSystem *system, const char *path, const VtStemOutput *output,
                         VtHighBand high_band, const VtProgress *progress, VtError *error)
{
  float *mono = NULL;
  int64_t n_samples = 0;
  VtStatus status = vt_song_load_analysis_signal (path, &mono, &n_samples, NULL, NULL, error);
  if (status != VT_STATUS_OK)
    return status;
  VtSongAnalysis analysis;
  vt_song_analysis_init (&analysis);
  status = vt_system_analyse (system, mono, n_samples, &analysis, progress, error);
  free (mono);
  if (status == VT_STATUS_OK && output && (output->vocals_path || output->accompaniment_path))
    {
      VtMaskGrid grid = vt_song_analysis_mask_grid (&analysis, high_band);
      status = vt_song_render_stems (path, &grid, output, NULL, error);
    }
  vt_song_analysis_clear (&analysis);
  return status;
}

static void
say (const VtEvalOptions *options, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  vt_log_vprintf (options->log, options->log_user_data, format, args);
  va_end (args);
}

static bool
wanted (const char *name, const char *list)
{
  if (list == NULL || list[0] == '\0')
    return true;
  size_t length = strlen (name);
  for (const char *p = list; (p = strstr (p, name)) != NULL; p += length)
    if ((p == list || p[-1] == ',') && (p[length] == ',' || p[length] == '\0'))
      return true;
  return false;
}

static VtStatus
evaluate_clip (VtSystem *system, const VtDataset *dataset, int index, VtClipEval *clip,
               float **scores, uint8_t **labels, int64_t *n_labelled, VtError *error)
{
  VtClipAudio audio;
  vt_clip_audio_init (&audio);
  VtStatus status = vt_dataset_load_clip (dataset, index, &audio, error);
  if (status != VT_STATUS_OK)
    return status;
  const int64_t n = audio.n_samples, frames = vt_features_frame_count (n);
  float *mixture = malloc (sizeof (float) * (size_t) (n + 1));
  float *vocals = malloc (sizeof (float) * (size_t) (n + 1));
  float *accompaniment = malloc (sizeof (float) * (size_t) (n + 1));
  float *activity = calloc ((size_t) frames + 1, sizeof (float));
  uint8_t *frame_labels = calloc ((size_t) frames + 1, 1);
  if (!mixture || !vocals || !accompaniment || !activity || !frame_labels)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  for (int64_t i = 0; i < n; i++)
    mixture[i] = audio.vocals[i] + audio.accompaniment[i];
  if ((status = vt_system_separate_mono (system, mixture, n, vocals, accompaniment, activity, NULL,
                                         error)) != VT_STATUS_OK)
    goto done;
  snprintf (clip->name, sizeof clip->name, "%s", dataset->clips[index].name);
  clip->seconds = (double) n / VT_FEATURES_RATE;
  if ((status = vt_evaluate_separation (audio.vocals, audio.accompaniment, vocals, accompaniment, n,
                                        dataset->kind == VT_DATASET_MIR1K, clip, error))
      != VT_STATUS_OK)
    goto done;
  clip->rpa = clip->rca = clip->oa = clip->vr = clip->vfa = NAN;
  clip->auroc = clip->nonvocal_rms_db = NAN;
  if (audio.vocal_activity)
    {
      for (int64_t t = 0; t < frames; t++)
        frame_labels[t] = audio.vocal_activity[t] > 0.5f;
      double auc = NAN;
      vt_eval_auroc (activity, frame_labels, (size_t) frames, &auc, NULL);
      clip->auroc = auc;
      VtNonVocalRms rms = { 0 };
      if (vt_eval_rms_nonvocal (vocals, n, 1, frame_labels, frames, VT_FEATURES_HOP, 0, &rms, NULL)
          == VT_STATUS_OK)
        clip->nonvocal_rms_db = rms.rms_dbfs;
      float *grown_scores = realloc (*scores, sizeof (float) * (size_t) (*n_labelled + frames));
      if (grown_scores)
        *scores = grown_scores;
      uint8_t *grown_labels = realloc (*labels, (size_t) (*n_labelled + frames));
      if (grown_labels)
        *labels = grown_labels;
      if (grown_scores && grown_labels)
        {
          memcpy (*scores + *n_labelled, activity, sizeof (float) * (size_t) frames);
          memcpy (*labels + *n_labelled, frame_labels, (size_t) frames);
          *n_labelled += frames;
        }
    }
done:
  free (mixture);
  free (vocals);
  free (accompaniment);
  free (activity);
  free (frame_labels);
  vt_clip_audio_clear (&audio);
  return status;
}

VtStatus
vt_system_evaluate (VtSystem *system, const char *dataset_root, const VtEvalOptions *options,
                    VtEvalResult *result, VtError *error)
{
  vt_eval_result_clear (result);
  VtDataset dataset;
  vt_dataset_init (&dataset);
  VtStatus status = vt_dataset_open (&dataset, options->kind, dataset_root, error);
  if (status != VT_STATUS_OK)
    return status;
  int *indices = malloc (sizeof (int) * (size_t) (dataset.n_clips + 1));
  float *scores = NULL;
  uint8_t *labels = NULL;
  int64_t n_labelled = 0;
  int n_split = indices ? vt_dataset_split (&dataset, options->split, indices) : 0;
  result->clips = calloc ((size_t) n_split + 1, sizeof (VtClipEval));
  if (indices == NULL || result->clips == NULL)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  int every = options->every > 0 ? options->every : 1;
  for (int k = 0; k < n_split; k += every)
    {
      const VtClip *clip = &dataset.clips[indices[k]];
      if (!wanted (clip->name, options->clips))
        continue;
      VtClipEval *out = &result->clips[result->n_clips];
      status = evaluate_clip (system, &dataset, indices[k], out, &scores, &labels, &n_labelled,
                              error);
      if (status != VT_STATUS_OK)
        {
          vt_error_prefix (error, "%s", clip->name);
          goto done;
        }
      result->n_clips++;
      say (options, "%-32s SDR %6.2f  SIR %6.2f  SAR %6.2f  NSDR %6.2f  AUC %.3f", out->name,
           out->sdr, out->sir, out->sar, out->nsdr, out->auroc);
    }
  if (result->n_clips == 0)
    {
      status = vt_error_set (error, VT_STATUS_NOT_FOUND, "no clips to evaluate in %s",
                             dataset_root);
      goto done;
    }
  status = vt_eval_result_summarise (result, dataset.kind == VT_DATASET_MIR1K, scores, labels,
                                     n_labelled, error);
done:
  free (scores);
  free (labels);
  free (indices);
  vt_dataset_clear (&dataset);
  return status;
}
