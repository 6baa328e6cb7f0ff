/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-audio: reading and writing songs (libsndfile), downmixing.
 *
 * A VtAudio holds interleaved float frames in [-1, 1] plus the song's own
 * sample rate and channel count. It is a caller-owned struct: vt_audio_init()
 * before use, vt_audio_clear() to free its samples. Functions here are
 * reentrant; one VtAudio must not be written by two threads at once.
 *
 * What is accepted: anything libsndfile decodes (WAV, AIFF, FLAC, Ogg
 * Vorbis/Opus, MP3, ...) at 8-192 kHz with 1-8 channels and finite samples.
 * Everything else is refused with a message that names the file and the
 * reason. Saving is atomic: the data goes to a temporary file in the target's
 * folder that is renamed over the target only once it is complete.
 */
#pragma once

#include <stdint.h>

#include "vt-status.h"

#define VT_AUDIO_MIN_RATE 8000
#define VT_AUDIO_MAX_RATE 192000
#define VT_AUDIO_MAX_CHANNELS 8

typedef struct
{
  float *samples; /* frames * channels, interleaved */
  int64_t frames;
  int channels;
  int sample_rate;
} VtAudio;

typedef struct
{
  int64_t frames;
  int channels;
  int sample_rate;
  double duration_s;
  char container[48]; /* "WAV", "FLAC", "OGG", "MPEG", ... */
  char encoding[48];  /* "16-bit PCM", "Vorbis", ... */
} VtAudioInfo;

typedef enum
{
  VT_FILE_FORMAT_INVALID = 0,
  VT_FILE_FORMAT_WAV_16,
  VT_FILE_FORMAT_WAV_24,
  VT_FILE_FORMAT_WAV_FLOAT,
  VT_FILE_FORMAT_FLAC,
  VT_FILE_FORMAT_OGG,
  VT_FILE_FORMAT_MP3,
} VtFileFormat;

void vt_audio_init (VtAudio *audio);
void vt_audio_clear (VtAudio *audio);

/* Allocates frames * channels zeroed samples. */
VtStatus vt_audio_alloc (VtAudio *audio, int64_t frames, int channels, int sample_rate);

VtStatus vt_audio_info (const char *path, VtAudioInfo *info, VtError *error);

/* Loads the whole file into audio (which must be initialised; its old
 * samples are freed only on success). */
VtStatus vt_audio_load (const char *path, VtAudio *audio, VtError *error);

/* Writes frames atomically in the given format at the given rate. */
VtStatus vt_audio_save (const char *path, const float *samples, int64_t frames, int channels,
                        int sample_rate, VtFileFormat format, VtError *error);

/* Streaming, atomic writing: blocks go to a temporary file beside path;
 * commit renames it over path, abort (or any failure) removes it, so the
 * target is either the old file or the complete new one. Both free writer. */
typedef struct VtAudioWriter VtAudioWriter;

VtAudioWriter *vt_audio_writer_open (const char *path, int channels, int sample_rate,
                                     VtFileFormat format, VtError *error);
VtStatus vt_audio_writer_write (VtAudioWriter *writer, const float *samples, int64_t frames,
                                VtError *error);
VtStatus vt_audio_writer_commit (VtAudioWriter *writer, VtError *error);
void vt_audio_writer_abort (VtAudioWriter *writer);

/* "wav" (16-bit), "wav16", "wav24", "wavf"/"float", "flac", "ogg", "mp3". */
VtFileFormat vt_file_format_from_name (const char *name);
/* From the file name's extension; WAV means 16-bit. */
VtFileFormat vt_file_format_from_path (const char *path);
const char *vt_file_format_extension (VtFileFormat format);

/* Streaming access for long songs: memory bounded by the block asked for. */
typedef struct VtAudioReader VtAudioReader;

VtAudioReader *vt_audio_reader_open (const char *path, VtAudioInfo *info, VtError *error);
/* Reads frames [first, first + frames) into out (frames * channels floats).
 * Positions before 0 or past the end read as silence; *got (optional)
 * receives how many frames came from the file. Non-finite samples are an
 * error (VT_STATUS_BAD_DATA). */
VtStatus vt_audio_reader_read (VtAudioReader *reader, int64_t first, int64_t frames, float *out,
                               int64_t *got, VtError *error);
void vt_audio_reader_close (VtAudioReader *reader);

/* Mean over channels into mono (frames samples). */
void vt_audio_downmix (const float *samples, int64_t frames, int channels, float *mono);
