// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-agent in unix-socket mode, as a separate process, on fake cgroup
 * trees and without the module: every command's happy path that needs no
 * module, the error class of those that do, busy and cancel on a job that
 * blocks, junk of every kind while other clients go on being served, and
 * 64 clients at once. The agent binary comes from CKPT_AGENT, the host
 * build of ckpt-agent-client from CKPT_AGENT_CLIENT.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent-commands.h"
#include "agent-conn.h"
#include "agent-error.h"
#include "ckpt-guest.h"
#include "fake-cgroup.h"

#define MIB (1024 * 1024)

typedef struct {
	char *tmp;
	char *sock;
	char *run;
	char *cg;
	char *store;
	char *dev;
	char *state;
	char *host; /* the fake host's socket prefix (--push-unix) */
	GSubprocess *agent;
	GSubprocess *sleeper; /* a real task for the fake containers */
} Fixture;

static const char *agent_path;
static const char *client_path;

/* --- the agent ---------------------------------------------------------- */

static int raw_connect(Fixture *f)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	strcpy(addr.sun_path, f->sock);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static AgentConn *conn(Fixture *f)
{
	int fd = raw_connect(f);

	g_assert_cmpint(fd, >=, 0);
	return agent_conn_new(fd, f->sock, 10000);
}

static void die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void start_agent(Fixture *f, const char *extra)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	int fd;

	g_ptr_array_add(argv, g_strdup(agent_path));
	g_ptr_array_add(argv, g_strdup("--vsock-port=0"));
	g_ptr_array_add(argv, g_strdup_printf("--unix=%s", f->sock));
	g_ptr_array_add(argv, g_strdup_printf("--image-dir=%s", f->store));
	g_ptr_array_add(argv, g_strdup_printf("--run-dir=%s", f->run));
	g_ptr_array_add(argv, g_strdup_printf("--cgroup-dir=%s", f->cg));
	g_ptr_array_add(argv, g_strdup_printf("--device=%s", f->dev));
	g_ptr_array_add(argv, g_strdup("--fake-cgroup"));
	g_ptr_array_add(argv, g_strdup("--stream-timeout-ms=3000"));
	g_ptr_array_add(argv, g_strdup_printf("--state-dir=%s", f->state));
	g_ptr_array_add(argv, g_strdup_printf("--push-unix=%s", f->host));
	if (extra)
		g_ptr_array_add(argv, g_strdup(extra));
	g_ptr_array_add(argv, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	/* A test that dies must not leave its agent behind. */
	g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
	f->agent = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
	g_assert_no_error(error);
	while ((fd = raw_connect(f)) < 0) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(20000);
	}
	close(fd);
}

static void setup(Fixture *f, gconstpointer data)
{
	g_autofree char *cgroot = NULL;
	g_autoptr(GError) error = NULL;

	f->tmp = g_dir_make_tmp("ckpt-agent-XXXXXX", NULL);
	f->sock = g_build_filename(f->tmp, "agent.sock", NULL);
	f->run = g_build_filename(f->tmp, "run", NULL);
	cgroot = g_build_filename(f->tmp, "cgroup", NULL);
	g_assert_cmpint(g_mkdir_with_parents(cgroot, 0755), ==, 0);
	f->cg = g_build_filename(cgroot, "ckpt", NULL);
	f->store = g_build_filename(f->tmp, "images", NULL);
	f->dev = g_build_filename(f->tmp, "no-ckpt-device", NULL);
	f->state = g_build_filename(f->tmp, "state", NULL);
	f->host = g_build_filename(f->tmp, "host", NULL);
	f->sleeper = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "1000", NULL);
	g_assert_no_error(error);
	start_agent(f, data);
}

static void stop_agent(Fixture *f)
{
	g_autoptr(GError) error = NULL;

	/* A clean exit on SIGTERM, with clients and jobs around, is part of the test. */
	g_subprocess_send_signal(f->agent, SIGTERM);
	g_subprocess_wait(f->agent, NULL, &error);
	g_assert_no_error(error);
	if (!g_subprocess_get_if_exited(f->agent))
		g_error("the agent did not exit on SIGTERM: killed by signal %d",
			g_subprocess_get_term_sig(f->agent));
	g_assert_cmpint(g_subprocess_get_exit_status(f->agent), ==, 0);
	g_clear_object(&f->agent);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->tmp);

	if (f->agent)
		stop_agent(f);
	g_subprocess_force_exit(f->sleeper);
	g_subprocess_wait(f->sleeper, NULL, NULL);
	g_clear_object(&f->sleeper);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->sock);
	g_free(f->run);
	g_free(f->cg);
	g_free(f->store);
	g_free(f->dev);
	g_free(f->state);
	g_free(f->host);
	g_free(f->tmp);
}

/* A fake running container NAME whose one task is the sleeper. */
static char *fake_container(Fixture *f, const char *name)
{
	char *dir = g_build_filename(f->cg, name, NULL);
	pid_t pid = (pid_t)atoi(g_subprocess_get_identifier(f->sleeper));

	fake_cgroup_make(dir, TRUE, FALSE, FALSE, &pid, 1);
	return dir;
}

/* --- calls -------------------------------------------------------------- */

static JsonObject *args_of(const char *json)
{
	g_autoptr(JsonNode) node = NULL;

	if (!json)
		return NULL;
	node = json_from_string(json, NULL);
	g_assert_nonnull(node);
	return json_object_ref(json_node_get_object(node));
}

static JsonObject *call_ok(AgentConn *c, const char *execute, const char *args)
{
	g_autoptr(JsonObject) a = args_of(args);
	g_autoptr(GError) error = NULL;
	JsonObject *ret = agent_conn_call(c, execute, a, &error);

	if (!ret)
		g_error("%s %s: %s", execute, args ? args : "", error->message);
	return ret;
}

static void call_fails(AgentConn *c, const char *execute, const char *args, AgentErrorClass klass,
		       const char *text)
{
	g_autoptr(JsonObject) a = args_of(args);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) ret = agent_conn_call(c, execute, a, &error);

	if (ret)
		g_error("%s %s: succeeded, expected %s", execute, args ? args : "",
			agent_error_class_name(klass));
	if (!g_error_matches(error, AGENT_ERROR, klass))
		g_error("%s %s: class %s (%s), expected %s", execute, args ? args : "",
			agent_error_class_name(agent_error_class_of(error)), error->message,
			agent_error_class_name(klass));
	if (text && !strstr(error->message, text))
		g_error("%s %s: '%s' lacks '%s'", execute, args ? args : "", error->message, text);
}

