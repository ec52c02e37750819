// SPDX-License-Identifier: GPL-2.0-only
/*
 * A domain's boot as ckpt-hostd handles it, against the real ckpt-agent (unix
 * mode, fake cgroups, no module) behind a fake hybrid-vsock bridge: the
 * daemon waits for the agent, tells it the shutdown policy (the agent
 * accepts it), and tries the restore of the marked container from the
 * store, which fails cleanly without the module: the job says why and the
 * image stays in the store.
 */
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "ckpt-store.h"
#include "hostd-client.h"
#include "hostd-test-util.h"

typedef struct {
	char *uds, *agent_sock;
	int listen_fd;
} Bridge;

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Copies both ways until both sides ended, passing half-closes on. */
static void proxy(int a, int b)
{
	gboolean a_open = TRUE, b_open = TRUE;
	char buf[65536];

	while (a_open || b_open) {
		struct pollfd p[2] = {{.fd = a_open ? a : -1, .events = POLLIN},
				      {.fd = b_open ? b : -1, .events = POLLIN}};

		if (poll(p, 2, -1) < 0)
			break;
		for (int i = 0; i < 2; i++) {
			int from = i ? b : a, to = i ? a : b;
			gboolean *open_ = i ? &b_open : &a_open;
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(from, buf, sizeof(buf));
			if (n <= 0) {
				*open_ = FALSE;
				shutdown(to, SHUT_WR);
				continue;
			}
			if (write(to, buf, (size_t)n) != n) {
				a_open = b_open = FALSE;
				break;
			}
		}
	}
	close(a);
	close(b);
}

typedef struct {
	Bridge *bridge;
	int fd;
} BridgeConn;

/* "CONNECT <port>\n" -> "OK <port>\n", then the agent's unix socket. */
static gpointer bridge_conn(gpointer data)
{
	BridgeConn *c = data;
	char line[64] = {0};
	int agent;

	for (gsize i = 0; i < sizeof(line) - 1; i++) {
		if (read(c->fd, line + i, 1) != 1 || line[i] == '\n')
			break;
	}
	g_assert_true(g_str_has_prefix(line, "CONNECT 7100"));
	agent = unix_connect(c->bridge->agent_sock);
	if (agent < 0) {
		g_assert_cmpint(write(c->fd, "ERR refused: no agent\n", 22), ==, 22);
		close(c->fd);
	} else {
		g_assert_cmpint(write(c->fd, "OK 1024\n", 8), ==, 8);
		proxy(c->fd, agent);
	}
	g_free(c);
	return NULL;
}

static gpointer bridge_serve(gpointer data)
{
	Bridge *b = data;

	for (;;) {
		int fd = accept(b->listen_fd, NULL, NULL);
		BridgeConn *c;

		if (fd < 0)
			return NULL;
		c = g_new0(BridgeConn, 1);
		c->bridge = b;
		c->fd = fd;
		g_thread_unref(g_thread_new("bridge-conn", bridge_conn, c));
	}
}

static void bridge_start(Bridge *b)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	b->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_strlcpy(sa.sun_path, b->uds, sizeof(sa.sun_path));
	g_assert_cmpint(bind(b->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(b->listen_fd, 16), ==, 0);
	g_thread_unref(g_thread_new("bridge", bridge_serve, b));
}

static void die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *start_agent(const char *dir, const char *sock)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GError) error = NULL;
	g_autofree char *unix_arg = g_strdup_printf("--unix=%s", sock);
	g_autofree char *images = g_strdup_printf("--image-dir=%s/agent-images", dir);
	g_autofree char *run = g_strdup_printf("--run-dir=%s/run", dir);
	g_autofree char *cg = g_strdup_printf("--cgroup-dir=%s/cgroup/ckpt", dir);
	g_autofree char *dev = g_strdup_printf("--device=%s/no-ckpt-device", dir);
	g_autofree char *state = g_strdup_printf("--state-dir=%s/state", dir);
	g_autofree char *cgroot = g_strdup_printf("%s/cgroup", dir);
	GSubprocess *p;

	g_assert_cmpint(g_mkdir_with_parents(cgroot, 0755), ==, 0);
	g_subprocess_launcher_set_child_setup(l, die_with_parent, NULL, NULL);
	p = g_subprocess_launcher_spawn(l, &error, g_getenv("CKPT_AGENT"), "--vsock-port=0",
					unix_arg, images, run, cg, dev, state, "--fake-cgroup",
					NULL);
	g_assert_no_error(error);
	return p;
}

/* An image of vmT/web in the daemon's store (its content does not matter: no module). */
static char *store_image(const char *store_dir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStore) s = ckpt_store_open(store_dir, &error);
	g_autoptr(CkptStoreWriter) w = NULL;
	g_autoptr(CkptImageMeta) m = NULL;
	guint8 bytes[4096];

	g_assert_no_error(error);
	w = ckpt_store_writer_new(s, "vmT", "web", "6.1.0-test", "none", "shutdown", &error);
	g_assert_no_error(error);
	memset(bytes, 0x5a, sizeof(bytes));
	g_assert_true(g_output_stream_write_all(ckpt_store_writer_stream(w), bytes, sizeof(bytes),
						NULL, NULL, &error));
	g_assert_true(g_output_stream_close(ckpt_store_writer_stream(w), NULL, &error));
	m = ckpt_store_writer_commit(w, NULL, sizeof(bytes), &error);
	g_assert_no_error(error);
	return g_strdup(m->id);
}

