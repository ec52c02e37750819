/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command table. A command is a function that takes the context and
 * its own argv (argv[0] is its name), parses its options and returns the
 * exit status: 0 done, 1 failed, 2 usage. To add one, write cmd-NAME.c
 * with `int host_cmd_NAME(HostContext *ctx, int argc, char **argv)` and add
 * one HOST_COMMAND line to commands.def.
 */
#pragma once

#include "host-context.h"

G_BEGIN_DECLS

typedef int (*HostCmdFunc)(HostContext *ctx, int argc, char **argv);

typedef struct {
	const char *name;
	HostCmdFunc run;
	const char *usage;   /* operands, for --help and usage errors */
	const char *summary; /* one line */
} HostCmd;

#define HOST_COMMAND(name, usage, summary)                                                         \
	int host_cmd_##name(HostContext *ctx, int argc, char **argv);
#include "commands.def"
#undef HOST_COMMAND

const HostCmd *host_cmd_lookup(const char *name);
/* Every command, in the table's order; n gets their number. */
const HostCmd *host_cmd_all(gsize *n);

/*
 * Parses a command's options (entries may be NULL) and its operands into
 * *operands (NULL-terminated, owned by the caller). FALSE, with the usage
 * printed, if the options are bad or the operand count is outside
 * [min, max] (max < 0: no upper bound). Operands after "--" are kept
 * as they are (run VM NAME -- CMD...).
 */
gboolean host_cmd_parse(HostContext *ctx, int argc, char **argv, const GOptionEntry *entries,
			int min, int max, char ***operands);

G_END_DECLS
