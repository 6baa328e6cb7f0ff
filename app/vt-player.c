/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-player.h"

#include <math.h>
#include <pa_jack.h>
#include <portaudio.h>
#include <stdatomic.h>
#include <string.h>

#include "vt-error.h"
#include "vt-resample.h"
#include "vt-ring-buffer.h"

/* Song frames the player thread renders at a time: changes take effect at
 * these boundaries. */
#define BLOCK_FRAMES 256
/* The ring holds this much audio ahead of the device: the latency of every
 * change, and the margin against the player thread being late. */
#define TARGET_FILL_S 0.040
#define RING_S 0.25
/* Device frames per playhead record in the position table. */
#define GRANULE 64
#define POLL_US 2000
#define STALL_S 2.0

typedef struct
{
  VtPlayerSource stem;
  int64_t first, frames;
  float *samples;
} Chunk;

/* A chunk applied recently, with its own edge samples, so that the next
 * chunk that continues it can undo the edge blend: consecutive chunks of one
 * re-separation connect without dipping into the old audio in between. */
typedef struct
{
  gboolean used;
  VtPlayerSource stem;
  int64_t first, end;
  int head_frames, tail_frames;
  float *head, *tail; /* fade_frames * channels each */
} ChunkEdges;

#define N_CHUNK_EDGES 16

struct VtPlayer
{
  int channels, sample_rate;
  int64_t frames;
  float *sources[VT_PLAYER_N_SOURCES];

  /* The output: opened by open_output, shared with the callback. */
  gboolean pa_initialized;
  PaStream *stream;
  int device_rate, out_channels;
  double output_latency;
  VtRingBuffer *ring;
  size_t target_fill;
  _Atomic int64_t *granule_positions;
  size_t n_granules;
  _Atomic int64_t position;
  _Atomic uint64_t underruns;
  atomic_int playing_now;
  atomic_int lost;

  GThread *thread;
  atomic_int quit;

  /* Requests from the controlling threads, under lock. */
  GMutex lock;
  VtPlayerSource req_source;
  int64_t req_seek; /* -1: none */
  gboolean req_playing;
  int64_t loop_first, loop_end;
  float req_volume;
  GQueue chunks;
  VtPlayerLostFunc lost_func;
  gpointer lost_data;

  /* Player thread state. */
  VtPlayerSource source;
  int64_t pos;
  gboolean playing;
  gboolean loop_wrap;
  float gain;
  int fade_frames, fade_pos;
  float *fade_buf;
  float *voice, *block, *mapped;
  VtResampler *resampler;
  float *resampled;
  size_t resampled_capacity;
  ChunkEdges edges[N_CHUNK_EDGES];
  int next_edge;
};

static void
set_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, VT_ERROR, VT_STATUS_UNSUPPORTED, message);
  g_free (message);
}

/* Set once a lost stream was abandoned: PortAudio then must never be
 * terminated in this process (see close_output). UI thread only. */
static gboolean pa_has_abandoned_stream;

static const char *
pa_message (PaError err)
{
  if (err == paUnanticipatedHostError)
    {
      const PaHostErrorInfo *info = Pa_GetLastHostErrorInfo ();
      if (info != NULL && info->errorText != NULL && info->errorText[0] != '\0')
        return info->errorText;
    }
  return Pa_GetErrorText (err);
}

static gboolean
pa_start (GError **error)
{
  /* Our ports show up as "voxtrace:out_N" in a JACK graph. */
  PaJack_SetClientName ("voxtrace");
  PaError err = Pa_Initialize ();
  if (err != paNoError)
    {
      set_error (error, "cannot start the audio system: %s", pa_message (err));
      return FALSE;
    }
  return TRUE;
}

static char *
describe_device (PaDeviceIndex index)
{
  const PaDeviceInfo *info = Pa_GetDeviceInfo (index);
  const PaHostApiInfo *api = info ? Pa_GetHostApiInfo (info->hostApi) : NULL;
  if (info == NULL || api == NULL)
    return NULL;
  return g_strdup_printf ("%s: %s", api->name, info->name);
}

