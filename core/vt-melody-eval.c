/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-melody-eval.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
vt_melody_options_init (VtMelodyOptions *options)
{
  options->base_frequency = 10.0;
  options->hop = 0.0;
  options->cent_tolerance = 50.0;
  options->interp = VT_MELODY_INTERP_LINEAR;
}

void
vt_melody_series_init (VtMelodySeries *series)
{
  series->times = NULL;
  series->frequencies = NULL;
  series->n = 0;
}

void
vt_melody_series_clear (VtMelodySeries *series)
{
  if (series == NULL)
    return;
  free (series->times);
  free (series->frequencies);
  vt_melody_series_init (series);
}

void
vt_melody_frames_init (VtMelodyFrames *frames)
{
  frames->ref_voicing = NULL;
  frames->ref_cent = NULL;
  frames->est_voicing = NULL;
  frames->est_cent = NULL;
  frames->n = 0;
}

void
vt_melody_frames_clear (VtMelodyFrames *frames)
{
  if (frames == NULL)
    return;
  free (frames->ref_voicing);
  free (frames->ref_cent);
  free (frames->est_voicing);
  free (frames->est_cent);
  vt_melody_frames_init (frames);
}

/* ---- Reading "time frequency" files ---------------------------------- */

static bool
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* Parses all of [start, end) as one finite number. */
static bool
parse_number (const char *start, const char *end, double *value)
{
  char field[64];
  size_t length = (size_t) (end - start);
  if (length == 0 || length >= sizeof field)
    return false;
  memcpy (field, start, length);
  field[length] = '\0';
  char *stop = NULL;
  errno = 0;
  double parsed = strtod (field, &stop);
  if (stop != field + length || !isfinite (parsed))
    return false;
  /* Underflow to a subnormal or 0 is still the number written. */
  if (errno == ERANGE && fabs (parsed) > 1.0)
    return false;
  *value = parsed;
  return true;
}

static VtStatus
series_append (VtMelodySeries *series, size_t *capacity, double time, double frequency)
{
  if (series->n == *capacity)
    {
      size_t grown = *capacity ? *capacity * 2 : 1024;
      double *times = realloc (series->times, grown * sizeof *times);
      if (times == NULL)
        return VT_STATUS_NO_MEMORY;
      series->times = times;
      double *frequencies = realloc (series->frequencies, grown * sizeof *frequencies);
      if (frequencies == NULL)
        return VT_STATUS_NO_MEMORY;
      series->frequencies = frequencies;
      *capacity = grown;
    }
  series->times[series->n] = time;
  series->frequencies[series->n] = frequency;
  series->n++;
  return VT_STATUS_OK;
}

/* One line, without its line break: appends its (time, frequency), or does
 * nothing for a comment, a blank line or a header. */
static VtStatus
parse_line (const char *line, const char *end, const char *name, size_t line_number,
            bool first_data_line, VtMelodySeries *series, size_t *capacity, VtError *error)
{
  if (line < end && line[0] == '#')
    return VT_STATUS_OK;
  while (line < end && is_blank (*line))
    line++;
  while (end > line && is_blank (end[-1]))
    end--;
  if (line == end)
    return VT_STATUS_OK;

  const char *first = line, *first_end = line;
  while (first_end < end && !is_blank (*first_end) && *first_end != ',')
    first_end++;
  const char *p = first_end;
  while (p < end && is_blank (*p))
    p++;
  if (p < end && *p == ',')
    {
      p++;
      while (p < end && is_blank (*p))
        p++;
    }
  const char *second = p, *second_end = p;
  while (second_end < end && !is_blank (*second_end) && *second_end != ',')
    second_end++;
  int excerpt = (int) (end - line > 60 ? 60 : end - line);

  if (first == first_end || second == second_end)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                         "%s:%zu: expected two columns (time in s, frequency in Hz), found one: "
                         "\"%.*s\"", name, line_number, excerpt, line);
  if (second_end != end)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                         "%s:%zu: expected two columns (time in s, frequency in Hz), found more: "
                         "\"%.*s\"", name, line_number, excerpt, line);

  double time, frequency;
  bool time_ok = parse_number (first, first_end, &time);
  bool frequency_ok = parse_number (second, second_end, &frequency);
  if (!time_ok && !frequency_ok && first_data_line && isalpha ((unsigned char) first[0])
      && isalpha ((unsigned char) second[0]))
    return VT_STATUS_OK; /* a header such as "time,frequency" */
  if (!time_ok)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                         "%s:%zu: the time \"%.*s\" is not a finite number", name, line_number,
                         (int) (first_end - first > 40 ? 40 : first_end - first), first);
  if (!frequency_ok)
    return vt_error_set (error, VT_STATUS_BAD_FORMAT,
                         "%s:%zu: the frequency \"%.*s\" is not a finite number", name,
                         line_number, (int) (second_end - second > 40 ? 40 : second_end - second),
                         second);
  if (time < 0)
    return vt_error_set (error, VT_STATUS_BAD_DATA, "%s:%zu: the time %g s is negative", name,
                         line_number, time);
  if (series->n > 0 && time < series->times[series->n - 1])
    return vt_error_set (error, VT_STATUS_BAD_DATA,
                         "%s:%zu: the time %g s comes before the previous line's %g s "
                         "(times must not decrease)", name, line_number, time,
                         series->times[series->n - 1]);
  if (series_append (series, capacity, time, frequency) != VT_STATUS_OK)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "%s: out of memory at line %zu", name,
                         line_number);
  return VT_STATUS_OK;
}

