/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-audio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read and write in blocks so that a slow or huge file never needs a second
 * whole-song buffer. */
#define IO_BLOCK_FRAMES 65536

void
vt_audio_init (VtAudio *audio)
{
  memset (audio, 0, sizeof *audio);
}

void
vt_audio_clear (VtAudio *audio)
{
  free (audio->samples);
  vt_audio_init (audio);
}

VtStatus
vt_audio_alloc (VtAudio *audio, int64_t frames, int channels, int sample_rate)
{
  if (frames < 0 || channels < 1 || channels > VT_AUDIO_MAX_CHANNELS)
    return VT_STATUS_BAD_ARGUMENT;
  if ((uint64_t) frames > SIZE_MAX / sizeof (float) / (size_t) channels)
    return VT_STATUS_NO_MEMORY;
  float *samples = calloc ((size_t) frames * (size_t) channels + 1, sizeof (float));
  if (samples == NULL)
    return VT_STATUS_NO_MEMORY;
  free (audio->samples);
  audio->samples = samples;
  audio->frames = frames;
  audio->channels = channels;
  audio->sample_rate = sample_rate;
  return VT_STATUS_OK;
}

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash ? slash + 1 : path;
}

/* Checks that path names a readable, non-empty regular file. */
static VtStatus
check_input_file (const char *path, VtError *error)
{
  struct stat st;
  if (path == NULL || path[0] == '\0')
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "no file name given");
  if (stat (path, &st) != 0)
    {
      if (errno == ENOENT)
        return vt_error_set (error, VT_STATUS_NOT_FOUND, "%s: no such file", path);
      return vt_error_set (error, VT_STATUS_IO, "%s: cannot open: %s", path, strerror (errno));
    }
  if (S_ISDIR (st.st_mode))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "%s: is a folder, not an audio file",
                         path);
  if (st.st_size == 0)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: the file is empty", path);
  if (access (path, R_OK) != 0)
    return vt_error_set (error, VT_STATUS_IO, "%s: cannot read: %s", path, strerror (errno));
  return VT_STATUS_OK;
}

static VtStatus
open_for_reading (const char *path, SF_INFO *sfinfo, SNDFILE **out, VtError *error)
{
  VtStatus status = check_input_file (path, error);
  if (status != VT_STATUS_OK)
    return status;

  memset (sfinfo, 0, sizeof *sfinfo);
  SNDFILE *file = sf_open (path, SFM_READ, sfinfo);
  if (file == NULL)
    {
      /* sf_strerror (NULL) would read global state; the open error is the
       * only one available, and its text is for developers, so we say it
       * in plain words and keep the library's text in brackets. */
      return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                           "%s: not an audio file that can be read (damaged, or an "
                           "unsupported format)", base_name (path));
    }
  if (sfinfo->samplerate < VT_AUDIO_MIN_RATE || sfinfo->samplerate > VT_AUDIO_MAX_RATE)
    {
      sf_close (file);
      return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                           "%s: sample rate %d Hz is outside the supported 8-192 kHz",
                           base_name (path), sfinfo->samplerate);
    }
  if (sfinfo->channels < 1 || sfinfo->channels > VT_AUDIO_MAX_CHANNELS)
    {
      sf_close (file);
      return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                           "%s: %d channels; at most %d are supported (mix it down to "
                           "stereo first)", base_name (path), sfinfo->channels,
                           VT_AUDIO_MAX_CHANNELS);
    }
  if (sfinfo->frames <= 0)
    {
      sf_close (file);
      return vt_error_set (error, VT_STATUS_BAD_DATA, "%s: contains no audio (zero frames)",
                           base_name (path));
    }
  /* libsndfile says SF_COUNT_MAX when it cannot find the length (an Ogg
   * stream without its last page: found by fuzzing); every length and
   * position computed from it would overflow. */
  if (sfinfo->frames == SF_COUNT_MAX)
    {
      sf_close (file);
      return vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: its length cannot be determined "
                           "(the file is damaged or cut off)", base_name (path));
    }
  *out = file;
  return VT_STATUS_OK;
}