static void ping(Fixture *f)
{
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) ret = call_ok(c, "ping", NULL);

	g_assert_cmpuint(json_object_get_size(ret), ==, 0);
}

/* --- raw I/O for junk --------------------------------------------------- */

static void raw_send(int fd, const void *data, gsize len)
{
	const guint8 *p = data;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		g_assert_cmpint(n, >, 0);
		p += n;
		len -= (gsize)n;
	}
}

/* The next line (without '\n'), or NULL at EOF; fails after 10 s. */
static char *raw_line(int fd)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char ch;
		ssize_t n;

		g_assert_cmpint(poll(&p, 1, 10000), ==, 1);
		n = recv(fd, &ch, 1, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return s->len ? g_string_free(g_steal_pointer(&s), FALSE) : NULL;
		g_assert_cmpint(n, ==, 1);
		if (ch == '\n')
			return g_string_free(g_steal_pointer(&s), FALSE);
		g_string_append_c(s, ch);
	}
}

static void raw_expect_error(int fd, const char *klass)
{
	g_autofree char *line = raw_line(fd);
	g_autofree char *want = g_strdup_printf("\"class\":\"%s\"", klass);

	g_assert_nonnull(line);
	if (!strstr(line, want))
		g_error("expected %s, got %s", klass, line);
}

static void raw_expect_eof(int fd)
{
	g_autofree char *line = raw_line(fd);

	if (line)
		g_error("expected the agent to close, got %s", line);
}

/* --- tests -------------------------------------------------------------- */

static void test_ping_info(Fixture *f, gconstpointer data)
{
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) info = call_ok(c, "info", NULL);
	JsonObject *module = json_object_get_object_member(info, "module");
	JsonArray *cmds = json_object_get_array_member(info, "commands");
	const AgentCommand *table;
	guint n;

	ping(f);
	g_assert_cmpint(json_object_get_int_member(info, "protocol"), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(info, "version"), ==, CKPT_VERSION);
	g_assert_false(json_object_get_boolean_member(module, "loaded"));
	g_assert_nonnull(strstr(json_object_get_string_member(module, "error"), f->dev));
	table = agent_commands_get_all(&n);
	g_assert_cmpuint(json_array_get_length(cmds), ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpstr(json_array_get_string_element(cmds, i), ==, table[i].name);
	g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(info, "limits"),
						   "max-line"),
			==, MIB);
	g_assert_true(json_object_get_null_member(info, "vsock-port"));
	g_assert_cmpstr(json_object_get_string_member(info, "image-dir"), ==, f->store);
}

static void test_sync(Fixture *f, gconstpointer data)
{
	int fd = raw_connect(f);
	const char req[] = "{\"execute\":\"ping\",\"id\":1}\n{\"execute\":\"half a req"
			   "\xff{\"execute\":\"sync\",\"arguments\":{\"id\":4242}}\n";
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;

	raw_send(fd, req, sizeof(req) - 1);
	/* The ping's reply, then the delimiter, then sync's; the half request vanished. */
	first = raw_line(fd);
	g_assert_cmpstr(first, ==, "{\"return\":{},\"id\":1}");
	second = raw_line(fd);
	g_assert_cmpstr(second, ==, "\xff{\"return\":{\"id\":4242}}");
	close(fd);
}

static void test_ids(Fixture *f, gconstpointer data)
{
	int fd = raw_connect(f);
	const char *ids[] = {"\"abc\"", "7", "-1.5", "null", "true"};

	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		g_autofree char *req =
			g_strdup_printf("{\"execute\":\"ping\",\"id\":%s}\n", ids[i]);
		g_autofree char *want = g_strdup_printf("{\"return\":{},\"id\":%s}", ids[i]);
		g_autofree char *line = NULL;

		raw_send(fd, req, strlen(req));
		line = raw_line(fd);
		g_assert_cmpstr(line, ==, want);
	}
	/* No id, no "id" in the reply. */
	raw_send(fd, "{\"execute\":\"ping\"}\n", 19);
	{
		g_autofree char *line = raw_line(fd);

		g_assert_cmpstr(line, ==, "{\"return\":{}}");
	}
	close(fd);
}

/* Errors that keep the connection: the next request on it is served. */
static void test_junk_kept(Fixture *f, gconstpointer data)
{
	int fd = raw_connect(f);
	const struct {
		const char *line;
		const char *klass;
	} junk[] = {
		{"this is not json", "parse-error"},
		{"{\"execute\":\"ping\"", "parse-error"},
		{"[\"execute\",\"ping\"]", "invalid-request"},
		{"{\"arguments\":{}}", "invalid-request"},
		{"{\"execute\":\"ping\",\"id\":[1]}", "invalid-request"},
		{"{\"execute\":\"no-such-command\"}", "unknown-command"},
		{"{\"execute\":\"job-status\"}", "invalid-argument"},
		{"{\"execute\":\"job-status\",\"arguments\":{\"job\":\"one\"}}",
		 "invalid-argument"},
		{"{\"execute\":\"ping\",\"arguments\":{\"x\":1}}", "invalid-argument"},
		{"{\"execute\":\"container-run\",\"arguments\":{\"container\":\"a\",\"command\":[]}"
		 "}",
		 "invalid-argument"},
		{"{\"execute\":\"container-run\",\"arguments\":{\"container\":\"../"
		 "etc\",\"command\":["
		 "\"sh\"]}}",
		 "invalid-argument"},
	};
	g_autoptr(GString) deep = g_string_new("{\"execute\":\"ping\",\"arguments\":");

	for (guint i = 0; i < G_N_ELEMENTS(junk); i++) {
		raw_send(fd, junk[i].line, strlen(junk[i].line));
		raw_send(fd, "\n", 1);
		raw_expect_error(fd, junk[i].klass);
	}
	for (int i = 0; i < 200000; i++)
		g_string_append_c(deep, '[');
	g_string_append_c(deep, '\n');
	raw_send(fd, deep->str, deep->len);
	raw_expect_error(fd, "parse-error");
	/* Blank lines are no requests. */
	raw_send(fd, "\n  \n{\"execute\":\"ping\",\"id\":9}\n", 30);
	{
		g_autofree char *line = raw_line(fd);

		g_assert_cmpstr(line, ==, "{\"return\":{},\"id\":9}");
	}
	close(fd);
}