VtStatus
vt_melody_series_parse (const char *text, const char *name, VtMelodySeries *series,
                        VtError *error)
{
  vt_melody_series_clear (series);
  if (name == NULL)
    name = "pitch series";
  if (text == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "%s: no text", name);

  /* strtod follows LC_NUMERIC; a user's locale may use a decimal comma. */
  locale_t c_locale = newlocale (LC_ALL_MASK, "C", (locale_t) 0);
  if (c_locale == (locale_t) 0)
    return vt_error_set (error, VT_STATUS_NO_MEMORY, "%s: cannot create the C locale", name);
  locale_t previous = uselocale (c_locale);

  VtStatus status = VT_STATUS_OK;
  size_t capacity = 0;
  size_t line_number = 0;
  const char *line = text;
  while (*line != '\0')
    {
      const char *end = line;
      while (*end != '\0' && *end != '\n' && *end != '\r')
        end++;
      line_number++;
      status = parse_line (line, end, name, line_number, series->n == 0, series, &capacity,
                           error);
      if (status != VT_STATUS_OK)
        break;
      if (*end == '\r' && end[1] == '\n')
        end++;
      line = *end ? end + 1 : end;
    }
  uselocale (previous);
  freelocale (c_locale);

  if (status == VT_STATUS_OK && series->n == 0)
    status = vt_error_set (error, VT_STATUS_BAD_DATA,
                           "%s: no (time, frequency) lines in it", name);
  if (status != VT_STATUS_OK)
    vt_melody_series_clear (series);
  return status;
}

VtStatus
vt_melody_series_load (const char *path, VtMelodySeries *series, VtError *error)
{
  vt_melody_series_clear (series);
  if (path == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "no pitch file given");
  FILE *file = fopen (path, "rb");
  if (file == NULL)
    return vt_error_set (error, errno == ENOENT ? VT_STATUS_NOT_FOUND : VT_STATUS_IO,
                         "%s: cannot open: %s", path, strerror (errno));

  size_t capacity = 1 << 16, length = 0;
  char *text = malloc (capacity);
  VtStatus status = VT_STATUS_OK;
  if (text == NULL)
    status = vt_error_set (error, VT_STATUS_NO_MEMORY, "%s: out of memory", path);
  while (status == VT_STATUS_OK)
    {
      if (capacity - length < 2)
        {
          char *grown = realloc (text, capacity * 2);
          if (grown == NULL)
            {
              status = vt_error_set (error, VT_STATUS_NO_MEMORY, "%s: out of memory", path);
              break;
            }
          text = grown;
          capacity *= 2;
        }
      size_t got = fread (text + length, 1, capacity - length - 1, file);
      length += got;
      if (got == 0)
        {
          if (ferror (file))
            status = vt_error_set (error, VT_STATUS_IO, "%s: read error", path);
          break;
        }
    }
  fclose (file);
  if (status == VT_STATUS_OK)
    {
      text[length] = '\0';
      if (memchr (text, '\0', length) != NULL)
        status = vt_error_set (error, VT_STATUS_BAD_FORMAT,
                               "%s: not a text file of (time, frequency) lines", path);
      else
        status = vt_melody_series_parse (text, path, series, error);
    }
  free (text);
  return status;
}

