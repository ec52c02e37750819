// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host logs VM NAME [--tail-bytes N] [--follow]`: the end of a
 * container's output (/run/ckpt/NAME/log in the guest), through the
 * agent's container-log command. --follow polls and prints what was added.
 */
#include <stdio.h>
#include <string.h>

#include "host-cmd.h"
#include "host-output.h"
#include "host-vm.h"

#define DEFAULT_TAIL 4096
#define FOLLOW_TAIL (1024 * 1024)
#define FOLLOW_EVERY_US (G_USEC_PER_SEC)

static void human(HostContext *ctx, JsonObject *r)
{
	const char *log = host_json_str(r, "log", "");

	fputs(log, stdout);
	if (*log && log[strlen(log) - 1] != '\n')
		fputc('\n', stdout);
}

static JsonObject *fetch(HostContext *ctx, HostVm *vm, const char *name, gint64 tail,
			 GError **error)
{
	g_autoptr(JsonObject) args = json_object_new();

	json_object_set_string_member(args, "container", name);
	json_object_set_int_member(args, "tail-bytes", tail);
	return host_vm_call(ctx, vm, "container-log", args, error);
}

/* Prints what the log gained since it was `seen` bytes long, until interrupted. */
static int follow(HostContext *ctx, HostVm *vm, const char *name, gint64 seen)
{
	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) ret = NULL;
		gint64 size;
		const char *log;
		gsize len;

		g_usleep(FOLLOW_EVERY_US);
		ret = fetch(ctx, vm, name, FOLLOW_TAIL, &error);
		if (!ret)
			return host_output_error(ctx, error);
		size = host_json_int(ret, "size", 0);
		log = host_json_str(ret, "log", "");
		len = strlen(log);
		if (size < seen)
			seen = 0; /* the log was replaced (a new container of that name) */
		if (size > seen) {
			gsize fresh = (gsize)MIN((gint64)len, size - seen);

			fwrite(log + len - fresh, 1, fresh, stdout);
			fflush(stdout);
		}
		seen = size;
	}
}

int host_cmd_logs(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	gint64 tail = DEFAULT_TAIL;
	gboolean follow_log = FALSE;
	const GOptionEntry entries[] = {
		{"tail-bytes", 'n', 0, G_OPTION_ARG_INT64, &tail,
		 "How much of the end of the log (default 4096)", "N"},
		{"follow", 'f', 0, G_OPTION_ARG_NONE, &follow_log,
		 "Keep printing what the container writes (until interrupted)", NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) vm = NULL;
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) result = json_object_new();
	int status;

	if (!host_cmd_parse(ctx, argc, argv, entries, 2, 2, &ops))
		return 2;
	if (tail < 1) {
		fprintf(stderr, "ckpt-host logs: --tail-bytes takes a number >= 1\n");
		return 2;
	}
	vm = host_vm_resolve(ctx, ops[0], &error);
	if (!vm || !(ret = fetch(ctx, vm, ops[1], tail, &error)))
		return host_output_error(ctx, error);
	host_vm_describe(vm, result);
	json_object_set_string_member(result, "container", ops[1]);
	json_object_set_string_member(result, "log", host_json_str(ret, "log", ""));
	json_object_set_int_member(result, "size", host_json_int(ret, "size", 0));
	status = host_output_result(ctx, result, human);
	if (follow_log && !ctx->json)
		return follow(ctx, vm, ops[1], host_json_int(ret, "size", 0));
	return status;
}