static void test_oversize(Fixture *f, gconstpointer data)
{
	int fd = raw_connect(f);
	g_autofree char *big = g_malloc(MIB + 100);

	memset(big, 'x', MIB + 100);
	raw_send(fd, "{\"execute\":\"", 12);
	/* The agent may close before it read it all; that is the point. */
	for (gsize off = 0; off < MIB + 100;) {
		ssize_t n = send(fd, big + off, MIB + 100 - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (gsize)n;
	}
	raw_expect_error(fd, "invalid-request");
	raw_expect_eof(fd);
	close(fd);
	ping(f);
}

static void test_garbage(Fixture *f, gconstpointer data)
{
	int fd = raw_connect(f);
	const guint8 garbage[] = {0x00, 0x01, 0x80, 0xfe, 0xc3, 0x28, 0x7f, '\n', 'p', '\n'};

	raw_send(fd, garbage, sizeof(garbage));
	raw_expect_error(fd, "parse-error");
	/* Not text: the agent stops listening to this peer. */
	raw_expect_eof(fd);
	close(fd);
	ping(f);
}

static void test_disconnects(Fixture *f, gconstpointer data)
{
	for (int i = 0; i < 20; i++) {
		int fd = raw_connect(f);

		/* Half a request, or a whole one whose reply nobody reads. */
		if (i % 2)
			raw_send(fd, "{\"execute\":\"in", 14);
		else
			raw_send(fd, "{\"execute\":\"info\"}\n{\"execute\":\"info\"}\n", 38);
		close(fd);
	}
	ping(f);
}

static void test_pipelined(Fixture *f, gconstpointer data)
{
	int fd = raw_connect(f);
	const char reqs[] = "{\"execute\":\"ping\",\"id\":1}\n{\"execute\":\"job-list\",\"id\":2}\n"
			    "{\"execute\":\"bogus\",\"id\":3}\n{\"execute\":\"ping\",\"id\":4}\n";

	raw_send(fd, reqs, sizeof(reqs) - 1);
	for (int i = 1; i <= 4; i++) {
		g_autofree char *line = raw_line(fd);
		g_autofree char *tail = g_strdup_printf(",\"id\":%d}", i);

		g_assert_nonnull(line);
		g_assert_true(g_str_has_suffix(line, tail));
	}
	/* The peer's half-close still gets the reply to what it sent. */
	raw_send(fd, "{\"execute\":\"ping\",\"id\":5}\n", 26);
	shutdown(fd, SHUT_WR);
	{
		g_autofree char *line = raw_line(fd);

		g_assert_cmpstr(line, ==, "{\"return\":{},\"id\":5}");
	}
	raw_expect_eof(fd);
	close(fd);
}

typedef struct {
	Fixture *f;
	int index;
	char *failure;
} Worker;

static gpointer client_thread(gpointer p)
{
	Worker *w = p;
	g_autoptr(AgentConn) c = conn(w->f);
	const char *cmds[] = {"ping", "info", "container-list", "job-list", "image-list"};

	for (int i = 0; i < 25; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) ret =
			agent_conn_call(c, cmds[(i + w->index) % G_N_ELEMENTS(cmds)], NULL, &error);

		if (!ret) {
			w->failure = g_strdup_printf("client %d call %d: %s", w->index, i,
						     error->message);
			break;
		}
	}
	return NULL;
}

static void test_64_clients(Fixture *f, gconstpointer data)
{
	Worker workers[64];
	GThread *threads[64];

	/* A junk client in the middle of it all. */
	int junk = raw_connect(f);

	raw_send(junk, "{{{{\n", 5);
	for (int i = 0; i < 64; i++) {
		workers[i] = (Worker){.f = f, .index = i};
		threads[i] = g_thread_new("client", client_thread, &workers[i]);
	}
	raw_expect_error(junk, "parse-error");
	close(junk);
	for (int i = 0; i < 64; i++) {
		g_thread_join(threads[i]);
		if (workers[i].failure)
			g_error("%s", workers[i].failure);
	}
	ping(f);
}

static void test_client_limit(Fixture *f, gconstpointer data)
{
	AgentConn *held[4];
	int fd;

	for (int i = 0; i < 4; i++) {
		held[i] = conn(f);
		g_autoptr(JsonObject) ret = call_ok(held[i], "ping", NULL);
	}
	fd = raw_connect(f);
	raw_expect_error(fd, "limit");
	raw_expect_eof(fd);
	close(fd);
	agent_conn_free(held[0]);
	/* The agent notices the close on its next loop turn. */
	for (int tries = 0;; tries++) {
		g_autofree char *line = NULL;

		fd = raw_connect(f);
		raw_send(fd, "{\"execute\":\"ping\"}\n", 19);
		line = raw_line(fd);
		close(fd);
		if (g_strcmp0(line, "{\"return\":{}}") == 0)
			break;
		g_assert_cmpint(tries, <, 50);
		g_usleep(20000);
	}
	for (int i = 1; i < 4; i++)
		agent_conn_free(held[i]);
}

static void test_unread_replies(Fixture *f, gconstpointer data)
{
	int fd = raw_connect(f);
	const char req[] = "{\"execute\":\"info\"}\n";
	gsize sent = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* ~50000 info replies is far over the 4 MiB the agent keeps for a peer. */
	for (int i = 0; i < 50000; i++) {
		ssize_t n = send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			g_usleep(1000);
			i--;
			continue;
		}
		if (n < 0)
			break; /* closed on us: done */
		sent += (gsize)n;
	}
	g_assert_cmpuint(sent, >, 0);
	close(fd);
	ping(f);
}

static void test_container_list(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) ret = call_ok(c, "container-list", NULL);
	JsonArray *list = json_object_get_array_member(ret, "containers");
	JsonObject *o;

	g_assert_cmpuint(json_array_get_length(list), ==, 1);
	o = json_array_get_object_element(list, 0);
	g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "web");
	g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "running");
	g_assert_cmpint(json_object_get_int_member(o, "nr_processes"), ==, 1);
	g_assert_true(json_object_get_null_member(o, "job"));
}

typedef struct {
	AgentConn *c;
	const char *execute;
	const char *args;
	GError *error;
	JsonObject *ret;
} Pending;

static gpointer pending_thread(gpointer p)
{
	Pending *pc = p;
	g_autoptr(JsonObject) a = args_of(pc->args);

	pc->ret = agent_conn_call(pc->c, pc->execute, a, &pc->error);
	return NULL;
}