char **
vt_player_list_devices (GError **error)
{
  if (!pa_start (error))
    return NULL;
  GPtrArray *names = g_ptr_array_new ();
  int count = Pa_GetDeviceCount ();
  for (int i = 0; i < count; i++)
    {
      const PaDeviceInfo *info = Pa_GetDeviceInfo (i);
      char *name = info && info->maxOutputChannels > 0 ? describe_device (i) : NULL;
      if (name != NULL)
        g_ptr_array_add (names, name);
    }
  g_ptr_array_add (names, NULL);
  if (!pa_has_abandoned_stream)
    Pa_Terminate ();
  return (char **) g_ptr_array_free (names, FALSE);
}

static PaDeviceIndex
find_device (const char *device_name, GError **error)
{
  if (device_name == NULL || device_name[0] == '\0')
    {
      PaDeviceIndex index = Pa_GetDefaultOutputDevice ();
      if (index == paNoDevice)
        set_error (error, "no output device");
      return index;
    }
  int count = Pa_GetDeviceCount ();
  for (int i = 0; i < count; i++)
    {
      const PaDeviceInfo *info = Pa_GetDeviceInfo (i);
      if (info == NULL || info->maxOutputChannels <= 0)
        continue;
      g_autofree char *full = describe_device (i);
      if (g_strcmp0 (full, device_name) == 0 || g_strcmp0 (info->name, device_name) == 0)
        return i;
    }
  int apis = Pa_GetHostApiCount ();
  for (int a = 0; a < apis; a++)
    {
      const PaHostApiInfo *api = Pa_GetHostApiInfo (a);
      if (api != NULL && g_strcmp0 (api->name, device_name) == 0)
        {
          if (api->defaultOutputDevice == paNoDevice)
            break;
          return api->defaultOutputDevice;
        }
    }
  if (g_str_has_prefix (device_name, "JACK"))
    set_error (error, "no output device \"%s\" (is the JACK server running?)", device_name);
  else
    set_error (error, "no output device \"%s\"", device_name);
  return paNoDevice;
}

/* The real-time side: copies from the ring, publishes the playhead. No locks,
 * no allocation, no logging. */
static int
stream_callback (const void *input, void *output, unsigned long frame_count,
                 const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags status_flags,
                 void *user_data)
{
  VtPlayer *self = user_data;
  float *out = output;
  if (vt_ring_buffer_read_available (self->ring) > 0)
    {
      uint64_t r = vt_ring_buffer_read_index (self->ring);
      int64_t at = atomic_load_explicit (&self->granule_positions[(r / GRANULE) % self->n_granules],
                                         memory_order_relaxed);
      atomic_store_explicit (&self->position, at, memory_order_relaxed);
    }
  size_t got = vt_ring_buffer_read (self->ring, out, frame_count);
  if (got < frame_count)
    {
      memset (out + got * (size_t) self->out_channels, 0,
              (frame_count - got) * (size_t) self->out_channels * sizeof (float));
      if (atomic_load_explicit (&self->playing_now, memory_order_relaxed))
        atomic_fetch_add_explicit (&self->underruns, 1, memory_order_relaxed);
    }
  return paContinue;
}

