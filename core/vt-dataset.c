/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-dataset.h"
#include "vt-half.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt-audio.h"
#include "vt-f0.h"
#include "vt-features.h"
#include "vt-resample.h"

/* ---- listing and splits ---- */

static const char *const mir1k_dev_singers[] = { "ariel", "davidson" };

/* MUSDB18's official validation songs (musdb's train/valid split). */
static const char *const musdb_dev_songs[] = {
  "Actions - One Minute Smile",
  "Alexander Ross - Goodbye Bolero",
  "ANiMAL - Rockshow",
  "Clara Berry And Wooldog - Waltz For My Victims",
  "Fergessen - Nos Palpitants",
  "James May - On The Line",
  "Johnny Lokke - Promises & Lies",
  "Leaf - Summerghost",
  "Meaxic - Take A Step",
  "Patrick Talbot - A Reason To Leave",
  "Skelpolu - Human Mistakes",
  "Traffic Experiment - Sirens",
  "Triviul - Angelsaint",
  "Young Griffo - Pennies",
};

#define N_ELEMENTS(a) ((int) (sizeof (a) / sizeof ((a)[0])))

const char *const *
vt_dataset_dev_names (VtDatasetKind kind, int *count)
{
  if (kind == VT_DATASET_MIR1K)
    {
      *count = N_ELEMENTS (mir1k_dev_singers);
      return mir1k_dev_singers;
    }
  *count = N_ELEMENTS (musdb_dev_songs);
  return musdb_dev_songs;
}

int
vt_clip_in_split (const VtClip *clip, VtSplit split)
{
  int dev = 0;
  if (clip->kind == VT_DATASET_MIR1K)
    {
      for (int i = 0; i < N_ELEMENTS (mir1k_dev_singers); i++)
        dev |= strcmp (clip->singer, mir1k_dev_singers[i]) == 0;
    }
  else
    for (int i = 0; i < N_ELEMENTS (musdb_dev_songs); i++)
      dev |= strcmp (clip->name, musdb_dev_songs[i]) == 0;
  int huang_train = clip->kind == VT_DATASET_MIR1K
                    && (strcmp (clip->singer, "abjones") == 0 || strcmp (clip->singer, "amy") == 0);
  switch (split)
    {
    case VT_SPLIT_ALL: return 1;
    case VT_SPLIT_HUANG_TRAIN: return huang_train;
    case VT_SPLIT_HUANG_TEST: return clip->kind == VT_DATASET_MIR1K && !huang_train;
    case VT_SPLIT_TRAIN: return !dev;
    case VT_SPLIT_DEV: return dev;
    }
  return 0;
}

int
vt_dataset_split (const VtDataset *dataset, VtSplit split, int *indices)
{
  int n = 0;
  for (int i = 0; i < dataset->n_clips; i++)
    if (vt_clip_in_split (&dataset->clips[i], split))
      {
        if (indices)
          indices[n] = i;
        n++;
      }
  return n;
}

void
vt_dataset_init (VtDataset *dataset)
{
  memset (dataset, 0, sizeof *dataset);
}

void
vt_dataset_clear (VtDataset *dataset)
{
  free (dataset->root);
  free (dataset->clips);
  vt_dataset_init (dataset);
}

static char *
join_path (const char *a, const char *b, const char *c)
{
  size_t n = strlen (a) + strlen (b) + (c ? strlen (c) : 0) + 3;
  char *path = malloc (n);
  if (path == NULL)
    return NULL;
  if (c)
    snprintf (path, n, "%s/%s/%s", a, b, c);
  else
    snprintf (path, n, "%s/%s", a, b);
  return path;
}

static int
compare_clips (const void *a, const void *b)
{
  return strcmp (((const VtClip *) a)->name, ((const VtClip *) b)->name);
}

static int
file_exists (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode);
}

/* Copies at most size - 1 bytes of the n first bytes of text. */
static void
copy_part (char *dest, size_t size, const char *text, size_t n)
{
  if (n > size - 1)
    n = size - 1;
  memcpy (dest, text, n);
  dest[n] = '\0';
}

VtStatus
vt_dataset_open (VtDataset *dataset, VtDatasetKind kind, const char *root, VtError *error)
{
  if (kind != VT_DATASET_MIR1K && kind != VT_DATASET_MUSDB)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "unknown dataset kind %d", (int) kind);
  vt_dataset_clear (dataset);
  dataset->kind = kind;
  dataset->root = strdup (root);
  char *folder = kind == VT_DATASET_MIR1K ? join_path (root, "Wavfile", NULL) : strdup (root);
  if (dataset->root == NULL || folder == NULL)
    {
      free (folder);
      vt_dataset_clear (dataset);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory listing %s", root);
    }
  DIR *dir = opendir (folder);
  if (dir == NULL)
    {
      VtStatus status = vt_error_set (error, errno == ENOENT ? VT_STATUS_NOT_FOUND : VT_STATUS_IO,
                                      "%s: %s", folder, strerror (errno));
      free (folder);
      vt_dataset_clear (dataset);
      return status;
    }
  int capacity = 0;
  VtStatus status = VT_STATUS_OK;
  struct dirent *entry;
  while ((entry = readdir (dir)) != NULL)
    {
      const char *name = entry->d_name;
      size_t len = strlen (name);
      if (name[0] == '.')
        continue;
      VtClip clip;
      memset (&clip, 0, sizeof clip);
      clip.kind = kind;
      if (kind == VT_DATASET_MIR1K)
        {
          if (len <= 5 || strcmp (name + len - 5, ".flac") != 0 || len - 5 >= VT_CLIP_NAME_SIZE)
            continue;
          copy_part (clip.name, sizeof clip.name, name, len - 5);
          const char *first = strchr (clip.name, '_');
          const char *last = strrchr (clip.name, '_');
          if (first == NULL || last == first)
            continue;
          copy_part (clip.singer, sizeof clip.singer, clip.name, (size_t) (first - clip.name));
          copy_part (clip.song, sizeof clip.song, clip.name, (size_t) (last - clip.name));
        }
      else
        {
          if (len >= VT_CLIP_NAME_SIZE)
            continue;
          char *vocals = join_path (folder, name, "vocals.flac");
          char *accompaniment = join_path (folder, name, "accompaniment.flac");
          int present = vocals && accompaniment && file_exists (vocals)
                        && file_exists (accompaniment);
          free (vocals);
          free (accompaniment);
          if (!present)
            continue;
          copy_part (clip.name, sizeof clip.name, name, len);
          const char *dash = strstr (name, " - ");
          if (dash)
            {
              copy_part (clip.singer, sizeof clip.singer, name, (size_t) (dash - name));
              copy_part (clip.song, sizeof clip.song, dash + 3, strlen (dash + 3));
            }
          else
            {
              copy_part (clip.singer, sizeof clip.singer, name, len);
              copy_part (clip.song, sizeof clip.song, name, len);
            }
        }
      if (dataset->n_clips == capacity)
        {
          capacity = capacity ? 2 * capacity : 256;
          VtClip *grown = realloc (dataset->clips, sizeof (VtClip) * (size_t) capacity);
          if (grown == NULL)
            {
              status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory listing %s", root);
              break;
            }
          dataset->clips = grown;
        }
      dataset->clips[dataset->n_clips++] = clip;
    }
  closedir (dir);
  free (folder);
  if (status != VT_STATUS_OK)
    {
      vt_dataset_clear (dataset);
      return status;
    }
  if (dataset->n_clips == 0)
    {
      vt_dataset_clear (dataset);
      return vt_error_set (error, VT_STATUS_NOT_FOUND, "%s holds no %s clips", root,
                           kind == VT_DATASET_MIR1K ? "MIR-1K" : "MUSDB18");
    }
  qsort (dataset->clips, (size_t) dataset->n_clips, sizeof (VtClip), compare_clips);
  return VT_STATUS_OK;
}

