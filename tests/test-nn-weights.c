/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/nn: weights files round-trip (f32 exactly, f16 closely, from a file
 * or memory) and damaged, truncated, wrong-version, wrong-shape, wrong-model
 * or absurd files are refused with a message naming the problem, leaving
 * the network unchanged. */
#include <math.h>
#include <string.h>

#include "vt-half.h"
#include "vt-net.h"
#include "vt-weights.h"
#include "vt-test-util.h"

static VtNet *
small_net (uint64_t seed, int channels)
{
  VtNet *net = vt_net_new (seed);
  VtNode x = vt_net_input (net, "x", (VtShape) { 1, 2, 8, 8 });
  VtNode h = vt_net_conv2d (net, "enc", x, &(VtConv2dConfig) { .out_channels = channels,
                                                               .kernel_h = 3, .kernel_w = 3 });
  h = vt_net_batch_norm (net, "enc.bn", h);
  vt_net_dense (net, "fc", h, 3);
  g_assert_cmpint (vt_net_plan (net, NULL), ==, VT_STATUS_OK);
  /* running statistics are saved too: make them non-trivial */
  VtParam *mean = vt_net_find_param (net, "enc.bn.running_mean");
  for (size_t i = 0; i < mean->size; i++)
    mean->data[i] = 0.25f * (float) (i + seed);
  return net;
}

static gboolean
same_weights (VtNet *a, VtNet *b, float tolerance)
{
  for (int i = 0; i < vt_net_get_n_params (a); i++)
    {
      VtParam *p = vt_net_get_param (a, i), *q = vt_net_get_param (b, i);
      for (size_t k = 0; k < p->size; k++)
        if (!(fabsf (p->data[k] - q->data[k]) <= tolerance * fabsf (p->data[k])))
          return FALSE;
    }
  return TRUE;
}