static JsonObject *wait_job(TestDaemon *d, const char *type, guint ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(JsonObject) ret = test_call(d, "job-list", NULL);
		JsonArray *jobs = json_object_get_array_member(ret, "jobs");

		for (guint i = 0; i < json_array_get_length(jobs); i++) {
			JsonObject *j = json_array_get_object_element(jobs, i);

			if (g_str_equal(json_object_get_string_member(j, "type"), type) &&
			    !g_str_equal(json_object_get_string_member(j, "state"), "running"))
				return json_object_ref(j);
		}
		g_usleep(50000);
	}
	return NULL;
}

/* Jobs of that type; with wait, once none of them runs any more (bounded). */
static guint count_jobs(TestDaemon *d, const char *type, gboolean wait)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	for (;;) {
		g_autoptr(JsonObject) ret = test_call(d, "job-list", NULL);
		JsonArray *jobs = json_object_get_array_member(ret, "jobs");
		guint n = 0, running = 0;

		for (guint i = 0; i < json_array_get_length(jobs); i++) {
			JsonObject *j = json_array_get_object_element(jobs, i);

			if (!g_str_equal(json_object_get_string_member(j, "type"), type))
				continue;
			n++;
			running +=
				g_str_equal(json_object_get_string_member(j, "state"), "running");
		}
		if (!wait || (!running && n > 1) || g_get_monotonic_time() > deadline)
			return n;
		g_usleep(50000);
	}
}

static void test_boot(void)
{
	const char *args[] = {"--agent-wait=30", NULL};
	TestDaemon *d = test_daemon_start(args);
	Bridge b = {0};
	g_autofree char *agent_sock = g_strdup_printf("%s/agent.sock", d->dir);
	g_autofree char *inner = NULL;
	g_autofree char *xml = NULL;
	g_autofree char *image = store_image(d->store);
	g_autoptr(JsonObject) boot = NULL;
	g_autoptr(JsonObject) restore = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStore) s = NULL;
	g_autoptr(CkptImageMeta) still = NULL;
	GSubprocess *agent;
	JsonObject *policy, *err;
	HookRun r = {0};
	const char *started[4] = {"vmT", "started", "begin", "-"};
	const char *prepare[4] = {"vmT", "prepare", "begin", "-"};

	b.uds = g_strdup_printf("%s/vmT.vsock", d->dir);
	b.agent_sock = agent_sock;
	bridge_start(&b);
	inner = g_strdup_printf("<ckpt:vsockd uds='%s' managed='no'/>"
				"<ckpt:container name='web' snapshot-on-shutdown='yes' "
				"restore-on-start='yes'/>"
				"<ckpt:container name='db' restore-on-start='yes'/>",
				b.uds);
	xml = test_domain_xml("vmT", inner);

	test_run_hook(d->control, prepare, xml, &r);
	g_assert_cmpint(r.status, ==, 0);
	hook_run_clear(&r);
	test_run_hook(d->control, started, xml, &r);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_cmpint(r.elapsed_ms, <, 1000);
	hook_run_clear(&r);
	/* The agent comes up after the domain "started": the daemon waits for it. */
	g_usleep(1500000);
	agent = start_agent(d->dir, agent_sock);

	boot = wait_job(d, "boot", 30000);
	g_assert_nonnull(boot);
	g_assert_cmpstr(json_object_get_string_member(boot, "state"), ==, "done");
	policy = json_object_get_object_member(json_object_get_object_member(boot, "result"),
					       "policy");
	g_assert_nonnull(policy); /* the agent accepted shutdown-policy */
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(policy, "containers")),
			 ==, 1);
	g_assert_cmpstr(json_array_get_string_element(
				json_object_get_array_member(policy, "containers"), 0),
			==, "web");
	g_assert_cmpint(json_object_get_int_member(policy, "port"), ==, 7101);
	g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(boot, "result"),
						   "attempts"),
			>, 1);

	/* web: restored from the store, which needs the module: a clean failure. */
	restore = wait_job(d, "restore", 30000);
	g_assert_nonnull(restore);
	{
		g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), restore);
		g_autofree char *text = json_to_string(node, FALSE);

		g_test_message("restore job: %s", text);
	}
	g_assert_cmpstr(json_object_get_string_member(restore, "container"), ==, "web");
	g_assert_cmpstr(json_object_get_string_member(restore, "state"), ==, "failed");
	err = json_object_get_object_member(restore, "error");
	g_assert_cmpstr(json_object_get_string_member(err, "class"), ==, "no-module");
	/* The image is not touched by a failed restore. */
	s = ckpt_store_open(d->store, &error);
	still = ckpt_store_lookup(s, image, &error);
	g_assert_no_error(error);

	/*
	 * A domain coming back from a save file (virsh restore) or a migration
	 * has its containers in its memory: no restore at its started step.
	 */
	{
		const char *ops[][4] = {{"vmT", "stopped", "end", "-"},
					{"vmT", "release", "end", "-"},
					{"vmT", "restore", "begin", "-"},
					{"vmT", "prepare", "begin", "-"},
					{"vmT", "started", "begin", "-"}};

		for (guint i = 0; i < G_N_ELEMENTS(ops); i++) {
			test_run_hook(d->control, ops[i], xml, &r);
			g_assert_cmpint(r.status, ==, 0);
			g_assert_cmpstr(r.out, ==, "");
			hook_run_clear(&r);
		}
		g_assert_cmpuint(count_jobs(d, "boot", TRUE), ==, 2);
		g_assert_cmpuint(count_jobs(d, "restore", FALSE), ==, 2); /* web and db, before */
	}

	g_subprocess_send_signal(agent, SIGTERM);
	g_subprocess_wait(agent, NULL, NULL);
	g_object_unref(agent);
	test_daemon_stop(d);
	close(b.listen_fd);
	g_free(b.uds);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hostd/boot", test_boot);
	return g_test_run();
}