/* ---- one clip's audio and labels ---- */

void
vt_clip_audio_init (VtClipAudio *audio)
{
  memset (audio, 0, sizeof *audio);
}

void
vt_clip_audio_clear (VtClipAudio *audio)
{
  free (audio->vocals);
  free (audio->accompaniment);
  free (audio->f0_hz);
  free (audio->vocal_activity);
  vt_clip_audio_init (audio);
}

/* Loads path at 16 kHz (resampling if needed) into audio. */
static VtStatus
load_16k (const char *path, VtAudio *audio, VtError *error)
{
  VtStatus status = vt_audio_load (path, audio, error);
  if (status != VT_STATUS_OK || audio->sample_rate == VT_FEATURES_RATE)
    return status;
  float *resampled = NULL;
  int64_t frames = 0;
  status = vt_resample (audio->samples, audio->frames, audio->channels, audio->sample_rate,
                        VT_FEATURES_RATE, &resampled, &frames, error);
  if (status != VT_STATUS_OK)
    return status;
  free (audio->samples);
  audio->samples = resampled;
  audio->frames = frames;
  audio->sample_rate = VT_FEATURES_RATE;
  return VT_STATUS_OK;
}

/* Reads one number per line; *values is malloc'ed. */
static VtStatus
read_label_file (const char *path, float **values, int64_t *count, VtError *error)
{
  FILE *file = fopen (path, "r");
  if (file == NULL)
    return vt_error_set (error, errno == ENOENT ? VT_STATUS_NOT_FOUND : VT_STATUS_IO, "%s: %s",
                         path, strerror (errno));
  int64_t n = 0, capacity = 1024;
  float *data = malloc (sizeof (float) * (size_t) capacity);
  char line[128];
  VtStatus status = VT_STATUS_OK;
  while (data && fgets (line, sizeof line, file))
    {
      char *end;
      double v = strtod (line, &end);
      if (end == line)
        {
          while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
          if (*end == '\0')
            continue;
          status = vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: line %ld is not a number",
                                 path, (long) n + 1);
          break;
        }
      if (!isfinite (v))
        {
          status = vt_error_set (error, VT_STATUS_BAD_DATA, "%s: line %ld is not finite", path,
                                 (long) n + 1);
          break;
        }
      if (n == capacity)
        {
          capacity *= 2;
          float *grown = realloc (data, sizeof (float) * (size_t) capacity);
          if (grown == NULL)
            {
              free (data);
              data = NULL;
              break;
            }
          data = grown;
        }
      data[n++] = (float) v;
    }
  fclose (file);
  if (data == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory reading %s", path);
  if (status != VT_STATUS_OK)
    {
      free (data);
      return status;
    }
  *values = data;
  *count = n;
  return VT_STATUS_OK;
}

/* Puts MIR-1K labels (label frame i = our frame i + 1) on our frames; the
 * unlabelled edge frames copy their neighbour. */
static void
place_labels (const float *labels, int64_t n_labels, float *frames_out, int64_t n_frames)
{
  for (int64_t t = 0; t < n_frames; t++)
    {
      int64_t i = t - VT_FEATURES_MIR1K_FRAME_OFFSET;
      if (i < 0)
        i = 0;
      if (i > n_labels - 1)
        i = n_labels - 1;
      frames_out[t] = labels[i];
    }
}

