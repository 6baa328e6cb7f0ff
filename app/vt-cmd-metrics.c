/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `voxtrace metrics`: BSS Eval scores of separated stems against references.
 * v4 (default, museval / SiSEC): per-window scores with filters estimated on
 * the whole song, reported as the median over windows. v3 (mir_eval):
 * bss_eval_images on the whole signal, or per window with --window.
 */
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vt-audio.h"
#include "vt-bss-eval.h"
#include "vt-cli.h"

#define COMMAND "metrics"

enum
{
  M_SDR,
  M_SIR,
  M_SAR,
  M_ISR,
  N_METRICS
};

static const char *metric_names[N_METRICS] = { "SDR", "SIR", "SAR", "ISR" };

typedef struct
{
  char *path;
  char *name; /* file name without folder and extension: "vocals" */
  VtAudio audio;
} Stem;

static void
stems_free (Stem *stems, int n)
{
  for (int j = 0; j < n; j++)
    {
      g_free (stems[j].path);
      g_free (stems[j].name);
      vt_audio_clear (&stems[j].audio);
    }
  g_free (stems);
}

static char *
stem_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_strdup (base);
}

/* Loads the comma-separated list; NULL (after printing why) on failure. */
static Stem *
load_stems (const char *list, const char *option, int *n_stems)
{
  g_auto (GStrv) paths = g_strsplit (list, ",", -1);
  int n = (int) g_strv_length (paths);
  if (n == 0 || (n == 1 && paths[0][0] == '\0'))
    {
      vt_cli_fail (COMMAND, "--%s lists no files", option);
      return NULL;
    }
  Stem *stems = g_new0 (Stem, n);
  for (int j = 0; j < n; j++)
    {
      stems[j].path = g_strstrip (g_strdup (paths[j]));
      stems[j].name = stem_name (stems[j].path);
      vt_audio_init (&stems[j].audio);
      VtError error = { 0 };
      if (vt_audio_load (stems[j].path, &stems[j].audio, &error) != VT_STATUS_OK)
        {
          vt_cli_fail (COMMAND, "%s", error.message);
          stems_free (stems, n);
          return NULL;
        }
    }
  *n_stems = n;
  return stems;
}

/* Every file must match the first reference in rate, channels and length. */
static gboolean
check_shapes (const Stem *refs, int n_refs, const Stem *ests, int n_ests)
{
  if (n_refs != n_ests)
    {
      vt_cli_fail (COMMAND, "%d reference files but %d estimates; give one estimate per "
                   "reference, in the same order", n_refs, n_ests);
      return FALSE;
    }
  const Stem *first = &refs[0];
  for (int k = 0; k < n_refs + n_ests; k++)
    {
      const Stem *s = k < n_refs ? &refs[k] : &ests[k - n_refs];
      if (s->audio.sample_rate != first->audio.sample_rate)
        {
          vt_cli_fail (COMMAND, "%s is at %d Hz but %s is at %d Hz; resample one of them first",
                       s->path, s->audio.sample_rate, first->path, first->audio.sample_rate);
          return FALSE;
        }
      if (s->audio.channels != first->audio.channels)
        {
          vt_cli_fail (COMMAND, "%s has %d channels but %s has %d", s->path, s->audio.channels,
                       first->path, first->audio.channels);
          return FALSE;
        }
      if (s->audio.frames != first->audio.frames)
        {
          vt_cli_fail (COMMAND,
                       "%s is %lld samples long but %s is %lld; references and estimates must "
                       "have the same length",
                       s->path, (long long) s->audio.frames, first->path,
                       (long long) first->audio.frames);
          return FALSE;
        }
    }
  return TRUE;
}

