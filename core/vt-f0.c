/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-f0.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Emissions are floored at this probability so that log () stays finite. */
#define VT_F0_FLOOR 1e-6f

double
vt_f0_midi_to_hz (double midi)
{
  return 440.0 * pow (2.0, (midi - 69.0) / 12.0);
}

double
vt_f0_hz_to_midi (double hz)
{
  return 69.0 + 12.0 * log2 (hz / 440.0);
}

double
vt_f0_hz_to_bin (double hz)
{
  return (vt_f0_hz_to_midi (hz) - VT_F0_MIN_MIDI) * 100.0 / VT_F0_CENTS_PER_BIN;
}

double
vt_f0_bin_to_hz (double bin)
{
  return vt_f0_midi_to_hz (VT_F0_MIN_MIDI + bin * VT_F0_CENTS_PER_BIN / 100.0);
}

double vt_f0_min_hz (void) { return vt_f0_bin_to_hz (0); }
double vt_f0_max_hz (void) { return vt_f0_bin_to_hz (VT_F0_BINS - 1); }

double
vt_f0_cents (double hz_a, double hz_b)
{
  return 1200.0 * log2 (hz_b / hz_a);
}

void
vt_f0_target (double hz, double sigma_bins, float *target)
{
  memset (target, 0, sizeof (float) * VT_F0_CLASSES);
  if (!(hz > 0) || !isfinite (hz))
    {
      target[VT_F0_UNVOICED] = 1.0f;
      return;
    }
  double centre = vt_f0_hz_to_bin (hz);
  if (centre < 0)
    centre = 0;
  if (centre > VT_F0_BINS - 1)
    centre = VT_F0_BINS - 1;
  if (!(sigma_bins > 0))
    {
      int low = (int) floor (centre);
      double frac = centre - low;
      target[low] = (float) (1.0 - frac);
      if (low + 1 < VT_F0_BINS)
        target[low + 1] += (float) frac;
      return;
    }
  int first = (int) floor (centre - 4 * sigma_bins);
  int last = (int) ceil (centre + 4 * sigma_bins);
  if (first < 0)
    first = 0;
  if (last > VT_F0_BINS - 1)
    last = VT_F0_BINS - 1;
  double sum = 0;
  for (int b = first; b <= last; b++)
    {
      double d = (b - centre) / sigma_bins;
      double g = exp (-0.5 * d * d);
      target[b] = (float) g;
      sum += g;
    }
  for (int b = first; b <= last; b++)
    target[b] = (float) (target[b] / sum);
}

void
vt_f0_decode_params_default (VtF0DecodeParams *params)
{
  params->max_jump = 15;
  params->jump_cost = 0.1f;
  params->voicing_switch_cost = 2.0f;
  params->voicing_bias = 0.0f;
  params->refine_radius = 3;
}

/* Log emissions of one frame: the voicing decision (voiced mass against
 * unvoiced mass) plus, for a voiced state, how the bin compares with the
 * frame's most likely bin. Comparing with the peak rather than using the
 * bin's own probability keeps a pitch spread over several bins (as the
 * Gaussian targets teach) from losing against a single unvoiced class. */
static void
frame_emissions (const float *row, float voicing_bias, float *emission)
{
  double voiced = 0;
  float peak = 0;
  for (int b = 0; b < VT_F0_BINS; b++)
    {
      voiced += row[b];
      if (row[b] > peak)
        peak = row[b];
    }
  double total = voiced + row[VT_F0_UNVOICED];
  double p_voiced = total > 0 ? voiced / total : 0.5;
  float log_voiced = (float) log (p_voiced > VT_F0_FLOOR ? p_voiced : VT_F0_FLOOR) + voicing_bias;
  double p_unvoiced = 1.0 - p_voiced;
  emission[VT_F0_UNVOICED] = (float) log (p_unvoiced > VT_F0_FLOOR ? p_unvoiced : VT_F0_FLOOR);
  float log_peak = logf (peak + VT_F0_FLOOR);
  for (int b = 0; b < VT_F0_BINS; b++)
    emission[b] = log_voiced + logf (row[b] + VT_F0_FLOOR) - log_peak;
}

