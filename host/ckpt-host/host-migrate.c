// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "agent-error.h"
#include "host-error.h"
#include "host-migrate.h"
#include "host-output.h"
#include "host-stream.h"
#include "host-worker.h"

/* How long a rollback waits for an agent's job on the container to end. */
#define SETTLE_US (60 * G_USEC_PER_SEC)
#define SETTLE_POLL_US (200 * 1000)
#define THAW_TRIES 3
#define BUSY_RETRY_US (10 * G_USEC_PER_SEC)

typedef struct {
	HostContext *ctx;
	HostVm *a, *b;
	const HostMigrateOptions *o;
	HostProgress *progress;
	HostAbortSet abort;

	HostStream *sa, *sb;
	AgentStreamResult ra, rb;
	GError *err_a, *err_b;
	int pipe_rd, pipe_wr;

	GMutex lock;
	gboolean source_ok; /* A's trailer matched and the image is on its way to B */
	AgentTrailer source_trailer;
	gboolean target_ok; /* B restored the container, frozen */

	JsonObject *source;	 /* the container on A as its agent listed it before we began */
	char first_failure;	 /* 'a' or 'b': the side whose failure came first */
	CkptStoreWriter *writer; /* --via-store */
	CkptImageMeta *meta;	 /* --via-store */
	gint64 t0, t_frozen, t_source_done, t_sent, t_restored, t_commit, t_thawed;
	GString *rollback; /* what the rollback did, for the error message */
} Migration;

/* The target must rebuild the container as it ran: its root and its log. */
static const char *source_rootfs(Migration *m)
{
	return host_json_str(m->source, "rootfs", NULL);
}

static gboolean source_log(Migration *m)
{
	JsonNode *n = m->source ? json_object_get_member(m->source, "log") : NULL;

	return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_boolean(n);
}

/* --- the two sides of a direct transfer --------------------------------- */

static void progress_cb(guint64 bytes, gpointer data)
{
	host_progress_bytes(((Migration *)data)->progress, bytes);
}

static void note_failure(Migration *m, char side)
{
	g_mutex_lock(&m->lock);
	if (!m->first_failure)
		m->first_failure = side;
	g_mutex_unlock(&m->lock);
}

/*
 * A's image is complete and verified: hand it over to B (end of the pipe)
 * and let A hear OK. A then leaves the container frozen; from here on the
 * host thaws it if B does not confirm.
 */
static gboolean source_commit(const AgentTrailer *t, gpointer data, GError **error)
{
	Migration *m = data;

	g_mutex_lock(&m->lock);
	m->source_ok = TRUE;
	m->source_trailer = *t;
	m->t_source_done = g_get_monotonic_time();
	g_mutex_unlock(&m->lock);
	return TRUE;
}

static gpointer source_thread(gpointer data)
{
	Migration *m = data;
	AgentStreamOptions o = {0};
	AgentStreamHooks hooks = {.progress = progress_cb, .commit = source_commit, .user_data = m};
	g_autoptr(GOutputStream) out = g_unix_output_stream_new(m->pipe_wr, TRUE);
	gboolean ok;

	ok = agent_conn_receive_image_stream(m->sa->data, out, &o, &hooks, &m->ra, &m->err_a);
	/* B reads the end of the image (or of a broken one) from here. */
	g_output_stream_close(out, NULL, NULL);
	if (!ok) {
		g_prefix_error(&m->err_a, "%s: checkpoint of %s: ", m->a->name, m->o->container);
		note_failure(m, 'a');
		/* B must not wait for bytes that will not come (a complete image may finish). */
		if (!m->source_ok)
			agent_conn_abort(m->sb->data);
	}
	return NULL;
}

