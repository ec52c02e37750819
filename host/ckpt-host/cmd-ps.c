// SPDX-License-Identifier: GPL-2.0-only
/* `ckpt-host ps VM`: the containers in the VM, as its agent lists them. */
#include <stdio.h>

#include "host-cmd.h"
#include "host-output.h"
#include "host-vm.h"

static void human(HostContext *ctx, JsonObject *r)
{
	JsonArray *list = json_object_get_array_member(r, "containers");

	printf("%-20s %-9s %7s %6s %6s %10s  %s\n", "NAME", "STATE", "PID", "PROCS", "TASKS",
	       "MEMORY", "COMMAND");
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonObject *c = json_array_get_object_element(list, i);
		gint64 mem = host_json_int(c, "memory", -1); /* null: not measured */
		g_autofree char *memtext =
			mem >= 0 ? host_format_bytes((guint64)mem) : g_strdup("-");
		g_autoptr(GString) cmd = g_string_new(NULL);
		JsonNode *cn = json_object_get_member(c, "command");
		g_autofree char *pid = host_json_int(c, "init_pid", -1) >= 0
					       ? g_strdup_printf("%" G_GINT64_FORMAT,
								 host_json_int(c, "init_pid", -1))
					       : g_strdup("-");

		if (cn && JSON_NODE_HOLDS_ARRAY(cn)) {
			JsonArray *a = json_node_get_array(cn);

			for (guint j = 0; j < json_array_get_length(a); j++)
				g_string_append_printf(cmd, "%s%s", j ? " " : "",
						       json_array_get_string_element(a, j));
		} else if (host_json_str(c, "image", NULL)) {
			/* A restored container: its command line is not in the image. */
			g_string_printf(cmd, "(restored from %s)", host_json_str(c, "image", "?"));
		}
		printf("%-20s %-9s %7s %6" G_GINT64_FORMAT " %6" G_GINT64_FORMAT " %10s  %s\n",
		       host_json_str(c, "name", "?"), host_json_str(c, "state", "?"), pid,
		       host_json_int(c, "nr_processes", 0), host_json_int(c, "nr_tasks", 0),
		       memtext, cmd->str);
	}
}

int host_cmd_ps(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) vm = NULL;
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) result = json_object_new();
	JsonNode *list;

	if (!host_cmd_parse(ctx, argc, argv, NULL, 1, 1, &ops))
		return 2;
	vm = host_vm_resolve(ctx, ops[0], &error);
	if (!vm || !(ret = host_vm_call(ctx, vm, "container-list", NULL, &error)))
		return host_output_error(ctx, error);
	host_vm_describe(vm, result);
	list = json_object_get_member(ret, "containers");
	json_object_set_member(result, "containers",
			       list ? json_node_copy(list)
				    : json_node_init_array(json_node_alloc(), json_array_new()));
	return host_output_result(ctx, result, human);
}
