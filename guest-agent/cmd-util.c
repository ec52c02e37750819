// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "cmd-util.h"

gboolean ckpt_cmd_parse(GOptionContext *octx, int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	if (g_option_context_parse(octx, argc, argv, &error))
		return TRUE;
	fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
	return FALSE;
}

int ckpt_cmd_fail(const GError *error)
{
	fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
	return 1;
}

int ckpt_cmd_usage(const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s (see --help)\n", g_get_prgname(), msg);
	return CKPT_EXIT_USAGE;
}

CkptContainer *ckpt_cmd_open_container(const char *name, gboolean lock, GError **error)
{
	g_autoptr(CkptPaths) paths = ckpt_paths_new_default();
	g_autoptr(CkptContainer) c = ckpt_container_new(paths, name, error);

	if (!c || (lock && !ckpt_container_lock(c, error)))
		return NULL;
	return g_steal_pointer(&c);
}

gboolean ckpt_cmd_timeout_ms(double seconds, gint64 *ms)
{
	if (seconds < 0)
		return FALSE;
	*ms = seconds == 0 ? CKPT_DEFAULT_TIMEOUT_MS : (gint64)(seconds * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return TRUE;
}
