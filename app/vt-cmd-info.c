/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>

#include "vt-audio.h"
#include "vt-cli.h"

int
vt_cmd_info (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE... - describe audio files");
  if (!vt_cli_parse (context, "info", &argc, &argv))
    return 2;
  if (argc < 2)
    return vt_cli_fail ("info", "no file given (usage: voxtrace info FILE...)");

  int failures = 0;
  for (int i = 1; i < argc; i++)
    {
      VtAudioInfo info;
      VtError error = { 0 };
      if (vt_audio_info (argv[i], &info, &error) != VT_STATUS_OK)
        {
          vt_cli_fail ("info", "%s", error.message);
          failures++;
          continue;
        }
      int minutes = (int) (info.duration_s / 60);
      printf ("%s\n  rate: %d Hz\n  channels: %d\n  duration: %d:%06.3f (%lld frames)\n"
              "  format: %s, %s\n",
              argv[i], info.sample_rate, info.channels, minutes, info.duration_s - 60 * minutes,
              (long long) info.frames, info.container, info.encoding);
    }
  return failures ? 1 : 0;
}
