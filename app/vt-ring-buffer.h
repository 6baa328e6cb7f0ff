/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-ring-buffer: a single-producer single-consumer lock-free FIFO of
 * interleaved float frames, for handing audio from the player thread to the
 * PortAudio callback.
 *
 * Ownership: vt_ring_buffer_new() allocates everything once; reading and
 * writing never allocate, lock or block, so the consumer may be a real-time
 * audio callback. vt_ring_buffer_free() frees it.
 *
 * Thread rules: exactly one producer thread calls vt_ring_buffer_write() and
 * vt_ring_buffer_write_available(); exactly one consumer thread calls
 * vt_ring_buffer_read(), vt_ring_buffer_read_available() and
 * vt_ring_buffer_read_index(). Frames are published with release/acquire
 * ordering, so data written before a write is visible to the reader that
 * sees it. vt_ring_buffer_reset() needs both sides stopped.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct VtRingBuffer VtRingBuffer;

/* capacity_frames >= 1, 1 <= channels <= 64; NULL when out of memory or on
 * a bad argument. */
VtRingBuffer *vt_ring_buffer_new (size_t capacity_frames, int channels);
void vt_ring_buffer_free (VtRingBuffer *ring);

size_t vt_ring_buffer_get_capacity (const VtRingBuffer *ring);
int vt_ring_buffer_get_channels (const VtRingBuffer *ring);

/* Producer side: free space in frames, and a write of up to frames frames
 * (frames * channels floats); returns how many were written. */
size_t vt_ring_buffer_write_available (VtRingBuffer *ring);
size_t vt_ring_buffer_write (VtRingBuffer *ring, const float *frames, size_t n_frames);

/* Consumer side: frames ready to read, and a read of up to n_frames frames
 * into out; returns how many were read. */
size_t vt_ring_buffer_read_available (VtRingBuffer *ring);
size_t vt_ring_buffer_read (VtRingBuffer *ring, float *out, size_t n_frames);

/* Consumer side: how many frames were ever read (a free-running counter;
 * the producer's counterpart is the total written). */
uint64_t vt_ring_buffer_read_index (VtRingBuffer *ring);
/* Producer side: how many frames were ever written. */
uint64_t vt_ring_buffer_write_index (VtRingBuffer *ring);

/* Empties the buffer and zeroes both counters. Neither side may be running. */
void vt_ring_buffer_reset (VtRingBuffer *ring);