static JsonObject *job_of(AgentConn *c, const char *type)
{
	g_autoptr(JsonObject) ret = call_ok(c, "job-list", NULL);
	JsonArray *jobs = json_object_get_array_member(ret, "jobs");

	for (guint i = 0; i < json_array_get_length(jobs); i++) {
		JsonObject *j = json_array_get_object_element(jobs, i);

		if (g_strcmp0(json_object_get_string_member(j, "type"), type) == 0)
			return json_object_ref(j);
	}
	return NULL;
}

/*
 * A kill of a fake container never sees its cgroup empty, so its job holds
 * the container: a second operation is busy, naming the job, and a cancel
 * ends it.
 */
static void test_busy_and_cancel(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	Pending kill = {.c = conn(f),
			.execute = "container-kill",
			.args = "{\"container\":\"web\",\"timeout-ms\":20000}"};
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) job = NULL;
	g_autoptr(JsonObject) status = NULL;
	g_autoptr(JsonObject) list = NULL;
	g_autofree char *args = NULL;
	g_autofree char *busy = NULL;
	GThread *t = g_thread_new("kill", pending_thread, &kill);
	gint64 id;

	for (int tries = 0; !(job = job_of(c, "container-kill")); tries++) {
		g_assert_cmpint(tries, <, 500);
		g_usleep(10000);
	}
	id = json_object_get_int_member(job, "job");
	g_assert_cmpstr(json_object_get_string_member(job, "state"), ==, "running");
	g_assert_cmpstr(json_object_get_string_member(job, "container"), ==, "web");
	busy = g_strdup_printf("container web: busy: job %" G_GINT64_FORMAT " (container-kill)",
			       id);
	call_fails(c, "thaw", "{\"container\":\"web\"}", AGENT_ERROR_BUSY, busy);
	call_fails(c, "freeze", "{\"container\":\"web\"}", AGENT_ERROR_BUSY, busy);
	call_fails(c, "checkpoint", "{\"container\":\"web\"}", AGENT_ERROR_NO_MODULE, NULL);
	list = call_ok(c, "container-list", NULL);
	g_assert_cmpint(json_object_get_int_member(
				json_array_get_object_element(
					json_object_get_array_member(list, "containers"), 0),
				"job"),
			==, id);
	/* Another container is not held. */
	g_free(fake_container(f, "db"));
	{
		g_autoptr(JsonObject) r = call_ok(c, "thaw", "{\"container\":\"db\"}");

		g_assert_cmpstr(json_object_get_string_member(r, "state"), ==, "running");
	}

	args = g_strdup_printf("{\"job\":%" G_GINT64_FORMAT "}", id);
	{
		g_autoptr(JsonObject) r = call_ok(c, "job-cancel", args);

		g_assert_cmpint(json_object_get_int_member(r, "job"), ==, id);
	}
	g_thread_join(t);
	g_assert_null(kill.ret);
	g_assert_error(kill.error, AGENT_ERROR, AGENT_ERROR_CANCELLED);
	g_clear_error(&kill.error);
	agent_conn_free(kill.c);

	status = call_ok(c, "job-status", args);
	g_assert_cmpstr(json_object_get_string_member(status, "state"), ==, "cancelled");
	g_assert_cmpstr(json_object_get_string_member(
				json_object_get_object_member(status, "error"), "class"),
			==, "cancelled");
	call_fails(c, "job-cancel", args, AGENT_ERROR_STATE, "already ended (cancelled)");
	call_fails(c, "job-status", "{\"job\":99999}", AGENT_ERROR_NOT_FOUND, "job 99999");
	/* Free again. */
	{
		g_autoptr(JsonObject) r = call_ok(c, "thaw", "{\"container\":\"web\"}");
	}
}

/* Stopping the agent cancels its jobs (they roll back) before it exits. */
static void test_shutdown_cancels(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	Pending kill = {.c = conn(f),
			.execute = "container-kill",
			.args = "{\"container\":\"web\",\"timeout-ms\":60000}"};
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) job = NULL;
	GThread *t = g_thread_new("kill", pending_thread, &kill);
	gint64 t0;

	for (int tries = 0; !(job = job_of(c, "container-kill")); tries++) {
		g_assert_cmpint(tries, <, 500);
		g_usleep(10000);
	}
	t0 = g_get_monotonic_time();
	stop_agent(f);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 10 * G_USEC_PER_SEC);
	g_thread_join(t);
	/* The reply is the cancellation, or the connection closed with the agent. */
	g_assert_null(kill.ret);
	g_assert_true(g_error_matches(kill.error, AGENT_ERROR, AGENT_ERROR_CANCELLED) ||
		      g_error_matches(kill.error, AGENT_ERROR, AGENT_ERROR_STREAM));
	g_clear_error(&kill.error);
	agent_conn_free(kill.c);
	start_agent(f, NULL);
}

/* A freeze that cannot finish is undone, and the error names the task. */
static void test_freeze_timeout(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	g_autoptr(AgentConn) c = conn(f);
	g_autofree char *freeze = NULL;
	g_autofree char *pid = g_strdup_printf("%s", g_subprocess_get_identifier(f->sleeper));

	call_fails(c, "freeze", "{\"container\":\"web\",\"timeout-ms\":300}", AGENT_ERROR_TIMEOUT,
		   "sleep");
	call_fails(c, "freeze", "{\"container\":\"web\",\"timeout-ms\":300}", AGENT_ERROR_TIMEOUT,
		   pid);
	freeze = fake_cgroup_read(web, "cgroup.freeze");
	g_assert_cmpstr(g_strstrip(freeze), ==, "0");
}

