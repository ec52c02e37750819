// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real ckpt-hostd (--no-libvirt) on a temp dir: the control protocol,
 * the hook against it, managed ckpt-vsockd bridges (started at prepare,
 * restarted when killed, stopped at release, refused when they cannot
 * start), and the push listener storing a pushed image with retention and
 * refusing a bad one.
 */
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "agent-frame.h"
#include "ckpt-store.h"
#include "hostd-client.h"
#include "hostd-test-util.h"

/* A raw request line; returns the reply line. */
static char *raw_call(TestDaemon *d, int *fdp, const char *line)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	g_autoptr(GString) reply = g_string_new(NULL);
	char c;

	if (*fdp < 0) {
		*fdp = socket(AF_UNIX, SOCK_STREAM, 0);
		g_strlcpy(sa.sun_path, d->control, sizeof(sa.sun_path));
		g_assert_cmpint(connect(*fdp, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	}
	g_assert_cmpint(write(*fdp, line, strlen(line)), ==, (gssize)strlen(line));
	while (read(*fdp, &c, 1) == 1 && c != '\n')
		g_string_append_c(reply, c);
	return g_string_free(g_steal_pointer(&reply), FALSE);
}

static void test_control_protocol(void)
{
	TestDaemon *d = test_daemon_start(NULL);
	g_autoptr(JsonObject) pong = test_call(d, "ping", NULL);
	g_autoptr(JsonObject) jobs = test_call(d, "job-list", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) none =
		hostd_client_call(d->control, "frobnicate", NULL, 5000, &error);
	int fd = -1;
	g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL, *r5 = NULL;

	g_assert_nonnull(json_object_get_string_member(pong, "version"));
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(jobs, "jobs")), ==, 0);
	g_assert_null(none);
	g_assert_nonnull(strstr(error->message, "unknown-command"));
	/* Bad requests get their class and the connection stays usable. */
	r1 = raw_call(d, &fd, "this is not json\n");
	g_assert_nonnull(strstr(r1, "\"parse-error\""));
	r2 = raw_call(d, &fd, "[1,2]\n");
	g_assert_nonnull(strstr(r2, "\"invalid-request\""));
	r3 = raw_call(d, &fd, "{\"execute\":\"hook\",\"arguments\":{\"object\":\"vmT\"}}\n");
	g_assert_nonnull(strstr(r3, "\"invalid-argument\""));
	g_assert_nonnull(strstr(r3, "operation"));
	r4 = raw_call(d, &fd,
		      "{\"execute\":\"hook\",\"arguments\":{\"object\":\"vmT\","
		      "\"operation\":\"prepare\",\"sub-operation\":\"begin\","
		      "\"xml\":\"<domain><name>vmT</name>\"}}\n");
	/* unreadable XML: reported, not refused (the domain goes on) */
	g_assert_nonnull(strstr(r4, "\"error\""));
	g_assert_null(strstr(r4, "\"refused\""));
	r5 = raw_call(d, &fd, "{\"execute\":\"ping\"}\n");
	g_assert_nonnull(strstr(r5, "\"return\""));
	close(fd);
	test_daemon_stop(d);
}

static gboolean is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static JsonObject *find_job(TestDaemon *d, const char *type, const char *state)
{
	g_autoptr(JsonObject) ret = test_call(d, "job-list", NULL);
	JsonArray *jobs = json_object_get_array_member(ret, "jobs");

	for (guint i = json_array_get_length(jobs); i-- > 0;) {
		JsonObject *j = json_array_get_object_element(jobs, i);

		if (g_str_equal(json_object_get_string_member(j, "type"), type) &&
		    (!state || g_str_equal(json_object_get_string_member(j, "state"), state)))
			return json_object_ref(j);
	}
	return NULL;
}

static JsonObject *wait_job(TestDaemon *d, const char *type, const char *state, guint ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

	for (;;) {
		JsonObject *j = find_job(d, type, state);

		if (j || g_get_monotonic_time() > deadline)
			return j;
		g_usleep(20000);
	}
}

static char *bridge_xml(TestDaemon *d, const char *managed)
{
	g_autofree char *inner = g_strdup_printf(
		"<ckpt:vsockd uds='%s/sock/vmT.vsock' vhost-user='%s/sock/vmT.vhost' guest-cid='3' "
		"managed='%s'/>"
		"<ckpt:container name='web' snapshot-on-shutdown='yes' keep='2'/>",
		d->dir, d->dir, managed);

	return test_domain_xml("vmT", inner);
}

static void hook(TestDaemon *d, const char *op, const char *sub, const char *xml, HookRun *r)
{
	const char *argv4[4] = {"vmT", op, sub, "-"};

	test_run_hook(d->control, argv4, xml, r);
	g_assert_cmpstr(r->out, ==, "");
	g_assert_cmpint(r->elapsed_ms, <, 1000);
}

