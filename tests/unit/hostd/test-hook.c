// SPDX-License-Identifier: GPL-2.0-only
/*
 * The libvirt hook on its own, against fake daemons: whatever the daemon
 * does (absent, silent, garbage, refusing), the hook prints nothing on
 * stdout, returns within a second, and fails only on "refused".
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "hostd-test-util.h"

#define HOOK_LIMIT_MS 1000

typedef enum { FAKE_SILENT, FAKE_GARBAGE, FAKE_OK, FAKE_REFUSE, FAKE_CLOSE } FakeMode;

typedef struct {
	char *dir, *path;
	int fd;
	FakeMode mode;
	GThread *thread;
	char *request; /* the line it received */
} FakeDaemon;

static gpointer fake_serve(gpointer data)
{
	FakeDaemon *f = data;
	g_autoptr(GString) line = g_string_new(NULL);
	int c = accept(f->fd, NULL, NULL);
	char buf[65536];
	const char *answer = NULL;

	g_assert_cmpint(c, >=, 0);
	while (!strchr(line->str, '\n')) {
		ssize_t n = read(c, buf, sizeof(buf));

		if (n <= 0)
			break;
		g_string_append_len(line, buf, n);
	}
	f->request = g_strdup(line->str);
	switch (f->mode) {
	case FAKE_SILENT:
		g_usleep(3 * G_USEC_PER_SEC); /* the hook must not wait for this */
		break;
	case FAKE_GARBAGE:
		answer = "\x01\x02 this is not json\n";
		break;
	case FAKE_OK:
		answer = "{\"return\":{}}\n";
		break;
	case FAKE_REFUSE:
		answer = "{\"error\":{\"class\":\"refused\",\"desc\":\"domain vmT: ckpt-vsockd "
			 "exited before creating its sockets\"}}\n";
		break;
	case FAKE_CLOSE:
		break;
	}
	if (answer)
		g_assert_cmpint(write(c, answer, strlen(answer)), ==, (gssize)strlen(answer));
	close(c);
	return NULL;
}

static FakeDaemon *fake_new(FakeMode mode)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	g_autoptr(GError) error = NULL;
	FakeDaemon *f = g_new0(FakeDaemon, 1);

	f->dir = g_dir_make_tmp("hook-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "control.sock", NULL);
	f->mode = mode;
	f->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	g_strlcpy(sa.sun_path, f->path, sizeof(sa.sun_path));
	g_assert_cmpint(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(f->fd, 4), ==, 0);
	f->thread = g_thread_new("fake-hostd", fake_serve, f);
	return f;
}

static void fake_free(FakeDaemon *f)
{
	if (f->thread)
		g_thread_join(f->thread);
	close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	g_free(f->request);
	g_free(f->path);
	g_free(f->dir);
	g_free(f);
}

/* Joins the fake and checks what it received. */
static void check_request(const char *line, const char *const *argv4, const char *xml);

static void fake_free_check(FakeDaemon *f, const char *const *argv4, const char *xml)
{
	g_thread_join(f->thread);
	f->thread = NULL;
	g_assert_nonnull(f->request);
	check_request(f->request, argv4, xml);
	fake_free(f);
}

static const char *const PREPARE[] = {"vmT", "prepare", "begin", "-"};

static void assert_quiet_and_quick(const HookRun *r)
{
	g_assert_cmpstr(r->out, ==, "");
	g_assert_cmpint(r->elapsed_ms, <, HOOK_LIMIT_MS);
}

static void test_daemon_absent(void)
{
	g_autofree char *xml = test_domain_xml("vmT", NULL);
	HookRun r = {0};

	test_run_hook("/nonexistent/ckpt-hostd/control.sock", PREPARE, xml, &r);
	assert_quiet_and_quick(&r);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.err, "ckpt-hostd is not reachable"));
	g_assert_nonnull(strstr(r.err, "vmT prepare begin"));
	hook_run_clear(&r);
}

static void test_daemon_silent(void)
{
	g_autofree char *xml = test_domain_xml("vmT", NULL);
	FakeDaemon *f = fake_new(FAKE_SILENT);
	HookRun r = {0};

	test_run_hook(f->path, PREPARE, xml, &r);
	assert_quiet_and_quick(&r);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.err, "no answer from ckpt-hostd"));
	hook_run_clear(&r);
	fake_free(f);
}

static void test_daemon_garbage(void)
{
	g_autofree char *xml = test_domain_xml("vmT", NULL);
	FakeDaemon *f = fake_new(FAKE_GARBAGE);
	HookRun r = {0};

	test_run_hook(f->path, PREPARE, xml, &r);
	assert_quiet_and_quick(&r);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.err, "garbage"));
	hook_run_clear(&r);
	fake_free(f);
}