/* The pipe ended: only a complete, verified image from A gets a trailer. */
static gboolean target_trailer(AgentTrailer *t, gpointer data, GError **error)
{
	Migration *m = data;
	gboolean ok;

	/* A's thread closes the pipe only after its commit hook ran (or failed). */
	g_mutex_lock(&m->lock);
	ok = m->source_ok;
	if (ok && (t->length != m->source_trailer.length ||
		   memcmp(t->sha256, m->source_trailer.sha256, AGENT_SHA256_LEN) != 0)) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_VERIFY,
			    "the %" G_GUINT64_FORMAT
			    " bytes passed on to %s differ from the %" G_GUINT64_FORMAT
			    " bytes %s sent",
			    t->length, m->b->name, m->source_trailer.length, m->a->name);
		ok = FALSE;
	} else if (!ok) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_MIGRATE,
			    "the image from %s ended early (%" G_GUINT64_FORMAT " bytes)",
			    m->a->name, t->length);
	}
	g_mutex_unlock(&m->lock);
	m->t_sent = g_get_monotonic_time();
	if (ok)
		host_progress_phase(m->progress, "restoring", 0);
	return ok;
}

static gpointer target_thread(gpointer data)
{
	Migration *m = data;
	AgentStreamOptions o = {0};
	AgentStreamHooks hooks = {.trailer = target_trailer, .user_data = m};
	g_autoptr(GInputStream) in = g_unix_input_stream_new(m->pipe_rd, TRUE);
	gboolean ok;

	ok = agent_conn_send_image_stream(m->sb->data, in, &o, &hooks, &m->rb, &m->err_b);
	g_input_stream_close(in, NULL, NULL);
	if (ok) {
		m->target_ok = TRUE;
		m->t_restored = g_get_monotonic_time();
	} else {
		g_prefix_error(&m->err_b, "%s: restore of %s: ", m->b->name, m->o->container);
		note_failure(m, 'b');
		/* A must not stream into a pipe nobody reads: it thaws at once. */
		agent_conn_abort(m->sa->data);
	}
	return NULL;
}

static gboolean transfer_direct(Migration *m, GError **error)
{
	int fds[2];
	GThread *ta, *tb;

	/* B first: it waits for data, while A freezes the moment it is attached. */
	m->sb = host_stream_restore(m->ctx, m->b, m->o->container, "frozen", source_rootfs(m),
				    source_log(m), &m->abort, error);
	if (!m->sb)
		return FALSE;
	m->sa = host_stream_checkpoint(m->ctx, m->a, m->o->container, "leave-frozen", &m->abort,
				       error);
	if (!m->sa)
		return FALSE;
	m->t_frozen = m->sa->t_attach;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_FAILED, "pipe: %s", g_strerror(errno));
		return FALSE;
	}
	m->pipe_rd = fds[0];
	m->pipe_wr = fds[1];
	host_progress_phase(m->progress, "streaming", 0);
	ta = g_thread_new("migrate-source", source_thread, m);
	tb = g_thread_new("migrate-target", target_thread, m);
	g_thread_join(ta);
	g_thread_join(tb);
	if (m->source_ok && m->target_ok) {
		/* A's final status may be lost after its OK; the image reached B whole. */
		g_clear_error(&m->err_a);
		return TRUE;
	}
	/* The first failure is the cause; the other side failed because of it. */
	if (m->first_failure == 'b' || !m->err_a) {
		g_propagate_error(error, g_steal_pointer(&m->err_b));
	} else {
		g_propagate_error(error, g_steal_pointer(&m->err_a));
	}
	return FALSE;
}

/* --- through the store --------------------------------------------------- */

static gboolean store_commit(const AgentTrailer *t, gpointer data, GError **error)
{
	Migration *m = data;
	g_autofree char *hex = agent_sha256_to_hex(t->sha256);

	host_progress_phase(m->progress, "committing", 0);
	m->meta = ckpt_store_writer_commit(m->writer, hex, t->length, error);
	return m->meta != NULL;
}

