/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "vt-application.h"

struct _VtApplication
{
  GtkApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (VtApplication, vt_application, GTK_TYPE_APPLICATION)

static void
vt_application_activate (GApplication *app)
{
  GtkWidget *window = gtk_application_window_new (GTK_APPLICATION (app));
  gtk_window_set_title (GTK_WINDOW (window), "Voxtrace");
  gtk_window_present (GTK_WINDOW (window));
}

static void
vt_application_class_init (VtApplicationClass *klass)
{
  G_APPLICATION_CLASS (klass)->activate = vt_application_activate;
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
