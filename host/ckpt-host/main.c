// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-host: the operator's tool for containers inside libvirt VMs
 * (docs/ckpt-host.md).
 *
 *   ckpt-host [--connect URI] [--json] [-q] COMMAND [OPTIONS] OPERANDS...
 *
 * Global options come before the command; each command parses its own.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host-cmd.h"

static char *commands_help(void)
{
	GString *s = g_string_new("Commands:\n");
	gsize n;
	const HostCmd *all = host_cmd_all(&n);

	for (gsize i = 0; i < n; i++)
		g_string_append_printf(s, "  %-11s %-34s %s\n", all[i].name, all[i].usage,
				       all[i].summary);
	g_string_append(s, "\nVM is a libvirt domain name, or an endpoint: vsock:CID, "
			   "hybrid:PATH (ckpt-vsockd), unix:PATH (the agent's own socket).\n"
			   "`ckpt-host COMMAND --help` shows a command's options.");
	return g_string_free(s, FALSE);
}

/* Parses the global options and runs the command; the exit status. */
static int parse_and_run(HostContext *ctx, GOptionContext *octx, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	const HostCmd *cmd;

	if (!g_option_context_parse(octx, &argc, &argv, &error)) {
		fprintf(stderr, "ckpt-host: %s\n", error->message);
		return 2;
	}
	if (argc < 2) {
		fprintf(stderr, "ckpt-host: expected a COMMAND (see ckpt-host --help)\n");
		return 2;
	}
	cmd = host_cmd_lookup(argv[1]);
	if (!cmd) {
		fprintf(stderr, "ckpt-host: unknown command %s (see ckpt-host --help)\n", argv[1]);
		return 2;
	}
	if (!!ctx->cid + !!ctx->uds + !!ctx->endpoint > 1) {
		fprintf(stderr, "ckpt-host: --cid, --uds and --endpoint exclude each other\n");
		return 2;
	}
	if (ctx->cid < 0 || ctx->port < 0 || ctx->connect_ms < 0) {
		fprintf(stderr, "ckpt-host: --cid, --port and --connect-timeout-ms take a "
				"number >= 0\n");
		return 2;
	}
	if (!ctx->uri)
		ctx->uri = g_strdup(HOST_DEFAULT_URI);
	ctx->tty = isatty(STDERR_FILENO);
	ctx->cmd = cmd->name;
	return cmd->run(ctx, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	HostContext ctx = {.connect_ms = HOST_DEFAULT_CONNECT_MS};
	const GOptionEntry entries[] = {
		{"connect", 'c', 0, G_OPTION_ARG_STRING, &ctx.uri,
		 "libvirt URI (default qemu:///system)", "URI"},
		{"json", 0, 0, G_OPTION_ARG_NONE, &ctx.json,
		 "Print one JSON object (the result, or {\"error\"}) on stdout; no progress", NULL},
		{"quiet", 'q', 0, G_OPTION_ARG_NONE, &ctx.quiet,
		 "No progress, no output but errors", NULL},
		{"cid", 0, 0, G_OPTION_ARG_INT, &ctx.cid,
		 "Reach the VM's agent at this vsock CID (no libvirt)", "CID"},
		{"uds", 0, 0, G_OPTION_ARG_FILENAME, &ctx.uds,
		 "Reach the VM's agent through this ckpt-vsockd socket (no libvirt)", "PATH"},
		{"endpoint", 0, 0, G_OPTION_ARG_STRING, &ctx.endpoint,
		 "Reach the agent at vsock:CID, hybrid:PATH or unix:PATH (no libvirt)", "EP"},
		{"port", 0, 0, G_OPTION_ARG_INT, &ctx.port,
		 "The agent's vsock port (default: the domain's, else 7100)", "PORT"},
		{"connect-timeout-ms", 0, 0, G_OPTION_ARG_INT, &ctx.connect_ms,
		 "Longest wait to reach an agent (default 5000)", "MS"},
		{"store-dir", 0, 0, G_OPTION_ARG_FILENAME, &ctx.store_dir,
		 "The image store (default $CKPT_STORE_DIR, else /var/lib/ckpt-host)", "DIR"},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new("COMMAND [ARGS...]");
	g_autofree char *help = commands_help();
	int status;

	g_set_prgname("ckpt-host");
	/* A peer that goes away mid-transfer is an error to handle, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	g_option_context_set_summary(octx, "Checkpoint, restore and migrate containers inside "
					   "libvirt VMs through their ckpt-agent.");
	g_option_context_set_description(octx, help);
	g_option_context_add_main_entries(octx, entries, NULL);
	/* Options after the command are the command's. */
	g_option_context_set_strict_posix(octx, TRUE);
	status = parse_and_run(&ctx, octx, argc, argv);
	host_context_clear(&ctx);
	return status;
}
