/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vt-cli.h"
#include "vt-evaluate.h"
#include "vt-model-loader.h"

static void
print_line (const char *line, void *user_data)
{
  fprintf (stderr, "%s\n", line);
}

static void
json_number (GString *json, const char *key, double value, gboolean comma)
{
  if (isfinite (value))
    g_string_append_printf (json, "\"%s\": %.6g%s", key, value, comma ? ", " : "");
  else
    g_string_append_printf (json, "\"%s\": null%s", key, comma ? ", " : "");
}

static char *
result_to_json (const VtEvalResult *r, const char *dataset, const char *split)
{
  GString *json = g_string_new ("{\n");
  g_string_append_printf (json, "  \"dataset\": \"%s\", \"split\": \"%s\", \"clips\": %d,\n  ",
                          dataset, split, r->n_clips);
  json_number (json, "gnsdr", r->gnsdr, TRUE);
  json_number (json, "gsir", r->gsir, TRUE);
  json_number (json, "gsar", r->gsar, TRUE);
  g_string_append (json, "\n  ");
  json_number (json, "mean_sdr", r->mean_sdr, TRUE);
  json_number (json, "median_sdr", r->median_sdr, TRUE);
  json_number (json, "mean_sir", r->mean_sir, TRUE);
  json_number (json, "median_sir", r->median_sir, TRUE);
  json_number (json, "mean_sar", r->mean_sar, TRUE);
  json_number (json, "median_sar", r->median_sar, TRUE);
  json_number (json, "accompaniment_median_sdr", r->acc_median_sdr, TRUE);
  g_string_append (json, "\n  ");
  json_number (json, "raw_pitch_accuracy", r->rpa, TRUE);
  json_number (json, "raw_chroma_accuracy", r->rca, TRUE);
  json_number (json, "overall_accuracy", r->oa, TRUE);
  json_number (json, "voicing_recall", r->vr, TRUE);
  json_number (json, "voicing_false_alarm", r->vfa, TRUE);
  g_string_append (json, "\n  ");
  json_number (json, "activity_auroc", r->auroc, TRUE);
  json_number (json, "nonvocal_rms_dbfs", r->nonvocal_rms_db, TRUE);
  g_string_append (json, "\n  \"per_clip\": [\n");
  for (int i = 0; i < r->n_clips; i++)
    {
      const VtClipEval *c = &r->clips[i];
      g_autofree char *name = g_strescape (c->name, NULL);
      g_string_append_printf (json, "    {\"name\": \"%s\", ", name);
      json_number (json, "seconds", c->seconds, TRUE);
      json_number (json, "sdr", c->sdr, TRUE);
      json_number (json, "sir", c->sir, TRUE);
      json_number (json, "sar", c->sar, TRUE);
      json_number (json, "nsdr", c->nsdr, TRUE);
      json_number (json, "accompaniment_sdr", c->acc_sdr, TRUE);
      json_number (json, "rpa", c->rpa, TRUE);
      json_number (json, "oa", c->oa, TRUE);
      json_number (json, "auroc", c->auroc, TRUE);
      json_number (json, "nonvocal_rms_dbfs", c->nonvocal_rms_db, FALSE);
      g_string_append_printf (json, "}%s\n", i + 1 < r->n_clips ? "," : "");
    }
  g_string_append (json, "  ]\n}\n");
  return g_string_free (json, FALSE);
}

