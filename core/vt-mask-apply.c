/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-mask-apply.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vt-fft.h"
#include "vt-stft.h"

struct VtMaskApplier
{
  int sample_rate;
  int channels;
  VtStft *stft;
  int n_fft;
  int hop;
  int bins;
  int64_t padding;
  /* scratch, grown on demand */
  int64_t capacity; /* samples per channel */
  float *channel_in;
  float *channel_out;
  float *spectrum;
  float *frame_mask; /* frames x bins of the current block */
  int64_t mask_capacity; /* frames */
};

VtMaskApplier *
vt_mask_applier_new (int sample_rate, int channels, VtError *error)
{
  if (sample_rate < 1000 || channels < 1)
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "cannot separate %d channels at %d Hz",
                    channels, sample_rate);
      return NULL;
    }
  VtMaskApplier *applier = calloc (1, sizeof *applier);
  if (applier == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  applier->sample_rate = sample_rate;
  applier->channels = channels;
  /* About 64 ms windows (the analysis STFT's 1024 samples at 16 kHz), a
   * quarter-window hop: the same time-frequency trade-off at every rate. */
  int n_fft = (int) vt_fft_good_size ((size_t) lround (1024.0 * sample_rate / 16000.0));
  if (n_fft % 4 != 0)
    n_fft = (int) vt_fft_good_size ((size_t) (n_fft + 4 - n_fft % 4));
  while (n_fft % 4 != 0)
    n_fft = (int) vt_fft_good_size ((size_t) n_fft + 1);
  applier->n_fft = n_fft;
  applier->hop = n_fft / 4;
  applier->padding = n_fft + applier->hop;
  applier->padding -= applier->padding % applier->hop;
  applier->stft = vt_stft_new (n_fft, applier->hop, error);
  if (applier->stft == NULL)
    {
      free (applier);
      return NULL;
    }
  applier->bins = vt_stft_get_bins (applier->stft);
  return applier;
}

void
vt_mask_applier_free (VtMaskApplier *applier)
{
  if (applier == NULL)
    return;
  vt_stft_free (applier->stft);
  free (applier->channel_in);
  free (applier->channel_out);
  free (applier->spectrum);
  free (applier->frame_mask);
  free (applier);
}

int vt_mask_applier_get_hop (const VtMaskApplier *applier) { return applier->hop; }
int64_t vt_mask_applier_get_padding (const VtMaskApplier *applier) { return applier->padding; }

VtHighBand
vt_high_band_from_name (const char *name)
{
  if (name && strcasecmp (name, "zero") == 0)
    return VT_HIGH_BAND_ZERO;
  if (name && strcasecmp (name, "one") == 0)
    return VT_HIGH_BAND_ONE;
  return VT_HIGH_BAND_EDGE;
}

static VtStatus
ensure_scratch (VtMaskApplier *applier, int64_t samples)
{
  if (samples <= applier->capacity)
    return VT_STATUS_OK;
  int64_t frames = samples / applier->hop + 1;
  float *in = realloc (applier->channel_in, sizeof (float) * (size_t) samples);
  if (in)
    applier->channel_in = in;
  float *out = realloc (applier->channel_out, sizeof (float) * (size_t) samples);
  if (out)
    applier->channel_out = out;
  float *spectrum = realloc (applier->spectrum,
                             sizeof (float) * 2 * (size_t) (frames * applier->bins));
  if (spectrum)
    applier->spectrum = spectrum;
  float *frame_mask = realloc (applier->frame_mask,
                               sizeof (float) * (size_t) (frames * applier->bins));
  if (frame_mask)
    applier->frame_mask = frame_mask;
  if (!in || !out || !spectrum || !frame_mask)
    return VT_STATUS_NO_MEMORY;
  applier->capacity = samples;
  return VT_STATUS_OK;
}

/* The mask at time t (s) on this applier's bins, interpolated linearly in
 * time and frequency from the analysis grid. */
