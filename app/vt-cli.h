/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-cli: the `voxtrace SUBCOMMAND` entry points (no display needed).
 *
 * Each subcommand lives in its own vt-cmd-*.c and has the signature of
 * VtCommandFunc: it parses its own options (GOptionContext, so --help works
 * everywhere), prints results on stdout and returns the process exit status:
 * 0 on success; on failure it prints one line "voxtrace NAME: reason" on
 * stderr (vt_cli_fail) and returns non-zero.
 */
#pragma once

#include <glib.h>

#include "vt-status.h"

typedef int (*VtCommandFunc) (int argc, char **argv);

/* Returns TRUE and sets *exit_status if argv names a subcommand. */
gboolean vt_cli_dispatch (int argc, char **argv, int *exit_status);

/* Prints "voxtrace COMMAND: message" on stderr; returns 1. */
int vt_cli_fail (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Parses argv with context; on error prints the reason and returns FALSE. */
gboolean vt_cli_parse (GOptionContext *context, const char *command, int *argc, char ***argv);

int vt_cmd_info (int argc, char **argv);
int vt_cmd_metrics (int argc, char **argv);
int vt_cmd_train (int argc, char **argv);
int vt_cmd_separate (int argc, char **argv);
int vt_cmd_f0 (int argc, char **argv);
int vt_cmd_eval (int argc, char **argv);
int vt_cmd_bench (int argc, char **argv);
int vt_cmd_simulate (int argc, char **argv);