static VtStatus
load_mir1k_labels (const VtDataset *dataset, const VtClip *clip, VtClipAudio *audio,
                   VtError *error)
{
  char name[VT_CLIP_NAME_SIZE + 8];
  float *pitch = NULL, *vocal = NULL;
  int64_t n_pitch = 0, n_vocal = 0;
  snprintf (name, sizeof name, "%s.pv", clip->name);
  char *path = join_path (dataset->root, "PitchLabel", name);
  if (path == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  VtStatus status = read_label_file (path, &pitch, &n_pitch, error);
  free (path);
  if (status != VT_STATUS_OK)
    return status;
  snprintf (name, sizeof name, "%s.vocal", clip->name);
  path = join_path (dataset->root, "vocal-nonvocalLabel", name);
  if (path == NULL)
    {
      free (pitch);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
    }
  status = read_label_file (path, &vocal, &n_vocal, error);
  free (path);
  if (status != VT_STATUS_OK)
    {
      free (pitch);
      return status;
    }
  int64_t expected = audio->n_samples >= 640 ? (audio->n_samples - 640) / 320 + 1 : 0;
  if (n_pitch < 1 || n_pitch != n_vocal || llabs (n_pitch - expected) > 1)
    {
      free (pitch);
      free (vocal);
      return vt_error_set (error, VT_STATUS_BAD_DATA,
                           "%s: %ld pitch and %ld vocal labels for %ld samples (expected %ld)",
                           clip->name, (long) n_pitch, (long) n_vocal, (long) audio->n_samples,
                           (long) expected);
    }
  /* MIDI note numbers; 1e39 reads as a finite double but an infinite
   * float, and 1000 semitones is an infinite Hz: either would make the
   * training loss NaN. */
  for (int64_t i = 0; i < n_pitch; i++)
    if (!(pitch[i] >= 0 && pitch[i] <= 135))
      {
        VtStatus refused = vt_error_set (error, VT_STATUS_BAD_DATA,
                                         "%s.pv: line %ld holds %g, not a MIDI note number "
                                         "(0-135)", clip->name, (long) i + 1, pitch[i]);
        free (pitch);
        free (vocal);
        return refused;
      }
  for (int64_t i = 0; i < n_pitch; i++)
    pitch[i] = pitch[i] > 0 ? (float) vt_f0_midi_to_hz (pitch[i]) : 0.0f;
  for (int64_t i = 0; i < n_vocal; i++)
    vocal[i] = vocal[i] > 0 ? 1.0f : 0.0f;
  audio->n_label_frames = n_pitch;
  audio->f0_hz = malloc (sizeof (float) * (size_t) audio->n_frames);
  audio->vocal_activity = malloc (sizeof (float) * (size_t) audio->n_frames);
  if (audio->f0_hz == NULL || audio->vocal_activity == NULL)
    {
      free (pitch);
      free (vocal);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
    }
  place_labels (pitch, n_pitch, audio->f0_hz, audio->n_frames);
  place_labels (vocal, n_vocal, audio->vocal_activity, audio->n_frames);
  free (pitch);
  free (vocal);
  return VT_STATUS_OK;
}

VtStatus
vt_dataset_load_clip (const VtDataset *dataset, int index, VtClipAudio *audio, VtError *error)
{
  if (index < 0 || index >= dataset->n_clips)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "no clip %d in the dataset", index);
  const VtClip *clip = &dataset->clips[index];
  vt_clip_audio_clear (audio);
  VtAudio a, b;
  vt_audio_init (&a);
  vt_audio_init (&b);
  VtStatus status;
  char *path = NULL, *path_b = NULL;
  if (dataset->kind == VT_DATASET_MIR1K)
    {
      char name[VT_CLIP_NAME_SIZE + 8];
      snprintf (name, sizeof name, "%s.flac", clip->name);
      path = join_path (dataset->root, "Wavfile", name);
      if (path == NULL)
        return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      status = load_16k (path, &a, error);
      if (status == VT_STATUS_OK && a.channels != 2)
        status = vt_error_set (error, VT_STATUS_BAD_DATA,
                               "%s has %d channels; MIR-1K clips are stereo (accompaniment, voice)",
                               path, a.channels);
      if (status == VT_STATUS_OK)
        {
          audio->n_samples = a.frames;
          audio->vocals = malloc (sizeof (float) * (size_t) (a.frames + 1));
          audio->accompaniment = malloc (sizeof (float) * (size_t) (a.frames + 1));
          if (audio->vocals == NULL || audio->accompaniment == NULL)
            status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory loading %s", path);
          else
            for (int64_t i = 0; i < a.frames; i++)
              {
                audio->accompaniment[i] = a.samples[2 * i];
                audio->vocals[i] = a.samples[2 * i + 1];
              }
        }
    }
  else
    {
      path = join_path (dataset->root, clip->name, "vocals.flac");
      path_b = join_path (dataset->root, clip->name, "accompaniment.flac");
      if (path == NULL || path_b == NULL)
        status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      else
        status = load_16k (path, &a, error);
      if (status == VT_STATUS_OK)
        status = load_16k (path_b, &b, error);
      if (status == VT_STATUS_OK)
        {
          /* The stems come from the same stem file and should match; a few
           * samples of resampling slack are tolerated. */
          int64_t n = a.frames < b.frames ? a.frames : b.frames;
          audio->n_samples = n;
          audio->vocals = malloc (sizeof (float) * (size_t) (n + 1));
          audio->accompaniment = malloc (sizeof (float) * (size_t) (n + 1));
          if (audio->vocals == NULL || audio->accompaniment == NULL)
            status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory loading %s", path);
          else
            {
              vt_audio_downmix (a.samples, n, a.channels, audio->vocals);
              vt_audio_downmix (b.samples, n, b.channels, audio->accompaniment);
            }
        }
    }
  vt_audio_clear (&a);
  vt_audio_clear (&b);
  free (path);
  free (path_b);
  if (status == VT_STATUS_OK)
    {
      audio->n_frames = vt_features_frame_count (audio->n_samples);
      if (dataset->kind == VT_DATASET_MIR1K)
        status = load_mir1k_labels (dataset, clip, audio, error);
    }
  if (status != VT_STATUS_OK)
    vt_clip_audio_clear (audio);
  return status;
}

/* ---- features ---- */

void
vt_clip_features_init (VtClipFeatures *features)
{
  memset (features, 0, sizeof *features);
}

void
vt_clip_features_clear (VtClipFeatures *features)
{
  free (features->vocal_spectrum);
  free (features->accompaniment_spectrum);
  free (features->f0_hz);
  free (features->f0_confidence);
  free (features->vocal_activity);
  vt_clip_features_init (features);
}

void
vt_spectrum_mix_magnitude (const float *a, float gain_a, const float *b, float gain_b, int64_t n,
                           float *out)
{
  if (b == NULL)
    {
      for (int64_t i = 0; i < n; i++)
        out[i] = fabsf (gain_a) * hypotf (a[2 * i], a[2 * i + 1]);
      return;
    }
  for (int64_t i = 0; i < n; i++)
    out[i] = hypotf (gain_a * a[2 * i] + gain_b * b[2 * i],
                     gain_a * a[2 * i + 1] + gain_b * b[2 * i + 1]);
}

