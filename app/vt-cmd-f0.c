/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-cli-progress.h"
#include "vt-cli.h"
#include "vt-model-loader.h"
#include "vt-separator.h"

int
vt_cmd_f0 (int argc, char **argv)
{
  g_autofree char *out_path = NULL;
  g_autofree char *model_spec = NULL;
  gboolean with_confidence = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "CSV file to write (required)", "OUT.csv" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_spec,
      "'default' or a folder with f0.vtw and mask.vtw", "MODEL" },
    { "confidence", 'c', 0, G_OPTION_ARG_NONE, &with_confidence,
      "add a third column with the confidence (0-1)", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "IN - write the vocal pitch curve as CSV: time (s), frequency (Hz, 0 = unvoiced)");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!vt_cli_parse (context, "f0", &argc, &argv))
    return 2;
  if (argc != 2)
    return vt_cli_fail ("f0", "give exactly one input song (see voxtrace f0 --help)");
  if (out_path == NULL)
    return vt_cli_fail ("f0", "no output file given (-o OUT.csv)");

  g_autoptr (GError) gerror = NULL;
  VtModel *model = vt_model_loader_load (model_spec, &gerror);
  if (model == NULL)
    return vt_cli_fail ("f0", "%s", gerror->message);
  VtCliProgress bar;
  vt_cli_progress_init (&bar, "f0");
  VtProgress progress = vt_cli_progress_get (&bar);
  VtSongAnalysis analysis;
  vt_song_analysis_init (&analysis);
  VtError error = { 0 };
  VtStatus status = vt_separate_file (model, argv[1], NULL, VT_HIGH_BAND_EDGE, &analysis,
                                      &progress, &error);
  vt_cli_progress_finish (&bar);
  if (status == VT_STATUS_OK)
    status = vt_f0_write_csv (out_path, analysis.f0_hz,
                              with_confidence ? analysis.f0_confidence : NULL, analysis.frames,
                              &error);
  vt_song_analysis_clear (&analysis);
  vt_model_free (model);
  if (status != VT_STATUS_OK)
    return vt_cli_fail ("f0", "%s", error.message);
  return 0;
}
