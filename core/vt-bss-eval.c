/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-bss-eval.h"

#include <float.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt-fft.h"

#define FLEN VT_BSS_EVAL_FILTER_LENGTH
/* Correlation lags -(FLEN - 1) .. FLEN - 1. */
#define LAGS (2 * FLEN - 1)
/* Largest block transform: long signals are processed in blocks this big. */
#define MAX_FFT 16384
/* A Cholesky pivot this small next to its diagonal entry is the rounding
 * noise of a delayed reference that is (almost exactly) a combination of the
 * others; the matrix is then factored again with pivoting. */
#define PIVOT_FLOOR 1e-13
#define MAX_BASIS VT_BSS_EVAL_MAX_REFERENCE_CHANNELS
/* Iterative refinement of the Cholesky solution (see solve_filters). */
#define REFINEMENT_STEPS 2

/* LAPACK, as OpenBLAS exports it (Fortran names, hidden string lengths). */
extern void dpotrf_ (const char *uplo, const int *n, double *a, const int *lda, int *info,
                     size_t uplo_len);
extern void dpotrs_ (const char *uplo, const int *n, const int *nrhs, const double *a,
                     const int *lda, double *b, const int *ldb, int *info, size_t uplo_len);
extern void dpstrf_ (const char *uplo, const int *n, double *a, const int *lda, int *piv,
                     int *rank, const double *tol, double *work, int *info, size_t uplo_len);

enum
{
  CRIT_SDR,
  CRIT_ISR,
  CRIT_SIR,
  CRIT_SAR,
  N_CRIT
};

/* Energies of one (reference, estimate) pair over the window plus the
 * filters' tail: s = true image, e = estimate, p_own = projection onto the
 * delayed reference, p_all = projection onto all delayed references. */
enum
{
  E_TRUE,      /* |s|^2 */
  E_TRUE_ERR,  /* |e - s|^2 */
  E_OWN,       /* |p_own|^2 */
  E_OWN_ERR,   /* |e - p_own|^2 */
  E_SPATIAL,   /* |p_own - s|^2 */
  E_INTERF,    /* |p_all - p_own|^2 */
  E_ALL,       /* |p_all|^2 */
  E_ARTIFACTS, /* |e - p_all|^2 */
  N_ENERGY
};

struct VtBssEval
{
  VtBssEvalProgressFunc progress;
  void *progress_data;

  /* Block FFTs: plans for fft_size real points; every spectrum lives in the
   * pool at a multiple of spectrum_stride (aligned like the planning arrays). */
  int fft_size;
  int spectrum_stride;
  fftw_plan forward;
  fftw_plan backward;
  double *real;
  fftw_complex *pool;
  size_t pool_capacity;

  /* Reference channels that span the subspace, grouped by source. */
  int n_basis;
  int basis_source[MAX_BASIS];
  int basis_channel[MAX_BASIS];
  int source_first[VT_BSS_EVAL_MAX_SOURCES + 1];

  double *autocorr; /* [p][q][lag] for p <= q, n_basis^2 * LAGS */
  size_t autocorr_capacity;
  double *crosscorr; /* [p][target][delay], <reference p delayed, estimate channel> */
  size_t crosscorr_capacity;
  double *gram;
  size_t gram_capacity;
  double *diagonal;
  size_t diagonal_capacity;
  double *filters_all; /* K x targets: projection onto every reference */
  size_t filters_all_capacity;
  double *filters_own; /* K x targets: rows of source s solve s's own system */
  size_t filters_own_capacity;
  double *filters_source;
  size_t filters_source_capacity;
  double *rhs;
  size_t rhs_capacity;
  int *pivots;
  size_t pivots_capacity;
  double *work;
  size_t work_capacity;
  double *series; /* 3 blocks: projection onto all, estimate, true image */
  size_t series_capacity;
  double *energies; /* [true][estimate][N_ENERGY] */
  size_t energies_capacity;
  double *criteria; /* [N_CRIT][true][estimate] */
  size_t criteria_capacity;
  int *permutation;
  size_t permutation_capacity;
};

/* Frees and reallocates when too small; the old contents are not kept. */
static bool
grow (void **buffer, size_t *capacity, size_t count, size_t size)
{
  if (count <= *capacity && *buffer != NULL)
    return true;
  free (*buffer);
  *capacity = 0;
  *buffer = NULL;
  if (count == 0 || count > SIZE_MAX / size)
    return count == 0;
  *buffer = malloc (count * size);
  if (*buffer == NULL)
    return false;
  *capacity = count;
  return true;
}

#define GROW(self, field, count)                                                                  \
  grow ((void **) &(self)->field, &(self)->field##_capacity, (size_t) (count),                    \
        sizeof *(self)->field)

VtBssEval *
vt_bss_eval_new (void)
{
  return calloc (1, sizeof (VtBssEval));
}

static void
drop_plans (VtBssEval *self)
{
  vt_fft_planner_lock ();
  if (self->forward)
    fftw_destroy_plan (self->forward);
  if (self->backward)
    fftw_destroy_plan (self->backward);
  vt_fft_planner_unlock ();
  self->forward = NULL;
  self->backward = NULL;
  fftw_free (self->real);
  fftw_free (self->pool);
  self->real = NULL;
  self->pool = NULL;
  self->pool_capacity = 0;
  self->fft_size = 0;
}

void
vt_bss_eval_free (VtBssEval *self)
{
  if (self == NULL)
    return;
  drop_plans (self);
  free (self->autocorr);
  free (self->crosscorr);
  free (self->gram);
  free (self->diagonal);
  free (self->filters_all);
  free (self->filters_own);
  free (self->filters_source);
  free (self->rhs);
  free (self->pivots);
  free (self->work);
  free (self->series);
  free (self->energies);
  free (self->criteria);
  free (self->permutation);
  free (self);
}

