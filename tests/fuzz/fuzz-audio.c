/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: opening a song. The input is written to a scratch file
 * (libsndfile reads files), then read three ways: vt_audio_info,
 * vt_audio_load and the streaming reader (blocks before, across and past
 * the end). Built only with -Dfuzzing=true.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vt-audio.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char scratch_path[64];

static void
remove_scratch (void)
{
  unlink (scratch_path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (scratch_path[0] == '\0')
    {
      snprintf (scratch_path, sizeof scratch_path, "/tmp/vt-fuzz-audio-%ld.wav", (long) getpid ());
      atexit (remove_scratch);
    }
  FILE *file = fopen (scratch_path, "wb");
  if (file == NULL)
    abort ();
  if (fwrite (data, 1, size, file) != size || fclose (file) != 0)
    abort ();

  VtError error = { 0 };
  VtAudioInfo info;
  vt_audio_info (scratch_path, &info, &error);

  VtAudio audio;
  vt_audio_init (&audio);
  vt_audio_load (scratch_path, &audio, &error);
  vt_audio_clear (&audio);

  VtAudioReader *reader = vt_audio_reader_open (scratch_path, &info, &error);
  if (reader != NULL)
    {
      enum
      {
        BLOCK = 256
      };
      static float block[BLOCK * VT_AUDIO_MAX_CHANNELS];
      int64_t end = info.frames < INT64_MAX / 2 ? info.frames : INT64_MAX / 2;
      const int64_t starts[] = { -100, 0, end - 10, end + 5, 1000 };
      for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        {
          int64_t got = 0;
          vt_audio_reader_read (reader, starts[i], BLOCK, block, &got, &error);
          if (got < 0 || got > BLOCK)
            abort ();
        }
      vt_audio_reader_close (reader);
    }
  return 0;
}
