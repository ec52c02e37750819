// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt kill NAME [--signal SIG] [--timeout S]`: without --signal, kill
 * every task of the container and remove it; with one, send SIG to its
 * init only.
 */
#include <signal.h>
#include <string.h>

#include "ckpt-cmd.h"
#include "cmd-util.h"

/* "TERM", "SIGTERM" or "15". */
static int parse_signal(const char *text)
{
	const char *name = g_ascii_strncasecmp(text, "SIG", 3) == 0 ? text + 3 : text;
	guint64 v;

	if (g_ascii_string_to_unsigned(text, 10, 1, SIGRTMAX, &v, NULL))
		return (int)v;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && g_ascii_strcasecmp(abbrev, name) == 0)
			return sig;
	}
	return 0;
}

int ckpt_cmd_kill(int argc, char **argv)
{
	g_autofree char *signal_name = NULL;
	g_auto(GStrv) args = NULL;
	double timeout_s = 0;
	const GOptionEntry entries[] = {
		{"signal", 's', 0, G_OPTION_ARG_STRING, &signal_name,
		 "Send SIG to the container's init instead of killing every task", "SIG"},
		{"timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout_s,
		 "Seconds to wait for the tasks to die (default 10)", "S"},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new("NAME");
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptContainer) c = NULL;
	gint64 timeout_ms;
	int sig = SIGKILL;

	g_option_context_set_summary(
		octx, "Kill every task of container NAME (cgroup.kill, frozen or not), wait\n"
		      "until they are gone and remove the container; a stopped container's\n"
		      "leftovers are removed. With --signal, only send SIG to its init.");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!ckpt_cmd_parse(octx, &argc, &argv))
		return CKPT_EXIT_USAGE;
	if (!args || !args[0] || args[1])
		return ckpt_cmd_usage("expected exactly one NAME");
	if (!ckpt_cmd_timeout_ms(timeout_s, &timeout_ms))
		return ckpt_cmd_usage("--timeout must not be negative");
	if (signal_name) {
		sig = parse_signal(signal_name);
		if (!sig)
			return ckpt_cmd_usage("unknown signal '%s'", signal_name);
	}

	c = ckpt_cmd_open_container(args[0], TRUE, &error);
	if (!c)
		return ckpt_cmd_fail(error);
	if (signal_name) {
		if (!ckpt_container_signal(c, sig, &error))
			return ckpt_cmd_fail(error);
		return 0;
	}
	if (!ckpt_container_kill(c, timeout_ms, NULL, &error))
		return ckpt_cmd_fail(error);
	return 0;
}