static void
close_output (VtPlayer *self)
{
  if (self->stream != NULL && atomic_load (&self->lost))
    {
      /* A stream whose server is gone cannot be stopped or closed: PortAudio
       * 19.6's JACK code waits forever for a process callback that never
       * comes, and Pa_Terminate would close it too. Leave it (a few KB). */
      pa_has_abandoned_stream = TRUE;
      self->stream = NULL;
    }
  if (self->stream != NULL)
    {
      if (Pa_IsStreamStopped (self->stream) == 0)
        Pa_AbortStream (self->stream);
      Pa_CloseStream (self->stream);
      self->stream = NULL;
    }
  if (self->pa_initialized && !pa_has_abandoned_stream)
    Pa_Terminate ();
  self->pa_initialized = FALSE;
  vt_ring_buffer_free (self->ring);
  self->ring = NULL;
  g_free (self->granule_positions);
  self->granule_positions = NULL;
  vt_resampler_free (self->resampler);
  self->resampler = NULL;
  g_free (self->mapped);
  self->mapped = NULL;
  g_free (self->resampled);
  self->resampled = NULL;
}

static gboolean
open_output (VtPlayer *self, const char *device_name, GError **error)
{
  if (!pa_start (error))
    return FALSE;
  self->pa_initialized = TRUE;

  PaDeviceIndex device = find_device (device_name, error);
  if (device == paNoDevice)
    goto fail;
  const PaDeviceInfo *info = Pa_GetDeviceInfo (device);
  self->out_channels = MIN (self->channels, info->maxOutputChannels);
  PaStreamParameters params = {
    .device = device,
    .channelCount = self->out_channels,
    .sampleFormat = paFloat32,
    .suggestedLatency = info->defaultLowOutputLatency,
  };
  /* The song's own rate when the device takes it; else the device's (a JACK
   * server runs at one rate) and the player thread resamples. */
  self->device_rate = self->sample_rate;
  if (Pa_IsFormatSupported (NULL, &params, self->sample_rate) != paFormatIsSupported)
    self->device_rate = (int) lround (info->defaultSampleRate);

  size_t capacity = ((size_t) (RING_S * self->device_rate) / GRANULE + 1) * GRANULE;
  self->target_fill = (size_t) (TARGET_FILL_S * self->device_rate);
  self->n_granules = capacity / GRANULE + 2;
  self->ring = vt_ring_buffer_new (capacity, self->out_channels);
  self->granule_positions = g_try_new0 (_Atomic int64_t, self->n_granules);
  self->mapped = g_try_new (float, (size_t) BLOCK_FRAMES * self->out_channels);
  if (self->ring == NULL || self->granule_positions == NULL || self->mapped == NULL)
    {
      set_error (error, "out of memory");
      goto fail;
    }
  if (self->device_rate != self->sample_rate)
    {
      VtError verror = { 0 };
      self->resampler = vt_resampler_new (self->out_channels, self->sample_rate, self->device_rate,
                                          &verror);
      self->resampled_capacity
        = (size_t) ceil ((double) BLOCK_FRAMES * self->device_rate / self->sample_rate) + 256;
      self->resampled = g_try_new (float, self->resampled_capacity * self->out_channels);
      if (self->resampler == NULL || self->resampled == NULL)
        {
          set_error (error, "cannot convert %d Hz to the device's %d Hz", self->sample_rate,
                     self->device_rate);
          goto fail;
        }
    }

  PaError err = Pa_OpenStream (&self->stream, NULL, &params, self->device_rate,
                               paFramesPerBufferUnspecified, paNoFlag, stream_callback, self);
  if (err != paNoError)
    {
      self->stream = NULL;
      g_autofree char *name = describe_device (device);
      set_error (error, "cannot open %s: %s", name, pa_message (err));
      goto fail;
    }
  const PaStreamInfo *stream_info = Pa_GetStreamInfo (self->stream);
  self->output_latency = stream_info ? stream_info->outputLatency : 0.0;
  err = Pa_StartStream (self->stream);
  if (err != paNoError)
    {
      g_autofree char *name = describe_device (device);
      set_error (error, "cannot start %s: %s", name, pa_message (err));
      goto fail;
    }
  return TRUE;

fail:
  close_output (self);
  return FALSE;
}

/* What one source sounds like from pos on: silence when paused or past the
 * end. */
