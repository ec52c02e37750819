// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <unistd.h>

#include "agent-conn.h"
#include "agent-error.h"
#include "ckpt-transport.h"
#include "hostd-agent.h"
#include "hostd-images.h"

#define CONNECT_TIMEOUT_MS 5000
#define IO_TIMEOUT_MS 60000
#define RETRY_MS 1000
#define POLICY_TIMEOUT_MS 30000 /* what the agent may spend pushing at shutdown */

typedef struct {
	Hostd *h;
	CkptDomainConfig *config;
	char *container;
	gboolean restore;
	GCancellable *cancel;
} Work;

static void work_free(Work *w)
{
	ckpt_domain_config_free(w->config);
	g_free(w->container);
	g_clear_object(&w->cancel);
	g_free(w);
}

/* A control connection to the domain's agent. */
static AgentConn *agent_connect(const CkptDomainConfig *c, GCancellable *cancel, GError **error)
{
	g_autoptr(GSocketConnection) conn = NULL;
	g_autofree char *where = NULL;
	CkptEndpoint ep = {0};
	int fd;

	if (!ckpt_domain_config_endpoint(c, &ep, error))
		return NULL;
	conn = ckpt_transport_connect(c->name, &ep, c->agent_port, CONNECT_TIMEOUT_MS, cancel,
				      error);
	where = ckpt_endpoint_to_string(&ep);
	ckpt_endpoint_clear(&ep);
	if (!conn)
		return NULL;
	fd = dup(g_socket_get_fd(g_socket_connection_get_socket(conn)));
	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: dup: %s", c->name,
			    g_strerror(errno));
		return NULL;
	}
	return agent_conn_new(fd, where, IO_TIMEOUT_MS);
}

/* Polls the agent with ping until it answers or wait_s passed. */
static AgentConn *wait_agent(Work *w, guint *attempts, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)w->h->opt.agent_wait_s * G_USEC_PER_SEC;
	g_autoptr(GError) last = NULL;

	for (*attempts = 1;; (*attempts)++) {
		g_autoptr(AgentConn) conn = NULL;
		g_autoptr(JsonObject) pong = NULL;

		g_clear_error(&last);
		conn = agent_connect(w->config, w->cancel, &last);
		if (conn)
			pong = agent_conn_call(conn, "ping", NULL, &last);
		if (pong)
			return g_steal_pointer(&conn);
		if (g_cancellable_is_cancelled(w->cancel)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
				    "domain %s stopped while waiting for its agent (%u attempts)",
				    w->config->name, *attempts);
			return NULL;
		}
		if (g_get_monotonic_time() + RETRY_MS * 1000 > deadline) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
				    "domain %s: the agent did not answer within %u s (%u attempts; "
				    "last: %s)",
				    w->config->name, w->h->opt.agent_wait_s, *attempts,
				    last->message);
			return NULL;
		}
		g_usleep(RETRY_MS * 1000);
	}
}

static JsonObject *policy_args(const CkptDomainConfig *c)
{
	JsonObject *args = json_object_new();
	JsonArray *names = json_array_new();

	for (guint i = 0; i < c->containers->len; i++) {
		const CkptContainerPolicy *p = c->containers->pdata[i];

		if (p->snapshot_on_shutdown)
			json_array_add_string_element(names, p->name);
	}
	json_object_set_array_member(args, "containers", names);
	json_object_set_int_member(args, "port", c->push_port);
	json_object_set_int_member(args, "timeout-ms", POLICY_TIMEOUT_MS);
	return args;
}

/* TRUE if the agent lists a container of that name (whatever its state). */
static gboolean container_exists(AgentConn *conn, const char *name, GError **error)
{
	g_autoptr(JsonObject) ret = agent_conn_call(conn, "container-list", NULL, error);
	JsonArray *list;

	if (!ret)
		return FALSE;
	list = json_object_get_array_member(ret, "containers");
	for (guint i = 0; list && i < json_array_get_length(list); i++) {
		JsonObject *c = json_array_get_object_element(list, i);

		if (c &&
		    g_strcmp0(json_object_get_string_member_with_default(c, "name", ""), name) == 0)
			return TRUE;
	}
	return FALSE;
}

/* A second connection attached to the job's stream. */
static AgentConn *attach(const CkptDomainConfig *c, JsonObject *started, GCancellable *cancel,
			 GError **error)
{
	const char *token = json_object_get_string_member_with_default(started, "stream", NULL);
	g_autoptr(AgentConn) data = NULL;
	g_autoptr(JsonObject) attached = NULL;

	if (!token) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_PARSE,
			    "domain %s: the agent's answer has no stream token", c->name);
		return NULL;
	}
	data = agent_connect(c, cancel, error);
	if (!data)
		return NULL;
	attached = agent_conn_attach(data, token, error);
	return attached ? g_steal_pointer(&data) : NULL;
}

