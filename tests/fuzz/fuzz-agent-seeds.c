// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the agent fuzzer's seed corpus: one well-formed request per
 * command of the dispatch table, with every argument given a value of its
 * type (an allowed value for enumerations), so the fuzzer starts from
 * every command and argument name; plus a sync after a delimiter and a
 * few requests that are wrong in one way each.
 */
#include <stdio.h>

#include "agent-commands.h"

static void save(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;

	if (!g_file_set_contents(path, text, -1, &error))
		g_error("%s", error->message);
}

static void add_value(GString *s, const AgentArgSpec *a)
{
	switch (a->type) {
	case AGENT_ARG_STRING:
		g_string_append_printf(s, "\"%s\"", a->values ? a->values[0] : "web");
		break;
	case AGENT_ARG_INTEGER:
		g_string_append_printf(s, "%" G_GINT64_FORMAT, MAX(a->min, 1));
		break;
	case AGENT_ARG_BOOLEAN:
		g_string_append(s, "true");
		break;
	case AGENT_ARG_STRING_ARRAY:
		g_string_append(s, "[\"sh\",\"-c\",\"sleep 1\"]");
		break;
	}
}

int main(int argc, char **argv)
{
	const AgentCommand *cmds;
	guint n;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-agent-seeds DIR\n");
		return 2;
	}
	cmds = agent_commands_get_all(&n);
	for (guint i = 0; i < n; i++) {
		g_autoptr(GString) s = g_string_new(NULL);
		g_autofree char *name = g_strdup_printf("cmd-%s", cmds[i].name);

		g_string_append_printf(s, "{\"execute\":\"%s\",\"arguments\":{", cmds[i].name);
		for (const AgentArgSpec *a = cmds[i].args; a->name; a++) {
			g_string_append_printf(s, "%s\"%s\":", a == cmds[i].args ? "" : ",",
					       a->name);
			add_value(s, a);
		}
		g_string_append_printf(s, "},\"id\":%u}\n", i);
		save(argv[1], name, s->str);
	}
	save(argv[1], "sync-delimited",
	     "{\"execute\":\"pi\xff{\"execute\":\"sync\",\"arguments\":{\"id\":7}}\n");
	save(argv[1], "pipelined",
	     "{\"execute\":\"ping\"}\r\n\n{\"execute\":\"info\",\"id\":null}\n");
	save(argv[1], "wrong-type",
	     "{\"execute\":\"job-status\",\"arguments\":{\"job\":\"1\"},\"id\":[1]}\n");
	save(argv[1], "not-object", "[{\"execute\":\"ping\"}]\n42\n\"x\"\n");
	return 0;
}