void
vt_vocal_activity_from_spectrum (const float *vocal_spectrum, int64_t n_frames, float *activity)
{
  /* Parseval with a Hann window: mean square ~ 16 / (3 N^2) * sum |X_k|^2
   * over the half spectrum (doubled for the negative frequencies). */
  const double scale = 16.0 / (3.0 * VT_FEATURES_N_FFT * (double) VT_FEATURES_N_FFT);
  double loudest = -200;
  for (int64_t t = 0; t < n_frames; t++)
    {
      const float *row = vocal_spectrum + t * VT_FEATURES_BINS * 2;
      double power = 0;
      for (int k = 0; k < VT_FEATURES_BINS * 2; k++)
        power += (double) row[k] * row[k];
      double db = 10 * log10 (power * scale + 1e-20);
      activity[t] = (float) db;
      if (db > loudest)
        loudest = db;
    }
  double threshold = loudest - 40 > -50 ? loudest - 40 : -50;
  for (int64_t t = 0; t < n_frames; t++)
    activity[t] = activity[t] > threshold ? 1.0f : 0.0f;
}

/* The 512 kept bins of n_frames STFT frames of signal into spectrum. */
static void
spectrum_512 (VtStft *stft, const float *signal, int64_t n_samples, int64_t n_frames,
              float *full_row, float *spectrum)
{
  for (int64_t t = 0; t < n_frames; t++)
    {
      vt_stft_forward (stft, signal, n_samples, t, 1, full_row);
      memcpy (spectrum + t * VT_FEATURES_BINS * 2, full_row,
              sizeof (float) * VT_FEATURES_BINS * 2);
    }
}

VtStatus
vt_clip_features_compute (const VtClipAudio *audio, VtStft *stft, VtPitchTracker *tracker,
                          VtClipFeatures *features, VtError *error)
{
  if (stft == NULL || vt_stft_get_n_fft (stft) != VT_FEATURES_N_FFT
      || vt_stft_get_hop (stft) != VT_FEATURES_HOP)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "features need a 1024/320 STFT");
  if (audio->f0_hz == NULL && tracker == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "a clip without pitch labels needs a pitch tracker");
  vt_clip_features_clear (features);
  const int64_t frames = audio->n_frames;
  const size_t spectrum_size = sizeof (float) * (size_t) frames * VT_FEATURES_BINS * 2;
  features->n_frames = frames;
  features->vocal_spectrum = malloc (spectrum_size);
  features->accompaniment_spectrum = malloc (spectrum_size);
  features->f0_hz = malloc (sizeof (float) * (size_t) frames);
  features->f0_confidence = malloc (sizeof (float) * (size_t) frames);
  features->vocal_activity = malloc (sizeof (float) * (size_t) frames);
  float full_row[(VT_FEATURES_N_FFT / 2 + 1) * 2];
  if (!features->vocal_spectrum || !features->accompaniment_spectrum || !features->f0_hz
      || !features->f0_confidence || !features->vocal_activity)
    {
      vt_clip_features_clear (features);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for %ld frames of features",
                           (long) frames);
    }
  spectrum_512 (stft, audio->vocals, audio->n_samples, frames, full_row, features->vocal_spectrum);
  spectrum_512 (stft, audio->accompaniment, audio->n_samples, frames, full_row,
                features->accompaniment_spectrum);
  if (audio->f0_hz)
    {
      memcpy (features->f0_hz, audio->f0_hz, sizeof (float) * (size_t) frames);
      for (int64_t t = 0; t < frames; t++)
        features->f0_confidence[t] = 1.0f;
    }
  else
    {
      if (vt_pitch_tracker_frame_count (tracker, audio->n_samples) != frames)
        {
          vt_clip_features_clear (features);
          return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                               "the pitch tracker must use the 16 kHz / 320 analysis");
        }
      VtStatus status = vt_pitch_tracker_run (tracker, audio->vocals, audio->n_samples,
                                              features->f0_hz, features->f0_confidence, error);
      if (status != VT_STATUS_OK)
        {
          vt_clip_features_clear (features);
          return status;
        }
    }
  if (audio->vocal_activity)
    memcpy (features->vocal_activity, audio->vocal_activity, sizeof (float) * (size_t) frames);
  else
    vt_vocal_activity_from_spectrum (features->vocal_spectrum, frames, features->vocal_activity);
  return VT_STATUS_OK;
}

/* float16 conversion: vt-half.h (shared with the weights files). */

/* ---- the cache file ----
 *
 * Little-endian, 8-byte aligned:
 *   header (64 bytes): "VTDCACHE", u32 version (1), u32 byte-order mark
 *     0x01020304, u32 sample rate, n_fft, hop, bins, u32 n_clips, u32 0,
 *     u64 total frames, u64 file size, u64 FNV-1a 64 of every byte after
 *     the header;
 *   n_clips records (384 bytes): u32 kind, u32 flags (bit 0: F0 from
 *     labels), u64 n_frames, u64 byte offset of the clip's block, name[160],
 *     singer[64], song[128], 8 bytes zero;
 *   per clip, at its offset: vocal spectrum (n_frames x 512 x 2 float16),
 *     accompaniment spectrum (same), F0 Hz (n_frames float32), F0 confidence
 *     (n_frames float32), vocal activity (n_frames u8), zero padding to 8. */

#define VT_CACHE_MAGIC "VTDCACHE"
#define VT_CACHE_VERSION 1u
#define VT_CACHE_HEADER_SIZE 64
#define VT_CACHE_RECORD_SIZE 384
#define VT_CACHE_BOM 0x01020304u

typedef struct
{
  char magic[8];
  uint32_t version;
  uint32_t byte_order;
  uint32_t sample_rate;
  uint32_t n_fft;
  uint32_t hop;
  uint32_t bins;
  uint32_t n_clips;
  uint32_t reserved;
  uint64_t total_frames;
  uint64_t file_size;
  uint64_t checksum;
} VtCacheHeader;

typedef struct
{
  uint32_t kind;
  uint32_t flags;
  uint64_t n_frames;
  uint64_t offset;
  char name[VT_CLIP_NAME_SIZE];
  char singer[VT_CLIP_SINGER_SIZE];
  char song[VT_CLIP_SONG_SIZE];
  uint8_t reserved[8];
} VtCacheRecord;

_Static_assert (sizeof (VtCacheHeader) == VT_CACHE_HEADER_SIZE, "cache header layout");
_Static_assert (sizeof (VtCacheRecord) == VT_CACHE_RECORD_SIZE, "cache record layout");

