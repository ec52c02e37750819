// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include <gio/gunixsocketaddress.h>

#include "agent-error.h"
#include "agent-io.h"
#include "hostd-images.h"
#include "hostd-push.h"
#include "hostd-socket-dir.h"
#include "hostd-reply.h"
#include "hostd-stream.h"

#define PUSH_THREADS 8
#define REQUEST_MAX (64 * 1024)

struct _HostdPushListener {
	Hostd *h;
	char *vm, *path;
	GSocketService *service;
};

typedef struct {
	Hostd *h;
	char *vm;
} PushTarget;

static gboolean write_text(AgentIo *io, const char *text)
{
	return agent_io_write(io, text, strlen(text), NULL);
}

static gboolean valid_reason(const char *reason)
{
	return g_strv_contains((const char *const[]){"shutdown", "periodic", "manual", NULL},
			       reason);
}

/* The request line; NULL (and the reply already sent) when it is refused. */
static gboolean read_request(AgentIo *io, const char *vm, char **container, char **kernel,
			     char **reason)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = agent_io_read_line(io, REQUEST_MAX, &error);
	g_autofree char *execute = NULL;
	g_autofree char *reply = NULL;
	g_autoptr(JsonObject) args = NULL;
	const char *c, *k, *r;

	if (!line) {
		g_warning("domain %s: push connection: no request: %s", vm, error->message);
		return FALSE;
	}
	if (!hostd_request_parse(line, &execute, &args, &reply))
		goto refuse;
	if (!g_str_equal(execute, "push")) {
		g_autofree char *desc =
			g_strdup_printf("unknown command %s (only push here)", execute);

		reply = hostd_reply_error("unknown-command", desc);
		goto refuse;
	}
	if (!hostd_arg_string(args, "container", TRUE, &c, &reply) ||
	    !hostd_arg_string(args, "kernel", FALSE, &k, &reply) ||
	    !hostd_arg_string(args, "reason", FALSE, &r, &reply))
		goto refuse;
	if (!ckpt_domain_container_name_valid(c)) {
		g_autofree char *desc = g_strdup_printf("container %.80s: not a valid name", c);

		reply = hostd_reply_error("invalid-argument", desc);
		goto refuse;
	}
	if (r && !valid_reason(r)) {
		g_autofree char *desc =
			g_strdup_printf("reason %.40s: not one of shutdown, periodic, manual", r);

		reply = hostd_reply_error("invalid-argument", desc);
		goto refuse;
	}
	*container = g_strdup(c);
	*kernel = g_strdup(k);
	*reason = g_strdup(r ? r : "shutdown");
	return TRUE;
refuse:
	g_warning("domain %s: push refused: %s", vm, reply);
	write_text(io, reply);
	return FALSE;
}

/*
 * After the verdict the agent finishes its job (the container stays frozen,
 * the guest is going down) and sends its status: kept in the job's result.
 */
