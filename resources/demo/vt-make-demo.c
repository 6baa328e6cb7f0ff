/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Makes the bundled demo song at build time: a synthesised singing voice
 * (additive harmonics shaped by vowel formants, with vibrato, glides and
 * rests) over a synthesised backing (pad chords, bass, drums). Because it is
 * synthesised, its stems and its true pitch curve are known exactly, which
 * the tests use as ground truth. Nothing here comes from ../shared.
 *
 * Usage: vt-make-demo OUTDIR  -> demo-mix.flac, demo-vocals.flac,
 *                                demo-accompaniment.flac, demo-f0.csv
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt-audio.h"

#define RATE 44100
#define CHANNELS 2
#define BPM 100.0
#define BEAT (60.0 / BPM)
#define BARS 10
#define PI 3.14159265358979323846

typedef struct
{
  double start_beat;
  double beats;
  int midi; /* 0 = rest */
  int vowel;
} Note;

/* Two phrases of four bars, sung twice with rests between them. */
static const Note melody[] = {
  { 0.0, 1.0, 64, 0 }, { 1.0, 1.0, 67, 1 }, { 2.0, 2.0, 69, 2 },
  { 4.0, 1.5, 67, 0 }, { 5.5, 0.5, 65, 1 }, { 6.0, 2.0, 64, 2 },
  { 10.0, 1.0, 60, 0 }, { 11.0, 1.0, 62, 1 }, { 12.0, 1.0, 64, 2 }, { 13.0, 1.0, 67, 0 },
  { 14.0, 2.0, 65, 1 },
  { 20.0, 1.0, 64, 2 }, { 21.0, 1.0, 67, 0 }, { 22.0, 2.0, 72, 1 },
  { 24.0, 1.0, 71, 2 }, { 25.0, 1.0, 69, 0 }, { 26.0, 2.0, 67, 1 },
  { 30.0, 1.0, 65, 2 }, { 31.0, 1.0, 64, 0 }, { 32.0, 1.0, 62, 1 }, { 33.0, 3.0, 60, 2 },
};

/* Formant centres and bandwidths (Hz) of the vowels a, o, e. */
static const double formants[3][3][2] = {
  { { 800, 80 }, { 1150, 90 }, { 2900, 120 } },
  { { 450, 70 }, { 800, 80 }, { 2830, 100 } },
  { { 400, 60 }, { 1600, 80 }, { 2700, 120 } },
};

/* Chord roots (MIDI) per bar: C Am F G C Am F G C C. */
static const int chord_roots[BARS] = { 48, 45, 41, 43, 48, 45, 41, 43, 48, 48 };
static const int chord_minor[BARS] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 };

static double
midi_to_hz (double midi)
{
  return 440.0 * pow (2.0, (midi - 69.0) / 12.0);
}

static double
formant_gain (int vowel, double hz)
{
  double gain = 0.02;
  for (int f = 0; f < 3; f++)
    {
      double centre = formants[vowel][f][0], width = formants[vowel][f][1];
      double d = (hz - centre) / width;
      gain += (f == 0 ? 1.0 : f == 1 ? 0.6 : 0.25) / (1.0 + d * d);
    }
  return gain;
}

static unsigned int noise_state = 12345u;

static double
noise (void)
{
  noise_state = noise_state * 1664525u + 1013904223u;
  return (double) (noise_state >> 8) / (double) (1u << 23) - 1.0;
}

/* The sung pitch at time t (MIDI, fractional), or 0 when resting. Glides
 * into each note over 60 ms and adds vibrato that grows after the onset. */
