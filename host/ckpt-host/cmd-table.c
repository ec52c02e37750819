// SPDX-License-Identifier: GPL-2.0-only
/* The command table, built from commands.def, and the per-command option parser. */
#include <stdio.h>
#include <string.h>

#include "host-cmd.h"

static const HostCmd commands[] = {
#define HOST_COMMAND(name, usage, summary) {#name, host_cmd_##name, usage, summary},
#include "commands.def"
#undef HOST_COMMAND
};

const HostCmd *host_cmd_lookup(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const HostCmd *host_cmd_all(gsize *n)
{
	*n = G_N_ELEMENTS(commands);
	return commands;
}

gboolean host_cmd_parse(HostContext *ctx, int argc, char **argv, const GOptionEntry *entries,
			int min, int max, char ***operands)
{
	const HostCmd *cmd = host_cmd_lookup(argv[0]);
	g_autofree char *param = g_strdup_printf("%s %s", cmd->name, cmd->usage);
	g_autoptr(GOptionContext) octx = g_option_context_new(param);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) rest = NULL;
	const GOptionEntry remaining[] = {
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	guint n;

	g_option_context_set_summary(octx, cmd->summary);
	if (entries)
		g_option_context_add_main_entries(octx, entries, NULL);
	g_option_context_add_main_entries(octx, remaining, NULL);
	if (!g_option_context_parse(octx, &argc, &argv, &error)) {
		fprintf(stderr, "ckpt-host %s: %s (usage: ckpt-host %s %s)\n", cmd->name,
			error->message, cmd->name, cmd->usage);
		return FALSE;
	}
	n = rest ? g_strv_length(rest) : 0;
	if ((int)n < min || (max >= 0 && (int)n > max)) {
		fprintf(stderr, "ckpt-host %s: expected %s (see ckpt-host %s --help)\n", cmd->name,
			*cmd->usage ? cmd->usage : "no operands", cmd->name);
		return FALSE;
	}
	*operands = rest ? g_steal_pointer(&rest) : g_new0(char *, 1);
	return TRUE;
}
