/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-mask-apply: masks from the 16 kHz grid applied at the song's own
 * rate, in seamless chunks, with stems that add up to the mixture. */
#include <math.h>

#include "vt-mask-apply.h"
#include "vt-test-util.h"

#define GRID_BINS 513

static float *
smooth_mask (int64_t frames)
{
  float *m = g_new (float, frames * GRID_BINS);
  for (int64_t k = 0; k < frames; k++)
    for (int j = 0; j < GRID_BINS; j++)
      m[k * GRID_BINS + j] = (float) (0.5 + 0.45 * sin (0.07 * k + 0.03 * j));
  return m;
}

static VtMaskGrid
grid (const float *values, int64_t frames, VtHighBand high_band)
{
  return (VtMaskGrid){ .values = values, .frames = frames, .bins = GRID_BINS,
                       .frame_rate = 50.0, .bin_hz = 15.625, .high_band = high_band };
}

/* Separates the whole of x in blocks of `block` frames (0 = one block). */
static void
separate (int rate, int channels, const float *x, int64_t n, const VtMaskGrid *mask,
          int64_t block, float *vocals, float *accompaniment)
{
  VtMaskApplier *applier = vt_mask_applier_new (rate, channels, NULL);
  g_assert_nonnull (applier);
  int64_t pad = vt_mask_applier_get_padding (applier);
  int hop = vt_mask_applier_get_hop (applier);
  if (block == 0)
    block = n;
  block = (block + hop - 1) / hop * hop;
  g_autofree float *input = g_new (float, (block + 2 * pad) * channels);
  for (int64_t first = 0; first < n; first += block)
    {
      int64_t frames = MIN (block, n - first);
      for (int64_t i = 0; i < frames + 2 * pad; i++)
        for (int c = 0; c < channels; c++)
          {
            int64_t s = first - pad + i;
            input[i * channels + c] = (s >= 0 && s < n) ? x[s * channels + c] : 0.0f;
          }
      g_assert_cmpint (vt_mask_applier_process (applier, mask, input, first, frames,
                                                vocals + first * channels,
                                                accompaniment + first * channels),
                       ==, VT_STATUS_OK);
    }
  vt_mask_applier_free (applier);
}

static float *
noise (int64_t n, int channels, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  float *x = g_new (float, n * channels);
  for (int64_t i = 0; i < n * channels; i++)
    x[i] = (float) g_rand_double_range (rand, -0.5, 0.5);
  g_rand_free (rand);
  return x;
}

static void
test_identity_and_sum (void)
{
  const int rates[] = { 8000, 11025, 16000, 44100, 48000, 96000, 192000 };
  for (size_t r = 0; r < G_N_ELEMENTS (rates); r++)
    {
      int rate = rates[r];
      int64_t n = rate * 2 + 7;
      g_autofree float *x = noise (n, 2, rate);
      g_autofree float *ones = g_new (float, 101 * GRID_BINS);
      for (int i = 0; i < 101 * GRID_BINS; i++)
        ones[i] = 1.0f;
      VtMaskGrid mask = grid (ones, 101, VT_HIGH_BAND_ONE);
      g_autofree float *v = g_new (float, n * 2);
      g_autofree float *a = g_new (float, n * 2);
      separate (rate, 2, x, n, &mask, 0, v, a);
      double worst = 0;
      for (int64_t i = 0; i < n * 2; i++)
        {
          worst = fmax (worst, fabs (v[i] - x[i]));
          g_assert_cmpfloat (fabs (v[i] + a[i] - x[i]), <=, 1e-7);
        }
      g_test_message ("%d Hz: all-ones mask, max |vocals - mixture| = %.2g", rate, worst);
      g_assert_cmpfloat (worst, <, 1e-5);
    }
}