static void
describe_format (int format, char *container, size_t container_size, char *encoding,
                 size_t encoding_size)
{
  SF_FORMAT_INFO info;
  memset (&info, 0, sizeof info);
  info.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command (NULL, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.extension)
    {
      snprintf (container, container_size, "%s", info.extension);
      for (char *c = container; *c; c++)
        *c = (char) (*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    }
  else
    snprintf (container, container_size, "unknown");

  memset (&info, 0, sizeof info);
  info.format = format & SF_FORMAT_SUBMASK;
  if (sf_command (NULL, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.name)
    snprintf (encoding, encoding_size, "%s", info.name);
  else
    snprintf (encoding, encoding_size, "unknown");
}

VtStatus
vt_audio_info (const char *path, VtAudioInfo *info, VtError *error)
{
  SF_INFO sfinfo;
  SNDFILE *file = NULL;
  VtStatus status = open_for_reading (path, &sfinfo, &file, error);
  if (status != VT_STATUS_OK)
    return status;
  memset (info, 0, sizeof *info);
  info->frames = sfinfo.frames;
  info->channels = sfinfo.channels;
  info->sample_rate = sfinfo.samplerate;
  info->duration_s = (double) sfinfo.frames / sfinfo.samplerate;
  describe_format (sfinfo.format, info->container, sizeof info->container, info->encoding,
                   sizeof info->encoding);
  sf_close (file);
  return VT_STATUS_OK;
}

static int
is_lossless_container (int format)
{
  switch (format & SF_FORMAT_TYPEMASK)
    {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
    case SF_FORMAT_RF64:
    case SF_FORMAT_AIFF:
    case SF_FORMAT_W64:
    case SF_FORMAT_CAF:
    case SF_FORMAT_FLAC:
      return 1;
    default:
      return 0;
    }
}

/* libsndfile opens a WAV or AIFF whose data ends before its header says and
 * silently shortens it; only its log tells. A data chunk announced longer
 * than the file holds means the file was cut (a broken copy or download). */
static int
header_announces_more_data (SNDFILE *file)
{
  char log[4096];
  if (sf_command (file, SFC_GET_LOG_INFO, log, sizeof log) <= 0)
    return 0;
  log[sizeof log - 1] = '\0';
  for (const char *line = log; line && *line; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    {
      unsigned long long announced = 0, present = 0;
      if ((sscanf (line, "data : %llu (should be %llu)", &announced, &present) == 2
           || sscanf (line, "SSND : %llu (should be %llu)", &announced, &present) == 2)
          && present < announced && announced != 0xFFFFFFFFull)
        return 1;
    }
  return 0;
}

VtStatus
vt_audio_load (const char *path, VtAudio *audio, VtError *error)
{
  SF_INFO sfinfo;
  SNDFILE *file = NULL;
  VtStatus status = open_for_reading (path, &sfinfo, &file, error);
  if (status != VT_STATUS_OK)
    return status;

  if (header_announces_more_data (file))
    {
      sf_close (file);
      return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                           "%s: the file ends early (truncated or damaged): its header "
                           "announces more audio than it holds", base_name (path));
    }

  const int channels = sfinfo.channels;
  /* The header's frame count is a promise, not a fact (lossy streams
   * estimate it, damaged headers lie), so the buffer grows as we read and a
   * header claiming absurd sizes never makes us allocate them up front. */
  int64_t capacity = sfinfo.frames;
  if (capacity > (int64_t) VT_AUDIO_MAX_RATE * 3600)
    capacity = (int64_t) VT_AUDIO_MAX_RATE * 3600;
  /* Nor may a small file: a 47-byte FLAC header claiming 694 million
   * frames asked for 2.7 GB here (found by fuzzing). 16 frames per byte of
   * file is more than lossy codecs reach on music; growth covers the rest. */
  struct stat st;
  if (stat (path, &st) == 0 && st.st_size > 0 && capacity / 16 > (int64_t) st.st_size)
    capacity = (int64_t) st.st_size * 16;
  capacity += IO_BLOCK_FRAMES;
  float *samples = malloc ((size_t) capacity * (size_t) channels * sizeof (float));
  if (samples == NULL)
    {
      sf_close (file);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "%s: not enough memory for %.0f s of audio",
                           base_name (path), (double) sfinfo.frames / sfinfo.samplerate);
    }

  int64_t frames = 0;
  for (;;)
    {
      if (frames + IO_BLOCK_FRAMES > capacity)
        {
          int64_t grown = capacity + capacity / 2 + IO_BLOCK_FRAMES;
          float *bigger = realloc (samples, (size_t) grown * (size_t) channels * sizeof (float));
          if (bigger == NULL)
            {
              free (samples);
              sf_close (file);
              return vt_error_set (error, VT_STATUS_NO_MEMORY, "%s: not enough memory",
                                   base_name (path));
            }
          samples = bigger;
          capacity = grown;
        }
      sf_count_t got = sf_readf_float (file, samples + frames * channels, IO_BLOCK_FRAMES);
      if (got <= 0)
        break;
      frames += got;
    }
  int sf_err = sf_error (file);
  sf_close (file);

  /* A lossless file must deliver every frame its header announces; lossy
   * decoders may be off by a packet. */
  int64_t slack = is_lossless_container (sfinfo.format) ? 0 : sfinfo.frames / 50 + 4096;
  if (frames == 0 || frames + slack < sfinfo.frames || sf_err != SF_ERR_NO_ERROR)
    {
      free (samples);
      if (frames == 0)
        return vt_error_set (error, VT_STATUS_BAD_DATA, "%s: no audio could be decoded",
                             base_name (path));
      return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                           "%s: the file ends early (truncated or damaged): %.2f of %.2f s "
                           "could be read", base_name (path), (double) frames / sfinfo.samplerate,
                           (double) sfinfo.frames / sfinfo.samplerate);
    }

  int64_t bad = 0, first_bad = -1;
  for (int64_t i = 0; i < frames * channels; i++)
    if (!isfinite (samples[i]))
      {
        if (first_bad < 0)
          first_bad = i / channels;
        bad++;
      }
  if (bad > 0)
    {
      free (samples);
      return vt_error_set (error, VT_STATUS_BAD_DATA,
                           "%s: %lld samples are not numbers (NaN or infinite), the first at "
                           "%.3f s; the file is damaged", base_name (path), (long long) bad,
                           (double) first_bad / sfinfo.samplerate);
    }

  free (audio->samples);
  audio->samples = samples;
  audio->frames = frames;
  audio->channels = channels;
  audio->sample_rate = sfinfo.samplerate;
  return VT_STATUS_OK;
}

