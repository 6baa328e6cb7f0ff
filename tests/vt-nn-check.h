/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Gradient checks for the nn engine's tests: analytic gradients of a VtNet
 * against central finite differences of its loss (evaluated in double).
 */
#pragma once

#include <math.h>

#include "vt-net.h"
#include "vt-test-util.h"

static inline void
vt_check_fill (VtNet *net, VtNode node, GRand *rand, double lo, double hi)
{
  float *v = vt_net_get_value (net, node);
  size_t n = vt_shape_size (vt_net_get_shape (net, node));
  for (size_t i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (rand, lo, hi);
}

/* Same, but keeps values at least margin away from 0 (kinks of ReLU, L1). */
static inline void
vt_check_fill_away (VtNet *net, VtNode node, GRand *rand, double margin)
{
  float *v = vt_net_get_value (net, node);
  size_t n = vt_shape_size (vt_net_get_shape (net, node));
  for (size_t i = 0; i < n; i++)
    {
      double x = g_rand_double_range (rand, margin, 1.0);
      v[i] = (float) (g_rand_boolean (rand) ? x : -x);
    }
}

static inline double
vt_check_total_loss (VtNet *net, const VtRng *rng)
{
  *vt_net_get_rng (net) = *rng; /* the same dropout masks every time */
  g_assert_cmpint (vt_net_forward (net, NULL), ==, VT_STATUS_OK);
  double total = 0;
  for (int i = 0; i < vt_net_get_n_nodes (net); i++)
    {
      double loss = vt_net_get_loss (net, i);
      if (!isnan (loss))
        total += loss; /* scale 1 in these checks */
    }
  return total;
}

static inline void
vt_check_compare (const char *what, size_t index, double analytic, double numeric, double *worst)
{
  double err = fabs (analytic - numeric) / (1e-3 + fmax (fabs (analytic), fabs (numeric)));
  if (err > *worst)
    *worst = err;
  if (err > 0.03)
    g_error ("%s[%zu]: analytic gradient %.6g, finite difference %.6g", what, index, analytic,
             numeric);
}

/* Checks d(total loss)/d(every trainable parameter) and d/d(inputs that
 * require a gradient), perturbing at most max_per_tensor elements of each
 * tensor (evenly spread). */
static inline void
vt_check_gradients (VtNet *net, double eps, size_t max_per_tensor)
{
  VtRng rng = *vt_net_get_rng (net);
  vt_check_total_loss (net, &rng);
  vt_net_zero_grad (net);
  g_assert_cmpint (vt_net_backward (net, NULL), ==, VT_STATUS_OK);
  double worst = 0;
  int checked = 0;
  for (int i = 0; i < vt_net_get_n_params (net); i++)
    {
      VtParam *p = vt_net_get_param (net, i);
      if (!p->trainable)
        continue;
      float *analytic = g_memdup2 (p->grad, p->size * sizeof (float));
      size_t stride = p->size > max_per_tensor ? p->size / max_per_tensor : 1;
      for (size_t k = 0; k < p->size; k += stride)
        {
          float saved = p->data[k];
          p->data[k] = saved + (float) eps;
          double plus = vt_check_total_loss (net, &rng);
          p->data[k] = saved - (float) eps;
          double minus = vt_check_total_loss (net, &rng);
          p->data[k] = saved;
          vt_check_compare (p->name, k, analytic[k], (plus - minus) / (2 * eps), &worst);
          checked++;
        }
      g_free (analytic);
    }
  for (int node = 0; node < vt_net_get_n_nodes (net); node++)
    {
      float *grad = vt_net_get_grad (net, node);
      if (grad == NULL)
        continue;
      if (!vt_net_node_is_input (net, node))
        continue;
      const char *name = vt_net_get_node_name (net, node);
      size_t size = vt_shape_size (vt_net_get_shape (net, node));
      float *analytic = g_memdup2 (grad, size * sizeof (float));
      float *value = vt_net_get_value (net, node);
      size_t stride = size > max_per_tensor ? size / max_per_tensor : 1;
      for (size_t k = 0; k < size; k += stride)
        {
          float saved = value[k];
          value[k] = saved + (float) eps;
          double plus = vt_check_total_loss (net, &rng);
          value[k] = saved - (float) eps;
          double minus = vt_check_total_loss (net, &rng);
          value[k] = saved;
          vt_check_compare (name, k, analytic[k], (plus - minus) / (2 * eps), &worst);
          checked++;
        }
      g_free (analytic);
    }
  g_test_message ("%d gradient entries checked, worst relative error %.2g", checked, worst);
  g_assert_cmpint (checked, >, 0);
}