static void test_container_errors(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	g_autoptr(AgentConn) c = conn(f);

	call_fails(c, "checkpoint", "{\"container\":\"nosuch\"}", AGENT_ERROR_NOT_FOUND,
		   "container nosuch: no such container");
	call_fails(c, "checkpoint", "{\"container\":\"a/b\"}", AGENT_ERROR_INVALID_ARGUMENT,
		   "container name 'a/b'");
	call_fails(c, "checkpoint", "{\"container\":\"web\"}", AGENT_ERROR_NO_MODULE, f->dev);
	call_fails(c, "checkpoint", "{\"container\":\"web\",\"destination\":\"file\"}",
		   AGENT_ERROR_INVALID_ARGUMENT, "needs \"file\"");
	call_fails(c, "checkpoint",
		   "{\"container\":\"web\",\"destination\":\"file\",\"file\":\"rel/img\"}",
		   AGENT_ERROR_INVALID_ARGUMENT, "must be absolute");
	call_fails(c, "checkpoint", "{\"container\":\"web\",\"file\":\"x\"}",
		   AGENT_ERROR_INVALID_ARGUMENT, "goes with destination");
	call_fails(c, "checkpoint", "{\"container\":\"web\",\"mode\":\"sideways\"}",
		   AGENT_ERROR_INVALID_ARGUMENT, "expected one of");
	call_fails(c, "restore", "{\"container\":\"web\"}", AGENT_ERROR_EXISTS,
		   "container web: already running");
	call_fails(c, "restore", "{\"container\":\"fresh\"}", AGENT_ERROR_NO_MODULE, f->dev);
	call_fails(c, "restore", "{\"container\":\"fresh\",\"source\":\"file\",\"file\":\"gone\"}",
		   AGENT_ERROR_NOT_FOUND, "no such file");
	call_fails(c, "restore", "{\"container\":\"fresh\",\"sha256\":\"00\"}",
		   AGENT_ERROR_INVALID_ARGUMENT, "go with source \"file\"");
	call_fails(c, "stream-attach", "{\"token\":\"0123456789abcdef0123456789abcdef\"}",
		   AGENT_ERROR_NOT_FOUND, "unknown, already used or expired");
	call_fails(c, "container-kill", "{\"container\":\"web\",\"signal\":\"BOGUS\"}",
		   AGENT_ERROR_INVALID_ARGUMENT, "unknown signal");
	call_fails(c, "thaw", "{\"container\":\"nosuch\"}", AGENT_ERROR_NOT_FOUND, NULL);
	/* Its one task is no pid 1 of a namespace: no init to signal. */
	call_fails(c, "container-kill", "{\"container\":\"web\",\"signal\":\"CONT\"}",
		   AGENT_ERROR_STATE, "its init is gone");
}

static void put_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void test_images(Fixture *f, gconstpointer data)
{
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) empty = call_ok(c, "image-list", NULL);
	g_autoptr(JsonObject) two = NULL;
	g_autoptr(JsonObject) one = NULL;
	JsonArray *images;
	JsonObject *a;
	const char *sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	g_autofree char *shaline = g_strdup_printf("%s  alpha.img\n", sha);

	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(empty, "images")), ==,
			 0);
	put_file(f->store, "alpha.img", "test");
	put_file(f->store, "alpha.sha256", shaline);
	put_file(f->store, "beta.img", "image bytes");
	put_file(f->store, "beta.img.tmp", "half written");
	put_file(f->store, "notes.txt", "not an image");
	two = call_ok(c, "image-list", NULL);
	images = json_object_get_array_member(two, "images");
	g_assert_cmpuint(json_array_get_length(images), ==, 2);
	a = json_array_get_object_element(images, 0);
	g_assert_cmpstr(json_object_get_string_member(a, "name"), ==, "alpha");
	g_assert_cmpint(json_object_get_int_member(a, "size"), ==, 4);
	g_assert_cmpstr(json_object_get_string_member(a, "sha256"), ==, sha);
	g_assert_true(
		json_object_get_null_member(json_array_get_object_element(images, 1), "sha256"));

	{
		g_autoptr(JsonObject) r = call_ok(c, "image-delete", "{\"image\":\"alpha\"}");
	}
	call_fails(c, "image-delete", "{\"image\":\"alpha\"}", AGENT_ERROR_NOT_FOUND, "alpha.img");
	call_fails(c, "image-delete", "{\"image\":\"../etc/passwd\"}", AGENT_ERROR_INVALID_ARGUMENT,
		   "image name");
	one = call_ok(c, "image-list", NULL);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(one, "images")), ==, 1);
	/* A store image with a recorded digest, restored without a module. */
	call_fails(c, "restore", "{\"container\":\"x\",\"source\":\"file\",\"file\":\"beta\"}",
		   AGENT_ERROR_NO_MODULE, NULL);
}

