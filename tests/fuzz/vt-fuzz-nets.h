/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The small network the weights fuzz target loads into and the seed
 * generator saves from (the same shapes, so seeds reach the value checks).
 * Returns NULL when planning fails; the caller frees the net.
 */
#pragma once

#include "vt-net.h"

static inline VtNet *
vt_fuzz_small_net (uint64_t seed)
{
  VtNet *net = vt_net_new (seed);
  if (net == NULL)
    return NULL;
  VtNode x = vt_net_input (net, "x", (VtShape){ 1, 2, 4, 4 });
  VtNode h = vt_net_conv2d (net, "enc", x,
                            &(VtConv2dConfig){ .out_channels = 2, .kernel_h = 3, .kernel_w = 3 });
  h = vt_net_batch_norm (net, "enc.bn", h);
  vt_net_dense (net, "fc", h, 2);
  if (vt_net_plan (net, NULL) != VT_STATUS_OK)
    {
      vt_net_free (net);
      return NULL;
    }
  return net;
}
