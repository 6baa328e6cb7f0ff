/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-weights.h"

#include "vt-half.h"
#include "vt-net-private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char magic[8] = { 'V', 'T', 'N', 'N', 0x89, '\r', '\n', 0x1a };

enum
{
  KIND_WEIGHTS = 1,
  KIND_CHECKPOINT = 2,
};

/* --- CRC ---------------------------------------------------------------------- */

uint32_t
vt_crc32 (const void *data, size_t size)
{
  uint32_t table[256];
  for (uint32_t i = 0; i < 256; i++)
    {
      uint32_t c = i;
      for (int k = 0; k < 8; k++)
        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
  const unsigned char *p = data;
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < size; i++)
    crc = table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

/* --- writing ----------------------------------------------------------------- */

typedef struct
{
  unsigned char *data;
  size_t size, capacity;
  bool failed;
} Writer;

static void
put (Writer *w, const void *bytes, size_t n)
{
  if (w->failed)
    return;
  if (w->size + n > w->capacity)
    {
      size_t capacity = w->capacity ? w->capacity : 4096;
      while (capacity < w->size + n)
        capacity *= 2;
      unsigned char *data = realloc (w->data, capacity);
      if (data == NULL)
        {
          w->failed = true;
          return;
        }
      w->data = data;
      w->capacity = capacity;
    }
  memcpy (w->data + w->size, bytes, n);
  w->size += n;
}

static void
put_u8 (Writer *w, unsigned v)
{
  unsigned char b = (unsigned char) v;
  put (w, &b, 1);
}

static void
put_u16 (Writer *w, unsigned v)
{
  unsigned char b[2] = { (unsigned char) v, (unsigned char) (v >> 8) };
  put (w, b, 2);
}

static void
put_u32 (Writer *w, uint32_t v)
{
  unsigned char b[4];
  for (int i = 0; i < 4; i++)
    b[i] = (unsigned char) (v >> (8 * i));
  put (w, b, 4);
}

static void
put_u64 (Writer *w, uint64_t v)
{
  unsigned char b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char) (v >> (8 * i));
  put (w, b, 8);
}

static void
put_meta (Writer *w, const char *key, uint64_t value)
{
  put_u8 (w, (unsigned) strlen (key));
  put (w, key, strlen (key));
  put_u64 (w, value);
}

static void
put_tensor (Writer *w, const char *prefix, const VtParam *p, const float *values, VtDtype dtype)
{
  char name[VT_PARAM_NAME_SIZE + 16];
  snprintf (name, sizeof name, "%s%s", prefix, p->name);
  put_u16 (w, (unsigned) strlen (name));
  put (w, name, strlen (name));
  put_u8 (w, dtype);
  put_u8 (w, (unsigned) p->n_dims);
  for (int i = 0; i < p->n_dims; i++)
    put_u32 (w, (uint32_t) p->dims[i]);
  for (size_t i = 0; i < p->size && !w->failed; i++)
    if (dtype == VT_DTYPE_F16)
      put_u16 (w, vt_half_from_float (values[i]));
    else
      {
        uint32_t bits;
        memcpy (&bits, &values[i], 4);
        put_u32 (w, bits);
      }
}

static VtStatus
serialise (VtNet *net, int kind, VtDtype dtype, void **data, size_t *size, VtError *error)
{
  if (dtype != VT_DTYPE_F32 && dtype != VT_DTYPE_F16)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "unknown weights dtype %d", dtype);
  Writer w = { 0 };
  int n_tensors = net->n_params;
  if (kind == KIND_CHECKPOINT)
    for (int i = 0; i < net->n_params; i++)
      if (net->params[i].trainable)
        n_tensors += 2;
  put (&w, magic, sizeof magic);
  put_u32 (&w, VT_WEIGHTS_VERSION);
  put_u32 (&w, (uint32_t) kind);
  put_u32 (&w, kind == KIND_CHECKPOINT ? 5 : 0);
  put_u32 (&w, (uint32_t) n_tensors);
  if (kind == KIND_CHECKPOINT)
    {
      put_meta (&w, "step", (uint64_t) net->step);
      for (int i = 0; i < 4; i++)
        {
          char key[8];
          snprintf (key, sizeof key, "rng%d", i);
          put_meta (&w, key, net->rng.state[i]);
        }
    }
  for (int i = 0; i < net->n_params; i++)
    put_tensor (&w, "", &net->params[i], net->params[i].data, dtype);
  if (kind == KIND_CHECKPOINT)
    for (int i = 0; i < net->n_params; i++)
      if (net->params[i].trainable)
        {
          put_tensor (&w, "adam_m:", &net->params[i], net->params[i].adam_m, VT_DTYPE_F32);
          put_tensor (&w, "adam_v:", &net->params[i], net->params[i].adam_v, VT_DTYPE_F32);
        }
  if (!w.failed)
    put_u32 (&w, vt_crc32 (w.data, w.size));
  if (w.failed)
    {
      free (w.data);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory writing the weights");
    }
  *data = w.data;
  *size = w.size;
  return VT_STATUS_OK;
}

