/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-application.h"

#include "vt-resources.h"
#include "vt-window.h"

struct _VtApplication
{
  GtkApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (VtApplication, vt_application, GTK_TYPE_APPLICATION)

static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  /* Closing the windows (rather than g_application_quit) lets each cancel
   * its work and drop its song the ordinary way; the last one ends the run. */
  GList *windows = g_list_copy (gtk_application_get_windows (app));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (GTK_WINDOW (l->data));
  g_list_free (windows);
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_action },
};

static void
vt_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (vt_application_parent_class)->startup (app);

  /* The bundle sits in a static library: naming it here links it in, and its
   * constructor registers it. */
  if (vt_get_resource () == NULL)
    g_critical ("the GResource bundle is missing");

  g_set_application_name ("Voxtrace");
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  static const char *const quit_accels[] = { "<Control>q", NULL };
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);

  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/voxtrace/Voxtrace/css/voxtrace.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
vt_application_activate (GApplication *app)
{
  VtWindow *window = vt_window_new (VT_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
}

static void
vt_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      VtWindow *window = vt_window_new (VT_APPLICATION (app));
      vt_window_open (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
vt_application_class_init (VtApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  app_class->startup = vt_application_startup;
  app_class->activate = vt_application_activate;
  app_class->open = vt_application_open;
}

static void
vt_application_init (VtApplication *self)
{
}

VtApplication *
vt_application_new (void)
{
  return g_object_new (VT_TYPE_APPLICATION, "application-id", "org.voxtrace.Voxtrace", "flags",
                       G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE, NULL);
}
