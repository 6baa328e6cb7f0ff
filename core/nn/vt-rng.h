/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-rng: the nn engine's deterministic random numbers (xoshiro256**).
 *
 * Same seed, same sequence, on every machine: weight initialisation and
 * dropout masks draw from the VtRng of their network, in graph order, so a
 * training run is reproducible from its seed and a checkpoint stores the
 * four state words to resume exactly. A VtRng is a plain value owned by its
 * caller; one thread at a time.
 */
#pragma once

#include <stdint.h>

typedef struct
{
  uint64_t state[4];
} VtRng;

void vt_rng_init (VtRng *rng, uint64_t seed);
uint64_t vt_rng_next (VtRng *rng);
/* Uniform in [0, 1). */
float vt_rng_uniform (VtRng *rng);
/* Standard normal (Box-Muller, no cached second value so the state alone
 * determines the future). */
float vt_rng_normal (VtRng *rng);
/* Uniform integer in [0, n), n > 0. */
uint32_t vt_rng_below (VtRng *rng, uint32_t n);