static void read_agent_status(AgentIo *io, const char *vm, const char *container,
			      JsonObject *result)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	guint8 hdr[4];

	if (!agent_io_read_exact(io, hdr, 4, "the status marker", &error) ||
	    agent_frame_header_decode(hdr) != AGENT_FRAME_STATUS ||
	    !(line = agent_io_read_line(io, REQUEST_MAX, &error))) {
		g_message("domain %s: push of %s: no status from the agent after the verdict (%s)",
			  vm, container, error ? error->message : "no status marker");
		return;
	}
	if (result && json_parser_load_from_data(parser, line, -1, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		json_object_set_member(result, "agent",
				       json_node_copy(json_parser_get_root(parser)));
}

/* FAIL: nothing of it is left in the store (the writer removes its temp files). */
static void fail_push(AgentIo *io, Hostd *h, guint job, const char *vm, const char *container,
		      const GError *error)
{
	g_autofree char *verdict = g_strdup_printf("FAIL %s\n", error->message);

	/* One line: a reason with a newline in it would end the verdict early. */
	g_strdelimit(verdict, "\n", ' ');
	verdict[strlen(verdict) - 1] = '\n';
	if (write_text(io, verdict))
		read_agent_status(io, vm, container, NULL);
	hostd_job_fail(h->jobs, job, error);
}

void hostd_push_serve(Hostd *h, const char *vm, GSocketConnection *conn)
{
	int fd = g_socket_get_fd(g_socket_connection_get_socket(conn));
	g_autofree char *container = NULL, *kernel = NULL, *reason = NULL;
	g_autoptr(CkptStoreWriter) w = NULL;
	g_autoptr(CkptImageMeta) m = NULL;
	g_autoptr(GError) error = NULL;
	AgentTrailer trailer;
	guint64 bytes = 0;
	AgentIo io;
	guint job;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	agent_io_init(&io, fd, NULL, h->opt.push_timeout_ms, "push connection");
	if (!read_request(&io, vm, &container, &kernel, &reason))
		goto out;
	job = hostd_job_start(h->jobs, "push", vm, container);
	w = hostd_images_writer(h, vm, container, kernel, reason, &error);
	if (!w) {
		g_autofree char *reply =
			hostd_reply_error(hostd_error_class(error), error->message);

		write_text(&io, reply);
		hostd_job_fail(h->jobs, job, error);
		goto out;
	}
	{
		JsonObject *ret = json_object_new();
		g_autofree char *reply = NULL;

		json_object_set_string_member(ret, "image", ckpt_store_writer_id(w));
		reply = hostd_reply_return(ret);
		if (!agent_io_write(&io, reply, strlen(reply), &error))
			goto failed;
	}
	if (!hostd_stream_receive(&io, ckpt_store_writer_stream(w), &trailer, &bytes, NULL, NULL,
				  &error)) {
		g_prefix_error(&error,
			       "domain %s: push of %s: after %" G_GUINT64_FORMAT " bytes: ", vm,
			       container, bytes);
		goto failed;
	}
	m = hostd_images_commit(h, w, &trailer, &error);
	if (!m) {
		g_prefix_error(&error, "domain %s: push of %s: ", vm, container);
		goto failed;
	}
	{
		JsonObject *r = json_object_new();

		json_object_set_string_member(r, "image", m->id);
		json_object_set_int_member(r, "bytes", (gint64)m->size);
		json_object_set_int_member(r, "stored-size", (gint64)m->stored_size);
		json_object_set_string_member(r, "sha256", m->sha256);
		json_object_set_string_member(r, "reason", reason);
		json_object_set_array_member(r, "pruned", hostd_images_prune(h, vm, container));
		/* The image is safe before the guest hears OK and powers off. */
		if (!write_text(&io, "OK\n"))
			g_warning("domain %s: push of %s: stored as %s, but the guest left before "
				  "hearing OK",
				  vm, container, m->id);
		else
			read_agent_status(&io, vm, container, r);
		hostd_job_done(h->jobs, job, r);
	}
	goto out;
failed:
	fail_push(&io, h, job, vm, container, error);
out:
	agent_io_clear(&io);
}

static gboolean on_run(GThreadedSocketService *service, GSocketConnection *conn, GObject *source,
		       gpointer data)
{
	PushTarget *t = data;

	hostd_push_serve(t->h, t->vm, conn);
	return TRUE;
}

static void push_target_free(gpointer data, GClosure *closure)
{
	PushTarget *t = data;

	g_free(t->vm);
	g_free(t);
}

HostdPushListener *hostd_push_listener_new_unix(Hostd *h, const char *vm, const char *path,
						GError **error)
{
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	HostdPushListener *l;
	PushTarget *t;
	struct stat st;

	hostd_socket_dir_make(path);
	/* Ours from an earlier run (a daemon restart): rebind. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	l = g_new0(HostdPushListener, 1);
	l->h = h;
	l->vm = g_strdup(vm);
	l->path = g_strdup(path);
	l->service = g_threaded_socket_service_new(PUSH_THREADS);
	if (!g_socket_listener_add_address(G_SOCKET_LISTENER(l->service), addr,
					   G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL,
					   NULL, error)) {
		g_prefix_error(error, "domain %s: push listener %s: ", vm, path);
		hostd_push_listener_free(l);
		return NULL;
	}
	t = g_new0(PushTarget, 1);
	t->h = h;
	t->vm = g_strdup(vm);
	g_signal_connect_data(l->service, "run", G_CALLBACK(on_run), t, push_target_free, 0);
	g_socket_service_start(l->service);
	g_message("domain %s: push listener on %s", vm, path);
	return l;
}

const char *hostd_push_listener_path(HostdPushListener *l)
{
	return l->path;
}

void hostd_push_listener_free(HostdPushListener *l)
{
	if (!l)
		return;
	if (l->service) {
		g_socket_service_stop(l->service);
		g_socket_listener_close(G_SOCKET_LISTENER(l->service));
		g_object_unref(l->service);
	}
	unlink(l->path);
	g_free(l->vm);
	g_free(l->path);
	g_free(l);
}

/* AF_VSOCK: one service per port; the peer's CID is looked up per connection. */
struct _HostdVsockPush {
	Hostd *h;
	GHashTable *services; /* port -> GSocketService* */
	GHashTable *failed;   /* ports that could not be bound (logged once) */
};

static gboolean on_vsock_run(GThreadedSocketService *service, GSocketConnection *conn,
			     GObject *source, gpointer data)
{
	Hostd *h = data;
	int fd = g_socket_get_fd(g_socket_connection_get_socket(conn));
	struct sockaddr_vm peer = {0};
	socklen_t len = sizeof(peer);
	g_autofree char *vm = NULL;

	if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0) {
		g_warning("vsock push connection: getpeername: %s", g_strerror(errno));
		return TRUE;
	}
	vm = hostd_domain_name_by_cid(h, peer.svm_cid);
	if (!vm) {
		g_warning("vsock push connection from CID %u: no running domain has that CID: "
			  "closed",
			  peer.svm_cid);
		return TRUE;
	}
	hostd_push_serve(h, vm, conn);
	return TRUE;
}

HostdVsockPush *hostd_vsock_push_new(Hostd *h)
{
	HostdVsockPush *p = g_new0(HostdVsockPush, 1);

	p->h = h;
	p->services = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_object_unref);
	p->failed = g_hash_table_new(g_direct_hash, g_direct_equal);
	return p;
}

