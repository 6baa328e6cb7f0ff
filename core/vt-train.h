/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-train: trains one of the model's networks (vt-model) from a recipe
 * (vt-recipe) on the datasets in a data folder (vt-dataset).
 *
 * Recipe keys (defaults in brackets): network = f0 | mask; split = shipped |
 * huang [shipped]; data.mir1k [mir1k]; data.musdb [musdb18-7-train, or
 * "none"]; cache [<output>.cache]; steps; batch [8]; patch_frames [128];
 * base_channels [8]; seed [1]; learning_rate [1e-3]; min_learning_rate
 * [1e-5]; warmup_steps [200]; weight_decay [0]; clip_norm [5];
 * checkpoint [<output>.ckpt]; checkpoint_every [250]; log_every [50];
 * output (the weights file, f16); f0.sigma_bins [1.25];
 * mask.activity_weight [0.1] (1 - alpha of the multi-task loss);
 * mask.f0_corruption [0.5] (probability that a patch's conditioning F0 is
 * corrupted the way an estimate goes wrong); plus the patch sampler's
 * augment.* keys. Relative paths are relative to the recipe's folder,
 * except data.* which are relative to the data folder.
 *
 * Training resumes from the checkpoint when one exists, bit-identically:
 * the patch sampler is re-seeded from (seed, step) at every checkpoint
 * boundary. Logs go to the log callback (the command line prints them).
 * Call from one thread; it blocks until done, cancelled or failed.
 */
#pragma once

#include "vt-progress.h"
#include "vt-recipe.h"
#include "vt-status.h"

typedef void (*VtTrainLogFunc) (const char *line, void *user_data);

typedef struct
{
  const char *data_dir; /* the folder holding mir1k/ and musdb18-7-train/ */
  VtTrainLogFunc log;
  void *log_user_data;
  const VtProgress *progress; /* cancellation */
} VtTrainOptions;

VtStatus vt_train_run (VtRecipe *recipe, const VtTrainOptions *options, VtError *error);
