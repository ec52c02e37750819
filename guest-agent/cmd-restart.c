// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt restart NAME -i FILE|- [--frozen] [--rootfs DIR] [--log]`: rebuild
 * a container from its image and print its init's pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "ckpt-cmd.h"
#include "cmd-util.h"

static int open_image(const char *path, GError **error)
{
	int fd;

	if (g_strcmp0(path, "-") == 0) {
		if (isatty(STDIN_FILENO)) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
				    "refusing to read an image from a terminal; redirect stdin");
			return -1;
		}
		return STDIN_FILENO;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ckpt_set_error_errno(error, errno, "cannot open image %s", path);
	return fd;
}

int ckpt_cmd_restart(int argc, char **argv)
{
	g_autofree char *input = NULL;
	g_autofree char *rootfs = NULL;
	g_auto(GStrv) args = NULL;
	gboolean frozen = FALSE, log = FALSE, verbose = FALSE;
	double timeout_s = 0;
	const GOptionEntry entries[] = {
		{"input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
		 "Read the image from FILE, or from stdin with -", "FILE|-"},
		{"frozen", 'F', 0, G_OPTION_ARG_NONE, &frozen,
		 "Leave the container frozen (`ckpt thaw` starts it)", NULL},
		{"rootfs", 'r', 0, G_OPTION_ARG_FILENAME, &rootfs,
		 "The root directory `ckpt run` gave the container", "DIR"},
		{"log", 'l', 0, G_OPTION_ARG_NONE, &log,
		 "The container ran with --log (needed with --rootfs)", NULL},
		{"timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout_s,
		 "Seconds to rebuild the process tree and to freeze (default 10)", "S"},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print statistics to stderr",
		 NULL},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new("NAME -i FILE|-");
	g_autoptr(GError) error = NULL;
	g_autoptr(GCancellable) cancel = NULL;
	g_autoptr(CkptContainer) c = NULL;
	CkptRestartOptions o = {0};
	CkptRestartResult r;
	int fd;

	g_option_context_set_summary(
		octx, "Rebuild container NAME from an image: every task with its pid, memory,\n"
		      "files, signals and registers, in new namespaces and cgroup. NAME must\n"
		      "not be running. If anything fails, nothing is left running.");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!ckpt_cmd_parse(octx, &argc, &argv))
		return CKPT_EXIT_USAGE;
	if (!args || !args[0] || args[1])
		return ckpt_cmd_usage("expected exactly one NAME");
	if (!input)
		return ckpt_cmd_usage("missing -i FILE|-");
	if (!ckpt_cmd_timeout_ms(timeout_s, &o.timeout_ms))
		return ckpt_cmd_usage("--timeout must not be negative");
	if (rootfs && !ckpt_cmd_absolute_dir(&rootfs, &error))
		return ckpt_cmd_fail(error);
	o.rootfs = rootfs;
	o.log = log;
	o.frozen = frozen;
	o.image_name = input;

	c = ckpt_cmd_open_container(args[0], TRUE, &error);
	if (!c)
		return ckpt_cmd_fail(error);
	fd = open_image(input, &error);
	if (fd < 0)
		return ckpt_cmd_fail(error);
	cancel = ckpt_cmd_cancel_on_signals();
	if (!ckpt_container_restart(c, fd, &o, &r, cancel, &error))
		return ckpt_cmd_fail(error);
	printf("%d\n", (int)r.init_pid);
	if (verbose)
		fprintf(stderr,
			"%s: %u tasks (%u threads), %" G_GUINT64_FORMAT " bytes from %s; tree "
			"%.3f s, restore %.3f s; container %s\n",
			ckpt_container_get_name(c), r.nr_tasks, r.nr_threads, r.bytes, input,
			r.rebuild_us / 1e6, r.restore_us / 1e6, frozen ? "frozen" : "running");
	return 0;
}