static GSocket *vsock_listen(guint32 port, GError **error)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	GSocket *s;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
			    "AF_VSOCK port %u: %s (no vhost-vsock on this host?)", port,
			    g_strerror(err));
		return NULL;
	}
	s = g_socket_new_from_fd(fd, error);
	if (!s)
		close(fd);
	return s;
}

void hostd_vsock_push_want_port(HostdVsockPush *p, guint32 port)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) sock = NULL;
	g_autoptr(GSocketService) service = NULL;

	if (g_hash_table_contains(p->services, GUINT_TO_POINTER(port)) ||
	    g_hash_table_contains(p->failed, GUINT_TO_POINTER(port)))
		return;
	sock = vsock_listen(port, &error);
	if (sock) {
		service = g_threaded_socket_service_new(PUSH_THREADS);
		if (!g_socket_listener_add_socket(G_SOCKET_LISTENER(service), sock, NULL, &error))
			g_clear_object(&service);
	}
	if (!service) {
		g_warning("push listener: %s: pushes from vhost-vsock guests are not received",
			  error->message);
		g_hash_table_add(p->failed, GUINT_TO_POINTER(port));
		return;
	}
	g_signal_connect(service, "run", G_CALLBACK(on_vsock_run), p->h);
	g_socket_service_start(service);
	g_hash_table_insert(p->services, GUINT_TO_POINTER(port), g_steal_pointer(&service));
	g_message("push listener on AF_VSOCK port %u", port);
}

void hostd_vsock_push_free(HostdVsockPush *p)
{
	GHashTableIter it;
	gpointer value;

	if (!p)
		return;
	g_hash_table_iter_init(&it, p->services);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		g_socket_service_stop(value);
		g_socket_listener_close(value);
	}
	g_hash_table_unref(p->services);
	g_hash_table_unref(p->failed);
	g_free(p);
}