static VtStatus
write_file (const char *path, const void *data, size_t size, VtError *error)
{
  size_t length = strlen (path);
  char *temporary = malloc (length + 5);
  if (temporary == NULL)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
  memcpy (temporary, path, length);
  memcpy (temporary + length, ".tmp", 5);
  FILE *file = fopen (temporary, "wb");
  if (file == NULL)
    {
      VtStatus status = vt_error_set (error, VT_STATUS_IO, "%s: cannot create (%s)", temporary,
                                      strerror (errno));
      free (temporary);
      return status;
    }
  bool ok = fwrite (data, 1, size, file) == size;
  ok = (fflush (file) == 0) && ok;
  ok = (fclose (file) == 0) && ok;
  if (!ok || rename (temporary, path) != 0)
    {
      VtStatus status = vt_error_set (error, VT_STATUS_IO, "%s: cannot write (%s)", path,
                                      strerror (errno));
      remove (temporary);
      free (temporary);
      return status;
    }
  free (temporary);
  return VT_STATUS_OK;
}

VtStatus
vt_net_save_weights_to_memory (VtNet *net, VtDtype dtype, void **data, size_t *size,
                               VtError *error)
{
  return serialise (net, KIND_WEIGHTS, dtype, data, size, error);
}

VtStatus
vt_net_save_checkpoint_to_memory (VtNet *net, void **data, size_t *size, VtError *error)
{
  return serialise (net, KIND_CHECKPOINT, VT_DTYPE_F32, data, size, error);
}

static VtStatus
save_file (VtNet *net, const char *path, int kind, VtDtype dtype, VtError *error)
{
  void *data;
  size_t size;
  VtStatus status = serialise (net, kind, dtype, &data, &size, error);
  if (status != VT_STATUS_OK)
    return status;
  status = write_file (path, data, size, error);
  free (data);
  return status;
}

VtStatus
vt_net_save_weights (VtNet *net, const char *path, VtDtype dtype, VtError *error)
{
  return save_file (net, path, KIND_WEIGHTS, dtype, error);
}

VtStatus
vt_net_save_checkpoint (VtNet *net, const char *path, VtError *error)
{
  return save_file (net, path, KIND_CHECKPOINT, VT_DTYPE_F32, error);
}

/* --- reading ----------------------------------------------------------------- */

typedef struct
{
  const unsigned char *data;
  size_t size, offset;
} Reader;

static bool
take (Reader *r, size_t n, const unsigned char **out)
{
  if (n > r->size - r->offset)
    return false;
  *out = r->data + r->offset;
  r->offset += n;
  return true;
}