/* ---- Resampling as mir_eval.melody.resample_melody_series ------------ */

double
vt_melody_hz_to_cents (double hz, double base_frequency)
{
  if (hz == 0.0)
    return 0.0;
  return 1200.0 * log2 (fabs (hz) / base_frequency);
}

/* numpy.round (x, 10) */
static double
round10 (double x)
{
  return rint (x * 1e10) / 1e10;
}

/* Index of the last x[j] <= key, or -1 (numpy.searchsorted side='right' - 1). */
static ptrdiff_t
last_at_or_before (const double *x, size_t n, double key)
{
  size_t lo = 0, hi = n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (x[mid] <= key)
        lo = mid + 1;
      else
        hi = mid;
    }
  return (ptrdiff_t) lo - 1;
}

/* scipy interp1d kind='linear', which delegates to numpy.interp. Callers
 * keep key within [x[0], x[n-1]]. */
static double
interp_linear (const double *x, const double *y, size_t n, double key)
{
  ptrdiff_t j = last_at_or_before (x, n, key);
  if (j < 0)
    return y[0];
  if ((size_t) j >= n - 1)
    return y[n - 1];
  if (x[j] == key)
    return y[j];
  double slope = (y[j + 1] - y[j]) / (x[j + 1] - x[j]);
  double value = slope * (key - x[j]) + y[j];
  if (isnan (value))
    {
      value = slope * (key - x[j + 1]) + y[j + 1];
      if (isnan (value) && y[j] == y[j + 1])
        value = y[j];
    }
  return value;
}

/* kind='zero': a degree-0 B-spline, i.e. the value of the last x <= key. */
static double
interp_zero (const double *x, const double *y, size_t n, double key)
{
  ptrdiff_t j = last_at_or_before (x, n, key);
  if (j < 0)
    j = 0;
  return y[j];
}

/* kind='nearest': the first midpoint >= key decides; a tie goes left. */
static double
interp_nearest (const double *x, const double *y, size_t n, double key)
{
  size_t lo = 0, hi = n - 1; /* searchsorted (midpoints, key, side='left') */
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      double bound = x[mid + 1] / 2.0 + x[mid] / 2.0;
      if (bound < key)
        lo = mid + 1;
      else
        hi = mid;
    }
  return y[lo];
}

static double
interp_at (VtMelodyInterp interp, const double *x, const double *y, size_t n, double key)
{
  switch (interp)
    {
    case VT_MELODY_INTERP_NEAREST: return interp_nearest (x, y, n, key);
    case VT_MELODY_INTERP_ZERO: return interp_zero (x, y, n, key);
    case VT_MELODY_INTERP_LINEAR: break;
    }
  return interp_linear (x, y, n, key);
}

static bool
times_all_close (const double *a, const double *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!(fabs (a[i] - b[i]) <= 1e-8 + 1e-5 * fabs (b[i])))
      return false;
  return true;
}

/* Resamples (times, cents, voicing) of n samples onto times_new (n_new),
 * writing cents_out and voicing_out (n_new each). */