void
vt_bss_eval_set_progress (VtBssEval *self, VtBssEvalProgressFunc func, void *user_data)
{
  self->progress = func;
  self->progress_data = user_data;
}

static bool
report (VtBssEval *self, double fraction)
{
  return self->progress == NULL || self->progress (fraction, self->progress_data);
}

int64_t
vt_bss_eval_v3_window_count (int64_t n_frames, int64_t window, int64_t hop)
{
  if (n_frames < 1 || window < 1 || hop < 1)
    return 0;
  /* mir_eval: floor ((n - window + hop) / hop), and the whole signal when
   * that is below 2. */
  int64_t span = n_frames - window + hop;
  if (span < 2 * hop)
    return 1;
  return span / hop;
}

int64_t
vt_bss_eval_v4_window_count (int64_t n_frames, int64_t window, int64_t hop)
{
  if (n_frames < 1 || window < 1 || hop < 1)
    return 0;
  if (window >= n_frames)
    return 1;
  return (n_frames - window + hop) / hop;
}

/* Transform size for blocks of about span points: 2-3-5-smooth, even, at
 * most MAX_FFT. */
static int
block_fft_size (int64_t span)
{
  size_t n = vt_fft_good_size ((size_t) (span < MAX_FFT ? span : MAX_FFT));
  while (n % 2 != 0)
    n = vt_fft_good_size (n + 1);
  return n > MAX_FFT ? MAX_FFT : (int) n;
}

/* Plans for n points and a pool of at least n_spectra spectra. */
static VtStatus
ensure_fft (VtBssEval *self, int n, size_t n_spectra)
{
  if (self->fft_size != n)
    {
      drop_plans (self);
      self->real = fftw_malloc (sizeof (double) * (size_t) n);
      if (self->real == NULL)
        return VT_STATUS_NO_MEMORY;
      /* Multiples of 4 complex values keep every spectrum 64-byte aligned. */
      self->spectrum_stride = (n / 2 + 1 + 3) / 4 * 4;
      self->fft_size = n;
    }
  size_t need = (n_spectra + 1) * (size_t) self->spectrum_stride;
  if (need > self->pool_capacity)
    {
      fftw_free (self->pool);
      self->pool_capacity = 0;
      self->pool = fftw_malloc (sizeof (fftw_complex) * need);
      if (self->pool == NULL)
        return VT_STATUS_NO_MEMORY;
      self->pool_capacity = need;
    }
  if (self->forward == NULL)
    {
      vt_fft_planner_lock ();
      self->forward = fftw_plan_dft_r2c_1d (n, self->real, self->pool, FFTW_ESTIMATE);
      self->backward = fftw_plan_dft_c2r_1d (n, self->pool, self->real,
                                             FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
      vt_fft_planner_unlock ();
      if (self->forward == NULL || self->backward == NULL)
        {
          drop_plans (self);
          return VT_STATUS_NO_MEMORY;
        }
    }
  return VT_STATUS_OK;
}

static fftw_complex *
spectrum (VtBssEval *self, size_t index)
{
  return self->pool + index * (size_t) self->spectrum_stride;
}

/* dst[i] = channel sample (offset + i) of the segment [start, start + length)
 * for i < fill, zero outside the segment and from i = count on. */
static void
load_series (const float *data, int n_channels, int channel, int64_t start, int64_t length,
             int64_t offset, int64_t count, double *dst, int fill)
{
  int64_t lo = offset < 0 ? -offset : 0;
  int64_t hi = length - offset;
  if (hi > count)
    hi = count;
  if (hi > fill)
    hi = fill;
  if (lo > fill)
    lo = fill;
  if (hi < lo)
    hi = lo;
  for (int64_t i = 0; i < lo; i++)
    dst[i] = 0.0;
  const float *src = data + (start + offset) * n_channels + channel;
  for (int64_t i = lo; i < hi; i++)
    dst[i] = (double) src[i * n_channels];
  for (int64_t i = hi; i < fill; i++)
    dst[i] = 0.0;
}

/* mir_eval's _any_source_silent on [start, start + length): the index of the
 * first source whose channel sum is zero at every sample, or -1. */
static int
find_silent_source (const float *const *buffers, int n_sources, int n_channels, int64_t start,
                    int64_t length)
{
  for (int j = 0; j < n_sources; j++)
    {
      const float *x = buffers[j] + start * n_channels;
      bool silent = true;
      for (int64_t i = 0; i < length && silent; i++)
        {
          double sum = 0.0;
          for (int c = 0; c < n_channels; c++)
            sum += x[i * n_channels + c];
          silent = sum == 0.0;
        }
      if (silent)
        return j;
    }
  return -1;
}

static VtStatus
validate (VtBssEval *self, const VtBssSignals *s, VtError *error)
{
  if (self == NULL || s == NULL || s->references == NULL || s->estimates == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "BSS Eval: missing context or signals");
  if (s->n_sources < 1 || s->n_sources > VT_BSS_EVAL_MAX_SOURCES)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "BSS Eval needs 1 to %d sources (got %d)", VT_BSS_EVAL_MAX_SOURCES,
                         s->n_sources);
  if (s->n_channels < 1 || s->n_channels > MAX_BASIS)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "BSS Eval needs 1 to %d channels (got %d)", MAX_BASIS, s->n_channels);
  if (s->n_frames < 1)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "BSS Eval: the signals are empty (no samples)");
  for (int j = 0; j < s->n_sources; j++)
    if (s->references[j] == NULL || s->estimates[j] == NULL)
      return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "BSS Eval: signal %d is missing", j);
  int64_t n = s->n_frames * s->n_channels;
  for (int j = 0; j < s->n_sources; j++)
    for (int which = 0; which < 2; which++)
      {
        const float *x = which == 0 ? s->references[j] : s->estimates[j];
        for (int64_t i = 0; i < n; i++)
          if (!isfinite (x[i]))
            return vt_error_set (error, VT_STATUS_BAD_DATA,
                                 "BSS Eval: %s %d has a NaN or infinite sample at frame %lld",
                                 which == 0 ? "reference" : "estimate", j,
                                 (long long) (i / s->n_channels));
      }
  int j = find_silent_source (s->references, s->n_sources, s->n_channels, 0, s->n_frames);
  if (j >= 0)
    return vt_error_set (error, VT_STATUS_BAD_DATA,
                         "BSS Eval: reference %d is silent (all zeros); every reference must "
                         "have sound, or the decomposition is ambiguous", j);
  j = find_silent_source (s->estimates, s->n_sources, s->n_channels, 0, s->n_frames);
  if (j >= 0)
    return vt_error_set (error, VT_STATUS_BAD_DATA,
                         "BSS Eval: estimate %d is silent (all zeros); the decomposition is "
                         "undefined for a silent estimate", j);
  return VT_STATUS_OK;
}