static void
mask_for_frame (const VtMaskApplier *applier, const VtMaskGrid *mask, double t, float *out)
{
  double position = t * mask->frame_rate;
  if (position < 0)
    position = 0;
  if (position > (double) (mask->frames - 1))
    position = (double) (mask->frames - 1);
  int64_t k0 = (int64_t) floor (position);
  int64_t k1 = k0 + 1 < mask->frames ? k0 + 1 : k0;
  float wt = (float) (position - (double) k0);
  const float *row0 = mask->values + k0 * mask->bins;
  const float *row1 = mask->values + k1 * mask->bins;

  /* Mean over the top 2 kHz of the analysis band, for VT_HIGH_BAND_EDGE. */
  float edge = 0.0f;
  if (mask->high_band == VT_HIGH_BAND_EDGE)
    {
      int edge_bins = (int) fmax (1.0, 2000.0 / mask->bin_hz);
      if (edge_bins > mask->bins)
        edge_bins = mask->bins;
      for (int j = mask->bins - edge_bins; j < mask->bins; j++)
        edge += (1 - wt) * row0[j] + wt * row1[j];
      edge /= (float) edge_bins;
    }

  const double bin_hz = (double) applier->sample_rate / applier->n_fft;
  for (int i = 0; i < applier->bins; i++)
    {
      double q = i * bin_hz / mask->bin_hz;
      if (q <= (double) (mask->bins - 1))
        {
          int j0 = (int) floor (q);
          int j1 = j0 + 1 < mask->bins ? j0 + 1 : j0;
          float wf = (float) (q - j0);
          float a = (1 - wf) * row0[j0] + wf * row0[j1];
          float b = (1 - wf) * row1[j0] + wf * row1[j1];
          out[i] = (1 - wt) * a + wt * b;
        }
      else
        out[i] = mask->high_band == VT_HIGH_BAND_ZERO ? 0.0f
                 : mask->high_band == VT_HIGH_BAND_ONE ? 1.0f
                                                       : edge;
    }
}

VtStatus
vt_mask_applier_process (VtMaskApplier *applier, const VtMaskGrid *mask, const float *input,
                         int64_t first, int64_t frames, float *vocals, float *accompaniment)
{
  if (first % applier->hop != 0 || frames < 0 || mask == NULL || mask->frames < 1
      || mask->bins < 2 || mask->frame_rate <= 0 || mask->bin_hz <= 0)
    return VT_STATUS_BAD_ARGUMENT;
  const int channels = applier->channels;
  const int64_t pad = applier->padding;
  const int64_t block = frames + 2 * pad;
  if (ensure_scratch (applier, block) != VT_STATUS_OK)
    return VT_STATUS_NO_MEMORY;
  const int64_t n_frames = vt_stft_frame_count (applier->stft, block);
  const int64_t first_global_frame = (first - pad) / applier->hop;
  const int bins = applier->bins;

  /* One mask for all channels: the voice sits in the same time-frequency
   * cells of every channel, and a shared mask keeps the stereo image. */
  for (int64_t t = 0; t < n_frames; t++)
    {
      double seconds = (double) ((first_global_frame + t) * applier->hop) / applier->sample_rate;
      mask_for_frame (applier, mask, seconds, applier->frame_mask + t * bins);
    }

  for (int c = 0; c < channels; c++)
    {
      for (int64_t i = 0; i < block; i++)
        applier->channel_in[i] = input[i * channels + c];
      vt_stft_forward (applier->stft, applier->channel_in, block, 0, n_frames, applier->spectrum);
      for (int64_t t = 0; t < n_frames; t++)
        {
          float *row = applier->spectrum + t * bins * 2;
          const float *gain = applier->frame_mask + t * bins;
          for (int i = 0; i < bins; i++)
            {
              row[2 * i] *= gain[i];
              row[2 * i + 1] *= gain[i];
            }
        }
      VtStatus status = vt_stft_inverse (applier->stft, applier->spectrum, n_frames,
                                         applier->channel_out, block);
      if (status != VT_STATUS_OK)
        return status;
      for (int64_t i = 0; i < frames; i++)
        {
          float mixture = input[(i + pad) * channels + c];
          float voice = applier->channel_out[i + pad];
          if (vocals)
            vocals[i * channels + c] = voice;
          if (accompaniment)
            accompaniment[i * channels + c] = mixture - voice;
        }
    }
  return VT_STATUS_OK;
}
