// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt`: the guest tool. It only dispatches to a subcommand; adding one
 * is a cmd-NAME.c file, its prototype in ckpt-cmd.h and one row below.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "ckpt-cmd.h"
#include "ckpt_image.h"

typedef struct {
	const char *name;
	const char *summary;
	CkptCmdFunc func;
} CkptCommand;

static const CkptCommand commands[] = {
	{"info", "Decode and verify an image, record by record", ckpt_cmd_info},
	{"run", "Start a command as pid 1 of a new container", ckpt_cmd_run},
	{"list", "List containers with their state, init pid and tasks", ckpt_cmd_list},
	{"checkpoint", "Write a container's image, then stop, thaw or keep it frozen",
	 ckpt_cmd_checkpoint},
	{"restart", "Rebuild a container from its image", ckpt_cmd_restart},
	{"kill", "Kill a container (or send its init a signal)", ckpt_cmd_kill},
	{"freeze", "Freeze every task of a container", ckpt_cmd_freeze},
	{"thaw", "Thaw a frozen container", ckpt_cmd_thaw},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: ckpt COMMAND [OPTIONS...]\n\nCommands:\n");
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'ckpt COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ckpt %s (image format %d)\n", CKPT_VERSION, CKPT_IMAGE_VERSION);
		return 0;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			g_autofree char *prgname = g_strdup_printf("ckpt %s", commands[i].name);

			g_set_prgname(prgname);
			argv[1] = prgname;
			return commands[i].func(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "ckpt: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
