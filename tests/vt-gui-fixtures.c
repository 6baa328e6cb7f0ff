/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-gui-fixtures DIR: writes the small songs the GUI tests open
 * (tests/test-gui.sh), using core's own writer:
 *   shape.wav      3 s, 44.1 kHz stereo 16-bit: a 220 Hz sine at amplitude
 *                  0.8 for the first second, 0.25 for the second, then silence
 *   silence.wav    2 s of digital silence, 22.05 kHz mono
 *   truncated.wav  shape.wav cut in the middle of its data
 *   nan.wav        a float WAV with NaN samples
 *   not-audio.wav  text
 *   empty.wav      zero bytes
 * Exits 0 on success, 1 with a one-line reason otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-audio.h"

static int
fail (const char *what, const char *why)
{
  fprintf (stderr, "vt-gui-fixtures: %s: %s\n", what, why);
  return 1;
}

static char *
join (const char *dir, const char *name)
{
  size_t size = strlen (dir) + strlen (name) + 2;
  char *path = malloc (size);
  if (path != NULL)
    snprintf (path, size, "%s/%s", dir, name);
  return path;
}

static int
write_bytes (const char *path, const void *data, size_t size)
{
  FILE *file = fopen (path, "wb");
  if (file == NULL)
    return fail (path, "cannot create");
  int ok = fwrite (data, 1, size, file) == size;
  ok &= fclose (file) == 0;
  return ok ? 0 : fail (path, "cannot write");
}

static int
read_all (const char *path, unsigned char **data, size_t *size)
{
  FILE *file = fopen (path, "rb");
  if (file == NULL)
    return fail (path, "cannot open");
  int ok = fseek (file, 0, SEEK_END) == 0;
  long length = ok ? ftell (file) : -1;
  ok = length > 0 && fseek (file, 0, SEEK_SET) == 0;
  *data = ok ? malloc ((size_t) length) : NULL;
  ok = *data != NULL && fread (*data, 1, (size_t) length, file) == (size_t) length;
  fclose (file);
  *size = ok ? (size_t) length : 0;
  return ok ? 0 : fail (path, "cannot read");
}

/* Offset of the "data" chunk's payload in a RIFF/WAVE file, or 0. */
static size_t
wav_data_offset (const unsigned char *wav, size_t size)
{
  size_t at = 12;
  while (at + 8 <= size)
    {
      size_t chunk = wav[at + 4] | wav[at + 5] << 8 | wav[at + 6] << 16
                     | (size_t) wav[at + 7] << 24;
      if (memcmp (wav + at, "data", 4) == 0)
        return at + 8;
      at += 8 + chunk + (chunk & 1);
    }
  return 0;
}

static int
save (const char *dir, const char *name, const float *samples, int64_t frames, int channels,
      int rate, VtFileFormat format)
{
  char *path = join (dir, name);
  if (path == NULL)
    return fail (name, "out of memory");
  VtError error = { 0 };
  VtStatus status = vt_audio_save (path, samples, frames, channels, rate, format, &error);
  free (path);
  return status == VT_STATUS_OK ? 0 : fail (name, error.message);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    return fail ("usage", "vt-gui-fixtures DIR");
  const char *dir = argv[1];
  int failures = 0;

  const int rate = 44100;
  const int64_t frames = 3 * rate;
  float *shape = calloc ((size_t) frames * 2, sizeof (float));
  if (shape == NULL)
    return fail ("shape.wav", "out of memory");
  for (int64_t i = 0; i < 2 * rate; i++)
    {
      float amplitude = i < rate ? 0.8f : 0.25f;
      float value = amplitude * (float) sin (2.0 * M_PI * 220.0 * (double) i / rate);
      shape[2 * i] = value;
      shape[2 * i + 1] = value;
    }
  failures += save (dir, "shape.wav", shape, frames, 2, rate, VT_FILE_FORMAT_WAV_16);
  failures += save (dir, "nan-source.wav", shape, rate / 10, 2, rate, VT_FILE_FORMAT_WAV_FLOAT);
  free (shape);

  float *silence = calloc (2 * 22050, sizeof (float));
  if (silence == NULL)
    return fail ("silence.wav", "out of memory");
  failures += save (dir, "silence.wav", silence, 2 * 22050, 1, 22050, VT_FILE_FORMAT_WAV_16);
  free (silence);
  if (failures)
    return 1;

  unsigned char *wav = NULL;
  size_t size = 0;
  char *path = join (dir, "shape.wav");
  if (path == NULL || read_all (path, &wav, &size) != 0)
    return 1;
  free (path);
  path = join (dir, "truncated.wav");
  failures += path == NULL || write_bytes (path, wav, size / 2) != 0;
  free (path);
  free (wav);

  path = join (dir, "nan-source.wav");
  if (path == NULL || read_all (path, &wav, &size) != 0)
    return 1;
  remove (path);
  free (path);
  size_t data = wav_data_offset (wav, size);
  if (data == 0 || data + 400 * sizeof (float) > size)
    return fail ("nan.wav", "vt_audio_save wrote no WAV data chunk");
  const float not_a_number = NAN;
  for (int i = 100; i < 400; i++)
    memcpy (wav + data + (size_t) i * sizeof (float), &not_a_number, sizeof (float));
  path = join (dir, "nan.wav");
  failures += path == NULL || write_bytes (path, wav, size) != 0;
  free (path);
  free (wav);

  static const char text[] = "This is a shopping list, not a song.\nmilk\neggs\n";
  path = join (dir, "not-audio.wav");
  failures += path == NULL || write_bytes (path, text, sizeof text - 1) != 0;
  free (path);
  path = join (dir, "empty.wav");
  failures += path == NULL || write_bytes (path, "", 0) != 0;
  free (path);
  return failures ? 1 : 0;
}
