/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-melody-eval: melody (F0) metrics, computed as mir_eval.melody computes
 * them, so that our figures can be set next to published ones.
 *
 * A pitch series is a list of (time in s, frequency in Hz) pairs. In the
 * reference, 0 Hz means unvoiced. In the estimate, 0 Hz or a negative value
 * means unvoiced; a negative value also carries a pitch guess (|f|) that
 * counts for raw pitch and chroma accuracy but not for voicing.
 *
 * What mir_eval does at its default settings, and so what we do:
 *  - a series whose first time is > 0 gets a sample at time 0 repeating its
 *    first frequency;
 *  - frequencies become cents above 10 Hz (0 stays 0 = "no pitch");
 *  - the estimate is resampled onto the reference's own times (hop 0 here,
 *    hop=None there); with hop > 0 both are resampled onto the grid
 *    0, hop, 2 hop, ... up to their own last time instead. Resampling
 *    interpolates cents linearly across gaps filled with the last pitch, then
 *    zeroes the frames that fall in an unvoiced stretch; binary voicing is
 *    held (zero-order). A series asked for times past its end gets an
 *    unvoiced sample at the last time asked for, so on the reference's times
 *    an estimate that ends early holds its last value until the reference's
 *    last frame; on a hop grid it is padded with unvoiced frames instead;
 *  - a frame's pitch is correct when |ref - est| < 50 cents (chroma: after
 *    folding the difference to the nearest octave).
 * Optional voicing arrays (estimate confidence in [0, 1], reference reward
 * in [0, 1]) give the generalised measures of Bittner & Bosch (ISMIR 2019),
 * as mir_eval's est_voicing / ref_reward.
 *
 * Where we are stricter than mir_eval: series must be non-empty, times
 * non-negative, finite and non-decreasing, frequencies finite; anything
 * else is an error with a message rather than a silently odd score.
 *
 * Ownership: the caller owns every array passed in; VtMelodySeries and
 * VtMelodyFrames are caller-owned structs (init / clear) whose arrays they
 * own. Thread rules: no shared state; all functions are reentrant.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vt-status.h"

typedef enum
{
  VT_MELODY_INTERP_LINEAR = 0, /* mir_eval's default, kind='linear' */
  VT_MELODY_INTERP_NEAREST,    /* kind='nearest' */
  VT_MELODY_INTERP_ZERO,       /* kind='zero': hold the previous value */
} VtMelodyInterp;

typedef struct
{
  double base_frequency; /* Hz, 0 cents; 10 */
  double hop;            /* s; 0 = onto the reference's times (default) */
  double cent_tolerance; /* 50 */
  VtMelodyInterp interp;
} VtMelodyOptions;

typedef struct
{
  double voicing_recall;
  double voicing_false_alarm;
  double raw_pitch_accuracy;
  double raw_chroma_accuracy;
  double overall_accuracy;
} VtMelodyScores;

/* A pitch series as read from a file. */
typedef struct
{
  double *times;       /* s */
  double *frequencies; /* Hz */
  size_t n;
} VtMelodySeries;

/* Both series on one time base, as mir_eval's to_cent_voicing returns them. */
typedef struct
{
  double *ref_voicing;
  double *ref_cent;
  double *est_voicing;
  double *est_cent;
  size_t n;
} VtMelodyFrames;

/* mir_eval's defaults: 10 Hz, hop 0 (reference times), 50 cents, linear. */
void vt_melody_options_init (VtMelodyOptions *options);

void vt_melody_series_init (VtMelodySeries *series);
void vt_melody_series_clear (VtMelodySeries *series);

/* Reads a two-column "time frequency" text file: columns separated by
 * whitespace or one comma; lines starting with '#' and blank lines are
 * skipped; a first line of two non-numeric words (a header such as
 * "time,frequency") is skipped too. Numbers are read in the C locale
 * whatever the program's locale. A malformed line is an error naming the
 * file, the line number and what is wrong. */
VtStatus vt_melody_series_load (const char *path, VtMelodySeries *series, VtError *error);

/* The same, from a NUL-terminated text in memory; name is used in messages. */
VtStatus vt_melody_series_parse (const char *text, const char *name, VtMelodySeries *series,
                                 VtError *error);

void vt_melody_frames_init (VtMelodyFrames *frames);
void vt_melody_frames_clear (VtMelodyFrames *frames);

/* mir_eval.melody.hz2cents: 1200 log2 (|f| / base); 0 Hz gives 0. */
double vt_melody_hz_to_cents (double hz, double base_frequency);

/* mir_eval.melody.to_cent_voicing. est_voicing (n_est values) and
 * ref_reward (n_ref values) may be NULL: voicing is then taken from the
 * frequency's sign. options may be NULL for the defaults. Fills frames
 * (cleared first). */
VtStatus vt_melody_to_cent_voicing (const double *ref_times, const double *ref_hz, size_t n_ref,
                                    const double *est_times, const double *est_hz, size_t n_est,
                                    const double *est_voicing, const double *ref_reward,
                                    const VtMelodyOptions *options, VtMelodyFrames *frames,
                                    VtError *error);

/* The five measures from frames on a common time base. Returns the
 * conventions of mir_eval for degenerate input (e.g. recall 1 when the
 * reference has no voiced frame, raw pitch 0 then). */
VtStatus vt_melody_frames_score (const VtMelodyFrames *frames, double cent_tolerance,
                                 VtMelodyScores *scores, VtError *error);

/* The individual measures on frames (mir_eval's functions of those names). */
double vt_melody_voicing_recall (const VtMelodyFrames *frames);
double vt_melody_voicing_false_alarm (const VtMelodyFrames *frames);
double vt_melody_raw_pitch_accuracy (const VtMelodyFrames *frames, double cent_tolerance);
double vt_melody_raw_chroma_accuracy (const VtMelodyFrames *frames, double cent_tolerance);
double vt_melody_overall_accuracy (const VtMelodyFrames *frames, double cent_tolerance);

/* mir_eval.melody.evaluate on arrays: the models call this with their own
 * frame times. est_voicing / ref_reward / options as above. */
VtStatus vt_melody_evaluate (const double *ref_times, const double *ref_hz, size_t n_ref,
                             const double *est_times, const double *est_hz, size_t n_est,
                             const double *est_voicing, const double *ref_reward,
                             const VtMelodyOptions *options, VtMelodyScores *scores,
                             VtError *error);

/* Loads both files and evaluates them. */
VtStatus vt_melody_evaluate_files (const char *ref_path, const char *est_path,
                                   const VtMelodyOptions *options, VtMelodyScores *scores,
                                   VtError *error);
