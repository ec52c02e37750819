// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host run VM NAME [--env K=V]... [--hostname H] [--rootfs DIR]
 * [--no-log] -- CMD [ARG...]`: start a container in the VM. Its output
 * goes to its log (read with `ckpt-host logs`) unless --no-log.
 */
#include <stdio.h>

#include "host-cmd.h"
#include "host-output.h"
#include "host-vm.h"

static void human(HostContext *ctx, JsonObject *r)
{
	printf("%s: container %s started, init pid %" G_GINT64_FORMAT "\n",
	       host_json_str(r, "vm", "?"), host_json_str(r, "container", "?"),
	       host_json_int(r, "init-pid", -1));
}

static JsonArray *strv_to_array(char **v)
{
	JsonArray *a = json_array_new();

	for (; v && *v; v++)
		json_array_add_string_element(a, *v);
	return a;
}

int host_cmd_run(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_auto(GStrv) env = NULL;
	g_autofree char *hostname = NULL;
	g_autofree char *rootfs = NULL;
	gboolean no_log = FALSE;
	const GOptionEntry entries[] = {
		{"env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &env, "Add KEY=VALUE to its environment",
		 "K=V"},
		{"hostname", 0, 0, G_OPTION_ARG_STRING, &hostname, "Its hostname (default: NAME)",
		 "H"},
		{"rootfs", 0, 0, G_OPTION_ARG_FILENAME, &rootfs,
		 "A guest directory to use as its root", "DIR"},
		{"no-log", 0, 0, G_OPTION_ARG_NONE, &no_log,
		 "Discard its output instead of keeping a log", NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) vm = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) result = json_object_new();

	if (!host_cmd_parse(ctx, argc, argv, entries, 3, -1, &ops))
		return 2;
	json_object_set_string_member(args, "container", ops[1]);
	json_object_set_array_member(args, "command", strv_to_array(ops + 2));
	if (env)
		json_object_set_array_member(args, "env", strv_to_array(env));
	if (hostname)
		json_object_set_string_member(args, "hostname", hostname);
	if (rootfs)
		json_object_set_string_member(args, "rootfs", rootfs);
	json_object_set_boolean_member(args, "log", !no_log);
	vm = host_vm_resolve(ctx, ops[0], &error);
	if (!vm || !(ret = host_vm_call(ctx, vm, "container-run", args, &error)))
		return host_output_error(ctx, error);
	host_vm_describe(vm, result);
	json_object_set_string_member(result, "container", ops[1]);
	json_object_set_int_member(result, "init-pid", host_json_int(ret, "init-pid", -1));
	return host_output_result(ctx, result, human);
}
