// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host checkpoint VM NAME (-o FILE [--force] | --store [--compress zstd])
 * [--leave-running]`: stream a container's image out of the guest.
 *
 * The sha256 is checked end to end: the agent's trailer against what
 * arrived (agent-conn), then what arrived against what the file or the
 * store wrote, before the agent hears OK. Only then may it stop the
 * container; on any failure it thaws it and no image is left.
 */
#include <stdio.h>
#include <string.h>

#include "host-cmd.h"
#include "host-error.h"
#include "host-image-file.h"
#include "host-output.h"
#include "host-stream.h"
#include "host-vm.h"

typedef struct {
	HostContext *ctx;
	HostVm *vm;
	const char *container;
	const char *mode;
	HostImageFile *file;	 /* -o */
	CkptStoreWriter *writer; /* --store */
	CkptImageMeta *meta;	 /* committed store image */
	gboolean committed;	 /* the image is safe: the agent heard (or is hearing) OK */
	HostProgress *progress;
	HostAbortSet abort;
	AgentStreamResult r;
	gint64 t0, t_attach, t_end;
} Checkpoint;

static gboolean commit(const AgentTrailer *t, gpointer data, GError **error)
{
	Checkpoint *c = data;
	g_autofree char *hex = agent_sha256_to_hex(t->sha256);

	host_progress_phase(c->progress, "committing", 0);
	if (c->file)
		c->committed = host_image_file_commit(c->file, t, error);
	else
		c->committed = (c->meta = ckpt_store_writer_commit(c->writer, hex, t->length,
								   error)) != NULL;
	return c->committed;
}

static void progress_cb(guint64 bytes, gpointer data)
{
	host_progress_bytes(((Checkpoint *)data)->progress, bytes);
}

static gboolean work(gpointer data, GError **error)
{
	Checkpoint *c = data;
	g_autoptr(HostStream) s = NULL;
	AgentStreamOptions o = {0};
	GOutputStream *out =
		c->file ? host_image_file_stream(c->file) : ckpt_store_writer_stream(c->writer);

	AgentStreamHooks hooks = {.progress = progress_cb, .commit = commit, .user_data = c};

	host_progress_phase(c->progress, "starting", 0);
	s = host_stream_checkpoint(c->ctx, c->vm, c->container, c->mode, &c->abort, error);
	if (!s)
		return FALSE;
	c->t_attach = s->t_attach;
	host_progress_phase(c->progress, "streaming", 0);
	if (!agent_conn_receive_image_stream(s->data, out, &o, &hooks, &c->r, error)) {
		if (c->committed) {
			/* The image is whole and safe; only the agent's last word is missing. */
			g_printerr(
				"ckpt-host checkpoint: warning: %s: the agent's final status for "
				"%s was not read (%s); the image is complete\n",
				c->vm->name, c->container, (*error)->message);
			g_clear_error(error);
			c->t_end = g_get_monotonic_time();
			return TRUE;
		}
		g_prefix_error(error, "%s: checkpoint of %s: ", c->vm->name, c->container);
		host_stream_settle(s, HOST_SETTLE_TIMEOUT_MS);
		return FALSE;
	}
	c->t_end = g_get_monotonic_time();
	return TRUE;
}

static void human(HostContext *ctx, JsonObject *r)
{
	g_autofree char *size = host_format_bytes((guint64)host_json_int(r, "bytes", 0));
	JsonObject *image = host_json_obj(r, "image");

	printf("%s: checkpointed %s (%s, %" G_GINT64_FORMAT " tasks) in %.2f s, %.1f MiB/s\n",
	       host_json_str(r, "vm", "?"), host_json_str(r, "container", "?"), size,
	       host_json_int(host_json_obj(r, "agent"), "tasks", 0),
	       json_object_get_double_member(r, "seconds"),
	       json_object_get_double_member(r, "mib-per-s"));
	if (image)
		printf("store image %s (%s)\n", host_json_str(image, "id", "?"),
		       host_json_str(image, "compression", "none"));
	else
		printf("wrote %s and %s\n", host_json_str(r, "file", "?"),
		       host_json_str(r, "sha256-file", "?"));
	printf("sha256 %s (agent, transfer and %s agree)\n", host_json_str(r, "sha256", "?"),
	       image ? "store" : "file");
	printf("container %s\n", g_strcmp0(host_json_str(r, "mode", ""), "stop") == 0
					 ? "stopped (use restore to bring it back)"
				 : g_strcmp0(host_json_str(r, "mode", ""), "leave-frozen") == 0
					 ? "left frozen"
					 : "still running");
}

static int finish(Checkpoint *c)
{
	g_autoptr(JsonObject) result = json_object_new();
	g_autofree char *hex = agent_sha256_to_hex(c->r.sha256);
	JsonObject *agent = host_stream_job_result(&c->r);
	gint64 usec = c->t_end - c->t_attach;

	host_vm_describe(c->vm, result);
	json_object_set_string_member(result, "container", c->container);
	json_object_set_string_member(result, "mode", c->mode);
	json_object_set_int_member(result, "bytes", (gint64)c->r.bytes);
	json_object_set_string_member(result, "sha256", hex);
	json_object_set_double_member(result, "seconds", usec / 1e6);
	json_object_set_double_member(result, "mib-per-s", host_mib_per_s(c->r.bytes, usec));
	if (c->file) {
		json_object_set_string_member(result, "destination", "file");
		json_object_set_string_member(result, "file", host_image_file_path(c->file));
		json_object_set_string_member(result, "sha256-file",
					      host_image_file_sha256_path(c->file));
	} else {
		json_object_set_string_member(result, "destination", "store");
		json_object_set_member(result, "image", ckpt_image_meta_to_json(c->meta));
	}
	if (agent)
		json_object_set_object_member(result, "agent", json_object_ref(agent));
	return host_output_result(c->ctx, result, human);
}

int host_cmd_checkpoint(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autofree char *out = NULL;
	g_autofree char *compress = NULL;
	gboolean store = FALSE, leave_running = FALSE, leave_frozen = FALSE, force = FALSE;
	const GOptionEntry entries[] = {
		{"output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
		 "Write the image to FILE (and FILE.sha256)", "FILE"},
		{"store", 0, 0, G_OPTION_ARG_NONE, &store, "Write the image into the store", NULL},
		{"leave-running", 0, 0, G_OPTION_ARG_NONE, &leave_running,
		 "Let the container run on afterwards (default: stop it)", NULL},
		{"leave-frozen", 0, 0, G_OPTION_ARG_NONE, &leave_frozen,
		 "Leave the container frozen afterwards", NULL},
		{"compress", 0, 0, G_OPTION_ARG_STRING, &compress,
		 "With --store: compress the stored image (zstd)", "zstd"},
		{"force", 'f', 0, G_OPTION_ARG_NONE, &force, "With -o: overwrite FILE", NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) info = NULL;
	Checkpoint c = {.ctx = ctx};
	gboolean ok;
	int status;

	if (!host_cmd_parse(ctx, argc, argv, entries, 2, 2, &ops))
		return 2;
	if (!out == !store) {
		fprintf(stderr, "ckpt-host checkpoint: give exactly one of -o FILE and --store\n");
		return 2;
	}
	if (compress && (!store || strcmp(compress, "zstd") != 0)) {
		fprintf(stderr, "ckpt-host checkpoint: --compress takes zstd, with --store only\n");
		return 2;
	}
	if (leave_running && leave_frozen) {
		fprintf(stderr,
			"ckpt-host checkpoint: --leave-running or --leave-frozen, not both\n");
		return 2;
	}
	c.container = ops[1];
	c.mode = leave_running ? "leave-running" : leave_frozen ? "leave-frozen" : "stop";
	host_abort_set_init(&c.abort);
	c.progress = host_progress_new(ctx);
	c.vm = host_vm_resolve(ctx, ops[0], &error);
	/* Everything that can be refused is refused before the container is touched. */
	if (c.vm && store) {
		CkptStore *st = host_context_store(ctx, &error);

		info = st ? host_vm_call(ctx, c.vm, "info", NULL, &error) : NULL;
		if (info)
			c.writer = ckpt_store_writer_new(st, c.vm->name, c.container,
							 host_json_str(info, "kernel", NULL),
							 compress, "manual", &error);
	} else if (c.vm) {
		c.file = host_image_file_create(out, force, &error);
	}
	ok = (c.file || c.writer) &&
	     host_worker_run(c.progress, work, &c, host_abort_set_fire, &c.abort, NULL, &error);
	status = ok ? finish(&c) : host_output_error(ctx, error);
	agent_stream_result_clear(&c.r);
	g_clear_pointer(&c.file, host_image_file_free);
	g_clear_pointer(&c.writer, ckpt_store_writer_free);
	g_clear_pointer(&c.meta, ckpt_image_meta_free);
	g_clear_pointer(&c.vm, host_vm_free);
	host_progress_free(c.progress);
	host_abort_set_clear(&c.abort);
	return status;
}
