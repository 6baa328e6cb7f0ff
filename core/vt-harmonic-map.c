/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-harmonic-map.h"

#include <math.h>
#include <string.h>

#include "vt-features.h"

void
vt_harmonic_map_params_default (VtHarmonicMapParams *params)
{
  params->sample_rate = VT_FEATURES_RATE;
  params->n_fft = VT_FEATURES_N_FFT;
  params->bins = VT_FEATURES_BINS;
  params->spread_bins = 1.0f;
  params->relative_spread = 0.01f;
  params->harmonic_decay = 0.9f;
  params->max_harmonics = 0;
}

VtStatus
vt_harmonic_map_render (const float *f0_hz, const float *confidence, int64_t frames,
                        const VtHarmonicMapParams *params, float *map, VtError *error)
{
  VtHarmonicMapParams defaults;
  if (params == NULL)
    {
      vt_harmonic_map_params_default (&defaults);
      params = &defaults;
    }
  if (frames < 0 || params->sample_rate <= 0 || params->n_fft < 2 || params->bins < 1
      || params->bins > params->n_fft / 2 + 1 || !(params->spread_bins > 0)
      || !(params->relative_spread >= 0) || !(params->harmonic_decay > 0)
      || !(params->harmonic_decay <= 1) || params->max_harmonics < 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "invalid harmonic map settings");

  const int bins = params->bins;
  const double hz_per_bin = (double) params->sample_rate / params->n_fft;
  const double nyquist = params->sample_rate / 2.0;
  for (int64_t t = 0; t < frames; t++)
    {
      float *row = map + t * bins;
      memset (row, 0, sizeof (float) * (size_t) bins);
      double f0 = f0_hz[t];
      if (!(f0 > 0) || !isfinite (f0))
        continue;
      double scale = 1.0;
      if (confidence)
        {
          scale = confidence[t];
          if (!(scale > 0))
            continue;
          if (scale > 1)
            scale = 1;
        }
      double weight = scale;
      for (int h = 1; h * f0 < nyquist; h++)
        {
          if (params->max_harmonics > 0 && h > params->max_harmonics)
            break;
          double centre = h * f0 / hz_per_bin;
          double sigma = params->spread_bins + params->relative_spread * h * f0 / hz_per_bin;
          int lo = (int) floor (centre - 3 * sigma);
          int hi = (int) ceil (centre + 3 * sigma);
          if (lo < 0)
            lo = 0;
          if (hi > bins - 1)
            hi = bins - 1;
          for (int k = lo; k <= hi; k++)
            {
              double d = (k - centre) / sigma;
              float v = (float) (weight * exp (-0.5 * d * d));
              if (v > row[k])
                row[k] = v;
            }
          weight *= params->harmonic_decay;
          if (weight < 1e-4)
            break;
        }
    }
  return VT_STATUS_OK;
}
