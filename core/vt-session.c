/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-session.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vt-audio.h"
#include "vt-f0.h"
#include "vt-features.h"
#include "vt-harmonic-map.h"
#include "vt-optim.h"
#include "vt-separator.h"
#include "vt-stft.h"

#define BINS VT_FEATURES_BINS
#define MASK_BINS VT_MODEL_MASK_BINS
/* Frames of a fine-tuning window, and the context kept around a local
 * re-estimation so that its result matches a whole-song pass. */
#define WINDOW 128
#define LOCAL_CONTEXT 64
/* Frames decoded around a focused F0 re-estimation, so that the Viterbi
 * path inside the focus is settled by its surroundings. */
#define FOCUS_CONTEXT 128

typedef struct
{
  VtNet *net;
  float **anchor; /* base value of each trainable parameter */
  int n_anchor;
} Trainee;

/* The immediate effect of one corrected span: the base mask network's
 * output on [start, stop), which depends only on the corrected pitch and
 * confidence over [lo, hi). Kept so that when the user edits elsewhere, the
 * spans that did not change are not re-run (the set of corrections grows
 * with every edit; re-running them all made the first audio slower with
 * each one). The result is the same, bit for bit. */
typedef struct
{
  int64_t start, stop, lo, hi;
  float *f0, *confidence; /* hi - lo inputs */
  float *mask, *activity; /* stop - start outputs */
} SpanEffect;

struct VtSession
{
  VtModel *base;    /* borrowed */
  VtModel *adapted; /* owned: the base's weights until adaptation */
  bool is_adapted;
  bool f0_adapted;    /* the F0 network differs from the base: re-estimate F0 */
  bool needs_refresh; /* only the focus of the last adaptation is re-estimated */
  int64_t n_samples;
  float *mono;
  int64_t frames;
  float *log_magnitude;  /* frames x 512 */
  float *magnitude;      /* frames x 512 */
  float *spectrum;       /* frames x 512 complex */
  float *base_posterior; /* frames x VT_F0_CLASSES */
  float *base_f0, *base_confidence, *base_mask, *base_activity;
  float *estimate_f0, *estimate_confidence; /* the (adapted) model's own trajectory */
  float *f0, *confidence;                   /* with the corrections applied */
  float *mask, *activity;                   /* the current model's, ungated */
  float *gated_mask;                        /* silent regions set to zero */
  float *f0_user;
  uint8_t *silent;
  Trainee f0_trainee, mask_trainee;
  VtF0NetNodes f0_nodes;
  VtMaskNetNodes mask_nodes;
  int f0_steps, mask_steps;
  double adapt_seconds;
  SpanEffect *span_effects;
  int n_span_effects;
};

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void
vt_adapt_params_default (VtAdaptParams *params)
{
  *params = (VtAdaptParams) { .max_steps = 40, .budget_s = 0, .batch = 4,
                              .learning_rate = 3e-4f, .mask_learning_rate = 3e-5f,
                              .replay_weight = 1.0f, .anchor = 1e-2f,
                              .silence = VT_SILENCE_BOTH, .seed = 1 };
}

static void
trainee_clear (Trainee *trainee)
{
  for (int i = 0; i < trainee->n_anchor; i++)
    free (trainee->anchor[i]);
  free (trainee->anchor);
  vt_net_free (trainee->net);
  memset (trainee, 0, sizeof *trainee);
}

static void
span_effect_clear (SpanEffect *effect)
{
  free (effect->f0);
  free (effect->confidence);
  free (effect->mask);
  free (effect->activity);
  memset (effect, 0, sizeof *effect);
}

static void
span_effects_free (SpanEffect *effects, int n)
{
  for (int i = 0; i < n; i++)
    span_effect_clear (&effects[i]);
  free (effects);
}

void
vt_session_free (VtSession *session)
{
  if (session == NULL)
    return;
  span_effects_free (session->span_effects, session->n_span_effects);
  trainee_clear (&session->f0_trainee);
  trainee_clear (&session->mask_trainee);
  vt_model_free (session->adapted);
  float *arrays[] = { session->mono, session->log_magnitude, session->magnitude,
                      session->spectrum, session->base_posterior, session->base_f0,
                      session->base_confidence, session->base_mask, session->base_activity,
                      session->estimate_f0, session->estimate_confidence, session->f0,
                      session->confidence, session->mask, session->activity,
                      session->gated_mask, session->f0_user };
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
    free (arrays[i]);
  free (session->silent);
  free (session);
}

static float *
frames_array (int64_t frames, int per_frame)
{
  return calloc ((size_t) frames * (size_t) per_frame + 1, sizeof (float));
}

static void
gate (VtSession *session)
{
  for (int64_t t = 0; t < session->frames; t++)
    for (int k = 0; k < MASK_BINS; k++)
      session->gated_mask[t * MASK_BINS + k] = session->silent[t] ? 0.0f
                                                 : session->mask[t * MASK_BINS + k];
}