static uint64_t
le (const unsigned char *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

typedef struct
{
  char name[VT_PARAM_NAME_SIZE + 16];
  int dtype, n_dims;
  uint32_t dims[VT_PARAM_MAX_DIMS];
  size_t count;
  const unsigned char *values;
  bool used;
} Entry;

typedef struct
{
  char key[256];
  uint64_t value;
} Meta;

typedef struct
{
  int kind;
  int n_meta, n_tensors;
  Meta *meta;
  Entry *entries;
} Parsed;

static void
parsed_clear (Parsed *p)
{
  free (p->meta);
  free (p->entries);
}

static VtStatus
truncated (VtError *error, const char *what)
{
  return vt_error_set (error, VT_STATUS_BAD_FORMAT, "the file ends early (truncated) in %s", what);
}

static VtStatus
parse (const void *data, size_t size, Parsed *out, VtError *error)
{
  memset (out, 0, sizeof *out);
  Reader r = { data, size, 0 };
  const unsigned char *p;
  if (size < sizeof magic || memcmp (data, magic, sizeof magic) != 0)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT, "not a Voxtrace weights file (bad magic)");
  r.offset = sizeof magic;
  if (!take (&r, 16, &p))
    return truncated (error, "the header");
  uint32_t version = (uint32_t) le (p, 4);
  uint32_t kind = (uint32_t) le (p + 4, 4);
  uint32_t n_meta = (uint32_t) le (p + 8, 4);
  uint32_t n_tensors = (uint32_t) le (p + 12, 4);
  if (version != VT_WEIGHTS_VERSION)
    return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                         "weights format version %u; this build reads version %d", version,
                         VT_WEIGHTS_VERSION);
  if (kind != KIND_WEIGHTS && kind != KIND_CHECKPOINT)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT, "unknown file kind %u", kind);
  size_t left = size - r.offset;
  /* A meta entry takes at least 9 bytes and a tensor 8: check the claims
   * against the bytes present before allocating for them. */
  if (n_meta > left / 9 || n_tensors > left / 8)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                         "the header claims %u meta entries and %u tensors, more than the %zu "
                         "bytes that follow can hold",
                         n_meta, n_tensors, left);
  out->kind = (int) kind;
  out->meta = calloc (n_meta ? n_meta : 1, sizeof *out->meta);
  out->entries = calloc (n_tensors ? n_tensors : 1, sizeof *out->entries);
  if (out->meta == NULL || out->entries == NULL)
    {
      parsed_clear (out);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory reading the weights");
    }
  VtStatus status = VT_STATUS_OK;
  const char *where = "the meta entries";
  for (uint32_t i = 0; i < n_meta; i++)
    {
      Meta *m = &out->meta[i];
      if (!take (&r, 1, &p))
        goto cut;
      size_t length = p[0];
      if (!take (&r, length, &p))
        goto cut;
      memcpy (m->key, p, length);
      m->key[length] = '\0';
      if (!take (&r, 8, &p))
        goto cut;
      m->value = le (p, 8);
      out->n_meta++;
    }
  where = "the tensors";
  for (uint32_t i = 0; i < n_tensors; i++)
    {
      Entry *e = &out->entries[i];
      if (!take (&r, 2, &p))
        goto cut;
      size_t length = (size_t) le (p, 2);
      if (length == 0 || length >= sizeof e->name)
        {
          status = vt_error_set (error, VT_STATUS_BAD_FORMAT,
                                 "tensor %u has a name of %zu bytes (at most %zu allowed)", i + 1,
                                 length, sizeof e->name - 1);
          goto fail;
        }
      if (!take (&r, length, &p))
        goto cut;
      memcpy (e->name, p, length);
      e->name[length] = '\0';
      if (!take (&r, 2, &p))
        goto cut;
      e->dtype = p[0];
      e->n_dims = p[1];
      if (e->dtype != VT_DTYPE_F32 && e->dtype != VT_DTYPE_F16)
        {
          status = vt_error_set (error, VT_STATUS_BAD_FORMAT, "tensor '%s' has unknown dtype %d",
                                 e->name, e->dtype);
          goto fail;
        }
      if (e->n_dims < 1 || e->n_dims > VT_PARAM_MAX_DIMS)
        {
          status = vt_error_set (error, VT_STATUS_BAD_FORMAT,
                                 "tensor '%s' claims %d dimensions (1 to %d allowed)", e->name,
                                 e->n_dims, VT_PARAM_MAX_DIMS);
          goto fail;
        }
      if (!take (&r, 4 * (size_t) e->n_dims, &p))
        goto cut;
      size_t count = 1;
      size_t limit = (r.size - r.offset) / (e->dtype == VT_DTYPE_F16 ? 2 : 4);
      for (int d = 0; d < e->n_dims; d++)
        {
          e->dims[d] = (uint32_t) le (p + 4 * d, 4);
          if (e->dims[d] == 0)
            {
              status = vt_error_set (error, VT_STATUS_BAD_FORMAT,
                                     "tensor '%s' has an empty dimension", e->name);
              goto fail;
            }
          if (count == SIZE_MAX || count > limit / e->dims[d])
            count = SIZE_MAX;
          else
            count *= e->dims[d];
        }
      if (count == SIZE_MAX || count > limit)
        {
          status = vt_error_set (error, VT_STATUS_BAD_FORMAT,
                                 "tensor '%s' claims more values than the file holds (truncated "
                                 "or damaged)",
                                 e->name);
          goto fail;
        }
      e->count = count;
      take (&r, count * (e->dtype == VT_DTYPE_F16 ? 2 : 4), &e->values);
      for (uint32_t k = 0; k < i; k++)
        if (strcmp (out->entries[k].name, e->name) == 0)
          {
            status = vt_error_set (error, VT_STATUS_BAD_FORMAT, "tensor '%s' appears twice",
                                   e->name);
            goto fail;
          }
      out->n_tensors++;
    }
  where = "the checksum";
  if (r.size - r.offset < 4)
    goto cut;
  if (r.size - r.offset > 4)
    {
      status = vt_error_set (error, VT_STATUS_BAD_FORMAT,
                             "%zu unexpected bytes after the last tensor", r.size - r.offset - 4);
      goto fail;
    }
  uint32_t stored = (uint32_t) le (r.data + r.offset, 4);
  if (stored != vt_crc32 (data, r.offset))
    {
      status = vt_error_set (error, VT_STATUS_BAD_DATA,
                             "checksum mismatch: the file is damaged");
      goto fail;
    }
  return VT_STATUS_OK;

