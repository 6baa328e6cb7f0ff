/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-simulate.h"
#include "vt-log.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vt-eval-stats.h"
#include "vt-evaluate.h"
#include "vt-f0.h"
#include "vt-features.h"
#include "vt-mask-apply.h"

#define MAX_CLIPS 256

static void
say (const VtSimulateOptions *options, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  vt_log_vprintf (options->log, options->log_user_data, format, args);
  va_end (args);
}

/* One clip's ground truth and mixture at 16 kHz. */
typedef struct
{
  VtClipAudio audio;
  float *mixture;
  uint8_t *vocal;    /* per analysis frame: true activity */
  int64_t frames;
} Clip;

static void
clip_clear (Clip *clip)
{
  vt_clip_audio_clear (&clip->audio);
  free (clip->mixture);
  free (clip->vocal);
  memset (clip, 0, sizeof *clip);
}

static VtStatus
clip_load (const VtDataset *dataset, int index, Clip *clip, VtError *error)
{
  memset (clip, 0, sizeof *clip);
  vt_clip_audio_init (&clip->audio);
  VtStatus status = vt_dataset_load_clip (dataset, index, &clip->audio, error);
  if (status != VT_STATUS_OK)
    return status;
  const int64_t n = clip->audio.n_samples;
  clip->frames = vt_features_frame_count (n);
  clip->mixture = malloc (sizeof (float) * (size_t) n);
  clip->vocal = calloc ((size_t) clip->frames, 1);
  if (!clip->mixture || !clip->vocal)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  for (int64_t i = 0; i < n; i++)
    clip->mixture[i] = clip->audio.vocals[i] + clip->audio.accompaniment[i];
  if (clip->audio.vocal_activity)
    for (int64_t t = 0; t < clip->frames; t++)
      clip->vocal[t] = clip->audio.vocal_activity[t] > 0.5f;
  else
    {
      /* MUSDB: the vocals stem's own level says where the voice is. */
      for (int64_t t = 0; t < clip->frames; t++)
        {
          double e = 0;
          int64_t c = t * VT_FEATURES_HOP, count = 0;
          for (int64_t i = c - VT_FEATURES_HOP / 2; i < c + VT_FEATURES_HOP / 2; i++)
            if (i >= 0 && i < n)
              {
                e += clip->audio.vocals[i] * clip->audio.vocals[i];
                count++;
              }
          clip->vocal[t] = count && 10 * log10 (e / count + 1e-12) > -45.0;
        }
    }
  return VT_STATUS_OK;
}

/* Separates the clip with the session's current (gated) mask and scores it. */
static VtStatus
score (VtSession *session, const Clip *clip, bool mir1k, VtSimFigures *figures,
       const uint8_t *uncorrected, VtError *error)
{
  const int64_t n = clip->audio.n_samples;
  VtMaskApplier *applier = vt_mask_applier_new (VT_FEATURES_RATE, 1, error);
  if (applier == NULL)
    return VT_STATUS_NO_MEMORY;
  const int64_t pad = vt_mask_applier_get_padding (applier);
  float *padded = calloc ((size_t) (n + 2 * pad), sizeof (float));
  float *vocals = malloc (sizeof (float) * (size_t) n);
  float *acc = malloc (sizeof (float) * (size_t) n);
  VtStatus status = VT_STATUS_OK;
  if (!padded || !vocals || !acc)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  memcpy (padded + pad, clip->mixture, sizeof (float) * (size_t) n);
  VtMaskGrid grid = vt_session_get_mask_grid (session, VT_HIGH_BAND_EDGE);
  if ((status = vt_mask_applier_process (applier, &grid, padded, 0, n, vocals, acc))
      != VT_STATUS_OK)
    goto done;
  VtClipEval eval = { 0 };
  status = vt_evaluate_separation (clip->audio.vocals, clip->audio.accompaniment, vocals, acc, n,
                                   mir1k, &eval, error);
  if (status != VT_STATUS_OK)
    goto done;
  figures->mean_sdr = eval.sdr; /* per clip; averaged over clips by the caller */
  VtNonVocalRms rms = { 0 };
  figures->nonvocal_rms_db = NAN;
  if (vt_eval_rms_nonvocal (vocals, n, 1, clip->vocal, clip->frames, VT_FEATURES_HOP, 0, &rms,
                            NULL) == VT_STATUS_OK)
    figures->nonvocal_rms_db = rms.rms_dbfs;
  /* Raw pitch accuracy on the true voiced frames not corrected by the user. */
  figures->rpa_uncorrected = NAN;
  if (clip->audio.f0_hz)
    {
      const float *f0 = vt_session_get_f0 (session);
      int64_t total = 0, right = 0;
      for (int64_t t = 0; t < clip->frames; t++)
        {
          float truth = clip->audio.f0_hz[t];
          if (truth <= 0 || (uncorrected && !uncorrected[t]))
            continue;
          total++;
          right += f0[t] > 0 && fabs (vt_f0_cents (truth, f0[t])) <= 50.0;
        }
      if (total > 0)
        figures->rpa_uncorrected = (double) right / total;
    }

done:
  free (padded);
  free (vocals);
  free (acc);
  vt_mask_applier_free (applier);
  return status;
}