struct VtAudioReader
{
  SNDFILE *file;
  SF_INFO sfinfo;
  int64_t position; /* where the file's read pointer is */
  char name[256];
};

VtAudioReader *
vt_audio_reader_open (const char *path, VtAudioInfo *info, VtError *error)
{
  VtAudioReader *reader = calloc (1, sizeof *reader);
  if (reader == NULL)
    {
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  if (open_for_reading (path, &reader->sfinfo, &reader->file, error) != VT_STATUS_OK)
    {
      free (reader);
      return NULL;
    }
  if (header_announces_more_data (reader->file))
    {
      vt_error_set (error, VT_STATUS_BAD_FORMAT,
                    "%s: the file ends early (truncated or damaged): its header announces more "
                    "audio than it holds", base_name (path));
      vt_audio_reader_close (reader);
      return NULL;
    }
  snprintf (reader->name, sizeof reader->name, "%s", base_name (path));
  if (info != NULL)
    {
      memset (info, 0, sizeof *info);
      info->frames = reader->sfinfo.frames;
      info->channels = reader->sfinfo.channels;
      info->sample_rate = reader->sfinfo.samplerate;
      info->duration_s = (double) reader->sfinfo.frames / reader->sfinfo.samplerate;
      describe_format (reader->sfinfo.format, info->container, sizeof info->container,
                       info->encoding, sizeof info->encoding);
    }
  return reader;
}

VtStatus
vt_audio_reader_read (VtAudioReader *reader, int64_t first, int64_t frames, float *out,
                      int64_t *got, VtError *error)
{
  const int channels = reader->sfinfo.channels;
  memset (out, 0, sizeof (float) * (size_t) frames * (size_t) channels);
  if (got)
    *got = 0;
  int64_t skip = first < 0 ? -first : 0;
  int64_t start = first + skip;
  int64_t wanted = frames - skip;
  if (wanted <= 0 || start >= reader->sfinfo.frames)
    return VT_STATUS_OK;
  if (start != reader->position)
    {
      if (sf_seek (reader->file, start, SEEK_SET) < 0)
        return vt_error_set (error, VT_STATUS_IO, "%s: cannot seek to %.2f s", reader->name,
                             (double) start / reader->sfinfo.samplerate);
      reader->position = start;
    }
  float *dest = out + skip * channels;
  int64_t done = 0;
  while (done < wanted)
    {
      sf_count_t n = sf_readf_float (reader->file, dest + done * channels, wanted - done);
      if (n <= 0)
        break;
      done += n;
    }
  reader->position += done;
  for (int64_t i = 0; i < done * channels; i++)
    if (!isfinite (dest[i]))
      return vt_error_set (error, VT_STATUS_BAD_DATA,
                           "%s: samples near %.3f s are not numbers (NaN or infinite); the file "
                           "is damaged", reader->name,
                           (double) (start + i / channels) / reader->sfinfo.samplerate);
  if (got)
    *got = done;
  return VT_STATUS_OK;
}

void
vt_audio_reader_close (VtAudioReader *reader)
{
  if (reader == NULL)
    return;
  if (reader->file)
    sf_close (reader->file);
  free (reader);
}

VtFileFormat
vt_file_format_from_name (const char *name)
{
  static const struct
  {
    const char *name;
    VtFileFormat format;
  } names[] = {
    { "wav", VT_FILE_FORMAT_WAV_16 },   { "wav16", VT_FILE_FORMAT_WAV_16 },
    { "wav24", VT_FILE_FORMAT_WAV_24 }, { "wavf", VT_FILE_FORMAT_WAV_FLOAT },
    { "float", VT_FILE_FORMAT_WAV_FLOAT }, { "wav32f", VT_FILE_FORMAT_WAV_FLOAT },
    { "flac", VT_FILE_FORMAT_FLAC },    { "ogg", VT_FILE_FORMAT_OGG },
    { "mp3", VT_FILE_FORMAT_MP3 },
  };
  if (name == NULL)
    return VT_FILE_FORMAT_INVALID;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcasecmp (name, names[i].name) == 0)
      return names[i].format;
  return VT_FILE_FORMAT_INVALID;
}

