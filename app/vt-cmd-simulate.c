/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vt-cli.h"
#include "vt-model-loader.h"
#include "vt-simulate.h"

static void
print_line (const char *line, void *user_data)
{
  fprintf (stderr, "%s\n", line);
}

static void
print_table (const VtSimResult *result)
{
  printf ("%-22s %9s %9s %9s %9s %9s %9s %9s\n", "condition", "SDR bef", "SDR imm", "SDR aft",
          "med aft", result->kind == VT_SIMULATE_F0 ? "RPAu bef" : "RMS bef",
          result->kind == VT_SIMULATE_F0 ? "RPAu aft" : "RMS aft", "adapt s");
  for (int c = 0; c < result->n_conditions; c++)
    {
      const VtSimCondition *x = &result->conditions[c];
      double a = result->kind == VT_SIMULATE_F0 ? 100 * x->before.rpa_uncorrected
                                                : x->before.nonvocal_rms_db;
      double b = result->kind == VT_SIMULATE_F0 ? 100 * x->after.rpa_uncorrected
                                                : x->after.nonvocal_rms_db;
      printf ("%-22s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n", x->name, x->before.mean_sdr,
              x->immediate.mean_sdr, x->after.mean_sdr, x->after.median_sdr, a, b,
              x->adapt_seconds);
    }
}

int
vt_cmd_simulate (int argc, char **argv)
{
  g_autofree char *dataset_name = NULL;
  g_autofree char *model_spec = NULL;
  g_autofree char *clips = NULL;
  g_autofree char *json_path = NULL;
  int every = 1, max_clips = 0, steps = 30;
  double budget = 0, learning_rate = 0, replay = -1, anchor = -1;
  GOptionEntry entries[] = {
    { "dataset", 'd', 0, G_OPTION_ARG_STRING, &dataset_name, "mir1k or musdb (required)", "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_spec,
      "'default' or a folder with f0.vtw and mask.vtw", "MODEL" },
    { "clips", 'c', 0, G_OPTION_ARG_STRING, &clips, "only these dev clips (comma-separated)",
      "LIST" },
    { "every", 'e', 0, G_OPTION_ARG_INT, &every, "every n-th dev clip", "N" },
    { "max-clips", 'n', 0, G_OPTION_ARG_INT, &max_clips, "at most N clips", "N" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "fine-tuning steps per network (30)", "N" },
    { "budget", 0, 0, G_OPTION_ARG_DOUBLE, &budget, "or a time budget in seconds", "S" },
    { "learning-rate", 0, 0, G_OPTION_ARG_DOUBLE, &learning_rate,
      "fine-tuning learning rate of both networks (default: the editor's)", "LR" },
    { "replay", 0, 0, G_OPTION_ARG_DOUBLE, &replay,
      "weight of the song's own earlier outputs (default: the editor's)", "W" },
    { "anchor", 0, 0, G_OPTION_ARG_DOUBLE, &anchor,
      "pull towards the base weights per step (default: the editor's)", "A" },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &json_path, "write the results as JSON", "OUT" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "f0|silence|continual DIR - the papers' experiments with simulated users");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!vt_cli_parse (context, "simulate", &argc, &argv))
    return 2;
  if (argc != 3)
    return vt_cli_fail ("simulate", "give the experiment and the dataset folder (see --help)");
  VtSimulateOptions options = { .every = every, .max_clips = max_clips, .clips = clips,
                                .log = print_line };
  if (strcmp (argv[1], "f0") == 0)
    options.kind = VT_SIMULATE_F0;
  else if (strcmp (argv[1], "silence") == 0)
    options.kind = VT_SIMULATE_SILENCE;
  else if (strcmp (argv[1], "continual") == 0)
    options.kind = VT_SIMULATE_CONTINUAL;
  else
    return vt_cli_fail ("simulate", "unknown experiment '%s' (f0, silence, continual)", argv[1]);
  if (g_strcmp0 (dataset_name, "mir1k") == 0)
    options.dataset = VT_DATASET_MIR1K;
  else if (g_strcmp0 (dataset_name, "musdb") == 0)
    options.dataset = VT_DATASET_MUSDB;
  else
    return vt_cli_fail ("simulate", "--dataset must be mir1k or musdb");
  /* !(budget >= 0): NaN ("--budget nan") passes every ordered comparison. */
  if (steps < 0 || steps > 100000 || !(budget >= 0) || budget > 3600 || every < 1
      || max_clips < 0)
    return vt_cli_fail ("simulate", "--steps, --budget, --every or --max-clips out of range");
  vt_adapt_params_default (&options.adapt);
  options.adapt.max_steps = budget > 0 ? 0 : steps;
  options.adapt.budget_s = budget;
  if (!(learning_rate >= 0 && learning_rate < 1) || replay > 10 || anchor > 1)
    return vt_cli_fail ("simulate", "--learning-rate, --replay or --anchor out of range");
  if (learning_rate > 0)
    options.adapt.learning_rate = options.adapt.mask_learning_rate = (float) learning_rate;
  if (replay >= 0)
    options.adapt.replay_weight = (float) replay;
  if (anchor >= 0)
    options.adapt.anchor = (float) anchor;

  g_autoptr (GError) gerror = NULL;
  VtModel *model = vt_model_loader_load (model_spec, &gerror);
  if (model == NULL)
    return vt_cli_fail ("simulate", "%s", gerror->message);
  VtSimResult result;
  VtError error = { 0 };
  VtStatus status = vt_simulate (model, argv[2], &options, &result, &error);
  vt_model_free (model);
  if (status != VT_STATUS_OK)
    return vt_cli_fail ("simulate", "%s", error.message);
  printf ("clips: %d\n", result.n_clips);
  print_table (&result);
  if (json_path)
    {
      FILE *out = fopen (json_path, "w");
      if (out == NULL || vt_sim_result_write_json (&result, out) != VT_STATUS_OK)
        {
          if (out)
            fclose (out);
          return vt_cli_fail ("simulate", "%s: cannot write", json_path);
        }
      if (fclose (out) != 0)
        return vt_cli_fail ("simulate", "%s: cannot write", json_path);
    }
  return 0;
}