static VtStatus
resample_series (const double *times_in, const double *cents_in, const double *voicing_in,
                 size_t n, const double *times_new_in, size_t n_new, VtMelodyInterp interp,
                 double *cents_out, double *voicing_out)
{
  if (n == n_new && times_all_close (times_in, times_new_in, n))
    {
      memcpy (cents_out, cents_in, n * sizeof *cents_out);
      memcpy (voicing_out, voicing_in, n * sizeof *voicing_out);
      return VT_STATUS_OK;
    }

  double *times = malloc ((n + 1) * sizeof *times);
  double *cents = malloc ((n + 1) * sizeof *cents);
  double *voicing = malloc ((n + 1) * sizeof *voicing);
  double *held = malloc ((n + 1) * sizeof *held);
  if (!times || !cents || !voicing || !held)
    {
      free (times);
      free (cents);
      free (voicing);
      free (held);
      return VT_STATUS_NO_MEMORY;
    }

  double max_time = -INFINITY, max_new = -INFINITY;
  for (size_t i = 0; i < n; i++)
    {
      times[i] = round10 (times_in[i]);
      cents[i] = cents_in[i];
      voicing[i] = voicing_in[i];
      max_time = fmax (max_time, times[i]);
    }
  for (size_t i = 0; i < n_new; i++)
    max_new = fmax (max_new, round10 (times_new_in[i]));
  /* Asking past the end: the series goes unvoiced there. */
  if (max_new > max_time)
    {
      times[n] = max_new;
      cents[n] = 0.0;
      voicing[n] = 0.0;
      n++;
    }

  bool binary_voicing = true;
  for (size_t i = 0; i < n; i++)
    if (voicing[i] != 0.0 && voicing[i] != 1.0)
      binary_voicing = false;

  if (interp == VT_MELODY_INTERP_LINEAR)
    {
      /* Interpolate across unvoiced gaps from the last pitch, then put the
       * gaps back, so that no frame gets a pitch halfway to 0 cents. */
      held[0] = cents[0];
      for (size_t i = 1; i < n; i++)
        held[i] = cents[i] == 0.0 ? held[i - 1] : cents[i];
      for (size_t i = 0; i < n_new; i++)
        {
          double key = round10 (times_new_in[i]);
          double value = interp_linear (times, held, n, key);
          double mask = interp_zero (times, cents, n, key);
          cents_out[i] = value * (double) (mask != 0.0);
        }
    }
  else
    {
      for (size_t i = 0; i < n_new; i++)
        cents_out[i] = interp_at (interp, times, cents, n, round10 (times_new_in[i]));
    }

  VtMelodyInterp voicing_interp = VT_MELODY_INTERP_ZERO;
  if (interp == VT_MELODY_INTERP_NEAREST
      || (interp == VT_MELODY_INTERP_LINEAR && !binary_voicing))
    voicing_interp = interp;
  for (size_t i = 0; i < n_new; i++)
    voicing_out[i] = interp_at (voicing_interp, times, voicing, n, round10 (times_new_in[i]));

  free (times);
  free (cents);
  free (voicing);
  free (held);
  return VT_STATUS_OK;
}

/* mir_eval.melody.constant_hop_timebase: 0, hop, ... up to end_time. */
static VtStatus
constant_hop_timebase (double hop, double end_time, double **times_out, size_t *n_out)
{
  end_time = round10 (end_time);
  double steps = floor (end_time / hop);
  if (!(steps >= 0) || steps > 1e9)
    return VT_STATUS_BAD_ARGUMENT;
  size_t count = (size_t) steps + 1;
  double *times = malloc (count * sizeof *times);
  if (times == NULL)
    return VT_STATUS_NO_MEMORY;
  /* numpy.linspace (0, hop * steps, count), then numpy.round (, 10). */
  double stop = hop * steps;
  double step = count > 1 ? stop / (double) (count - 1) : 0.0;
  for (size_t i = 0; i < count; i++)
    times[i] = round10 ((double) i * step);
  if (count > 1)
    times[count - 1] = round10 (stop);
  *times_out = times;
  *n_out = count;
  return VT_STATUS_OK;
}

/* ---- to_cent_voicing ------------------------------------------------- */

/* One side (reference or estimate) after mir_eval's preprocessing: a sample
 * at time 0 if missing, voicing split from frequency, cents. */
typedef struct
{
  double *times;
  double *cents;
  double *voicing;
  size_t n;
} Side;

static void
side_clear (Side *side)
{
  free (side->times);
  free (side->cents);
  free (side->voicing);
  side->times = side->cents = side->voicing = NULL;
}

