/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-song.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vt-features.h"
#include "vt-resample.h"

/* About 3 s at 44.1 kHz: large enough that the STFT padding is a small
 * overhead, small enough to keep memory flat. */
#define BLOCK_FRAMES 131072

VtStatus
vt_song_load_analysis_signal (const char *path, float **mono, int64_t *n_samples,
                              VtAudioInfo *info, const VtProgress *progress, VtError *error)
{
  VtAudioInfo song;
  VtAudioReader *reader = vt_audio_reader_open (path, &song, error);
  if (reader == NULL)
    return error ? error->status : VT_STATUS_IO;
  if (info)
    *info = song;

  VtStatus status = VT_STATUS_OK;
  VtResampler *resampler = NULL;
  float *block = malloc (sizeof (float) * BLOCK_FRAMES * (size_t) song.channels);
  float *block_mono = malloc (sizeof (float) * BLOCK_FRAMES);
  /* Header lengths of lossy files are estimates: leave room and grow. A
   * damaged header's claim is not allocated up front either: at most 16
   * frames per byte of the file (as vt_audio_load). */
  int64_t claimed = song.frames;
  struct stat st;
  if (stat (path, &st) == 0 && st.st_size > 0 && claimed / 16 > (int64_t) st.st_size)
    claimed = (int64_t) st.st_size * 16;
  int64_t capacity = vt_resample_output_frames (claimed, song.sample_rate, VT_FEATURES_RATE)
                     + 2 * BLOCK_FRAMES;
  float *out = malloc (sizeof (float) * (size_t) capacity);
  if (!block || !block_mono || !out)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory reading %s", path);
      goto done;
    }
  if (song.sample_rate != VT_FEATURES_RATE)
    {
      resampler = vt_resampler_new (1, song.sample_rate, VT_FEATURES_RATE, error);
      if (resampler == NULL)
        {
          status = error ? error->status : VT_STATUS_NUMERIC;
          goto done;
        }
    }

  int64_t produced = 0;
  bool flushed = false;
  for (int64_t first = 0; !flushed;)
    {
      int64_t got = 0;
      status = vt_audio_reader_read (reader, first, BLOCK_FRAMES, block, &got, error);
      if (status != VT_STATUS_OK)
        goto done;
      first += got;
      vt_audio_downmix (block, got, song.channels, block_mono);
      flushed = got == 0;
      /* Room for what this block can produce, plus the resampler's tail. */
      int64_t room_needed = produced + got * VT_FEATURES_RATE / song.sample_rate + BLOCK_FRAMES;
      if (room_needed > capacity)
        {
          int64_t grown = room_needed + capacity / 2;
          float *bigger = realloc (out, sizeof (float) * (size_t) grown);
          if (bigger == NULL)
            {
              status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory reading %s",
                                     path);
              goto done;
            }
          out = bigger;
          capacity = grown;
        }
      if (resampler == NULL)
        {
          memcpy (out + produced, block_mono, sizeof (float) * (size_t) got);
          produced += got;
        }
      else
        {
          size_t done_frames = 0;
          status = vt_resampler_process (resampler, flushed ? NULL : block_mono, (size_t) got,
                                         out + produced, (size_t) (capacity - produced),
                                         &done_frames);
          if (status != VT_STATUS_OK)
            {
              vt_error_set (error, status, "resampling %s failed", path);
              goto done;
            }
          produced += (int64_t) done_frames;
        }
      double fraction = song.frames > 0 ? (double) first / song.frames : 1.0;
      if (!vt_progress_report (progress, fraction > 1 ? 1 : fraction, "reading"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
          goto done;
        }
    }
  *mono = out;
  *n_samples = produced;
  out = NULL;

done:
  free (out);
  free (block);
  free (block_mono);
  vt_resampler_free (resampler);
  vt_audio_reader_close (reader);
  return status;
}