static uint64_t
fnv1a (uint64_t hash, const void *data, size_t n)
{
  const uint8_t *p = data;
  for (size_t i = 0; i < n; i++)
    {
      hash ^= p[i];
      hash *= 0x100000001b3ull;
    }
  return hash;
}

#define VT_FNV_OFFSET 0xcbf29ce484222325ull

static uint64_t
clip_block_size (uint64_t n_frames)
{
  uint64_t size = n_frames * VT_FEATURES_BINS * 2 * 2 * 2 + n_frames * 4 * 2 + n_frames;
  return (size + 7) & ~(uint64_t) 7;
}

typedef struct
{
  FILE *file;
  uint64_t checksum;
  int failed;
} CacheWriter;

static void
cache_write (CacheWriter *writer, const void *data, size_t n)
{
  if (writer->failed)
    return;
  if (fwrite (data, 1, n, writer->file) != n)
    writer->failed = 1;
  writer->checksum = fnv1a (writer->checksum, data, n);
}

static void
write_half_spectrum (CacheWriter *writer, const float *spectrum, int64_t n_values, uint16_t *buffer,
                     size_t buffer_size)
{
  for (int64_t done = 0; done < n_values;)
    {
      size_t n = (size_t) (n_values - done) < buffer_size ? (size_t) (n_values - done) : buffer_size;
      for (size_t i = 0; i < n; i++)
        buffer[i] = vt_half_from_float (spectrum[done + (int64_t) i]);
      cache_write (writer, buffer, n * sizeof (uint16_t));
      done += (int64_t) n;
    }
}

VtStatus
vt_dataset_cache_build (const VtDataset *const *datasets, const int *const *indices,
                        const int *n_indices, int n_datasets, const char *path,
                        VtDatasetProgress progress, void *user_data, VtError *error)
{
  int total = 0;
  for (int d = 0; d < n_datasets; d++)
    total += indices && indices[d] ? n_indices[d] : datasets[d]->n_clips;
  if (total <= 0)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "no clips to cache");
  size_t path_len = strlen (path);
  char *temp_path = malloc (path_len + 16);
  VtCacheRecord *records = calloc ((size_t) total, sizeof (VtCacheRecord));
  uint16_t *buffer = malloc (sizeof (uint16_t) * 65536);
  VtStft *stft = vt_stft_new (VT_FEATURES_N_FFT, VT_FEATURES_HOP, error);
  VtPitchTracker *tracker = vt_pitch_tracker_new (VT_FEATURES_RATE, VT_FEATURES_HOP, NULL, error);
  VtClipAudio audio;
  VtClipFeatures features;
  vt_clip_audio_init (&audio);
  vt_clip_features_init (&features);
  CacheWriter writer = { NULL, VT_FNV_OFFSET, 0 };
  VtStatus status = VT_STATUS_OK;
  if (!temp_path || !records || !buffer)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      goto done;
    }
  if (!stft || !tracker)
    {
      status = error ? error->status : VT_STATUS_NO_MEMORY;
      goto done;
    }
  snprintf (temp_path, path_len + 16, "%s.tmp%d", path, (int) getpid ());
  writer.file = fopen (temp_path, "wb");
  if (writer.file == NULL)
    {
      status = vt_error_set (error, VT_STATUS_IO, "%s: %s", temp_path, strerror (errno));
      goto done;
    }
  /* Placeholders; the header and records are rewritten at the end. */
  VtCacheHeader header;
  memset (&header, 0, sizeof header);
  if (fwrite (&header, sizeof header, 1, writer.file) != 1
      || fwrite (records, sizeof (VtCacheRecord), (size_t) total, writer.file) != (size_t) total)
    writer.failed = 1;
  uint64_t offset = VT_CACHE_HEADER_SIZE + (uint64_t) total * VT_CACHE_RECORD_SIZE;
  uint64_t total_frames = 0;
  uint64_t data_checksum = VT_FNV_OFFSET;
  int done_clips = 0;
  for (int d = 0; d < n_datasets && status == VT_STATUS_OK; d++)
    {
      const VtDataset *dataset = datasets[d];
      int n = indices && indices[d] ? n_indices[d] : dataset->n_clips;
      for (int j = 0; j < n && status == VT_STATUS_OK; j++)
        {
          int index = indices && indices[d] ? indices[d][j] : j;
          status = vt_dataset_load_clip (dataset, index, &audio, error);
          if (status == VT_STATUS_OK)
            status = vt_clip_features_compute (&audio, stft, tracker, &features, error);
          if (status != VT_STATUS_OK)
            {
              if (index >= 0 && index < dataset->n_clips)
                vt_error_prefix (error, "%s", dataset->clips[index].name);
              break;
            }
          const VtClip *clip = &dataset->clips[index];
          VtCacheRecord *record = &records[done_clips];
          record->kind = (uint32_t) clip->kind;
          record->flags = audio.f0_hz ? 1u : 0u;
          record->n_frames = (uint64_t) features.n_frames;
          record->offset = offset;
          memcpy (record->name, clip->name, sizeof record->name);
          memcpy (record->singer, clip->singer, sizeof record->singer);
          memcpy (record->song, clip->song, sizeof record->song);

          int64_t n_values = features.n_frames * VT_FEATURES_BINS * 2;
          writer.checksum = data_checksum;
          write_half_spectrum (&writer, features.vocal_spectrum, n_values, buffer, 65536);
          write_half_spectrum (&writer, features.accompaniment_spectrum, n_values, buffer, 65536);
          cache_write (&writer, features.f0_hz, sizeof (float) * (size_t) features.n_frames);
          cache_write (&writer, features.f0_confidence,
                       sizeof (float) * (size_t) features.n_frames);
          for (int64_t t = 0; t < features.n_frames; t++)
            {
              uint8_t active = features.vocal_activity[t] > 0.5f;
              cache_write (&writer, &active, 1);
            }
          uint64_t block = clip_block_size ((uint64_t) features.n_frames);
          uint64_t written = (uint64_t) n_values * 4 + (uint64_t) features.n_frames * 9;
          static const uint8_t zeros[8] = { 0 };
          cache_write (&writer, zeros, (size_t) (block - written));
          data_checksum = writer.checksum;
          offset += block;
          total_frames += (uint64_t) features.n_frames;
          done_clips++;
          if (writer.failed)
            status = vt_error_set (error, VT_STATUS_IO, "%s: cannot write (%s)", temp_path,
                                   strerror (errno));
          else if (progress && progress (done_clips, total, clip->name, user_data))
            status = vt_error_set (error, VT_STATUS_CANCELLED, "cache building cancelled");
        }
    }
  if (status == VT_STATUS_OK)
    {
      memcpy (header.magic, VT_CACHE_MAGIC, 8);
      header.version = VT_CACHE_VERSION;
      header.byte_order = VT_CACHE_BOM;
      header.sample_rate = VT_FEATURES_RATE;
      header.n_fft = VT_FEATURES_N_FFT;
      header.hop = VT_FEATURES_HOP;
      header.bins = VT_FEATURES_BINS;
      header.n_clips = (uint32_t) total;
      header.total_frames = total_frames;
      header.file_size = offset;
      /* The checksum covers the records, then the clip blocks. */
      uint64_t checksum = fnv1a (VT_FNV_OFFSET, records, sizeof (VtCacheRecord) * (size_t) total);
      header.checksum = checksum ^ data_checksum;
      if (fseek (writer.file, 0, SEEK_SET) != 0
          || fwrite (&header, sizeof header, 1, writer.file) != 1
          || fwrite (records, sizeof (VtCacheRecord), (size_t) total, writer.file)
               != (size_t) total)
        writer.failed = 1;
      if (fflush (writer.file) != 0 || fsync (fileno (writer.file)) != 0 || writer.failed)
        status = vt_error_set (error, VT_STATUS_IO, "%s: cannot write (%s)", temp_path,
                               strerror (errno));
    }
  if (writer.file && fclose (writer.file) != 0 && status == VT_STATUS_OK)
    status = vt_error_set (error, VT_STATUS_IO, "%s: cannot write", temp_path);
  writer.file = NULL;
  if (status == VT_STATUS_OK && rename (temp_path, path) != 0)
    status = vt_error_set (error, VT_STATUS_IO, "cannot rename %s to %s: %s", temp_path, path,
                           strerror (errno));
  if (status != VT_STATUS_OK && temp_path)
    remove (temp_path);

