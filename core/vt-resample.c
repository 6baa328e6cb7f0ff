/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-resample.h"

#include <math.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

struct VtResampler
{
  soxr_t soxr;
  int channels;
};

int64_t
vt_resample_output_frames (int64_t in_frames, double in_rate, double out_rate)
{
  return (int64_t) ceil ((double) in_frames * out_rate / in_rate - 1e-9);
}

VtStatus
vt_resample (const float *in, int64_t in_frames, int channels, double in_rate, double out_rate,
             float **out, int64_t *out_frames, VtError *error)
{
  if (in_rate <= 0 || out_rate <= 0 || channels < 1 || in_frames < 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "cannot resample %g Hz to %g Hz",
                         in_rate, out_rate);
  int64_t n_out = vt_resample_output_frames (in_frames, in_rate, out_rate);
  float *buffer = calloc ((size_t) n_out * (size_t) channels + 1, sizeof (float));
  if (buffer == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory while resampling");
  if (in_rate == out_rate)
    {
      memcpy (buffer, in, (size_t) in_frames * (size_t) channels * sizeof (float));
      *out = buffer;
      *out_frames = in_frames;
      return VT_STATUS_OK;
    }
  soxr_io_spec_t io = soxr_io_spec (SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t quality = soxr_quality_spec (SOXR_HQ, 0);
  size_t idone = 0, odone = 0;
  soxr_error_t err = soxr_oneshot (in_rate, out_rate, (unsigned) channels, in, (size_t) in_frames,
                                   &idone, buffer, (size_t) n_out, &odone, &io, &quality, NULL);
  if (err != NULL)
    {
      free (buffer);
      return vt_error_set (error, VT_STATUS_NUMERIC, "resampling failed: %s", err);
    }
  *out = buffer;
  *out_frames = n_out; /* soxr may deliver a frame less; the tail stays zero */
  return VT_STATUS_OK;
}

VtResampler *
vt_resampler_new (int channels, double in_rate, double out_rate, VtError *error)
{
  VtResampler *resampler = calloc (1, sizeof *resampler);
  if (resampler == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  soxr_io_spec_t io = soxr_io_spec (SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t quality = soxr_quality_spec (SOXR_HQ, 0);
  soxr_error_t err = NULL;
  resampler->soxr = soxr_create (in_rate, out_rate, (unsigned) channels, &err, &io, &quality, NULL);
  if (err != NULL || resampler->soxr == NULL)
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "cannot resample %g Hz to %g Hz: %s", in_rate,
                    out_rate, err ? err : "unknown");
      free (resampler);
      return NULL;
    }
  resampler->channels = channels;
  return resampler;
}

VtStatus
vt_resampler_process (VtResampler *resampler, const float *in, size_t in_frames, float *out,
                      size_t out_capacity, size_t *out_done)
{
  size_t idone = 0;
  soxr_error_t err = soxr_process (resampler->soxr, in, in ? in_frames : 0, &idone, out,
                                   out_capacity, out_done);
  return err ? VT_STATUS_NUMERIC : VT_STATUS_OK;
}

void
vt_resampler_free (VtResampler *resampler)
{
  if (resampler == NULL)
    return;
  soxr_delete (resampler->soxr);
  free (resampler);
}
