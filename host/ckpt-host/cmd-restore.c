// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host restore VM IMAGE|STORE-ID [--name NEW] [--frozen]`: stream an
 * image into the guest and restore it there. The agent keeps the restored
 * tasks stopped before their first instruction until the trailer's sha256
 * (the recorded one) matches what arrived; on a mismatch or a cut stream
 * it kills them before they ever ran.
 */
#include <stdio.h>
#include <string.h>

#include "host-cmd.h"
#include "host-error.h"
#include "host-output.h"
#include "host-restore-source.h"
#include "host-stream.h"
#include "host-vm.h"

typedef struct {
	HostContext *ctx;
	HostVm *vm;
	HostRestoreSource *src;
	const char *name;
	const char *start;
	const char *rootfs;
	gboolean log;
	HostProgress *progress;
	HostAbortSet abort;
	AgentStreamResult r;
	gint64 t_attach, t_sent, t_end;
} Restore;

static void progress_cb(guint64 bytes, gpointer data)
{
	host_progress_bytes(((Restore *)data)->progress, bytes);
}

/* The recorded digest goes in the trailer, so the agent checks against it. */
static gboolean trailer_cb(AgentTrailer *t, gpointer data, GError **error)
{
	Restore *r = data;

	r->t_sent = g_get_monotonic_time();
	host_progress_phase(r->progress, "restoring", 0);
	if (!r->src->sha256)
		return TRUE;
	if (t->length != r->src->size) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_VERIFY,
			    "%s: read %" G_GUINT64_FORMAT
			    " bytes, the image has %" G_GUINT64_FORMAT,
			    r->src->label, t->length, r->src->size);
		return FALSE;
	}
	return agent_sha256_from_hex(r->src->sha256, t->sha256);
}

static gboolean work(gpointer data, GError **error)
{
	Restore *r = data;
	g_autoptr(HostStream) s = NULL;
	AgentStreamOptions o = {0};
	AgentStreamHooks hooks = {.progress = progress_cb, .trailer = trailer_cb, .user_data = r};

	host_progress_phase(r->progress, "starting", 0);
	s = host_stream_restore(r->ctx, r->vm, r->name, r->start, r->rootfs, r->log, &r->abort,
				error);
	if (!s)
		return FALSE;
	r->t_attach = s->t_attach;
	host_progress_phase(r->progress, "streaming", r->src->size);
	if (!agent_conn_send_image_stream(s->data, r->src->in, &o, &hooks, &r->r, error)) {
		g_prefix_error(error, "%s: restore of %s from %s: ", r->vm->name, r->name,
			       r->src->label);
		host_stream_settle(s, HOST_SETTLE_TIMEOUT_MS);
		return FALSE;
	}
	r->t_end = g_get_monotonic_time();
	return TRUE;
}

static void human(HostContext *ctx, JsonObject *res)
{
	JsonObject *agent = host_json_obj(res, "agent");
	g_autofree char *size = host_format_bytes((guint64)host_json_int(res, "bytes", 0));

	printf("%s: restored %s (%s, %" G_GINT64_FORMAT " tasks), %s, init pid %" G_GINT64_FORMAT
	       "\n",
	       host_json_str(res, "vm", "?"), host_json_str(res, "container", "?"), size,
	       host_json_int(agent, "tasks", 0), host_json_str(agent, "state", "?"),
	       host_json_int(agent, "init-pid", -1));
	printf("streamed in %.2f s (%.1f MiB/s), restored in %.2f s; sha256 %s %s\n",
	       json_object_get_double_member(res, "transfer-seconds"),
	       json_object_get_double_member(res, "mib-per-s"),
	       json_object_get_double_member(res, "restore-seconds"),
	       host_json_str(res, "sha256", "?"),
	       json_object_get_boolean_member_with_default(agent, "verified", FALSE)
		       ? "verified against the recorded digest"
		       : "(no recorded digest: checked against the stream's own)");
}

static int finish(Restore *r)
{
	g_autoptr(JsonObject) result = json_object_new();
	g_autofree char *hex = agent_sha256_to_hex(r->r.sha256);
	JsonObject *agent = host_stream_job_result(&r->r);

	host_vm_describe(r->vm, result);
	json_object_set_string_member(result, "container", r->name);
	host_restore_source_describe(r->src, result);
	json_object_set_int_member(result, "bytes", (gint64)r->r.bytes);
	json_object_set_string_member(result, "sha256", r->src->sha256 ? r->src->sha256 : hex);
	json_object_set_double_member(result, "transfer-seconds", (r->t_sent - r->t_attach) / 1e6);
	json_object_set_double_member(result, "restore-seconds", (r->t_end - r->t_sent) / 1e6);
	json_object_set_double_member(result, "mib-per-s",
				      host_mib_per_s(r->r.bytes, r->t_sent - r->t_attach));
	if (agent)
		json_object_set_object_member(result, "agent", json_object_ref(agent));
	return host_output_result(r->ctx, result, human);
}

int host_cmd_restore(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autofree char *name = NULL;
	gboolean frozen = FALSE, no_log = FALSE;
	g_autofree char *rootfs = NULL;
	const GOptionEntry entries[] = {
		{"name", 'n', 0, G_OPTION_ARG_STRING, &name,
		 "Restore under this name (default: the image's container)", "NEW"},
		{"frozen", 0, 0, G_OPTION_ARG_NONE, &frozen,
		 "Leave it frozen (thaw later); default: running", NULL},
		{"rootfs", 0, 0, G_OPTION_ARG_FILENAME, &rootfs,
		 "The guest directory it ran in as its root (run --rootfs)", "DIR"},
		{"no-log", 0, 0, G_OPTION_ARG_NONE, &no_log,
		 "It ran with run --no-log (its output went nowhere)", NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GError) error = NULL;
	Restore r = {.ctx = ctx};
	gboolean ok;
	int status;

	if (!host_cmd_parse(ctx, argc, argv, entries, 2, 2, &ops))
		return 2;
	host_abort_set_init(&r.abort);
	r.progress = host_progress_new(ctx);
	r.start = frozen ? "frozen" : "running";
	r.rootfs = rootfs;
	/* ckpt-host run keeps a log by default: so does its restore. */
	r.log = !no_log;
	r.src = host_restore_source_open(ctx, ops[1], &error);
	if (r.src) {
		r.name = name ? name : r.src->container;
		if (!r.src->sha256)
			host_output_note(ctx,
					 "note: %s has no %s.sha256: the agent checks the "
					 "stream against the digest of what was read",
					 ops[1], ops[1]);
		r.vm = host_vm_resolve(ctx, ops[0], &error);
	}
	ok = r.vm &&
	     host_worker_run(r.progress, work, &r, host_abort_set_fire, &r.abort, NULL, &error);
	status = ok ? finish(&r) : host_output_error(ctx, error);
	agent_stream_result_clear(&r.r);
	g_clear_pointer(&r.src, host_restore_source_free);
	g_clear_pointer(&r.vm, host_vm_free);
	host_progress_free(r.progress);
	host_abort_set_clear(&r.abort);
	return status;
}