static void
test_round_trip (void)
{
  char *dir = vt_test_scratch_new ();
  char *path = g_build_filename (dir, "w.vtnn", NULL);
  VtNet *a = small_net (1, 4), *b = small_net (2, 4);
  VtError error = { 0 };
  g_assert_false (same_weights (a, b, 0));
  g_assert_cmpint (vt_net_save_weights (a, path, VT_DTYPE_F32, &error), ==, VT_STATUS_OK);
  g_autofree char *tmp_path = g_strconcat (path, ".tmp", NULL);
  g_assert_false (g_file_test (tmp_path, G_FILE_TEST_EXISTS));
  if (vt_net_load_weights (b, path, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  g_assert_true (same_weights (a, b, 0));
  /* f16: half the size, within half precision */
  void *data;
  size_t size32, size16;
  g_assert_cmpint (vt_net_save_weights_to_memory (a, VT_DTYPE_F32, &data, &size32, NULL), ==,
                   VT_STATUS_OK);
  free (data);
  g_assert_cmpint (vt_net_save_weights_to_memory (a, VT_DTYPE_F16, &data, &size16, NULL), ==,
                   VT_STATUS_OK);
  g_assert_cmpuint (size16, <, size32 * 6 / 10);
  VtNet *c = small_net (3, 4);
  g_assert_cmpint (vt_net_load_weights_from_memory (c, data, size16, &error), ==, VT_STATUS_OK);
  g_assert_false (same_weights (a, c, 0));
  g_assert_true (same_weights (a, c, 1.0f / 1024));
  free (data);
  vt_net_free (a);
  vt_net_free (b);
  vt_net_free (c);
  g_free (path);
  vt_test_scratch_free (dir);
}

static void
test_half (void)
{
  g_assert_cmphex (vt_half_from_float (1.0f), ==, 0x3c00);
  g_assert_cmphex (vt_half_from_float (-2.0f), ==, 0xc000);
  g_assert_cmphex (vt_half_from_float (65504.0f), ==, 0x7bff);
  g_assert_cmphex (vt_half_from_float (1e6f), ==, 0x7c00);
  g_assert_cmphex (vt_half_from_float (5.960464477539063e-08f), ==, 0x0001);
  g_assert_cmpfloat (vt_half_to_float (0x0001), ==, 5.960464477539063e-08f);
  g_assert_cmpfloat (vt_half_to_float (0x3555), ==, 0.333251953125f);
  for (uint32_t h = 0; h < 0x7c00; h++)
    g_assert_cmphex (vt_half_from_float (vt_half_to_float ((uint16_t) h)), ==, h);
  g_assert_cmphex (vt_crc32 ("123456789", 9), ==, 0xcbf43926);
}

/* Expects loading to fail with a message containing needle, and the
 * network to be unchanged. */
static void
expect_refused (const void *data, size_t size, const char *needle)
{
  VtNet *net = small_net (7, 4), *reference = small_net (7, 4);
  VtError error = { 0 };
  VtStatus status = vt_net_load_weights_from_memory (net, data, size, &error);
  g_test_message ("refused: %s", error.message);
  g_assert_cmpint (status, !=, VT_STATUS_OK);
  if (strstr (error.message, needle) == NULL)
    g_error ("message '%s' lacks '%s'", error.message, needle);
  g_assert_true (same_weights (net, reference, 0));
  vt_net_free (net);
  vt_net_free (reference);
}

static void
put_u32 (unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char) (v >> (8 * i));
}

static void
fix_crc (unsigned char *data, size_t size)
{
  put_u32 (data + size - 4, vt_crc32 (data, size - 4));
}

static void
test_refused (void)
{
  VtNet *net = small_net (1, 4);
  unsigned char *good;
  size_t size;
  g_assert_cmpint (vt_net_save_weights_to_memory (net, VT_DTYPE_F32, (void **) &good, &size,
                                                  NULL), ==, VT_STATUS_OK);
  unsigned char *bad = g_memdup2 (good, size);

  /* not ours */
  expect_refused ("RIFF....WAVEfmt ", 16, "bad magic");
  expect_refused (good, 5, "bad magic");
  /* truncated anywhere */
  expect_refused (good, 20, "truncated");
  expect_refused (good, size / 2, "truncated");
  expect_refused (good, size - 2, "truncated");
  /* one flipped bit in a value */
  memcpy (bad, good, size);
  bad[size - 40] ^= 0x10;
  expect_refused (bad, size, "checksum");
  /* a newer version */
  memcpy (bad, good, size);
  put_u32 (bad + 8, 7);
  fix_crc (bad, size);
  expect_refused (bad, size, "version 7");
  /* a header claiming a billion tensors must not allocate for them */
  memcpy (bad, good, size);
  put_u32 (bad + 20, 1000000000u);
  fix_crc (bad, size);
  expect_refused (bad, size, "claims");
  /* a tensor claiming absurd dimensions */
  memcpy (bad, good, size);
  size_t name_at = 24; /* first tensor: u16 length, name, dtype, n_dims, dims */
  size_t length = bad[name_at] | (bad[name_at + 1] << 8);
  put_u32 (bad + name_at + 2 + length + 2, 0x7fffffffu);
  fix_crc (bad, size);
  expect_refused (bad, size, "more values than the file holds");
  /* trailing junk */
  unsigned char *longer = g_malloc (size + 3);
  memcpy (longer, good, size - 4);
  memset (longer + size - 4, 0, 3);
  fix_crc (longer, size + 3);
  expect_refused (longer, size + 3, "unexpected bytes");
  g_free (longer);
  g_free (bad);

  /* a network with other shapes: the tensor and both shapes are named */
  VtNet *wider = small_net (1, 6);
  unsigned char *other;
  size_t other_size;
  vt_net_save_weights_to_memory (wider, VT_DTYPE_F32, (void **) &other, &other_size, NULL);
  expect_refused (other, other_size, "'enc.weight' has shape 6x2x3x3 in the file but the "
                                     "network expects 4x2x3x3");
  free (other);
  vt_net_free (wider);
  /* another model: missing and extra tensors are named */
  VtNet *model = vt_net_new (1);
  VtNode x = vt_net_input (model, "x", (VtShape) { 1, 2, 8, 8 });
  vt_net_conv2d (model, "enc", x, &(VtConv2dConfig) { .out_channels = 4, .kernel_h = 3,
                                                      .kernel_w = 3 });
  vt_net_save_weights_to_memory (model, VT_DTYPE_F32, (void **) &other, &other_size, NULL);
  expect_refused (other, other_size, "no tensor 'enc.bn.weight'");
  free (other);
  vt_net_free (model);
  /* non-finite values */
  VtNet *nan_net = small_net (1, 4);
  vt_net_find_param (nan_net, "fc.bias")->data[1] = NAN;
  vt_net_save_weights_to_memory (nan_net, VT_DTYPE_F16, (void **) &other, &other_size, NULL);
  expect_refused (other, other_size, "'fc.bias' holds a value that is not finite");
  free (other);
  vt_net_free (nan_net);
  /* a missing file */
  VtError error = { 0 };
  g_assert_cmpint (vt_net_load_weights (net, "/nonexistent/w.vtnn", &error), ==,
                   VT_STATUS_NOT_FOUND);
  g_assert_nonnull (strstr (error.message, "/nonexistent/w.vtnn"));
  free (good);
  vt_net_free (net);
}

static void
test_extra_tensor (void)
{
  VtNet *bigger = small_net (1, 4);
  VtNode x = vt_net_input (bigger, "y", (VtShape) { 1, 1, 2, 2 });
  vt_net_dense (bigger, "extra", x, 2);
  void *data;
  size_t size;
  vt_net_save_weights_to_memory (bigger, VT_DTYPE_F32, &data, &size, NULL);
  expect_refused (data, size, "tensor 'extra.weight' that this network does not have");
  free (data);
  vt_net_free (bigger);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/weights/round-trip", test_round_trip);
  g_test_add_func ("/nn/weights/half-and-crc", test_half);
  g_test_add_func ("/nn/weights/refused", test_refused);
  g_test_add_func ("/nn/weights/extra-tensor", test_extra_tensor);
  return g_test_run ();
}
