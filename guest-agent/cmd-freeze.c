// SPDX-License-Identifier: GPL-2.0-only
/* `ckpt freeze NAME [--timeout S]`: freeze every task of a container. */
#include "ckpt-cmd.h"
#include "cmd-util.h"

int ckpt_cmd_freeze(int argc, char **argv)
{
	g_auto(GStrv) args = NULL;
	double timeout_s = 0;
	const GOptionEntry entries[] = {
		{"timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout_s,
		 "Seconds the freeze may take before it is undone (default 10)", "S"},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new("NAME");
	g_autoptr(GError) error = NULL;
	g_autoptr(GCancellable) cancel = NULL;
	g_autoptr(CkptContainer) c = NULL;
	gint64 timeout_ms;

	g_option_context_set_summary(
		octx, "Freeze every task of container NAME (cgroup.freeze). If that takes\n"
		      "longer than the timeout, the container is thawed again and the error\n"
		      "names the tasks that did not stop.");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!ckpt_cmd_parse(octx, &argc, &argv))
		return CKPT_EXIT_USAGE;
	if (!args || !args[0] || args[1])
		return ckpt_cmd_usage("expected exactly one NAME");
	if (!ckpt_cmd_timeout_ms(timeout_s, &timeout_ms))
		return ckpt_cmd_usage("--timeout must not be negative");
	c = ckpt_cmd_open_container(args[0], TRUE, &error);
	cancel = ckpt_cmd_cancel_on_signals();
	if (!c || !ckpt_container_freeze(c, timeout_ms, cancel, &error))
		return ckpt_cmd_fail(error);
	return 0;
}
