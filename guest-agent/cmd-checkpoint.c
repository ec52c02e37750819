// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt checkpoint NAME -o FILE|- [--leave-running | --leave-frozen]`:
 * write the container's image, then stop it (the default), thaw it or
 * leave it frozen. Statistics go to stderr with --verbose: stdout may be
 * the image.
 */
#include <signal.h>
#include <stdio.h>

#include "ckpt-cmd.h"
#include "cmd-util.h"

static gboolean commit_output(gpointer data, const CkptCheckpointResult *result, GError **error)
{
	return ckpt_image_output_commit(data, error);
}

int ckpt_cmd_checkpoint(int argc, char **argv)
{
	g_autofree char *output = NULL;
	g_auto(GStrv) args = NULL;
	gboolean leave_running = FALSE, leave_frozen = FALSE, verbose = FALSE;
	double timeout_s = 0;
	const GOptionEntry entries[] = {
		{"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		 "Write the image to FILE (via FILE.tmp), or to stdout with -", "FILE|-"},
		{"leave-running", 'R', 0, G_OPTION_ARG_NONE, &leave_running,
		 "Thaw the container afterwards instead of stopping it", NULL},
		{"leave-frozen", 'F', 0, G_OPTION_ARG_NONE, &leave_frozen,
		 "Leave the container frozen afterwards instead of stopping it", NULL},
		{"timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout_s,
		 "Seconds the freeze may take (default 10)", "S"},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print statistics to stderr",
		 NULL},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new("NAME -o FILE|-");
	g_autoptr(GError) error = NULL;
	g_autoptr(GCancellable) cancel = NULL;
	g_autoptr(CkptContainer) c = NULL;
	g_autoptr(CkptImageOutput) out = NULL;
	CkptCheckpointOptions o = {0};
	CkptCheckpointResult r;

	g_option_context_set_summary(
		octx, "Freeze container NAME, write its image and stop it. If anything fails,\n"
		      "the container is thawed and keeps running, and no FILE is left.\n"
		      "The image is a stream: stdout may be a file, a pipe or a socket.");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!ckpt_cmd_parse(octx, &argc, &argv))
		return CKPT_EXIT_USAGE;
	if (!args || !args[0] || args[1])
		return ckpt_cmd_usage("expected exactly one NAME");
	if (!output)
		return ckpt_cmd_usage("missing -o FILE|-");
	if (leave_running && leave_frozen)
		return ckpt_cmd_usage("--leave-running and --leave-frozen exclude each other");
	if (!ckpt_cmd_timeout_ms(timeout_s, &o.freeze_timeout_ms))
		return ckpt_cmd_usage("--timeout must not be negative");
	o.mode = leave_running	? CKPT_CHECKPOINT_LEAVE_RUNNING
		 : leave_frozen ? CKPT_CHECKPOINT_LEAVE_FROZEN
				: CKPT_CHECKPOINT_STOP;

	c = ckpt_cmd_open_container(args[0], TRUE, &error);
	if (!c)
		return ckpt_cmd_fail(error);
	out = ckpt_image_output_open(output, &error);
	if (!out)
		return ckpt_cmd_fail(error);
	o.commit = commit_output;
	o.commit_data = out;
	/* A reader that goes away must fail the write, not kill us mid-freeze. */
	signal(SIGPIPE, SIG_IGN);
	cancel = ckpt_cmd_cancel_on_signals();
	if (!ckpt_container_checkpoint(c, ckpt_image_output_get_fd(out), &o, &r, cancel, &error))
		return ckpt_cmd_fail(error);
	if (verbose)
		fprintf(stderr,
			"%s: %u tasks, %" G_GUINT64_FORMAT " bytes to %s; freeze %.3f s, write "
			"%.3f s, sync %.3f s; container %s\n",
			ckpt_container_get_name(c), r.nr_tasks, r.bytes,
			ckpt_image_output_get_path(out), r.freeze_us / 1e6, r.write_us / 1e6,
			r.commit_us / 1e6,
			o.mode == CKPT_CHECKPOINT_STOP		 ? "stopped"
			: o.mode == CKPT_CHECKPOINT_LEAVE_FROZEN ? "frozen"
								 : "running");
	return 0;
}
