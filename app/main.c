/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>

#include "vt-application.h"
#include "vt-cli.h"

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* Numbers in CSV, JSON and our printed figures always use a '.' */
  setlocale (LC_NUMERIC, "C");

  int exit_status = 0;
  if (vt_cli_dispatch (argc, argv, &exit_status))
    return exit_status;

  g_autoptr (VtApplication) app = vt_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
