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
  /* The mask network trained with the semi-supervised adversarial recipe,
   * beside the shipped F0 network. */
  if (g_strcmp0 (spec, "unet-adv") == 0)
    {
      g_autoptr (GBytes) f0 = g_resources_lookup_data (RESOURCE_DIR "f0.vtw", 0, error);
      if (f0 == NULL)
        return NULL;
      const char *dir = g_getenv ("VOXTRACE_MODELS_DIR");
      g_autofree char *mask_path = g_build_filename (dir ? dir : "resources/models",
                                                     "mask-adversarial.vtw", NULL);
      g_autofree char *mask_data = NULL;
      gsize f0_size = 0, mask_size = 0;
      if (!g_file_get_contents (mask_path, &mask_data, &mask_size, NULL))
        {
          g_set_error (error, VT_ERROR, VT_STATUS_NOT_FOUND,
                       "%s does not exist (train it with resources/models/mask-adversarial.recipe)",
                       mask_path);
          return NULL;
        }
      const void *f0_data = g_bytes_get_data (f0, &f0_size);
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

VtSystem *
vt_model_loader_load_system (const char *spec, gboolean *is_system, GError **error)
{
  *is_system = FALSE;
  if (spec == NULL)
    return NULL;
  VtError core_error = { 0 };
  VtSystem *system = NULL;
  if (g_strcmp0 (spec, "drnn") == 0 || g_strcmp0 (spec, "waveunet") == 0)
    {
      *is_system = TRUE;
      g_autofree char *name = g_strdup_printf ("%s.vtw", spec);
      g_autofree char *resource = g_strconcat (RESOURCE_DIR, name, NULL);
      g_autoptr (GBytes) shipped = g_resources_lookup_data (resource, 0, NULL);
      if (shipped)
        {
          gsize size = 0;
          const void *data = g_bytes_get_data (shipped, &size);
          system = vt_system_load_memory (data, size, &core_error);
        }
      else
        {
          const char *dir = g_getenv ("VOXTRACE_MODELS_DIR");
          g_autofree char *path = g_build_filename (dir ? dir : "resources/models", name, NULL);
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            {
              g_set_error (error, VT_ERROR, VT_STATUS_NOT_FOUND,
                           "the %s model is not shipped and %s does not exist (train it with "
                           "resources/models/%s.recipe)", spec, path, spec);
              return NULL;
            }
          system = vt_system_load_file (path, &core_error);
        }
    }
  else if (g_str_has_suffix (spec, ".vtw") && g_file_test (spec, G_FILE_TEST_IS_REGULAR))
    {
      *is_system = TRUE;
      system = vt_system_load_file (spec, &core_error);
    }
  else
    return NULL;
  if (system == NULL)
    vt_error_to_gerror (&core_error, core_error.status, error);
  return system;
}
