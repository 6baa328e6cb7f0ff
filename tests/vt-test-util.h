/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Helpers shared by the test programs: where ../shared/data is, scratch
 * folders, and skipping with a message when data is absent.
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* The shared data folder (VT_SHARED_DATA, set by meson), or NULL. */
static inline const char *
vt_test_shared_data (void)
{
  const char *dir = g_getenv ("VT_SHARED_DATA");
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    return NULL;
  return dir;
}

/* Path below the shared data folder, or NULL (and the test is skipped with a
 * message) when it is absent. */
static inline char *
vt_test_shared_path (const char *relative)
{
  const char *dir = vt_test_shared_data ();
  if (dir == NULL)
    {
      g_test_skip ("../shared/data is absent; this test needs it");
      return NULL;
    }
  char *path = g_build_filename (dir, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message = g_strdup_printf ("%s is absent", path);
      g_test_skip (message);
      g_free (path);
      return NULL;
    }
  return path;
}

/* A fresh scratch folder, removed (recursively) by vt_test_scratch_free. */
static inline char *
vt_test_scratch_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("voxtrace-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static inline void
vt_test_scratch_free (char *dir)
{
  if (dir == NULL)
    return;
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  while (handle && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        vt_test_scratch_free (g_strdup (path));
      else
        g_unlink (path);
    }
  g_rmdir (dir);
  g_free (dir);
}