static gboolean store_trailer(AgentTrailer *t, gpointer data, GError **error)
{
	Migration *m = data;

	m->t_sent = g_get_monotonic_time();
	host_progress_phase(m->progress, "restoring", 0);
	if (t->length != m->meta->size) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_VERIFY,
			    "store image %s: read %" G_GUINT64_FORMAT
			    " bytes of %" G_GUINT64_FORMAT,
			    m->meta->id, t->length, m->meta->size);
		return FALSE;
	}
	return agent_sha256_from_hex(m->meta->sha256, t->sha256);
}

static gboolean transfer_via_store(Migration *m, GError **error)
{
	CkptStore *store = host_context_store(m->ctx, error);
	g_autoptr(JsonObject) info = NULL;
	g_autoptr(GInputStream) in = NULL;
	AgentStreamOptions o = {0};
	AgentStreamHooks hooks = {.progress = progress_cb, .commit = store_commit, .user_data = m};

	if (!store || !(info = host_vm_call(m->ctx, m->a, "info", NULL, error)))
		return FALSE;
	m->writer = ckpt_store_writer_new(store, m->a->name, m->o->container,
					  host_json_str(info, "kernel", NULL), m->o->compress,
					  "migrate", error);
	if (!m->writer)
		return FALSE;
	m->sa = host_stream_checkpoint(m->ctx, m->a, m->o->container, "leave-frozen", &m->abort,
				       error);
	if (!m->sa)
		return FALSE;
	m->t_frozen = m->sa->t_attach;
	host_progress_phase(m->progress, "to store", 0);
	if (!agent_conn_receive_image_stream(m->sa->data, ckpt_store_writer_stream(m->writer), &o,
					     &hooks, &m->ra, error) &&
	    !m->meta) {
		g_prefix_error(error, "%s: checkpoint of %s: ", m->a->name, m->o->container);
		return FALSE;
	}
	g_clear_error(error);
	m->source_ok = TRUE;
	m->t_source_done = g_get_monotonic_time();
	in = ckpt_store_open_image(store, m->meta, error);
	if (!in)
		return FALSE;
	m->sb = host_stream_restore(m->ctx, m->b, m->o->container, "frozen", source_rootfs(m),
				    source_log(m), &m->abort, error);
	if (!m->sb)
		return FALSE;
	host_progress_phase(m->progress, "from store", m->meta->size);
	hooks = (AgentStreamHooks){
		.progress = progress_cb, .trailer = store_trailer, .user_data = m};
	if (!agent_conn_send_image_stream(m->sb->data, in, &o, &hooks, &m->rb, error)) {
		g_prefix_error(error, "%s: restore of %s from store image %s: ", m->b->name,
			       m->o->container, m->meta->id);
		return FALSE;
	}
	m->target_ok = TRUE;
	m->t_restored = g_get_monotonic_time();
	return TRUE;
}

/* --- state checks and rollback ------------------------------------------- */

/*
 * The container NAME in vm as its agent lists it, once no agent job acts
 * on it any more (a cancelled restore or a checkpoint rolling back);
 * *found tells whether it exists. FALSE if the agent cannot be asked.
 */
static gboolean settled_state(Migration *m, HostVm *vm, char **state, gboolean *found,
			      JsonObject **container, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + SETTLE_US;

	for (;;) {
		g_autoptr(JsonObject) ret = host_vm_call(m->ctx, vm, "container-list", NULL, error);
		JsonArray *list;
		JsonObject *c = NULL;

		if (!ret)
			return FALSE;
		list = json_object_get_array_member(ret, "containers");
		for (guint i = 0; list && i < json_array_get_length(list); i++) {
			JsonObject *e = json_array_get_object_element(list, i);

			if (g_strcmp0(host_json_str(e, "name", NULL), m->o->container) == 0)
				c = e;
		}
		*found = c != NULL;
		if (!c || host_json_int(c, "job", -1) < 0 || g_get_monotonic_time() > deadline) {
			*state = c ? g_strdup(host_json_str(c, "state", "?")) : NULL;
			if (container)
				*container = c ? json_object_ref(c) : NULL;
			return TRUE;
		}
		g_usleep(SETTLE_POLL_US);
	}
}