VtSession *
vt_session_new (VtModel *model, const float *mono, int64_t n_samples,
                const VtProgress *progress, VtError *error)
{
  VtSession *session = calloc (1, sizeof *session);
  if (session == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  session->base = model;
  session->n_samples = n_samples;
  session->mono = malloc (sizeof (float) * (size_t) (n_samples + 1));
  if (session->mono == NULL)
    goto oom;
  memcpy (session->mono, mono, sizeof (float) * (size_t) n_samples);
  VtStatus status = vt_model_spectrogram (mono, n_samples, &session->log_magnitude,
                                          &session->magnitude, &session->frames, error);
  if (status != VT_STATUS_OK)
    goto fail;
  const int64_t frames = session->frames;
  session->spectrum = frames_array (frames, 2 * BINS);
  session->base_posterior = frames_array (frames, VT_F0_CLASSES);
  session->base_f0 = frames_array (frames, 1);
  session->base_confidence = frames_array (frames, 1);
  session->base_mask = frames_array (frames, MASK_BINS);
  session->base_activity = frames_array (frames, 1);
  session->estimate_f0 = frames_array (frames, 1);
  session->estimate_confidence = frames_array (frames, 1);
  session->f0 = frames_array (frames, 1);
  session->confidence = frames_array (frames, 1);
  session->mask = frames_array (frames, MASK_BINS);
  session->activity = frames_array (frames, 1);
  session->gated_mask = frames_array (frames, MASK_BINS);
  session->f0_user = frames_array (frames, 1);
  session->silent = calloc ((size_t) frames + 1, 1);
  if (!session->spectrum || !session->base_posterior || !session->base_f0
      || !session->base_confidence || !session->base_mask || !session->base_activity
      || !session->estimate_f0 || !session->estimate_confidence || !session->f0
      || !session->confidence || !session->mask || !session->activity || !session->gated_mask
      || !session->f0_user || !session->silent)
    goto oom;

  /* The complex spectrum, for synthetic training tracks. */
  VtStft *stft = vt_stft_new (VT_FEATURES_N_FFT, VT_FEATURES_HOP, error);
  if (stft == NULL)
    goto fail;
  float *row = malloc (sizeof (float) * 2 * (VT_FEATURES_N_FFT / 2 + 1));
  if (row == NULL)
    {
      vt_stft_free (stft);
      goto oom;
    }
  for (int64_t t = 0; t < frames; t++)
    {
      vt_stft_forward (stft, mono, n_samples, t, 1, row);
      memcpy (session->spectrum + t * 2 * BINS, row, sizeof (float) * 2 * BINS);
    }
  free (row);
  vt_stft_free (stft);

  session->adapted = vt_model_dup (model, error);
  if (session->adapted == NULL)
    goto fail;
  status = vt_model_estimate_f0 (model, session->log_magnitude, frames, session->base_posterior,
                                 session->base_f0, session->base_confidence, progress, error);
  if (status != VT_STATUS_OK)
    goto fail;
  status = vt_model_estimate_mask (model, session->log_magnitude, session->base_f0,
                                   session->base_confidence, frames, session->base_mask,
                                   session->base_activity, progress, error);
  if (status != VT_STATUS_OK)
    goto fail;
  if (vt_session_set_corrections (session, NULL, NULL, error) != VT_STATUS_OK)
    goto fail;
  return session;

oom:
  vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for the song's analysis");
fail:
  vt_session_free (session);
  return NULL;
}

int64_t vt_session_get_frames (const VtSession *session) { return session->frames; }
const float *vt_session_get_f0 (const VtSession *session) { return session->f0; }
const float *vt_session_get_f0_confidence (const VtSession *session) { return session->confidence; }
const float *vt_session_get_activity (const VtSession *session) { return session->activity; }
const float *vt_session_get_mask (const VtSession *session) { return session->gated_mask; }
const float *vt_session_get_base_f0 (const VtSession *session) { return session->base_f0; }
const float *vt_session_get_mixture_magnitude (const VtSession *session) { return session->magnitude; }

VtModel *
vt_session_dup_model (VtSession *session, VtError *error)
{
  return vt_model_dup (session->adapted, error);
}

void
vt_session_get_adapt_stats (const VtSession *session, int *f0_steps, int *mask_steps,
                            double *seconds)
{
  if (f0_steps)
    *f0_steps = session->f0_steps;
  if (mask_steps)
    *mask_steps = session->mask_steps;
  if (seconds)
    *seconds = session->adapt_seconds;
}

/* f0 = the model's estimate, overridden where the user corrected it. */
static void
apply_f0_corrections (VtSession *session)
{
  for (int64_t t = 0; t < session->frames; t++)
    {
      float user = session->f0_user[t];
      if (isnan (user))
        {
          session->f0[t] = session->estimate_f0[t];
          session->confidence[t] = session->estimate_confidence[t];
        }
      else
        {
          session->f0[t] = user > 0 ? user : 0.0f;
          session->confidence[t] = 1.0f;
        }
    }
}

/* The frames remask_range() reads for [start, end). */
static void
remask_context (const VtSession *session, int64_t start, int64_t end, int64_t *lo, int64_t *hi)
{
  *lo = start - LOCAL_CONTEXT > 0 ? start - LOCAL_CONTEXT : 0;
  *hi = end + LOCAL_CONTEXT < session->frames ? end + LOCAL_CONTEXT : session->frames;
}

/* Re-estimates the mask (and activity) on frames [start, end) with model,
 * reading LOCAL_CONTEXT frames around so the result matches a whole pass. */
static VtStatus
remask_range (VtSession *session, VtModel *model, int64_t start, int64_t end, VtError *error)
{
  int64_t lo, hi;
  remask_context (session, start, end, &lo, &hi);
  int64_t n = hi - lo;
  float *mask = malloc (sizeof (float) * (size_t) (n * MASK_BINS));
  float *activity = malloc (sizeof (float) * (size_t) n);
  if (!mask || !activity)
    {
      free (mask);
      free (activity);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
    }
  VtStatus status = vt_model_estimate_mask (model, session->log_magnitude + lo * BINS,
                                            session->f0 + lo, session->confidence + lo, n, mask,
                                            activity, NULL, error);
  if (status == VT_STATUS_OK)
    {
      memcpy (session->mask + start * MASK_BINS, mask + (start - lo) * MASK_BINS,
              sizeof (float) * (size_t) ((end - start) * MASK_BINS));
      memcpy (session->activity + start, activity + (start - lo),
              sizeof (float) * (size_t) (end - start));
    }
  free (mask);
  free (activity);
  return status;
}

/* Writes the immediate effect of the span [start, stop): from previous
 * when an entry there had the same inputs, else from the base mask network;
 * and remembers it in session->span_effects (when memory allows). */
static VtStatus
apply_span_effect (VtSession *session, SpanEffect *previous, int n_previous, int64_t start,
                   int64_t stop, VtError *error)
{
  int64_t lo, hi;
  remask_context (session, start, stop, &lo, &hi);
  const size_t inputs = sizeof (float) * (size_t) (hi - lo);
  const size_t span = (size_t) (stop - start);
  SpanEffect *found = NULL;
  for (int i = 0; i < n_previous && found == NULL; i++)
    {
      SpanEffect *e = &previous[i];
      if (e->mask != NULL && e->start == start && e->stop == stop && e->lo == lo && e->hi == hi
          && memcmp (e->f0, session->f0 + lo, inputs) == 0
          && memcmp (e->confidence, session->confidence + lo, inputs) == 0)
        found = e;
    }
  if (found != NULL)
    {
      memcpy (session->mask + start * MASK_BINS, found->mask, sizeof (float) * span * MASK_BINS);
      memcpy (session->activity + start, found->activity, sizeof (float) * span);
    }
  else
    {
      VtStatus status = remask_range (session, session->base, start, stop, error);
      if (status != VT_STATUS_OK)
        return status;
    }
  if (session->span_effects == NULL)
    return VT_STATUS_OK;
  SpanEffect *kept = &session->span_effects[session->n_span_effects];
  if (found != NULL)
    {
      *kept = *found;
      memset (found, 0, sizeof *found);
      session->n_span_effects++;
      return VT_STATUS_OK;
    }
  *kept = (SpanEffect) { .start = start, .stop = stop, .lo = lo, .hi = hi,
                         .f0 = malloc (inputs), .confidence = malloc (inputs),
                         .mask = malloc (sizeof (float) * span * MASK_BINS),
                         .activity = malloc (sizeof (float) * span) };
  if (!kept->f0 || !kept->confidence || !kept->mask || !kept->activity)
    {
      span_effect_clear (kept); /* not kept: only slower next time */
      return VT_STATUS_OK;
    }
  memcpy (kept->f0, session->f0 + lo, inputs);
  memcpy (kept->confidence, session->confidence + lo, inputs);
  memcpy (kept->mask, session->mask + start * MASK_BINS, sizeof (float) * span * MASK_BINS);
  memcpy (kept->activity, session->activity + start, sizeof (float) * span);
  session->n_span_effects++;
  return VT_STATUS_OK;
}

VtStatus
vt_session_set_corrections (VtSession *session, const float *f0_user, const uint8_t *silent,
                            VtError *error)
{
  const int64_t frames = session->frames;
  for (int64_t t = 0; t < frames; t++)
    {
      float user = f0_user ? f0_user[t] : NAN;
      session->f0_user[t] = (isnan (user) || user >= 0) ? user : NAN;
      session->silent[t] = silent ? silent[t] != 0 : 0;
    }
  /* Adaptation is to the whole set of corrections: start from the base. */
  if (session->is_adapted)
    {
      VtStatus status = vt_net_copy_weights (vt_model_get_f0_net (session->adapted),
                                             vt_model_get_f0_net (session->base), error);
      if (status == VT_STATUS_OK)
        status = vt_net_copy_weights (vt_model_get_mask_net (session->adapted),
                                      vt_model_get_mask_net (session->base), error);
      if (status != VT_STATUS_OK)
        return status;
      session->is_adapted = false;
    }
  session->f0_adapted = false;
  session->needs_refresh = false;
  memcpy (session->estimate_f0, session->base_f0, sizeof (float) * (size_t) frames);
  memcpy (session->estimate_confidence, session->base_confidence,
          sizeof (float) * (size_t) frames);
  memcpy (session->mask, session->base_mask, sizeof (float) * (size_t) (frames * MASK_BINS));
  memcpy (session->activity, session->base_activity, sizeof (float) * (size_t) frames);
  apply_f0_corrections (session);

  /* Immediate effect: the mask network hears the corrected pitch around
   * every corrected span (the spans unchanged since the last call come from
   * span_effects). */
  SpanEffect *previous = session->span_effects;
  const int n_previous = session->n_span_effects;
  int n_spans = 0;
  for (int64_t t = 0; t < frames; t++)
    if (!isnan (session->f0_user[t]) && (t == 0 || isnan (session->f0_user[t - 1])))
      n_spans++;
  session->span_effects = n_spans ? calloc ((size_t) n_spans, sizeof (SpanEffect)) : NULL;
  session->n_span_effects = 0;
  VtStatus status = VT_STATUS_OK;
  for (int64_t t = 0; t < frames && status == VT_STATUS_OK;)
    {
      if (isnan (session->f0_user[t]))
        {
          t++;
          continue;
        }
      int64_t end = t;
      while (end < frames && !isnan (session->f0_user[end]))
        end++;
      int64_t start = t - LOCAL_CONTEXT / 2 > 0 ? t - LOCAL_CONTEXT / 2 : 0;
      int64_t stop = end + LOCAL_CONTEXT / 2 < frames ? end + LOCAL_CONTEXT / 2 : frames;
      status = apply_span_effect (session, previous, n_previous, start, stop, error);
      t = end;
    }
  span_effects_free (previous, n_previous);
  if (status != VT_STATUS_OK)
    return status;
  gate (session);
  return VT_STATUS_OK;
}

static VtStatus
trainee_prepare (Trainee *trainee, VtNet *net, VtNet *from, VtError *error)
{
  trainee->net = net;
  VtStatus status = vt_net_copy_weights (net, from, error);
  if (status != VT_STATUS_OK)
    return status;
  /* Fine-tuning keeps batch norm's statistics (eval mode): a few windows of
   * one song are no population to re-estimate them from. */
  vt_net_set_training (net, false);
  int n = vt_net_get_n_params (net);
  trainee->anchor = calloc ((size_t) n, sizeof (float *));
  if (trainee->anchor == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  trainee->n_anchor = n;
  for (int i = 0; i < n; i++)
    {
      VtParam *param = vt_net_get_param (net, i);
      if (!param->trainable)
        continue;
      trainee->anchor[i] = malloc (sizeof (float) * param->size);
      if (trainee->anchor[i] == NULL)
        return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      memcpy (trainee->anchor[i], param->data, sizeof (float) * param->size);
    }
  return VT_STATUS_OK;
}

/* Back to the base weights with a fresh optimizer (Adam's moments and step
 * zeroed), so that every adaptation starts from the same state. */
static VtStatus
trainee_reset (Trainee *trainee, VtNet *from, VtError *error)
{
  VtStatus status = vt_net_copy_weights (trainee->net, from, error);
  if (status != VT_STATUS_OK)
    return status;
  for (int i = 0; i < vt_net_get_n_params (trainee->net); i++)
    {
      VtParam *param = vt_net_get_param (trainee->net, i);
      if (param->adam_m)
        memset (param->adam_m, 0, sizeof (float) * param->size);
      if (param->adam_v)
        memset (param->adam_v, 0, sizeof (float) * param->size);
    }
  vt_net_zero_grad (trainee->net);
  vt_net_set_step (trainee->net, 0);
  return VT_STATUS_OK;
}

/* A pull towards the base weights (the regulariser that keeps what was right). */
static void
trainee_anchor (Trainee *trainee, float strength)
{
  if (strength <= 0)
    return;
  for (int i = 0; i < trainee->n_anchor; i++)
    {
      if (trainee->anchor[i] == NULL)
        continue;
      VtParam *param = vt_net_get_param (trainee->net, i);
      for (size_t k = 0; k < param->size; k++)
        param->data[k] -= strength * (param->data[k] - trainee->anchor[i][k]);
    }
}

/* Copies a frames x 512 frame-major span starting at frame `start` into the
 * n-th window of an N x 1 x 512 x WINDOW tensor; out-of-song frames are 0. */
static void
put_window (float *tensor, int n, const float *source, int64_t frames, int64_t start)
{
  float *dst = tensor + (size_t) n * BINS * WINDOW;
  for (int t = 0; t < WINDOW; t++)
    {
      int64_t s = start + t;
      for (int k = 0; k < BINS; k++)
        dst[k * WINDOW + t] = (s >= 0 && s < frames) ? source[s * BINS + k] : 0.0f;
    }
}

static int64_t
window_start_around (int64_t frame, int64_t frames, VtRng *rng)
{
  int64_t start = frame - (int64_t) vt_rng_below (rng, WINDOW);
  if (start > frames - WINDOW)
    start = frames - WINDOW;
  if (start < 0)
    start = 0;
  return start;
}

static bool
over_budget (const VtAdaptParams *params, int steps, double started)
{
  if (params->max_steps > 0 && steps >= params->max_steps)
    return true;
  if (params->budget_s > 0 && now_s () - started >= params->budget_s)
    return true;
  return params->max_steps <= 0 && params->budget_s <= 0;
}

static VtStatus
adapt_f0 (VtSession *session, const VtAdaptParams *params, double started, VtRng *rng,
          const VtProgress *progress, VtError *error)
{
  const int64_t frames = session->frames;
  int64_t *corrected = malloc (sizeof (int64_t) * (size_t) frames);
  float *target = malloc (sizeof (float) * VT_F0_CLASSES);
  if (!corrected || !target)
    {
      free (corrected);
      free (target);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
    }
  int64_t n_corrected = 0;
  for (int64_t t = 0; t < frames; t++)
    if (!isnan (session->f0_user[t]))
      corrected[n_corrected++] = t;
  VtStatus status = VT_STATUS_OK;
  if (n_corrected == 0)
    goto done;

  const int batch = params->batch > 0 ? params->batch : 4;
  if (session->f0_trainee.net == NULL)
    {
      VtModelConfig config = { .with_losses = true };
      VtNet *net = vt_model_build_f0_net (batch, WINDOW, &config, params->seed,
                                          &session->f0_nodes, error);
      if (net == NULL)
        {
          status = error ? error->status : VT_STATUS_NO_MEMORY;
          goto done;
        }
      status = trainee_prepare (&session->f0_trainee, net,
                                vt_model_get_f0_net (session->base), error);
      if (status != VT_STATUS_OK)
        goto done;
    }
  else if ((status = trainee_reset (&session->f0_trainee, vt_model_get_f0_net (session->base),
                                    error)) != VT_STATUS_OK)
    goto done;
  VtNet *net = session->f0_trainee.net;
  const VtF0NetNodes *nodes = &session->f0_nodes;
  VtAdamConfig adam = { .clip_norm = 5.0f };
  while (!over_budget (params, session->f0_steps, started))
    {
      float *input = vt_net_get_value (net, nodes->spectrogram);
      float *targets = vt_net_get_value (net, nodes->target);
      float *weights = vt_net_get_value (net, nodes->weight);
      for (int b = 0; b < batch; b++)
        {
          int64_t focus = corrected[vt_rng_below (rng, (uint32_t) n_corrected)];
          int64_t start = window_start_around (focus, frames, rng);
          put_window (input, b, session->log_magnitude, frames, start);
          for (int t = 0; t < WINDOW; t++)
            {
              int64_t s = start + t;
              float *w = weights + (size_t) b * WINDOW + t;
              if (s >= frames)
                {
                  *w = 0;
                  memset (target, 0, sizeof (float) * VT_F0_CLASSES);
                }
              else if (!isnan (session->f0_user[s]))
                {
                  vt_f0_target (session->f0_user[s], 1.25, target);
                  *w = 1.0f;
                }
              else
                {
                  /* Replay: the song's own earlier posterior, softly. */
                  memcpy (target, session->base_posterior + s * VT_F0_CLASSES,
                          sizeof (float) * VT_F0_CLASSES);
                  *w = params->replay_weight;
                }
              for (int c = 0; c < VT_F0_CLASSES; c++)
                targets[((size_t) b * VT_F0_CLASSES + c) * WINDOW + t] = target[c];
            }
        }
      if ((status = vt_net_forward (net, error)) != VT_STATUS_OK
          || (status = vt_net_backward (net, error)) != VT_STATUS_OK)
        goto done;
      status = vt_adam_step (net, &adam, params->learning_rate, NULL, error);
      if (status == VT_STATUS_NUMERIC)
        {
          status = vt_error_set (error, VT_STATUS_NUMERIC,
                                 "adapting the pitch network diverged; the last good model is "
                                 "kept");
          goto done;
        }
      if (status != VT_STATUS_OK)
        goto done;
      trainee_anchor (&session->f0_trainee, params->anchor);
      session->f0_steps++;
      if (!vt_progress_report (progress, 0.0, "adapting the pitch network"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
          goto done;
        }
    }
  status = vt_net_copy_weights (vt_model_get_f0_net (session->adapted), net, error);
  if (status != VT_STATUS_OK)
    goto done;
  /* The trajectory is re-estimated by reestimate_*(). */
  session->is_adapted = true;
  session->f0_adapted = true;

done:
  free (corrected);
  free (target);
  return status;
}

/* Frames at which a window of WINDOW frames is mostly voiced with
 * confidence: the song's own vocals, for synthetic tracks. */
static int64_t
pick_vocal_window (const VtSession *session, VtRng *rng)
{
  const int64_t frames = session->frames;
  if (frames < WINDOW)
    return -1;
  for (int attempt = 0; attempt < 64; attempt++)
    {
      int64_t start = (int64_t) vt_rng_below (rng, (uint32_t) (frames - WINDOW + 1));
      double active = 0;
      int silent = 0;
      for (int t = 0; t < WINDOW; t++)
        {
          active += session->base_activity[start + t];
          silent += session->silent[start + t];
        }
      if (active / WINDOW > 0.7 && silent == 0)
        return start;
    }
  return -1;
}

static VtStatus
adapt_mask (VtSession *session, const VtAdaptParams *params, double started, VtRng *rng,
            const VtProgress *progress, VtError *error)
{
  const int64_t frames = session->frames;
  int64_t *silent_frames = malloc (sizeof (int64_t) * (size_t) frames);
  float *harmonics = malloc (sizeof (float) * WINDOW * BINS);
  float *frame_scratch = malloc (sizeof (float) * WINDOW * BINS * 4);
  float *f0_window = malloc (sizeof (float) * WINDOW);
  if (!silent_frames || !harmonics || !frame_scratch || !f0_window)
    {
      free (silent_frames);
      free (harmonics);
      free (frame_scratch);
      free (f0_window);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
    }
  float *mix_window = frame_scratch;
  float *vocal_window = frame_scratch + WINDOW * BINS;
  float *log_window = frame_scratch + 2 * WINDOW * BINS;
  float *weight_window = frame_scratch + 3 * WINDOW * BINS;
  int64_t n_silent = 0;
  for (int64_t t = 0; t < frames; t++)
    if (session->silent[t])
      silent_frames[n_silent++] = t;
  VtStatus status = VT_STATUS_OK;
  if (n_silent == 0 || params->silence == VT_SILENCE_GATE)
    goto done;

  const int batch = params->batch > 0 ? params->batch : 4;
  if (session->mask_trainee.net == NULL)
    {
      VtModelConfig config = { .with_losses = true };
      VtNet *net = vt_model_build_mask_net (batch, WINDOW, &config, params->seed,
                                            &session->mask_nodes, error);
      if (net == NULL)
        {
          status = error ? error->status : VT_STATUS_NO_MEMORY;
          goto done;
        }
      status = trainee_prepare (&session->mask_trainee, net,
                                vt_model_get_mask_net (session->base), error);
      if (status != VT_STATUS_OK)
        goto done;
      vt_net_set_loss_scale (net, session->mask_nodes.activity_loss, 0.1f);
    }
  else if ((status = trainee_reset (&session->mask_trainee,
                                    vt_model_get_mask_net (session->base), error))
           != VT_STATUS_OK)
    goto done;
  VtNet *net = session->mask_trainee.net;
  const VtMaskNetNodes *nodes = &session->mask_nodes;
  VtAdamConfig adam = { .clip_norm = 5.0f };
  int example = 0;
  while (!over_budget (params, session->mask_steps, started))
    {
      for (int b = 0; b < batch; b++, example++)
        {
          bool replay = params->replay_weight > 0 && b == batch - 1 && batch > 1;
          bool synthetic = !replay
                           && (params->silence == VT_SILENCE_SYNTHETIC
                               || (params->silence == VT_SILENCE_BOTH && (example & 1)));
          int64_t vocal_start = synthetic ? pick_vocal_window (session, rng) : -1;
          if (synthetic && vocal_start < 0)
            synthetic = false; /* no confident vocals in this song: zero targets */
          float *activity_target = vt_net_get_value (net, nodes->activity_target) + b * WINDOW;
          float *activity_weight = vt_net_get_value (net, nodes->activity_weight) + b * WINDOW;
          if (synthetic)
            {
              /* Accompaniment from the silent region (it holds no voice),
               * vocals from a confident passage: the target is exact. */
              int64_t offset = (int64_t) vt_rng_below (rng, (uint32_t) n_silent);
              for (int t = 0; t < WINDOW; t++)
                {
                  int64_t a = silent_frames[(offset + t) % n_silent];
                  int64_t v = vocal_start + t;
                  const float *acc = session->spectrum + a * 2 * BINS;
                  const float *mix = session->spectrum + v * 2 * BINS;
                  const float *gain = session->base_mask + v * MASK_BINS;
                  for (int k = 0; k < BINS; k++)
                    {
                      float vr = gain[k] * mix[2 * k], vi = gain[k] * mix[2 * k + 1];
                      float mr = acc[2 * k] + vr, mi = acc[2 * k + 1] + vi;
                      vocal_window[t * BINS + k] = hypotf (vr, vi);
                      mix_window[t * BINS + k] = hypotf (mr, mi);
                      log_window[t * BINS + k] = log1pf (mix_window[t * BINS + k]);
                      weight_window[t * BINS + k] = 1.0f;
                    }
                  f0_window[t] = session->base_f0[v];
                  activity_target[t] = session->base_activity[v] > 0.5f;
                  activity_weight[t] = 1.0f;
                }
            }
          else
            {
              int64_t focus = replay ? (int64_t) vt_rng_below (rng, (uint32_t) frames)
                                     : silent_frames[vt_rng_below (rng, (uint32_t) n_silent)];
              int64_t start = window_start_around (focus, frames, rng);
              for (int t = 0; t < WINDOW; t++)
                {
                  int64_t s = start + t;
                  bool inside = s < frames;
                  bool is_silent = inside && session->silent[s];
                  /* Zero-vocal targets in the silent frames; elsewhere the
                   * song's own earlier estimate (replay), more softly. */
                  float w = !inside ? 0.0f : is_silent ? 1.0f : params->replay_weight;
                  for (int k = 0; k < BINS; k++)
                    {
                      float m = inside ? session->magnitude[s * BINS + k] : 0.0f;
                      mix_window[t * BINS + k] = m;
                      log_window[t * BINS + k] = inside ? session->log_magnitude[s * BINS + k] : 0;
                      vocal_window[t * BINS + k]
                        = is_silent || !inside ? 0.0f : session->base_mask[s * MASK_BINS + k] * m;
                      weight_window[t * BINS + k] = w;
                    }
                  f0_window[t] = inside ? session->f0[s] : 0.0f;
                  activity_target[t] = inside && !is_silent && session->base_activity[s] > 0.5f;
                  activity_weight[t] = w;
                }
            }
          status = vt_harmonic_map_render (f0_window, NULL, WINDOW, NULL, harmonics, error);
          if (status != VT_STATUS_OK)
            goto done;
          put_window (vt_net_get_value (net, nodes->spectrogram), b, log_window, WINDOW, 0);
          put_window (vt_net_get_value (net, nodes->harmonics), b, harmonics, WINDOW, 0);
          put_window (vt_net_get_value (net, nodes->mixture), b, mix_window, WINDOW, 0);
          put_window (vt_net_get_value (net, nodes->vocals), b, vocal_window, WINDOW, 0);
          put_window (vt_net_get_value (net, nodes->mask_weight), b, weight_window, WINDOW, 0);
        }
      if ((status = vt_net_forward (net, error)) != VT_STATUS_OK
          || (status = vt_net_backward (net, error)) != VT_STATUS_OK)
        goto done;
      status = vt_adam_step (net, &adam, params->mask_learning_rate, NULL, error);
      if (status == VT_STATUS_NUMERIC)
        {
          status = vt_error_set (error, VT_STATUS_NUMERIC,
                                 "adapting the mask network diverged; the last good model is "
                                 "kept");
          goto done;
        }
      if (status != VT_STATUS_OK)
        goto done;
      trainee_anchor (&session->mask_trainee, params->anchor);
      session->mask_steps++;
      if (!vt_progress_report (progress, 0.0, "adapting the mask network"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
          goto done;
        }
    }
  status = vt_net_copy_weights (vt_model_get_mask_net (session->adapted), net, error);
  if (status == VT_STATUS_OK)
    session->is_adapted = true;

done:
  free (silent_frames);
  free (harmonics);
  free (frame_scratch);
  free (f0_window);
  return status;
}

static bool
all_finite (const float *values, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    if (!isfinite (values[i]))
      return false;
  return true;
}

/* The whole song with the adapted networks: F0 (when its network was
 * adapted), then the mask. Works on copies, so that a cancelled call leaves
 * the session as it was. */
static VtStatus
reestimate_all (VtSession *session, const VtProgress *progress, VtError *error)
{
  const int64_t frames = session->frames;
  float *f0 = frames_array (frames, 1);
  float *confidence = frames_array (frames, 1);
  float *corrected_f0 = frames_array (frames, 1);
  float *corrected_confidence = frames_array (frames, 1);
  float *mask = frames_array (frames, MASK_BINS);
  float *activity = frames_array (frames, 1);
  VtStatus status = VT_STATUS_OK;
  if (!f0 || !confidence || !corrected_f0 || !corrected_confidence || !mask || !activity)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for re-estimating");
      goto done;
    }
  memcpy (f0, session->estimate_f0, sizeof (float) * (size_t) frames);
  memcpy (confidence, session->estimate_confidence, sizeof (float) * (size_t) frames);
  if (session->f0_adapted
      && (status = vt_model_estimate_f0 (session->adapted, session->log_magnitude, frames, NULL,
                                         f0, confidence, progress, error))
           != VT_STATUS_OK)
    goto done;
  for (int64_t t = 0; t < frames; t++)
    {
      float user = session->f0_user[t];
      corrected_f0[t] = isnan (user) ? f0[t] : user > 0 ? user : 0.0f;
      corrected_confidence[t] = isnan (user) ? confidence[t] : 1.0f;
    }
  if ((status = vt_model_estimate_mask (session->adapted, session->log_magnitude, corrected_f0,
                                        corrected_confidence, frames, mask, activity, progress,
                                        error))
      != VT_STATUS_OK)
    goto done;
  if (!all_finite (mask, frames * MASK_BINS) || !all_finite (activity, frames))
    {
      status = vt_error_set (error, VT_STATUS_NUMERIC, "the adapted mask is not finite");
      goto done;
    }
  memcpy (session->estimate_f0, f0, sizeof (float) * (size_t) frames);
  memcpy (session->estimate_confidence, confidence, sizeof (float) * (size_t) frames);
  memcpy (session->mask, mask, sizeof (float) * (size_t) (frames * MASK_BINS));
  memcpy (session->activity, activity, sizeof (float) * (size_t) frames);
  apply_f0_corrections (session);
  session->needs_refresh = false;

done:
  free (f0);
  free (confidence);
  free (corrected_f0);
  free (corrected_confidence);
  free (mask);
  free (activity);
  return status;
}

/* Frames [start, end) only, with context around them. */
static VtStatus
reestimate_range (VtSession *session, int64_t start, int64_t end, VtError *error)
{
  if (session->f0_adapted)
    {
      int64_t lo = start - FOCUS_CONTEXT > 0 ? start - FOCUS_CONTEXT : 0;
      int64_t hi = end + FOCUS_CONTEXT < session->frames ? end + FOCUS_CONTEXT : session->frames;
      float *hz = malloc (sizeof (float) * (size_t) (hi - lo));
      float *confidence = malloc (sizeof (float) * (size_t) (hi - lo));
      if (!hz || !confidence)
        {
          free (hz);
          free (confidence);
          return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
        }
      VtStatus status = vt_model_estimate_f0 (session->adapted, session->log_magnitude + lo * BINS,
                                              hi - lo, NULL, hz, confidence, NULL, error);
      if (status == VT_STATUS_OK)
        {
          memcpy (session->estimate_f0 + start, hz + (start - lo),
                  sizeof (float) * (size_t) (end - start));
          memcpy (session->estimate_confidence + start, confidence + (start - lo),
                  sizeof (float) * (size_t) (end - start));
        }
      free (hz);
      free (confidence);
      if (status != VT_STATUS_OK)
        return status;
      apply_f0_corrections (session);
    }
  VtStatus status = remask_range (session, session->adapted, start, end, error);
  if (status == VT_STATUS_OK
      && (!all_finite (session->mask + start * MASK_BINS, (end - start) * MASK_BINS)
          || !all_finite (session->activity + start, end - start)))
    status = vt_error_set (error, VT_STATUS_NUMERIC, "the adapted mask is not finite");
  return status;
}

bool
vt_session_needs_refresh (const VtSession *session)
{
  return session->needs_refresh;
}

VtStatus
vt_session_refresh (VtSession *session, const VtProgress *progress, VtError *error)
{
  if (!session->needs_refresh)
    return VT_STATUS_OK;
  VtStatus status = reestimate_all (session, progress, error);
  if (status == VT_STATUS_OK)
    gate (session);
  return status;
}

VtStatus
vt_session_adapt (VtSession *session, const VtAdaptParams *params, const VtProgress *progress,
                  VtError *error)
{
  VtAdaptParams defaults;
  if (params == NULL)
    {
      vt_adapt_params_default (&defaults);
      params = &defaults;
    }
  double started = now_s ();
  session->f0_steps = session->mask_steps = 0;
  VtRng rng;
  vt_rng_init (&rng, params->seed);
  /* Split a time budget between the networks that have something to learn. */
  bool has_f0 = false, has_silence = false;
  for (int64_t t = 0; t < session->frames; t++)
    {
      has_f0 |= !isnan (session->f0_user[t]);
      has_silence |= session->silent[t] != 0;
    }
  VtAdaptParams f0_params = *params, mask_params = *params;
  if (params->budget_s > 0 && has_f0 && has_silence && params->silence != VT_SILENCE_GATE)
    f0_params.budget_s = params->budget_s / 2;
  VtStatus status = VT_STATUS_OK;
  if (has_f0)
    status = adapt_f0 (session, &f0_params, started, &rng, progress, error);
  if (status == VT_STATUS_OK && has_silence)
    status = adapt_mask (session, &mask_params, started, &rng, progress, error);
  if (status == VT_STATUS_OK && session->is_adapted)
    {
      int64_t start = params->focus_start > 0 ? params->focus_start : 0;
      int64_t end = params->focus_end < session->frames ? params->focus_end : session->frames;
      if (end > start && (start > 0 || end < session->frames))
        {
          status = reestimate_range (session, start, end, error);
          session->needs_refresh = status == VT_STATUS_OK;
        }
      else
        status = reestimate_all (session, NULL, error);
      /* Networks that give non-finite values have diverged, however finite
       * their last training step looked. */
      if (status == VT_STATUS_BAD_DATA || status == VT_STATUS_NUMERIC)
        status = vt_error_set (error, VT_STATUS_NUMERIC,
                               "adaptation diverged (the adapted networks give non-finite "
                               "values); the last good model is kept");
    }
  if (status != VT_STATUS_OK)
    {
      /* Roll back to the last good state: the immediate effects only. */
      VtError ignored = { 0 };
      float *user = malloc (sizeof (float) * (size_t) session->frames);
      uint8_t *silent = malloc ((size_t) session->frames);
      if (user && silent)
        {
          memcpy (user, session->f0_user, sizeof (float) * (size_t) session->frames);
          memcpy (silent, session->silent, (size_t) session->frames);
          vt_session_set_corrections (session, user, silent, &ignored);
        }
      free (user);
      free (silent);
      session->adapt_seconds = now_s () - started;
      return status;
    }
  gate (session);
  session->adapt_seconds = now_s () - started;
  return VT_STATUS_OK;
}

VtMaskGrid
vt_session_get_mask_grid (const VtSession *session, VtHighBand high_band)
{
  return vt_analysis_mask_grid (session->gated_mask, session->frames, high_band);
}

VtStatus
vt_session_render (VtSession *session, const char *path, double playhead_s, double chunk_s,
                   VtHighBand high_band, VtChunkFunc chunk, void *user_data,
                   const VtProgress *progress, VtError *error)
{
  VtAudioInfo info;
  VtAudioReader *reader = vt_audio_reader_open (path, &info, error);
  if (reader == NULL)
    return error ? error->status : VT_STATUS_IO;
  VtMaskApplier *applier = vt_mask_applier_new (info.sample_rate, info.channels, error);
  if (applier == NULL)
    {
      vt_audio_reader_close (reader);
      return error ? error->status : VT_STATUS_NO_MEMORY;
    }
  const int hop = vt_mask_applier_get_hop (applier);
  const int64_t pad = vt_mask_applier_get_padding (applier);
  int64_t block = (int64_t) (chunk_s * info.sample_rate);
  block = block < hop ? hop : block / hop * hop;
  const int64_t n_chunks = (info.frames + block - 1) / block;
  const int channels = info.channels;
  float *input = malloc (sizeof (float) * (size_t) ((block + 2 * pad) * channels));
  float *vocals = malloc (sizeof (float) * (size_t) (block * channels));
  float *accompaniment = malloc (sizeof (float) * (size_t) (block * channels));
  VtStatus status = VT_STATUS_OK;
  if (!input || !vocals || !accompaniment)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  VtMaskGrid grid = vt_session_get_mask_grid (session, high_band);
  int64_t first_chunk = (int64_t) (playhead_s * info.sample_rate) / block;
  if (first_chunk >= n_chunks)
    first_chunk = n_chunks - 1;
  if (first_chunk < 0)
    first_chunk = 0;
  /* playhead, then after, before, after, ... */
  for (int64_t k = 0, done_chunks = 0; done_chunks < n_chunks; k++)
    {
      int64_t index = first_chunk + (k % 2 == 1 ? (k + 1) / 2 : -(k / 2));
      if (index < 0 || index >= n_chunks)
        {
          if (k > 2 * n_chunks + 2)
            break;
          continue;
        }
      int64_t first = index * block;
      int64_t frames = first + block <= info.frames ? block : info.frames - first;
      if ((status = vt_audio_reader_read (reader, first - pad, frames + 2 * pad, input, NULL,
                                          error)) != VT_STATUS_OK)
        goto done;
      if ((status = vt_mask_applier_process (applier, &grid, input, first, frames, vocals,
                                             accompaniment)) != VT_STATUS_OK)
        {
          vt_error_set (error, status, "re-separating failed");
          goto done;
        }
      if ((status = chunk (first, frames, vocals, accompaniment, user_data)) != VT_STATUS_OK)
        {
          vt_error_set (error, status, "re-separation stopped");
          goto done;
        }
      done_chunks++;
      if (!vt_progress_report (progress, (double) done_chunks / n_chunks, "re-separating"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
          goto done;
        }
    }

done:
  free (input);
  free (vocals);
  free (accompaniment);
  vt_mask_applier_free (applier);
  vt_audio_reader_close (reader);
  return status;
}