static void
render_voice (VtPlayer *self, VtPlayerSource source, int64_t pos, gboolean playing, int n,
              float *out)
{
  size_t ch = (size_t) self->channels;
  int64_t have = playing ? CLAMP (self->frames - pos, 0, n) : 0;
  if (have > 0)
    memcpy (out, self->sources[source] + (size_t) pos * ch, (size_t) have * ch * sizeof (float));
  memset (out + (size_t) have * ch, 0, (size_t) (n - have) * ch * sizeof (float));
}

static float
fade_in_weight (int k, int n)
{
  /* sin² ramp: the two weights add up to one, no level dip for the same
   * signal on both sides. */
  float s = sinf ((float) G_PI_2 * (float) (k + 1) / (float) (n + 1));
  return s * s;
}

static void
forget_edges (VtPlayer *self, VtPlayerSource stem, int64_t first, int64_t end)
{
  for (int i = 0; i < N_CHUNK_EDGES; i++)
    {
      ChunkEdges *e = &self->edges[i];
      if (e->used && e->stem == stem && e->first < end && first < e->end)
        e->used = FALSE;
    }
}

static void
apply_chunk (VtPlayer *self, const Chunk *chunk)
{
  size_t ch = (size_t) self->channels;
  float *dest = self->sources[chunk->stem];
  int64_t first = chunk->first, end = chunk->first + chunk->frames;
  int f = self->fade_frames;

  /* Does the chunk continue one delivered just before? Then restore that
   * one's pure edge and do not blend on this side. */
  gboolean blend_in = first > 0, blend_out = end < self->frames;
  for (int i = 0; i < N_CHUNK_EDGES; i++)
    {
      ChunkEdges *e = &self->edges[i];
      if (!e->used || e->stem != chunk->stem)
        continue;
      if (e->end == first && blend_in)
        {
          memcpy (dest + (size_t) (e->end - e->tail_frames) * ch, e->tail,
                  (size_t) e->tail_frames * ch * sizeof (float));
          e->tail_frames = 0;
          blend_in = FALSE;
        }
      else if (e->first == end && blend_out)
        {
          memcpy (dest + (size_t) e->first * ch, e->head,
                  (size_t) e->head_frames * ch * sizeof (float));
          e->head_frames = 0;
          blend_out = FALSE;
        }
    }
  forget_edges (self, chunk->stem, first, end);

  for (int64_t i = first; i < end; i++)
    {
      float w = 1.0f;
      if (blend_in && i - first < f)
        w = fade_in_weight ((int) (i - first), f);
      if (blend_out && end - 1 - i < f)
        w = MIN (w, fade_in_weight ((int) (end - 1 - i), f));
      const float *src = chunk->samples + (size_t) (i - first) * ch;
      float *d = dest + (size_t) i * ch;
      for (size_t c = 0; c < ch; c++)
        d[c] = w < 1.0f ? d[c] * (1.0f - w) + src[c] * w : src[c];
    }

  ChunkEdges *e = &self->edges[self->next_edge];
  self->next_edge = (self->next_edge + 1) % N_CHUNK_EDGES;
  e->used = TRUE;
  e->stem = chunk->stem;
  e->first = first;
  e->end = end;
  e->head_frames = blend_in ? (int) MIN (f, chunk->frames) : 0;
  e->tail_frames = blend_out ? (int) MIN (f, chunk->frames) : 0;
  memcpy (e->head, chunk->samples, (size_t) e->head_frames * ch * sizeof (float));
  memcpy (e->tail, chunk->samples + (size_t) (chunk->frames - e->tail_frames) * ch,
          (size_t) e->tail_frames * ch * sizeof (float));
}

static void
chunk_free (gpointer data)
{
  Chunk *chunk = data;
  g_free (chunk->samples);
  g_free (chunk);
}

/* Takes the controlling threads' requests at a block boundary. All changes
 * that arrive together share one crossfade from what would have played. */