/* The host build of ckpt-agent-client against the same agent. */
static void test_client_tool(Fixture *f, gconstpointer data)
{
	g_autofree char *endpoint = g_strdup_printf("unix:%s", f->sock);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autofree char *img = g_build_filename(f->tmp, "in.img", NULL);
	g_autoptr(GError) error = NULL;
	int status;
	char *call_ping[] = {(char *)client_path, endpoint, "call", "ping", NULL};
	char *call_bad[] = {(char *)client_path, endpoint,	"call",
			    "job-status",	 "{\"job\":5}", NULL};
	char *restore[] = {(char *)client_path,
			   "--expect-error",
			   "no-module",
			   endpoint,
			   "restore",
			   "web",
			   img,
			   NULL};

	g_assert_true(g_spawn_sync(NULL, call_ping, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
				   &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpstr(out, ==, "{}\n");
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_true(g_spawn_sync(NULL, call_bad, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
				   &status, &error));
	g_assert_false(g_spawn_check_wait_status(status, NULL));
	g_assert_nonnull(strstr(err, "not-found: job 5: no such job"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_true(g_file_set_contents(img, "not an image", -1, NULL));
	g_assert_true(g_spawn_sync(NULL, restore, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
				   &status, &error));
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	g_assert_nonnull(strstr(out, "no-module"));
}

/* Runs the fsfreeze hook with ARG against this agent; its exit status. */
static GSubprocess *hook(Fixture *f, const char *list, const char *arg)
{
	g_autoptr(GSubprocessLauncher) l =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GError) error = NULL;
	GSubprocess *p;

	g_subprocess_launcher_setenv(l, "CKPT_AGENT_SOCKET", f->sock, TRUE);
	g_subprocess_launcher_setenv(l, "CKPT_QUIESCE_LIST", list, TRUE);
	g_subprocess_launcher_setenv(l, "CKPT_AGENT_CLIENT", client_path, TRUE);
	p = g_subprocess_launcher_spawn(l, &error, g_getenv("CKPT_FSFREEZE_HOOK"), arg, NULL);
	g_assert_no_error(error);
	return p;
}

static char *hook_wait(GSubprocess *p, int *status)
{
	g_autoptr(GError) error = NULL;
	char *err = NULL;

	g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error);
	g_assert_no_error(error);
	*status = g_subprocess_get_exit_status(p);
	g_object_unref(p);
	return err;
}

/*
 * qemu-ga's fsfreeze hook: a failed checkpoint (no module here) fails the
 * freeze and leaves the container thawed; thaw thaws what is frozen.
 */
static void test_fsfreeze_hook(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	g_autofree char *db = g_build_filename(f->cg, "db", NULL);
	g_autofree char *list = g_build_filename(f->tmp, "quiesce", NULL);
	g_autofree char *err = NULL;
	g_autofree char *freeze = NULL;
	pid_t pid = (pid_t)atoi(g_subprocess_get_identifier(f->sleeper));
	int status;

	g_assert_true(g_file_set_contents(list, "# containers to quiesce\n  absent1 # gone\nweb\n",
					  -1, NULL));
	err = hook_wait(hook(f, list, "freeze"), &status);
	g_assert_cmpint(status, ==, 1);
	g_assert_nonnull(strstr(err, "container absent1 is absent: not checkpointed"));
	g_assert_nonnull(strstr(err, "checkpoint of web failed: "));
	g_assert_nonnull(strstr(err, "no-module"));
	freeze = fake_cgroup_read(web, "cgroup.freeze");
	g_assert_cmpstr(g_strstrip(freeze), ==, "0");
	g_clear_pointer(&err, g_free);
	g_clear_pointer(&freeze, g_free);

	/* A frozen marked container is thawed; the kernel reports it a moment later. */
	fake_cgroup_make(db, TRUE, TRUE, TRUE, &pid, 1);
	g_assert_true(g_file_set_contents(list, "db\nweb\n", -1, NULL));
	{
		GSubprocess *p = hook(f, list, "thaw");

		for (int tries = 0; tries < 500; tries++) {
			g_autofree char *v = fake_cgroup_read(db, "cgroup.freeze");

			if (g_str_has_prefix(v, "0"))
				break;
			g_usleep(10000);
		}
		fake_cgroup_set_events(db, TRUE, FALSE);
		err = hook_wait(p, &status);
	}
	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(err, "container db thawed"));
	g_assert_null(strstr(err, "container web thawed"));
}

/* --- container-log ------------------------------------------------------ */

static void put_log(Fixture *f, const char *name, const void *data, gsize len)
{
	g_autofree char *dir = g_build_filename(f->run, name, NULL);
	g_autofree char *path = g_build_filename(dir, "log", NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

static JsonObject *log_of(AgentConn *c, const char *name, gint64 tail)
{
	g_autofree char *args =
		tail ? g_strdup_printf("{\"container\":\"%s\",\"tail-bytes\":%" G_GINT64_FORMAT "}",
				       name, tail)
		     : g_strdup_printf("{\"container\":\"%s\"}", name);

	return call_ok(c, "container-log", args);
}

static void test_container_log(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(GString) big = g_string_new(NULL);
	const char junk[] = "ok \xff\x00 end\n";

	/* A short log comes whole. */
	put_log(f, "web", "one\ntwo\n", 8);
	{
		g_autoptr(JsonObject) r = log_of(c, "web", 0);

		g_assert_cmpstr(json_object_get_string_member(r, "log"), ==, "one\ntwo\n");
		g_assert_cmpint(json_object_get_int_member(r, "size"), ==, 8);
		g_assert_cmpint(json_object_get_int_member(r, "offset"), ==, 0);
	}
	/* 1000 lines of 10 bytes; the last 25 bytes start mid-line: cut to the next one. */
	for (int i = 0; i < 1000; i++)
		g_string_append_printf(big, "line %04d\n", i);
	put_log(f, "web", big->str, big->len);
	{
		g_autoptr(JsonObject) r = log_of(c, "web", 25);

		g_assert_cmpstr(json_object_get_string_member(r, "log"), ==,
				"line 0998\nline 0999\n");
		g_assert_cmpint(json_object_get_int_member(r, "size"), ==, 10000);
		g_assert_cmpint(json_object_get_int_member(r, "offset"), ==, 9980);
	}
	{
		/* The default is 4096 bytes: 409 whole lines. */
		g_autoptr(JsonObject) r = log_of(c, "web", 0);
		const char *text = json_object_get_string_member(r, "log");

		g_assert_cmpuint(strlen(text), ==, 4090);
		g_assert_true(g_str_has_prefix(text, "line 0591\n"));
	}
	/* One long line with no boundary in the tail: its end. */
	put_log(f, "web", "abcdefghijklmnopqrstuvwxyz", 26);
	{
		g_autoptr(JsonObject) r = log_of(c, "web", 10);

		g_assert_cmpstr(json_object_get_string_member(r, "log"), ==, "qrstuvwxyz");
	}
	/* Not UTF-8, and a NUL: U+FFFD each. */
	put_log(f, "web", junk, sizeof(junk) - 1);
	{
		g_autoptr(JsonObject) r = log_of(c, "web", 0);

		g_assert_cmpstr(json_object_get_string_member(r, "log"), ==,
				"ok \xef\xbf\xbd\xef\xbf\xbd end\n");
	}
	/* Empty. */
	put_log(f, "web", "", 0);
	{
		g_autoptr(JsonObject) r = log_of(c, "web", 0);

		g_assert_cmpstr(json_object_get_string_member(r, "log"), ==, "");
		g_assert_cmpint(json_object_get_int_member(r, "size"), ==, 0);
	}
	call_fails(c, "container-log", "{\"container\":\"nosuch\"}", AGENT_ERROR_NOT_FOUND,
		   "container nosuch: no such container");
	call_fails(c, "container-log", "{\"container\":\"web\",\"tail-bytes\":0}",
		   AGENT_ERROR_INVALID_ARGUMENT, "tail-bytes");
	call_fails(c, "container-log", "{\"container\":\"web\",\"tail-bytes\":2097152}",
		   AGENT_ERROR_INVALID_ARGUMENT, "tail-bytes");
	/* Started without log: its config says so. */
	{
		g_autofree char *db = fake_container(f, "db");
		g_autofree char *dir = g_build_filename(f->run, "db", NULL);
		g_autofree char *cfg = g_build_filename(dir, "config", NULL);
		g_autoptr(CkptContainerConfig) config = ckpt_container_config_new();
		g_autoptr(GError) error = NULL;

		g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
		config->hostname = g_strdup("db");
		config->log = FALSE;
		config->command = g_strsplit("sleep 1000", " ", -1);
		g_assert_true(ckpt_container_config_save(config, cfg, &error));
		call_fails(c, "container-log", "{\"container\":\"db\"}", AGENT_ERROR_STATE,
			   "container db was started without log");
		/* Restored from an image, it writes where its fds point: read the log. */
		g_clear_pointer(&config->command, g_strfreev);
		config->image = g_strdup("db.img");
		g_assert_true(ckpt_container_config_save(config, cfg, &error));
		put_log(f, "db", "restored\n", 9);
		{
			g_autoptr(JsonObject) r = log_of(c, "db", 0);

			g_assert_cmpstr(json_object_get_string_member(r, "log"), ==, "restored\n");
		}
	}
	/* A container with no log file at all. */
	{
		g_autofree char *cache = fake_container(f, "cache");

		call_fails(c, "container-log", "{\"container\":\"cache\"}", AGENT_ERROR_NOT_FOUND,
			   "container cache: log: ");
	}
}

/* --- shutdown-policy and the push on SIGTERM ---------------------------- */

static void test_shutdown_policy(Fixture *f, gconstpointer data)
{
	g_autofree char *file = g_build_filename(f->state, "shutdown-policy.json", NULL);
	AgentConn *c = conn(f);
	g_autoptr(JsonObject) info = call_ok(c, "info", NULL);
	g_autoptr(JsonObject) set = NULL;
	JsonArray *names;

	g_assert_true(json_object_get_null_member(info, "shutdown-policy"));
	set = call_ok(
		c, "shutdown-policy",
		"{\"containers\":[\"web\",\"db\",\"web\"],\"port\":7200,\"timeout-ms\":5000}");
	names = json_object_get_array_member(set, "containers");
	g_assert_cmpuint(json_array_get_length(names), ==, 2);
	g_assert_cmpstr(json_array_get_string_element(names, 0), ==, "web");
	g_assert_cmpstr(json_array_get_string_element(names, 1), ==, "db");
	g_assert_cmpint(json_object_get_int_member(set, "port"), ==, 7200);
	g_assert_cmpint(json_object_get_int_member(set, "timeout-ms"), ==, 5000);
	g_assert_cmpint(json_object_get_int_member(set, "cid"), ==, 2);
	g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));
	call_fails(c, "shutdown-policy", "{\"containers\":[\"../x\"]}",
		   AGENT_ERROR_INVALID_ARGUMENT, "containers[0]");
	call_fails(c, "shutdown-policy", "{\"containers\":[\"web\"],\"port\":0}",
		   AGENT_ERROR_INVALID_ARGUMENT, "port");
	call_fails(c, "shutdown-policy", "{}", AGENT_ERROR_INVALID_ARGUMENT, "containers");
	agent_conn_free(c);

	/* A restarted agent keeps it (no such containers: the SIGTERM pushes nothing). */
	stop_agent(f);
	start_agent(f, NULL);
	c = conn(f);
	{
		g_autoptr(JsonObject) again = call_ok(c, "info", NULL);
		JsonObject *p = json_object_get_object_member(again, "shutdown-policy");

		g_assert_nonnull(p);
		g_assert_cmpint(json_object_get_int_member(p, "port"), ==, 7200);
		g_assert_cmpuint(
			json_array_get_length(json_object_get_array_member(p, "containers")), ==,
			2);
	}
	/* An empty list turns it off. */
	{
		g_autoptr(JsonObject) off = call_ok(c, "shutdown-policy", "{\"containers\":[]}");
		g_autoptr(JsonObject) again = call_ok(c, "info", NULL);

		g_assert_cmpuint(
			json_array_get_length(json_object_get_array_member(off, "containers")), ==,
			0);
		g_assert_true(json_object_get_null_member(again, "shutdown-policy"));
		g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
	}
	agent_conn_free(c);
}

/* A listening socket at the fake host's PREFIX_PORT. */
static int host_listen(Fixture *f, guint port)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_snprintf(addr.sun_path, sizeof(addr.sun_path), "%s_%u", f->host, port);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(fd, 4), ==, 0);
	return fd;
}