done:
  vt_clip_audio_clear (&audio);
  vt_clip_features_clear (&features);
  vt_stft_free (stft);
  vt_pitch_tracker_free (tracker);
  free (buffer);
  free (records);
  free (temp_path);
  return status;
}

void
vt_dataset_cache_init (VtDatasetCache *cache)
{
  memset (cache, 0, sizeof *cache);
}

void
vt_dataset_cache_clear (VtDatasetCache *cache)
{
  free (cache->clips);
  free (cache->data);
  vt_dataset_cache_init (cache);
}

VtStatus
vt_dataset_cache_load (VtDatasetCache *cache, const char *path, VtError *error)
{
  FILE *file = fopen (path, "rb");
  if (file == NULL)
    return vt_error_set (error, errno == ENOENT ? VT_STATUS_NOT_FOUND : VT_STATUS_IO, "%s: %s",
                         path, strerror (errno));
  VtCacheHeader header;
  if (fread (&header, sizeof header, 1, file) != 1)
    {
      fclose (file);
      return vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: too short for a dataset cache", path);
    }
  if (memcmp (header.magic, VT_CACHE_MAGIC, 8) != 0)
    {
      fclose (file);
      return vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s is not a Voxtrace dataset cache", path);
    }
  if (header.version != VT_CACHE_VERSION || header.byte_order != VT_CACHE_BOM)
    {
      fclose (file);
      return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                           "%s: cache version %u (byte order %08x); this build reads version %u",
                           path, header.version, header.byte_order, VT_CACHE_VERSION);
    }
  if (header.sample_rate != VT_FEATURES_RATE || header.n_fft != VT_FEATURES_N_FFT
      || header.hop != VT_FEATURES_HOP || header.bins != VT_FEATURES_BINS)
    {
      fclose (file);
      return vt_error_set (error, VT_STATUS_BAD_DATA,
                           "%s was made for a %u Hz %u/%u analysis with %u bins; rebuild it", path,
                           header.sample_rate, header.n_fft, header.hop, header.bins);
    }
  if (fseek (file, 0, SEEK_END) != 0)
    {
      fclose (file);
      return vt_error_set (error, VT_STATUS_IO, "%s: cannot seek", path);
    }
  long size = ftell (file);
  uint64_t records_end = VT_CACHE_HEADER_SIZE + (uint64_t) header.n_clips * VT_CACHE_RECORD_SIZE;
  if (size < 0 || (uint64_t) size != header.file_size || records_end > (uint64_t) size
      || header.n_clips == 0)
    {
      fclose (file);
      return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                           "%s: %ld bytes where the header announces %llu (truncated?)", path,
                           size, (unsigned long long) header.file_size);
    }
  uint8_t *data = malloc ((size_t) size);
  VtCacheClip *clips = calloc (header.n_clips, sizeof (VtCacheClip));
  if (data == NULL || clips == NULL)
    {
      fclose (file);
      free (data);
      free (clips);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory loading %s (%ld bytes)",
                           path, size);
    }
  rewind (file);
  size_t got = fread (data, 1, (size_t) size, file);
  fclose (file);
  if (got != (size_t) size)
    {
      free (data);
      free (clips);
      return vt_error_set (error, VT_STATUS_IO, "%s: read error", path);
    }
  uint64_t records_checksum = fnv1a (VT_FNV_OFFSET, data + VT_CACHE_HEADER_SIZE,
                                     records_end - VT_CACHE_HEADER_SIZE);
  uint64_t data_checksum = fnv1a (VT_FNV_OFFSET, data + records_end,
                                  (size_t) size - records_end);
  VtStatus status = VT_STATUS_OK;
  if ((records_checksum ^ data_checksum) != header.checksum)
    status = vt_error_set (error, VT_STATUS_BAD_DATA, "%s: checksum mismatch (damaged file)", path);
  uint64_t expected_offset = records_end;
  int64_t total_frames = 0;
  for (uint32_t i = 0; i < header.n_clips && status == VT_STATUS_OK; i++)
    {
      VtCacheRecord record;
      memcpy (&record, data + VT_CACHE_HEADER_SIZE + (size_t) i * VT_CACHE_RECORD_SIZE,
              sizeof record);
      uint64_t block = clip_block_size (record.n_frames);
      if (record.offset != expected_offset || record.n_frames == 0
          || record.n_frames > (uint64_t) size || record.offset + block > (uint64_t) size
          || (record.kind != VT_DATASET_MIR1K && record.kind != VT_DATASET_MUSDB)
          || record.name[VT_CLIP_NAME_SIZE - 1] || record.singer[VT_CLIP_SINGER_SIZE - 1]
          || record.song[VT_CLIP_SONG_SIZE - 1])
        {
          status = vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: clip record %u is invalid",
                                 path, i);
          break;
        }
      VtCacheClip *clip = &clips[i];
      clip->clip.kind = (VtDatasetKind) record.kind;
      memcpy (clip->clip.name, record.name, sizeof record.name);
      memcpy (clip->clip.singer, record.singer, sizeof record.singer);
      memcpy (clip->clip.song, record.song, sizeof record.song);
      clip->n_frames = (int64_t) record.n_frames;
      clip->f0_from_labels = record.flags & 1u;
      const uint8_t *p = data + record.offset;
      uint64_t spectrum_bytes = record.n_frames * VT_FEATURES_BINS * 2 * 2;
      clip->vocal_spectrum = (const uint16_t *) p;
      clip->accompaniment_spectrum = (const uint16_t *) (p + spectrum_bytes);
      clip->f0_hz = (const float *) (p + 2 * spectrum_bytes);
      clip->f0_confidence = (const float *) (p + 2 * spectrum_bytes + 4 * record.n_frames);
      clip->vocal_activity = p + 2 * spectrum_bytes + 8 * record.n_frames;
      expected_offset += block;
      total_frames += clip->n_frames;
    }
  if (status == VT_STATUS_OK
      && (expected_offset != (uint64_t) size || (uint64_t) total_frames != header.total_frames))
    status = vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: clip sizes do not add up", path);
  if (status != VT_STATUS_OK)
    {
      free (data);
      free (clips);
      return status;
    }
  vt_dataset_cache_clear (cache);
  cache->clips = clips;
  cache->n_clips = (int) header.n_clips;
  cache->total_frames = total_frames;
  cache->data = data;
  cache->size = (size_t) size;
  return VT_STATUS_OK;
}

