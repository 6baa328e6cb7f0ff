/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-train-common.h"

#include "vt-log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>

/* path relative to base unless absolute */
static void
resolve (char *out, size_t size, const char *base, const char *path)
{
  if (path[0] == '/' || base == NULL || base[0] == '\0')
    snprintf (out, size, "%s", path);
  else
    snprintf (out, size, "%s/%s", base, path);
}

VtStatus
vt_train_common_read (VtRecipe *recipe, const VtTrainOptions *options, VtTrainCommon *c,
                      VtError *error)
{
  memset (c, 0, sizeof *c);
  const char *split = vt_recipe_get_string (recipe, "split", "shipped");
  if (strcmp (split, "shipped") == 0)
    c->split = VT_SPLIT_TRAIN;
  else if (strcmp (split, "huang") == 0)
    c->split = VT_SPLIT_HUANG_TRAIN;
  else
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: split must be 'shipped' or 'huang' (got '%s')",
                         vt_recipe_get_path (recipe), split);

  const char *dir = vt_recipe_get_dir (recipe);
  const char *data = options->data_dir ? options->data_dir : "../shared/data";
  const char *output = vt_recipe_get_string (recipe, "output", NULL);
  if (output == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s: 'output' (the weights file) is missing", vt_recipe_get_path (recipe));
  resolve (c->output, sizeof c->output, dir, output);
  resolve (c->mir1k, sizeof c->mir1k, data, vt_recipe_get_string (recipe, "data.mir1k", "mir1k"));
  const char *musdb = vt_recipe_get_string (recipe, "data.musdb", "musdb18-7-train");
  if (strcmp (musdb, "none") == 0 || c->split == VT_SPLIT_HUANG_TRAIN)
    c->musdb[0] = '\0';
  else
    resolve (c->musdb, sizeof c->musdb, data, musdb);
  char fallback[VT_TRAIN_PATH_SIZE + 8];
  snprintf (fallback, sizeof fallback, "%s.cache", output);
  resolve (c->cache, sizeof c->cache, dir, vt_recipe_get_string (recipe, "cache", fallback));
  snprintf (fallback, sizeof fallback, "%s.ckpt", output);
  resolve (c->checkpoint, sizeof c->checkpoint, dir,
           vt_recipe_get_string (recipe, "checkpoint", fallback));

  const struct
  {
    const char *key;
    int64_t *field, fallback, min, max;
  } ints[] = {
    { "steps", &c->steps, 1000, 1, 100000000 },
    { "seed", &c->seed, 1, 0, INT64_MAX },
    { "warmup_steps", &c->warmup_steps, 200, 0, 100000000 },
    { "checkpoint_every", &c->checkpoint_every, 250, 1, 100000000 },
    { "log_every", &c->log_every, 50, 1, 100000000 },
  };
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
    {
      VtStatus status = vt_recipe_get_int (recipe, ints[i].key, ints[i].fallback, ints[i].min,
                                           ints[i].max, ints[i].field, error);
      if (status != VT_STATUS_OK)
        return status;
    }
  const struct
  {
    const char *key;
    double *field, fallback, min, max;
  } doubles[] = {
    { "learning_rate", &c->learning_rate, 1e-3, 0, 1 },
    { "min_learning_rate", &c->min_learning_rate, 1e-5, 0, 1 },
    { "weight_decay", &c->weight_decay, 0, 0, 1 },
    { "clip_norm", &c->clip_norm, 5, 0, 1e9 },
  };
  for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++)
    {
      VtStatus status = vt_recipe_get_double (recipe, doubles[i].key, doubles[i].fallback,
                                              doubles[i].min, doubles[i].max, doubles[i].field,
                                              error);
      if (status != VT_STATUS_OK)
        return status;
    }
  return VT_STATUS_OK;
}

VtStatus
vt_train_read_augment (VtRecipe *recipe, VtPatchParams *patch, VtError *error)
{
  const struct
  {
    const char *key;
    float *field;
    double max;
  } augment[] = {
    { "augment.remix_probability", &patch->remix_probability, 1 },
    { "augment.shift_probability", &patch->shift_probability, 1 },
    { "augment.gain_db", &patch->gain_db, 40 },
    { "augment.silent_vocal_probability", &patch->silent_vocal_probability, 1 },
  };
  for (size_t i = 0; i < sizeof augment / sizeof augment[0]; i++)
    {
      double value = 0;
      VtStatus status = vt_recipe_get_double (recipe, augment[i].key, *augment[i].field, 0,
                                              augment[i].max, &value, error);
      if (status != VT_STATUS_OK)
        return status;
      *augment[i].field = (float) value;
    }
  return VT_STATUS_OK;
}

static void
say (const VtTrainOptions *options, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  vt_log_vprintf (options->log, options->log_user_data, format, args);
  va_end (args);
}

static int
cache_progress (int done, int total, const char *clip_name, void *user_data)
{
  const VtTrainOptions *options = user_data;
  if (done % 25 == 0 || done == total)
    say (options, "cache: %d/%d clips (%s)", done, total, clip_name);
  return vt_progress_report (options->progress, (double) done / total, "caching") ? 0 : 1;
}

VtStatus
vt_train_open_cache (const VtTrainCommon *c, const VtTrainOptions *options,
                     VtDatasetCache *cache, VtError *error)
{
  struct stat st;
  if (stat (c->cache, &st) != 0)
    {
      /* Cache every clip of the datasets (train and dev): the split is applied
       * when sampling, so one cache serves training and evaluation. */
      VtDataset mir1k, musdb;
      vt_dataset_init (&mir1k);
      vt_dataset_init (&musdb);
      VtStatus status = vt_dataset_open (&mir1k, VT_DATASET_MIR1K, c->mir1k, error);
      if (status == VT_STATUS_OK && c->musdb[0])
        status = vt_dataset_open (&musdb, VT_DATASET_MUSDB, c->musdb, error);
      if (status == VT_STATUS_OK)
        {
          const VtDataset *sets[2] = { &mir1k, &musdb };
          const int *indices[2] = { NULL, NULL };
          int counts[2] = { mir1k.n_clips, musdb.n_clips };
          say (options, "building the feature cache %s (%d + %d clips)", c->cache, counts[0],
               c->musdb[0] ? counts[1] : 0);
          status = vt_dataset_cache_build (sets, indices, counts, c->musdb[0] ? 2 : 1, c->cache,
                                           cache_progress, (void *) options, error);
        }
      vt_dataset_clear (&mir1k);
      vt_dataset_clear (&musdb);
      if (status != VT_STATUS_OK)
        return status;
    }
  return vt_dataset_cache_load (cache, c->cache, error);
}
