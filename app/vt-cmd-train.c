/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vt-cli.h"
#include "vt-recipe.h"
#include "vt-train.h"

static void
print_log (const char *line, void *user_data)
{
  time_t now = time (NULL);
  char stamp[32];
  strftime (stamp, sizeof stamp, "%H:%M:%S", localtime (&now));
  fprintf (stderr, "[%s] %s\n", stamp, line);
  fflush (stderr);
}

int
vt_cmd_train (int argc, char **argv)
{
  g_autofree char *data_dir = NULL;
  g_auto (GStrv) overrides = NULL;
  GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      "folder holding mir1k/ and musdb18-7-train/ (default ../shared/data)", "DIR" },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
      "override a recipe key (repeatable), e.g. --set steps=10", "KEY=VALUE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "RECIPE - train a network from a recipe (resumes from its checkpoint)");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!vt_cli_parse (context, "train", &argc, &argv))
    return 2;
  if (argc != 2)
    return vt_cli_fail ("train", "give exactly one recipe file (see voxtrace train --help)");

  VtError error = { 0 };
  VtRecipe *recipe = vt_recipe_load (argv[1], &error);
  if (recipe == NULL)
    return vt_cli_fail ("train", "%s", error.message);
  for (int i = 0; overrides && overrides[i]; i++)
    {
      char *equals = strchr (overrides[i], '=');
      if (equals == NULL)
        {
          vt_recipe_free (recipe);
          return vt_cli_fail ("train", "--set needs KEY=VALUE (got '%s')", overrides[i]);
        }
      *equals = '\0';
      vt_recipe_set (recipe, overrides[i], equals + 1);
    }
  VtTrainOptions options = { .data_dir = data_dir, .log = print_log };
  VtStatus status = vt_train_run (recipe, &options, &error);
  vt_recipe_free (recipe);
  if (status != VT_STATUS_OK)
    return vt_cli_fail ("train", "%s", error.message);
  return 0;
}