/* Wrong frames (pitch off by > 50 cents or wrong voicing), grouped in runs;
 * the user fixes the k longest runs with the true pitch. Returns how many
 * frames were corrected; f0_user gets NAN elsewhere. */
static int64_t
simulate_f0_user (const Clip *clip, const float *estimate, int k, float *f0_user,
                  uint8_t *uncorrected)
{
  const int64_t frames = clip->frames;
  for (int64_t t = 0; t < frames; t++)
    {
      f0_user[t] = NAN;
      uncorrected[t] = 1;
    }
  int64_t corrected = 0;
  for (int round = 0; round < k; round++)
    {
      int64_t best_start = -1, best_length = 0;
      for (int64_t t = 0; t < frames;)
        {
          float truth = clip->audio.f0_hz[t];
          bool wrong = isnan (f0_user[t])
                       && ((truth > 0) != (estimate[t] > 0)
                           || (truth > 0 && fabs (vt_f0_cents (truth, estimate[t])) > 50.0));
          if (!wrong)
            {
              t++;
              continue;
            }
          int64_t start = t;
          while (t < frames && isnan (f0_user[t]))
            {
              float tr = clip->audio.f0_hz[t];
              bool w = (tr > 0) != (estimate[t] > 0)
                       || (tr > 0 && fabs (vt_f0_cents (tr, estimate[t])) > 50.0);
              /* a segment tolerates a one-frame gap */
              if (!w && !(t + 1 < frames && isnan (f0_user[t + 1])
                          && ((clip->audio.f0_hz[t + 1] > 0) != (estimate[t + 1] > 0))))
                break;
              t++;
            }
          if (t - start > best_length)
            {
              best_length = t - start;
              best_start = start;
            }
        }
      if (best_start < 0)
        break;
      for (int64_t t = best_start; t < best_start + best_length; t++)
        {
          f0_user[t] = clip->audio.f0_hz[t] > 0 ? clip->audio.f0_hz[t] : 0.0f;
          uncorrected[t] = 0;
          corrected++;
        }
    }
  return corrected;
}

/* True non-vocal runs (>= 10 frames) where the estimated vocals carry
 * energy: mask * mixture above -50 dBFS on average. */
static int64_t
simulate_silence_user (const Clip *clip, VtSession *session, uint8_t *silent)
{
  const int64_t frames = clip->frames;
  const float *mask = vt_session_get_mask (session);
  const float *magnitude = vt_session_get_mixture_magnitude (session);
  int64_t marked = 0;
  memset (silent, 0, (size_t) frames);
  for (int64_t t = 0; t < frames;)
    {
      if (clip->vocal[t])
        {
          t++;
          continue;
        }
      int64_t start = t;
      while (t < frames && !clip->vocal[t])
        t++;
      if (t - start < 10)
        continue;
      double energy = 0;
      for (int64_t s = start; s < t; s++)
        for (int k = 0; k < VT_FEATURES_BINS; k++)
          {
            double v = mask[s * VT_MODEL_MASK_BINS + k] * magnitude[s * VT_FEATURES_BINS + k];
            energy += v * v;
          }
      /* |X|^2 of a full-scale sine at one bin is about (n_fft / 4)^2. */
      double level = energy / ((double) (t - start) * 65536.0);
      if (10 * log10 (level + 1e-20) > -50.0)
        for (int64_t s = start; s < t; s++)
          {
            silent[s] = 1;
            marked++;
          }
    }
  return marked;
}

