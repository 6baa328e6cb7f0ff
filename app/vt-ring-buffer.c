/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-ring-buffer.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct VtRingBuffer
{
  /* Free-running frame counters: index % capacity is the slot. Each side
   * writes only its own counter; the two live on separate cache lines so
   * that the sides do not slow each other down. */
  _Alignas (64) _Atomic uint64_t write_index;
  _Alignas (64) _Atomic uint64_t read_index;
  _Alignas (64) size_t capacity;
  int channels;
  float *samples; /* capacity * channels */
};

VtRingBuffer *
vt_ring_buffer_new (size_t capacity_frames, int channels)
{
  if (capacity_frames == 0 || channels < 1 || channels > 64
      || capacity_frames > SIZE_MAX / sizeof (float) / (size_t) channels)
    return NULL;
  VtRingBuffer *ring = aligned_alloc (64, (sizeof (VtRingBuffer) + 63) / 64 * 64);
  if (ring == NULL)
    return NULL;
  memset (ring, 0, sizeof *ring);
  ring->samples = calloc (capacity_frames * (size_t) channels, sizeof (float));
  if (ring->samples == NULL)
    {
      free (ring);
      return NULL;
    }
  ring->capacity = capacity_frames;
  ring->channels = channels;
  atomic_init (&ring->write_index, 0);
  atomic_init (&ring->read_index, 0);
  return ring;
}

void
vt_ring_buffer_free (VtRingBuffer *ring)
{
  if (ring == NULL)
    return;
  free (ring->samples);
  free (ring);
}

size_t
vt_ring_buffer_get_capacity (const VtRingBuffer *ring)
{
  return ring->capacity;
}

int
vt_ring_buffer_get_channels (const VtRingBuffer *ring)
{
  return ring->channels;
}

size_t
vt_ring_buffer_write_available (VtRingBuffer *ring)
{
  uint64_t w = atomic_load_explicit (&ring->write_index, memory_order_relaxed);
  uint64_t r = atomic_load_explicit (&ring->read_index, memory_order_acquire);
  return ring->capacity - (size_t) (w - r);
}

size_t
vt_ring_buffer_read_available (VtRingBuffer *ring)
{
  uint64_t r = atomic_load_explicit (&ring->read_index, memory_order_relaxed);
  uint64_t w = atomic_load_explicit (&ring->write_index, memory_order_acquire);
  return (size_t) (w - r);
}

/* Copies n frames between the linear buffer and the ring starting at slot,
 * in at most two pieces (before and after the wrap). */
static void
copy_in (VtRingBuffer *ring, size_t slot, const float *frames, size_t n)
{
  size_t ch = (size_t) ring->channels;
  size_t first = ring->capacity - slot < n ? ring->capacity - slot : n;
  memcpy (ring->samples + slot * ch, frames, first * ch * sizeof (float));
  if (n > first)
    memcpy (ring->samples, frames + first * ch, (n - first) * ch * sizeof (float));
}

static void
copy_out (VtRingBuffer *ring, size_t slot, float *out, size_t n)
{
  size_t ch = (size_t) ring->channels;
  size_t first = ring->capacity - slot < n ? ring->capacity - slot : n;
  memcpy (out, ring->samples + slot * ch, first * ch * sizeof (float));
  if (n > first)
    memcpy (out + first * ch, ring->samples, (n - first) * ch * sizeof (float));
}

size_t
vt_ring_buffer_write (VtRingBuffer *ring, const float *frames, size_t n_frames)
{
  uint64_t w = atomic_load_explicit (&ring->write_index, memory_order_relaxed);
  uint64_t r = atomic_load_explicit (&ring->read_index, memory_order_acquire);
  size_t space = ring->capacity - (size_t) (w - r);
  size_t n = n_frames < space ? n_frames : space;
  if (n == 0)
    return 0;
  copy_in (ring, (size_t) (w % ring->capacity), frames, n);
  atomic_store_explicit (&ring->write_index, w + n, memory_order_release);
  return n;
}

size_t
vt_ring_buffer_read (VtRingBuffer *ring, float *out, size_t n_frames)
{
  uint64_t r = atomic_load_explicit (&ring->read_index, memory_order_relaxed);
  uint64_t w = atomic_load_explicit (&ring->write_index, memory_order_acquire);
  size_t ready = (size_t) (w - r);
  size_t n = n_frames < ready ? n_frames : ready;
  if (n == 0)
    return 0;
  copy_out (ring, (size_t) (r % ring->capacity), out, n);
  atomic_store_explicit (&ring->read_index, r + n, memory_order_release);
  return n;
}

uint64_t
vt_ring_buffer_read_index (VtRingBuffer *ring)
{
  return atomic_load_explicit (&ring->read_index, memory_order_relaxed);
}

uint64_t
vt_ring_buffer_write_index (VtRingBuffer *ring)
{
  return atomic_load_explicit (&ring->write_index, memory_order_relaxed);
}

void
vt_ring_buffer_reset (VtRingBuffer *ring)
{
  atomic_store (&ring->write_index, 0);
  atomic_store (&ring->read_index, 0);
  memset (ring->samples, 0, ring->capacity * (size_t) ring->channels * sizeof (float));
}
