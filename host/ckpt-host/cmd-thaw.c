// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host freeze VM NAME` and `ckpt-host thaw VM NAME`: for the rare
 * case a failed migration tells the operator to thaw a container by hand,
 * and to pause one on purpose.
 */
#include <stdio.h>

#include "host-cmd.h"
#include "host-output.h"
#include "host-vm.h"

static void human(HostContext *ctx, JsonObject *r)
{
	printf("%s: container %s is %s\n", host_json_str(r, "vm", "?"),
	       host_json_str(r, "container", "?"), host_json_str(r, "state", "?"));
}

static int freeze_or_thaw(HostContext *ctx, int argc, char **argv, const char *execute)
{
	g_auto(GStrv) ops = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) vm = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) result = json_object_new();

	if (!host_cmd_parse(ctx, argc, argv, NULL, 2, 2, &ops))
		return 2;
	json_object_set_string_member(args, "container", ops[1]);
	vm = host_vm_resolve(ctx, ops[0], &error);
	if (!vm || !(ret = host_vm_call(ctx, vm, execute, args, &error)))
		return host_output_error(ctx, error);
	host_vm_describe(vm, result);
	json_object_set_string_member(result, "container", ops[1]);
	json_object_set_string_member(result, "state", host_json_str(ret, "state", "?"));
	return host_output_result(ctx, result, human);
}

int host_cmd_freeze(HostContext *ctx, int argc, char **argv)
{
	return freeze_or_thaw(ctx, argc, argv, "freeze");
}

int host_cmd_thaw(HostContext *ctx, int argc, char **argv)
{
	return freeze_or_thaw(ctx, argc, argv, "thaw");
}