typedef struct
{
  double *before, *immediate, *after; /* per clip SDR */
  double *rpa_before, *rpa_after;
  double *rms_before, *rms_after;
  double corrected, seconds;
  int n;
} Accumulator;

static void
summarise (const Accumulator *acc, VtSimCondition *condition)
{
  size_t n = (size_t) acc->n;
  vt_eval_mean (acc->before, n, &condition->before.mean_sdr, NULL, NULL);
  vt_eval_median (acc->before, n, &condition->before.median_sdr, NULL, NULL);
  vt_eval_mean (acc->immediate, n, &condition->immediate.mean_sdr, NULL, NULL);
  vt_eval_median (acc->immediate, n, &condition->immediate.median_sdr, NULL, NULL);
  vt_eval_mean (acc->after, n, &condition->after.mean_sdr, NULL, NULL);
  vt_eval_median (acc->after, n, &condition->after.median_sdr, NULL, NULL);
  condition->before.rpa_uncorrected = condition->after.rpa_uncorrected = NAN;
  condition->immediate.rpa_uncorrected = NAN;
  vt_eval_mean (acc->rpa_before, n, &condition->before.rpa_uncorrected, NULL, NULL);
  vt_eval_mean (acc->rpa_after, n, &condition->after.rpa_uncorrected, NULL, NULL);
  vt_eval_mean (acc->rms_before, n, &condition->before.nonvocal_rms_db, NULL, NULL);
  vt_eval_mean (acc->rms_after, n, &condition->after.nonvocal_rms_db, NULL, NULL);
  condition->immediate.nonvocal_rms_db = NAN;
  condition->corrected_fraction = n ? acc->corrected / n : NAN;
  condition->adapt_seconds = n ? acc->seconds / n : NAN;
}

static bool
acc_init (Accumulator *acc, int n)
{
  memset (acc, 0, sizeof *acc);
  double **fields[] = { &acc->before, &acc->immediate, &acc->after, &acc->rpa_before,
                        &acc->rpa_after, &acc->rms_before, &acc->rms_after };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    {
      *fields[i] = malloc (sizeof (double) * (size_t) (n + 1));
      if (*fields[i] == NULL)
        return false;
      for (int k = 0; k <= n; k++)
        (*fields[i])[k] = NAN;
    }
  return true;
}

static void
acc_clear (Accumulator *acc)
{
  free (acc->before);
  free (acc->immediate);
  free (acc->after);
  free (acc->rpa_before);
  free (acc->rpa_after);
  free (acc->rms_before);
  free (acc->rms_after);
}

typedef struct
{
  const char *name;
  VtSilenceStrategy strategy;
  float replay;
  float anchor;
} SilenceCondition;

static const SilenceCondition silence_conditions[] = {
  { "gate", VT_SILENCE_GATE, 0, 0 },
  { "zero-targets", VT_SILENCE_ZERO_TARGETS, 0, 0 },
  { "zero-targets+replay", VT_SILENCE_ZERO_TARGETS, 0.3f, 1e-3f },
  { "synthetic", VT_SILENCE_SYNTHETIC, 0, 0 },
  { "synthetic+replay", VT_SILENCE_SYNTHETIC, 0.3f, 1e-3f },
  { "both", VT_SILENCE_BOTH, 0, 0 },
  { "both+replay", VT_SILENCE_BOTH, 0.3f, 1e-3f },
};

static const int f0_ks[] = { 1, 2, 4, 8 };