static VtStatus
side_prepare (const char *what, const double *times, const double *hz, size_t n,
              const double *voicing, const char *voicing_name, double base_frequency, Side *side,
              VtError *error)
{
  side->times = side->cents = side->voicing = NULL;
  if (n == 0 || times == NULL || hz == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "the %s pitch series is empty", what);
  for (size_t i = 0; i < n; i++)
    {
      if (!isfinite (times[i]) || times[i] < 0)
        return vt_error_set (error, VT_STATUS_BAD_DATA,
                             "the %s pitch series has a negative or non-finite time at "
                             "sample %zu", what, i);
      if (i > 0 && times[i] < times[i - 1])
        return vt_error_set (error, VT_STATUS_BAD_DATA,
                             "the %s pitch series goes back in time at sample %zu "
                             "(%g s after %g s)", what, i, times[i], times[i - 1]);
      if (!isfinite (hz[i]))
        return vt_error_set (error, VT_STATUS_BAD_DATA,
                             "the %s pitch series has a non-finite frequency at sample %zu",
                             what, i);
      if (voicing != NULL && !(voicing[i] >= 0.0 && voicing[i] <= 1.0))
        return vt_error_set (error, VT_STATUS_BAD_DATA,
                             "the %s %s at sample %zu is %g, outside [0, 1]", what,
                             voicing_name, i, voicing[i]);
    }

  size_t offset = times[0] > 0 ? 1 : 0;
  size_t total = n + offset;
  side->times = malloc (total * sizeof (double));
  side->cents = malloc (total * sizeof (double));
  side->voicing = malloc (total * sizeof (double));
  if (!side->times || !side->cents || !side->voicing)
    {
      side_clear (side);
      return vt_error_set (error, VT_STATUS_NO_MEMORY,
                           "out of memory for a pitch series of %zu samples", n);
    }
  side->n = total;
  for (size_t i = 0; i < total; i++)
    {
      size_t source = i < offset ? 0 : i - offset;
      double frequency = hz[source];
      side->times[i] = i < offset ? 0.0 : times[source];
      side->cents[i] = vt_melody_hz_to_cents (frequency, base_frequency);
      if (voicing != NULL)
        side->voicing[i] = frequency == 0.0 ? 0.0 : voicing[source];
      else
        side->voicing[i] = frequency > 0.0 ? 1.0 : 0.0;
    }
  return VT_STATUS_OK;
}

static const VtMelodyOptions *
options_or_default (const VtMelodyOptions *options, VtMelodyOptions *storage)
{
  if (options != NULL)
    return options;
  vt_melody_options_init (storage);
  return storage;
}

VtStatus
vt_melody_to_cent_voicing (const double *ref_times, const double *ref_hz, size_t n_ref,
                           const double *est_times, const double *est_hz, size_t n_est,
                           const double *est_voicing, const double *ref_reward,
                           const VtMelodyOptions *options, VtMelodyFrames *frames,
                           VtError *error)
{
  VtMelodyOptions defaults;
  options = options_or_default (options, &defaults);
  vt_melody_frames_clear (frames);
  if (!(options->base_frequency > 0) || !isfinite (options->base_frequency))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "the base frequency must be positive (got %g Hz)",
                         options->base_frequency);
  if (!(options->hop >= 0) || !isfinite (options->hop))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "the hop must be 0 (reference times) or positive (got %g s)",
                         options->hop);

  Side ref, est;
  VtStatus status = side_prepare ("reference", ref_times, ref_hz, n_ref, ref_reward, "reward",
                                  options->base_frequency, &ref, error);
  if (status != VT_STATUS_OK)
    return status;
  status = side_prepare ("estimated", est_times, est_hz, n_est, est_voicing, "voicing",
                         options->base_frequency, &est, error);
  if (status != VT_STATUS_OK)
    {
      side_clear (&ref);
      return status;
    }

  double *ref_grid = NULL, *est_grid = NULL;
  size_t n_ref_grid = 0, n_est_grid = 0;
  double *est_cent = NULL, *est_v = NULL;
  if (options->hop > 0)
    {
      status = constant_hop_timebase (options->hop, ref.times[ref.n - 1], &ref_grid, &n_ref_grid);
      if (status == VT_STATUS_OK)
        status = constant_hop_timebase (options->hop, est.times[est.n - 1], &est_grid,
                                        &n_est_grid);
      if (status != VT_STATUS_OK)
        goto fail;
      frames->ref_cent = malloc (n_ref_grid * sizeof (double));
      frames->ref_voicing = malloc (n_ref_grid * sizeof (double));
      if (!frames->ref_cent || !frames->ref_voicing)
        {
          status = VT_STATUS_NO_MEMORY;
          goto fail;
        }
      status = resample_series (ref.times, ref.cents, ref.voicing, ref.n, ref_grid, n_ref_grid,
                                options->interp, frames->ref_cent, frames->ref_voicing);
      if (status != VT_STATUS_OK)
        goto fail;
      frames->n = n_ref_grid;
    }
  else
    {
      /* The reference stays as it is (with its added sample at 0). */
      frames->ref_cent = ref.cents;
      frames->ref_voicing = ref.voicing;
      ref.cents = ref.voicing = NULL;
      frames->n = ref.n;
      est_grid = malloc (ref.n * sizeof (double));
      if (est_grid == NULL)
        {
          status = VT_STATUS_NO_MEMORY;
          goto fail;
        }
      memcpy (est_grid, ref.times, ref.n * sizeof (double));
      n_est_grid = ref.n;
    }

  est_cent = malloc (n_est_grid * sizeof (double));
  est_v = malloc (n_est_grid * sizeof (double));
  frames->est_cent = calloc (frames->n, sizeof (double));
  frames->est_voicing = calloc (frames->n, sizeof (double));
  if (!est_cent || !est_v || !frames->est_cent || !frames->est_voicing)
    {
      status = VT_STATUS_NO_MEMORY;
      goto fail;
    }
  status = resample_series (est.times, est.cents, est.voicing, est.n, est_grid, n_est_grid,
                            options->interp, est_cent, est_v);
  if (status != VT_STATUS_OK)
    goto fail;
  /* An estimate that ends early is unvoiced (0) for the rest; a longer one
   * is cut to the reference. */
  size_t common = n_est_grid < frames->n ? n_est_grid : frames->n;
  memcpy (frames->est_cent, est_cent, common * sizeof (double));
  memcpy (frames->est_voicing, est_v, common * sizeof (double));

  free (est_cent);
  free (est_v);
  free (ref_grid);
  free (est_grid);
  side_clear (&ref);
  side_clear (&est);
  return VT_STATUS_OK;

