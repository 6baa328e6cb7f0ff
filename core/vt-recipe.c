/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-recipe.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 256
#define MAX_TEXT 65536

typedef struct
{
  char *key;
  char *value;
  int line;
  bool used;
} Entry;

struct VtRecipe
{
  char *path;
  char *dir;
  Entry entries[MAX_ENTRIES];
  int n_entries;
};

static char *
trim (char *s)
{
  while (isspace ((unsigned char) *s))
    s++;
  char *end = s + strlen (s);
  while (end > s && isspace ((unsigned char) end[-1]))
    *--end = '\0';
  return s;
}

static Entry *
find (VtRecipe *recipe, const char *key)
{
  for (int i = 0; i < recipe->n_entries; i++)
    if (strcmp (recipe->entries[i].key, key) == 0)
      return &recipe->entries[i];
  return NULL;
}

VtStatus
vt_recipe_set (VtRecipe *recipe, const char *key, const char *value)
{
  Entry *entry = find (recipe, key);
  if (entry == NULL)
    {
      if (recipe->n_entries == MAX_ENTRIES)
        return VT_STATUS_BAD_ARGUMENT;
      entry = &recipe->entries[recipe->n_entries++];
      memset (entry, 0, sizeof *entry);
      entry->key = strdup (key);
      if (entry->key == NULL)
        return VT_STATUS_NO_MEMORY;
    }
  char *copy = strdup (value);
  if (copy == NULL)
    return VT_STATUS_NO_MEMORY;
  free (entry->value);
  entry->value = copy;
  return VT_STATUS_OK;
}

VtRecipe *
vt_recipe_parse (const char *text, const char *name, VtError *error)
{
  VtRecipe *recipe = calloc (1, sizeof *recipe);
  char *copy = strdup (text);
  if (recipe == NULL || copy == NULL)
    {
      free (recipe);
      free (copy);
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  recipe->path = strdup (name ? name : "recipe");
  const char *slash = name ? strrchr (name, '/') : NULL;
  recipe->dir = slash ? strndup (name, (size_t) (slash - name)) : strdup (".");
  int line_number = 0;
  char *saveptr = NULL;
  for (char *line = strtok_r (copy, "\n", &saveptr); line; line = strtok_r (NULL, "\n", &saveptr))
    {
      line_number++;
      char *hash = strchr (line, '#');
      if (hash)
        *hash = '\0';
      char *content = trim (line);
      if (*content == '\0')
        continue;
      char *equals = strchr (content, '=');
      if (equals == NULL)
        {
          vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s:%d: expected 'key = value'",
                        recipe->path, line_number);
          goto fail;
        }
      *equals = '\0';
      char *key = trim (content);
      char *value = trim (equals + 1);
      if (*key == '\0')
        {
          vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s:%d: empty key", recipe->path,
                        line_number);
          goto fail;
        }
      if (find (recipe, key) != NULL)
        {
          vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s:%d: '%s' is set twice", recipe->path,
                        line_number, key);
          goto fail;
        }
      if (vt_recipe_set (recipe, key, value) != VT_STATUS_OK)
        {
          vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: too many entries", recipe->path);
          goto fail;
        }
      recipe->entries[recipe->n_entries - 1].line = line_number;
    }
  free (copy);
  return recipe;

fail:
  free (copy);
  vt_recipe_free (recipe);
  return NULL;
}

VtRecipe *
vt_recipe_load (const char *path, VtError *error)
{
  FILE *file = fopen (path, "r");
  if (file == NULL)
    {
      vt_error_set (error, errno == ENOENT ? VT_STATUS_NOT_FOUND : VT_STATUS_IO,
                    "%s: cannot open: %s", path, strerror (errno));
      return NULL;
    }
  char *text = malloc (MAX_TEXT + 1);
  if (text == NULL)
    {
      fclose (file);
      vt_error_set (error, VT_STATUS_NO_MEMORY, "out of memory");
      return NULL;
    }
  size_t n = fread (text, 1, MAX_TEXT + 1, file);
  fclose (file);
  if (n > MAX_TEXT)
    {
      free (text);
      vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: too large for a recipe", path);
      return NULL;
    }
  text[n] = '\0';
  if (memchr (text, '\0', n) != NULL)
    {
      free (text);
      vt_error_set (error, VT_STATUS_BAD_FORMAT, "%s: not a text file", path);
      return NULL;
    }
  VtRecipe *recipe = vt_recipe_parse (text, path, error);
  free (text);
  return recipe;
}

void
vt_recipe_free (VtRecipe *recipe)
{
  if (recipe == NULL)
    return;
  for (int i = 0; i < recipe->n_entries; i++)
    {
      free (recipe->entries[i].key);
      free (recipe->entries[i].value);
    }
  free (recipe->path);
  free (recipe->dir);
  free (recipe);
}

const char *vt_recipe_get_path (const VtRecipe *recipe) { return recipe->path; }
const char *vt_recipe_get_dir (const VtRecipe *recipe) { return recipe->dir; }

const char *
vt_recipe_get_string (VtRecipe *recipe, const char *key, const char *fallback)
{
  Entry *entry = find (recipe, key);
  if (entry == NULL)
    return fallback;
  entry->used = true;
  return entry->value;
}

VtStatus
vt_recipe_get_int (VtRecipe *recipe, const char *key, int64_t fallback, int64_t min, int64_t max,
                   int64_t *value, VtError *error)
{
  Entry *entry = find (recipe, key);
  if (entry == NULL)
    {
      *value = fallback;
      return VT_STATUS_OK;
    }
  entry->used = true;
  char *end = NULL;
  errno = 0;
  long long parsed = strtoll (entry->value, &end, 10);
  if (errno != 0 || end == entry->value || *end != '\0' || parsed < min || parsed > max)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s:%d: %s = '%s' must be a whole number from %lld to %lld",
                         recipe->path, entry->line, key, entry->value, (long long) min,
                         (long long) max);
  *value = parsed;
  return VT_STATUS_OK;
}

VtStatus
vt_recipe_get_double (VtRecipe *recipe, const char *key, double fallback, double min,
                      double max, double *value, VtError *error)
{
  Entry *entry = find (recipe, key);
  if (entry == NULL)
    {
      *value = fallback;
      return VT_STATUS_OK;
    }
  entry->used = true;
  char *end = NULL;
  errno = 0;
  double parsed = strtod (entry->value, &end);
  if (errno != 0 || end == entry->value || *end != '\0' || !isfinite (parsed) || parsed < min
      || parsed > max)
    return vt_error_set (error, VT_STATUS_BAD_ARGUMENT,
                         "%s:%d: %s = '%s' must be a number from %g to %g", recipe->path,
                         entry->line, key, entry->value, min, max);
  *value = parsed;
  return VT_STATUS_OK;
}

VtStatus
vt_recipe_check_unused (const VtRecipe *recipe, VtError *error)
{
  for (int i = 0; i < recipe->n_entries; i++)
    if (!recipe->entries[i].used)
      return vt_error_set (error, VT_STATUS_BAD_ARGUMENT, "%s:%d: unknown key '%s'",
                           recipe->path, recipe->entries[i].line, recipe->entries[i].key);
  return VT_STATUS_OK;
}
