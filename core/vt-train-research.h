/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-train-research: the trainer of issue 7's other systems, reached through
 * vt_train_run (the same `voxtrace train RECIPE` command and recipe files):
 *
 *  - network = drnn: Huang et al.'s DRNN (vt-drnn) on magnitude patches of
 *    the feature cache. Keys: drnn.hidden [1000], drnn.layers [3],
 *    drnn.context [1], drnn.r [0.05] (discriminative weight), patch_frames
 *    [64] (any length >= 8), batch [16].
 *  - network = waveunet: the Wave-U-Net (vt-waveunet) on waveform patches
 *    of the split's clips (16 kHz mono, loaded once into memory), the
 *    accompaniment remixed from another clip with augment.remix_probability
 *    and each source's gain uniform in +-augment.gain_db. Keys:
 *    waveunet.layers [12], waveunet.filters [24], waveunet.down_kernel
 *    [15], waveunet.up_kernel [5], waveunet.output_samples [16384], batch [16].
 *  - network = mask with adversarial = true: Stoller et al.'s
 *    semi-supervised adversarial training of the F0-conditioned mask U-Net
 *    (vt-model), L = L_s + alpha L_u + beta L_add. The training clips are
 *    split by adversarial.paired_every [2]: every n-th clip is paired (its
 *    patches give L_s, the L1 mask loss, and the activity BCE with weight
 *    mask.activity_weight [0.1]); the others give unpaired mixtures and, drawn
 *    independently, solo vocals and solo accompaniments. One Wasserstein
 *    critic per source (a small strided CNN on log (1 + |X|) patches,
 *    weights clipped to +-adversarial.clip [0.01], adversarial.critic_steps
 *    [5] updates per separator step at adversarial.critic_learning_rate
 *    [1e-4]) scores the separator's estimates on the unpaired mixtures
 *    against the solo sources; alpha = adversarial.alpha [0.01]. Unpaired
 *    mixtures carry no labels, so their conditioning F0 is the estimate of
 *    the F0 network in adversarial.f0_model [the recipe's folder, holding
 *    f0.vtw and mask.vtw] (adversarial.unpaired_f0 = estimate | labels
 *    [estimate]; paired patches use their labels). With a
 *    masking separator vocals + accompaniment = mixture exactly, so L_add
 *    is zero by construction (adversarial.beta is accepted and logged).
 *    adversarial.alpha = 0 trains the supervised-only model on the same
 *    paired clips (skipping the critics, and drawing its loss-free second
 *    half-batch from the paired clips too, so that no unpaired clip reaches
 *    even its batch-norm statistics), for the comparison the paper makes. The log's |grad L_u| / |grad L_s| is the figure to tune alpha
 *    by: with weight clipping the critics' gradients are small, and alpha
 *    must be large enough for L_u to matter.
 * Common keys as vt-train: split, data.*, cache, steps, batch, seed,
 * learning_rate, min_learning_rate, warmup_steps, weight_decay, clip_norm,
 * checkpoint, checkpoint_every, log_every, output, augment.*.
 *
 * Resuming: the network's checkpoint (and the critics', as
 * <checkpoint>.critic-vocals / .critic-accompaniment) is reloaded; data
 * order after a resume is re-seeded from (seed, step), like vt-train.
 * Threads: as vt-train.
 */
#pragma once

#include <stdbool.h>

#include "vt-train.h"

/* Whether the recipe asks for one of the systems above. */
bool vt_train_research_wants (VtRecipe *recipe);
VtStatus vt_train_research_run (VtRecipe *recipe, const VtTrainOptions *options,
                                VtError *error);
