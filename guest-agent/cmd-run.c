// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt run NAME [--hostname H] [--rootfs DIR] [--env K=V]... [--log] -- CMD ARGS...`:
 * starts a container and prints its init's pid.
 */
#include <stdio.h>

#include "ckpt-cmd.h"
#include "cmd-util.h"

int ckpt_cmd_run(int argc, char **argv)
{
	g_autofree char *hostname = NULL;
	g_autofree char *rootfs = NULL;
	g_auto(GStrv) env = NULL;
	g_auto(GStrv) args = NULL;
	gboolean log = FALSE;
	const GOptionEntry entries[] = {
		{"hostname", 'H', 0, G_OPTION_ARG_STRING, &hostname,
		 "Host name in the container (default: NAME)", "H"},
		{"rootfs", 'r', 0, G_OPTION_ARG_FILENAME, &rootfs,
		 "Root directory of the container (default: the guest's /)", "DIR"},
		{"env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &env,
		 "Set an environment variable (repeatable)", "K=V"},
		{"log", 'l', 0, G_OPTION_ARG_NONE, &log,
		 "Send stdout and stderr to /run/ckpt/NAME/log instead of /dev/null", NULL},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new("NAME -- CMD [ARGS...]");
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptContainer) c = NULL;
	CkptRunOptions o;
	pid_t pid;

	g_option_context_set_summary(
		octx, "Start CMD as pid 1 of a new container NAME: its own cgroup\n"
		      "(/sys/fs/cgroup/ckpt/NAME) and pid, uts, ipc and mount namespaces.\n"
		      "Prints the pid of the container's init.");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!ckpt_cmd_parse(octx, &argc, &argv))
		return CKPT_EXIT_USAGE;
	if (!args || !args[0])
		return ckpt_cmd_usage("missing NAME");
	if (!args[1])
		return ckpt_cmd_usage("missing the command to run (after --)");

	if (rootfs && !ckpt_cmd_absolute_dir(&rootfs, &error))
		return ckpt_cmd_fail(error);
	c = ckpt_cmd_open_container(args[0], TRUE, &error);
	if (!c)
		return ckpt_cmd_fail(error);
	o = (CkptRunOptions){
		.argv = args + 1,
		.env = env,
		.hostname = hostname,
		.rootfs = rootfs,
		.log = log,
	};
	pid = ckpt_container_run(c, &o, &error);
	if (!pid)
		return ckpt_cmd_fail(error);
	printf("%d\n", (int)pid);
	return 0;
}
