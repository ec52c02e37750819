// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host kill VM NAME [--signal SIG] [--timeout-ms MS]`: without a
 * signal, kill every task and remove the container; with one, send it to
 * the container's init.
 */
#include <stdio.h>

#include "host-cmd.h"
#include "host-output.h"
#include "host-vm.h"

static void human(HostContext *ctx, JsonObject *r)
{
	if (json_object_has_member(r, "signal"))
		printf("%s: sent %s to container %s (now %s)\n", host_json_str(r, "vm", "?"),
		       host_json_str(r, "signal", "?"), host_json_str(r, "container", "?"),
		       host_json_str(r, "state", "?"));
	else
		printf("%s: container %s killed and removed\n", host_json_str(r, "vm", "?"),
		       host_json_str(r, "container", "?"));
}

int host_cmd_kill(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autofree char *sig = NULL;
	gint timeout_ms = 0;
	const GOptionEntry entries[] = {
		{"signal", 's', 0, G_OPTION_ARG_STRING, &sig,
		 "Only send this signal to its init (TERM, SIGUSR1, 15...)", "SIG"},
		{"timeout-ms", 0, 0, G_OPTION_ARG_INT, &timeout_ms,
		 "How long the tasks may take to die (default 10000)", "MS"},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) vm = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) result = json_object_new();
	GList *members;

	if (!host_cmd_parse(ctx, argc, argv, entries, 2, 2, &ops))
		return 2;
	json_object_set_string_member(args, "container", ops[1]);
	if (sig)
		json_object_set_string_member(args, "signal", sig);
	if (timeout_ms > 0)
		json_object_set_int_member(args, "timeout-ms", timeout_ms);
	vm = host_vm_resolve(ctx, ops[0], &error);
	if (!vm || !(ret = host_vm_call(ctx, vm, "container-kill", args, &error)))
		return host_output_error(ctx, error);
	host_vm_describe(vm, result);
	members = json_object_get_members(ret);
	for (GList *l = members; l; l = l->next)
		json_object_set_member(result, l->data,
				       json_node_copy(json_object_get_member(ret, l->data)));
	g_list_free(members);
	return host_output_result(ctx, result, human);
}
