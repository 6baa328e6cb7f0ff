/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-recipe: the text files that say exactly how a model was trained.
 *
 * A recipe is "key = value" lines; '#' starts a comment; blank lines are
 * ignored. Keys are looked up by name with a default, so adding a key never
 * breaks an old recipe; a key the trainer does not know is reported by
 * vt_recipe_check_unused (a typo must not silently fall back to a default).
 * A VtRecipe is owned by its caller (vt_recipe_free). Not thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "vt-status.h"

typedef struct VtRecipe VtRecipe;

VtRecipe *vt_recipe_load (const char *path, VtError *error);
VtRecipe *vt_recipe_parse (const char *text, const char *name, VtError *error);
void vt_recipe_free (VtRecipe *recipe);

/* The recipe's own file name (for messages) and its folder (paths in a
 * recipe are relative to it). Borrowed. */
const char *vt_recipe_get_path (const VtRecipe *recipe);
const char *vt_recipe_get_dir (const VtRecipe *recipe);

const char *vt_recipe_get_string (VtRecipe *recipe, const char *key, const char *fallback);
/* Values that do not parse, or lie outside [min, max], are an error that
 * names the key and the line. */
VtStatus vt_recipe_get_int (VtRecipe *recipe, const char *key, int64_t fallback, int64_t min,
                            int64_t max, int64_t *value, VtError *error);
VtStatus vt_recipe_get_double (VtRecipe *recipe, const char *key, double fallback, double min,
                               double max, double *value, VtError *error);
/* Sets a value (from the command line, e.g. steps=10 for a smoke run). */
VtStatus vt_recipe_set (VtRecipe *recipe, const char *key, const char *value);

/* Fails naming the first key that no getter asked for. */
VtStatus vt_recipe_check_unused (const VtRecipe *recipe, VtError *error);