VtFileFormat
vt_file_format_from_path (const char *path)
{
  const char *dot = strrchr (base_name (path), '.');
  if (dot == NULL)
    return VT_FILE_FORMAT_INVALID;
  return vt_file_format_from_name (dot + 1);
}

const char *
vt_file_format_extension (VtFileFormat format)
{
  switch (format)
    {
    case VT_FILE_FORMAT_WAV_16:
    case VT_FILE_FORMAT_WAV_24:
    case VT_FILE_FORMAT_WAV_FLOAT: return "wav";
    case VT_FILE_FORMAT_FLAC: return "flac";
    case VT_FILE_FORMAT_OGG: return "ogg";
    case VT_FILE_FORMAT_MP3: return "mp3";
    case VT_FILE_FORMAT_INVALID: break;
    }
  return "";
}

static int
is_mpeg_rate (int rate)
{
  static const int rates[] = { 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000 };
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
    if (rates[i] == rate)
      return 1;
  return 0;
}

static VtStatus
sf_format_for (VtFileFormat format, int channels, int sample_rate, int *sf_format,
               const char *path, VtError *error)
{
  switch (format)
    {
    case VT_FILE_FORMAT_WAV_16: *sf_format = SF_FORMAT_RF64 | SF_FORMAT_PCM_16; break;
    case VT_FILE_FORMAT_WAV_24: *sf_format = SF_FORMAT_RF64 | SF_FORMAT_PCM_24; break;
    case VT_FILE_FORMAT_WAV_FLOAT: *sf_format = SF_FORMAT_RF64 | SF_FORMAT_FLOAT; break;
    case VT_FILE_FORMAT_FLAC: *sf_format = SF_FORMAT_FLAC | SF_FORMAT_PCM_24; break;
    case VT_FILE_FORMAT_OGG: *sf_format = SF_FORMAT_OGG | SF_FORMAT_VORBIS; break;
    case VT_FILE_FORMAT_MP3:
      if (channels > 2)
        return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                             "%s: MP3 holds at most 2 channels, this audio has %d; choose FLAC "
                             "or WAV", base_name (path), channels);
      if (!is_mpeg_rate (sample_rate))
        return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                             "%s: MP3 cannot hold %d Hz audio (at most 48 kHz); choose FLAC or "
                             "WAV", base_name (path), sample_rate);
      *sf_format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
      break;
    case VT_FILE_FORMAT_INVALID:
    default:
      return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "%s: unknown output format",
                           base_name (path));
    }
  return VT_STATUS_OK;
}

