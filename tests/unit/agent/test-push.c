// SPDX-License-Identifier: GPL-2.0-only
/*
 * The push on shutdown, in-process: an agent server on fake cgroups, a
 * fake module that writes a known image into the job's socket pair, and a
 * fake host listening on the unix socket that stands for the host's vsock
 * port. The host side here decodes the stream by hand (frames, end,
 * trailer, status), independently of the agent's pump, and checks the
 * length and the sha256 against the image the fake module wrote.
 *
 * The request's members are checked against the schema's "push".
 *
 * Cases: two containers pushed (one skipped: not running) and verified;
 * a host that answers FAIL; a host that refuses the request; a host that
 * never gives its verdict, where the policy's timeout ends the shutdown.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent-error.h"
#include "agent-frame.h"
#include "agent-io.h"
#include "agent-shutdown.h"
#include "fake-cgroup.h"
#include "job-checkpoint.h"

#define IMAGE_LEN (2 * 1024 * 1024 + 4321)
#define PORT 7101

typedef enum {
	HOST_OK,
	HOST_FAIL,   /* answers the trailer with FAIL */
	HOST_REFUSE, /* answers the request with an error */
	HOST_SILENT, /* never answers the trailer */
} HostMode;

typedef struct {
	char *container;
	char *kernel;
	char *reason;
	guint64 bytes;
	gboolean trailer_ok; /* length and sha256 of what arrived match the trailer */
	gboolean image_ok;   /* and what arrived is what the fake module wrote */
	char *status;	     /* the agent's final status line */
} Received;

typedef struct {
	char *tmp;
	char *prefix;
	GSubprocess *sleeper;
	AgentServer *server;
	int listen_fd;
	HostMode mode;
	GThread *acceptor;
	GMutex lock;
	GPtrArray *received; /* Received* */
	GPtrArray *threads;
	gint stop;
} Fixture;

static guint8 *image;
/* The push request's members, as proto/agent-schema.json lists them. */
static GPtrArray *schema_push_args;

/* --- the fake module ---------------------------------------------------- */

static gboolean fake_module(CkptContainer *c, int fd, const CkptCheckpointOptions *o,
			    CkptCheckpointResult *result, GCancellable *cancellable, GError **error)
{
	gsize off = 0;

	memset(result, 0, sizeof(*result));
	result->nr_tasks = 1;
	while (off < IMAGE_LEN) {
		ssize_t n = write(fd, image + off, MIN(IMAGE_LEN - off, 65536));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_MODULE,
				    "container %s: checkpoint: writing the image at byte %zu: %s",
				    ckpt_container_get_name(c), off, g_strerror(errno));
			return FALSE;
		}
		off += (gsize)n;
	}
	result->bytes = IMAGE_LEN;
	if (!o->commit(o->commit_data, result, error)) {
		g_prefix_error(error, "container %s: checkpoint: ", ckpt_container_get_name(c));
		return FALSE;
	}
	return TRUE;
}

/* --- the fake host ------------------------------------------------------ */

typedef struct {
	Fixture *f;
	int fd;
} Conn;

static void received_free(gpointer p)
{
	Received *r = p;

	g_free(r->container);
	g_free(r->kernel);
	g_free(r->reason);
	g_free(r->status);
	g_free(r);
}

static void send_line(int fd, const char *line)
{
	g_autofree char *text = g_strconcat(line, "\n", NULL);

	g_assert_cmpint(send(fd, text, strlen(text), MSG_NOSIGNAL), ==, (gssize)strlen(text));
}