/* The reference channels spanning the subspace in [start, start + length):
 * all but the silent ones and exact copies of an earlier channel of the same
 * source (they add nothing to the span but make the Gram matrix singular). */
static VtStatus
select_basis (VtBssEval *self, const VtBssSignals *s, int64_t start, int64_t length,
              VtError *error)
{
  const int nc = s->n_channels;
  self->n_basis = 0;
  for (int j = 0; j < s->n_sources; j++)
    {
      const float *x = s->references[j] + start * nc;
      self->source_first[j] = self->n_basis;
      for (int c = 0; c < nc; c++)
        {
          bool zero = true;
          for (int64_t i = 0; i < length && zero; i++)
            zero = x[i * nc + c] == 0.0f;
          if (zero)
            continue;
          bool copy = false;
          for (int b = self->source_first[j]; b < self->n_basis && !copy; b++)
            {
              int other = self->basis_channel[b];
              copy = true;
              for (int64_t i = 0; i < length && copy; i++)
                copy = x[i * nc + c] == x[i * nc + other];
            }
          if (copy)
            continue;
          if (self->n_basis == MAX_BASIS)
            return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                                 "BSS Eval: more than %d distinct reference channels "
                                 "(sources x channels) is too large a problem", MAX_BASIS);
          self->basis_source[self->n_basis] = j;
          self->basis_channel[self->n_basis] = c;
          self->n_basis++;
        }
    }
  self->source_first[s->n_sources] = self->n_basis;
  return VT_STATUS_OK;
}

/* acc += a * conj (b) */
static void
accumulate_correlation (fftw_complex *restrict acc, const fftw_complex *restrict a,
                        const fftw_complex *restrict b, int n)
{
  for (int f = 0; f < n; f++)
    {
      acc[f][0] += a[f][0] * b[f][0] + a[f][1] * b[f][1];
      acc[f][1] += a[f][1] * b[f][0] - a[f][0] * b[f][1];
    }
}

/* Correlations over [start, start + length), every signal being zero outside:
 * autocorr[p][q][FLEN - 1 + l] = sum_n x_p[n + l] x_q[n] for basis p <= q and
 * |l| < FLEN; crosscorr[p][t][a] = sum_n x_p[n - a] y_t[n] for every
 * estimate channel t = source * n_channels + channel and 0 <= a < FLEN.
 *
 * Blocked: for each block of y, the block of x widened by FLEN - 1 on both
 * sides is correlated with it by FFT (no circular wrap for these lags); the
 * products are summed in the frequency domain and transformed back once. */
static VtStatus
correlate (VtBssEval *self, const VtBssSignals *s, int64_t start, int64_t length,
           double progress_from, double progress_span)
{
  const int mb = self->n_basis;
  const int nc = s->n_channels;
  const int nt = s->n_sources * nc;
  const int n = block_fft_size (length + 2 * (FLEN - 1));
  const int block = n - 2 * (FLEN - 1);
  const int half = n / 2 + 1;
  const size_t wide = 0, narrow = (size_t) mb, target = 2 * (size_t) mb;
  const size_t auto_acc = target + (size_t) nt;
  const size_t n_auto = (size_t) mb * (size_t) (mb + 1) / 2;
  const size_t cross_acc = auto_acc + n_auto;
  const size_t n_spectra = cross_acc + (size_t) mb * (size_t) nt;

  VtStatus status = ensure_fft (self, n, n_spectra);
  if (status != VT_STATUS_OK)
    return status;
  if (!GROW (self, autocorr, (size_t) mb * mb * LAGS)
      || !GROW (self, crosscorr, (size_t) mb * nt * FLEN))
    return VT_STATUS_NO_MEMORY;
  for (size_t k = auto_acc; k < n_spectra; k++)
    memset (spectrum (self, k), 0, sizeof (fftw_complex) * (size_t) half);

  for (int64_t b = 0; b < length; b += block)
    {
      int64_t count = length - b < block ? length - b : block;
      for (int p = 0; p < mb; p++)
        {
          const float *x = s->references[self->basis_source[p]];
          int c = self->basis_channel[p];
          load_series (x, nc, c, start, length, b - (FLEN - 1), n, self->real, n);
          fftw_execute_dft_r2c (self->forward, self->real, spectrum (self, wide + p));
          load_series (x, nc, c, start, length, b, count, self->real, n);
          fftw_execute_dft_r2c (self->forward, self->real, spectrum (self, narrow + p));
        }
      for (int t = 0; t < nt; t++)
        {
          load_series (s->estimates[t / nc], nc, t % nc, start, length, b, count, self->real, n);
          fftw_execute_dft_r2c (self->forward, self->real, spectrum (self, target + t));
        }
      size_t k = auto_acc;
      for (int p = 0; p < mb; p++)
        for (int q = p; q < mb; q++)
          accumulate_correlation (spectrum (self, k++), spectrum (self, wide + p),
                                  spectrum (self, narrow + q), half);
      for (int p = 0; p < mb; p++)
        for (int t = 0; t < nt; t++)
          accumulate_correlation (spectrum (self, cross_acc + (size_t) p * nt + t),
                                  spectrum (self, wide + p), spectrum (self, target + t), half);
      if (!report (self, progress_from + progress_span * (double) (b + count) / (double) length))
        return VT_STATUS_CANCELLED;
    }

  const double scale = 1.0 / n;
  size_t k = auto_acc;
  for (int p = 0; p < mb; p++)
    for (int q = p; q < mb; q++)
      {
        fftw_execute_dft_c2r (self->backward, spectrum (self, k++), self->real);
        double *r = self->autocorr + ((size_t) p * mb + q) * LAGS;
        for (int i = 0; i < LAGS; i++)
          r[i] = self->real[i] * scale;
      }
  for (int p = 0; p < mb; p++)
    for (int t = 0; t < nt; t++)
      {
        fftw_execute_dft_c2r (self->backward, spectrum (self, cross_acc + (size_t) p * nt + t),
                              self->real);
        double *r = self->crosscorr + ((size_t) p * nt + t) * FLEN;
        for (int a = 0; a < FLEN; a++)
          r[a] = self->real[FLEN - 1 - a] * scale;
      }
  return VT_STATUS_OK;
}