VtStatus
vt_simulate (VtModel *model, const char *dataset_root, const VtSimulateOptions *options,
             VtSimResult *result, VtError *error)
{
  memset (result, 0, sizeof *result);
  result->kind = options->kind;
  VtDataset dataset;
  vt_dataset_init (&dataset);
  VtStatus status = vt_dataset_open (&dataset, options->dataset, dataset_root, error);
  if (status != VT_STATUS_OK)
    return status;
  int *indices = malloc (sizeof (int) * (size_t) (dataset.n_clips + 1));
  int n_dev = indices ? vt_dataset_split (&dataset, VT_SPLIT_DEV, indices) : 0;
  int chosen[MAX_CLIPS];
  int n_chosen = 0;
  int every = options->every > 0 ? options->every : 1;
  for (int k = 0; k < n_dev && n_chosen < MAX_CLIPS; k += every)
    {
      const char *name = dataset.clips[indices[k]].name;
      if (options->clips && options->clips[0])
        {
          const char *p = strstr (options->clips, name);
          size_t length = strlen (name);
          if (p == NULL || (p != options->clips && p[-1] != ',')
              || (p[length] != ',' && p[length] != '\0'))
            continue;
        }
      if (options->max_clips > 0 && n_chosen >= options->max_clips)
        break;
      chosen[n_chosen++] = indices[k];
    }
  free (indices);
  if (n_chosen == 0)
    {
      vt_dataset_clear (&dataset);
      return vt_error_set (error, VT_STATUS_NOT_FOUND, "no dev clips chosen in %s", dataset_root);
    }
  if (options->kind == VT_SIMULATE_F0 && options->dataset != VT_DATASET_MIR1K)
    {
      vt_dataset_clear (&dataset);
      return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                           "the F0 experiment needs true pitch labels: use --dataset mir1k");
    }
  const bool mir1k = options->dataset == VT_DATASET_MIR1K;
  result->n_clips = n_chosen;

  int n_conditions = options->kind == VT_SIMULATE_F0 ? (int) (sizeof f0_ks / sizeof f0_ks[0])
                     : options->kind == VT_SIMULATE_SILENCE
                       ? (int) (sizeof silence_conditions / sizeof silence_conditions[0])
                       : 2;
  Accumulator acc[16];
  for (int c = 0; c < n_conditions; c++)
    if (!acc_init (&acc[c], n_chosen))
      {
        status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
        goto done;
      }

  if (options->kind == VT_SIMULATE_CONTINUAL)
    {
      /* Two runs over the same sequence: without and with replay + anchor. */
      for (int c = 0; c < 2; c++)
        {
          VtModel *carried = vt_model_dup (model, error);
          if (carried == NULL)
            {
              status = error ? error->status : VT_STATUS_NO_MEMORY;
              goto done;
            }
          double *sdr_right_after = calloc ((size_t) n_chosen, sizeof (double));
          for (int i = 0; i < n_chosen && status == VT_STATUS_OK; i++)
            {
              Clip clip;
              if ((status = clip_load (&dataset, chosen[i], &clip, error)) != VT_STATUS_OK)
                {
                  clip_clear (&clip);
                  break;
                }
              VtSession *session = vt_session_new (carried, clip.mixture, clip.audio.n_samples,
                                                   NULL, error);
              uint8_t *silent = malloc ((size_t) clip.frames);
              if (session == NULL || silent == NULL)
                {
                  status = error ? error->status : VT_STATUS_NO_MEMORY;
                  free (silent);
                  vt_session_free (session);
                  clip_clear (&clip);
                  break;
                }
              VtSimFigures before = { 0 }, after = { 0 };
              score (session, &clip, mir1k, &before, NULL, error);
              simulate_silence_user (&clip, session, silent);
              VtAdaptParams params = options->adapt;
              params.silence = VT_SILENCE_BOTH;
              params.replay_weight = c == 1 ? options->adapt.replay_weight : 0.0f;
              params.anchor = c == 1 ? options->adapt.anchor : 0.0f;
              status = vt_session_set_corrections (session, NULL, silent, error);
              if (status == VT_STATUS_OK)
                status = vt_session_adapt (session, &params, NULL, error);
              if (status == VT_STATUS_OK)
                status = score (session, &clip, mir1k, &after, NULL, error);
              sdr_right_after[i] = after.mean_sdr;
              acc[c].before[i] = before.mean_sdr;
              if (status == VT_STATUS_OK)
                {
                  VtModel *next = vt_session_dup_model (session, error);
                  if (next)
                    {
                      vt_model_free (carried);
                      carried = next;
                    }
                }
              free (silent);
              vt_session_free (session);
              clip_clear (&clip);
            }
          /* Forgetting: each earlier clip scored again with the final model
           * (its own silent regions applied by gating, as the user left them). */
          for (int i = 0; i < n_chosen && status == VT_STATUS_OK; i++)
            {
              Clip clip;
              if ((status = clip_load (&dataset, chosen[i], &clip, error)) != VT_STATUS_OK)
                {
                  clip_clear (&clip);
                  break;
                }
              VtSession *session = vt_session_new (carried, clip.mixture, clip.audio.n_samples,
                                                   NULL, error);
              if (session)
                {
                  VtSimFigures later = { 0 };
                  uint8_t *silent = malloc ((size_t) clip.frames);
                  if (silent)
                    {
                      VtSession *base_session = session;
                      simulate_silence_user (&clip, base_session, silent);
                      vt_session_set_corrections (session, NULL, silent, NULL);
                      score (session, &clip, mir1k, &later, NULL, error);
                      free (silent);
                    }
                  acc[c].immediate[i] = sdr_right_after[i];
                  acc[c].after[i] = later.mean_sdr;
                  vt_session_free (session);
                }
              clip_clear (&clip);
            }
          acc[c].n = n_chosen;
          free (sdr_right_after);
          vt_model_free (carried);
          snprintf (result->conditions[c].name, sizeof result->conditions[c].name, "%s",
                    c == 1 ? "carried+replay" : "carried");
          summarise (&acc[c], &result->conditions[c]);
          say (options, "%-22s SDR right after adapting %.2f dB, after the whole sequence %.2f dB",
               result->conditions[c].name, result->conditions[c].immediate.mean_sdr,
               result->conditions[c].after.mean_sdr);
        }
      result->n_conditions = 2;
      goto done;
    }

  for (int i = 0; i < n_chosen; i++)
    {
      Clip clip;
      if ((status = clip_load (&dataset, chosen[i], &clip, error)) != VT_STATUS_OK)
        {
          clip_clear (&clip);
          goto done;
        }
      VtSession *session = vt_session_new (model, clip.mixture, clip.audio.n_samples, NULL, error);
      float *f0_user = malloc (sizeof (float) * (size_t) clip.frames);
      uint8_t *marks = malloc ((size_t) clip.frames);
      if (session == NULL || !f0_user || !marks)
        {
          status = error && error->status ? error->status : VT_STATUS_NO_MEMORY;
          vt_session_free (session);
          free (f0_user);
          free (marks);
          clip_clear (&clip);
          goto done;
        }
      VtSimFigures base = { 0 };
      for (int c = 0; c < n_conditions && status == VT_STATUS_OK; c++)
        {
          VtSimFigures before = { 0 }, immediate = { 0 }, after = { 0 };
          VtAdaptParams params = options->adapt;
          int64_t corrected = 0;
          status = vt_session_set_corrections (session, NULL, NULL, error);
          if (status != VT_STATUS_OK)
            break;
          if (options->kind == VT_SIMULATE_F0)
            {
              corrected = simulate_f0_user (&clip, vt_session_get_base_f0 (session), f0_ks[c],
                                            f0_user, marks);
              score (session, &clip, mir1k, &before, marks, error);
              status = vt_session_set_corrections (session, f0_user, NULL, error);
              if (status == VT_STATUS_OK)
                status = score (session, &clip, mir1k, &immediate, marks, error);
            }
          else
            {
              if (c == 0)
                score (session, &clip, mir1k, &base, NULL, error);
              before = base;
              corrected = simulate_silence_user (&clip, session, marks);
              params.silence = silence_conditions[c].strategy;
              /* "+replay" conditions use the editor's replay and anchor. */
              params.replay_weight = silence_conditions[c].replay > 0 ? options->adapt.replay_weight
                                                                      : 0.0f;
              params.anchor = silence_conditions[c].anchor > 0 ? options->adapt.anchor : 0.0f;
              status = vt_session_set_corrections (session, NULL, marks, error);
              if (status == VT_STATUS_OK)
                status = score (session, &clip, mir1k, &immediate, NULL, error);
            }
          if (status == VT_STATUS_OK)
            status = vt_session_adapt (session, &params, NULL, error);
          if (status == VT_STATUS_OK)
            status = score (session, &clip, mir1k, &after,
                            options->kind == VT_SIMULATE_F0 ? marks : NULL, error);
          if (status != VT_STATUS_OK)
            break;
          double seconds = 0;
          vt_session_get_adapt_stats (session, NULL, NULL, &seconds);
          acc[c].before[i] = before.mean_sdr;
          acc[c].immediate[i] = immediate.mean_sdr;
          acc[c].after[i] = after.mean_sdr;
          acc[c].rpa_before[i] = before.rpa_uncorrected;
          acc[c].rpa_after[i] = after.rpa_uncorrected;
          acc[c].rms_before[i] = before.nonvocal_rms_db;
          acc[c].rms_after[i] = after.nonvocal_rms_db;
          int64_t voiced = 0;
          for (int64_t t = 0; t < clip.frames; t++)
            voiced += clip.audio.f0_hz ? clip.audio.f0_hz[t] > 0 : 1;
          acc[c].corrected += voiced ? (double) corrected / voiced : 0;
          acc[c].seconds += seconds;
          acc[c].n = i + 1;
        }
      say (options, "%s done", dataset.clips[chosen[i]].name);
      vt_session_free (session);
      free (f0_user);
      free (marks);
      clip_clear (&clip);
      if (status != VT_STATUS_OK)
        goto done;
    }
  for (int c = 0; c < n_conditions; c++)
    {
      VtSimCondition *condition = &result->conditions[c];
      if (options->kind == VT_SIMULATE_F0)
        snprintf (condition->name, sizeof condition->name, "k=%d", f0_ks[c]);
      else
        snprintf (condition->name, sizeof condition->name, "%s", silence_conditions[c].name);
      summarise (&acc[c], condition);
    }
  result->n_conditions = n_conditions;