/*
 * The trailer of a restore carries the digest recorded in the store, so the
 * agent checks what arrived against it (the store's stream checks it too).
 */
static gboolean recorded_digest(AgentTrailer *t, gpointer data, GError **error)
{
	const CkptImageMeta *m = data;

	if (t->length != m->size || !agent_sha256_from_hex(m->sha256, t->sha256)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM,
			    "image %s: read %" G_GUINT64_FORMAT
			    " bytes, recorded %" G_GUINT64_FORMAT " (sha256 %s)",
			    m->id, t->length, m->size, m->sha256);
		return FALSE;
	}
	return TRUE;
}

/* Restores the latest store image of one container; result or NULL with error. */
static JsonObject *restore_container(Work *w, const char *name, GError **error)
{
	const CkptDomainConfig *c = w->config;
	g_autoptr(AgentConn) conn = NULL;
	g_autoptr(AgentConn) data = NULL;
	g_autoptr(CkptImageMeta) m = NULL;
	g_autoptr(GInputStream) in = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) started = NULL;
	g_autoptr(GError) local = NULL;
	AgentStreamOptions opts = {0};
	AgentStreamHooks hooks = {0};
	AgentStreamResult sent = {0};
	JsonObject *r;

	m = hostd_images_latest(w->h, c->name, name, &local);
	if (!m) {
		if (!g_error_matches(local, CKPT_STORE_ERROR, CKPT_STORE_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		r = json_object_new();
		json_object_set_boolean_member(r, "restored", FALSE);
		json_object_set_string_member(r, "why", "no image of it in the store");
		return r;
	}
	conn = agent_connect(c, w->cancel, error);
	if (!conn)
		return NULL;
	if (container_exists(conn, name, &local)) {
		r = json_object_new();
		json_object_set_boolean_member(r, "restored", FALSE);
		json_object_set_string_member(r, "why", "a container of that name exists already");
		json_object_set_string_member(r, "image", m->id);
		return r;
	}
	if (local) {
		g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	g_mutex_lock(&w->h->store_lock);
	in = ckpt_store_open_image(w->h->store, m, error);
	g_mutex_unlock(&w->h->store_lock);
	if (!in)
		return NULL;
	json_object_set_string_member(args, "container", name);
	started = agent_conn_call(conn, "restore", args, error);
	if (!started)
		return NULL;
	data = attach(c, started, w->cancel, error);
	if (!data)
		return NULL;
	/*
	 * A send that fails (a store image that no longer matches its sha256,
	 * a broken connection) makes the agent remove what it restored before
	 * it ran; the error says why.
	 */
	hooks.trailer = recorded_digest;
	hooks.user_data = m;
	hooks.cancellable = w->cancel;
	if (!agent_conn_send_image_stream(data, in, &opts, &hooks, &sent, error)) {
		agent_stream_result_clear(&sent);
		return NULL;
	}
	r = json_object_new();
	json_object_set_boolean_member(r, "restored", TRUE);
	json_object_set_string_member(r, "image", m->id);
	json_object_set_int_member(r, "bytes", (gint64)sent.bytes);
	if (sent.final)
		json_object_set_object_member(r, "agent", json_object_ref(sent.final));
	agent_stream_result_clear(&sent);
	return r;
}

static gpointer boot_thread(gpointer data)
{
	Work *w = data;
	const CkptDomainConfig *c = w->config;
	Hostd *h = w->h;
	gint64 t0 = g_get_monotonic_time();
	g_autoptr(AgentConn) conn = NULL;
	g_autoptr(JsonObject) policy = NULL;
	g_autoptr(JsonObject) policy_req = policy_args(c);
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) policy_error = NULL;
	JsonObject *r;
	guint attempts = 0;
	guint job = hostd_job_start(h->jobs, "boot", c->name, NULL);

	conn = wait_agent(w, &attempts, &error);
	if (!conn) {
		hostd_job_fail(h->jobs, job, error);
		work_free(w);
		return NULL;
	}
	policy = agent_conn_call(conn, "shutdown-policy", policy_req, &policy_error);
	r = json_object_new();
	json_object_set_int_member(r, "agent-ms", (g_get_monotonic_time() - t0) / 1000);
	json_object_set_int_member(r, "attempts", attempts);
	if (!policy) {
		/* An agent without the command still gets its restores. */
		g_autofree char *why = g_strdup_printf(
			"shutdown-policy refused (%s): no snapshots on shutdown for this run",
			policy_error->message);

		g_warning("domain %s: %s", c->name, why);
		json_object_set_string_member(r, "policy-error", why);
	} else {
		json_object_set_object_member(r, "policy", policy_args(c));
	}
	hostd_job_done(h->jobs, job, r);
	g_clear_pointer(&conn, agent_conn_free);

	for (guint i = 0; w->restore && i < c->containers->len; i++) {
		const CkptContainerPolicy *p = c->containers->pdata[i];
		g_autoptr(GError) rerr = NULL;
		JsonObject *result;

		if (!p->restore_on_start || g_cancellable_is_cancelled(w->cancel))
			continue;
		job = hostd_job_start(h->jobs, "restore", c->name, p->name);
		result = restore_container(w, p->name, &rerr);
		if (result)
			hostd_job_done(h->jobs, job, result);
		else
			hostd_job_fail(h->jobs, job, rerr);
	}
	work_free(w);
	return NULL;
}

void hostd_agent_boot(Hostd *h, const CkptDomainConfig *config, gboolean restore,
		      GCancellable *cancel)
{
	Work *w = g_new0(Work, 1);

	w->h = h;
	w->config = hostd_config_copy(config);
	w->restore = restore;
	w->cancel = cancel ? g_object_ref(cancel) : NULL;
	g_thread_unref(g_thread_new("hostd-boot", boot_thread, w));
}

typedef struct {
	Hostd *h;
	CkptStoreWriter *writer;
	CkptImageMeta *meta; /* once committed */
} StoreCommit;

/* Called once the trailer matched, before the agent hears OK: the image is made safe first. */
static gboolean commit_to_store(const AgentTrailer *t, gpointer data, GError **error)
{
	StoreCommit *c = data;

	c->meta = hostd_images_commit(c->h, c->writer, t, error);
	return c->meta != NULL;
}

/* A checkpoint (leave-running) streamed into the store. */
static JsonObject *checkpoint_container(Work *w, GError **error)
{
	const CkptDomainConfig *c = w->config;
	g_autoptr(AgentConn) conn = NULL;
	g_autoptr(AgentConn) data = NULL;
	g_autoptr(JsonObject) info = NULL;
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) started = NULL;
	g_autoptr(CkptStoreWriter) writer = NULL;
	g_autoptr(CkptImageMeta) m = NULL;
	StoreCommit commit = {0};
	AgentStreamOptions opts = {0};
	AgentStreamHooks hooks = {0};
	AgentStreamResult got = {0};
	gboolean ok;
	JsonObject *r;

	conn = agent_connect(c, w->cancel, error);
	if (!conn)
		return NULL;
	info = agent_conn_call(conn, "info", NULL, error);
	if (!info)
		return NULL;
	json_object_set_string_member(args, "container", w->container);
	json_object_set_string_member(args, "mode", "leave-running");
	started = agent_conn_call(conn, "checkpoint", args, error);
	if (!started)
		return NULL;
	data = attach(c, started, w->cancel, error);
	if (!data)
		return NULL;
	writer = hostd_images_writer(
		w->h, c->name, w->container,
		json_object_get_string_member_with_default(info, "kernel", NULL), "periodic",
		error);
	if (!writer)
		return NULL; /* dropping the connection makes the agent thaw the container */
	commit.h = w->h;
	commit.writer = writer;
	hooks.commit = commit_to_store;
	hooks.user_data = &commit;
	hooks.cancellable = w->cancel;
	ok = agent_conn_receive_image_stream(data, ckpt_store_writer_stream(writer), &opts, &hooks,
					     &got, error);
	m = g_steal_pointer(&commit.meta);
	if (!m) {
		/* FAIL was sent, or the stream broke: the agent thawed the container. */
		agent_stream_result_clear(&got);
		return NULL;
	}
	r = json_object_new();
	json_object_set_string_member(r, "image", m->id);
	json_object_set_int_member(r, "bytes", (gint64)m->size);
	json_object_set_string_member(r, "sha256", m->sha256);
	json_object_set_array_member(r, "pruned", hostd_images_prune(w->h, c->name, w->container));
	if (!ok) {
		/* Committed before the agent heard OK: the image is good whatever came after. */
		json_object_set_string_member(r, "agent-error", (*error)->message);
		g_clear_error(error);
	} else if (got.final) {
		json_object_set_object_member(r, "agent", json_object_ref(got.final));
	}
	agent_stream_result_clear(&got);
	return r;
}

static gpointer periodic_thread(gpointer data)
{
	Work *w = data;
	g_autoptr(GError) error = NULL;
	guint job = hostd_job_start(w->h->jobs, "periodic", w->config->name, w->container);
	JsonObject *r = checkpoint_container(w, &error);

	if (r)
		hostd_job_done(w->h->jobs, job, r);
	else
		hostd_job_fail(w->h->jobs, job, error);
	work_free(w);
	return NULL;
}

void hostd_agent_periodic(Hostd *h, const CkptDomainConfig *config, const char *container,
			  GCancellable *cancel)
{
	Work *w = g_new0(Work, 1);

	w->h = h;
	w->config = hostd_config_copy(config);
	w->container = g_strdup(container);
	w->cancel = cancel ? g_object_ref(cancel) : NULL;
	g_thread_unref(g_thread_new("hostd-periodic", periodic_thread, w));
}
