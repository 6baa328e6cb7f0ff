/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Chooses the F0 network's Viterbi decoding parameters (voicing bias,
 * voiced/unvoiced switching cost, pitch-jump cost) by grid search on MIR-1K
 * clips of the shipped model's TRAINING split (never the dev split), with
 * overall accuracy (mir_eval's measure, on our frame grid) as the objective.
 * The chosen values are compiled into vt-model.c; this tool is how they
 * were found:
 *   build/tools/vt-tune-f0-decode resources/models ../shared/data/mir1k [EVERY]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vt-dataset.h"
#include "vt-f0.h"
#include "vt-features.h"
#include "vt-model.h"

typedef struct
{
  int64_t frames;
  float *posterior;
  float *truth;
} Clip;

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: vt-tune-f0-decode MODEL_DIR MIR1K_DIR [EVERY]\n");
      return 2;
    }
  int every = argc > 3 ? atoi (argv[3]) : 8;
  char f0_path[4096], mask_path[4096];
  snprintf (f0_path, sizeof f0_path, "%s/f0.vtw", argv[1]);
  snprintf (mask_path, sizeof mask_path, "%s/mask.vtw", argv[1]);
  VtError error = { 0 };
  VtModel *model = vt_model_load_files (f0_path, mask_path, &error);
  VtDataset dataset;
  vt_dataset_init (&dataset);
  if (model == NULL || vt_dataset_open (&dataset, VT_DATASET_MIR1K, argv[2], &error) != VT_STATUS_OK)
    {
      fprintf (stderr, "vt-tune-f0-decode: %s\n", error.message);
      return 1;
    }
  int *indices = malloc (sizeof (int) * (size_t) dataset.n_clips);
  int n_train = vt_dataset_split (&dataset, VT_SPLIT_TRAIN, indices);
  Clip *clips = calloc ((size_t) n_train, sizeof (Clip));
  int n = 0;
  for (int k = 0; k < n_train; k += every)
    {
      VtClipAudio audio;
      vt_clip_audio_init (&audio);
      if (vt_dataset_load_clip (&dataset, indices[k], &audio, &error) != VT_STATUS_OK)
        {
          fprintf (stderr, "%s\n", error.message);
          return 1;
        }
      float *mixture = malloc (sizeof (float) * (size_t) audio.n_samples);
      for (int64_t i = 0; i < audio.n_samples; i++)
        mixture[i] = audio.vocals[i] + audio.accompaniment[i];
      float *log_magnitude = NULL;
      int64_t frames = 0;
      vt_model_spectrogram (mixture, audio.n_samples, &log_magnitude, NULL, &frames, &error);
      Clip *clip = &clips[n++];
      clip->frames = frames;
      clip->posterior = malloc (sizeof (float) * (size_t) (frames * VT_F0_CLASSES));
      clip->truth = malloc (sizeof (float) * (size_t) frames);
      float *hz = malloc (sizeof (float) * (size_t) frames);
      vt_model_estimate_f0 (model, log_magnitude, frames, clip->posterior, hz, NULL, NULL, &error);
      for (int64_t t = 0; t < frames; t++)
        clip->truth[t] = audio.f0_hz[t];
      free (hz);
      free (log_magnitude);
      free (mixture);
      vt_clip_audio_clear (&audio);
    }
  fprintf (stderr, "%d training clips\n", n);

  const float biases[] = { -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f, 2.0f };
  const float switches[] = { 0.5f, 1.0f, 2.0f, 4.0f };
  const float jumps[] = { 0.05f, 0.1f, 0.2f, 0.4f };
  double best = -1;
  VtF0DecodeParams best_params;
  vt_f0_decode_params_default (&best_params);
  for (size_t a = 0; a < sizeof biases / sizeof biases[0]; a++)
    for (size_t b = 0; b < sizeof switches / sizeof switches[0]; b++)
      for (size_t c = 0; c < sizeof jumps / sizeof jumps[0]; c++)
        {
          VtF0DecodeParams params;
          vt_f0_decode_params_default (&params);
          params.voicing_bias = biases[a];
          params.voicing_switch_cost = switches[b];
          params.jump_cost = jumps[c];
          double oa_sum = 0, rpa_sum = 0;
          for (int i = 0; i < n; i++)
            {
              float *hz = malloc (sizeof (float) * (size_t) clips[i].frames);
              vt_f0_decode (clips[i].posterior, clips[i].frames, &params, hz, NULL, NULL, NULL);
              int64_t right = 0, voiced = 0, pitch_right = 0;
              for (int64_t t = 0; t < clips[i].frames; t++)
                {
                  float truth = clips[i].truth[t];
                  bool close = truth > 0 && hz[t] > 0 && fabs (vt_f0_cents (truth, hz[t])) <= 50;
                  right += truth > 0 ? close : hz[t] <= 0;
                  voiced += truth > 0;
                  pitch_right += close;
                }
              oa_sum += (double) right / clips[i].frames;
              rpa_sum += voiced ? (double) pitch_right / voiced : 0;
              free (hz);
            }
          double oa = oa_sum / n;
          printf ("bias %5.2f switch %4.1f jump %4.2f: OA %.4f RPA %.4f\n", params.voicing_bias,
                  params.voicing_switch_cost, params.jump_cost, oa, rpa_sum / n);
          if (oa > best)
            {
              best = oa;
              best_params = params;
            }
        }
  printf ("best: voicing_bias %.2f voicing_switch_cost %.2f jump_cost %.2f (OA %.4f)\n",
          best_params.voicing_bias, best_params.voicing_switch_cost, best_params.jump_cost, best);
  vt_model_free (model);
  return 0;
}
