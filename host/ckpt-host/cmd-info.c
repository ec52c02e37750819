// SPDX-License-Identifier: GPL-2.0-only
/* `ckpt-host info VM`: the agent's own description (version, kernel, module, limits). */
#include <stdio.h>

#include "host-cmd.h"
#include "host-output.h"
#include "host-vm.h"

static void human(HostContext *ctx, JsonObject *r)
{
	JsonObject *agent = host_json_obj(r, "agent");
	JsonObject *module = host_json_obj(agent, "module");
	JsonObject *limits = host_json_obj(agent, "limits");

	printf("vm:        %s (%s)\n", host_json_str(r, "vm", "?"),
	       host_json_str(r, "endpoint", "?"));
	printf("agent:     %s, protocol %" G_GINT64_FORMAT "\n",
	       host_json_str(agent, "version", "?"), host_json_int(agent, "protocol", 0));
	printf("kernel:    %s\n", host_json_str(agent, "kernel", "?"));
	if (module && json_object_get_boolean_member_with_default(module, "loaded", FALSE))
		printf("module:    loaded, api %" G_GINT64_FORMAT
		       ", image version %" G_GINT64_FORMAT "\n",
		       host_json_int(module, "api-version", 0),
		       host_json_int(module, "image-version", 0));
	else
		printf("module:    not loaded: %s\n", host_json_str(module, "error", "?"));
	printf("images:    %s (guest-local store)\n", host_json_str(agent, "image-dir", "?"));
	if (limits)
		printf("limits:    %" G_GINT64_FORMAT " clients, %" G_GINT64_FORMAT
		       " jobs, stream timeout %" G_GINT64_FORMAT " ms\n",
		       host_json_int(limits, "max-clients", 0),
		       host_json_int(limits, "max-jobs", 0),
		       host_json_int(limits, "stream-timeout-ms", 0));
}

int host_cmd_info(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) vm = NULL;
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) result = json_object_new();

	if (!host_cmd_parse(ctx, argc, argv, NULL, 1, 1, &ops))
		return 2;
	vm = host_vm_resolve(ctx, ops[0], &error);
	if (!vm || !(ret = host_vm_call(ctx, vm, "info", NULL, &error)))
		return host_output_error(ctx, error);
	host_vm_describe(vm, result);
	json_object_set_object_member(result, "agent", g_steal_pointer(&ret));
	return host_output_result(ctx, result, human);
}
