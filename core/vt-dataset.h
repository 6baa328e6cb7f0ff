/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-dataset: the training data of the two U-Nets — MIR-1K and the MUSDB18
 * 7-second set from ../shared/data — listed, split, turned into features on
 * vt-features' analysis, cached, and sampled into augmented patches.
 *
 * Listing (VtDataset): MIR-1K clips are `<singer>_<song>_<clip>` from
 * Wavfile/NAME.flac (left = accompaniment, right = voice; PitchLabel/NAME.pv
 * and vocal-nonvocalLabel/NAME.vocal on MIR-1K's frames, label frame i = our frame
 * i + 1); MUSDB songs are folders `<artist> - <title>` holding vocals.flac
 * and accompaniment.flac (16 kHz stereo, downmixed to mono). Clips are sorted
 * by name, so indices are stable.
 *
 * Splits (VtSplit), fixed and deterministic:
 * - Huang et al.'s MIR-1K protocol: train = singers abjones and amy (175
 *   clips), test = every other singer.
 * - The shipped model: dev = MIR-1K singers "ariel" (female, 40 clips) and
 *   "davidson" (male, the lowest voice, 52 clips), and the 14 songs of
 *   MUSDB18's official validation split (all present in our 94); train =
 *   everything else. Nothing in dev is ever trained on.
 *
 * Features (VtClipFeatures): per frame, the vocal and accompaniment complex
 * spectra (bins 0..511), F0 in Hz (0 = unvoiced; MIR-1K: its labels, MUSDB:
 * pYIN pseudo-labels of the vocals stem with their confidence) and vocal
 * activity (MIR-1K: its labels, MUSDB: the vocals stem's frame level above
 * max (-50 dBFS, the clip's loudest frame - 40 dB)). Edge frames without a
 * MIR-1K label copy their neighbour's.
 *
 * The cache (one file for a whole set of clips, so that training never redoes
 * STFTs) stores the spectra as float16 and is checked on load (magic,
 * version, analysis geometry, sizes, FNV-1a checksum); format in vt-dataset.c.
 *
 * Patches (VtPatchSampler): random windows of patch_frames frames with
 * augmentation — accompaniment from another clip (remix), the voice shifted
 * circularly against its own accompaniment (Huang et al.), random gains per
 * source, and now and then a silent voice — whose mixture is recomputed from
 * the complex spectra, |g_v V + g_a A|. Deterministic for a given seed.
 *
 * Ownership: init/clear structs and new/free objects own their memory; a
 * sampler borrows its cache, which must outlive it. Thread rules: all
 * functions are reentrant; one sampler per thread at a time; a loaded cache
 * is read-only and may be shared by several samplers.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vt-half.h"
#include "vt-pitch-track.h"
#include "vt-status.h"
#include "vt-stft.h"

typedef enum
{
  VT_DATASET_MIR1K = 1,
  VT_DATASET_MUSDB = 2,
} VtDatasetKind;

typedef enum
{
  VT_SPLIT_ALL = 0,
  VT_SPLIT_HUANG_TRAIN,
  VT_SPLIT_HUANG_TEST,
  VT_SPLIT_TRAIN, /* the shipped model's training data */
  VT_SPLIT_DEV,   /* held out from the shipped model */
} VtSplit;

#define VT_CLIP_NAME_SIZE 160
#define VT_CLIP_SINGER_SIZE 64
#define VT_CLIP_SONG_SIZE 128

typedef struct
{
  VtDatasetKind kind;
  char name[VT_CLIP_NAME_SIZE];     /* "abjones_1_01", "ANiMAL - Clinic A" */
  char singer[VT_CLIP_SINGER_SIZE]; /* "abjones", "ANiMAL" (the artist) */
  char song[VT_CLIP_SONG_SIZE];     /* "abjones_1", "Clinic A" */
} VtClip;

typedef struct
{
  VtDatasetKind kind;
  char *root;
  VtClip *clips;
  int n_clips;
} VtDataset;

void vt_dataset_init (VtDataset *dataset);
void vt_dataset_clear (VtDataset *dataset);

/* Lists the clips below root (the mir1k or musdb18-7-train folder). */
VtStatus vt_dataset_open (VtDataset *dataset, VtDatasetKind kind, const char *root,
                          VtError *error);

int vt_clip_in_split (const VtClip *clip, VtSplit split);
/* How many of dataset's clips are in split; indices (may be NULL) receives
 * them in order. */
int vt_dataset_split (const VtDataset *dataset, VtSplit split, int *indices);

/* The names held out for the shipped model: MIR-1K singers or MUSDB songs. */
const char *const *vt_dataset_dev_names (VtDatasetKind kind, int *count);

/* One clip's audio at 16 kHz mono and its labels on our frames. */
typedef struct
{
  int64_t n_samples;
  float *vocals;
  float *accompaniment;
  int64_t n_frames;        /* vt_features_frame_count (n_samples) */
  float *f0_hz;            /* MIR-1K only (NULL for MUSDB) */
  float *vocal_activity;   /* MIR-1K only (NULL for MUSDB) */
  int64_t n_label_frames;  /* MIR-1K's own label count, (N - 640) / 320 + 1 */
} VtClipAudio;

void vt_clip_audio_init (VtClipAudio *audio);
void vt_clip_audio_clear (VtClipAudio *audio);
VtStatus vt_dataset_load_clip (const VtDataset *dataset, int index, VtClipAudio *audio,
                               VtError *error);

typedef struct
{
  int64_t n_frames;
  float *vocal_spectrum;         /* n_frames x 512 complex (re, im) */
  float *accompaniment_spectrum; /* n_frames x 512 complex */
  float *f0_hz;                  /* n_frames, 0 = unvoiced */
  float *f0_confidence;          /* n_frames, 1 for MIR-1K labels */
  float *vocal_activity;         /* n_frames, 0 or 1 */
} VtClipFeatures;

void vt_clip_features_init (VtClipFeatures *features);
void vt_clip_features_clear (VtClipFeatures *features);

/* stft must be 1024/320; tracker (16 kHz, hop 320) is needed only for clips
 * without F0 labels. */
VtStatus vt_clip_features_compute (const VtClipAudio *audio, VtStft *stft,
                                   VtPitchTracker *tracker, VtClipFeatures *features,
                                   VtError *error);

/* Per-frame vocal activity from the vocal spectrum (see above). */
void vt_vocal_activity_from_spectrum (const float *vocal_spectrum, int64_t n_frames,
                                      float *activity);

/* Magnitudes of frames of complex spectra: out[i] = |g_a A[i] + g_b B[i]|
 * (b may be NULL), n complex values. */
void vt_spectrum_mix_magnitude (const float *a, float gain_a, const float *b, float gain_b,
                                int64_t n, float *out);

/* ---- the cache ---- */

typedef struct
{
  VtClip clip;
  int64_t n_frames;
  int f0_from_labels;            /* 0 = pitch-tracker pseudo-labels */
  const uint16_t *vocal_spectrum; /* float16, n_frames x 512 x 2 */
  const uint16_t *accompaniment_spectrum;
  const float *f0_hz;
  const float *f0_confidence;
  const uint8_t *vocal_activity;
} VtCacheClip;

typedef struct
{
  VtCacheClip *clips;
  int n_clips;
  int64_t total_frames;
  uint8_t *data; /* the whole file */
  size_t size;
} VtDatasetCache;

/* Called after each clip; returning non-zero cancels. */
typedef int (*VtDatasetProgress) (int done, int total, const char *clip_name, void *user_data);

/* Computes the features of the listed clips (n_datasets datasets, each with
 * n_indices[d] clip indices, or all its clips when indices[d] is NULL) and
 * writes them atomically to path. */
VtStatus vt_dataset_cache_build (const VtDataset *const *datasets, const int *const *indices,
                                 const int *n_indices, int n_datasets, const char *path,
                                 VtDatasetProgress progress, void *user_data, VtError *error);

void vt_dataset_cache_init (VtDatasetCache *cache);
void vt_dataset_cache_clear (VtDatasetCache *cache);
VtStatus vt_dataset_cache_load (VtDatasetCache *cache, const char *path, VtError *error);
/* Index of the clip with that name, or -1. */
int vt_dataset_cache_find (const VtDatasetCache *cache, const char *name);
/* Which cached clips are in split (indices may be NULL); returns the count. */
int vt_dataset_cache_split (const VtDatasetCache *cache, VtSplit split, int *indices);

/* float16 <-> float: vt-half.h. */

/* ---- patches ---- */

typedef struct
{
  int patch_frames;               /* default 128 */
  float remix_probability;        /* accompaniment from another clip, default 0.5 */
  float shift_probability;        /* else: voice shifted circularly, default 0.5 */
  float gain_db;                  /* each source's gain uniform in +-gain_db, default 6 */
  float silent_vocal_probability; /* voice removed (F0 0, activity 0), default 0.05 */
} VtPatchParams;

void vt_patch_params_default (VtPatchParams *params);

typedef struct
{
  int n_frames;
  float *mixture_magnitude;      /* n_frames x 512 */
  float *vocal_magnitude;        /* n_frames x 512 */
  float *accompaniment_magnitude;/* n_frames x 512 */
  float *f0_hz;                  /* n_frames */
  float *f0_confidence;
  float *vocal_activity;
  /* Where it came from (for logs and tests). */
  int vocal_clip;
  int accompaniment_clip;
  int64_t vocal_start;
  int64_t accompaniment_start;
  float vocal_gain;
  float accompaniment_gain;
} VtPatch;

VtStatus vt_patch_alloc (VtPatch *patch, int n_frames);
void vt_patch_clear (VtPatch *patch);

typedef struct VtPatchSampler VtPatchSampler;

/* Samples from the cache's clips listed in clip_indices (n_clips of them;
 * NULL = all), chosen with probability proportional to their length. */
VtPatchSampler *vt_patch_sampler_new (const VtDatasetCache *cache, const int *clip_indices,
                                      int n_clips, const VtPatchParams *params, uint64_t seed,
                                      VtError *error);
void vt_patch_sampler_free (VtPatchSampler *sampler);
/* Fills patch (allocated with params->patch_frames). */
VtStatus vt_patch_sampler_next (VtPatchSampler *sampler, VtPatch *patch);
