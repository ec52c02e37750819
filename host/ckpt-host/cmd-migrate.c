// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host migrate --from VM --to VM NAME [--keep-source] [--via-store
 * [--compress zstd]]`: move (or clone) a running container between VMs,
 * two-phase (host-migrate.h, docs/migrate.md).
 */
#include <stdio.h>
#include <string.h>

#include "host-cmd.h"
#include "host-migrate.h"
#include "host-output.h"
#include "host-vm.h"

static void human(HostContext *ctx, JsonObject *r)
{
	g_autofree char *size = host_format_bytes((guint64)host_json_int(r, "bytes", 0));
	JsonObject *image = host_json_obj(r, "image");

	printf("%s %s from %s to %s: %s in %.2f s (%.1f MiB/s)\n",
	       g_strcmp0(host_json_str(r, "mode", ""), "clone") == 0 ? "cloned" : "migrated",
	       host_json_str(r, "container", "?"), host_json_str(r, "from", "?"),
	       host_json_str(r, "to", "?"), size, host_json_int(r, "total-ms", 0) / 1000.0,
	       json_object_get_double_member(r, "mib-per-s"));
	printf("  downtime  %7" G_GINT64_FORMAT " ms  (frozen on %s until running on %s)\n",
	       host_json_int(r, "downtime-ms", 0), host_json_str(r, "from", "?"),
	       host_json_str(r, "to", "?"));
	printf("  transfer  %7" G_GINT64_FORMAT " ms  (freeze, checkpoint and stream%s)\n",
	       host_json_int(r, "transfer-ms", 0), image ? ", through the store" : "");
	printf("  restore   %7" G_GINT64_FORMAT " ms\n", host_json_int(r, "restore-ms", 0));
	printf("  switch    %7" G_GINT64_FORMAT " ms  (%s on %s, thaw on %s)\n",
	       host_json_int(r, "switch-ms", 0),
	       g_strcmp0(host_json_str(r, "mode", ""), "clone") == 0 ? "thaw" : "kill",
	       host_json_str(r, "from", "?"), host_json_str(r, "to", "?"));
	printf("  sha256    %s\n", host_json_str(r, "sha256", "?"));
	if (image)
		printf("  image     %s (kept in the store)\n", host_json_str(image, "id", "?"));
}

int host_cmd_migrate(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autofree char *from = NULL;
	g_autofree char *to = NULL;
	g_autofree char *compress = NULL;
	HostMigrateOptions o = {0};
	const GOptionEntry entries[] = {
		{"from", 0, 0, G_OPTION_ARG_STRING, &from, "The VM the container runs in", "VM"},
		{"to", 0, 0, G_OPTION_ARG_STRING, &to, "The VM to move it to", "VM"},
		{"keep-source", 0, 0, G_OPTION_ARG_NONE, &o.keep_source,
		 "Clone: let it run on in the source VM too", NULL},
		{"via-store", 0, 0, G_OPTION_ARG_NONE, &o.via_store,
		 "Checkpoint into the store first, then restore from it (the image is kept)", NULL},
		{"compress", 0, 0, G_OPTION_ARG_STRING, &compress,
		 "With --via-store: compress the stored image (zstd)", "zstd"},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) a = NULL;
	g_autoptr(HostVm) b = NULL;
	g_autoptr(HostProgress) progress = NULL;
	g_autoptr(JsonObject) result = NULL;

	if (!host_cmd_parse(ctx, argc, argv, entries, 1, 1, &ops))
		return 2;
	if (!from || !to) {
		fprintf(stderr, "ckpt-host migrate: --from VM and --to VM are required\n");
		return 2;
	}
	if (compress && (!o.via_store || strcmp(compress, "zstd") != 0)) {
		fprintf(stderr,
			"ckpt-host migrate: --compress takes zstd, with --via-store only\n");
		return 2;
	}
	if (ctx->cid || ctx->uds || ctx->endpoint) {
		fprintf(stderr, "ckpt-host migrate: --cid, --uds and --endpoint name one VM; give "
				"--from and --to as domains or endpoints (vsock:CID, hybrid:PATH, "
				"unix:PATH)\n");
		return 2;
	}
	o.container = ops[0];
	o.compress = compress;
	progress = host_progress_new(ctx);
	a = host_vm_resolve(ctx, from, &error);
	if (a)
		b = host_vm_resolve(ctx, to, &error);
	if (b)
		result = host_migrate(ctx, a, b, &o, progress, &error);
	if (!result)
		return host_output_error(ctx, error);
	return host_output_result(ctx, result, human);
}
