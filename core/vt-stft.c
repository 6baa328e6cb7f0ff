/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-stft.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt-fft.h"

#define VT_PI 3.14159265358979323846

struct VtStft
{
  int n_fft;
  int hop;
  int bins;
  float *window;
  float *frame;          /* n_fft real samples */
  fftwf_complex *bins_buffer; /* bins complex values */
  fftwf_plan forward_plan;
  fftwf_plan inverse_plan;
};

VtStft *
vt_stft_new (int n_fft, int hop, VtError *error)
{
  if (n_fft < 4 || n_fft % 2 != 0 || hop < 1 || hop > n_fft / 2)
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                    "STFT needs an even window of at least 4 samples and 1 <= hop <= window/2 "
                    "(got %d/%d)", n_fft, hop);
      return NULL;
    }
  VtStft *stft = calloc (1, sizeof *stft);
  if (stft == NULL)
    goto oom;
  stft->n_fft = n_fft;
  stft->hop = hop;
  stft->bins = n_fft / 2 + 1;
  stft->window = malloc (sizeof (float) * (size_t) n_fft);
  stft->frame = fftwf_malloc (sizeof (float) * (size_t) n_fft);
  stft->bins_buffer = fftwf_malloc (sizeof (fftwf_complex) * (size_t) stft->bins);
  if (!stft->window || !stft->frame || !stft->bins_buffer)
    goto oom;
  for (int i = 0; i < n_fft; i++)
    stft->window[i] = (float) (0.5 - 0.5 * cos (2.0 * VT_PI * i / n_fft));

  vt_fft_planner_lock ();
  stft->forward_plan = fftwf_plan_dft_r2c_1d (n_fft, stft->frame, stft->bins_buffer,
                                              FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  stft->inverse_plan = fftwf_plan_dft_c2r_1d (n_fft, stft->bins_buffer, stft->frame,
                                              FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  vt_fft_planner_unlock ();
  if (!stft->forward_plan || !stft->inverse_plan)
    goto oom;
  return stft;

oom:
  vt_stft_free (stft);
  vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for a %d-point STFT", n_fft);
  return NULL;
}

void
vt_stft_free (VtStft *stft)
{
  if (stft == NULL)
    return;
  vt_fft_planner_lock ();
  if (stft->forward_plan)
    fftwf_destroy_plan (stft->forward_plan);
  if (stft->inverse_plan)
    fftwf_destroy_plan (stft->inverse_plan);
  vt_fft_planner_unlock ();
  fftwf_free (stft->frame);
  fftwf_free (stft->bins_buffer);
  free (stft->window);
  free (stft);
}

int vt_stft_get_n_fft (const VtStft *stft) { return stft->n_fft; }
int vt_stft_get_hop (const VtStft *stft) { return stft->hop; }
int vt_stft_get_bins (const VtStft *stft) { return stft->bins; }
const float *vt_stft_get_window (const VtStft *stft) { return stft->window; }

int64_t
vt_stft_frame_count (const VtStft *stft, int64_t n_samples)
{
  return n_samples / stft->hop + 1;
}

void
vt_stft_forward (VtStft *stft, const float *signal, int64_t n_samples, int64_t first_frame,
                 int64_t n_frames, float *spectrum)
{
  const int n_fft = stft->n_fft;
  const int half = n_fft / 2;
  for (int64_t t = 0; t < n_frames; t++)
    {
      int64_t start = (first_frame + t) * stft->hop - half;
      if (start >= 0 && start + n_fft <= n_samples)
        for (int i = 0; i < n_fft; i++)
          stft->frame[i] = signal[start + i] * stft->window[i];
      else
        for (int i = 0; i < n_fft; i++)
          {
            int64_t s = start + i;
            stft->frame[i] = (s >= 0 && s < n_samples) ? signal[s] * stft->window[i] : 0.0f;
          }
      fftwf_execute (stft->forward_plan);
      memcpy (spectrum + t * stft->bins * 2, stft->bins_buffer,
              sizeof (fftwf_complex) * (size_t) stft->bins);
    }
}

VtStatus
vt_stft_inverse (VtStft *stft, const float *spectrum, int64_t n_frames, float *signal,
                 int64_t n_samples)
{
  const int n_fft = stft->n_fft;
  const int half = n_fft / 2;
  float *window_sum = calloc ((size_t) n_samples + 1, sizeof (float));
  if (window_sum == NULL)
    return VT_STATUS_NO_MEMORY;
  memset (signal, 0, sizeof (float) * (size_t) n_samples);
  const float scale = 1.0f / (float) n_fft;
  for (int64_t t = 0; t < n_frames; t++)
    {
      memcpy (stft->bins_buffer, spectrum + t * stft->bins * 2,
              sizeof (fftwf_complex) * (size_t) stft->bins);
      fftwf_execute (stft->inverse_plan);
      int64_t start = t * stft->hop - half;
      /* Only the frames at the ends hang over the signal's edges. */
      int i0 = start < 0 ? (int) -start : 0;
      int i1 = start + n_fft > n_samples ? (int) (n_samples - start) : n_fft;
      float *out = signal + start;
      float *sum = window_sum + start;
      const float *w = stft->window;
      const float *frame = stft->frame;
      for (int i = i0; i < i1; i++)
        {
          out[i] += frame[i] * scale * w[i];
          sum[i] += w[i] * w[i];
        }
    }
  for (int64_t s = 0; s < n_samples; s++)
    signal[s] = window_sum[s] > 1e-8f ? signal[s] / window_sum[s] : 0.0f;
  free (window_sum);
  return VT_STATUS_OK;
}

void
vt_spectrum_magnitude (const float *spectrum, int64_t n, float *magnitude)
{
  for (int64_t i = 0; i < n; i++)
    magnitude[i] = hypotf (spectrum[2 * i], spectrum[2 * i + 1]);
}
