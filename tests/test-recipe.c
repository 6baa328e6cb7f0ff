/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/vt-recipe: training recipes parse strictly and say where they are wrong. */
#include <string.h>

#include "vt-recipe.h"
#include "vt-test-util.h"

static void
test_values (void)
{
  VtError error = { 0 };
  VtRecipe *recipe = vt_recipe_parse ("# comment\nnetwork = mask  # trailing\n\nsteps=200\n"
                                      "learning_rate = 3e-4\n", "r.recipe", &error);
  g_assert_nonnull (recipe);
  g_assert_cmpstr (vt_recipe_get_string (recipe, "network", "f0"), ==, "mask");
  g_assert_cmpstr (vt_recipe_get_string (recipe, "absent", "dflt"), ==, "dflt");
  int64_t steps = 0;
  g_assert_cmpint (vt_recipe_get_int (recipe, "steps", 1, 1, 1000000, &steps, &error), ==, 0);
  g_assert_cmpint (steps, ==, 200);
  double lr = 0;
  g_assert_cmpint (vt_recipe_get_double (recipe, "learning_rate", 1, 0, 1, &lr, &error), ==, 0);
  g_assert_cmpfloat_with_epsilon (lr, 3e-4, 1e-12);
  g_assert_cmpint (vt_recipe_check_unused (recipe, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_recipe_set (recipe, "steps", "5"), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_recipe_get_int (recipe, "steps", 1, 1, 10, &steps, &error), ==, 0);
  g_assert_cmpint (steps, ==, 5);
  g_assert_cmpint (vt_recipe_get_int (recipe, "steps", 1, 10, 20, &steps, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
  g_assert_nonnull (strstr (error.message, "steps"));
  vt_recipe_free (recipe);
}

static void
test_errors (void)
{
  VtError error = { 0 };
  g_assert_null (vt_recipe_parse ("a = 1\njust words\n", "x", &error));
  g_assert_nonnull (strstr (error.message, "x:2"));
  g_assert_null (vt_recipe_parse ("a = 1\na = 2\n", "x", &error));
  g_assert_nonnull (strstr (error.message, "twice"));
  g_assert_null (vt_recipe_load ("/nonexistent/recipe", &error));
  g_assert_cmpint (error.status, ==, VT_STATUS_NOT_FOUND);

  VtRecipe *recipe = vt_recipe_parse ("stpes = 3\nsteps = x\n", "x", &error);
  int64_t steps;
  g_assert_cmpint (vt_recipe_get_int (recipe, "steps", 1, 1, 9, &steps, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
  g_assert_cmpint (vt_recipe_check_unused (recipe, &error), ==, VT_STATUS_BAD_ARGUMENT);
  g_assert_nonnull (strstr (error.message, "stpes"));
  vt_recipe_free (recipe);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recipe/values", test_values);
  g_test_add_func ("/recipe/errors", test_errors);
  return g_test_run ();
}
