// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "fake-cgroup.h"

/* In place, as the kernel changes them: an fd open on the file sees it. */
static void put(const char *dir, const char *file, const char *text)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	FILE *f = fopen(path, "w");

	g_assert_nonnull(f);
	g_assert_cmpint(fputs(text, f), >=, 0);
	g_assert_cmpint(fclose(f), ==, 0);
}

void fake_cgroup_set_events(const char *dir, gboolean populated, gboolean frozen)
{
	g_autofree char *events = g_strdup_printf("populated %d\nfrozen %d\n", populated, frozen);

	put(dir, "cgroup.events", events);
}

void fake_cgroup_make(const char *dir, gboolean populated, gboolean frozen, gboolean freeze,
		      const pid_t *pids, guint n)
{
	g_autoptr(GString) list = g_string_new(NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	fake_cgroup_set_events(dir, populated, frozen);
	put(dir, "cgroup.freeze", freeze ? "1\n" : "0\n");
	put(dir, "cgroup.kill", "");
	for (guint i = 0; i < n; i++)
		g_string_append_printf(list, "%d\n", (int)pids[i]);
	put(dir, "cgroup.procs", list->str);
	put(dir, "cgroup.threads", list->str);
}

char *fake_cgroup_read(const char *dir, const char *file)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	return text;
}