static int host_accept(int lfd)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};

	g_assert_cmpint(poll(&p, 1, 10000), ==, 1);
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* Waits for the agent to exit by itself; its exit status, and the time it took. */
static int agent_exit(Fixture *f, gint64 *ms)
{
	gint64 t0 = g_get_monotonic_time();
	g_autoptr(GError) error = NULL;
	int status;

	g_subprocess_wait(f->agent, NULL, &error);
	g_assert_no_error(error);
	*ms = (g_get_monotonic_time() - t0) / 1000;
	g_assert_true(g_subprocess_get_if_exited(f->agent));
	status = g_subprocess_get_exit_status(f->agent);
	g_clear_object(&f->agent);
	return status;
}

/*
 * The whole daemon on SIGTERM, over the wire: the push request, then
 * (no module here) the job's error as its final status, on the same
 * connection; a container that does not run is skipped; the agent exits.
 */
static void test_push_on_sigterm(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) set =
		call_ok(c, "shutdown-policy", "{\"containers\":[\"gone\",\"web\"],\"port\":7300}");
	int lfd = host_listen(f, 7300);
	g_autofree char *req = NULL;
	g_autofree char *status = NULL;
	g_autoptr(JsonNode) node = NULL;
	JsonObject *args;
	guint8 marker[4];
	int fd;
	gint64 ms;

	g_subprocess_send_signal(f->agent, SIGTERM);
	fd = host_accept(lfd);
	g_assert_cmpint(fd, >=, 0);
	req = raw_line(fd);
	node = json_from_string(req, NULL);
	g_assert_nonnull(node);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(node), "execute"), ==,
			"push");
	args = json_object_get_object_member(json_node_get_object(node), "arguments");
	g_assert_cmpstr(json_object_get_string_member(args, "container"), ==, "web");
	g_assert_cmpstr(json_object_get_string_member(args, "reason"), ==, "shutdown");
	g_assert_nonnull(json_object_get_string_member(args, "kernel"));
	raw_send(fd, "{\"return\":{}}\n", 14);
	g_assert_cmpint(recv(fd, marker, 4, MSG_WAITALL), ==, 4);
	g_assert_cmpuint(marker[0] & marker[1] & marker[2] & marker[3], ==, 0xFF);
	status = raw_line(fd);
	g_assert_nonnull(strstr(status, "\"class\":\"no-module\""));
	g_assert_cmpint(agent_exit(f, &ms), ==, 0);
	g_assert_cmpint(ms, <, 5000);
	close(fd);
	close(lfd);
	/* Clean up the policy for the teardown's agent. */
	start_agent(f, NULL);
	{
		g_autoptr(AgentConn) c2 = conn(f);
		g_autoptr(JsonObject) off = call_ok(c2, "shutdown-policy", "{\"containers\":[]}");
	}
}

