/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: pitch-curve CSV / text files (time, frequency), and
 * scoring a parsed curve against itself so the parsed values go through
 * the resampling too. Built only with -Dfuzzing=true.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt-melody-eval.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1);
  if (text == NULL)
    return 0;
  memcpy (text, data, size);
  text[size] = '\0';
  VtError error = { 0 };
  VtMelodySeries series;
  vt_melody_series_init (&series);
  /* Scoring resamples onto a 10 ms grid: a curve reaching 10^9 s would ask
   * for a legitimately huge grid, so only short curves are scored. */
  int short_curve = 0;
  if (vt_melody_series_parse (text, "fuzz.csv", &series, &error) == VT_STATUS_OK
      && series.n <= 4096)
    {
      short_curve = 1;
      for (size_t i = 0; i < series.n; i++)
        if (!(series.times[i] >= -1000 && series.times[i] <= 1000))
          short_curve = 0;
    }
  if (short_curve)
    {
      VtMelodyOptions options;
      vt_melody_options_init (&options);
      VtMelodyScores scores;
      vt_melody_evaluate (series.times, series.frequencies, series.n, series.times,
                          series.frequencies, series.n, NULL, NULL, &options, &scores, &error);
    }
  vt_melody_series_clear (&series);
  free (text);
  return 0;
}