/* Gram matrix of the delayed basis channels [first, first + count):
 * G[(p, a), (q, b)] = <x_p delayed by a, x_q delayed by b> = r_pq[b - a]
 * (column-major, leading dimension count * FLEN), plus load on the diagonal. */
static void
build_gram (const VtBssEval *self, int first, int count, double load, double *g)
{
  const int mb = self->n_basis;
  const size_t k = (size_t) count * FLEN;
  for (int qi = 0; qi < count; qi++)
    for (int pi = 0; pi < count; pi++)
      {
        int p = first + pi, q = first + qi;
        bool upper = p <= q;
        const double *r = self->autocorr + ((size_t) (upper ? p * mb + q : q * mb + p)) * LAGS
                          + (FLEN - 1);
        for (int b = 0; b < FLEN; b++)
          {
            double *column = g + ((size_t) qi * FLEN + b) * k + (size_t) pi * FLEN;
            if (upper)
              for (int a = 0; a < FLEN; a++)
                column[a] = r[b - a];
            else
              for (int a = 0; a < FLEN; a++)
                column[a] = r[a - b];
          }
      }
  for (size_t i = 0; i < k; i++)
    g[i * k + i] += load;
}

static void
build_rhs (const VtBssEval *self, int first, int count, int nt, double *d)
{
  const size_t k = (size_t) count * FLEN;
  for (int t = 0; t < nt; t++)
    for (int pi = 0; pi < count; pi++)
      memcpy (d + (size_t) t * k + (size_t) pi * FLEN,
              self->crosscorr + ((size_t) (first + pi) * nt + t) * FLEN, sizeof (double) * FLEN);
}

/* r = D - G C for the basis channels [first, first + count), accumulated in
 * long double straight from the correlations (G is Toeplitz by blocks). */
static void
residual (const VtBssEval *self, int first, int count, int nt, double load,
          const double *filters, double *r)
{
  const int mb = self->n_basis;
  const size_t k = (size_t) count * FLEN;
  for (int t = 0; t < nt; t++)
    for (int pi = 0; pi < count; pi++)
      {
        const int p = first + pi;
        const double *d = self->crosscorr + ((size_t) p * nt + t) * FLEN;
        for (int a = 0; a < FLEN; a++)
          {
            /* Four sums break the dependency chain of x87 additions. */
            long double acc0 = 0.0L, acc1 = 0.0L, acc2 = 0.0L, acc3 = 0.0L;
            for (int qi = 0; qi < count; qi++)
              {
                const int q = first + qi;
                const double *c = filters + (size_t) t * k + (size_t) qi * FLEN;
                if (p <= q)
                  {
                    /* G[(p, a), (q, b)] = r_pq[b - a] */
                    const double *g = self->autocorr + ((size_t) p * mb + q) * LAGS + (FLEN - 1) - a;
                    for (int b = 0; b < FLEN; b += 4)
                      {
                        acc0 += (long double) g[b] * c[b];
                        acc1 += (long double) g[b + 1] * c[b + 1];
                        acc2 += (long double) g[b + 2] * c[b + 2];
                        acc3 += (long double) g[b + 3] * c[b + 3];
                      }
                  }
                else
                  {
                    /* G[(p, a), (q, b)] = r_qp[a - b] */
                    const double *g = self->autocorr + ((size_t) q * mb + p) * LAGS + (FLEN - 1) + a;
                    for (int b = 0; b < FLEN; b += 4)
                      {
                        acc0 += (long double) g[-b] * c[b];
                        acc1 += (long double) g[-b - 1] * c[b + 1];
                        acc2 += (long double) g[-b - 2] * c[b + 2];
                        acc3 += (long double) g[-b - 3] * c[b + 3];
                      }
                  }
              }
            long double acc = (long double) d[a] - ((acc0 + acc1) + (acc2 + acc3));
            acc -= (long double) load * filters[(size_t) t * k + (size_t) pi * FLEN + a];
            r[(size_t) t * k + (size_t) pi * FLEN + a] = (double) acc;
          }
      }
}

