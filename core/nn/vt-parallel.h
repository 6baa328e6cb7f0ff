/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-parallel: splits the nn engine's non-matrix work (im2col, elementwise
 * layers, batch norm, Adam) over the same number of threads OpenBLAS uses,
 * so that the second core does not idle between matrix products.
 *
 * vt_parallel_for (n, grain, func, data) calls func (data, begin, end) on
 * disjoint ranges covering [0, n) and returns when all are done. Ranges of
 * fewer than grain items are not split. Each item must be independent of the
 * others, so results never depend on the thread count. The helper threads
 * sleep on a condition variable when idle (no spinning: the machine is
 * shared with OpenBLAS's threads). One job runs at a time: a caller that
 * finds the pool busy (another VtNet in another thread) simply runs its
 * range itself. VT_NN_THREADS sets the thread count, read once; the default
 * is 1 (no helpers): measured on a shared, loaded 2-core machine, helpers
 * raised CPU use without a wall-time gain that could be shown.
 */
#pragma once

#include <stddef.h>

typedef void (*VtParallelFunc) (void *data, size_t begin, size_t end);

void vt_parallel_for (size_t n, size_t grain, VtParallelFunc func, void *data);
int vt_parallel_get_threads (void);
