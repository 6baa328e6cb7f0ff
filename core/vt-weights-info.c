/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-weights-info.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char magic[8] = { 'V', 'T', 'N', 'N', 0x89, '\r', '\n', 0x1a };

void
vt_weights_info_init (VtWeightsInfo *info)
{
  memset (info, 0, sizeof *info);
}

void
vt_weights_info_clear (VtWeightsInfo *info)
{
  free (info->tensors);
  vt_weights_info_init (info);
}

static uint64_t
le (const unsigned char *p, int bytes)
{
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

VtStatus
vt_weights_info_read_memory (VtWeightsInfo *info, const void *data, size_t size,
                             VtError *error)
{
  vt_weights_info_clear (info);
  const unsigned char *bytes = data;
  if (size < 24 || memcmp (bytes, magic, sizeof magic) != 0)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT, "not a Voxtrace weights file (bad magic)");
  size_t at = 8;
  uint32_t n_meta = (uint32_t) le (bytes + at + 8, 4);
  uint32_t n_tensors = (uint32_t) le (bytes + at + 12, 4);
  at += 16;
  if (n_tensors > size / 8)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT, "implausible tensor count %u", n_tensors);
  for (uint32_t i = 0; i < n_meta; i++)
    {
      if (at + 1 > size || at + 1 + bytes[at] + 8 > size)
        return vt_error_set (error, VT_STATUS_BAD_FORMAT, "the file ends early (truncated)");
      at += 1 + bytes[at] + 8;
    }
  info->tensors = calloc (n_tensors ? n_tensors : 1, sizeof (VtTensorInfo));
  if (info->tensors == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  for (uint32_t i = 0; i < n_tensors; i++)
    {
      if (at + 2 > size)
        goto cut;
      size_t length = (size_t) le (bytes + at, 2);
      at += 2;
      if (at + length + 2 > size)
        goto cut;
      VtTensorInfo *t = &info->tensors[i];
      size_t copy = length < sizeof t->name - 1 ? length : sizeof t->name - 1;
      memcpy (t->name, bytes + at, copy);
      at += length;
      int dtype = bytes[at];
      int n_dims = bytes[at + 1];
      at += 2;
      if ((dtype != 1 && dtype != 2) || n_dims < 1 || n_dims > VT_PARAM_MAX_DIMS
          || at + 4 * (size_t) n_dims > size)
        goto cut;
      size_t count = 1;
      t->n_dims = n_dims;
      for (int d = 0; d < n_dims; d++, at += 4)
        {
          t->dims[d] = (int) le (bytes + at, 4);
          count *= (size_t) t->dims[d];
        }
      size_t value_bytes = count * (dtype == 1 ? 4 : 2);
      if (count > size || at + value_bytes > size)
        goto cut;
      at += value_bytes;
      info->n_tensors++;
    }
  return VT_STATUS_OK;
cut:
  vt_weights_info_clear (info);
  return vt_error_set (error, VT_STATUS_BAD_FORMAT, "damaged or truncated weights file");
}

const VtTensorInfo *
vt_weights_info_find (const VtWeightsInfo *info, const char *name)
{
  for (int i = 0; i < info->n_tensors; i++)
    if (strcmp (info->tensors[i].name, name) == 0)
      return &info->tensors[i];
  return NULL;
}

VtStatus
vt_file_read_all (const char *path, void **data, size_t *size, VtError *error)
{
  *data = NULL;
  *size = 0;
  FILE *file = fopen (path, "rb");
  if (file == NULL)
    return vt_error_set (error, VT_STATUS_IO, "%s: %s", path, strerror (errno));
  long length = -1;
  if (fseek (file, 0, SEEK_END) == 0)
    length = ftell (file);
  if (length < 0 || fseek (file, 0, SEEK_SET) != 0)
    {
      fclose (file);
      return vt_error_set (error, VT_STATUS_IO, "%s: cannot read", path);
    }
  void *buffer = malloc ((size_t) length + 1);
  if (buffer == NULL)
    {
      fclose (file);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory reading %s", path);
    }
  size_t got = fread (buffer, 1, (size_t) length, file);
  fclose (file);
  if (got != (size_t) length)
    {
      free (buffer);
      return vt_error_set (error, VT_STATUS_IO, "%s: short read", path);
    }
  *data = buffer;
  *size = got;
  return VT_STATUS_OK;
}