static void
take_requests (VtPlayer *self, float *volume)
{
  GQueue chunks = G_QUEUE_INIT;
  g_mutex_lock (&self->lock);
  *volume = self->req_volume;
  gboolean fading = self->fade_pos < self->fade_frames;
  /* Play at the end of the song starts over. */
  if (self->req_playing && !self->playing && self->pos >= self->frames && self->req_seek < 0)
    self->req_seek = 0;
  gboolean change = self->req_source != self->source || self->req_seek >= 0
                    || self->req_playing != self->playing || self->loop_wrap
                    || !g_queue_is_empty (&self->chunks);
  if (change && !fading)
    {
      render_voice (self, self->source, self->pos, self->playing, self->fade_frames,
                    self->fade_buf);
      self->source = self->req_source;
      if (self->loop_wrap)
        self->pos = self->loop_first;
      self->loop_wrap = FALSE;
      if (self->req_seek >= 0)
        self->pos = self->req_seek;
      self->req_seek = -1;
      self->playing = self->req_playing;
      chunks = self->chunks;
      g_queue_init (&self->chunks);
      self->fade_pos = 0;
    }
  g_mutex_unlock (&self->lock);
  for (GList *l = chunks.head; l != NULL; l = l->next)
    apply_chunk (self, l->data);
  g_queue_clear_full (&chunks, chunk_free);
}

static void
render_block (VtPlayer *self)
{
  float volume;
  take_requests (self, &volume);

  int n = BLOCK_FRAMES;
  int64_t loop_first, loop_end;
  g_mutex_lock (&self->lock);
  loop_first = self->loop_first;
  loop_end = self->loop_end;
  g_mutex_unlock (&self->lock);
  gboolean looping = self->playing && loop_end > loop_first && self->pos < loop_end;
  if (looping && self->pos + n > loop_end)
    n = (int) (loop_end - self->pos);

  size_t ch = (size_t) self->channels;
  int64_t block_pos = self->pos;
  render_voice (self, self->source, self->pos, self->playing, n, self->voice);
  float step = 1.0f / (float) self->fade_frames;
  for (int k = 0; k < n; k++)
    {
      float *v = self->voice + (size_t) k * ch;
      if (self->fade_pos < self->fade_frames)
        {
          float w = fade_in_weight (self->fade_pos, self->fade_frames);
          const float *old = self->fade_buf + (size_t) self->fade_pos * ch;
          for (size_t c = 0; c < ch; c++)
            v[c] = old[c] * (1.0f - w) + v[c] * w;
          self->fade_pos++;
        }
      self->gain += CLAMP (volume - self->gain, -step, step);
      for (size_t c = 0; c < ch; c++)
        v[c] *= self->gain;
    }
  if (self->playing)
    {
      self->pos += n;
      if (looping && self->pos == loop_end)
        self->loop_wrap = TRUE;
      if (self->pos >= self->frames)
        {
          /* The end: stop there; the next play starts over. */
          self->pos = self->frames;
          self->playing = FALSE;
          g_mutex_lock (&self->lock);
          self->req_playing = FALSE;
          g_mutex_unlock (&self->lock);
        }
    }
  atomic_store (&self->playing_now, self->playing);

  /* Map channels to the device's (fewer only when it has fewer). */
  size_t oc = (size_t) self->out_channels;
  const float *out = self->voice;
  if (oc != ch)
    {
      for (int k = 0; k < n; k++)
        {
          const float *v = self->voice + (size_t) k * ch;
          if (oc == 1)
            {
              float sum = 0.0f;
              for (size_t c = 0; c < ch; c++)
                sum += v[c];
              self->mapped[k] = sum / (float) ch;
            }
          else
            memcpy (self->mapped + (size_t) k * oc, v, oc * sizeof (float));
        }
      out = self->mapped;
    }
  size_t out_frames = (size_t) n;
  if (self->resampler != NULL)
    {
      if (vt_resampler_process (self->resampler, out, (size_t) n, self->resampled,
                                self->resampled_capacity, &out_frames)
          != VT_STATUS_OK)
        out_frames = 0;
      out = self->resampled;
    }

  uint64_t w0 = vt_ring_buffer_write_index (self->ring);
  double song_per_device = (double) self->sample_rate / self->device_rate;
  for (size_t j = 0; j < out_frames; j++)
    if ((w0 + j) % GRANULE == 0)
      {
        int64_t at = block_pos + (block_pos != self->pos
                                    ? (int64_t) ((double) j * song_per_device)
                                    : 0);
        atomic_store_explicit (&self->granule_positions[((w0 + j) / GRANULE) % self->n_granules],
                               at, memory_order_relaxed);
      }
  size_t written = 0;
  while (written < out_frames && !atomic_load (&self->quit))
    {
      written += vt_ring_buffer_write (self->ring, out + written * oc, out_frames - written);
      if (written < out_frames)
        g_usleep (POLL_US);
    }
}

