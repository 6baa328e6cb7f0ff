/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-separator.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt-f0.h"
#include "vt-features.h"

void
vt_song_analysis_init (VtSongAnalysis *analysis)
{
  memset (analysis, 0, sizeof *analysis);
}

void
vt_song_analysis_clear (VtSongAnalysis *analysis)
{
  free (analysis->f0_hz);
  free (analysis->f0_confidence);
  free (analysis->activity);
  free (analysis->mask);
  vt_song_analysis_init (analysis);
}

static VtStatus
analysis_alloc (VtSongAnalysis *analysis, int64_t frames)
{
  vt_song_analysis_clear (analysis);
  analysis->frames = frames;
  analysis->f0_hz = calloc ((size_t) frames, sizeof (float));
  analysis->f0_confidence = calloc ((size_t) frames, sizeof (float));
  analysis->activity = calloc ((size_t) frames, sizeof (float));
  analysis->mask = calloc ((size_t) frames * VT_MODEL_MASK_BINS, sizeof (float));
  if (!analysis->f0_hz || !analysis->f0_confidence || !analysis->activity || !analysis->mask)
    {
      vt_song_analysis_clear (analysis);
      return VT_STATUS_NO_MEMORY;
    }
  return VT_STATUS_OK;
}

/* Maps a stage's [0, 1] onto [from, to] of the caller's progress. */
typedef struct
{
  const VtProgress *outer;
  double from, to;
} Stage;

static bool
stage_report (double fraction, const char *stage, void *user_data)
{
  const Stage *s = user_data;
  return vt_progress_report (s->outer, s->from + (s->to - s->from) * fraction, stage);
}

static VtProgress
stage_progress (Stage *stage, const VtProgress *outer, double from, double to)
{
  stage->outer = outer;
  stage->from = from;
  stage->to = to;
  return (VtProgress) { stage_report, stage };
}

VtStatus
vt_separator_remask (VtModel *model, const float *log_magnitude, VtSongAnalysis *analysis,
                     const VtProgress *progress, VtError *error)
{
  return vt_model_estimate_mask (model, log_magnitude, analysis->f0_hz, analysis->f0_confidence,
                                 analysis->frames, analysis->mask, analysis->activity, progress,
                                 error);
}

VtStatus
vt_separator_analyse (VtModel *model, const float *mono, int64_t n_samples,
                      VtSongAnalysis *analysis, const VtProgress *progress, VtError *error)
{
  float *log_magnitude = NULL;
  int64_t frames = 0;
  VtStatus status = vt_model_spectrogram (mono, n_samples, &log_magnitude, NULL, &frames, error);
  if (status != VT_STATUS_OK)
    return status;
  if ((status = analysis_alloc (analysis, frames)) != VT_STATUS_OK)
    {
      free (log_magnitude);
      return vt_error_set (error, status, "out of memory for the analysis");
    }
  Stage stage;
  VtProgress f0_progress = stage_progress (&stage, progress, 0.0, 0.5);
  status = vt_model_estimate_f0 (model, log_magnitude, frames, NULL, analysis->f0_hz,
                                 analysis->f0_confidence, &f0_progress, error);
  if (status == VT_STATUS_OK)
    {
      VtProgress mask_progress = stage_progress (&stage, progress, 0.5, 1.0);
      status = vt_separator_remask (model, log_magnitude, analysis, &mask_progress, error);
    }
  free (log_magnitude);
  if (status != VT_STATUS_OK)
    vt_song_analysis_clear (analysis);
  return status;
}

VtMaskGrid
vt_analysis_mask_grid (const float *mask, int64_t frames, VtHighBand high_band)
{
  return (VtMaskGrid) { .values = mask,
                        .frames = frames,
                        .bins = VT_MODEL_MASK_BINS,
                        .frame_rate = VT_FEATURES_FRAME_RATE,
                        .bin_hz = (double) VT_FEATURES_RATE / VT_FEATURES_N_FFT,
                        .high_band = high_band };
}

VtMaskGrid
vt_song_analysis_mask_grid (const VtSongAnalysis *analysis, VtHighBand high_band)
{
  return vt_analysis_mask_grid (analysis->mask, analysis->frames, high_band);
}

VtStatus
vt_separate_file (VtModel *model, const char *path, const VtStemOutput *output,
                  VtHighBand high_band, VtSongAnalysis *analysis, const VtProgress *progress,
                  VtError *error)
{
  VtSongAnalysis own;
  vt_song_analysis_init (&own);
  if (analysis == NULL)
    analysis = &own;
  float *mono = NULL;
  int64_t n_samples = 0;
  Stage stage;
  bool writing = output && (output->vocals_path || output->accompaniment_path);
  VtProgress read_progress = stage_progress (&stage, progress, 0.0, 0.1);
  VtStatus status = vt_song_load_analysis_signal (path, &mono, &n_samples, NULL, &read_progress,
                                                  error);
  if (status != VT_STATUS_OK)
    return status;
  VtProgress analyse_progress = stage_progress (&stage, progress, 0.1, writing ? 0.6 : 1.0);
  status = vt_separator_analyse (model, mono, n_samples, analysis, &analyse_progress, error);
  free (mono);
  if (status == VT_STATUS_OK && writing)
    {
      VtMaskGrid grid = vt_song_analysis_mask_grid (analysis, high_band);
      VtProgress stems_progress = stage_progress (&stage, progress, 0.6, 1.0);
      status = vt_song_render_stems (path, &grid, output, &stems_progress, error);
    }
  vt_song_analysis_clear (&own);
  return status;
}

VtStatus
vt_f0_write_csv (const char *path, const float *hz, const float *confidence, int64_t frames,
                 VtError *error)
{
  size_t length = strlen (path);
  char *tmp_path = malloc (length + 16);
  if (tmp_path == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  snprintf (tmp_path, length + 16, "%s.vt-XXXXXX", path);
  int fd = mkstemp (tmp_path);
  FILE *file = fd >= 0 ? fdopen (fd, "w") : NULL;
  if (file == NULL)
    {
      VtStatus status = vt_error_set (error, VT_STATUS_IO, "%s: cannot write here: %s", path,
                                      strerror (errno));
      if (fd >= 0)
        {
          close (fd);
          unlink (tmp_path);
        }
      free (tmp_path);
      return status;
    }
  int failed = 0;
  for (int64_t t = 0; t < frames && !failed; t++)
    {
      double seconds = vt_features_frame_time (t);
      if (confidence)
        failed = fprintf (file, "%.3f,%.3f,%.3f\n", seconds, hz[t] > 0 ? hz[t] : 0.0,
                          confidence[t]) < 0;
      else
        failed = fprintf (file, "%.3f,%.3f\n", seconds, hz[t] > 0 ? hz[t] : 0.0) < 0;
    }
  failed |= fflush (file) != 0 || fsync (fileno (file)) != 0;
  failed |= fclose (file) != 0;
  if (failed || rename (tmp_path, path) != 0)
    {
      unlink (tmp_path);
      free (tmp_path);
      return vt_error_set (error, VT_STATUS_IO, "%s: could not write the pitch curve (disk full?)",
                           path);
    }
  free (tmp_path);
  return VT_STATUS_OK;
}
