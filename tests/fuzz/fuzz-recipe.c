/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: training recipes ("key = value" text) and the typed
 * getters the trainer calls on them. Built only with -Dfuzzing=true.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt-recipe.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1);
  if (text == NULL)
    return 0;
  memcpy (text, data, size);
  text[size] = '\0';
  VtError error = { 0 };
  VtRecipe *recipe = vt_recipe_parse (text, "fuzz.recipe", &error);
  free (text);
  if (recipe == NULL)
    return 0;
  int64_t steps;
  double rate;
  vt_recipe_get_string (recipe, "model", "mask");
  vt_recipe_get_int (recipe, "steps", 10, 1, 1000000, &steps, &error);
  vt_recipe_get_int (recipe, "batch", 8, INT64_MIN, INT64_MAX, &steps, &error);
  vt_recipe_get_double (recipe, "learning_rate", 1e-3, 0, 1, &rate, &error);
  vt_recipe_get_double (recipe, "alpha", 0.5, -1e300, 1e300, &rate, &error);
  vt_recipe_set (recipe, "steps", "12");
  vt_recipe_get_int (recipe, "steps", 10, 1, 1000000, &steps, &error);
  vt_recipe_get_path (recipe);
  vt_recipe_get_dir (recipe);
  vt_recipe_check_unused (recipe, &error);
  vt_recipe_free (recipe);
  return 0;
}