struct VtAudioWriter
{
  SNDFILE *file;
  int fd;
  char *path;
  char *tmp_path;
  int channels;
  int sample_rate;
  int64_t written;
};

static void
writer_discard (VtAudioWriter *writer)
{
  if (writer->file)
    sf_close (writer->file);
  if (writer->fd >= 0)
    close (writer->fd);
  if (writer->tmp_path)
    unlink (writer->tmp_path);
  free (writer->tmp_path);
  free (writer->path);
  free (writer);
}

VtAudioWriter *
vt_audio_writer_open (const char *path, int channels, int sample_rate, VtFileFormat format,
                      VtError *error)
{
  if (path == NULL || path[0] == '\0')
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "no output file name given");
      return NULL;
    }
  if (channels < 1 || channels > VT_AUDIO_MAX_CHANNELS || sample_rate < 1)
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "%s: cannot write %d channels at %d Hz",
                    base_name (path), channels, sample_rate);
      return NULL;
    }
  int sf_format = 0;
  if (sf_format_for (format, channels, sample_rate, &sf_format, path, error) != VT_STATUS_OK)
    return NULL;
  struct stat st;
  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "%s: is a folder", path);
      return NULL;
    }

  VtAudioWriter *writer = calloc (1, sizeof *writer);
  size_t path_len = strlen (path);
  if (writer == NULL || (writer->path = strdup (path)) == NULL
      || (writer->tmp_path = malloc (path_len + 32)) == NULL)
    {
      if (writer)
        {
          free (writer->path);
          free (writer);
        }
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  writer->fd = -1;
  writer->channels = channels;
  writer->sample_rate = sample_rate;
  /* The temporary file lives beside the target so that rename() is atomic. */
  const char *base = base_name (path);
  snprintf (writer->tmp_path, path_len + 32, "%.*s.%s.vt-XXXXXX", (int) (base - path), path,
            base);
  writer->fd = mkstemp (writer->tmp_path);
  if (writer->fd < 0)
    {
      vt_error_set (error, VT_STATUS_IO, "%s: cannot write here: %s", path, strerror (errno));
      free (writer->tmp_path);
      writer->tmp_path = NULL;
      writer_discard (writer);
      return NULL;
    }
  fchmod (writer->fd, 0644);

  SF_INFO sfinfo = { .samplerate = sample_rate, .channels = channels, .format = sf_format };
  writer->file = sf_open_fd (writer->fd, SFM_WRITE, &sfinfo, SF_FALSE);
  if (writer->file == NULL)
    {
      vt_error_set (error, VT_STATUS_UNSUPPORTED,
                    "%s: this format cannot hold %d channels at %d Hz", base, channels,
                    sample_rate);
      writer_discard (writer);
      return NULL;
    }
  if ((sf_format & SF_FORMAT_TYPEMASK) == SF_FORMAT_RF64)
    sf_command (writer->file, SFC_RF64_AUTO_DOWNGRADE, NULL, SF_TRUE);
  /* Integer formats: clip peaks above full scale instead of wrapping. */
  sf_command (writer->file, SFC_SET_CLIPPING, NULL, SF_TRUE);
  return writer;
}

