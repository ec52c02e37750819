// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt list [--json]`: every container with its state, init pid and
 * number of processes and tasks (threads included).
 */
#include <stdio.h>

#include "ckpt-cmd.h"
#include "cmd-util.h"

static void print_json(GPtrArray *list)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "containers");
	json_builder_begin_array(b);
	for (guint i = 0; i < list->len; i++) {
		g_autoptr(GError) error = NULL;
		JsonNode *node = ckpt_container_to_json(list->pdata[i], &error);

		/* One unreadable container must not hide the others. */
		if (node)
			json_builder_add_value(b, node);
		else
			ckpt_cmd_fail(error);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
}

/* What the container runs: its command, or the image it came back from. */
static char *describe_origin(CkptContainer *c)
{
	g_autoptr(CkptContainerConfig) config = ckpt_container_load_config(c, NULL);

	if (!config)
		return g_strdup("-");
	if (config->command)
		return g_strjoinv(" ", config->command);
	if (config->image)
		return g_strdup_printf("(restarted from %s)", config->image);
	return g_strdup("-");
}

static void print_table(GPtrArray *list)
{
	printf("%-20s %-9s %8s %6s %6s  %s\n", "NAME", "STATE", "INIT", "PROCS", "TASKS",
	       "COMMAND");
	for (guint i = 0; i < list->len; i++) {
		CkptContainer *c = list->pdata[i];
		g_autoptr(GError) error = NULL;
		g_autofree char *origin = NULL;
		g_autofree char *init = NULL;
		CkptContainerStatus st;

		if (!ckpt_container_get_status(c, &st, &error)) {
			ckpt_cmd_fail(error);
			continue;
		}
		origin = describe_origin(c);
		init = st.init_pid ? g_strdup_printf("%d", (int)st.init_pid) : g_strdup("-");
		printf("%-20s %-9s %8s %6u %6u  %s\n", ckpt_container_get_name(c),
		       ckpt_container_state_name(st.state), init, st.nr_processes, st.nr_tasks,
		       origin);
	}
}

int ckpt_cmd_list(int argc, char **argv)
{
	gboolean json = FALSE;
	const GOptionEntry entries[] = {
		{"json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new(NULL);
	g_autoptr(CkptPaths) paths = ckpt_paths_new_default();
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GError) error = NULL;

	g_option_context_set_summary(octx, "List the containers: name, state (running, freezing, "
					   "frozen or stopped),\ninit pid, processes, tasks "
					   "(threads included) and command.");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!ckpt_cmd_parse(octx, &argc, &argv))
		return CKPT_EXIT_USAGE;
	if (argc > 1)
		return ckpt_cmd_usage("unexpected argument '%s'", argv[1]);
	list = ckpt_container_list(paths, &error);
	if (!list)
		return ckpt_cmd_fail(error);
	if (json)
		print_json(list);
	else
		print_table(list);
	return 0;
}