/*
 * execute on the container in vm. A job that just ended may hold the
 * container for a moment longer (it reports before it lets go): busy is
 * retried for a while.
 */
static JsonObject *call_on(Migration *m, HostVm *vm, const char *execute, GError **error)
{
	g_autoptr(JsonObject) args = json_object_new();
	gint64 deadline = g_get_monotonic_time() + BUSY_RETRY_US;

	json_object_set_string_member(args, "container", m->o->container);
	for (;;) {
		g_autoptr(GError) local = NULL;
		JsonObject *ret = host_vm_call(m->ctx, vm, execute, args, &local);

		if (ret)
			return ret;
		if (!g_error_matches(local, AGENT_ERROR, AGENT_ERROR_BUSY) ||
		    g_get_monotonic_time() > deadline) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		g_usleep(SETTLE_POLL_US);
	}
}

/* Removes whatever B got: the restore job cancelled, a restored copy killed. */
static void rollback_target(Migration *m)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *state = NULL;
	gboolean found;

	if (m->sb) {
		g_autoptr(JsonObject) args = json_object_new();
		g_autoptr(JsonObject) ret = NULL;

		json_object_set_int_member(args, "job", m->sb->job);
		ret = host_vm_call(m->ctx, m->b, "job-cancel", args, NULL);
	}
	if (!m->sb) {
		g_string_append_printf(m->rollback, "; nothing was started on %s", m->b->name);
		return;
	}
	if (!settled_state(m, m->b, &state, &found, NULL, &error)) {
		g_string_append_printf(m->rollback,
				       "; %s cannot be asked (%s): its agent drops "
				       "a restore whose stream broke",
				       m->b->name, error->message);
		return;
	}
	if (!found) {
		g_string_append_printf(m->rollback, "; nothing left on %s", m->b->name);
		return;
	}
	{
		g_autoptr(JsonObject) ret = call_on(m, m->b, "container-kill", &error);

		if (ret)
			g_string_append_printf(m->rollback, "; the copy on %s killed", m->b->name);
		else
			g_string_append_printf(m->rollback,
					       "; the copy on %s (%s) could not be killed: %s",
					       m->b->name, state, error->message);
	}
}

/* Makes sure the container runs on A again; says where it is. */
static void rollback_source(Migration *m)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *state = NULL;
	gboolean found;

	if (!settled_state(m, m->a, &state, &found, NULL, &error)) {
		g_string_append_printf(m->rollback,
				       "; %s cannot be asked (%s): its agent thaws %s when a "
				       "checkpoint breaks before the host's OK, else it is frozen "
				       "there (`ckpt-host thaw %s %s`)",
				       m->a->name, error->message, m->o->container, m->a->name,
				       m->o->container);
		return;
	}
	if (!found) {
		g_string_append_printf(m->rollback, "; %s is not on %s any more", m->o->container,
				       m->a->name);
		return;
	}
	if (g_strcmp0(state, "running") != 0) {
		g_autoptr(JsonObject) ret = call_on(m, m->a, "thaw", &error);

		if (!ret) {
			g_string_append_printf(m->rollback,
					       "; %s is %s on %s and thawing failed: %s",
					       m->o->container, state, m->a->name, error->message);
			return;
		}
	}
	g_string_append_printf(m->rollback, "; %s runs on %s", m->o->container, m->a->name);
}

/* --- the whole migration ------------------------------------------------- */

