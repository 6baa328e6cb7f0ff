/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: project files (JSON, app/vt-document.c). The input is
 * written to a scratch file and loaded; a loaded document is queried and
 * written back out, as the editor would. Built only with -Dfuzzing=true.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vt-document.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char scratch_path[64], written_path[72];

static void
remove_scratch (void)
{
  unlink (scratch_path);
  unlink (written_path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (scratch_path[0] == '\0')
    {
      snprintf (scratch_path, sizeof scratch_path, "/tmp/vt-fuzz-project-%ld.vtproj",
                (long) getpid ());
      snprintf (written_path, sizeof written_path, "%s.out", scratch_path);
      atexit (remove_scratch);
    }
  FILE *file = fopen (scratch_path, "wb");
  if (file == NULL)
    abort ();
  if (fwrite (data, 1, size, file) != size || fclose (file) != 0)
    abort ();

  GError *error = NULL;
  VtDocument *document = vt_document_load (scratch_path, &error);
  if (document == NULL)
    {
      g_clear_error (&error);
      return 0;
    }
  /* Touch every value the loader accepted, so ASan sees a short array. */
  volatile double sum = 0;
  guint n_regions = 0;
  const VtSilentRegion *regions = vt_document_get_silent_regions (document, &n_regions);
  for (guint i = 0; i < n_regions; i++)
    sum += regions[i].start + regions[i].end;
  for (guint i = 0; i < vt_document_get_n_f0_edits (document); i++)
    {
      VtF0EditKind kind;
      gint64 start, n;
      const float *hz = NULL;
      vt_document_get_f0_edit (document, i, &kind, &start, &n, &hz);
      for (gint64 k = 0; hz != NULL && k < n; k++)
        sum += hz[k];
    }
  (void) sum;
  VtDocumentView view;
  vt_document_get_view (document, &view);
  vt_document_undo (document);
  vt_document_redo (document);
  if (!vt_document_write (document, written_path, &error))
    g_clear_error (&error);
  g_object_unref (document);
  return 0;
}