static void test_bridge_lifecycle(void)
{
	g_autofree char *vsockd = g_strdup_printf("--vsockd=%s", g_getenv("CKPT_VSOCKD"));
	const char *args[] = {vsockd, NULL};
	TestDaemon *d = test_daemon_start(args);
	g_autofree char *xml = bridge_xml(d, "yes");
	g_autofree char *uds = g_strdup_printf("%s/sock/vmT.vsock", d->dir);
	g_autofree char *vhost = g_strdup_printf("%s/sock/vmT.vhost", d->dir);
	g_autoptr(JsonObject) bridge = NULL;
	g_autoptr(JsonObject) restarted = NULL;
	const char *pid;
	HookRun r = {0};
	gint64 deadline;

	/* prepare begin answers once the sockets exist: QEMU can connect at once. */
	hook(d, "prepare", "begin", xml, &r);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_true(is_socket(uds));
	g_assert_true(is_socket(vhost));
	hook_run_clear(&r);
	bridge = find_job(d, "bridge", "done");
	g_assert_nonnull(bridge);
	pid = json_object_get_string_member(json_object_get_object_member(bridge, "result"), "pid");
	/* The directory it made for the sockets lets QEMU (group kvm) in. */
	{
		g_autofree char *dir = g_path_get_dirname(uds);
		struct group *kvm = getgrnam("kvm");
		struct stat st;

		g_assert_cmpint(stat(dir, &st), ==, 0);
		if (kvm && getuid() == 0) {
			g_assert_cmpuint(st.st_gid, ==, kvm->gr_gid);
			g_assert_cmpuint(st.st_mode & 07777, ==, 02750);
			g_assert_cmpint(stat(vhost, &st), ==, 0);
			g_assert_cmpuint(st.st_gid, ==, kvm->gr_gid);
			g_assert_cmpuint(st.st_mode & 0060, ==, 0060);
		}
	}
	g_assert_nonnull(pid);

	/* Killed while the domain is defined: it comes back. */
	g_assert_cmpint(kill(atoi(pid), SIGKILL), ==, 0);
	restarted = wait_job(d, "bridge-restart", "done", 5000);
	g_assert_nonnull(restarted);
	g_assert_true(is_socket(uds));

	/* release end stops it; its sockets go. */
	hook(d, "release", "end", xml, &r);
	g_assert_cmpint(r.status, ==, 0);
	hook_run_clear(&r);
	deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (is_socket(uds) && g_get_monotonic_time() < deadline)
		g_usleep(20000);
	g_assert_false(is_socket(uds));
	g_assert_false(is_socket(vhost));
	test_daemon_stop(d);
}

/* A daemon restarted while its domain runs leaves the bridge up; the next one adopts it. */
static void test_bridge_adopted(void)
{
	g_autofree char *vsockd = g_strdup_printf("--vsockd=%s", g_getenv("CKPT_VSOCKD"));
	const char *args[] = {vsockd, "--agent-wait=1", NULL};
	TestDaemon *d = test_daemon_start(args);
	g_autofree char *xml = bridge_xml(d, "yes");
	g_autofree char *uds = g_strdup_printf("%s/sock/vmT.vsock", d->dir);
	g_autoptr(JsonObject) bridge = NULL;
	g_autoptr(JsonObject) boot = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) d2 = NULL;
	int pid;
	HookRun r = {0};
	gint64 deadline;

	hook(d, "prepare", "begin", xml, &r);
	hook_run_clear(&r);
	hook(d, "started", "begin", xml, &r);
	hook_run_clear(&r);
	bridge = find_job(d, "bridge", "done");
	pid = atoi(json_object_get_string_member(json_object_get_object_member(bridge, "result"),
						 "pid"));
	/* No agent behind the bridge: the boot job fails after --agent-wait, saying so. */
	boot = wait_job(d, "boot", "failed", 10000);
	g_assert_nonnull(boot);
	g_assert_nonnull(strstr(
		json_object_get_string_member(json_object_get_object_member(boot, "error"), "desc"),
		"did not answer within 1 s"));

	/* The daemon goes while the domain runs: the bridge stays. */
	g_subprocess_send_signal(d->proc, SIGTERM);
	g_subprocess_wait(d->proc, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(kill(pid, 0), ==, 0);
	g_assert_true(is_socket(uds));

	/* The next daemon adopts it, and stops it at release end. */
	d2 = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, g_getenv("CKPT_HOSTD"),
			      "--no-libvirt", "--no-vsock-listen", "--control", d->control,
			      "--store-dir", d->store, vsockd, NULL);
	g_assert_no_error(error);
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (!is_socket(d->control) && g_get_monotonic_time() < deadline)
		g_usleep(10000);
	g_object_unref(d->proc);
	d->proc = g_steal_pointer(&d2);
	hook(d, "prepare", "begin", xml, &r);
	g_assert_cmpint(r.status, ==, 0);
	hook_run_clear(&r);
	g_assert_null(find_job(d, "bridge", NULL)); /* nothing started */
	g_assert_cmpint(kill(pid, 0), ==, 0);
	hook(d, "release", "end", xml, &r);
	hook_run_clear(&r);
	deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (kill(pid, 0) == 0 && g_get_monotonic_time() < deadline)
		g_usleep(20000);
	g_assert_cmpint(kill(pid, 0), <, 0);
	g_assert_false(is_socket(uds));
	test_daemon_stop(d);
}