done:
  for (int c = 0; c < n_conditions; c++)
    acc_clear (&acc[c]);
  vt_dataset_clear (&dataset);
  return status;
}

static void
json_figures (FILE *out, const char *name, const VtSimFigures *f, bool comma)
{
  fprintf (out, "\"%s\": {", name);
  const struct
  {
    const char *key;
    double value;
  } items[] = { { "mean_sdr", f->mean_sdr },
                { "median_sdr", f->median_sdr },
                { "rpa_uncorrected", f->rpa_uncorrected },
                { "nonvocal_rms", f->nonvocal_rms_db } };
  for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
    {
      if (isfinite (items[i].value))
        fprintf (out, "\"%s\": %.6g", items[i].key, items[i].value);
      else
        fprintf (out, "\"%s\": null", items[i].key);
      fprintf (out, "%s", i + 1 < sizeof items / sizeof items[0] ? ", " : "");
    }
  fprintf (out, "}%s", comma ? ", " : "");
}

VtStatus
vt_sim_result_write_json (const VtSimResult *result, FILE *out)
{
  const char *kinds[] = { "f0", "silence", "continual" };
  fprintf (out, "{\n  \"experiment\": \"%s\",\n  \"clips\": %d,\n  \"conditions\": [\n",
           kinds[result->kind], result->n_clips);
  for (int c = 0; c < result->n_conditions; c++)
    {
      const VtSimCondition *condition = &result->conditions[c];
      fprintf (out, "    {\"name\": \"%s\", ", condition->name);
      json_figures (out, "before", &condition->before, true);
      json_figures (out, "immediate", &condition->immediate, true);
      json_figures (out, "after", &condition->after, true);
      if (isfinite (condition->corrected_fraction))
        fprintf (out, "\"corrected_fraction\": %.4f, ", condition->corrected_fraction);
      fprintf (out, "\"adapt_seconds\": %.3f}%s\n",
               isfinite (condition->adapt_seconds) ? condition->adapt_seconds : 0.0,
               c + 1 < result->n_conditions ? "," : "");
    }
  fprintf (out, "  ]\n}\n");
  return ferror (out) ? VT_STATUS_IO : VT_STATUS_OK;
}
