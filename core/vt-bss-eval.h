/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-bss-eval: BSS Eval separation metrics (SDR, ISR, SIR, SAR), version 3
 * as mir_eval.separation and the MATLAB original compute them, and version 4
 * as museval (the SiSEC 2018 / MUSDB18 convention).
 *
 * Every variant splits an estimate into the true source, a filtering
 * distortion, interference and artifacts by projecting it, by least squares,
 * onto the span of the references delayed by 0..511 samples (512-tap
 * time-invariant filters, Vincent et al. 2006):
 * - v3 "sources" (mir_eval bss_eval_sources): SDR, SIR, SAR against the
 *   filtered reference; ISR is NaN. Meant for mono sources; with several
 *   channels every channel of every reference spans the subspace (museval's
 *   bsseval_sources_version).
 * - v3 "images" (mir_eval bss_eval_images): multichannel images, each
 *   estimate channel projected onto all channels of all references; SDR and
 *   ISR against the unfiltered image.
 * - v3 framewise: the same on windows [k * hop, k * hop + window) with filters
 *   estimated anew in each window; only whole windows are evaluated, and when
 *   fewer than two fit the whole signal is evaluated as one window
 *   (vt_bss_eval_v3_window_count). A window where some reference or estimate
 *   is silent gives NaN (and permutation -1).
 * - v4 (museval bss_eval with framewise_filters=False): images criteria, the
 *   filters estimated once on the whole signal, the metrics computed per
 *   window [t * hop, min (t * hop + window, n)) for
 *   vt_bss_eval_v4_window_count windows (default window = hop = 44100).
 *   Silent windows give NaN. No permutation (museval.evaluate uses none).
 * With compute_permutation the estimates are matched to the references by
 * the permutation of best mean SIR (the first one in lexicographic order on
 * ties), as mir_eval does; permutation[j] is the estimate matched to
 * reference j and the scores are reported in reference order.
 *
 * Deviations, on purpose: silent whole sources, non-finite samples, empty
 * input and mismatched shapes are errors (VT_STATUS_BAD_DATA /
 * VT_STATUS_BAD_ARGUMENT with a message), where mir_eval raises or returns
 * empty arrays; the ISR of a silent window is NaN (mir_eval leaves it
 * uninitialised). Reference channels that are all zero or exact copies of
 * another channel of the same source are left out of the spanning set, which
 * does not change the span but keeps the Gram matrix invertible; when it is
 * still singular (proportional channels, identical sources) a pivoted
 * Cholesky factorisation solves the least-squares problem on its numerical
 * rank, where mir_eval falls back to lstsq: the projection is the same.
 *
 * How it is fast: correlations come from blocked FFTs (double precision, the
 * whole signal is never transformed at once), the Gram matrix is factored
 * once by LAPACK's Cholesky (OpenBLAS) for all estimates, and projections are
 * overlap-save FFT convolutions. A 4-minute stereo pair takes about 1.2 s of
 * CPU in v4 (bench/bench-metrics). Music's Gram matrices are ill-conditioned
 * (band-limited references: condition numbers of 1e12-1e15), so the Cholesky
 * solution is refined twice with residuals in long double; this makes the
 * scores independent of OpenBLAS's thread count. Estimates far outside the
 * references' band (e.g. noise with a DC offset) still get SIR values that
 * rounding moves by about 0.01 dB, in museval as here.
 *
 * Signals: n_sources references and as many estimates, each an interleaved
 * float buffer of n_frames * n_channels samples, borrowed for the call.
 * Scores: caller-owned arrays of n_sources * n_windows values laid out
 * source-major (score[source * n_windows + window]); n_windows is 1 for the
 * whole-signal functions. Any of the arrays may be NULL.
 *
 * Ownership and threads: a VtBssEval owns its FFT plans and scratch (grown as
 * needed and kept for the next call); one VtBssEval per thread at a time.
 * Several may run in parallel (plans are made under the FFTW planner lock).
 * LAPACK runs with OpenBLAS's threads (OPENBLAS_NUM_THREADS).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "vt-status.h"

#define VT_BSS_EVAL_FILTER_LENGTH 512
/* As mir_eval.separation.MAX_SOURCES. */
#define VT_BSS_EVAL_MAX_SOURCES 100
/* The permutation search tries every ordering: n! of them. */
#define VT_BSS_EVAL_MAX_PERMUTED_SOURCES 9
/* Spanning reference channels (sources x channels): the Gram matrix has
 * (512 x this)^2 entries. */
#define VT_BSS_EVAL_MAX_REFERENCE_CHANNELS 32
/* museval's default for the v4 windows, in samples. */
#define VT_BSS_EVAL_V4_WINDOW 44100

typedef struct VtBssEval VtBssEval;

typedef struct
{
  int n_sources;
  int n_channels;
  int64_t n_frames;
  const float *const *references; /* n_sources buffers of n_frames * n_channels */
  const float *const *estimates;  /* same shape, estimate j for reference j */
} VtBssSignals;

typedef struct
{
  double *sdr;
  double *isr; /* NaN for the sources variants */
  double *sir;
  double *sar;
  int *permutation; /* estimate index matched to each reference; -1 when silent */
} VtBssScores;

/* Called between windows and passes with the fraction done; return false to
 * cancel (the call then returns VT_STATUS_CANCELLED). */
typedef bool (*VtBssEvalProgressFunc) (double fraction, void *user_data);

VtBssEval *vt_bss_eval_new (void);
void vt_bss_eval_free (VtBssEval *self);

void vt_bss_eval_set_progress (VtBssEval *self, VtBssEvalProgressFunc func, void *user_data);

/* Number of windows the framewise functions produce. */
int64_t vt_bss_eval_v3_window_count (int64_t n_frames, int64_t window, int64_t hop);
int64_t vt_bss_eval_v4_window_count (int64_t n_frames, int64_t window, int64_t hop);

VtStatus vt_bss_eval_sources (VtBssEval *self, const VtBssSignals *signals,
                              bool compute_permutation, const VtBssScores *scores,
                              VtError *error);

VtStatus vt_bss_eval_sources_framewise (VtBssEval *self, const VtBssSignals *signals,
                                        int64_t window, int64_t hop, bool compute_permutation,
                                        const VtBssScores *scores, VtError *error);

VtStatus vt_bss_eval_images (VtBssEval *self, const VtBssSignals *signals,
                             bool compute_permutation, const VtBssScores *scores,
                             VtError *error);

VtStatus vt_bss_eval_images_framewise (VtBssEval *self, const VtBssSignals *signals,
                                       int64_t window, int64_t hop, bool compute_permutation,
                                       const VtBssScores *scores, VtError *error);

VtStatus vt_bss_eval_v4 (VtBssEval *self, const VtBssSignals *signals, int64_t window,
                         int64_t hop, const VtBssScores *scores, VtError *error);

/* Median of the non-NaN values (the mean of the two middle ones for an even
 * count), as numpy.nanmedian and SiSEC's per-track aggregate; NaN if none.
 * Does not modify values; allocates a copy (NaN on allocation failure). */
double vt_bss_eval_nan_median (const double *values, int64_t n);