/* Least-squares filters projecting every estimate channel onto the delayed
 * basis channels [first, first + count): solves G C = D into filters
 * (count * FLEN x nt).
 *
 * Cholesky, then a few steps of iterative refinement with the residual in
 * extended precision: music's Gram matrices are ill-conditioned (band-limited
 * references give condition numbers of 1e12 and more), and without them the
 * result depends on how LAPACK splits the work (thread count) by up to
 * 0.03 dB on estimates far from the references. If the matrix is numerically
 * singular, pivoted Cholesky on its numerical rank instead (the dependent
 * columns get zero coefficients; the projection is the same). */
static VtStatus
solve_filters (VtBssEval *self, int first, int count, int nt, double load, double *filters)
{
  int k = count * FLEN;
  if (!GROW (self, gram, (size_t) k * k) || !GROW (self, diagonal, k)
      || !GROW (self, rhs, (size_t) k * nt))
    return VT_STATUS_NO_MEMORY;
  build_gram (self, first, count, load, self->gram);
  for (int i = 0; i < k; i++)
    self->diagonal[i] = self->gram[(size_t) i * k + i];
  build_rhs (self, first, count, nt, filters);

  int info = 0;
  dpotrf_ ("L", &k, self->gram, &k, &info, 1);
  bool regular = info == 0;
  for (int i = 0; i < k && regular; i++)
    {
      double pivot = self->gram[(size_t) i * k + i];
      regular = pivot * pivot >= PIVOT_FLOOR * self->diagonal[i];
    }
  if (regular)
    {
      dpotrs_ ("L", &k, &nt, self->gram, &k, filters, &k, &info, 1);
      for (int step = 0; step < REFINEMENT_STEPS && info == 0; step++)
        {
          residual (self, first, count, nt, load, filters, self->rhs);
          dpotrs_ ("L", &k, &nt, self->gram, &k, self->rhs, &k, &info, 1);
          for (size_t i = 0; i < (size_t) k * nt; i++)
            filters[i] += self->rhs[i];
        }
      return info == 0 ? VT_STATUS_OK : VT_STATUS_NUMERIC;
    }

  if (!GROW (self, pivots, k) || !GROW (self, work, 2 * (size_t) k))
    return VT_STATUS_NO_MEMORY;
  build_gram (self, first, count, load, self->gram);
  int rank = 0;
  const double tolerance = -1.0; /* LAPACK's default: k * eps * max diagonal */
  dpstrf_ ("L", &k, self->gram, &k, self->pivots, &rank, &tolerance, self->work, &info, 1);
  if (info < 0 || rank < 1)
    return VT_STATUS_NUMERIC;
  for (int t = 0; t < nt; t++)
    for (int i = 0; i < rank; i++)
      self->rhs[(size_t) t * k + i] = filters[(size_t) t * k + self->pivots[i] - 1];
  dpotrs_ ("L", &rank, &nt, self->gram, &k, self->rhs, &k, &info, 1);
  if (info != 0)
    return VT_STATUS_NUMERIC;
  memset (filters, 0, sizeof (double) * (size_t) k * nt);
  for (int t = 0; t < nt; t++)
    for (int i = 0; i < rank; i++)
      filters[(size_t) t * k + self->pivots[i] - 1] = self->rhs[(size_t) t * k + i];
  return VT_STATUS_OK;
}

/* Filters onto all references (filters_all) and, for each basis channel,
 * onto its own source's references only (filters_own), both K x nt. */
static VtStatus
solve_all (VtBssEval *self, int n_sources, int nt, double load)
{
  const size_t k = (size_t) self->n_basis * FLEN;
  if (!GROW (self, filters_all, k * nt) || !GROW (self, filters_own, k * nt))
    return VT_STATUS_NO_MEMORY;
  VtStatus status = solve_filters (self, 0, self->n_basis, nt, load, self->filters_all);
  if (status != VT_STATUS_OK)
    return status;
  for (int j = 0; j < n_sources; j++)
    {
      int first = self->source_first[j];
      int count = self->source_first[j + 1] - first;
      if (count == 0)
        continue;
      if (count == self->n_basis)
        {
          /* One source: the very same numbers, so that interference is
           * exactly zero (SIR = +inf) as in mir_eval. */
          memcpy (self->filters_own, self->filters_all, sizeof (double) * k * nt);
          continue;
        }
      const size_t kj = (size_t) count * FLEN;
      if (!GROW (self, filters_source, kj * nt))
        return VT_STATUS_NO_MEMORY;
      status = solve_filters (self, first, count, nt, load, self->filters_source);
      if (status != VT_STATUS_OK)
        return status;
      for (int t = 0; t < nt; t++)
        memcpy (self->filters_own + (size_t) t * k + (size_t) first * FLEN,
                self->filters_source + (size_t) t * kj, sizeof (double) * kj);
    }
  return VT_STATUS_OK;
}

/* Spectrum layout of the projection stage. */
static size_t
filter_spectrum (const VtBssEval *self, bool own, int p, int t, int nt)
{
  return ((own ? (size_t) self->n_basis : 0) + (size_t) p) * (size_t) nt + (size_t) t;
}

/* Transforms the filters once (fft_size points, scaled for the inverse). */
static VtStatus
transform_filters (VtBssEval *self, int nt)
{
  const int mb = self->n_basis;
  const size_t n_spectra = 2 * (size_t) mb * nt + mb + 1;
  VtStatus status = ensure_fft (self, self->fft_size, n_spectra);
  if (status != VT_STATUS_OK)
    return status;
  const int n = self->fft_size;
  const double scale = 1.0 / n;
  const size_t k = (size_t) mb * FLEN;
  for (int own = 0; own < 2; own++)
    for (int p = 0; p < mb; p++)
      for (int t = 0; t < nt; t++)
        {
          const double *c = (own ? self->filters_own : self->filters_all) + (size_t) t * k
                            + (size_t) p * FLEN;
          for (int a = 0; a < FLEN; a++)
            self->real[a] = c[a] * scale;
          memset (self->real + FLEN, 0, sizeof (double) * (size_t) (n - FLEN));
          fftw_execute_dft_r2c (self->forward, self->real,
                                spectrum (self, filter_spectrum (self, own, p, t, nt)));
        }
  return VT_STATUS_OK;
}