/* Reads one stream as ckpt-hostd would, checking everything by hand. */
static void receive(Conn *conn, Received *r)
{
	Fixture *f = conn->f;
	AgentIo io;
	g_autoptr(GError) error = NULL;
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree char *line = NULL;
	g_autofree guint8 *buf = g_malloc(AGENT_FRAME_MAX);
	g_autoptr(JsonNode) req = NULL;
	JsonObject *args;
	guint8 hdr[4], tr[AGENT_TRAILER_SIZE], digest[AGENT_SHA256_LEN];
	guint64 len;

	agent_io_init(&io, conn->fd, NULL, 0, "fake host");
	line = agent_io_read_line(&io, 65536, &error);
	g_assert_no_error(error);
	req = json_from_string(line, NULL);
	g_assert_nonnull(req);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(req), "execute"), ==,
			"push");
	args = json_object_get_object_member(json_node_get_object(req), "arguments");
	/* Exactly the members the schema promises the host. */
	g_assert_cmpuint(json_object_get_size(args), ==, schema_push_args->len);
	for (guint i = 0; i < schema_push_args->len; i++)
		g_assert_nonnull(json_object_get_string_member_with_default(
			args, g_ptr_array_index(schema_push_args, i), NULL));
	r->container = g_strdup(json_object_get_string_member(args, "container"));
	r->kernel = g_strdup(json_object_get_string_member(args, "kernel"));
	r->reason = g_strdup(json_object_get_string_member(args, "reason"));
	g_assert_cmpstr(json_object_get_string_member(args, "hostname"), ==, g_get_host_name());
	if (f->mode == HOST_REFUSE) {
		send_line(conn->fd, "{\"error\":{\"class\":\"failed\",\"desc\":\"store full\"}}");
		return;
	}
	send_line(conn->fd, "{\"return\":{}}");
	for (;;) {
		guint32 n;

		g_assert_true(agent_io_read_exact(&io, hdr, 4, "a frame header", &error));
		n = agent_frame_header_decode(hdr);
		if (n == AGENT_FRAME_END)
			break;
		g_assert_cmpuint(n, <=, AGENT_FRAME_MAX);
		g_assert_true(agent_io_read_exact(&io, buf, n, "a frame", &error));
		g_checksum_update(sum, buf, n);
		r->bytes += n;
	}
	g_assert_true(agent_io_read_exact(&io, tr, sizeof(tr), "the trailer", &error));
	g_assert_cmpint(memcmp(tr, "CKPTSTRM", 8), ==, 0);
	memcpy(&len, tr + 8, 8);
	g_checksum_get_digest(sum, digest, &(gsize){AGENT_SHA256_LEN});
	r->trailer_ok =
		GUINT64_FROM_LE(len) == r->bytes && memcmp(tr + 16, digest, AGENT_SHA256_LEN) == 0;
	{
		g_autoptr(GChecksum) want = g_checksum_new(G_CHECKSUM_SHA256);
		guint8 wd[AGENT_SHA256_LEN];

		g_checksum_update(want, image, IMAGE_LEN);
		g_checksum_get_digest(want, wd, &(gsize){AGENT_SHA256_LEN});
		r->image_ok = r->bytes == IMAGE_LEN && memcmp(wd, digest, AGENT_SHA256_LEN) == 0;
	}
	if (f->mode == HOST_SILENT) {
		/* Holds the connection until the agent gives up and shuts it down. */
		guint8 b;

		while (read(conn->fd, &b, 1) > 0)
			;
		return;
	}
	send_line(conn->fd, f->mode == HOST_OK ? "OK" : "FAIL disk full");
	g_assert_true(agent_io_read_exact(&io, hdr, 4, "the status marker", &error));
	g_assert_cmpuint(agent_frame_header_decode(hdr), ==, AGENT_FRAME_STATUS);
	r->status = agent_io_read_line(&io, 65536, &error);
	g_assert_no_error(error);
}

static gpointer conn_thread(gpointer p)
{
	Conn *conn = p;
	Received *r = g_new0(Received, 1);

	receive(conn, r);
	close(conn->fd);
	g_mutex_lock(&conn->f->lock);
	g_ptr_array_add(conn->f->received, r);
	g_mutex_unlock(&conn->f->lock);
	g_free(conn);
	return NULL;
}

static gpointer accept_thread(gpointer p)
{
	Fixture *f = p;

	for (;;) {
		int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		Conn *conn;

		if (fd < 0 || g_atomic_int_get(&f->stop)) {
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		conn = g_new0(Conn, 1);
		conn->f = f;
		conn->fd = fd;
		g_ptr_array_add(f->threads, g_thread_new("host-conn", conn_thread, conn));
	}
}

static void listen_host(Fixture *f)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	g_autofree char *path = g_strdup_printf("%s_%u", f->prefix, PORT);

	unlink(path);
	g_atomic_int_set(&f->stop, 0);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(f->listen_fd, >=, 0);
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(f->listen_fd, 8), ==, 0);
	f->acceptor = g_thread_new("host", accept_thread, f);
}

static void stop_host(Fixture *f)
{
	g_autofree char *path = g_strdup_printf("%s_%u", f->prefix, PORT);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	/* Wake the acceptor with a connection it drops. */
	g_atomic_int_set(&f->stop, 1);
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	close(fd);
	g_thread_join(f->acceptor);
	for (guint i = 0; i < f->threads->len; i++)
		g_thread_join(g_ptr_array_index(f->threads, i));
	g_ptr_array_set_size(f->threads, 0);
	close(f->listen_fd);
	f->listen_fd = -1;
}

/* Waits for every connection the host took, then listens again. */
static void host_drain(Fixture *f)
{
	stop_host(f);
	listen_host(f);
}

/* --- the agent ---------------------------------------------------------- */

