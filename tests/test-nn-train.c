/* SPDX-License-Identifier: GPL-3.0-or-later
 * core/nn: training works (a toy task to near-zero loss), is deterministic,
 * resumes bit-identically from a checkpoint; freezing, snapshots, schedules,
 * the U-Net builder. */
#include <math.h>
#include <string.h>

#include "vt-net.h"
#include "vt-optim.h"
#include "vt-unet.h"
#include "vt-weights.h"
#include "vt-test-util.h"

/* Toy task: a 1-channel 8x8 "spectrogram" with a bright row at a random
 * height; the net must output a mask that is 1 on that row and 0 elsewhere
 * (a conv-BN-leaky-transposed-conv-sigmoid with a skip: a tiny U-Net). */
typedef struct
{
  VtNet *net;
  VtNode x, target, y, loss;
} Toy;

static void
toy_build (Toy *toy, uint64_t seed)
{
  toy->net = vt_net_new (seed);
  VtNet *net = toy->net;
  toy->x = vt_net_input (net, "x", (VtShape) { 4, 1, 8, 8 });
  toy->target = vt_net_input (net, "target", (VtShape) { 4, 1, 8, 8 });
  VtUnetConfig config = vt_unet_config_default ();
  config.depth = 2;
  config.base_channels = 8;
  config.dropout = 0.1f;
  config.dropout_layers = 1;
  VtUnet unet;
  VtError error = { 0 };
  if (vt_unet_build (net, "toy", toy->x, &config, &unet, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  toy->y = unet.output;
  toy->loss = vt_net_l1_loss (net, toy->y, toy->target, VT_NODE_NONE);
  g_assert_cmpint (vt_net_plan (net, &error), ==, VT_STATUS_OK);
}

static void
toy_batch (Toy *toy, VtRng *data_rng)
{
  float *x = vt_net_get_value (toy->net, toy->x);
  float *t = vt_net_get_value (toy->net, toy->target);
  for (int n = 0; n < 4; n++)
    {
      int row = (int) vt_rng_below (data_rng, 8);
      for (int i = 0; i < 64; i++)
        {
          x[n * 64 + i] = 0.3f * vt_rng_uniform (data_rng);
          t[n * 64 + i] = 0.0f;
        }
      for (int j = 0; j < 8; j++)
        {
          x[n * 64 + row * 8 + j] += 1.0f;
          t[n * 64 + row * 8 + j] = 1.0f;
        }
    }
}

static double
toy_train (Toy *toy, VtRng *data_rng, int steps)
{
  VtAdamConfig adam = { .clip_norm = 5.0f };
  VtLrSchedule schedule = { .kind = VT_LR_COSINE, .base_lr = 0.01f, .warmup_steps = 10,
                            .total_steps = 600, .min_lr = 0.001f };
  double loss = 0;
  for (int i = 0; i < steps; i++)
    {
      toy_batch (toy, data_rng);
      g_assert_cmpint (vt_net_forward (toy->net, NULL), ==, VT_STATUS_OK);
      loss = vt_net_get_loss (toy->net, toy->loss);
      g_assert_cmpint (vt_net_backward (toy->net, NULL), ==, VT_STATUS_OK);
      float lr = vt_lr_schedule_at (&schedule, vt_net_get_step (toy->net));
      g_assert_cmpint (vt_adam_step (toy->net, &adam, lr, NULL, NULL), ==, VT_STATUS_OK);
    }
  return loss;
}

static double
toy_eval (Toy *toy, VtRng *data_rng)
{
  vt_net_set_training (toy->net, FALSE);
  double sum = 0;
  for (int i = 0; i < 10; i++)
    {
      toy_batch (toy, data_rng);
      vt_net_forward (toy->net, NULL);
      sum += vt_net_get_loss (toy->net, toy->loss);
    }
  vt_net_set_training (toy->net, TRUE);
  return sum / 10;
}

static void
test_toy_learns (void)
{
  Toy toy;
  toy_build (&toy, 1);
  VtRng data;
  vt_rng_init (&data, 77);
  double before = toy_eval (&toy, &data);
  toy_train (&toy, &data, 600);
  double after = toy_eval (&toy, &data);
  g_test_message ("toy L1 loss: %.4f before, %.4f after 600 steps", before, after);
  g_assert_cmpfloat (before, >, 0.3);
  g_assert_cmpfloat (after, <, 0.02);
  vt_net_free (toy.net);
}

static gboolean
same_weights (VtNet *a, VtNet *b)
{
  g_assert_cmpint (vt_net_get_n_params (a), ==, vt_net_get_n_params (b));
  for (int i = 0; i < vt_net_get_n_params (a); i++)
    {
      VtParam *p = vt_net_get_param (a, i), *q = vt_net_get_param (b, i);
      if (memcmp (p->data, q->data, p->size * sizeof (float)) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
test_deterministic (void)
{
  Toy a, b, c;
  toy_build (&a, 5);
  toy_build (&b, 5);
  toy_build (&c, 6);
  VtRng da, db, dc;
  vt_rng_init (&da, 1);
  vt_rng_init (&db, 1);
  vt_rng_init (&dc, 1);
  toy_train (&a, &da, 30);
  toy_train (&b, &db, 30);
  toy_train (&c, &dc, 30);
  g_assert_true (same_weights (a.net, b.net));
  g_assert_false (same_weights (a.net, c.net));
  vt_net_free (a.net);
  vt_net_free (b.net);
  vt_net_free (c.net);
}

static void
test_checkpoint_resume (void)
{
  char *dir = vt_test_scratch_new ();
  char *path = g_build_filename (dir, "toy.ckpt", NULL);
  /* uninterrupted: 60 steps */
  Toy straight;
  toy_build (&straight, 9);
  VtRng data;
  vt_rng_init (&data, 3);
  toy_train (&straight, &data, 60);
  /* interrupted at 25: save, throw away, rebuild with another seed, load */
  Toy first;
  toy_build (&first, 9);
  VtRng data2;
  vt_rng_init (&data2, 3);
  toy_train (&first, &data2, 25);
  VtError error = { 0 };
  g_assert_cmpint (vt_net_save_checkpoint (first.net, path, &error), ==, VT_STATUS_OK);
  toy_train (&first, &data2, 5); /* work after the save that must not leak */
  vt_net_free (first.net);
  Toy resumed;
  toy_build (&resumed, 1234);
  g_assert_false (same_weights (resumed.net, straight.net));
  if (vt_net_load_checkpoint (resumed.net, path, &error) != VT_STATUS_OK)
    g_error ("%s", error.message);
  g_assert_cmpint (vt_net_get_step (resumed.net), ==, 25);
  VtRng data3;
  vt_rng_init (&data3, 3);
  /* the data stream is the caller's: replay it to step 25 */
  {
    Toy scratch;
    toy_build (&scratch, 9);
    for (int i = 0; i < 25; i++)
      toy_batch (&scratch, &data3);
    vt_net_free (scratch.net);
  }
  toy_train (&resumed, &data3, 35);
  g_assert_true (same_weights (resumed.net, straight.net));
  for (int i = 0; i < vt_net_get_n_params (resumed.net); i++)
    {
      VtParam *p = vt_net_get_param (resumed.net, i), *q = vt_net_get_param (straight.net, i);
      if (p->trainable)
        g_assert_true (memcmp (p->adam_v, q->adam_v, p->size * sizeof (float)) == 0);
    }
  /* a weights file is not a checkpoint */
  g_assert_cmpint (vt_net_save_weights (resumed.net, path, VT_DTYPE_F32, NULL), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_net_load_checkpoint (resumed.net, path, &error), ==, VT_STATUS_BAD_DATA);
  g_test_message ("%s", error.message);
  g_assert_nonnull (strstr (error.message, "not a training checkpoint"));
  vt_net_free (resumed.net);
  vt_net_free (straight.net);
  g_free (path);
  vt_test_scratch_free (dir);
}

static void
test_freeze_and_snapshot (void)
{
  Toy toy;
  toy_build (&toy, 2);
  VtRng data;
  vt_rng_init (&data, 4);
  VtNetSnapshot *shipped = vt_net_snapshot_new (toy.net, NULL);
  g_assert_nonnull (shipped);
  g_assert_cmpint (vt_net_set_frozen (toy.net, "toy.enc", TRUE), ==, 8);
  VtParam *enc = vt_net_find_param (toy.net, "toy.enc1.conv.weight");
  VtParam *dec = vt_net_find_param (toy.net, "toy.dec1.deconv.weight");
  g_assert_nonnull (enc);
  g_assert_nonnull (dec);
  float *enc_before = g_memdup2 (enc->data, enc->size * sizeof (float));
  float *dec_before = g_memdup2 (dec->data, dec->size * sizeof (float));
  toy_train (&toy, &data, 5);
  g_assert_true (memcmp (enc->data, enc_before, enc->size * sizeof (float)) == 0);
  g_assert_false (memcmp (dec->data, dec_before, dec->size * sizeof (float)) == 0);
  VtError error = { 0 };
  g_assert_cmpint (vt_net_snapshot_restore (shipped, toy.net, &error), ==, VT_STATUS_OK);
  g_assert_true (memcmp (dec->data, dec_before, dec->size * sizeof (float)) == 0);
  g_assert_cmpint (vt_net_get_step (toy.net), ==, 0);
  /* a snapshot of another model is refused */
  Toy other;
  other.net = vt_net_new (1);
  VtNode x = vt_net_input (other.net, "x", (VtShape) { 1, 1, 4, 4 });
  vt_net_dense (other.net, "fc", x, 3);
  g_assert_cmpint (vt_net_snapshot_restore (shipped, other.net, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
  g_test_message ("%s", error.message);
  vt_net_free (other.net);
  vt_net_snapshot_free (shipped);
  g_free (enc_before);
  g_free (dec_before);
  vt_net_free (toy.net);
}

static void
test_schedule (void)
{
  VtLrSchedule s = { .kind = VT_LR_COSINE, .base_lr = 1.0f, .warmup_steps = 10,
                     .total_steps = 110, .min_lr = 0.1f };
  g_assert_cmpfloat (fabsf (vt_lr_schedule_at (&s, 0) - 0.1f), <, 1e-6);
  g_assert_cmpfloat (fabsf (vt_lr_schedule_at (&s, 10) - 1.0f), <, 1e-6);
  g_assert_cmpfloat (fabsf (vt_lr_schedule_at (&s, 60) - 0.55f), <, 1e-5);
  g_assert_cmpfloat (fabsf (vt_lr_schedule_at (&s, 500) - 0.1f), <, 1e-6);
  VtLrSchedule step = { .kind = VT_LR_STEP, .base_lr = 1.0f, .step_size = 10, .gamma = 0.5f };
  g_assert_cmpfloat (vt_lr_schedule_at (&step, 25), ==, 0.25f);
}

static void
test_unet_shapes (void)
{
  VtNet *net = vt_net_new (1);
  VtNode x = vt_net_input (net, "mix", (VtShape) { 2, 2, 128, 64 });
  VtUnetConfig config = vt_unet_config_default ();
  config.head_bins = 5;
  VtUnet unet;
  VtError error = { 0 };
  g_assert_cmpint (vt_unet_build (net, "mask", x, &config, &unet, &error), ==, VT_STATUS_OK);
  VtShape out = vt_net_get_shape (net, unet.output);
  g_assert_true (out.n == 2 && out.c == 1 && out.h == 128 && out.w == 64);
  VtShape head = vt_net_get_shape (net, unet.head);
  g_assert_true (head.n == 2 && head.c == 5 && head.h == 1 && head.w == 64);
  VtShape bottom = vt_net_get_shape (net, unet.bottleneck);
  g_assert_true (bottom.c == 512 && bottom.h == 2 && bottom.w == 1);
  g_assert_nonnull (vt_net_find_param (net, "mask.enc6.bn.running_var"));
  g_assert_nonnull (vt_net_find_param (net, "mask.dec6.deconv.weight"));
  /* a longer excerpt (time) reuses the weights */
  g_assert_cmpint (vt_net_reshape_input (net, x, (VtShape) { 1, 2, 128, 256 }, NULL), ==,
                   VT_STATUS_OK);
  g_assert_cmpint (vt_net_plan (net, &error), ==, VT_STATUS_OK);
  g_assert_cmpint (vt_net_get_shape (net, unet.head).w, ==, 256);
  vt_net_set_training (net, FALSE);
  g_assert_cmpint (vt_net_forward (net, NULL), ==, VT_STATUS_OK);
  const float *mask = vt_net_get_value (net, unet.output);
  for (int i = 0; i < 128 * 256; i += 97)
    g_assert_true (mask[i] > 0.0f && mask[i] < 1.0f);
  vt_net_free (net);
  /* sizes that do not divide are refused with a message */
  net = vt_net_new (1);
  x = vt_net_input (net, "mix", (VtShape) { 1, 1, 100, 64 });
  g_assert_cmpint (vt_unet_build (net, "mask", x, &config, &unet, &error), ==,
                   VT_STATUS_BAD_ARGUMENT);
  g_test_message ("%s", error.message);
  g_assert_nonnull (strstr (error.message, "multiples of 64"));
  vt_net_free (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/train/toy-learns", test_toy_learns);
  g_test_add_func ("/nn/train/deterministic", test_deterministic);
  g_test_add_func ("/nn/train/checkpoint-resume", test_checkpoint_resume);
  g_test_add_func ("/nn/train/freeze-and-snapshot", test_freeze_and_snapshot);
  g_test_add_func ("/nn/train/schedule", test_schedule);
  g_test_add_func ("/nn/train/unet-shapes", test_unet_shapes);
  return g_test_run ();
}
