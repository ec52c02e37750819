// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "agent-error.h"
#include "agent-frame.h"
#include "agent-push.h"
#include "job-checkpoint.h"

/* The host's answer to the push request is one short line. */
#define REPLY_MAX (64 * 1024)
/* How often a connect in progress looks at the job's cancellation. */
#define CONNECT_POLL_MS 100

typedef struct {
	AgentServer *server;
	char *container;
	char *target; /* for messages */
	guint32 cid, port;
	char *unix_path;
	char *reason;
	JobCheckpoint *ckpt;
	AgentJobDoneFunc done;
	gpointer done_data;
} Push;

char *agent_push_target_describe(const AgentPushTarget *t)
{
	if (t->unix_prefix)
		return g_strdup_printf("unix socket %s_%u", t->unix_prefix, t->port);
	return g_strdup_printf("vsock CID %u port %u", t->cid, t->port);
}

static void push_free(gpointer data)
{
	Push *p = data;

	job_checkpoint_free(p->ckpt);
	g_free(p->container);
	g_free(p->target);
	g_free(p->unix_path);
	g_free(p->reason);
	g_free(p);
}

static int open_socket(Push *p, struct sockaddr_storage *addr, socklen_t *len, GError **error)
{
	int fd;

	memset(addr, 0, sizeof(*addr));
	if (p->unix_path) {
		struct sockaddr_un *un = (struct sockaddr_un *)addr;

		if (strlen(p->unix_path) >= sizeof(un->sun_path)) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED,
				    "%s: path too long for a unix socket", p->unix_path);
			return -1;
		}
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, p->unix_path);
		*len = sizeof(*un);
	} else {
		struct sockaddr_vm *vm = (struct sockaddr_vm *)addr;

		vm->svm_family = AF_VSOCK;
		vm->svm_cid = p->cid;
		vm->svm_port = p->port;
		*len = sizeof(*vm);
	}
	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "socket: %s",
			    g_strerror(errno));
	return fd;
}

/*
 * Connects without blocking past a cancel: the shutdown's deadline cancels
 * the job, and a vsock connect to a host that does not answer would
 * otherwise wait for the transport's own timeout.
 */
static gboolean connect_host(Push *p, AgentJob *job, int fd, const struct sockaddr_storage *addr,
			     socklen_t len, GError **error)
{
	gint64 deadline = g_get_monotonic_time() +
			  agent_server_get_config(p->server)->stream_timeout_ms * 1000;
	int err = 0;

	if (connect(fd, (const struct sockaddr *)addr, len) == 0)
		return TRUE;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		err = errno;
		goto fail;
	}
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		socklen_t elen = sizeof(err);

		if (agent_job_is_cancelled(job)) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_CANCELLED,
				    "connecting to %s: cancelled", p->target);
			return FALSE;
		}
		if (g_get_monotonic_time() >= deadline) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_TIMEOUT,
				    "connecting to %s: no answer within %" G_GINT64_FORMAT " ms",
				    p->target,
				    agent_server_get_config(p->server)->stream_timeout_ms);
			return FALSE;
		}
		if (poll(&pfd, 1, CONNECT_POLL_MS) <= 0)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (!err)
			return TRUE;
		break;
	}
fail:
	g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM, "connecting to %s: %s%s", p->target,
		    g_strerror(err),
		    err == ECONNRESET || err == ECONNREFUSED || err == ENOENT
			    ? " (nothing listens there: is the host's daemon running?)"
			    : "");
	return FALSE;
}

static GBytes *request_line(Push *p)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *json = NULL;
	struct utsname uts;
	char *text;

	uname(&uts);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, "push");
	json_builder_set_member_name(b, "arguments");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "container");
	json_builder_add_string_value(b, p->container);
	json_builder_set_member_name(b, "kernel");
	json_builder_add_string_value(b, uts.release);
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(b, p->reason);
	json_builder_set_member_name(b, "hostname");
	json_builder_add_string_value(b, g_get_host_name());
	json_builder_end_object(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json = json_to_string(root, FALSE);
	text = g_strconcat(json, "\n", NULL);
	return g_bytes_new_take(text, strlen(text));
}

