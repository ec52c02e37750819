// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ckpt-guest-error.h"
#include "ckpt-proc.h"

gboolean ckpt_proc_parse_status(const char *text, CkptProcTask *task, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gboolean have_name = FALSE;

	task->ns_pid = task->pid;
	task->state = '?';
	for (char **l = lines; *l; l++) {
		const char *v = strchr(*l, ':');

		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		if (g_str_has_prefix(*l, "Name:")) {
			/* The kernel escapes '\n' in comm; keep it as shown. */
			g_strlcpy(task->comm, v, sizeof(task->comm));
			have_name = TRUE;
		} else if (g_str_has_prefix(*l, "State:")) {
			task->state = *v ? *v : '?';
		} else if (g_str_has_prefix(*l, "NSpid:")) {
			g_auto(GStrv) ids = g_strsplit_set(v, " \t", -1);
			guint64 id;

			for (char **i = ids; *i; i++)
				if (**i &&
				    g_ascii_string_to_unsigned(*i, 10, 1, G_MAXINT32, &id, NULL))
					task->ns_pid = (pid_t)id;
		}
	}
	if (!have_name) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_FAILED,
			    "/proc/%d/status has no Name line", (int)task->pid);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_proc_read_task(pid_t pid, CkptProcTask *task, GError **error)
{
	g_autofree char *status_path = g_strdup_printf("/proc/%d/status", (int)pid);
	g_autofree char *wchan_path = g_strdup_printf("/proc/%d/wchan", (int)pid);
	g_autofree char *status = NULL;
	g_autofree char *wchan = NULL;

	memset(task, 0, sizeof(*task));
	task->pid = pid;
	if (!g_file_get_contents(status_path, &status, NULL, error))
		return FALSE;
	if (!ckpt_proc_parse_status(status, task, error))
		return FALSE;
	/* "0" when the kernel will not say; not worth an error. */
	if (g_file_get_contents(wchan_path, &wchan, NULL, NULL) && strcmp(wchan, "0") != 0)
		g_strlcpy(task->wchan, g_strstrip(wchan), sizeof(task->wchan));
	return TRUE;
}

gboolean ckpt_proc_task_in_freezer(const CkptProcTask *task)
{
	return task->state == 'S' &&
	       (strstr(task->wchan, "freezer") || strcmp(task->wchan, "get_signal") == 0);
}

char *ckpt_proc_describe(const CkptProcTask *task)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "pid %d (%s", (int)task->ns_pid, task->comm);
	if (task->ns_pid != task->pid)
		g_string_append_printf(s, ", host pid %d", (int)task->pid);
	g_string_append_printf(s, "): state %c", task->state);
	if (task->wchan[0])
		g_string_append_printf(s, " in %s", task->wchan);
	return g_string_free(s, FALSE);
}

gint64 ckpt_proc_read_pss(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/smaps_rollup", (int)pid);
	g_autofree char *text = NULL;
	const char *line;
	guint64 kib;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	line = strstr(text, "\nPss:");
	if (!line || sscanf(line + 5, "%" G_GUINT64_FORMAT " kB", &kib) != 1)
		return -1;
	return (gint64)(kib * 1024);
}