int
vt_dataset_cache_find (const VtDatasetCache *cache, const char *name)
{
  for (int i = 0; i < cache->n_clips; i++)
    if (strcmp (cache->clips[i].clip.name, name) == 0)
      return i;
  return -1;
}

int
vt_dataset_cache_split (const VtDatasetCache *cache, VtSplit split, int *indices)
{
  int n = 0;
  for (int i = 0; i < cache->n_clips; i++)
    if (vt_clip_in_split (&cache->clips[i].clip, split))
      {
        if (indices)
          indices[n] = i;
        n++;
      }
  return n;
}

/* ---- patches ---- */

void
vt_patch_params_default (VtPatchParams *params)
{
  params->patch_frames = 128;
  params->remix_probability = 0.5f;
  params->shift_probability = 0.5f;
  params->gain_db = 6.0f;
  params->silent_vocal_probability = 0.05f;
}

VtStatus
vt_patch_alloc (VtPatch *patch, int n_frames)
{
  memset (patch, 0, sizeof *patch);
  if (n_frames < 1)
    return VT_STATUS_BAD_ARGUMENT;
  size_t map = sizeof (float) * (size_t) n_frames * VT_FEATURES_BINS;
  patch->n_frames = n_frames;
  patch->mixture_magnitude = malloc (map);
  patch->vocal_magnitude = malloc (map);
  patch->accompaniment_magnitude = malloc (map);
  patch->f0_hz = malloc (sizeof (float) * (size_t) n_frames);
  patch->f0_confidence = malloc (sizeof (float) * (size_t) n_frames);
  patch->vocal_activity = malloc (sizeof (float) * (size_t) n_frames);
  if (!patch->mixture_magnitude || !patch->vocal_magnitude || !patch->accompaniment_magnitude
      || !patch->f0_hz || !patch->f0_confidence || !patch->vocal_activity)
    {
      vt_patch_clear (patch);
      return VT_STATUS_NO_MEMORY;
    }
  return VT_STATUS_OK;
}

void
vt_patch_clear (VtPatch *patch)
{
  free (patch->mixture_magnitude);
  free (patch->vocal_magnitude);
  free (patch->accompaniment_magnitude);
  free (patch->f0_hz);
  free (patch->f0_confidence);
  free (patch->vocal_activity);
  memset (patch, 0, sizeof *patch);
}

struct VtPatchSampler
{
  const VtDatasetCache *cache;
  VtPatchParams params;
  int *clips;
  int64_t *cumulative_frames; /* n_clips + 1 */
  int n_clips;
  uint64_t state;
  float *vocal_row;         /* 512 complex */
  float *accompaniment_row; /* 512 complex */
};

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t
next_random (VtPatchSampler *sampler)
{
  uint64_t z = (sampler->state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double
next_uniform (VtPatchSampler *sampler)
{
  return (next_random (sampler) >> 11) * (1.0 / 9007199254740992.0);
}

static int64_t
next_below (VtPatchSampler *sampler, int64_t n)
{
  return n <= 1 ? 0 : (int64_t) (next_uniform (sampler) * (double) n);
}

VtPatchSampler *
vt_patch_sampler_new (const VtDatasetCache *cache, const int *clip_indices, int n_clips,
                      const VtPatchParams *params, uint64_t seed, VtError *error)
{
  VtPatchParams defaults;
  if (params == NULL)
    {
      vt_patch_params_default (&defaults);
      params = &defaults;
    }
  if (clip_indices == NULL)
    n_clips = cache->n_clips;
  if (n_clips < 1 || params->patch_frames < 1 || !(params->remix_probability >= 0)
      || !(params->remix_probability <= 1) || !(params->shift_probability >= 0)
      || !(params->shift_probability <= 1) || !(params->gain_db >= 0) || !(params->gain_db <= 40)
      || !(params->silent_vocal_probability >= 0) || !(params->silent_vocal_probability <= 1))
    {
      vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "invalid patch sampler settings (%d clips)",
                    n_clips);
      return NULL;
    }
  for (int i = 0; clip_indices && i < n_clips; i++)
    if (clip_indices[i] < 0 || clip_indices[i] >= cache->n_clips)
      {
        vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "clip index %d is not in the cache",
                      clip_indices[i]);
        return NULL;
      }
  VtPatchSampler *sampler = calloc (1, sizeof *sampler);
  if (sampler)
    {
      sampler->clips = malloc (sizeof (int) * (size_t) n_clips);
      sampler->cumulative_frames = malloc (sizeof (int64_t) * ((size_t) n_clips + 1));
      sampler->vocal_row = malloc (sizeof (float) * VT_FEATURES_BINS * 2);
      sampler->accompaniment_row = malloc (sizeof (float) * VT_FEATURES_BINS * 2);
    }
  if (!sampler || !sampler->clips || !sampler->cumulative_frames || !sampler->vocal_row
      || !sampler->accompaniment_row)
    {
      vt_patch_sampler_free (sampler);
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory for the patch sampler");
      return NULL;
    }
  sampler->cache = cache;
  sampler->params = *params;
  sampler->n_clips = n_clips;
  sampler->state = seed;
  sampler->cumulative_frames[0] = 0;
  for (int i = 0; i < n_clips; i++)
    {
      sampler->clips[i] = clip_indices ? clip_indices[i] : i;
      sampler->cumulative_frames[i + 1] = sampler->cumulative_frames[i]
                                          + cache->clips[sampler->clips[i]].n_frames;
    }
  return sampler;
}