/* The host's reply to the request: {"return": ...} lets the stream begin. */
static gboolean check_reply(Push *p, const char *line, GError **error)
{
	g_autoptr(JsonNode) node = json_from_string(line, NULL);
	JsonObject *o = node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
	JsonObject *e;

	if (o && json_object_has_member(o, "return"))
		return TRUE;
	e = o && json_object_has_member(o, "error") ? json_object_get_object_member(o, "error")
						    : NULL;
	if (e) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM, "%s refused the push: %s: %s",
			    p->target, json_object_get_string_member_with_default(e, "class", "?"),
			    json_object_get_string_member_with_default(e, "desc", "?"));
		return FALSE;
	}
	g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
		    "%s answered the push with \"%.64s\", expected a reply line", p->target, line);
	return FALSE;
}

/* The stream is no more: nothing, not even a status, goes to the host now. */
static void drop_stream(AgentJob *job)
{
	agent_job_remove_cancel_fd(job, job->stream.fd);
	close(job->stream.fd);
	job->stream.fd = -1;
	agent_io_clear(&job->stream);
}

static JsonObject *push_run(AgentJob *job, gpointer data, GError **error)
{
	Push *p = data;
	g_autoptr(GBytes) req = request_line(p);
	g_autoptr(CkptContainer) c = NULL;
	g_autofree char *reply = NULL;
	struct sockaddr_storage addr;
	socklen_t len;
	int fd;

	fd = open_socket(p, &addr, &len, error);
	if (fd < 0)
		return NULL;
	/* From here on a cancel (the deadline) shuts the connection down. */
	agent_io_init(&job->stream, fd, NULL, agent_server_get_config(p->server)->stream_timeout_ms,
		      "push connection");
	agent_job_add_cancel_fd(job, fd);
	if (!connect_host(p, job, fd, &addr, len, error)) {
		drop_stream(job);
		return NULL;
	}
	if (!agent_io_write(&job->stream, g_bytes_get_data(req, NULL), g_bytes_get_size(req),
			    error) ||
	    !(reply = agent_io_read_line(&job->stream, REPLY_MAX, error)) ||
	    !check_reply(p, reply, error)) {
		g_prefix_error(error, "push request: ");
		drop_stream(job);
		return NULL;
	}
	/*
	 * Accepted: whatever happens now, the host hears it on the stream
	 * (the job's final status), as on a stream-attached checkpoint.
	 */
	c = ckpt_container_new(agent_server_get_paths(p->server), p->container, error);
	if (!c || !ckpt_container_lock(c, error))
		return NULL;
	return job_checkpoint_run(job, c, p->ckpt, error);
}

static void push_done(AgentJob *job, gpointer data)
{
	Push *p = data;

	if (p->done)
		p->done(job, p->done_data);
}

AgentJob *agent_push_start(AgentServer *server, const char *container, const AgentPushTarget *t,
			   AgentJobDoneFunc done, gpointer data, GError **error)
{
	AgentJob *job;
	Push *p;

	if (!ckpt_container_name_check(container, error))
		return NULL;
	job = agent_job_table_add(agent_server_get_jobs(server), AGENT_JOB_CHECKPOINT, container,
				  NULL, AGENT_STREAM_NONE, error);
	if (!job)
		return NULL;
	p = g_new0(Push, 1);
	p->server = server;
	p->container = g_strdup(container);
	p->target = agent_push_target_describe(t);
	p->cid = t->cid;
	p->port = t->port;
	if (t->unix_prefix)
		p->unix_path = g_strdup_printf("%s_%u", t->unix_prefix, t->port);
	p->reason = g_strdup(t->reason);
	p->ckpt = g_new0(JobCheckpoint, 1);
	p->ckpt->server = server;
	p->ckpt->mode = CKPT_CHECKPOINT_LEAVE_FROZEN;
	p->done = done;
	p->done_data = data;
	/*
	 * Its stream is the connection it opens itself, guest to host: the
	 * final status goes out with its marker, as after a stream-attach.
	 */
	job->direction = AGENT_STREAM_OUT;
	job->run = push_run;
	job->run_data = p;
	job->free_run_data = push_free;
	job->done = push_done;
	job->done_data = p;
	agent_job_start(job);
	return job;
}

void agent_push_forget(AgentJob *job)
{
	Push *p = job->run_data;

	p->done = NULL;
}
