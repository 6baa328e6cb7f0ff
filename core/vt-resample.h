/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * vt-resample: sample-rate conversion with libsoxr (high quality).
 *
 * vt_resample() converts a whole interleaved buffer; the result is newly
 * allocated and owned by the caller (free()). VtResampler converts a stream
 * block by block with bounded memory, for long songs. One VtResampler per
 * thread at a time.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vt-status.h"

/* Output length for in_frames at the given rates (what vt_resample delivers). */
int64_t vt_resample_output_frames (int64_t in_frames, double in_rate, double out_rate);

VtStatus vt_resample (const float *in, int64_t in_frames, int channels, double in_rate,
                      double out_rate, float **out, int64_t *out_frames, VtError *error);

typedef struct VtResampler VtResampler;

VtResampler *vt_resampler_new (int channels, double in_rate, double out_rate, VtError *error);
/* Feeds in_frames (NULL/0 at the end to flush) and writes up to out_capacity
 * frames; *out_done receives how many were written. */
VtStatus vt_resampler_process (VtResampler *resampler, const float *in, size_t in_frames,
                               float *out, size_t out_capacity, size_t *out_done);
void vt_resampler_free (VtResampler *resampler);