void
vt_patch_sampler_free (VtPatchSampler *sampler)
{
  if (sampler == NULL)
    return;
  free (sampler->clips);
  free (sampler->cumulative_frames);
  free (sampler->vocal_row);
  free (sampler->accompaniment_row);
  free (sampler);
}

/* A cache clip index, chosen with probability proportional to its length. */
static int
pick_clip (VtPatchSampler *sampler)
{
  int64_t target = next_below (sampler, sampler->cumulative_frames[sampler->n_clips]);
  int lo = 0, hi = sampler->n_clips - 1;
  while (lo < hi)
    {
      int mid = (lo + hi) / 2;
      if (sampler->cumulative_frames[mid + 1] <= target)
        lo = mid + 1;
      else
        hi = mid;
    }
  return sampler->clips[lo];
}

static int64_t
pick_start (VtPatchSampler *sampler, int64_t n_frames)
{
  int64_t span = n_frames - sampler->params.patch_frames + 1;
  return next_below (sampler, span > 1 ? span : n_frames);
}

static void
half_row (const uint16_t *half, float *row)
{
  for (int i = 0; i < VT_FEATURES_BINS * 2; i++)
    row[i] = vt_half_to_float (half[i]);
}

VtStatus
vt_patch_sampler_next (VtPatchSampler *sampler, VtPatch *patch)
{
  const VtPatchParams *params = &sampler->params;
  if (patch->n_frames != params->patch_frames)
    return VT_STATUS_BAD_ARGUMENT;
  const VtDatasetCache *cache = sampler->cache;
  int vocal_clip = pick_clip (sampler);
  const VtCacheClip *voice = &cache->clips[vocal_clip];
  int64_t vocal_start = pick_start (sampler, voice->n_frames);
  int accompaniment_clip = vocal_clip;
  int64_t accompaniment_start = vocal_start;
  double choice = next_uniform (sampler);
  if (choice < params->remix_probability)
    {
      accompaniment_clip = pick_clip (sampler);
      accompaniment_start = pick_start (sampler, cache->clips[accompaniment_clip].n_frames);
    }
  else if (choice < params->remix_probability
                      + (1 - params->remix_probability) * params->shift_probability)
    /* Huang et al.'s circular shift: the voice against its own accompaniment. */
    accompaniment_start = (vocal_start + 1 + next_below (sampler, voice->n_frames - 1))
                          % voice->n_frames;
  const VtCacheClip *backing = &cache->clips[accompaniment_clip];
  double vocal_db = (2 * next_uniform (sampler) - 1) * params->gain_db;
  double accompaniment_db = (2 * next_uniform (sampler) - 1) * params->gain_db;
  int silent = next_uniform (sampler) < params->silent_vocal_probability;
  float vocal_gain = silent ? 0.0f : (float) pow (10, vocal_db / 20);
  float accompaniment_gain = (float) pow (10, accompaniment_db / 20);

  for (int t = 0; t < patch->n_frames; t++)
    {
      /* Clips shorter than a patch wrap around. */
      int64_t vt = (vocal_start + t) % voice->n_frames;
      int64_t at = (accompaniment_start + t) % backing->n_frames;
      half_row (voice->vocal_spectrum + vt * VT_FEATURES_BINS * 2, sampler->vocal_row);
      half_row (backing->accompaniment_spectrum + at * VT_FEATURES_BINS * 2,
                sampler->accompaniment_row);
      size_t row = (size_t) t * VT_FEATURES_BINS;
      vt_spectrum_mix_magnitude (sampler->vocal_row, vocal_gain, NULL, 0, VT_FEATURES_BINS,
                                 patch->vocal_magnitude + row);
      vt_spectrum_mix_magnitude (sampler->accompaniment_row, accompaniment_gain, NULL, 0,
                                 VT_FEATURES_BINS, patch->accompaniment_magnitude + row);
      vt_spectrum_mix_magnitude (sampler->vocal_row, vocal_gain, sampler->accompaniment_row,
                                 accompaniment_gain, VT_FEATURES_BINS,
                                 patch->mixture_magnitude + row);
      patch->f0_hz[t] = silent ? 0.0f : voice->f0_hz[vt];
      patch->f0_confidence[t] = silent ? 1.0f : voice->f0_confidence[vt];
      patch->vocal_activity[t] = silent ? 0.0f : (float) voice->vocal_activity[vt];
    }
  patch->vocal_clip = vocal_clip;
  patch->accompaniment_clip = accompaniment_clip;
  patch->vocal_start = vocal_start;
  patch->accompaniment_start = accompaniment_start;
  patch->vocal_gain = vocal_gain;
  patch->accompaniment_gain = accompaniment_gain;
  return VT_STATUS_OK;
}
