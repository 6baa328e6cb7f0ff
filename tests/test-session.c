/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-session: corrections take effect at once, adaptation is a
 * reproducible function of the corrections, undo restores the base, a
 * diverging adaptation rolls back, and re-separation streams from the
 * playhead outwards covering the song once. Uses the shipped weights and
 * the build's demo song (whose true pitch is known). */
#include <math.h>
#include <string.h>

#include "vt-features.h"
#include "vt-session.h"
#include "vt-song.h"
#include "vt-test-util.h"

typedef struct
{
  VtModel *model;
  float *mono;
  int64_t n;
  VtSession *session;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *dir = g_getenv ("VT_MODELS_DIR");
  g_autofree char *f0 = g_build_filename (dir, "f0.vtw", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.vtw", NULL);
  VtError error = { 0 };
  f->model = vt_model_load_files (f0, mask, &error);
  if (f->model == NULL)
    g_error ("%s", error.message);
  g_assert_cmpint (vt_song_load_analysis_signal (g_getenv ("VT_DEMO_SONG"), &f->mono, &f->n, NULL,
                                                 NULL, &error), ==, VT_STATUS_OK);
  /* The first 8 s are enough and keep the test quick. */
  f->n = MIN (f->n, 8 * VT_FEATURES_RATE);
  f->session = vt_session_new (f->model, f->mono, f->n, NULL, &error);
  if (f->session == NULL)
    g_error ("%s", error.message);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  vt_session_free (f->session);
  vt_model_free (f->model);
  free (f->mono);
}

static float *
copy_floats (const float *x, int64_t n)
{
  return g_memdup2 (x, sizeof (float) * (size_t) n);
}

static void
test_immediate (Fixture *f, gconstpointer data)
{
  const int64_t frames = vt_session_get_frames (f->session);
  const int64_t bins = frames * VT_MODEL_MASK_BINS;
  g_autofree float *base_f0 = copy_floats (vt_session_get_f0 (f->session), frames);
  g_autofree float *base_mask = copy_floats (vt_session_get_mask (f->session), bins);
  g_autofree float *user = g_new (float, frames);
  g_autofree uint8_t *silent = g_new0 (uint8_t, frames);
  for (int64_t t = 0; t < frames; t++)
    user[t] = NAN;
  for (int64_t t = 100; t < 150; t++)
    user[t] = 300.0f; /* a pitch the demo does not sing there */
  for (int64_t t = 300; t < 340; t++)
    silent[t] = 1;
  VtError error = { 0 };
  g_assert_cmpint (vt_session_set_corrections (f->session, user, silent, &error), ==,
                   VT_STATUS_OK);
  const float *f0 = vt_session_get_f0 (f->session);
  const float *mask = vt_session_get_mask (f->session);
  for (int64_t t = 0; t < frames; t++)
    {
      if (t >= 100 && t < 150)
        g_assert_cmpfloat (f0[t], ==, 300.0f);
      else
        g_assert_cmpfloat (f0[t], ==, base_f0[t]);
    }
  /* Silent frames carry no vocals; the mask changed around the pitch edit
   * and nowhere far from the edits. */
  double changed_near = 0, changed_far = 0;
  for (int64_t t = 0; t < frames; t++)
    for (int k = 0; k < VT_MODEL_MASK_BINS; k++)
      {
        float m = mask[t * VT_MODEL_MASK_BINS + k];
        if (t >= 300 && t < 340)
          g_assert_cmpfloat (m, ==, 0.0f);
        double d = fabs (m - base_mask[t * VT_MODEL_MASK_BINS + k]);
        if (t >= 100 && t < 150)
          changed_near += d;
        else if (t < 50 || (t > 200 && t < 300) || t > 400)
          changed_far += d;
      }
  g_test_message ("mask change near the edit %.1f, far from it %.1f", changed_near, changed_far);
  g_assert_cmpfloat (changed_near, >, 1.0);
  g_assert_cmpfloat (changed_far, ==, 0.0);

  /* Undo everything: exactly the base again. */
  g_assert_cmpint (vt_session_set_corrections (f->session, NULL, NULL, &error), ==,
                   VT_STATUS_OK);
  g_assert_cmpmem (vt_session_get_f0 (f->session), frames * sizeof (float), base_f0,
                   frames * sizeof (float));
  g_assert_cmpmem (vt_session_get_mask (f->session), bins * sizeof (float), base_mask,
                   bins * sizeof (float));
}

static void
test_adapt_reproducible (Fixture *f, gconstpointer data)
{
  const int64_t frames = vt_session_get_frames (f->session);
  g_autofree float *user = g_new (float, frames);
  g_autofree uint8_t *silent = g_new0 (uint8_t, frames);
  for (int64_t t = 0; t < frames; t++)
    user[t] = NAN;
  for (int64_t t = 60; t < 90; t++)
    user[t] = 330.0f;
  for (int64_t t = 250; t < 280; t++)
    silent[t] = 1;
  VtAdaptParams params;
  vt_adapt_params_default (&params);
  params.max_steps = 3;
  params.batch = 2;
  VtError error = { 0 };
  g_autofree float *first_f0 = NULL, *first_mask = NULL;
  for (int run = 0; run < 2; run++)
    {
      g_assert_cmpint (vt_session_set_corrections (f->session, user, silent, &error), ==, 0);
      g_assert_cmpint (vt_session_adapt (f->session, &params, NULL, &error), ==, VT_STATUS_OK);
      int f0_steps = 0, mask_steps = 0;
      double seconds = 0;
      vt_session_get_adapt_stats (f->session, &f0_steps, &mask_steps, &seconds);
      g_test_message ("run %d: %d + %d steps in %.2f s", run, f0_steps, mask_steps, seconds);
      g_assert_cmpint (f0_steps, ==, 3);
      g_assert_cmpint (mask_steps, ==, 3);
      const float *f0 = vt_session_get_f0 (f->session);
      for (int64_t t = 60; t < 90; t++)
        g_assert_cmpfloat (f0[t], ==, 330.0f);
      if (run == 0)
        {
          first_f0 = copy_floats (f0, frames);
          first_mask = copy_floats (vt_session_get_mask (f->session), frames * VT_MODEL_MASK_BINS);
        }
      else
        {
          g_assert_cmpmem (f0, frames * sizeof (float), first_f0, frames * sizeof (float));
          g_assert_cmpmem (vt_session_get_mask (f->session),
                           frames * VT_MODEL_MASK_BINS * sizeof (float), first_mask,
                           frames * VT_MODEL_MASK_BINS * sizeof (float));
        }
    }
}

/* Adding a correction re-uses the immediate effects of the unchanged spans:
 * the result is what computing every span afresh gives, bit for bit. */
static void
test_immediate_incremental (Fixture *f, gconstpointer data)
{
  const int64_t frames = vt_session_get_frames (f->session);
  const int64_t bins = frames * VT_MODEL_MASK_BINS;
  g_autofree float *user = g_new (float, frames);
  for (int64_t t = 0; t < frames; t++)
    user[t] = t >= 20 && t < 40 ? 280.0f : t >= 300 && t < 330 ? 0.0f : NAN;
  VtError error = { 0 };
  /* First a span out of both spans' context (they are re-used), then one
   * inside the second one's context (it must be re-run). */
  const int64_t added[2][2] = { { 150, 170 }, { 240, 250 } };
  for (int step = 0; step < 2; step++)
    {
      g_assert_cmpint (vt_session_set_corrections (f->session, user, NULL, &error), ==, 0);
      for (int64_t t = added[step][0]; t < added[step][1]; t++)
        user[t] = 350.0f;
      g_assert_cmpint (vt_session_set_corrections (f->session, user, NULL, &error), ==, 0);
      g_autofree float *incremental = copy_floats (vt_session_get_mask (f->session), bins);
      g_autofree float *activity = copy_floats (vt_session_get_activity (f->session), frames);
      g_assert_cmpint (vt_session_set_corrections (f->session, NULL, NULL, &error), ==, 0);
      g_assert_cmpint (vt_session_set_corrections (f->session, user, NULL, &error), ==, 0);
      g_assert_cmpmem (vt_session_get_mask (f->session), bins * sizeof (float), incremental,
                       bins * sizeof (float));
      g_assert_cmpmem (vt_session_get_activity (f->session), frames * sizeof (float), activity,
                       frames * sizeof (float));
    }
}

/* A focused adaptation re-estimates the focus at once and leaves the rest
 * with the immediate effects; the refresh then gives exactly what an
 * unfocused adaptation gives. */
static void
test_adapt_focus_then_refresh (Fixture *f, gconstpointer data)
{
  const int64_t frames = vt_session_get_frames (f->session);
  const int64_t bins = frames * VT_MODEL_MASK_BINS;
  g_autofree float *user = g_new (float, frames);
  g_autofree uint8_t *silent = g_new0 (uint8_t, frames);
  for (int64_t t = 0; t < frames; t++)
    user[t] = t >= 60 && t < 90 ? 330.0f : NAN;
  for (int64_t t = 250; t < 280; t++)
    silent[t] = 1;
  VtAdaptParams params;
  vt_adapt_params_default (&params);
  params.max_steps = 3;
  params.batch = 2;
  VtError error = { 0 };
  g_assert_cmpint (vt_session_set_corrections (f->session, user, silent, &error), ==, 0);
  g_assert_false (vt_session_needs_refresh (f->session));
  g_assert_cmpint (vt_session_adapt (f->session, &params, NULL, &error), ==, VT_STATUS_OK);
  g_assert_false (vt_session_needs_refresh (f->session));
  g_autofree float *whole_f0 = copy_floats (vt_session_get_f0 (f->session), frames);
  g_autofree float *whole_mask = copy_floats (vt_session_get_mask (f->session), bins);

  g_assert_cmpint (vt_session_set_corrections (f->session, user, silent, &error), ==, 0);
  g_autofree float *immediate_mask = copy_floats (vt_session_get_mask (f->session), bins);
  params.focus_start = 40;
  params.focus_end = 140;
  g_assert_cmpint (vt_session_adapt (f->session, &params, NULL, &error), ==, VT_STATUS_OK);
  g_assert_true (vt_session_needs_refresh (f->session));
  const float *mask = vt_session_get_mask (f->session);
  /* Outside the focus (and the mask's local context): the immediate effects. */
  const int64_t rest = 300 * VT_MODEL_MASK_BINS;
  g_assert_cmpmem (mask + rest, (bins - rest) * sizeof (float), immediate_mask + rest,
                   (bins - rest) * sizeof (float));
  /* Inside: the adapted networks' estimate. */
  g_assert_cmpint (memcmp (mask + 40 * VT_MODEL_MASK_BINS, immediate_mask + 40 * VT_MODEL_MASK_BINS,
                           100 * VT_MODEL_MASK_BINS * sizeof (float)), !=, 0);
  for (int64_t t = 60; t < 90; t++)
    g_assert_cmpfloat (vt_session_get_f0 (f->session)[t], ==, 330.0f);

  g_assert_cmpint (vt_session_refresh (f->session, NULL, &error), ==, VT_STATUS_OK);
  g_assert_false (vt_session_needs_refresh (f->session));
  g_assert_cmpmem (vt_session_get_f0 (f->session), frames * sizeof (float), whole_f0,
                   frames * sizeof (float));
  g_assert_cmpmem (vt_session_get_mask (f->session), bins * sizeof (float), whole_mask,
                   bins * sizeof (float));
}

static void
test_divergence_rolls_back (Fixture *f, gconstpointer data)
{
  const int64_t frames = vt_session_get_frames (f->session);
  g_autofree float *user = g_new (float, frames);
  for (int64_t t = 0; t < frames; t++)
    user[t] = t >= 60 && t < 90 ? 330.0f : NAN;
  VtError error = { 0 };
  g_assert_cmpint (vt_session_set_corrections (f->session, user, NULL, &error), ==, 0);
  g_autofree float *immediate = copy_floats (vt_session_get_f0 (f->session), frames);
  VtAdaptParams params;
  vt_adapt_params_default (&params);
  params.max_steps = 6;
  params.batch = 2;
  params.learning_rate = 1e12f; /* certain to blow up */
  VtStatus status = vt_session_adapt (f->session, &params, NULL, &error);
  g_test_message ("huge learning rate: %s", status ? error.message : "survived");
  if (status != VT_STATUS_OK)
    {
      g_assert_cmpint (status, ==, VT_STATUS_NUMERIC);
      g_assert_cmpmem (vt_session_get_f0 (f->session), frames * sizeof (float), immediate,
                       frames * sizeof (float));
    }
  const float *f0 = vt_session_get_f0 (f->session);
  for (int64_t t = 0; t < frames; t++)
    g_assert_true (isfinite (f0[t]));
}

typedef struct
{
  int64_t covered;
  int64_t first_chunk_start;
  int calls;
  float *mixture; /* to check the sum */
  double worst;
  int channels;
} Chunks;

static VtStatus
on_chunk (int64_t first, int64_t frames, const float *vocals, const float *accompaniment,
          void *user_data)
{
  Chunks *chunks = user_data;
  if (chunks->calls++ == 0)
    chunks->first_chunk_start = first;
  chunks->covered += frames;
  for (int64_t i = 0; i < frames * chunks->channels; i++)
    chunks->worst = fmax (chunks->worst, fabs (vocals[i] + accompaniment[i]
                                               - chunks->mixture[first * chunks->channels + i]));
  return VT_STATUS_OK;
}

static void
test_render_from_playhead (Fixture *f, gconstpointer data)
{
  const char *demo = g_getenv ("VT_DEMO_SONG");
  VtAudio song;
  vt_audio_init (&song);
  g_assert_cmpint (vt_audio_load (demo, &song, NULL), ==, VT_STATUS_OK);
  Chunks chunks = { .mixture = song.samples, .channels = song.channels };
  VtError error = { 0 };
  g_assert_cmpint (vt_session_render (f->session, demo, 12.3, 5.0, VT_HIGH_BAND_EDGE, on_chunk,
                                      &chunks, NULL, &error), ==, VT_STATUS_OK);
  g_test_message ("%d chunks, first at %.2f s, sum error %.2g", chunks.calls,
                  (double) chunks.first_chunk_start / song.sample_rate, chunks.worst);
  g_assert_cmpint (chunks.covered, ==, song.frames);
  g_assert_cmpfloat ((double) chunks.first_chunk_start / song.sample_rate, <=, 12.3);
  g_assert_cmpfloat ((double) chunks.first_chunk_start / song.sample_rate, >, 12.3 - 5.0);
  g_assert_cmpfloat (chunks.worst, <, 1e-5);
  vt_audio_clear (&song);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/session/immediate", Fixture, NULL, fixture_set_up, test_immediate,
              fixture_tear_down);
  g_test_add ("/session/adapt-reproducible", Fixture, NULL, fixture_set_up,
              test_adapt_reproducible, fixture_tear_down);
  g_test_add ("/session/immediate-incremental", Fixture, NULL, fixture_set_up,
              test_immediate_incremental, fixture_tear_down);
  g_test_add ("/session/adapt-focus-then-refresh", Fixture, NULL, fixture_set_up,
              test_adapt_focus_then_refresh, fixture_tear_down);
  g_test_add ("/session/divergence-rolls-back", Fixture, NULL, fixture_set_up,
              test_divergence_rolls_back, fixture_tear_down);
  g_test_add ("/session/render-from-playhead", Fixture, NULL, fixture_set_up,
              test_render_from_playhead, fixture_tear_down);
  return g_test_run ();
}