/* y = sum over basis [first, last) of x_p * h_(p, t) */
static void
filter_sum (VtBssEval *self, size_t x_first, int first, int last, bool own, int t, int nt,
            fftw_complex *restrict y)
{
  const int half = self->fft_size / 2 + 1;
  memset (y, 0, sizeof (fftw_complex) * (size_t) half);
  for (int p = first; p < last; p++)
    {
      const fftw_complex *restrict x = spectrum (self, x_first + (size_t) p);
      const fftw_complex *restrict h = spectrum (self, filter_spectrum (self, own, p, t, nt));
      for (int f = 0; f < half; f++)
        {
          y[f][0] += x[f][0] * h[f][0] - x[f][1] * h[f][1];
          y[f][1] += x[f][0] * h[f][1] + x[f][1] * h[f][0];
        }
    }
}

/* Projects the estimates in the window [start, start + length) (references
 * and estimates zero outside) with the transformed filters, by overlap-save
 * convolution over the window plus the filters' tail, and sums the energies
 * of every (true, estimate) pair wanted: all of them, or j with j. */
static VtStatus
project_window (VtBssEval *self, const VtBssSignals *s, int64_t start, int64_t length,
                bool all_pairs)
{
  const int ns = s->n_sources;
  const int nc = s->n_channels;
  const int nt = ns * nc;
  const int mb = self->n_basis;
  const int n = self->fft_size;
  const int block = n - (FLEN - 1);
  const int64_t extended = length + FLEN - 1;
  const size_t x_first = 2 * (size_t) mb * nt;
  fftw_complex *y = spectrum (self, x_first + (size_t) mb);

  if (!GROW (self, series, 3 * (size_t) block)
      || !GROW (self, energies, (size_t) ns * ns * N_ENERGY))
    return VT_STATUS_NO_MEMORY;
  double *p_all = self->series;
  double *e = self->series + block;
  double *s_true = self->series + 2 * (size_t) block;
  memset (self->energies, 0, sizeof (double) * (size_t) ns * ns * N_ENERGY);

  for (int64_t o = 0; o < extended; o += block)
    {
      const int count = (int) (extended - o < block ? extended - o : block);
      for (int p = 0; p < mb; p++)
        {
          load_series (s->references[self->basis_source[p]], nc, self->basis_channel[p], start,
                       length, o - (FLEN - 1), n, self->real, n);
          fftw_execute_dft_r2c (self->forward, self->real, spectrum (self, x_first + p));
        }
      for (int jest = 0; jest < ns; jest++)
        for (int c = 0; c < nc; c++)
          {
            const int t = jest * nc + c;
            filter_sum (self, x_first, 0, mb, false, t, nt, y);
            fftw_execute_dft_c2r (self->backward, y, self->real);
            memcpy (p_all, self->real + (FLEN - 1), sizeof (double) * (size_t) count);
            load_series (s->estimates[jest], nc, c, start, length, o, count, e, count);
            for (int jtrue = all_pairs ? 0 : jest; jtrue < (all_pairs ? ns : jest + 1); jtrue++)
              {
                filter_sum (self, x_first, self->source_first[jtrue],
                            self->source_first[jtrue + 1], true, t, nt, y);
                fftw_execute_dft_c2r (self->backward, y, self->real);
                const double *p_own = self->real + (FLEN - 1);
                load_series (s->references[jtrue], nc, c, start, length, o, count, s_true,
                             count);
                double acc[N_ENERGY] = { 0 };
                for (int i = 0; i < count; i++)
                  {
                    double st = s_true[i], es = e[i], po = p_own[i], pa = p_all[i];
                    acc[E_TRUE] += st * st;
                    acc[E_TRUE_ERR] += (es - st) * (es - st);
                    acc[E_OWN] += po * po;
                    acc[E_OWN_ERR] += (es - po) * (es - po);
                    acc[E_SPATIAL] += (po - st) * (po - st);
                    acc[E_INTERF] += (pa - po) * (pa - po);
                    acc[E_ALL] += pa * pa;
                    acc[E_ARTIFACTS] += (es - pa) * (es - pa);
                  }
                double *en = self->energies + ((size_t) jtrue * ns + jest) * N_ENERGY;
                for (int m = 0; m < N_ENERGY; m++)
                  en[m] += acc[m];
              }
          }
    }
  return VT_STATUS_OK;
}

static double
ratio_db (double num, double den)
{
  if (den == 0.0)
    return INFINITY;
  return 10.0 * log10 (num / den);
}

/* criteria[crit][true][estimate] from the energies of the pairs computed. */
static VtStatus
compute_criteria (VtBssEval *self, int ns, bool images, bool all_pairs)
{
  if (!GROW (self, criteria, (size_t) N_CRIT * ns * ns))
    return VT_STATUS_NO_MEMORY;
  for (int jt = 0; jt < ns; jt++)
    for (int je = 0; je < ns; je++)
      {
        if (!all_pairs && jt != je)
          continue;
        const double *en = self->energies + ((size_t) jt * ns + je) * N_ENERGY;
        double *crit = self->criteria + (size_t) jt * ns + je;
        const size_t stride = (size_t) ns * ns;
        if (images)
          {
            crit[CRIT_SDR * stride] = ratio_db (en[E_TRUE], en[E_TRUE_ERR]);
            crit[CRIT_ISR * stride] = ratio_db (en[E_TRUE], en[E_SPATIAL]);
          }
        else
          {
            crit[CRIT_SDR * stride] = ratio_db (en[E_OWN], en[E_OWN_ERR]);
            crit[CRIT_ISR * stride] = NAN;
          }
        crit[CRIT_SIR * stride] = ratio_db (en[E_OWN], en[E_INTERF]);
        crit[CRIT_SAR * stride] = ratio_db (en[E_ALL], en[E_ARTIFACTS]);
      }
  return VT_STATUS_OK;
}

