/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-fft.h"

#include <pthread.h>

static pthread_mutex_t planner_mutex = PTHREAD_MUTEX_INITIALIZER;

void
vt_fft_planner_lock (void)
{
  pthread_mutex_lock (&planner_mutex);
}

void
vt_fft_planner_unlock (void)
{
  pthread_mutex_unlock (&planner_mutex);
}

size_t
vt_fft_good_size (size_t n)
{
  if (n < 1)
    return 1;
  for (size_t m = n;; m++)
    {
      size_t r = m;
      while (r % 2 == 0)
        r /= 2;
      while (r % 3 == 0)
        r /= 3;
      while (r % 5 == 0)
        r /= 5;
      if (r == 1)
        return m;
    }
}