static void test_daemon_closes(void)
{
	g_autofree char *xml = test_domain_xml("vmT", NULL);
	FakeDaemon *f = fake_new(FAKE_CLOSE);
	HookRun r = {0};

	test_run_hook(f->path, PREPARE, xml, &r);
	assert_quiet_and_quick(&r);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.err, "without an answer"));
	hook_run_clear(&r);
	fake_free(f);
}

static void test_refused(void)
{
	g_autofree char *xml = test_domain_xml("vmT", NULL);
	FakeDaemon *f = fake_new(FAKE_REFUSE);
	HookRun r = {0};

	test_run_hook(f->path, PREPARE, xml, &r);
	assert_quiet_and_quick(&r);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "ckpt-vsockd exited before creating its sockets"));
	hook_run_clear(&r);
	fake_free(f);
}

/* The event reaches the daemon whole: arguments and the XML byte for byte. */
static void check_request(const char *line, const char *const *argv4, const char *xml)
{
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *req, *args;

	g_assert_true(json_parser_load_from_data(p, line, -1, NULL));
	req = json_node_get_object(json_parser_get_root(p));
	g_assert_cmpstr(json_object_get_string_member(req, "execute"), ==, "hook");
	args = json_object_get_object_member(req, "arguments");
	g_assert_cmpstr(json_object_get_string_member(args, "object"), ==, argv4[0]);
	g_assert_cmpstr(json_object_get_string_member(args, "operation"), ==, argv4[1]);
	g_assert_cmpstr(json_object_get_string_member(args, "sub-operation"), ==, argv4[2]);
	g_assert_cmpstr(json_object_get_string_member(args, "extra"), ==, argv4[3]);
	g_assert_cmpstr(json_object_get_string_member(args, "xml"), ==, xml);
}

/*
 * migrate and restore: libvirt replaces the domain XML with the hook's
 * stdout unless it is empty. Empty stdout, status 0: the XML is unchanged.
 */
static void test_migrate_restore_unchanged(void)
{
	const char *const ops[][4] = {
		{"vmT", "migrate", "begin", "-"},
		{"vmT", "restore", "begin", "-"},
	};
	g_autofree char *xml = test_domain_xml(
		"vmT", "<ckpt:container name='web' restore-on-start='yes'/>\n<!-- é ü -->");

	for (guint i = 0; i < G_N_ELEMENTS(ops); i++) {
		FakeDaemon *f = fake_new(FAKE_OK);
		HookRun r = {0};

		test_run_hook(f->path, ops[i], xml, &r);
		assert_quiet_and_quick(&r);
		g_assert_cmpint(r.status, ==, 0);
		g_assert_cmpstr(r.err, ==, "");
		fake_free_check(f, ops[i], xml);
		hook_run_clear(&r);
	}
}

/* libvirt never closing stdin must not hold the hook past its deadline. */
static void test_stdin_stuck(void)
{
	FakeDaemon *f = fake_new(FAKE_CLOSE);
	HookRun r = {0};

	test_run_hook(f->path, PREPARE, NULL, &r);
	assert_quiet_and_quick(&r);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.err, "not closed within"));
	hook_run_clear(&r);
	/* the fake never got a connection: unblock its accept */
	{
		HookRun r2 = {0};
		g_autofree char *xml = test_domain_xml("vmT", NULL);

		test_run_hook(f->path, PREPARE, xml, &r2);
		hook_run_clear(&r2);
	}
	fake_free(f);
}

static void test_bad_usage(void)
{
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;

	p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				     G_SUBPROCESS_FLAGS_STDERR_PIPE,
			     &error, g_getenv("CKPT_LIBVIRT_HOOK"), "vmT", NULL);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(p, "", NULL, &out, &err, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
	g_assert_cmpstr(out, ==, "");
	g_assert_nonnull(strstr(err, "usage"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hook/daemon-absent", test_daemon_absent);
	g_test_add_func("/hook/daemon-silent", test_daemon_silent);
	g_test_add_func("/hook/daemon-garbage", test_daemon_garbage);
	g_test_add_func("/hook/daemon-closes", test_daemon_closes);
	g_test_add_func("/hook/refused", test_refused);
	g_test_add_func("/hook/migrate-restore-unchanged", test_migrate_restore_unchanged);
	g_test_add_func("/hook/stdin-stuck", test_stdin_stuck);
	g_test_add_func("/hook/bad-usage", test_bad_usage);
	return g_test_run();
}