/* Refuses early what would fail later, before the container is touched. */
static gboolean preflight(Migration *m, GError **error)
{
	g_autofree char *state = NULL;
	g_autoptr(JsonObject) info = NULL;
	JsonObject *module;
	gboolean found;

	if (g_strcmp0(m->a->endpoint, m->b->endpoint) == 0) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_USAGE, "%s and %s are the same VM (%s)",
			    m->a->name, m->b->name, m->a->endpoint);
		return FALSE;
	}
	g_clear_pointer(&m->source, json_object_unref);
	if (!settled_state(m, m->a, &state, &found, &m->source, error))
		return FALSE;
	if (!found || g_strcmp0(state, "running") != 0) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_MIGRATE, "%s: container %s is %s",
			    m->a->name, m->o->container, found ? state : "not there");
		return FALSE;
	}
	g_clear_pointer(&state, g_free);
	if (!settled_state(m, m->b, &state, &found, NULL, error))
		return FALSE;
	if (found) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_MIGRATE,
			    "%s: a container named %s exists there already (%s)", m->b->name,
			    m->o->container, state);
		return FALSE;
	}
	info = host_vm_call(m->ctx, m->b, "info", NULL, error);
	if (!info)
		return FALSE;
	module = host_json_obj(info, "module");
	if (!module || !json_object_get_boolean_member_with_default(module, "loaded", FALSE)) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_MIGRATE,
			    "%s: cannot restore there: the ckpt module is not loaded (%s)",
			    m->b->name, host_json_str(module, "error", "no module information"));
		return FALSE;
	}
	return TRUE;
}

static gboolean thaw_target(Migration *m, GError **error)
{
	for (int i = 1;; i++) {
		g_autoptr(JsonObject) ret = call_on(m, m->b, "thaw", error);

		if (ret)
			return TRUE;
		if (i == THAW_TRIES)
			return FALSE;
		g_clear_error(error);
		g_usleep(G_USEC_PER_SEC);
	}
}

typedef enum {
	SWITCH_DONE,	 /* on B and running */
	SWITCH_ROLLBACK, /* A still holds it: drop B's copy, thaw A */
	SWITCH_KEEP_B,	 /* B's copy is the one left: never roll back */
} SwitchOutcome;

/* Step 4: B confirmed. Kill (or thaw, cloning) on A, then thaw on B. */
static SwitchOutcome switch_over(Migration *m, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GError) probe = NULL;
	g_autoptr(JsonObject) ret = NULL;
	g_autofree char *state = NULL;
	gboolean found;

	host_progress_phase(m->progress, "switching", 0);
	m->t_commit = g_get_monotonic_time();
	ret = call_on(m, m->a, m->o->keep_source ? "thaw" : "container-kill", &local);
	if (!ret) {
		g_prefix_error(&local, "%s: %s %s: ", m->a->name,
			       m->o->keep_source ? "thaw" : "kill", m->o->container);
		/* Did the kill go through anyway? Only a copy still on A may be kept instead. */
		if (m->o->keep_source ||
		    (settled_state(m, m->a, &state, &found, NULL, &probe) && found)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return SWITCH_ROLLBACK;
		}
		if (probe) {
			g_set_error(error, HOST_ERROR, HOST_ERROR_MIGRATE,
				    "%s; %s cannot be asked whether it is gone (%s): the restored "
				    "copy is left frozen on %s; check %s, then thaw one of them",
				    local->message, m->a->name, probe->message, m->b->name,
				    m->a->name);
			return SWITCH_KEEP_B;
		}
		g_clear_error(&local);
	}
	if (!thaw_target(m, &local)) {
		/* Frozen on B, gone from A: not lost, but it must be thawed by hand. */
		g_set_error(error, HOST_ERROR, HOST_ERROR_MIGRATE,
			    "%s: thaw %s: %s; the container is frozen on %s (its only copy): "
			    "thaw it with `ckpt-host thaw %s %s`",
			    m->b->name, m->o->container, local->message, m->b->name, m->b->name,
			    m->o->container);
		return SWITCH_KEEP_B;
	}
	m->t_thawed = g_get_monotonic_time();
	return SWITCH_DONE;
}

