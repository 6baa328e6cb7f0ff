/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-train-common.h"

#include <stdio.h>
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