/* Next permutation in lexicographic order; false after the last. */
static bool
next_permutation (int *perm, int n)
{
  int i = n - 2;
  while (i >= 0 && perm[i] >= perm[i + 1])
    i--;
  if (i < 0)
    return false;
  int j = n - 1;
  while (perm[j] <= perm[i])
    j--;
  int swap = perm[i];
  perm[i] = perm[j];
  perm[j] = swap;
  for (int a = i + 1, b = n - 1; a < b; a++, b--)
    {
      swap = perm[a];
      perm[a] = perm[b];
      perm[b] = swap;
    }
  return true;
}

/* The matching of best mean SIR, first in itertools.permutations order. */
static VtStatus
choose_permutation (VtBssEval *self, int ns, bool all_pairs)
{
  if (!GROW (self, permutation, 2 * (size_t) ns))
    return VT_STATUS_NO_MEMORY;
  int *best = self->permutation;
  int *perm = self->permutation + ns;
  for (int j = 0; j < ns; j++)
    best[j] = perm[j] = j;
  if (!all_pairs)
    return VT_STATUS_OK;
  const double *sir = self->criteria + (size_t) CRIT_SIR * ns * ns;
  double best_mean = -INFINITY;
  bool first = true;
  do
    {
      double sum = 0.0;
      for (int j = 0; j < ns; j++)
        sum += sir[(size_t) j * ns + perm[j]];
      double mean = sum / ns;
      if (first || mean > best_mean)
        {
          best_mean = mean;
          memcpy (best, perm, sizeof (int) * (size_t) ns);
          first = false;
        }
    }
  while (next_permutation (perm, ns));
  return VT_STATUS_OK;
}

static void
store_scores (const VtBssEval *self, int ns, int64_t n_windows, int64_t k,
              const VtBssScores *scores)
{
  double *out[N_CRIT] = { scores->sdr, scores->isr, scores->sir, scores->sar };
  for (int j = 0; j < ns; j++)
    {
      const int je = self->permutation[j];
      for (int m = 0; m < N_CRIT; m++)
        if (out[m] != NULL)
          out[m][j * n_windows + k] = self->criteria[((size_t) m * ns + j) * ns + je];
      if (scores->permutation != NULL)
        scores->permutation[j * n_windows + k] = je;
    }
}

static void
store_silent (int ns, int64_t n_windows, int64_t k, const VtBssScores *scores)
{
  double *out[N_CRIT] = { scores->sdr, scores->isr, scores->sir, scores->sar };
  for (int j = 0; j < ns; j++)
    {
      for (int m = 0; m < N_CRIT; m++)
        if (out[m] != NULL)
          out[m][j * n_windows + k] = NAN;
      if (scores->permutation != NULL)
        scores->permutation[j * n_windows + k] = -1;
    }
}

static VtStatus
numeric_error (VtStatus status, VtError *error)
{
  switch (status)
    {
    case VT_STATUS_OK:
      return status;
    case VT_STATUS_NO_MEMORY:
      return vt_error_set (error, status, "BSS Eval: out of memory");
    case VT_STATUS_CANCELLED:
      return vt_error_set (error, status, "BSS Eval: cancelled");
    case VT_STATUS_NUMERIC:
      return vt_error_set (error, status,
                           "BSS Eval: the least-squares system for the distortion filters "
                           "could not be solved");
    default:
      return vt_error_set (error, status, "BSS Eval: %s", vt_status_to_string (status));
    }
}

/* v3 on one segment: filters estimated on it, metrics over it. */
static VtStatus
evaluate_segment (VtBssEval *self, const VtBssSignals *s, int64_t start, int64_t length,
                  bool images, bool all_pairs, const VtBssScores *scores, int64_t n_windows,
                  int64_t k, VtError *error)
{
  /* Progress within the pass over the whole signal; windows report their own. */
  const double progress_span = n_windows == 1 ? 0.5 : 0.0;
  const int ns = s->n_sources;
  const int nt = ns * s->n_channels;
  VtStatus status = select_basis (self, s, start, length, error);
  if (status != VT_STATUS_OK)
    return status;
  status = correlate (self, s, start, length, 0.0, progress_span);
  if (status == VT_STATUS_OK)
    status = solve_all (self, ns, nt, 0.0);
  if (status == VT_STATUS_OK)
    status = transform_filters (self, nt);
  if (status == VT_STATUS_OK)
    status = project_window (self, s, start, length, all_pairs);
  if (status == VT_STATUS_OK)
    status = compute_criteria (self, ns, images, all_pairs);
  if (status == VT_STATUS_OK)
    status = choose_permutation (self, ns, all_pairs);
  if (status != VT_STATUS_OK)
    return numeric_error (status, error);
  store_scores (self, ns, n_windows, k, scores);
  return VT_STATUS_OK;
}