static void
report_lost (VtPlayer *self, const char *reason)
{
  atomic_store (&self->lost, 1);
  atomic_store (&self->playing_now, 0);
  g_mutex_lock (&self->lock);
  self->req_playing = FALSE;
  self->playing = FALSE;
  VtPlayerLostFunc func = self->lost_func;
  gpointer data = self->lost_data;
  g_mutex_unlock (&self->lock);
  if (func != NULL)
    func (self, reason, data);
}

static gpointer
player_thread (gpointer data)
{
  VtPlayer *self = data;
  gint64 last_progress = g_get_monotonic_time ();
  uint64_t last_read = vt_ring_buffer_read_index (self->ring);
  gint64 last_check = 0;
  while (!atomic_load (&self->quit))
    {
      size_t fill = vt_ring_buffer_get_capacity (self->ring)
                    - vt_ring_buffer_write_available (self->ring);
      if (fill < self->target_fill)
        {
          render_block (self);
          continue;
        }
      g_usleep (POLL_US);

      gint64 now = g_get_monotonic_time ();
      uint64_t read = vt_ring_buffer_read_index (self->ring);
      if (read != last_read)
        {
          last_read = read;
          last_progress = now;
        }
      if (now - last_check > 100000)
        {
          last_check = now;
          if (Pa_IsStreamActive (self->stream) != 1)
            {
              report_lost (self, "the audio output stopped (device removed or sound server gone)");
              break;
            }
        }
      if (now - last_progress > (gint64) (STALL_S * G_USEC_PER_SEC))
        {
          report_lost (self, "the audio output stopped taking audio");
          break;
        }
    }
  return NULL;
}

static gboolean
start_thread (VtPlayer *self, GError **error)
{
  atomic_store (&self->quit, 0);
  atomic_store (&self->lost, 0);
  self->thread = g_thread_try_new ("vt-player", player_thread, self, error);
  return self->thread != NULL;
}

static void
stop_thread (VtPlayer *self)
{
  if (self->thread == NULL)
    return;
  atomic_store (&self->quit, 1);
  g_thread_join (self->thread);
  self->thread = NULL;
}