static void test_bridge_refused(void)
{
	const char *args[] = {"--vsockd=/bin/false", NULL};
	TestDaemon *d = test_daemon_start(args);
	g_autofree char *xml = bridge_xml(d, "yes");
	g_autoptr(JsonObject) failed = NULL;
	HookRun r = {0};

	hook(d, "prepare", "begin", xml, &r);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "ckpt-vsockd exited before creating"));
	hook_run_clear(&r);
	failed = find_job(d, "bridge", "failed");
	g_assert_nonnull(failed);
	test_daemon_stop(d);
}

/* ---- the push listener, with a fake guest agent pushing ---- */

typedef struct {
	gboolean bad_sha;
	gboolean drop_midway;
} PushFault;

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	return fd;
}

static char *read_line_fd(int fd)
{
	g_autoptr(GString) s = g_string_new(NULL);
	char c;

	while (read(fd, &c, 1) == 1 && c != '\n')
		g_string_append_c(s, c);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static void write_all(int fd, const void *p, gsize len)
{
	g_assert_cmpint(write(fd, p, len), ==, (gssize)len);
}

#define FINAL_STATUS "{\"return\":{\"job\":7,\"state\":\"done\"}}\n"

/* Pushes `size` pseudo-random bytes as container web; returns the verdict line. */
static char *push_image(const char *path, gsize size, const PushFault *fault)
{
	static const char req[] = "{\"execute\":\"push\",\"arguments\":{\"container\":\"web\","
				  "\"kernel\":\"6.1.0-test-amd64\",\"reason\":\"shutdown\"}}\n";
	g_autofree guint8 *img = g_malloc(size);
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree char *reply = NULL;
	guint8 hdr[4], tr[AGENT_TRAILER_SIZE];
	AgentTrailer t = {.length = size};
	int fd = connect_unix(path);
	char *verdict;

	for (gsize i = 0; i < size; i++)
		img[i] = (guint8)g_random_int();
	write_all(fd, req, strlen(req));
	reply = read_line_fd(fd);
	g_assert_nonnull(strstr(reply, "\"return\""));
	g_assert_nonnull(strstr(reply, "\"image\":\"web-"));
	for (gsize off = 0; off < size;) {
		gsize n = MIN(size - off, 300000);

		if (fault->drop_midway && off > size / 2) {
			close(fd);
			return NULL;
		}
		agent_frame_header_encode((guint32)n, hdr);
		write_all(fd, hdr, 4);
		write_all(fd, img + off, n);
		off += n;
	}
	g_checksum_update(sum, img, size);
	g_checksum_get_digest(sum, t.sha256, &(gsize){AGENT_SHA256_LEN});
	if (fault->bad_sha)
		t.sha256[7] ^= 0x40;
	agent_frame_header_encode(AGENT_FRAME_END, hdr);
	write_all(fd, hdr, 4);
	agent_trailer_encode(&t, tr);
	write_all(fd, tr, sizeof(tr));
	verdict = read_line_fd(fd);
	/* As the agent: its job's final status after the verdict. */
	agent_frame_header_encode(AGENT_FRAME_STATUS, hdr);
	write_all(fd, hdr, 4);
	write_all(fd, FINAL_STATUS, strlen(FINAL_STATUS));
	close(fd);
	return verdict;
}

static guint store_count(TestDaemon *d)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStore) s = ckpt_store_open(d->store, &error);
	g_autoptr(GPtrArray) list = NULL;

	g_assert_no_error(error);
	list = ckpt_store_list(s, "vmT", "web", &error);
	g_assert_no_error(error);
	return list->len;
}

