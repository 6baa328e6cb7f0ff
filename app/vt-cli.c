/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-cli.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  const char *name;
  VtCommandFunc func;
  const char *summary;
} VtCommand;

static const VtCommand commands[] = {
  { "info", vt_cmd_info, "print a song's rate, channels, duration and format" },
  { "metrics", vt_cmd_metrics, "BSS Eval SDR/SIR/SAR/ISR of stems against references" },
  { "separate", vt_cmd_separate, "write vocals and accompaniment stems of songs" },
  { "f0", vt_cmd_f0, "write a song's vocal pitch curve as CSV" },
  { "eval", vt_cmd_eval, "score a model on MIR-1K or MUSDB18 (SDR, pitch, activity)" },
  { "simulate", vt_cmd_simulate, "the papers' human-in-the-loop experiments, simulated" },
  { "bench", vt_cmd_bench, "measure speed and memory (nn, stft, separate, adapt)" },
  { "train", vt_cmd_train, "train a network from a recipe (README: retraining)" },
};

int
vt_cli_fail (const char *command, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "voxtrace %s: %s\n", command, message);
  return 1;
}

gboolean
vt_cli_parse (GOptionContext *context, const char *command, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      vt_cli_fail (command, "%s (see voxtrace %s --help)", error->message, command);
      return FALSE;
    }
  return TRUE;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: voxtrace [FILE]            open the editor (optionally on a song)\n"
                "       voxtrace COMMAND [OPTION...] work without a display\n\nCommands:\n");
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n  --help     this text; COMMAND --help for a command's options\n"
                "  --version  print the version\n");
}

gboolean
vt_cli_dispatch (int argc, char **argv, int *exit_status)
{
  if (argc < 2)
    return FALSE;
  const char *name = argv[1];
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0 || strcmp (name, "help") == 0)
    {
      print_usage (stdout);
      *exit_status = 0;
      return TRUE;
    }
  if (strcmp (name, "--version") == 0)
    {
      printf ("voxtrace %s\n", VT_VERSION);
      *exit_status = 0;
      return TRUE;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (name, commands[i].name) == 0)
      {
        *exit_status = commands[i].func (argc - 1, argv + 1);
        return TRUE;
      }
  if (name[0] == '-' && strcmp (name, "--") != 0 && !g_str_has_prefix (name, "--gapplication")
      && !g_str_has_prefix (name, "--display"))
    {
      *exit_status = vt_cli_fail (name, "unknown option (see voxtrace --help)");
      return TRUE;
    }
  /* A bare word that names no file is a mistyped command, not a song. */
  if (strchr (name, '/') == NULL && strchr (name, '.') == NULL
      && !g_file_test (name, G_FILE_TEST_EXISTS))
    {
      *exit_status = vt_cli_fail (name, "unknown command (see voxtrace --help)");
      return TRUE;
    }
  return FALSE;
}