cut:
  status = truncated (error, where);
fail:
  parsed_clear (out);
  memset (out, 0, sizeof *out);
  return status;
}

static float
entry_value (const Entry *e, size_t i)
{
  if (e->dtype == VT_DTYPE_F16)
    return vt_half_to_float ((uint16_t) le (e->values + 2 * i, 2));
  uint32_t bits = (uint32_t) le (e->values + 4 * i, 4);
  float value;
  memcpy (&value, &bits, 4);
  return value;
}

static void
format_dims (char *out, size_t size, int n_dims, const int *dims_int, const uint32_t *dims_u)
{
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < n_dims && used < size; i++)
    used += (size_t) snprintf (out + used, size - used, i ? "x%u" : "%u",
                               dims_int ? (unsigned) dims_int[i] : dims_u[i]);
}

/* Finds and checks the tensor for param (name with prefix). */
static VtStatus
match (Parsed *parsed, const char *prefix, const VtParam *param, Entry **found, VtError *error)
{
  char name[VT_PARAM_NAME_SIZE + 16];
  snprintf (name, sizeof name, "%s%s", prefix, param->name);
  for (int i = 0; i < parsed->n_tensors; i++)
    {
      Entry *e = &parsed->entries[i];
      if (strcmp (e->name, name) != 0)
        continue;
      bool same = e->n_dims == param->n_dims;
      for (int d = 0; same && d < e->n_dims; d++)
        same = e->dims[d] == (uint32_t) param->dims[d];
      if (!same)
        {
          char have[64], want[64];
          format_dims (have, sizeof have, e->n_dims, NULL, e->dims);
          format_dims (want, sizeof want, param->n_dims, param->dims, NULL);
          return vt_error_set (error, VT_STATUS_BAD_DATA,
                               "tensor '%s' has shape %s in the file but the network expects %s",
                               name, have, want);
        }
      for (size_t k = 0; k < e->count; k++)
        if (!isfinite (entry_value (e, k)))
          return vt_error_set (error, VT_STATUS_BAD_DATA,
                               "tensor '%s' holds a value that is not finite (index %zu)", name,
                               k);
      e->used = true;
      *found = e;
      return VT_STATUS_OK;
    }
  return vt_error_set (error, VT_STATUS_BAD_DATA, "the file has no tensor '%s' (the network "
                       "needs it)", name);
}

static void
copy_entry (const Entry *e, float *dst)
{
  for (size_t k = 0; k < e->count; k++)
    dst[k] = entry_value (e, k);
}

static bool
find_meta (const Parsed *parsed, const char *key, uint64_t *value)
{
  for (int i = 0; i < parsed->n_meta; i++)
    if (strcmp (parsed->meta[i].key, key) == 0)
      {
        *value = parsed->meta[i].value;
        return true;
      }
  return false;
}

