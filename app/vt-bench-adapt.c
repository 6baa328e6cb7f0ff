/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-bench-adapt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vt-cli.h"
#include "vt-features.h"
#include "vt-worker.h"

/* Seconds of song each correction spans. */
#define CORRECTION_S 2.0
#define WAIT_S 600.0

typedef struct
{
  GMutex lock;
  /* Set by the main thread before each correction. */
  gint64 target_frame; /* the playhead, song frames */
  gint64 sent_us;
  /* Filled by the worker thread's chunk function. */
  gint64 immediate_us; /* first chunk holding the playhead, any pass; 0 = none yet */
  gint64 full_us;      /* first chunk after adaptation holding the playhead */
  /* UI side. */
  gboolean analysed;
  int full_passes;
  gint64 adapted_us;
  gint64 full_done_us;
  int adapted, adapted_target;
  char *failure;
} Bench;

static void
on_chunk (gint64 first, gint64 frames, const float *vocals, const float *accompaniment,
          VtWorkerPass pass, gpointer user_data)
{
  Bench *bench = user_data;
  gint64 now = g_get_monotonic_time ();
  g_mutex_lock (&bench->lock);
  gboolean holds = bench->target_frame >= first && bench->target_frame < first + frames;
  if (holds && bench->sent_us > 0 && bench->immediate_us == 0)
    bench->immediate_us = now;
  if (holds && bench->sent_us > 0 && pass != VT_WORKER_PASS_IMMEDIATE && bench->full_us == 0)
    bench->full_us = now;
  g_mutex_unlock (&bench->lock);
}

static void
on_estimate (VtWorker *worker, guint kind, Bench *bench)
{
  if (kind == VT_WORKER_ESTIMATE_ANALYSED)
    bench->analysed = TRUE;
}

static void
on_adapted (VtWorker *worker, guint changed, double energy_db, Bench *bench)
{
  bench->adapted++;
  bench->adapted_us = g_get_monotonic_time ();
}

static void
on_render_finished (VtWorker *worker, guint pass, Bench *bench)
{
  if (pass != VT_WORKER_PASS_FULL)
    return;
  bench->full_passes++;
  bench->full_done_us = g_get_monotonic_time ();
}

static void
on_failed (VtWorker *worker, const GError *error, Bench *bench)
{
  g_free (bench->failure);
  bench->failure = g_strdup (error->message);
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Bench *bench);

static gboolean
wait_until (Bench *bench, Condition condition)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds ((guint) WAIT_S, on_timeout, &timed_out);
  while (!condition (bench) && !timed_out && bench->failure == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  return !timed_out && bench->failure == NULL;
}

static gboolean
first_render_done (Bench *bench)
{
  return bench->analysed && bench->full_passes > 0;
}

static gboolean
after_training_audio (Bench *bench)
{
  g_mutex_lock (&bench->lock);
  gboolean done = bench->full_us != 0;
  g_mutex_unlock (&bench->lock);
  return done;
}

static gboolean
adapted (Bench *bench)
{
  return bench->adapted >= bench->adapted_target;
}