static void setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *cg = NULL;
	AgentConfig config = {0};
	pid_t pid;

	f->tmp = g_dir_make_tmp("ckpt-push-XXXXXX", NULL);
	f->prefix = g_build_filename(f->tmp, "host", NULL);
	f->received = g_ptr_array_new_with_free_func(received_free);
	f->threads = g_ptr_array_new();
	f->mode = GPOINTER_TO_INT(data);
	g_mutex_init(&f->lock);
	f->sleeper = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "1000", NULL);
	g_assert_no_error(error);
	pid = (pid_t)atoi(g_subprocess_get_identifier(f->sleeper));
	cg = g_build_filename(f->tmp, "cgroup", "ckpt", NULL);
	for (const char *const *n = (const char *const[]){"web", "db", NULL}; *n; n++) {
		g_autofree char *dir = g_build_filename(cg, *n, NULL);

		fake_cgroup_make(dir, TRUE, FALSE, FALSE, &pid, 1);
	}
	config.unix_path = g_build_filename(f->tmp, "agent.sock", NULL);
	config.allow_cids = g_array_new(FALSE, FALSE, sizeof(guint32));
	config.paths = ckpt_paths_new(f->tmp, cg, "/nonexistent/ckpt");
	config.paths->check_cgroup2 = FALSE;
	config.image_dir = g_build_filename(f->tmp, "images", NULL);
	config.state_dir = g_build_filename(f->tmp, "state", NULL);
	config.max_line = 65536;
	config.max_clients = 4;
	config.max_jobs = 8;
	config.stream_timeout_ms = 20000;
	f->server = agent_server_new(&config, &error);
	g_assert_no_error(error);
	job_checkpoint_set_module_func(fake_module);
	listen_host(f);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->tmp);

	stop_host(f);
	agent_server_free(f->server);
	job_checkpoint_set_module_func(NULL);
	g_subprocess_force_exit(f->sleeper);
	g_subprocess_wait(f->sleeper, NULL, NULL);
	g_clear_object(&f->sleeper);
	g_assert_cmpint(system(cmd), ==, 0);
	g_ptr_array_unref(f->received);
	g_ptr_array_unref(f->threads);
	g_mutex_clear(&f->lock);
	g_free(f->prefix);
	g_free(f->tmp);
}

static void set_policy(Fixture *f, const char *const *names, gint64 timeout_ms)
{
	g_autoptr(GError) error = NULL;
	AgentShutdownPolicy *p = agent_shutdown_policy_new();

	g_assert_true(agent_shutdown_policy_set_containers(p, names, &error));
	p->timeout_ms = timeout_ms;
	p->port = PORT;
	g_assert_true(agent_server_set_shutdown_policy(f->server, p, &error));
	g_assert_no_error(error);
}

static void on_done(AgentShutdown *sd, gpointer data)
{
	g_main_loop_quit(data);
}

/* What main() does on SIGTERM; returns the time it took, in ms. */
static gint64 shut_down(Fixture *f, AgentShutdownSummary *summary)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	gint64 t0 = g_get_monotonic_time();
	AgentShutdown *sd = agent_shutdown_start(f->server, f->prefix, on_done, loop);

	g_main_loop_run(loop);
	*summary = *agent_shutdown_get_summary(sd);
	g_assert_true(agent_server_shutdown(f->server, summary->gave_up ? 2000 : 20000));
	agent_shutdown_finish(sd);
	agent_shutdown_free(sd);
	return (g_get_monotonic_time() - t0) / 1000;
}

static Received *received_for(Fixture *f, const char *container)
{
	for (guint i = 0; i < f->received->len; i++) {
		Received *r = g_ptr_array_index(f->received, i);

		if (g_strcmp0(r->container, container) == 0)
			return r;
	}
	g_error("the host received no push of %s", container);
	return NULL;
}

/* --- tests -------------------------------------------------------------- */

static void test_pushed(Fixture *f, gconstpointer data)
{
	const char *names[] = {"web", "absent", "db", NULL};
	g_autofree char *frozen = g_build_filename(f->tmp, "state", "shutdown-frozen", NULL);
	g_autofree char *list = NULL;
	AgentShutdownSummary s;
	struct utsname uts;

	set_policy(f, names, 20000);
	shut_down(f, &s);
	host_drain(f);
	g_assert_cmpuint(s.pushed, ==, 2);
	g_assert_cmpuint(s.failed, ==, 0);
	g_assert_cmpuint(s.skipped, ==, 1);
	g_assert_false(s.gave_up);
	g_assert_cmpuint(f->received->len, ==, 2);
	uname(&uts);
	for (guint i = 0; i < 2; i++) {
		Received *r = received_for(f, i ? "db" : "web");

		g_assert_cmpstr(r->kernel, ==, uts.release);
		g_assert_cmpstr(r->reason, ==, "shutdown");
		g_assert_cmpuint(r->bytes, ==, IMAGE_LEN);
		g_assert_true(r->trailer_ok);
		g_assert_true(r->image_ok);
		/* The job's final status: done, mode leave-frozen, the same digest. */
		g_assert_nonnull(strstr(r->status, "\"state\":\"done\""));
		g_assert_nonnull(strstr(r->status, "\"mode\":\"leave-frozen\""));
	}
	/* Left frozen for the way down, and named for a restarted agent to thaw. */
	g_assert_true(g_file_get_contents(frozen, &list, NULL, NULL));
	g_assert_cmpstr(list, ==, "web\ndb\n");
}

