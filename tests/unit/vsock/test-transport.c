// SPDX-License-Identifier: GPL-2.0-only
/*
 * The transport library's hybrid path against scripted bridges (and the
 * real ckpt-vsockd with no guest), and endpoint parsing. The AF_VSOCK path
 * needs a vsock transport and is tested in a guest (tests/vm/scenarios/vsock.sh).
 */
#include "ckpt-transport.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
	char *path;
	int listen_fd;
	const char *answer; /* written after the CONNECT line; NULL: say nothing */
	guint hold_ms;	    /* keep the connection open this long before closing */
	char request[64];
	GThread *thread;
} Bridge;

static gpointer bridge_main(gpointer data)
{
	Bridge *b = data;
	int fd = accept(b->listen_fd, NULL, NULL);
	gsize len = 0;

	g_assert_cmpint(fd, >=, 0);
	while (len + 1 < sizeof(b->request)) {
		if (read(fd, b->request + len, 1) != 1 || b->request[len] == '\n')
			break;
		len++;
	}
	b->request[len] = '\0';
	if (b->answer)
		g_assert_cmpint(write(fd, b->answer, strlen(b->answer)), ==, strlen(b->answer));
	g_usleep(b->hold_ms * 1000);
	close(fd);
	return NULL;
}

static Bridge *bridge_new(const char *answer, guint hold_ms)
{
	Bridge *b = g_new0(Bridge, 1);
	g_autofree char *dir = g_dir_make_tmp("transport-test-XXXXXX", NULL);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	b->path = g_build_filename(dir, "bridge", NULL);
	b->answer = answer;
	b->hold_ms = hold_ms;
	g_strlcpy(addr.sun_path, b->path, sizeof(addr.sun_path));
	b->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(b->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(b->listen_fd, 4), ==, 0);
	b->thread = g_thread_new("bridge", bridge_main, b);
	return b;
}

static void bridge_free(Bridge *b)
{
	g_autofree char *dir = g_path_get_dirname(b->path);

	if (b->thread)
		g_thread_join(b->thread);
	close(b->listen_fd);
	unlink(b->path);
	rmdir(dir);
	g_free(b->path);
	g_free(b);
}

static void expect_error(const char *path, guint32 port, guint timeout_ms, gint code,
			 const char *prefix)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn =
		ckpt_transport_connect_hybrid("vmA", path, port, timeout_ms, NULL, &error);

	g_assert_null(conn);
	g_assert_error(error, CKPT_TRANSPORT_ERROR, code);
	if (!g_str_has_prefix(error->message, prefix))
		g_error("error \"%s\" does not start with \"%s\"", error->message, prefix);
}

static void test_ok(void)
{
	Bridge *b = bridge_new("OK 1024\nHELLO", 200);
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn =
		ckpt_transport_connect_hybrid("vmA", b->path, 7100, 2000, NULL, &error);
	char buf[16] = {0};
	gsize n;

	g_assert_no_error(error);
	g_assert_nonnull(conn);
	g_assert_true(g_socket_get_blocking(g_socket_connection_get_socket(conn)));
	/* The stream starts right after the OK line: nothing was read ahead. */
	g_assert_true(g_input_stream_read_all(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf,
					      5, &n, NULL, &error));
	g_assert_cmpstr(buf, ==, "HELLO");
	g_thread_join(g_steal_pointer(&b->thread));
	g_assert_cmpstr(b->request, ==, "CONNECT 7100");
	bridge_free(b);
}

static void test_missing(void)
{
	expect_error("/nonexistent/ckpt-vsockd.sock", 7100, 1000, CKPT_TRANSPORT_ERROR_NO_BRIDGE,
		     "vmA: bridge socket missing: is ckpt-vsockd running?");
}