static gboolean
whole_song_done (Bench *bench)
{
  return bench->full_done_us != 0;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *values, int n)
{
  qsort (values, (size_t) n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/* Correction i of n: a 2 s span spread over the song. Every third marks a
 * silent region; the others redraw the pitch an octave below the estimate
 * (the octave error users fix most), or at 220 Hz where it is unvoiced. */
static void
add_correction (int i, int n, gint64 frames, const float *estimate, float *f0_user,
                guint8 *silent, gint64 *start)
{
  const gint64 span = (gint64) (CORRECTION_S * VT_FEATURES_FRAME_RATE);
  const gint64 margin = (gint64) (5 * VT_FEATURES_FRAME_RATE);
  *start = margin + (frames - 2 * margin - span) * i / MAX (n - 1, 1);
  for (gint64 t = *start; t < *start + span && t < frames; t++)
    {
      if (i % 3 == 2)
        silent[t] = 1;
      else
        f0_user[t] = estimate[t] > 0 ? estimate[t] / 2 : 220.0f;
    }
}

int
vt_bench_adapt (const char *song, const char *model_spec, double budget_s, int corrections)
{
  Bench bench = { 0 };
  g_mutex_init (&bench.lock);
  VtWorker *worker = vt_worker_new (model_spec);
  vt_worker_set_budget (worker, budget_s);
  vt_worker_set_chunk_func (worker, on_chunk, &bench);
  g_signal_connect (worker, "estimate-changed", G_CALLBACK (on_estimate), &bench);
  g_signal_connect (worker, "adapted", G_CALLBACK (on_adapted), &bench);
  g_signal_connect (worker, "render-finished", G_CALLBACK (on_render_finished), &bench);
  g_signal_connect (worker, "failed", G_CALLBACK (on_failed), &bench);

  int exit_status = 0;
  double *first_audio = g_new0 (double, corrections);
  double *after_training = g_new0 (double, corrections);
  float *f0_user = NULL, *estimate = NULL;
  guint8 *silent = NULL;
  double whole_song_s = 0, render_s = 0;
  gint64 opened = g_get_monotonic_time ();
  vt_worker_open_song (worker, song);
  if (!wait_until (&bench, first_render_done))
    {
      exit_status = vt_cli_fail ("bench", "opening the song failed: %s",
                                 bench.failure ? bench.failure : "timed out");
      goto done;
    }
  const double open_s = (bench.full_done_us - opened) * 1e-6;
  VtAudioInfo info;
  vt_worker_get_song_info (worker, &info);
  const gint64 frames = vt_worker_get_n_frames (worker);
  estimate = g_memdup2 (vt_worker_get_f0 (worker), sizeof (float) * frames);
  f0_user = g_new (float, frames);
  silent = g_new0 (guint8, frames);
  for (gint64 t = 0; t < frames; t++)
    f0_user[t] = NAN;

  for (int i = 0; i < corrections; i++)
    {
      gint64 start = 0;
      add_correction (i, corrections, frames, estimate, f0_user, silent, &start);
      const double playhead_s = start / VT_FEATURES_FRAME_RATE;
      g_mutex_lock (&bench.lock);
      bench.target_frame = (gint64) (playhead_s * info.sample_rate);
      bench.immediate_us = bench.full_us = 0;
      bench.sent_us = g_get_monotonic_time ();
      g_mutex_unlock (&bench.lock);
      bench.full_done_us = 0;
      int adapted_before = bench.adapted;
      vt_worker_set_corrections (worker, f0_user, silent, frames, playhead_s);
      bench.adapted_target = adapted_before + 1;
      if (!wait_until (&bench, after_training_audio) || !wait_until (&bench, adapted))
        {
          exit_status = vt_cli_fail ("bench", "correction %d failed: %s", i + 1,
                                     bench.failure ? bench.failure : "timed out");
          goto done;
        }
      g_mutex_lock (&bench.lock);
      first_audio[i] = (bench.immediate_us - bench.sent_us) * 1e-6;
      after_training[i] = (bench.full_us - bench.sent_us) * 1e-6;
      g_mutex_unlock (&bench.lock);
      g_printerr ("correction %2d at %6.1f s (%s): first audio %.2f s, after training %.2f s\n",
                  i + 1, playhead_s, i % 3 == 2 ? "silent region" : "pitch span", first_audio[i],
                  after_training[i]);
      /* The next correction cancels the rest of this render, as a user's
       * would; the last one is left to re-separate the whole song. */
      if (i == corrections - 1)
        {
          if (!wait_until (&bench, whole_song_done))
            {
              exit_status = vt_cli_fail ("bench", "re-separating the song failed: %s",
                                         bench.failure ? bench.failure : "timed out");
              goto done;
            }
          /* After the budget: re-estimating the song with the adapted
           * networks and rendering it. */
          whole_song_s = (bench.full_done_us - bench.sent_us) * 1e-6 - budget_s;
          render_s = (bench.full_done_us - bench.adapted_us) * 1e-6;
        }
    }

  const double song_s = (double) info.frames / info.sample_rate;
  double worst_first = 0, worst_after = 0;
  for (int i = 0; i < corrections; i++)
    {
      worst_first = MAX (worst_first, first_audio[i]);
      worst_after = MAX (worst_after, after_training[i]);
    }
  printf ("adapt_song_s: %.0f\n", song_s);
  printf ("adapt_song_rate_hz: %d\n", info.sample_rate);
  printf ("adapt_corrections: %d\n", corrections);
  printf ("adapt_budget_s: %.2f\n", budget_s);
  printf ("adapt_open_to_stems_s: %.2f\n", open_s);
  printf ("adapt_first_audio_s_median: %.3f\n", median (first_audio, corrections));
  printf ("adapt_first_audio_s_worst: %.3f\n", worst_first);
  printf ("adapt_after_training_first_audio_s_median: %.3f\n",
          median (after_training, corrections));
  printf ("adapt_after_training_first_audio_s_worst: %.3f\n", worst_after);
  printf ("adapt_whole_song_s: %.2f\n", whole_song_s);
  printf ("adapt_whole_song_render_only_s: %.2f\n", render_s);

done:
  g_object_unref (worker);
  g_free (first_audio);
  g_free (after_training);
  g_free (f0_user);
  g_free (estimate);
  g_free (silent);
  g_free (bench.failure);
  g_mutex_clear (&bench.lock);
  return exit_status;
}