static void test_host_fails(Fixture *f, gconstpointer data)
{
	const char *names[] = {"web", NULL};
	g_autofree char *frozen = g_build_filename(f->tmp, "state", "shutdown-frozen", NULL);
	AgentShutdownSummary s;
	Received *r;

	set_policy(f, names, 20000);
	shut_down(f, &s);
	host_drain(f);
	g_assert_cmpuint(s.pushed, ==, 0);
	g_assert_cmpuint(s.failed, ==, 1);
	g_assert_false(s.gave_up);
	r = received_for(f, "web");
	g_assert_true(r->trailer_ok);
	/* The agent tells why, on the same connection. */
	g_assert_nonnull(strstr(r->status, "\"class\":\"stream\""));
	g_assert_nonnull(strstr(r->status, "the host rejected the image: disk full"));
	g_assert_false(g_file_test(frozen, G_FILE_TEST_EXISTS));
}

static void test_host_refuses(Fixture *f, gconstpointer data)
{
	const char *names[] = {"web", "db", NULL};
	AgentShutdownSummary s;

	set_policy(f, names, 20000);
	shut_down(f, &s);
	host_drain(f);
	g_assert_cmpuint(s.pushed, ==, 0);
	g_assert_cmpuint(s.failed, ==, 2);
	/* Both asked; neither sent a byte of image after the refusal. */
	g_assert_cmpuint(f->received->len, ==, 2);
	g_assert_cmpuint(received_for(f, "web")->bytes, ==, 0);
	g_assert_null(received_for(f, "db")->status);
}

static void test_no_host(Fixture *f, gconstpointer data)
{
	const char *names[] = {"web", NULL};
	AgentShutdownSummary s;
	gint64 ms;

	stop_host(f);
	set_policy(f, names, 20000);
	ms = shut_down(f, &s);
	listen_host(f);
	g_assert_cmpuint(s.failed, ==, 1);
	/* Nobody listening fails at once, not at the timeout. */
	g_assert_cmpint(ms, <, 5000);
}

/* A host that never gives its verdict: the policy's timeout ends it all. */
static void test_host_silent(Fixture *f, gconstpointer data)
{
	const char *names[] = {"web", "db", NULL};
	AgentShutdownSummary s;
	gint64 ms;

	set_policy(f, names, 1500);
	ms = shut_down(f, &s);
	host_drain(f);
	g_assert_true(s.gave_up);
	g_assert_cmpuint(s.pushed, ==, 0);
	g_assert_cmpuint(s.failed, ==, 2);
	/* The timeout, plus the jobs' roll-back (bounded by 2 s). */
	g_assert_cmpint(ms, >=, 1500);
	g_assert_cmpint(ms, <, 1500 + 2000 + 1000);
	/* Both streams arrived whole; only the verdict was missing. */
	g_assert_cmpuint(f->received->len, ==, 2);
	g_assert_true(received_for(f, "web")->image_ok);
}

int main(int argc, char **argv)
{
	guint32 x = 2463534242u;

	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonArray *push_args;

	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!g_getenv("AGENT_SCHEMA") ||
	    !json_parser_load_from_file(parser, g_getenv("AGENT_SCHEMA"), &error))
		g_error("AGENT_SCHEMA: %s", error ? error->message : "not set");
	push_args = json_object_get_array_member(
		json_object_get_object_member(json_node_get_object(json_parser_get_root(parser)),
					      "push"),
		"arguments");
	schema_push_args = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < json_array_get_length(push_args); i++)
		g_ptr_array_add(schema_push_args,
				g_strdup(json_object_get_string_member(
					json_array_get_object_element(push_args, i), "name")));
	image = g_malloc(IMAGE_LEN);
	for (gsize i = 0; i < IMAGE_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		image[i] = (guint8)x;
	}
#define ADD(name, fn, mode)                                                                        \
	g_test_add("/agent/push/" name, Fixture, GINT_TO_POINTER(mode), setup, fn, teardown)
	ADD("pushed", test_pushed, HOST_OK);
	ADD("host-fails", test_host_fails, HOST_FAIL);
	ADD("host-refuses", test_host_refuses, HOST_REFUSE);
	ADD("no-host", test_no_host, HOST_OK);
	ADD("host-silent", test_host_silent, HOST_SILENT);
	return g_test_run();
}