fail:
  free (est_cent);
  free (est_v);
  free (ref_grid);
  free (est_grid);
  side_clear (&ref);
  side_clear (&est);
  vt_melody_frames_clear (frames);
  if (status == VT_STATUS_NO_MEMORY)
    return vt_error_set (error, status, "out of memory while resampling pitch series");
  return vt_error_set (error, status, "cannot resample the pitch series with a hop of %g s",
                       options->hop);
}

/* ---- The measures ---------------------------------------------------- */

double
vt_melody_voicing_recall (const VtMelodyFrames *frames)
{
  if (frames->n == 0)
    return 0.0;
  double voiced = 0, recalled = 0;
  for (size_t i = 0; i < frames->n; i++)
    if (frames->ref_voicing[i] > 0)
      {
        voiced += 1.0;
        recalled += frames->est_voicing[i];
      }
  return voiced == 0 ? 1.0 : recalled / voiced;
}

double
vt_melody_voicing_false_alarm (const VtMelodyFrames *frames)
{
  if (frames->n == 0)
    return 0.0;
  double unvoiced = 0, alarms = 0;
  for (size_t i = 0; i < frames->n; i++)
    if (frames->ref_voicing[i] == 0)
      {
        unvoiced += 1.0;
        alarms += frames->est_voicing[i];
      }
  return unvoiced == 0 ? 0.0 : alarms / unvoiced;
}

/* Shared by raw pitch and raw chroma accuracy. */
static double
raw_accuracy (const VtMelodyFrames *frames, double cent_tolerance, bool fold_octaves)
{
  double voicing_sum = 0;
  for (size_t i = 0; i < frames->n; i++)
    voicing_sum += frames->ref_voicing[i];
  if (frames->n == 0 || voicing_sum == 0)
    return 0.0;
  double correct = 0;
  size_t both_pitched = 0;
  for (size_t i = 0; i < frames->n; i++)
    {
      if (frames->est_cent[i] == 0 || frames->ref_cent[i] == 0)
        continue;
      both_pitched++;
      double difference = fabs (frames->ref_cent[i] - frames->est_cent[i]);
      if (fold_octaves)
        difference = fabs (difference - 1200.0 * floor (difference / 1200.0 + 0.5));
      if (difference < cent_tolerance)
        correct += frames->ref_voicing[i];
    }
  if (both_pitched == 0)
    return 0.0;
  return correct / voicing_sum;
}

double
vt_melody_raw_pitch_accuracy (const VtMelodyFrames *frames, double cent_tolerance)
{
  return raw_accuracy (frames, cent_tolerance, false);
}