static void test_stale(void)
{
	g_autofree char *dir = g_dir_make_tmp("transport-test-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "stale", NULL);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	/* A socket file whose daemon died. */
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	close(fd);
	expect_error(path, 7100, 1000, CKPT_TRANSPORT_ERROR_NO_BRIDGE, "vmA: bridge socket ");
	unlink(path);
	rmdir(dir);
}

typedef struct {
	const char *name;
	const char *answer;
	gint code;
	const char *prefix;
} Answer;

static const Answer answers[] = {
	{"closed", NULL, CKPT_TRANSPORT_ERROR_NO_LISTENER,
	 "vmA: no agent listening on vsock port 7100"},
	{"refused", "ERR refused: nothing listens on that guest port\n",
	 CKPT_TRANSPORT_ERROR_NO_LISTENER, "vmA: no agent listening on vsock port 7100"},
	{"guest-timeout", "ERR timeout: the guest did not answer\n", CKPT_TRANSPORT_ERROR_TIMEOUT,
	 "vmA: vsock port 7100: the guest did not answer"},
	{"no-guest", "ERR no guest: QEMU is not connected\n", CKPT_TRANSPORT_ERROR_UNREACHABLE,
	 "vmA: ckpt-vsockd has no guest"},
	{"busy", "ERR busy: 256 connections open\n", CKPT_TRANSPORT_ERROR_FAILED,
	 "vmA: vsock port 7100: ckpt-vsockd: busy"},
	{"garbage", "HTTP/1.1 400 Bad Request\n", CKPT_TRANSPORT_ERROR_PROTOCOL, "vmA: bridge "},
};

static void test_answer(gconstpointer data)
{
	const Answer *a = data;
	Bridge *b = bridge_new(a->answer, 0);

	expect_error(b->path, 7100, 2000, a->code, a->prefix);
	bridge_free(b);
}

static void test_timeout(void)
{
	Bridge *b = bridge_new(NULL, 1000);
	gint64 start = g_get_monotonic_time();

	expect_error(b->path, 7100, 200, CKPT_TRANSPORT_ERROR_TIMEOUT, "vmA: vsock port 7100 via ");
	g_assert_cmpint(g_get_monotonic_time() - start, <, 900 * 1000);
	bridge_free(b);
}

static gpointer cancel_soon(gpointer data)
{
	g_usleep(100 * 1000);
	g_cancellable_cancel(data);
	return NULL;
}

static void test_cancel(void)
{
	Bridge *b = bridge_new(NULL, 1000);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	GThread *thread = g_thread_new("cancel", cancel_soon, cancellable);
	g_autoptr(GSocketConnection) conn =
		ckpt_transport_connect_hybrid("vmA", b->path, 7100, 0, cancellable, &error);

	g_assert_null(conn);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_thread_join(thread);
	bridge_free(b);
}

/* The real daemon, no QEMU: it says so, and the library passes it on. */
static void test_daemon_without_guest(void)
{
	const char *daemon = g_getenv("CKPT_VSOCKD");
	g_autofree char *dir = g_dir_make_tmp("transport-test-XXXXXX", NULL);
	g_autofree char *vhost = g_build_filename(dir, "vhost.sock", NULL);
	g_autofree char *uds = g_build_filename(dir, "vsock", NULL);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(daemon);
	proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, daemon, "--guest-cid",
				"3", "--socket", vhost, "--uds", uds, NULL);
	g_assert_no_error(error);
	for (int i = 0; i < 200 && !g_file_test(vhost, G_FILE_TEST_EXISTS); i++)
		g_usleep(10 * 1000);
	expect_error(uds, 7100, 2000, CKPT_TRANSPORT_ERROR_UNREACHABLE,
		     "vmA: ckpt-vsockd has no guest: is the VM running?");
	/* SIGTERM: a clean exit that removes both sockets. */
	g_subprocess_send_signal(proc, SIGTERM);
	g_assert_true(g_subprocess_wait_check(proc, NULL, &error));
	g_assert_false(g_file_test(vhost, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(uds, G_FILE_TEST_EXISTS));
	rmdir(dir);
}

static void test_endpoint(void)
{
	CkptEndpoint ep = {0};
	g_autoptr(GError) error = NULL;
	g_autofree char *s = NULL;

	g_assert_true(ckpt_endpoint_parse("vsock:5", &ep, NULL));
	g_assert_cmpint(ep.kind, ==, CKPT_ENDPOINT_VSOCK);
	g_assert_cmpuint(ep.cid, ==, 5);
	g_assert_true(ckpt_endpoint_parse("hybrid:/run/x.vsock", &ep, NULL));
	g_assert_cmpint(ep.kind, ==, CKPT_ENDPOINT_HYBRID);
	s = ckpt_endpoint_to_string(&ep);
	g_assert_cmpstr(s, ==, "hybrid:/run/x.vsock");
	ckpt_endpoint_clear(&ep);
	g_assert_true(ckpt_endpoint_parse("unix:/run/y", &ep, NULL));
	g_assert_cmpstr(ep.uds_path, ==, "/run/y");
	ckpt_endpoint_clear(&ep);
	g_assert_false(ckpt_endpoint_parse("vsock:2", &ep, &error));
	g_assert_nonnull(strstr(error->message, "from 3"));
	g_clear_error(&error);
	g_assert_false(ckpt_endpoint_parse("tcp:1.2.3.4", &ep, &error));
	g_assert_false(ckpt_endpoint_parse("hybrid:", &ep, NULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/transport/hybrid/ok", test_ok);
	g_test_add_func("/transport/hybrid/missing", test_missing);
	g_test_add_func("/transport/hybrid/stale", test_stale);
	for (guint i = 0; i < G_N_ELEMENTS(answers); i++) {
		g_autofree char *path =
			g_strdup_printf("/transport/hybrid/answer/%s", answers[i].name);

		g_test_add_data_func(path, &answers[i], test_answer);
	}
	g_test_add_func("/transport/hybrid/timeout", test_timeout);
	g_test_add_func("/transport/hybrid/cancel", test_cancel);
	g_test_add_func("/transport/hybrid/daemon-without-guest", test_daemon_without_guest);
	g_test_add_func("/transport/endpoint", test_endpoint);
	return g_test_run();
}