VtStatus
vt_f0_decode (const float *posterior, int64_t frames, const VtF0DecodeParams *params,
              float *hz, float *confidence, float *bin, VtError *error)
{
  VtF0DecodeParams defaults;
  if (params == NULL)
    {
      vt_f0_decode_params_default (&defaults);
      params = &defaults;
    }
  if (frames < 0 || params->max_jump < 0 || params->max_jump >= VT_F0_BINS
      || !(params->jump_cost >= 0) || !(params->voicing_switch_cost >= 0)
      || !isfinite (params->voicing_bias) || params->refine_radius < 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "invalid F0 decoding parameters");
  if (frames == 0)
    return VT_STATUS_OK;
  for (int64_t i = 0; i < frames * VT_F0_CLASSES; i++)
    if (!(posterior[i] >= 0) || !isfinite (posterior[i]))
      return vt_error_set (error, VT_STATUS_BAD_DATA,
                           "the pitch posterior holds a negative or non-finite value at frame %ld",
                           (long) (i / VT_F0_CLASSES));

  int16_t *from = malloc (sizeof (int16_t) * (size_t) frames * VT_F0_CLASSES);
  float *score = malloc (sizeof (float) * VT_F0_CLASSES * 3);
  if (from == NULL || score == NULL)
    {
      free (from);
      free (score);
      return vt_error_set (error, VT_STATUS_NO_MEMORY,
                           "out of memory decoding the pitch of %ld frames", (long) frames);
    }
  float *previous = score;
  float *current = score + VT_F0_CLASSES;
  float *emission = score + 2 * VT_F0_CLASSES;
  const int band = params->max_jump;
  const float jump_cost = params->jump_cost;
  const float switch_cost = params->voicing_switch_cost;

  frame_emissions (posterior, params->voicing_bias, previous);
  for (int s = 0; s < VT_F0_CLASSES; s++)
    from[s] = (int16_t) s;

  for (int64_t t = 1; t < frames; t++)
    {
      frame_emissions (posterior + t * VT_F0_CLASSES, params->voicing_bias, emission);
      int16_t *back = from + t * VT_F0_CLASSES;
      float from_unvoiced = previous[VT_F0_UNVOICED] - switch_cost;
      float best_voiced = -INFINITY;
      int best_voiced_bin = 0;
      for (int b = 0; b < VT_F0_BINS; b++)
        {
          int lo = b - band < 0 ? 0 : b - band;
          int hi = b + band > VT_F0_BINS - 1 ? VT_F0_BINS - 1 : b + band;
          float best = from_unvoiced;
          int arg = VT_F0_UNVOICED;
          for (int p = lo; p <= hi; p++)
            {
              float s = previous[p] - jump_cost * (float) abs (b - p);
              if (s > best)
                {
                  best = s;
                  arg = p;
                }
            }
          current[b] = best + emission[b];
          back[b] = (int16_t) arg;
          if (previous[b] > best_voiced)
            {
              best_voiced = previous[b];
              best_voiced_bin = b;
            }
        }
      if (best_voiced - switch_cost > previous[VT_F0_UNVOICED])
        {
          current[VT_F0_UNVOICED] = best_voiced - switch_cost + emission[VT_F0_UNVOICED];
          back[VT_F0_UNVOICED] = (int16_t) best_voiced_bin;
        }
      else
        {
          current[VT_F0_UNVOICED] = previous[VT_F0_UNVOICED] + emission[VT_F0_UNVOICED];
          back[VT_F0_UNVOICED] = VT_F0_UNVOICED;
        }
      /* Keep the scores near zero so that long songs do not lose precision. */
      float top = current[0];
      for (int s = 1; s < VT_F0_CLASSES; s++)
        if (current[s] > top)
          top = current[s];
      for (int s = 0; s < VT_F0_CLASSES; s++)
        current[s] -= top;
      float *swap = previous;
      previous = current;
      current = swap;
    }

  int state = 0;
  for (int s = 1; s < VT_F0_CLASSES; s++)
    if (previous[s] > previous[state])
      state = s;
  const int radius = params->refine_radius;
  for (int64_t t = frames - 1; t >= 0; t--)
    {
      const float *row = posterior + t * VT_F0_CLASSES;
      double total = 0;
      for (int s = 0; s < VT_F0_CLASSES; s++)
        total += row[s];
      if (state == VT_F0_UNVOICED)
        {
          hz[t] = 0.0f;
          if (confidence)
            confidence[t] = total > 0 ? (float) (row[VT_F0_UNVOICED] / total) : 0.0f;
          if (bin)
            bin[t] = -1.0f;
        }
      else
        {
          int lo = state - radius < 0 ? 0 : state - radius;
          int hi = state + radius > VT_F0_BINS - 1 ? VT_F0_BINS - 1 : state + radius;
          double mass = 0, moment = 0;
          for (int b = lo; b <= hi; b++)
            {
              mass += row[b];
              moment += (double) row[b] * b;
            }
          double refined = mass > 0 ? moment / mass : state;
          hz[t] = (float) vt_f0_bin_to_hz (refined);
          if (confidence)
            confidence[t] = total > 0 ? (float) (mass / total) : 0.0f;
          if (bin)
            bin[t] = (float) refined;
        }
      if (t > 0)
        state = from[t * VT_F0_CLASSES + state];
    }
  free (from);
  free (score);
  return VT_STATUS_OK;
}