static void
add_number (JsonBuilder *builder, double value)
{
  /* JSON has no NaN or infinity: silent windows and perfect scores become
   * null, as museval writes them. */
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static gboolean
write_json (const char *path, const char *mode, int64_t window, int64_t hop, int rate,
            const Stem *refs, int n_sources, int64_t n_windows, double *const *values,
            const double *summary)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, mode);
  json_builder_set_member_name (builder, "sample_rate");
  json_builder_add_int_value (builder, rate);
  json_builder_set_member_name (builder, "window");
  json_builder_add_int_value (builder, window);
  json_builder_set_member_name (builder, "hop");
  json_builder_add_int_value (builder, hop);
  json_builder_set_member_name (builder, "targets");
  json_builder_begin_object (builder);
  for (int j = 0; j < n_sources; j++)
    {
      json_builder_set_member_name (builder, refs[j].name);
      json_builder_begin_object (builder);
      for (int m = 0; m < N_METRICS; m++)
        {
          json_builder_set_member_name (builder, metric_names[m]);
          json_builder_begin_array (builder);
          for (int64_t k = 0; k < n_windows; k++)
            add_number (builder, values[m][j * n_windows + k]);
          json_builder_end_array (builder);
        }
      json_builder_set_member_name (builder, "median");
      json_builder_begin_object (builder);
      for (int m = 0; m < N_METRICS; m++)
        {
          json_builder_set_member_name (builder, metric_names[m]);
          add_number (builder, summary[j * N_METRICS + m]);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  g_autofree char *text = json_generator_to_data (generator, NULL);
  if (g_str_equal (path, "-"))
    {
      printf ("%s\n", text);
      return TRUE;
    }
  g_autoptr (GError) gerror = NULL;
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  if (!g_file_set_contents (path, with_newline, -1, &gerror))
    {
      vt_cli_fail (COMMAND, "cannot write %s: %s", path, gerror->message);
      return FALSE;
    }
  return TRUE;
}

int
vt_cmd_metrics (int argc, char **argv)
{
  g_autofree char *ref_list = NULL, *est_list = NULL, *json_path = NULL;
  gboolean v3 = FALSE, v4 = FALSE, sources = FALSE, permute = FALSE;
  double window_s = 0.0, hop_s = 0.0;
  GOptionEntry entries[] = {
    { "ref", 'r', 0, G_OPTION_ARG_STRING, &ref_list,
      "reference stems, comma-separated (e.g. vocals.wav,accompaniment.wav)", "FILES" },
    { "est", 'e', 0, G_OPTION_ARG_STRING, &est_list,
      "estimated stems in the same order", "FILES" },
    { "v4", 0, 0, G_OPTION_ARG_NONE, &v4,
      "BSS Eval v4 as museval/SiSEC (default): median of per-window scores", NULL },
    { "v3", 0, 0, G_OPTION_ARG_NONE, &v3,
      "BSS Eval v3 as mir_eval (bss_eval_images): whole signal, or per window with --window",
      NULL },
    { "sources", 0, 0, G_OPTION_ARG_NONE, &sources,
      "with --v3: bss_eval_sources instead of images (filtered-reference SDR, no ISR)", NULL },
    { "permute", 0, 0, G_OPTION_ARG_NONE, &permute,
      "with --v3: match estimates to references by best mean SIR", NULL },
    { "window", 'w', 0, G_OPTION_ARG_DOUBLE, &window_s,
      "window in seconds (v4 default 1; v3 default: whole signal)", "S" },
    { "hop", 0, 0, G_OPTION_ARG_DOUBLE, &hop_s, "hop in seconds (default: the window)", "S" },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &json_path,
      "write per-window scores and medians as JSON (- for stdout)", "OUT" },
    { NULL },
  };
  g_autoptr (GOptionContext) context
      = g_option_context_new ("- BSS Eval SDR, SIR, SAR, ISR of separated stems");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (
      context, "Example:\n  voxtrace metrics --ref vocals.wav,accompaniment.wav \\\n"
               "                   --est est-vocals.wav,est-accompaniment.wav --json scores.json\n"
               "\nAll files must have the same sample rate, channel count and length.\n"
               "Windows where a reference or an estimate is silent are left out of the median\n"
               "(null in the JSON file).\n");
  if (!vt_cli_parse (context, COMMAND, &argc, &argv))
    return 2;
  if (argc > 1)
    return vt_cli_fail (COMMAND, "unexpected argument %s (see voxtrace metrics --help)", argv[1]);
  if (ref_list == NULL || est_list == NULL)
    return vt_cli_fail (COMMAND, "give both --ref and --est (see voxtrace metrics --help)");
  if (v3 && v4)
    return vt_cli_fail (COMMAND, "choose one of --v3 and --v4");
  if ((sources || permute) && !v3)
    return vt_cli_fail (COMMAND, "--sources and --permute go with --v3");
  if (window_s < 0.0 || hop_s < 0.0 || !isfinite (window_s) || !isfinite (hop_s))
    return vt_cli_fail (COMMAND, "--window and --hop must be positive numbers of seconds");
  if (hop_s > 0.0 && window_s == 0.0 && v3)
    return vt_cli_fail (COMMAND, "--hop needs --window with --v3");

  int n_refs = 0, n_ests = 0;
  Stem *refs = load_stems (ref_list, "ref", &n_refs);
  if (refs == NULL)
    return 1;
  Stem *ests = load_stems (est_list, "est", &n_ests);
  if (ests == NULL)
    {
      stems_free (refs, n_refs);
      return 1;
    }
  int status = 1;
  double *memory = NULL;
  VtBssEval *eval = NULL;
  if (!check_shapes (refs, n_refs, ests, n_ests))
    goto done;

  const int rate = refs[0].audio.sample_rate;
  const int n_sources = n_refs;
  const int64_t n_frames = refs[0].audio.frames;
  bool framewise = !v3 || window_s > 0.0;
  int64_t window = (int64_t) llround ((window_s > 0.0 ? window_s : 1.0) * rate);
  int64_t hop = hop_s > 0.0 ? (int64_t) llround (hop_s * rate) : window;
  if (framewise && (window < 1 || hop < 1))
    {
      vt_cli_fail (COMMAND, "--window and --hop must be at least one sample");
      goto done;
    }
  int64_t n_windows = !framewise ? 1
                      : v3       ? vt_bss_eval_v3_window_count (n_frames, window, hop)
                                 : vt_bss_eval_v4_window_count (n_frames, window, hop);
  if (!framewise)
    window = hop = n_frames;

  const float **ref_ptrs = g_newa (const float *, n_sources);
  const float **est_ptrs = g_newa (const float *, n_sources);
  for (int j = 0; j < n_sources; j++)
    {
      ref_ptrs[j] = refs[j].audio.samples;
      est_ptrs[j] = ests[j].audio.samples;
    }
  VtBssSignals signals = { n_sources, refs[0].audio.channels, n_frames, ref_ptrs, est_ptrs };
  const size_t per_metric = (size_t) n_sources * (size_t) n_windows;
  memory = g_try_malloc (sizeof (double) * per_metric * N_METRICS);
  int *permutation = g_newa (int, n_sources);
  if (memory == NULL)
    {
      vt_cli_fail (COMMAND, "out of memory for %lld windows", (long long) n_windows);
      goto done;
    }
  double *values[N_METRICS];
  for (int m = 0; m < N_METRICS; m++)
    values[m] = memory + m * per_metric;
  VtBssScores scores = { values[M_SDR], values[M_ISR], values[M_SIR], values[M_SAR],
                         n_windows == 1 ? permutation : NULL };

  eval = vt_bss_eval_new ();
  if (eval == NULL)
    {
      vt_cli_fail (COMMAND, "out of memory");
      goto done;
    }
  VtError error = { 0 };
  VtStatus result;
  const char *mode;
  if (!v3)
    {
      mode = "v4";
      result = vt_bss_eval_v4 (eval, &signals, window, hop, &scores, &error);
    }
  else if (sources)
    {
      mode = "v3-sources";
      result = framewise ? vt_bss_eval_sources_framewise (eval, &signals, window, hop, permute,
                                                          &scores, &error)
                         : vt_bss_eval_sources (eval, &signals, permute, &scores, &error);
    }
  else
    {
      mode = "v3-images";
      result = framewise ? vt_bss_eval_images_framewise (eval, &signals, window, hop, permute,
                                                         &scores, &error)
                         : vt_bss_eval_images (eval, &signals, permute, &scores, &error);
    }
  if (result != VT_STATUS_OK)
    {
      vt_cli_fail (COMMAND, "%s", error.message);
      goto done;
    }

  double *summary = g_newa (double, n_sources * N_METRICS);
  for (int j = 0; j < n_sources; j++)
    for (int m = 0; m < N_METRICS; m++)
      summary[j * N_METRICS + m]
          = vt_bss_eval_nan_median (values[m] + (size_t) j * n_windows, n_windows);

  FILE *out = json_path != NULL && g_str_equal (json_path, "-") ? stderr : stdout;
  if (framewise)
    fprintf (out, "BSS Eval %s, %d sources, %d Hz, %d channels: median over %lld windows of %.3g s "
            "(hop %.3g s)\n",
            mode, n_sources, rate, signals.n_channels, (long long) n_windows,
            (double) window / rate, (double) hop / rate);
  else
    fprintf (out, "BSS Eval %s, %d sources, %d Hz, %d channels: whole signal (%.2f s)\n", mode,
            n_sources, rate, signals.n_channels, (double) n_frames / rate);
  int width = 6;
  for (int j = 0; j < n_sources; j++)
    width = MAX (width, (int) strlen (refs[j].name));
  fprintf (out, "%-*s %9s %9s %9s %9s\n", width, "source", "SDR", "SIR", "SAR", "ISR");
  for (int j = 0; j < n_sources; j++)
    {
      fprintf (out, "%-*s", width, refs[j].name);
      for (int m = 0; m < N_METRICS; m++)
        {
          double v = summary[j * N_METRICS + m];
          if (isnan (v))
            fprintf (out, " %9s", "-");
          else
            fprintf (out, " %9.3f", v);
        }
      if (scores.permutation != NULL && permute)
        fprintf (out, "   (estimate %s)", ests[scores.permutation[j]].name);
      fprintf (out, "\n");
    }
  fprintf (out, "(dB%s)\n", framewise ? "; windows where a stem is silent are left out" : "");

  if (json_path != NULL
      && !write_json (json_path, mode, window, hop, rate, refs, n_sources, n_windows, values,
                      summary))
    goto done;
  status = 0;

done:
  vt_bss_eval_free (eval);
  g_free (memory);
  stems_free (refs, n_refs);
  stems_free (ests, n_ests);
  return status;
}
