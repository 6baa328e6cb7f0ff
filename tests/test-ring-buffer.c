/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The player's lock-free ring buffer: exact counts and wrap-around on one
 * thread, then a producer and a consumer thread moving millions of frames
 * of a known sequence in random-sized pieces (order kept, nothing lost).
 */
#include <glib.h>

#include "vt-ring-buffer.h"

static void
test_wrap_around (void)
{
  VtRingBuffer *ring = vt_ring_buffer_new (5, 2);
  g_assert_nonnull (ring);
  g_assert_cmpuint (vt_ring_buffer_write_available (ring), ==, 5);
  g_assert_cmpuint (vt_ring_buffer_read_available (ring), ==, 0);

  float in[16], out[16];
  for (int i = 0; i < 16; i++)
    in[i] = (float) i;
  float scratch[16];
  g_assert_cmpuint (vt_ring_buffer_read (ring, scratch, 3), ==, 0);

  /* 3 in, 2 out, then 4 in: only 4 fit, and they straddle the end. */
  g_assert_cmpuint (vt_ring_buffer_write (ring, in, 3), ==, 3);
  g_assert_cmpuint (vt_ring_buffer_read (ring, out, 2), ==, 2);
  g_assert_cmpfloat (out[0], ==, 0.0f);
  g_assert_cmpfloat (out[3], ==, 3.0f);
  g_assert_cmpuint (vt_ring_buffer_write_available (ring), ==, 4);
  g_assert_cmpuint (vt_ring_buffer_write (ring, in + 6, 6), ==, 4);
  g_assert_cmpuint (vt_ring_buffer_write_available (ring), ==, 0);
  g_assert_cmpuint (vt_ring_buffer_write (ring, in, 1), ==, 0);
  g_assert_cmpuint (vt_ring_buffer_read_available (ring), ==, 5);

  /* Frame 2 of the first write, then frames 3..6 of the input (0-based
   * frame numbers of in: 3, 4, 5, 6). */
  g_assert_cmpuint (vt_ring_buffer_read (ring, out, 8), ==, 5);
  g_assert_cmpfloat (out[0], ==, 4.0f);
  g_assert_cmpfloat (out[1], ==, 5.0f);
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (out[2 + i], ==, (float) (6 + i));
  g_assert_cmpuint (vt_ring_buffer_read_index (ring), ==, 7);
  g_assert_cmpuint (vt_ring_buffer_write_index (ring), ==, 7);

  vt_ring_buffer_reset (ring);
  g_assert_cmpuint (vt_ring_buffer_read_available (ring), ==, 0);
  g_assert_cmpuint (vt_ring_buffer_write_available (ring), ==, 5);
  vt_ring_buffer_free (ring);
}

static void
test_bad_arguments (void)
{
  g_assert_null (vt_ring_buffer_new (0, 2));
  g_assert_null (vt_ring_buffer_new (16, 0));
  g_assert_null (vt_ring_buffer_new (16, 65));
  g_assert_null (vt_ring_buffer_new (SIZE_MAX / 2, 8));
}

#define TOTAL_FRAMES 6000000u
#define CHANNELS 3

/* Frame i carries i split into 16-bit halves (exact in float) and a check. */
static void
frame_of (uint32_t i, float *frame)
{
  frame[0] = (float) (i & 0xffffu);
  frame[1] = (float) (i >> 16);
  frame[2] = (float) (i % 7u) - 3.0f;
}

typedef struct
{
  VtRingBuffer *ring;
  guint32 seed;
} ThreadData;

static gpointer
producer (gpointer data)
{
  ThreadData *td = data;
  GRand *rand = g_rand_new_with_seed (td->seed);
  float block[700 * CHANNELS];
  uint32_t next = 0;
  while (next < TOTAL_FRAMES)
    {
      uint32_t n = (uint32_t) g_rand_int_range (rand, 1, 700);
      if (n > TOTAL_FRAMES - next)
        n = TOTAL_FRAMES - next;
      for (uint32_t k = 0; k < n; k++)
        frame_of (next + k, block + k * CHANNELS);
      uint32_t done = 0;
      while (done < n)
        {
          size_t w = vt_ring_buffer_write (td->ring, block + done * CHANNELS, n - done);
          done += (uint32_t) w;
          if (w == 0)
            g_thread_yield ();
        }
      next += n;
    }
  g_rand_free (rand);
  return NULL;
}

static void
test_threads (void)
{
  /* A capacity that is not a power of two, smaller than the largest piece. */
  VtRingBuffer *ring = vt_ring_buffer_new (613, CHANNELS);
  g_assert_nonnull (ring);
  ThreadData td = { ring, 1234 };
  GThread *thread = g_thread_new ("producer", producer, &td);

  GRand *rand = g_rand_new_with_seed (99);
  float block[900 * CHANNELS];
  float expected[CHANNELS];
  uint32_t next = 0;
  guint64 wrong = 0;
  while (next < TOTAL_FRAMES)
    {
      size_t n = vt_ring_buffer_read (ring, block, (size_t) g_rand_int_range (rand, 1, 900));
      if (n == 0)
        {
          g_thread_yield ();
          continue;
        }
      for (size_t k = 0; k < n; k++)
        {
          frame_of (next + (uint32_t) k, expected);
          for (int c = 0; c < CHANNELS; c++)
            wrong += block[k * CHANNELS + c] != expected[c];
        }
      next += (uint32_t) n;
      g_assert_cmpuint (next, <=, TOTAL_FRAMES);
    }
  g_thread_join (thread);
  g_assert_cmpuint (wrong, ==, 0);
  g_assert_cmpuint (next, ==, TOTAL_FRAMES);
  g_assert_cmpuint (vt_ring_buffer_read_available (ring), ==, 0);
  g_assert_cmpuint (vt_ring_buffer_read_index (ring), ==, TOTAL_FRAMES);
  g_rand_free (rand);
  vt_ring_buffer_free (ring);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ring-buffer/wrap-around", test_wrap_around);
  g_test_add_func ("/ring-buffer/bad-arguments", test_bad_arguments);
  g_test_add_func ("/ring-buffer/threads", test_threads);
  return g_test_run ();
}