int
vt_cmd_eval (int argc, char **argv)
{
  g_autofree char *dataset_name = NULL;
  g_autofree char *model_spec = NULL;
  g_autofree char *split_name = NULL;
  g_autofree char *clips = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *high_band = NULL;
  int every = 1;
  gboolean oracle_f0 = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    { "dataset", 'd', 0, G_OPTION_ARG_STRING, &dataset_name, "mir1k or musdb (required)", "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_spec,
      "'default', unet-adv, drnn, waveunet, a folder with f0.vtw and mask.vtw, or a .vtw",
      "MODEL" },
    { "split", 's', 0, G_OPTION_ARG_STRING, &split_name,
      "dev (held out from the shipped model; default), huang-test, huang-train, train or all",
      "SPLIT" },
    { "clips", 'c', 0, G_OPTION_ARG_STRING, &clips, "only these clips (comma-separated names)",
      "LIST" },
    { "every", 'e', 0, G_OPTION_ARG_INT, &every, "only every n-th clip of the split", "N" },
    { "oracle-f0", 0, 0, G_OPTION_ARG_NONE, &oracle_f0,
      "condition the mask on the true pitch (MIR-1K labels)", NULL },
    { "high-band", 0, 0, G_OPTION_ARG_STRING, &high_band, "edge, zero or one", "RULE" },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &json_path, "write the figures as JSON", "OUT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "no per-clip lines", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "DIR - score a model on a dataset folder (MIR-1K or MUSDB18)");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!vt_cli_parse (context, "eval", &argc, &argv))
    return 2;
  if (argc != 2)
    return vt_cli_fail ("eval", "give the dataset folder (see voxtrace eval --help)");
  VtEvalOptions options = { .every = every, .oracle_f0 = oracle_f0,
                            .high_band = vt_high_band_from_name (high_band), .clips = clips,
                            .log = quiet ? NULL : print_line };
  if (g_strcmp0 (dataset_name, "mir1k") == 0)
    options.kind = VT_DATASET_MIR1K;
  else if (g_strcmp0 (dataset_name, "musdb") == 0)
    options.kind = VT_DATASET_MUSDB;
  else
    return vt_cli_fail ("eval", "--dataset must be mir1k or musdb");
  const char *split = split_name ? split_name : "dev";
  if (strcmp (split, "dev") == 0)
    options.split = VT_SPLIT_DEV;
  else if (strcmp (split, "huang-test") == 0)
    options.split = VT_SPLIT_HUANG_TEST;
  else if (strcmp (split, "huang-train") == 0)
    options.split = VT_SPLIT_HUANG_TRAIN;
  else if (strcmp (split, "train") == 0)
    options.split = VT_SPLIT_TRAIN;
  else if (strcmp (split, "all") == 0)
    options.split = VT_SPLIT_ALL;
  else
    return vt_cli_fail ("eval", "unknown split '%s'", split);
  if (every < 1 || every > 1000)
    return vt_cli_fail ("eval", "--every must be from 1 to 1000");

  g_autoptr (GError) gerror = NULL;
  gboolean is_system = FALSE;
  VtSystem *system = vt_model_loader_load_system (model_spec, &is_system, &gerror);
  if (is_system && system == NULL)
    return vt_cli_fail ("eval", "%s", gerror->message);
  VtModel *model = system ? NULL : vt_model_loader_load (model_spec, &gerror);
  if (model == NULL && system == NULL)
    return vt_cli_fail ("eval", "%s", gerror->message);
  VtEvalResult result;
  vt_eval_result_init (&result);
  VtError error = { 0 };
  VtStatus status = system ? vt_system_evaluate (system, argv[1], &options, &result, &error)
                           : vt_evaluate (model, argv[1], &options, &result, &error);
  vt_model_free (model);
  vt_system_free (system);
  if (status != VT_STATUS_OK)
    return vt_cli_fail ("eval", "%s", error.message);

  printf ("clips: %d\n", result.n_clips);
  if (options.kind == VT_DATASET_MIR1K)
    printf ("gnsdr: %.2f\ngsir: %.2f\ngsar: %.2f\n", result.gnsdr, result.gsir, result.gsar);
  printf ("mean_sdr: %.2f\nmedian_sdr: %.2f\nmean_sir: %.2f\nmean_sar: %.2f\n"
          "accompaniment_median_sdr: %.2f\n",
          result.mean_sdr, result.median_sdr, result.mean_sir, result.mean_sar,
          result.acc_median_sdr);
  if (options.kind == VT_DATASET_MIR1K)
    printf ("raw_pitch_accuracy: %.4f\nraw_chroma_accuracy: %.4f\noverall_accuracy: %.4f\n"
            "voicing_recall: %.4f\nvoicing_false_alarm: %.4f\n",
            result.rpa, result.rca, result.oa, result.vr, result.vfa);
  printf ("activity_auroc: %.4f\nnonvocal_rms_dbfs: %.2f\n", result.auroc, result.nonvocal_rms_db);
  int exit_status = 0;
  if (json_path)
    {
      g_autofree char *json = result_to_json (&result, dataset_name, split);
      g_autoptr (GError) write_error = NULL;
      if (!g_file_set_contents (json_path, json, -1, &write_error))
        exit_status = vt_cli_fail ("eval", "%s", write_error->message);
    }
  vt_eval_result_clear (&result);
  return exit_status;
}
