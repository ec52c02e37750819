// SPDX-License-Identifier: GPL-2.0-only
/* `ckpt-host ping VM`: does the VM's agent answer, and how fast. */
#include <stdio.h>

#include "host-cmd.h"
#include "host-output.h"
#include "host-vm.h"

static void human(HostContext *ctx, JsonObject *r)
{
	printf("%s: agent answers at %s (%.1f ms)\n", host_json_str(r, "vm", "?"),
	       host_json_str(r, "endpoint", "?"), json_object_get_double_member(r, "ms"));
}

int host_cmd_ping(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) vm = NULL;
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) result = json_object_new();
	gint64 t0;

	if (!host_cmd_parse(ctx, argc, argv, NULL, 1, 1, &ops))
		return 2;
	vm = host_vm_resolve(ctx, ops[0], &error);
	t0 = g_get_monotonic_time();
	if (!vm || !(ret = host_vm_call(ctx, vm, "ping", NULL, &error)))
		return host_output_error(ctx, error);
	host_vm_describe(vm, result);
	json_object_set_double_member(result, "ms", (g_get_monotonic_time() - t0) / 1000.0);
	return host_output_result(ctx, result, human);
}