static double
sung_pitch (double t, int *vowel, double *amplitude)
{
  double beat = t / BEAT;
  size_t n = sizeof melody / sizeof melody[0];
  for (size_t i = 0; i < n; i++)
    {
      const Note *note = &melody[i];
      if (beat < note->start_beat || beat >= note->start_beat + note->beats)
        continue;
      double since = t - note->start_beat * BEAT;
      double until = (note->start_beat + note->beats) * BEAT - t;
      double pitch = note->midi;
      if (i > 0 && melody[i - 1].start_beat + melody[i - 1].beats == note->start_beat
          && since < 0.06)
        pitch = melody[i - 1].midi + (note->midi - melody[i - 1].midi) * (since / 0.06);
      double depth = fmin (1.0, since / 0.4) * 0.3; /* semitones */
      pitch += depth * sin (2 * PI * 5.5 * since);
      *vowel = note->vowel;
      double attack = fmin (1.0, since / 0.03);
      double release = fmin (1.0, until / 0.05);
      *amplitude = attack * release;
      return pitch;
    }
  *amplitude = 0;
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: vt-make-demo OUTDIR\n");
      return 2;
    }
  const int64_t frames = (int64_t) (BARS * 4 * BEAT * RATE);
  float *vocals = calloc ((size_t) frames * CHANNELS, sizeof (float));
  float *backing = calloc ((size_t) frames * CHANNELS, sizeof (float));
  float *mix = calloc ((size_t) frames * CHANNELS, sizeof (float));
  if (!vocals || !backing || !mix)
    return 1;

  char path[4096];
  snprintf (path, sizeof path, "%s/demo-f0.csv", argv[1]);
  FILE *f0_csv = fopen (path, "w");
  if (f0_csv == NULL)
    {
      perror (path);
      return 1;
    }

  /* Voice: additive synthesis, 40 harmonics below 10 kHz. */
  double phase[40] = { 0 };
  for (int64_t i = 0; i < frames; i++)
    {
      double t = (double) i / RATE;
      int vowel = 0;
      double amplitude = 0;
      double pitch = sung_pitch (t, &vowel, &amplitude);
      if (i % (RATE / 100) == 0)
        fprintf (f0_csv, "%.3f,%.3f\n", t, amplitude > 0.5 ? midi_to_hz (pitch) : 0.0);
      if (amplitude <= 0)
        continue;
      double f0 = midi_to_hz (pitch);
      double sample = 0;
      for (int h = 1; h <= 40; h++)
        {
          double hz = f0 * h;
          phase[h - 1] += 2 * PI * hz / RATE;
          if (hz > 10000)
            continue;
          sample += formant_gain (vowel, hz) / pow (h, 0.7) * sin (phase[h - 1]);
        }
      sample = 0.12 * amplitude * sample + 0.002 * amplitude * noise ();
      vocals[i * 2] = (float) sample;
      vocals[i * 2 + 1] = (float) sample;
    }
  fclose (f0_csv);

  /* Backing: pad chords, bass and drums, panned. */
  for (int64_t i = 0; i < frames; i++)
    {
      double t = (double) i / RATE;
      int bar = (int) (t / (4 * BEAT));
      if (bar >= BARS)
        bar = BARS - 1;
      double beat_pos = fmod (t / BEAT, 1.0) * BEAT; /* seconds since beat */
      int beat_index = (int) (t / BEAT) % 4;
      int root = chord_roots[bar];
      int third = root + (chord_minor[bar] ? 3 : 4);
      int notes[3] = { root + 12, third + 12, root + 19 };
      double pad = 0;
      for (int k = 0; k < 3; k++)
        for (int h = 1; h <= 6; h++)
          pad += sin (2 * PI * midi_to_hz (notes[k]) * h * t + k) / (h * h);
      pad *= 0.035;
      double bass_env = exp (-beat_pos * 3.0);
      double bass = 0.16 * bass_env
                    * (sin (2 * PI * midi_to_hz (root - 12) * t)
                       + 0.3 * sin (4 * PI * midi_to_hz (root - 12) * t));
      double kick = 0, snare = 0, hat = 0;
      if (beat_index == 0 || beat_index == 2)
        kick = 0.5 * exp (-beat_pos * 25) * sin (2 * PI * (50 + 80 * exp (-beat_pos * 30)) * beat_pos);
      if (beat_index == 1 || beat_index == 3)
        snare = 0.12 * exp (-beat_pos * 20) * noise ();
      double eighth = fmod (t / (BEAT / 2), 1.0) * (BEAT / 2);
      static double hat_prev = 0;
      double white = noise ();
      hat = 0.05 * exp (-eighth * 60) * (white - hat_prev);
      hat_prev = white;
      backing[i * 2] = (float) (pad * 0.8 + bass + kick + snare * 0.8 + hat * 0.4);
      backing[i * 2 + 1] = (float) (pad * 1.0 + bass + kick + snare + hat * 1.0);
    }

  for (int64_t i = 0; i < frames * CHANNELS; i++)
    mix[i] = vocals[i] + backing[i];

  const struct
  {
    const char *name;
    const float *samples;
  } outputs[] = { { "demo-mix.flac", mix },
                  { "demo-vocals.flac", vocals },
                  { "demo-accompaniment.flac", backing } };
  for (size_t k = 0; k < 3; k++)
    {
      VtError error = { 0 };
      snprintf (path, sizeof path, "%s/%s", argv[1], outputs[k].name);
      if (vt_audio_save (path, outputs[k].samples, frames, CHANNELS, RATE, VT_FILE_FORMAT_FLAC,
                         &error) != VT_STATUS_OK)
        {
          fprintf (stderr, "vt-make-demo: %s\n", error.message);
          return 1;
        }
    }
  free (vocals);
  free (backing);
  free (mix);
  return 0;
}