VtStatus
vt_audio_writer_write (VtAudioWriter *writer, const float *samples, int64_t frames,
                       VtError *error)
{
  for (int64_t done = 0; done < frames;)
    {
      int64_t n = frames - done < IO_BLOCK_FRAMES ? frames - done : IO_BLOCK_FRAMES;
      sf_count_t wrote = sf_writef_float (writer->file, samples + done * writer->channels, n);
      if (wrote != n)
        return vt_error_set (error, VT_STATUS_IO, "%s: writing failed after %.1f s (disk full?)",
                             writer->path, (double) (writer->written + done) / writer->sample_rate);
      done += n;
    }
  writer->written += frames;
  return VT_STATUS_OK;
}

VtStatus
vt_audio_writer_commit (VtAudioWriter *writer, VtError *error)
{
  VtStatus status = VT_STATUS_OK;
  int closed = sf_close (writer->file);
  writer->file = NULL;
  if (closed != 0)
    status = vt_error_set (error, VT_STATUS_IO, "%s: could not finish the file (disk full?)",
                           writer->path);
  else if (fsync (writer->fd) != 0)
    status = vt_error_set (error, VT_STATUS_IO, "%s: could not write: %s", writer->path,
                           strerror (errno));
  if (status == VT_STATUS_OK)
    {
      int fd = writer->fd;
      writer->fd = -1;
      if (close (fd) != 0)
        status = vt_error_set (error, VT_STATUS_IO, "%s: could not write: %s", writer->path,
                               strerror (errno));
      else if (rename (writer->tmp_path, writer->path) != 0)
        status = vt_error_set (error, VT_STATUS_IO, "%s: cannot replace the file: %s",
                               writer->path, strerror (errno));
      else
        {
          free (writer->tmp_path);
          writer->tmp_path = NULL;
        }
    }
  writer_discard (writer);
  return status;
}

void
vt_audio_writer_abort (VtAudioWriter *writer)
{
  if (writer != NULL)
    writer_discard (writer);
}

VtStatus
vt_audio_save (const char *path, const float *samples, int64_t frames, int channels,
               int sample_rate, VtFileFormat format, VtError *error)
{
  if (frames < 0 || (frames > 0 && samples == NULL))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "nothing to write");
  VtError local = { 0 };
  VtError *report = error ? error : &local;
  VtAudioWriter *writer = vt_audio_writer_open (path, channels, sample_rate, format, report);
  if (writer == NULL)
    return report->status;
  VtStatus status = vt_audio_writer_write (writer, samples, frames, error);
  if (status != VT_STATUS_OK)
    {
      vt_audio_writer_abort (writer);
      return status;
    }
  return vt_audio_writer_commit (writer, error);
}

void
vt_audio_downmix (const float *samples, int64_t frames, int channels, float *mono)
{
  if (channels == 1)
    {
      memmove (mono, samples, (size_t) frames * sizeof (float));
      return;
    }
  const float scale = 1.0f / (float) channels;
  for (int64_t i = 0; i < frames; i++)
    {
      float sum = 0.0f;
      for (int c = 0; c < channels; c++)
        sum += samples[i * channels + c];
      mono[i] = sum * scale;
    }
}