/* Chunks of any size give the same stems as one whole-song pass. */
static void
test_seamless_chunks (void)
{
  const int rate = 44100;
  const int64_t n = rate * 3 + 123;
  g_autofree float *x = noise (n, 2, 7);
  g_autofree float *values = smooth_mask (160);
  VtMaskGrid mask = grid (values, 160, VT_HIGH_BAND_EDGE);
  g_autofree float *v_whole = g_new (float, n * 2);
  g_autofree float *a_whole = g_new (float, n * 2);
  g_autofree float *v_chunk = g_new (float, n * 2);
  g_autofree float *a_chunk = g_new (float, n * 2);
  separate (rate, 2, x, n, &mask, 0, v_whole, a_whole);
  const int64_t blocks[] = { 4410, 30000, 100000 };
  for (size_t b = 0; b < G_N_ELEMENTS (blocks); b++)
    {
      separate (rate, 2, x, n, &mask, blocks[b], v_chunk, a_chunk);
      double worst = 0;
      for (int64_t i = 0; i < n * 2; i++)
        worst = fmax (worst, fabs (v_chunk[i] - v_whole[i]));
      g_test_message ("block %ld: max difference to one pass %.2g", (long) blocks[b], worst);
      g_assert_cmpfloat (worst, <, 1e-6);
    }
}

/* A tone at 12 kHz (above the analysis band) follows the high-band rule. */
static void
test_high_band (void)
{
  const int rate = 44100;
  const int64_t n = rate;
  g_autofree float *x = g_new (float, n);
  for (int64_t i = 0; i < n; i++)
    x[i] = (float) (0.5 * sin (2 * G_PI * 12000 * i / rate) + 0.5 * sin (2 * G_PI * 1000 * i / rate));
  g_autofree float *values = g_new (float, 51 * GRID_BINS);
  for (int k = 0; k < 51; k++)
    for (int j = 0; j < GRID_BINS; j++)
      values[k * GRID_BINS + j] = j * 15.625 >= 6000 ? 0.8f : 0.0f;
  g_autofree float *v = g_new (float, n);
  g_autofree float *a = g_new (float, n);
  const struct { VtHighBand mode; double expected; } cases[] = {
    { VT_HIGH_BAND_ZERO, 0.0 }, { VT_HIGH_BAND_EDGE, 0.8 }, { VT_HIGH_BAND_ONE, 1.0 } };
  for (size_t k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      VtMaskGrid mask = grid (values, 51, cases[k].mode);
      separate (rate, 1, x, n, &mask, 0, v, a);
      /* The 1 kHz part is masked out, so what is left is the 12 kHz tone
       * scaled by the extension. */
      double e = 0;
      for (int64_t i = rate / 4; i < 3 * rate / 4; i++)
        e += v[i] * v[i];
      double rms = sqrt (e / (rate / 2));
      g_test_message ("mode %d: vocal rms %.4f (expected %.4f)", cases[k].mode, rms,
                      cases[k].expected * 0.5 / sqrt (2));
      g_assert_cmpfloat (fabs (rms - cases[k].expected * 0.5 / sqrt (2)), <, 0.01);
    }
}

static void
test_bad_arguments (void)
{
  VtError error = { 0 };
  g_assert_null (vt_mask_applier_new (0, 2, &error));
  g_assert_cmpint (error.status, ==, VT_STATUS_BAD_ARGUMENT);
  VtMaskApplier *applier = vt_mask_applier_new (44100, 1, NULL);
  float buffer[16] = { 0 };
  VtMaskGrid empty = { 0 };
  g_assert_cmpint (vt_mask_applier_process (applier, &empty, buffer, 0, 0, NULL, NULL), ==,
                   VT_STATUS_BAD_ARGUMENT);
  vt_mask_applier_free (applier);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mask-apply/identity-and-sum", test_identity_and_sum);
  g_test_add_func ("/mask-apply/seamless-chunks", test_seamless_chunks);
  g_test_add_func ("/mask-apply/high-band", test_high_band);
  g_test_add_func ("/mask-apply/bad-arguments", test_bad_arguments);
  return g_test_run ();
}