static void test_push(void)
{
	TestDaemon *d = test_daemon_start(NULL);
	g_autofree char *xml = bridge_xml(d, "no");
	g_autofree char *push_path = g_strdup_printf("%s/sock/vmT.vsock_7101", d->dir);
	g_autoptr(JsonObject) done = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStore) s = NULL;
	g_autoptr(CkptImageMeta) latest = NULL;
	PushFault ok = {0}, bad = {.bad_sha = TRUE}, drop = {.drop_midway = TRUE};
	HookRun r = {0};
	char *v;

	hook(d, "prepare", "begin", xml, &r);
	g_assert_cmpint(r.status, ==, 0);
	hook_run_clear(&r);
	g_assert_true(is_socket(push_path));

	v = push_image(push_path, 1500000, &ok);
	g_assert_cmpstr(v, ==, "OK");
	g_free(v);
	g_assert_cmpuint(store_count(d), ==, 1);
	done = find_job(d, "push", "done");
	g_assert_nonnull(done);
	g_assert_cmpstr(json_object_get_string_member(done, "domain"), ==, "vmT");
	{
		JsonObject *res = json_object_get_object_member(done, "result");
		JsonObject *agent = json_object_get_object_member(res, "agent");

		g_assert_nonnull(agent);
		g_assert_cmpint(json_object_get_int_member(
					json_object_get_object_member(agent, "return"), "job"),
				==, 7);
	}
	s = ckpt_store_open(d->store, &error);
	latest = ckpt_store_latest(s, "vmT", "web", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(latest->reason, ==, "shutdown");
	g_assert_cmpstr(latest->kernel, ==, "6.1.0-test-amd64");
	g_assert_cmpuint(latest->size, ==, 1500000);

	/* A wrong sha256 in the trailer: FAIL, nothing stored. */
	v = push_image(push_path, 200000, &bad);
	g_assert_true(g_str_has_prefix(v, "FAIL "));
	g_assert_nonnull(strstr(v, "sha256"));
	g_free(v);
	g_assert_cmpuint(store_count(d), ==, 1);
	g_assert_nonnull(wait_job(d, "push", "failed", 2000));

	/* A guest that dies mid-push leaves nothing either. */
	g_assert_null(push_image(push_path, 1000000, &drop));
	g_usleep(300000);
	g_assert_cmpuint(store_count(d), ==, 1);

	/* Retention: keep='2', the newest stay. */
	for (int i = 0; i < 3; i++) {
		v = push_image(push_path, 100000 + (gsize)i, &ok);
		g_assert_cmpstr(v, ==, "OK");
		g_free(v);
	}
	g_assert_cmpuint(store_count(d), ==, 2);
	{
		g_autoptr(CkptImageMeta) newest = ckpt_store_latest(s, "vmT", "web", &error);

		g_assert_no_error(error);
		g_assert_cmpuint(newest->size, ==, 100002);
	}

	/* release end takes the listener away. */
	hook(d, "release", "end", xml, &r);
	hook_run_clear(&r);
	g_assert_false(is_socket(push_path));
	test_daemon_stop(d);
}

static void test_push_refusals(void)
{
	TestDaemon *d = test_daemon_start(NULL);
	g_autofree char *xml = bridge_xml(d, "no");
	g_autofree char *push_path = g_strdup_printf("%s/sock/vmT.vsock_7101", d->dir);
	const char *bad[] = {
		"{\"execute\":\"push\",\"arguments\":{\"container\":\"../etc\"}}\n",
		"{\"execute\":\"push\",\"arguments\":{}}\n",
		"{\"execute\":\"push\",\"arguments\":{\"container\":\"web\",\"reason\":\"x\"}}\n",
		"{\"execute\":\"restore\"}\n",
		"garbage\n",
	};
	HookRun r = {0};

	hook(d, "prepare", "begin", xml, &r);
	hook_run_clear(&r);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		int fd = connect_unix(push_path);
		g_autofree char *reply = NULL;

		write_all(fd, bad[i], strlen(bad[i]));
		reply = read_line_fd(fd);
		g_test_message("%s -> %s", bad[i], reply);
		g_assert_nonnull(strstr(reply, "\"error\""));
		close(fd);
	}
	g_assert_cmpuint(store_count(d), ==, 0);
	test_daemon_stop(d);
}

/* A second daemon on the same control socket refuses to start. */
static void test_single_instance(void)
{
	TestDaemon *d = test_daemon_start(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *err = NULL;
	g_autoptr(GSubprocess) p = g_subprocess_new(
		G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, g_getenv("CKPT_HOSTD"), "--no-libvirt",
		"--no-vsock-listen", "--control", d->control, "--store-dir", d->store, NULL);

	g_assert_no_error(error);
	g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 1);
	g_assert_nonnull(strstr(err, "another ckpt-hostd answers there"));
	test_daemon_stop(d);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hostd/control-protocol", test_control_protocol);
	g_test_add_func("/hostd/single-instance", test_single_instance);
	g_test_add_func("/hostd/bridge-lifecycle", test_bridge_lifecycle);
	g_test_add_func("/hostd/bridge-adopted", test_bridge_adopted);
	g_test_add_func("/hostd/bridge-refused", test_bridge_refused);
	g_test_add_func("/hostd/push", test_push);
	g_test_add_func("/hostd/push-refusals", test_push_refusals);
	return g_test_run();
}