/* A host that takes the connection and never answers: the timeout ends it. */
static void test_push_timeout(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) set =
		call_ok(c, "shutdown-policy",
			"{\"containers\":[\"web\"],\"port\":7301,\"timeout-ms\":1000}");
	int lfd = host_listen(f, 7301);
	g_autofree char *req = NULL;
	int fd;
	gint64 ms;

	g_subprocess_send_signal(f->agent, SIGTERM);
	fd = host_accept(lfd);
	req = raw_line(fd);
	g_assert_nonnull(strstr(req, "\"push\""));
	g_assert_cmpint(agent_exit(f, &ms), ==, 0);
	/* The timeout plus at most the 2 s the jobs get to roll back. */
	g_assert_cmpint(ms, <, 1000 + 2000 + 1000);
	close(fd);
	close(lfd);
	start_agent(f, NULL);
	{
		g_autoptr(AgentConn) c2 = conn(f);
		g_autoptr(JsonObject) off = call_ok(c2, "shutdown-policy", "{\"containers\":[]}");
	}
}

/* A second SIGTERM while a push hangs: the agent exits at once. */
static void test_push_second_signal(Fixture *f, gconstpointer data)
{
	g_autofree char *web = fake_container(f, "web");
	g_autoptr(AgentConn) c = conn(f);
	g_autoptr(JsonObject) set =
		call_ok(c, "shutdown-policy",
			"{\"containers\":[\"web\"],\"port\":7302,\"timeout-ms\":60000}");
	int lfd = host_listen(f, 7302);
	g_autofree char *req = NULL;
	int fd;
	gint64 ms;

	g_subprocess_send_signal(f->agent, SIGTERM);
	fd = host_accept(lfd);
	req = raw_line(fd);
	g_assert_nonnull(strstr(req, "\"push\""));
	g_subprocess_send_signal(f->agent, SIGTERM);
	g_assert_cmpint(agent_exit(f, &ms), ==, 0);
	g_assert_cmpint(ms, <, 3000);
	close(fd);
	close(lfd);
	start_agent(f, NULL);
	{
		g_autoptr(AgentConn) c2 = conn(f);
		g_autoptr(JsonObject) off = call_ok(c2, "shutdown-policy", "{\"containers\":[]}");
	}
}

/*
 * Only the agent was restarted, not the guest: the new agent thaws what
 * the last one's pushes left frozen (STATE/shutdown-frozen), then forgets.
 */
static void test_thaw_leftovers(Fixture *f, gconstpointer data)
{
	g_autofree char *web = g_build_filename(f->cg, "web", NULL);
	g_autofree char *db = g_build_filename(f->cg, "db", NULL);
	g_autofree char *list = g_build_filename(f->state, "shutdown-frozen", NULL);
	g_autofree char *db_freeze = NULL;
	pid_t pid = (pid_t)atoi(g_subprocess_get_identifier(f->sleeper));
	int tries;

	stop_agent(f);
	fake_cgroup_make(web, TRUE, TRUE, TRUE, &pid, 1);
	/* Frozen, but not by a push: not the agent's to thaw. */
	fake_cgroup_make(db, TRUE, TRUE, TRUE, &pid, 1);
	g_assert_cmpint(g_mkdir_with_parents(f->state, 0700), ==, 0);
	g_assert_true(g_file_set_contents(list, "web\n", -1, NULL));
	start_agent(f, NULL);
	/* The kernel would report the thaw; here the test does, once asked. */
	for (tries = 0; tries < 500; tries++) {
		g_autofree char *v = fake_cgroup_read(web, "cgroup.freeze");

		if (g_str_has_prefix(v, "0"))
			break;
		g_usleep(10000);
	}
	g_assert_cmpint(tries, <, 500);
	fake_cgroup_set_events(web, TRUE, FALSE);
	ping(f);
	g_assert_false(g_file_test(list, G_FILE_TEST_EXISTS));
	db_freeze = fake_cgroup_read(db, "cgroup.freeze");
	g_assert_cmpstr(g_strstrip(db_freeze), ==, "1");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	agent_path = g_getenv("CKPT_AGENT");
	client_path = g_getenv("CKPT_AGENT_CLIENT");
	if (!agent_path || !client_path)
		g_error("CKPT_AGENT and CKPT_AGENT_CLIENT must name the programs");
	signal(SIGPIPE, SIG_IGN);

#define ADD(name, fn, extra) g_test_add("/agent/daemon/" name, Fixture, extra, setup, fn, teardown)
	ADD("ping-info", test_ping_info, NULL);
	ADD("sync", test_sync, NULL);
	ADD("ids", test_ids, NULL);
	ADD("junk-kept", test_junk_kept, NULL);
	ADD("oversize", test_oversize, NULL);
	ADD("garbage", test_garbage, NULL);
	ADD("disconnects", test_disconnects, NULL);
	ADD("pipelined", test_pipelined, NULL);
	ADD("64-clients", test_64_clients, NULL);
	ADD("client-limit", test_client_limit, "--max-clients=4");
	ADD("unread-replies", test_unread_replies, NULL);
	ADD("container-list", test_container_list, NULL);
	ADD("busy-and-cancel", test_busy_and_cancel, NULL);
	ADD("shutdown-cancels", test_shutdown_cancels, NULL);
	ADD("freeze-timeout", test_freeze_timeout, NULL);
	ADD("container-errors", test_container_errors, NULL);
	ADD("images", test_images, NULL);
	ADD("client-tool", test_client_tool, NULL);
	ADD("fsfreeze-hook", test_fsfreeze_hook, NULL);
	ADD("container-log", test_container_log, NULL);
	ADD("shutdown-policy", test_shutdown_policy, NULL);
	ADD("push-on-sigterm", test_push_on_sigterm, NULL);
	ADD("push-timeout", test_push_timeout, NULL);
	ADD("push-second-signal", test_push_second_signal, NULL);
	ADD("thaw-leftovers", test_thaw_leftovers, NULL);
	return g_test_run();
}