static VtStatus
load (VtNet *net, const void *data, size_t size, bool checkpoint, VtError *error)
{
  Parsed parsed;
  VtStatus status = parse (data, size, &parsed, error);
  if (status != VT_STATUS_OK)
    return status;
  int n = net->n_params;
  Entry **found = calloc ((size_t) (3 * n + 1), sizeof *found);
  if (found == NULL)
    {
      parsed_clear (&parsed);
      return vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory reading the weights");
    }
  uint64_t step = 0, rng[4] = { 0 };
  if (checkpoint)
    {
      if (parsed.kind != KIND_CHECKPOINT)
        {
          status = vt_error_set (error, VT_STATUS_BAD_DATA,
                                 "this is a weights file, not a training checkpoint");
          goto out;
        }
      bool have = find_meta (&parsed, "step", &step);
      for (int i = 0; i < 4; i++)
        {
          char key[8];
          snprintf (key, sizeof key, "rng%d", i);
          have = find_meta (&parsed, key, &rng[i]) && have;
        }
      if (!have)
        {
          status = vt_error_set (error, VT_STATUS_BAD_DATA,
                                 "the checkpoint lacks its step or random-generator state");
          goto out;
        }
    }
  for (int i = 0; i < n && status == VT_STATUS_OK; i++)
    {
      status = match (&parsed, "", &net->params[i], &found[3 * i], error);
      if (status == VT_STATUS_OK && checkpoint && net->params[i].trainable)
        {
          status = match (&parsed, "adam_m:", &net->params[i], &found[3 * i + 1], error);
          if (status == VT_STATUS_OK)
            status = match (&parsed, "adam_v:", &net->params[i], &found[3 * i + 2], error);
        }
    }
  if (status != VT_STATUS_OK)
    goto out;
  for (int i = 0; i < parsed.n_tensors; i++)
    {
      const Entry *e = &parsed.entries[i];
      bool optimizer = strncmp (e->name, "adam_", 5) == 0 && parsed.kind == KIND_CHECKPOINT;
      if (!e->used && !(optimizer && !checkpoint))
        {
          status = vt_error_set (error, VT_STATUS_BAD_DATA,
                                 "the file has a tensor '%s' that this network does not have "
                                 "(a different model?)",
                                 e->name);
          goto out;
        }
    }
  /* Everything checked: only now change the network. */
  for (int i = 0; i < n; i++)
    {
      VtParam *p = &net->params[i];
      copy_entry (found[3 * i], p->data);
      if (checkpoint && p->trainable)
        {
          copy_entry (found[3 * i + 1], p->adam_m);
          copy_entry (found[3 * i + 2], p->adam_v);
          memset (p->grad, 0, p->size * sizeof (float));
        }
    }
  if (checkpoint)
    {
      net->step = (int64_t) step;
      for (int i = 0; i < 4; i++)
        net->rng.state[i] = rng[i];
    }
out:
  free (found);
  parsed_clear (&parsed);
  return status;
}

VtStatus
vt_net_load_weights_from_memory (VtNet *net, const void *data, size_t size, VtError *error)
{
  return load (net, data, size, false, error);
}

VtStatus
vt_net_load_checkpoint_from_memory (VtNet *net, const void *data, size_t size, VtError *error)
{
  return load (net, data, size, true, error);
}

static VtStatus
load_file (VtNet *net, const char *path, bool checkpoint, VtError *error)
{
  FILE *file = fopen (path, "rb");
  if (file == NULL)
    return vt_error_set (error, errno == ENOENT ? VT_STATUS_NOT_FOUND : VT_STATUS_IO,
                         "%s: cannot open (%s)", path, strerror (errno));
  VtStatus status = VT_STATUS_OK;
  unsigned char *data = NULL;
  long length = -1;
  if (fseek (file, 0, SEEK_END) == 0)
    length = ftell (file);
  if (length < 0 || fseek (file, 0, SEEK_SET) != 0)
    {
      status = vt_error_set (error, VT_STATUS_IO, "%s: cannot read (%s)", path, strerror (errno));
      goto out;
    }
  data = malloc (length > 0 ? (size_t) length : 1);
  if (data == NULL)
    {
      status = vt_error_set (error, VT_STATUS_NO_MEMORY, "%s: out of memory (%ld bytes)", path,
                             length);
      goto out;
    }
  if (fread (data, 1, (size_t) length, file) != (size_t) length)
    {
      status = vt_error_set (error, VT_STATUS_IO, "%s: cannot read", path);
      goto out;
    }
  status = load (net, data, (size_t) length, checkpoint, error);
  if (status != VT_STATUS_OK)
    vt_error_prefix (error, "%s", path);
out:
  free (data);
  fclose (file);
  return status;
}

VtStatus
vt_net_load_weights (VtNet *net, const char *path, VtError *error)
{
  return load_file (net, path, false, error);
}

VtStatus
vt_net_load_checkpoint (VtNet *net, const char *path, VtError *error)
{
  return load_file (net, path, true, error);
}
