/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-nn: the nn engine's training speed against this machine's sgemm
 * rate and, where python3-torch is installed, against PyTorch running the
 * identical U-Net step (bench/torch_unet_step.py) on the same threads.
 * Usage: bench-nn [--no-torch] [--no-layers] [--steps N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt-nn-bench.h"

#ifndef VT_BENCH_SOURCE_DIR
#define VT_BENCH_SOURCE_DIR "bench"
#endif

int
main (int argc, char **argv)
{
  VtNnBenchOptions options;
  vt_nn_bench_options_init (&options);
  bool torch = true;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--no-torch") == 0)
        torch = false;
      else if (strcmp (argv[i], "--no-layers") == 0)
        options.layers = false;
      else if (strcmp (argv[i], "--steps") == 0 && i + 1 < argc)
        options.steps = atoi (argv[++i]);
      else
        {
          fprintf (stderr, "usage: bench-nn [--no-torch] [--no-layers] [--steps N]\n");
          return 2;
        }
    }
  const char *threads = getenv ("OPENBLAS_NUM_THREADS");
  printf ("threads: %s\n", threads ? threads : "(OpenBLAS default)");
  VtError error = { 0 };
  if (vt_nn_bench_run (stdout, &options, &error) != VT_STATUS_OK)
    {
      fprintf (stderr, "bench-nn: %s\n", error.message);
      return 1;
    }
  if (!torch)
    return 0;
  /* Debian's python3-torch lives in the system Python, which a pyenv or
   * venv python3 earlier in PATH would hide. */
  const char *python = getenv ("VT_PYTHON");
  if (python == NULL)
    python = access ("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  char command[1024];
  snprintf (command, sizeof command,
            "%s '%s/torch_unet_step.py' --batch %d --height %d --width %d --threads %s "
            "--steps %d 2>/dev/null",
            python, VT_BENCH_SOURCE_DIR, options.batch, options.height, options.width,
            threads ? threads : "2", options.steps);
  FILE *pipe = popen (command, "r");
  double torch_ms = 0;
  char line[256];
  while (pipe != NULL && fgets (line, sizeof line, pipe) != NULL)
    {
      fputs (line, stdout);
      sscanf (line, "torch_step_ms: %lf", &torch_ms);
    }
  if (pipe != NULL)
    pclose (pipe);
  if (torch_ms > 0)
    printf ("unet_step_vs_torch: %.2f\n", torch_ms / options.unet_step_ms);
  else
    printf ("# PyTorch not available (apt-get install python3-torch): no comparison\n");
  return 0;
}
