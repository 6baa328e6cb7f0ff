/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <string.h>

#include "vt-cli-progress.h"
#include "vt-cli.h"
#include "vt-model-loader.h"
#include "vt-separator.h"

/* "vocals,accompaniment" -> two flags; FALSE on an unknown stem name. */
static gboolean
parse_stems (const char *stems, gboolean *vocals, gboolean *accompaniment)
{
  *vocals = *accompaniment = FALSE;
  g_auto (GStrv) names = g_strsplit (stems ? stems : "vocals,accompaniment", ",", -1);
  for (int i = 0; names[i]; i++)
    {
      char *name = g_strstrip (names[i]);
      if (strcmp (name, "vocals") == 0)
        *vocals = TRUE;
      else if (strcmp (name, "accompaniment") == 0 || strcmp (name, "karaoke") == 0)
        *accompaniment = TRUE;
      else if (name[0] != '\0')
        return FALSE;
    }
  return *vocals || *accompaniment;
}

int
vt_cmd_separate (int argc, char **argv)
{
  g_autofree char *out_dir = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *model_spec = NULL;
  g_autofree char *stems = NULL;
  g_autofree char *high_band_name = NULL;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, "folder for the stems (required)", "DIR" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "wav (16-bit), wav24, float, flac, ogg or mp3 (default wav)", "FORMAT" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_spec,
      "'default', unet-adv, drnn, waveunet, a folder with f0.vtw and mask.vtw, or a .vtw",
      "MODEL" },
    { "stems", 0, 0, G_OPTION_ARG_STRING, &stems,
      "which stems to write (default vocals,accompaniment)", "LIST" },
    { "high-band", 0, 0, G_OPTION_ARG_STRING, &high_band_name,
      "vocal mask above 8 kHz: edge (default), zero or one", "RULE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (
    "IN... - write DIR/<name>/vocals.<ext> and accompaniment.<ext> for each song");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!vt_cli_parse (context, "separate", &argc, &argv))
    return 2;
  if (argc < 2)
    return vt_cli_fail ("separate", "no input song given (see voxtrace separate --help)");
  if (out_dir == NULL)
    return vt_cli_fail ("separate", "no output folder given (-o DIR)");
  VtFileFormat format = vt_file_format_from_name (format_name ? format_name : "wav");
  if (format == VT_FILE_FORMAT_INVALID)
    return vt_cli_fail ("separate", "unknown format '%s' (wav, wav24, float, flac, ogg, mp3)",
                        format_name);
  gboolean want_vocals, want_accompaniment;
  if (!parse_stems (stems, &want_vocals, &want_accompaniment))
    return vt_cli_fail ("separate", "--stems takes vocals and/or accompaniment (got '%s')", stems);
  if (high_band_name && strcmp (high_band_name, "edge") && strcmp (high_band_name, "zero")
      && strcmp (high_band_name, "one"))
    return vt_cli_fail ("separate", "--high-band takes edge, zero or one (got '%s')",
                        high_band_name);
  VtHighBand high_band = vt_high_band_from_name (high_band_name);

  g_autoptr (GError) gerror = NULL;
  gboolean is_system = FALSE;
  VtSystem *system = vt_model_loader_load_system (model_spec, &is_system, &gerror);
  if (is_system && system == NULL)
    return vt_cli_fail ("separate", "%s", gerror->message);
  VtModel *model = system ? NULL : vt_model_loader_load (model_spec, &gerror);
  if (model == NULL && system == NULL)
    return vt_cli_fail ("separate", "%s", gerror->message);

  const char *extension = vt_file_format_extension (format);
  int failures = 0;
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *base = g_path_get_basename (argv[i]);
      char *dot = strrchr (base, '.');
      if (dot && dot != base)
        *dot = '\0';
      g_autofree char *song_dir = g_build_filename (out_dir, base, NULL);
      if (g_mkdir_with_parents (song_dir, 0755) != 0)
        {
          vt_cli_fail ("separate", "%s: cannot create the folder: %s", song_dir,
                       g_strerror (errno));
          failures++;
          continue;
        }
      g_autofree char *vocals_name = g_strdup_printf ("vocals.%s", extension);
      g_autofree char *acc_name = g_strdup_printf ("accompaniment.%s", extension);
      g_autofree char *vocals_path = g_build_filename (song_dir, vocals_name, NULL);
      g_autofree char *acc_path = g_build_filename (song_dir, acc_name, NULL);
      VtStemOutput output = { want_vocals ? vocals_path : NULL,
                              want_accompaniment ? acc_path : NULL, format };
      VtCliProgress bar;
      vt_cli_progress_init (&bar, base);
      VtProgress progress = vt_cli_progress_get (&bar);
      VtError error = { 0 };
      VtStatus status
        = system ? vt_system_separate_file (system, argv[i], &output, high_band, &progress, &error)
                 : vt_separate_file (model, argv[i], &output, high_band, NULL, &progress, &error);
      vt_cli_progress_finish (&bar);
      if (status != VT_STATUS_OK)
        {
          vt_cli_fail ("separate", "%s", error.message);
          failures++;
        }
    }
  vt_model_free (model);
  vt_system_free (system);
  return failures ? 1 : 0;
}
