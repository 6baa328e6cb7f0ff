/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-weights: weights files and training checkpoints of a VtNet.
 *
 * Format (little-endian), version 1:
 *   magic     8 bytes  "VTNN" 0x89 '\r' '\n' 0x1a
 *   version   u32      1
 *   kind      u32      1 = weights, 2 = checkpoint
 *   n_meta    u32
 *   n_tensors u32
 *   n_meta entries:    u8 key length, key, u64 value
 *   n_tensors entries: u16 name length, name, u8 dtype (1 = f32, 2 = f16),
 *                      u8 n_dims (1..4), u32 dims[n_dims], the values
 *                      (row-major)
 *   crc32     u32      CRC-32 (IEEE) of every byte before it
 * A weights file holds every parameter and buffer under its VtParam name.
 * A checkpoint also holds Adam's moments ("adam_m:" / "adam_v:" + name),
 * always f32, and meta entries "step" and "rng0".."rng3", so that training
 * resumed from it continues bit-identically.
 *
 * Loading is strict and all-or-nothing: the file must have exactly the
 * network's tensors with the same shapes and finite values, or nothing is
 * changed and the error names the first tensor that is missing, extra,
 * mis-shaped or damaged. Sizes claimed by the header are checked against
 * the bytes actually present before anything is allocated.
 *
 * Saving writes "<path>.tmp" and renames it over path, so a crash never
 * leaves a half-written file. Memory returned by *_to_memory is the
 * caller's (free()). Same thread rules as the VtNet.
 */
#pragma once

#include "vt-net.h"

typedef enum
{
  VT_DTYPE_F32 = 1,
  VT_DTYPE_F16 = 2,
} VtDtype;

#define VT_WEIGHTS_VERSION 1

VtStatus vt_net_save_weights (VtNet *net, const char *path, VtDtype dtype, VtError *error);
VtStatus vt_net_save_weights_to_memory (VtNet *net, VtDtype dtype, void **data, size_t *size,
                                        VtError *error);
VtStatus vt_net_load_weights (VtNet *net, const char *path, VtError *error);
VtStatus vt_net_load_weights_from_memory (VtNet *net, const void *data, size_t size,
                                          VtError *error);

VtStatus vt_net_save_checkpoint (VtNet *net, const char *path, VtError *error);
VtStatus vt_net_save_checkpoint_to_memory (VtNet *net, void **data, size_t *size,
                                           VtError *error);
VtStatus vt_net_load_checkpoint (VtNet *net, const char *path, VtError *error);
VtStatus vt_net_load_checkpoint_from_memory (VtNet *net, const void *data, size_t size,
                                             VtError *error);

/* CRC-32 (IEEE), as in zlib; exposed for tests. */
uint32_t vt_crc32 (const void *data, size_t size);
