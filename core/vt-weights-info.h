/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-weights-info: reads which tensors a weights file (vt-weights format)
 * holds and their shapes, without a network, so that a loader can build the
 * network the file was trained with (hidden units, layers, filters) before
 * the strict load checks every tensor. Only the header entries are read;
 * the values and the checksum are left to vt_net_load_weights.
 *
 * Ownership: VtWeightsInfo is caller-owned (init/clear). Reentrant.
 */
#pragma once

#include <stddef.h>

#include "vt-status.h"
#include "vt-tensor.h"

typedef struct
{
  char name[VT_PARAM_NAME_SIZE];
  int n_dims;
  int dims[VT_PARAM_MAX_DIMS];
} VtTensorInfo;

typedef struct
{
  VtTensorInfo *tensors;
  int n_tensors;
} VtWeightsInfo;

void vt_weights_info_init (VtWeightsInfo *info);
void vt_weights_info_clear (VtWeightsInfo *info);
VtStatus vt_weights_info_read_memory (VtWeightsInfo *info, const void *data, size_t size,
                                      VtError *error);
/* The tensor of that name, or NULL. */
const VtTensorInfo *vt_weights_info_find (const VtWeightsInfo *info, const char *name);

/* Reads a whole file into memory (malloc'd), for the loaders. */
VtStatus vt_file_read_all (const char *path, void **data, size_t *size, VtError *error);