static VtStatus
evaluate_v3 (VtBssEval *self, const VtBssSignals *s, bool framewise, int64_t window,
             int64_t hop, bool images, bool compute_permutation, const VtBssScores *scores,
             VtError *error)
{
  VtStatus status = validate (self, s, error);
  if (status != VT_STATUS_OK)
    return status;
  if (scores == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "BSS Eval: no score arrays given");
  if (framewise && (window < 1 || hop < 1))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "BSS Eval: window and hop must be at least one sample (got %lld, %lld)",
                         (long long) window, (long long) hop);
  if (compute_permutation && s->n_sources > VT_BSS_EVAL_MAX_PERMUTED_SOURCES)
    return vt_error_set (error, VT_STATUS_UNSUPPORTED,
                         "BSS Eval: the permutation search is limited to %d sources (got %d)",
                         VT_BSS_EVAL_MAX_PERMUTED_SOURCES, s->n_sources);
  const int ns = s->n_sources;
  bool all_pairs = compute_permutation && ns > 1;
  int64_t n_windows = framewise ? vt_bss_eval_v3_window_count (s->n_frames, window, hop) : 1;
  if (n_windows == 1)
    {
      status = evaluate_segment (self, s, 0, s->n_frames, images, all_pairs, scores, 1, 0, error);
      if (status == VT_STATUS_OK && !report (self, 1.0))
        return numeric_error (VT_STATUS_CANCELLED, error);
      return status;
    }

  for (int64_t k = 0; k < n_windows; k++)
    {
      int64_t start = k * hop;
      if (find_silent_source (s->references, ns, s->n_channels, start, window) >= 0
          || find_silent_source (s->estimates, ns, s->n_channels, start, window) >= 0)
        store_silent (ns, n_windows, k, scores);
      else
        {
          status = evaluate_segment (self, s, start, window, images, all_pairs, scores,
                                     n_windows, k, error);
          if (status != VT_STATUS_OK)
            return status;
        }
      if (!report (self, (double) (k + 1) / (double) n_windows))
        return numeric_error (VT_STATUS_CANCELLED, error);
    }
  return VT_STATUS_OK;
}

VtStatus
vt_bss_eval_sources (VtBssEval *self, const VtBssSignals *signals, bool compute_permutation,
                     const VtBssScores *scores, VtError *error)
{
  return evaluate_v3 (self, signals, false, 0, 0, false, compute_permutation, scores, error);
}

VtStatus
vt_bss_eval_sources_framewise (VtBssEval *self, const VtBssSignals *signals, int64_t window,
                               int64_t hop, bool compute_permutation, const VtBssScores *scores,
                               VtError *error)
{
  return evaluate_v3 (self, signals, true, window, hop, false, compute_permutation, scores,
                      error);
}

VtStatus
vt_bss_eval_images (VtBssEval *self, const VtBssSignals *signals, bool compute_permutation,
                    const VtBssScores *scores, VtError *error)
{
  return evaluate_v3 (self, signals, false, 0, 0, true, compute_permutation, scores, error);
}

VtStatus
vt_bss_eval_images_framewise (VtBssEval *self, const VtBssSignals *signals, int64_t window,
                              int64_t hop, bool compute_permutation, const VtBssScores *scores,
                              VtError *error)
{
  return evaluate_v3 (self, signals, true, window, hop, true, compute_permutation, scores,
                      error);
}

VtStatus
vt_bss_eval_v4 (VtBssEval *self, const VtBssSignals *s, int64_t window, int64_t hop,
                const VtBssScores *scores, VtError *error)
{
  VtStatus status = validate (self, s, error);
  if (status != VT_STATUS_OK)
    return status;
  if (scores == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "BSS Eval: no score arrays given");
  if (window < 1 || hop < 1)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "BSS Eval: window and hop must be at least one sample (got %lld, %lld)",
                         (long long) window, (long long) hop);
  const int ns = s->n_sources;
  const int nt = ns * s->n_channels;
  const int64_t n_windows = vt_bss_eval_v4_window_count (s->n_frames, window, hop);

  status = select_basis (self, s, 0, s->n_frames, error);
  if (status != VT_STATUS_OK)
    return status;
  /* Filters once over the whole signal; museval adds eps to the diagonal. */
  status = correlate (self, s, 0, s->n_frames, 0.0, 0.5);
  if (status == VT_STATUS_OK)
    status = solve_all (self, ns, nt, DBL_EPSILON);
  if (status == VT_STATUS_OK)
    status = transform_filters (self, nt);
  if (status != VT_STATUS_OK)
    return numeric_error (status, error);

  for (int64_t k = 0; k < n_windows; k++)
    {
      int64_t start = k * hop;
      int64_t length = start + window < s->n_frames ? window : s->n_frames - start;
      if (find_silent_source (s->references, ns, s->n_channels, start, length) >= 0
          || find_silent_source (s->estimates, ns, s->n_channels, start, length) >= 0)
        store_silent (ns, n_windows, k, scores);
      else
        {
          status = project_window (self, s, start, length, false);
          if (status == VT_STATUS_OK)
            status = compute_criteria (self, ns, true, false);
          if (status == VT_STATUS_OK)
            status = choose_permutation (self, ns, false);
          if (status != VT_STATUS_OK)
            return numeric_error (status, error);
          store_scores (self, ns, n_windows, k, scores);
        }
      if (!report (self, 0.5 + 0.5 * (double) (k + 1) / (double) n_windows))
        return numeric_error (VT_STATUS_CANCELLED, error);
    }
  return VT_STATUS_OK;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
vt_bss_eval_nan_median (const double *values, int64_t n)
{
  if (values == NULL || n < 1)
    return NAN;
  double *sorted = malloc (sizeof (double) * (size_t) n);
  if (sorted == NULL)
    return NAN;
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++)
    if (!isnan (values[i]))
      sorted[m++] = values[i];
  double median = NAN;
  if (m > 0)
    {
      qsort (sorted, (size_t) m, sizeof (double), compare_doubles);
      median = m % 2 ? sorted[m / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]);
    }
  free (sorted);
  return median;
}
