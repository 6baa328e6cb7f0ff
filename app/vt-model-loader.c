/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-model-loader.h"

#include <gio/gio.h>

#include "vt-error.h"

#define RESOURCE_DIR "/org/voxtrace/Voxtrace/models/"

VtModel *
vt_model_loader_load (const char *spec, GError **error)
{
  VtError core_error = { 0 };
  VtModel *model = NULL;
  if (spec == NULL || spec[0] == '\0' || g_strcmp0 (spec, "default") == 0
      || g_strcmp0 (spec, "unet") == 0)
    {
      g_autoptr (GBytes) f0 = g_resources_lookup_data (RESOURCE_DIR "f0.vtw", 0, error);
      if (f0 == NULL)
        return NULL;
      g_autoptr (GBytes) mask = g_resources_lookup_data (RESOURCE_DIR "mask.vtw", 0, error);
      if (mask == NULL)
        return NULL;
      gsize f0_size = 0, mask_size = 0;
      const void *f0_data = g_bytes_get_data (f0, &f0_size);
      const void *mask_data = g_bytes_get_data (mask, &mask_size);
      model = vt_model_load_memory (f0_data, f0_size, mask_data, mask_size, &core_error);
      if (model == NULL)
        vt_error_to_gerror (&core_error, core_error.status, error);
      return model;
    }
  if (!g_file_test (spec, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VT_ERROR, VT_STATUS_NOT_FOUND,
                   "%s: no such model (give 'default' or a folder with f0.vtw and mask.vtw)",
                   spec);
      return NULL;
    }
  g_autofree char *f0_path = g_build_filename (spec, "f0.vtw", NULL);
  g_autofree char *mask_path = g_build_filename (spec, "mask.vtw", NULL);
  model = vt_model_load_files (f0_path, mask_path, &core_error);
  if (model == NULL)
    vt_error_to_gerror (&core_error, core_error.status, error);
  return model;
}
