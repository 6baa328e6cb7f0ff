/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-train-common: the recipe settings every trainer reads the same way
 * (vt-train.c for the shipped networks, vt-train-research.c for the other
 * systems): split, data and output paths, step counts, seed, learning-rate
 * schedule and clipping. Internal to core's trainers; reentrant.
 */
#pragma once

#include <stdint.h>

#include "vt-dataset.h"
#include "vt-recipe.h"
#include "vt-train.h"

#define VT_TRAIN_PATH_SIZE 1024

typedef struct
{
  VtSplit split;
  char mir1k[VT_TRAIN_PATH_SIZE];
  char musdb[VT_TRAIN_PATH_SIZE]; /* "" when MUSDB is not used */
  char cache[VT_TRAIN_PATH_SIZE];
  char checkpoint[VT_TRAIN_PATH_SIZE];
  char output[VT_TRAIN_PATH_SIZE];
  int64_t steps, seed, warmup_steps, checkpoint_every, log_every;
  double learning_rate, min_learning_rate, weight_decay, clip_norm;
} VtTrainCommon;

/* Loads the feature cache, building it first (all clips of MIR-1K and, when
 * used, MUSDB) if the file does not exist; progress through options. */
VtStatus vt_train_open_cache (const VtTrainCommon *common, const VtTrainOptions *options,
                              VtDatasetCache *cache, VtError *error);

/* Reads the patch sampler's augment.* keys (remix_probability,
 * shift_probability, gain_db, silent_vocal_probability) into patch, whose
 * values are the defaults. */
VtStatus vt_train_read_augment (VtRecipe *recipe, VtPatchParams *patch, VtError *error);

/* Reads the keys above (see vt-train.h for their names and defaults). */
VtStatus vt_train_common_read (VtRecipe *recipe, const VtTrainOptions *options,
                               VtTrainCommon *common, VtError *error);