VtPlayer *
vt_player_new (const VtAudio *mix, const char *device_name, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (mix == NULL || mix->samples == NULL || mix->frames <= 0 || mix->channels < 1
      || mix->channels > VT_AUDIO_MAX_CHANNELS || mix->sample_rate < VT_AUDIO_MIN_RATE
      || mix->sample_rate > VT_AUDIO_MAX_RATE)
    {
      g_set_error_literal (error, VT_ERROR, VT_STATUS_BAD_ARGUMENT, "no song to play");
      return NULL;
    }
  VtPlayer *self = g_try_new0 (VtPlayer, 1);
  if (self == NULL)
    {
      g_set_error_literal (error, VT_ERROR, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  g_mutex_init (&self->lock);
  g_queue_init (&self->chunks);
  self->channels = mix->channels;
  self->sample_rate = mix->sample_rate;
  self->frames = mix->frames;
  self->req_source = self->source = VT_PLAYER_SOURCE_MIX;
  self->req_seek = -1;
  self->req_volume = self->gain = 1.0f;
  self->fade_frames = MAX (1, (int) lround (VT_PLAYER_CROSSFADE_S * mix->sample_rate));
  self->fade_pos = self->fade_frames;

  size_t ch = (size_t) mix->channels;
  size_t song_samples = (size_t) mix->frames * ch;
  gboolean ok = (size_t) mix->frames <= G_MAXSIZE / sizeof (float) / ch;
  for (int s = 0; ok && s < VT_PLAYER_N_SOURCES; s++)
    ok = (self->sources[s] = g_try_malloc0 (song_samples * sizeof (float))) != NULL;
  ok = ok && (self->fade_buf = g_try_new (float, (size_t) self->fade_frames * ch)) != NULL;
  ok = ok && (self->voice = g_try_new (float, (size_t) BLOCK_FRAMES * ch)) != NULL;
  for (int i = 0; ok && i < N_CHUNK_EDGES; i++)
    ok = (self->edges[i].head = g_try_new (float, (size_t) self->fade_frames * ch)) != NULL
         && (self->edges[i].tail = g_try_new (float, (size_t) self->fade_frames * ch)) != NULL;
  if (!ok)
    {
      g_set_error_literal (error, VT_ERROR, VT_STATUS_NO_MEMORY,
                           "out of memory for the song's playback copy");
      vt_player_free (self);
      return NULL;
    }
  memcpy (self->sources[VT_PLAYER_SOURCE_MIX], mix->samples, song_samples * sizeof (float));

  if (!open_output (self, device_name, error) || !start_thread (self, error))
    {
      vt_player_free (self);
      return NULL;
    }
  return self;
}

void
vt_player_free (VtPlayer *self)
{
  if (self == NULL)
    return;
  stop_thread (self);
  close_output (self);
  for (int s = 0; s < VT_PLAYER_N_SOURCES; s++)
    g_free (self->sources[s]);
  for (int i = 0; i < N_CHUNK_EDGES; i++)
    {
      g_free (self->edges[i].head);
      g_free (self->edges[i].tail);
    }
  g_free (self->fade_buf);
  g_free (self->voice);
  g_queue_clear_full (&self->chunks, chunk_free);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
vt_player_set_lost_func (VtPlayer *self, VtPlayerLostFunc func, gpointer user_data)
{
  g_mutex_lock (&self->lock);
  self->lost_func = func;
  self->lost_data = user_data;
  g_mutex_unlock (&self->lock);
}

gboolean
vt_player_restart (VtPlayer *self, const char *device_name, GError **error)
{
  stop_thread (self);
  close_output (self);
  g_mutex_lock (&self->lock);
  self->req_playing = self->playing = FALSE;
  g_mutex_unlock (&self->lock);
  atomic_store (&self->playing_now, 0);
  self->fade_pos = self->fade_frames;
  if (!open_output (self, device_name, error))
    {
      atomic_store (&self->lost, 1);
      return FALSE;
    }
  for (size_t i = 0; i < self->n_granules; i++)
    atomic_store (&self->granule_positions[i], self->pos);
  return start_thread (self, error);
}

void
vt_player_play (VtPlayer *self)
{
  g_mutex_lock (&self->lock);
  self->req_playing = TRUE;
  g_mutex_unlock (&self->lock);
}

void
vt_player_pause (VtPlayer *self)
{
  g_mutex_lock (&self->lock);
  self->req_playing = FALSE;
  g_mutex_unlock (&self->lock);
}

gboolean
vt_player_is_playing (VtPlayer *self)
{
  g_mutex_lock (&self->lock);
  gboolean playing = self->req_playing;
  g_mutex_unlock (&self->lock);
  return playing && !atomic_load (&self->lost);
}

gboolean
vt_player_is_lost (VtPlayer *self)
{
  return atomic_load (&self->lost) != 0;
}

void
vt_player_seek (VtPlayer *self, int64_t frame)
{
  g_mutex_lock (&self->lock);
  self->req_seek = CLAMP (frame, 0, self->frames);
  g_mutex_unlock (&self->lock);
}

void
vt_player_set_source (VtPlayer *self, VtPlayerSource source)
{
  if ((int) source < 0 || source >= VT_PLAYER_N_SOURCES)
    return;
  g_mutex_lock (&self->lock);
  self->req_source = source;
  g_mutex_unlock (&self->lock);
}

VtPlayerSource
vt_player_get_source (VtPlayer *self)
{
  g_mutex_lock (&self->lock);
  VtPlayerSource source = self->req_source;
  g_mutex_unlock (&self->lock);
  return source;
}

void
vt_player_set_loop (VtPlayer *self, int64_t first, int64_t end)
{
  first = CLAMP (first, 0, self->frames);
  end = CLAMP (end, 0, self->frames);
  g_mutex_lock (&self->lock);
  self->loop_first = end > first ? first : 0;
  self->loop_end = end > first ? end : 0;
  g_mutex_unlock (&self->lock);
}

void
vt_player_set_volume (VtPlayer *self, float volume)
{
  if (!isfinite (volume))
    return;
  g_mutex_lock (&self->lock);
  self->req_volume = CLAMP (volume, 0.0f, 1.0f);
  g_mutex_unlock (&self->lock);
}

int64_t
vt_player_get_position (VtPlayer *self)
{
  return atomic_load_explicit (&self->position, memory_order_relaxed);
}

double
vt_player_get_output_latency (VtPlayer *self)
{
  return self->output_latency;
}

int
vt_player_get_sample_rate (VtPlayer *self)
{
  return self->sample_rate;
}

int
vt_player_get_channels (VtPlayer *self)
{
  return self->channels;
}

int64_t
vt_player_get_frames (VtPlayer *self)
{
  return self->frames;
}

int
vt_player_get_device_rate (VtPlayer *self)
{
  return self->device_rate;
}

guint64
vt_player_get_underruns (VtPlayer *self)
{
  return atomic_load (&self->underruns);
}

gboolean
vt_player_replace_chunk (VtPlayer *self, VtPlayerSource stem, int64_t first_frame, int64_t frames,
                         const float *samples, GError **error)
{
  if (stem != VT_PLAYER_SOURCE_VOCALS && stem != VT_PLAYER_SOURCE_ACCOMPANIMENT)
    {
      g_set_error_literal (error, VT_ERROR, VT_STATUS_BAD_ARGUMENT,
                           "only the vocals or the accompaniment can be replaced");
      return FALSE;
    }
  if (samples == NULL || frames <= 0 || first_frame < 0 || first_frame > self->frames - frames)
    {
      g_set_error (error, VT_ERROR, VT_STATUS_BAD_ARGUMENT,
                   "chunk of %" G_GINT64_FORMAT " frames at %" G_GINT64_FORMAT
                   " lies outside the song (%" G_GINT64_FORMAT " frames)",
                   frames, first_frame, self->frames);
      return FALSE;
    }
  size_t n = (size_t) frames * (size_t) self->channels;
  Chunk *chunk = g_try_new (Chunk, 1);
  float *copy = chunk ? g_try_malloc (n * sizeof (float)) : NULL;
  if (copy == NULL)
    {
      g_free (chunk);
      g_set_error_literal (error, VT_ERROR, VT_STATUS_NO_MEMORY, "out of memory");
      return FALSE;
    }
  memcpy (copy, samples, n * sizeof (float));
  *chunk = (Chunk) { stem, first_frame, frames, copy };
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->chunks, chunk);
  g_mutex_unlock (&self->lock);
  return TRUE;
}