double
vt_melody_raw_chroma_accuracy (const VtMelodyFrames *frames, double cent_tolerance)
{
  return raw_accuracy (frames, cent_tolerance, true);
}

double
vt_melody_overall_accuracy (const VtMelodyFrames *frames, double cent_tolerance)
{
  if (frames->n == 0)
    return 0.0;
  double voicing_sum = 0, voiced_count = 0;
  for (size_t i = 0; i < frames->n; i++)
    {
      voicing_sum += frames->ref_voicing[i];
      voiced_count += frames->ref_voicing[i] > 0 ? 1.0 : 0.0;
    }
  /* With a non-binary reward, correct voiced frames are rescaled so that a
   * perfect estimate still scores 1. */
  double ratio = voicing_sum == 0 ? 0.0 : voiced_count / voicing_sum;
  double pitched_correct = 0, silent_correct = 0;
  for (size_t i = 0; i < frames->n; i++)
    {
      if (frames->est_cent[i] != 0 && frames->ref_cent[i] != 0
          && fabs (frames->ref_cent[i] - frames->est_cent[i]) < cent_tolerance)
        pitched_correct += frames->ref_voicing[i] * frames->est_voicing[i];
      if (!(frames->ref_voicing[i] > 0))
        silent_correct += 1.0 - frames->est_voicing[i];
    }
  return (ratio * pitched_correct + silent_correct) / (double) frames->n;
}

VtStatus
vt_melody_frames_score (const VtMelodyFrames *frames, double cent_tolerance,
                        VtMelodyScores *scores, VtError *error)
{
  if (frames == NULL || scores == NULL)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "no frames or scores given");
  if (!(cent_tolerance >= 0) || !isfinite (cent_tolerance))
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "the pitch tolerance must be a non-negative number of cents (got %g)",
                         cent_tolerance);
  for (size_t i = 0; i < frames->n; i++)
    if (!(frames->ref_voicing[i] >= 0 && frames->ref_voicing[i] <= 1)
        || !(frames->est_voicing[i] >= 0 && frames->est_voicing[i] <= 1))
      return vt_error_set (error, VT_STATUS_BAD_DATA,
                           "voicing at frame %zu is outside [0, 1]", i);
  scores->voicing_recall = vt_melody_voicing_recall (frames);
  scores->voicing_false_alarm = vt_melody_voicing_false_alarm (frames);
  scores->raw_pitch_accuracy = vt_melody_raw_pitch_accuracy (frames, cent_tolerance);
  scores->raw_chroma_accuracy = vt_melody_raw_chroma_accuracy (frames, cent_tolerance);
  scores->overall_accuracy = vt_melody_overall_accuracy (frames, cent_tolerance);
  return VT_STATUS_OK;
}

VtStatus
vt_melody_evaluate (const double *ref_times, const double *ref_hz, size_t n_ref,
                    const double *est_times, const double *est_hz, size_t n_est,
                    const double *est_voicing, const double *ref_reward,
                    const VtMelodyOptions *options, VtMelodyScores *scores, VtError *error)
{
  VtMelodyOptions defaults;
  options = options_or_default (options, &defaults);
  VtMelodyFrames frames;
  vt_melody_frames_init (&frames);
  VtStatus status = vt_melody_to_cent_voicing (ref_times, ref_hz, n_ref, est_times, est_hz,
                                               n_est, est_voicing, ref_reward, options, &frames,
                                               error);
  if (status == VT_STATUS_OK)
    status = vt_melody_frames_score (&frames, options->cent_tolerance, scores, error);
  vt_melody_frames_clear (&frames);
  return status;
}

VtStatus
vt_melody_evaluate_files (const char *ref_path, const char *est_path,
                          const VtMelodyOptions *options, VtMelodyScores *scores, VtError *error)
{
  VtMelodySeries ref, est;
  vt_melody_series_init (&ref);
  vt_melody_series_init (&est);
  VtStatus status = vt_melody_series_load (ref_path, &ref, error);
  if (status == VT_STATUS_OK)
    status = vt_melody_series_load (est_path, &est, error);
  if (status == VT_STATUS_OK)
    status = vt_melody_evaluate (ref.times, ref.frequencies, ref.n, est.times, est.frequencies,
                                 est.n, NULL, NULL, options, scores, error);
  vt_melody_series_clear (&ref);
  vt_melody_series_clear (&est);
  return status;
}
