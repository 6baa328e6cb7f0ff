/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: weights and checkpoint files, loaded from memory into a
 * small network (the loader checks every header field against the bytes
 * present before it allocates). Built only with -Dfuzzing=true.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vt-fuzz-nets.h"
#include "vt-weights.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static VtNet *net;
  if (net == NULL)
    {
      net = vt_fuzz_small_net (1);
      if (net == NULL)
        abort ();
    }
  VtError error = { 0 };
  vt_net_load_weights_from_memory (net, data, size, &error);
  vt_net_load_checkpoint_from_memory (net, data, size, &error);
  return 0;
}
