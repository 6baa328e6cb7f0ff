/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-parallel.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define VT_PARALLEL_MAX_THREADS 16

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
static int pool_threads = 1; /* including the caller */
static unsigned long pool_generation;
static int pool_pending;
static VtParallelFunc job_func;
static void *job_data;
static size_t job_n;

static void
job_range (int part, size_t *begin, size_t *end)
{
  *begin = job_n * (size_t) part / (size_t) pool_threads;
  *end = job_n * (size_t) (part + 1) / (size_t) pool_threads;
}

static void *
worker (void *arg)
{
  int part = (int) (size_t) arg;
  unsigned long seen = 0;
  for (;;)
    {
      pthread_mutex_lock (&pool_lock);
      while (pool_generation == seen)
        pthread_cond_wait (&pool_wake, &pool_lock);
      seen = pool_generation;
      pthread_mutex_unlock (&pool_lock);
      size_t begin, end;
      job_range (part, &begin, &end);
      if (begin < end)
        job_func (job_data, begin, end);
      pthread_mutex_lock (&pool_lock);
      if (--pool_pending == 0)
        pthread_cond_signal (&pool_done);
      pthread_mutex_unlock (&pool_lock);
    }
  return NULL;
}

static void
pool_start (void)
{
  /* Off unless asked for: on a loaded 2-core machine the helper competed
   * with OpenBLAS's own (yielding) threads and the gain could not be shown. */
  const char *text = getenv ("VT_NN_THREADS");
  int wanted = text ? atoi (text) : 1;
  if (wanted < 1)
    wanted = 1;
  if (wanted > VT_PARALLEL_MAX_THREADS)
    wanted = VT_PARALLEL_MAX_THREADS;
  pthread_attr_t attr;
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  int started = 1;
  for (int i = 1; i < wanted; i++)
    {
      pthread_t thread;
      if (pthread_create (&thread, &attr, worker, (void *) (size_t) i) != 0)
        break; /* fewer helpers: still correct */
      started++;
    }
  pthread_attr_destroy (&attr);
  pool_threads = started;
}

int
vt_parallel_get_threads (void)
{
  pthread_once (&pool_once, pool_start);
  return pool_threads;
}

void
vt_parallel_for (size_t n, size_t grain, VtParallelFunc func, void *data)
{
  if (n == 0)
    return;
  pthread_once (&pool_once, pool_start);
  if (pool_threads == 1 || n < 2 * (grain ? grain : 1) || pthread_mutex_trylock (&pool_busy) != 0)
    {
      func (data, 0, n);
      return;
    }
  pthread_mutex_lock (&pool_lock);
  job_func = func;
  job_data = data;
  job_n = n;
  pool_pending = pool_threads - 1;
  pool_generation++;
  pthread_cond_broadcast (&pool_wake);
  pthread_mutex_unlock (&pool_lock);
  size_t begin, end;
  job_range (0, &begin, &end);
  func (data, begin, end);
  pthread_mutex_lock (&pool_lock);
  while (pool_pending > 0)
    pthread_cond_wait (&pool_done, &pool_lock);
  pthread_mutex_unlock (&pool_lock);
  pthread_mutex_unlock (&pool_busy);
}