VtStatus
vt_song_render_stems (const char *path, const VtMaskGrid *mask, const VtStemOutput *output,
                      const VtProgress *progress, VtError *error)
{
  VtAudioInfo song;
  VtAudioReader *reader = vt_audio_reader_open (path, &song, error);
  if (reader == NULL)
    return error ? error->status : VT_STATUS_IO;

  VtStatus status = VT_STATUS_OK;
  VtAudioWriter *vocals_writer = NULL, *accompaniment_writer = NULL;
  float *input = NULL, *vocals = NULL, *accompaniment = NULL;
  VtMaskApplier *applier = vt_mask_applier_new (song.sample_rate, song.channels, error);
  if (applier == NULL)
    {
      vt_audio_reader_close (reader);
      return error ? error->status : VT_STATUS_NO_MEMORY;
    }
  const int channels = song.channels;
  const int hop = vt_mask_applier_get_hop (applier);
  const int64_t pad = vt_mask_applier_get_padding (applier);
  const int64_t block = (BLOCK_FRAMES / hop) * hop;
  input = malloc (sizeof (float) * (size_t) ((block + 2 * pad) * channels));
  vocals = malloc (sizeof (float) * (size_t) (block * channels));
  accompaniment = malloc (sizeof (float) * (size_t) (block * channels));
  if (!input || !vocals || !accompaniment)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory separating %s", path);
      goto done;
    }
  if (output->vocals_path)
    {
      vocals_writer = vt_audio_writer_open (output->vocals_path, channels, song.sample_rate,
                                            output->format, error);
      if (vocals_writer == NULL)
        {
          status = error ? error->status : VT_STATUS_IO;
          goto done;
        }
    }
  if (output->accompaniment_path)
    {
      accompaniment_writer = vt_audio_writer_open (output->accompaniment_path, channels,
                                                   song.sample_rate, output->format, error);
      if (accompaniment_writer == NULL)
        {
          status = error ? error->status : VT_STATUS_IO;
          goto done;
        }
    }

  /* The header's length may be an estimate for lossy files: read until the
   * reader delivers nothing more. */
  for (int64_t first = 0;; first += block)
    {
      int64_t got = 0;
      status = vt_audio_reader_read (reader, first - pad, block + 2 * pad, input, &got, error);
      if (status != VT_STATUS_OK)
        goto done;
      int64_t available = first - pad + got - first; /* frames of this block in the file */
      if (first - pad < 0)
        available = got - pad;
      if (available <= 0)
        break;
      int64_t frames = available < block ? available : block;
      status = vt_mask_applier_process (applier, mask, input, first, frames, vocals,
                                        accompaniment);
      if (status != VT_STATUS_OK)
        {
          vt_error_set (error, status, "separating %s failed", path);
          goto done;
        }
      if (vocals_writer
          && (status = vt_audio_writer_write (vocals_writer, vocals, frames, error)) != VT_STATUS_OK)
        goto done;
      if (accompaniment_writer
          && (status = vt_audio_writer_write (accompaniment_writer, accompaniment, frames, error))
               != VT_STATUS_OK)
        goto done;
      double fraction = song.frames > 0 ? (double) (first + frames) / song.frames : 1.0;
      if (!vt_progress_report (progress, fraction > 1 ? 1 : fraction, "writing stems"))
        {
          status = vt_error_set (error, VT_STATUS_CANCELLED, "cancelled");
          goto done;
        }
      if (frames < block)
        break;
    }
  if (vocals_writer)
    {
      status = vt_audio_writer_commit (vocals_writer, error);
      vocals_writer = NULL;
      if (status != VT_STATUS_OK)
        goto done;
    }
  if (accompaniment_writer)
    {
      status = vt_audio_writer_commit (accompaniment_writer, error);
      accompaniment_writer = NULL;
    }

done:
  vt_audio_writer_abort (vocals_writer);
  vt_audio_writer_abort (accompaniment_writer);
  free (input);
  free (vocals);
  free (accompaniment);
  vt_mask_applier_free (applier);
  vt_audio_reader_close (reader);
  return status;
}