static JsonObject *result_of(Migration *m)
{
	JsonObject *r = json_object_new();
	JsonObject *ja = host_stream_job_result(&m->ra);
	JsonObject *jb = host_stream_job_result(&m->rb);
	g_autofree char *hex = agent_sha256_to_hex(m->rb.sha256);
	gint64 transfer = m->t_sent - m->t_frozen;

	json_object_set_string_member(r, "container", m->o->container);
	json_object_set_string_member(r, "from", m->a->name);
	json_object_set_string_member(r, "to", m->b->name);
	json_object_set_string_member(r, "mode", m->o->keep_source ? "clone" : "move");
	json_object_set_string_member(r, "via", m->o->via_store ? "store" : "direct");
	json_object_set_int_member(r, "bytes", (gint64)m->rb.bytes);
	json_object_set_string_member(r, "sha256", hex);
	json_object_set_int_member(r, "downtime-ms", (m->t_thawed - m->t_frozen) / 1000);
	json_object_set_int_member(r, "transfer-ms", transfer / 1000);
	json_object_set_int_member(r, "restore-ms", (m->t_restored - m->t_sent) / 1000);
	json_object_set_int_member(r, "switch-ms", (m->t_thawed - m->t_commit) / 1000);
	json_object_set_int_member(r, "total-ms", (m->t_thawed - m->t0) / 1000);
	json_object_set_double_member(r, "mib-per-s", host_mib_per_s(m->rb.bytes, transfer));
	if (ja)
		json_object_set_object_member(r, "source-job", json_object_ref(ja));
	if (jb)
		json_object_set_object_member(r, "target-job", json_object_ref(jb));
	if (m->meta)
		json_object_set_member(r, "image", ckpt_image_meta_to_json(m->meta));
	return r;
}

static gboolean work(gpointer data, GError **error)
{
	Migration *m = data;
	g_autoptr(GError) local = NULL;
	gboolean ok;

	host_progress_phase(m->progress, "checking", 0);
	if (!preflight(m, error))
		return FALSE;
	ok = m->o->via_store ? transfer_via_store(m, &local) : transfer_direct(m, &local);
	/* A signal that came after B confirmed still means: do not switch. */
	if (ok && !host_abort_set_check(&m->abort, &local))
		ok = FALSE;
	if (ok) {
		switch (switch_over(m, &local)) {
		case SWITCH_DONE:
			return TRUE;
		case SWITCH_KEEP_B:
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		case SWITCH_ROLLBACK:
			break;
		}
	}
	host_progress_phase(m->progress, "rolling back", 0);
	rollback_target(m);
	rollback_source(m);
	g_set_error(error, HOST_ERROR,
		    g_error_matches(local, HOST_ERROR, HOST_ERROR_INTERRUPTED)
			    ? HOST_ERROR_INTERRUPTED
			    : HOST_ERROR_MIGRATE,
		    "migrate %s from %s to %s failed: %s; rolled back%s", m->o->container,
		    m->a->name, m->b->name, local->message, m->rollback->str);
	return FALSE;
}

JsonObject *host_migrate(HostContext *ctx, HostVm *from, HostVm *to, const HostMigrateOptions *o,
			 HostProgress *progress, GError **error)
{
	Migration m = {.ctx = ctx,
		       .a = from,
		       .b = to,
		       .o = o,
		       .progress = progress,
		       .pipe_rd = -1,
		       .pipe_wr = -1};
	JsonObject *result = NULL;

	g_mutex_init(&m.lock);
	host_abort_set_init(&m.abort);
	m.rollback = g_string_new(NULL);
	m.t0 = g_get_monotonic_time();
	if (host_worker_run(progress, work, &m, host_abort_set_fire, &m.abort, NULL, error))
		result = result_of(&m);
	agent_stream_result_clear(&m.ra);
	agent_stream_result_clear(&m.rb);
	g_clear_error(&m.err_a);
	g_clear_error(&m.err_b);
	g_clear_pointer(&m.sa, host_stream_free);
	g_clear_pointer(&m.sb, host_stream_free);
	g_clear_pointer(&m.meta, ckpt_image_meta_free);
	g_clear_pointer(&m.writer, ckpt_store_writer_free);
	g_clear_pointer(&m.source, json_object_unref);
	g_string_free(m.rollback, TRUE);
	host_abort_set_clear(&m.abort);
	g_mutex_clear(&m.lock);
	return result;
}
