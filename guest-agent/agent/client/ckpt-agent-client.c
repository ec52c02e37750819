// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-agent-client: talk to ckpt-agent from the command line, over its
 * unix socket (local administration), vsock, or (host build) hybrid vsock
 * through ckpt-vsockd. The VM tests drive the agent with it.
 *
 *   ckpt-agent-client ENDPOINT call [--wait] EXECUTE [JSON-ARGUMENTS]
 *   ckpt-agent-client ENDPOINT checkpoint CONTAINER OUT-FILE [--mode M]
 *   ckpt-agent-client ENDPOINT restore CONTAINER IN-FILE [--start frozen]
 *   ckpt-agent-client ENDPOINT wait
 *   ckpt-agent-client ENDPOINT refused
 *
 * Results are JSON on stdout; errors "CLASS: DESC" on stderr, exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent-conn.h"
#include "agent-error.h"
#include "client-connect.h"

typedef struct {
	gint port;
	gint timeout_ms;
	char *mode;
	char *start;
	char *expect_error;
	gint64 drop_after;
	gint64 corrupt_at;
	gint64 stall_after;
	gint stall_ms;
	gboolean reject;
	gint64 freeze_timeout_ms;
	gint wait_seconds;
	gboolean wait_job;
	char **args;
} Options;

static Options opt = {.port = 7100, .timeout_ms = 60000, .wait_seconds = 60};

static int fail(const GError *error)
{
	fprintf(stderr, "ckpt-agent-client: %s: %s\n",
		agent_error_class_name(agent_error_class_of(error)), error->message);
	return 1;
}

static AgentConn *open_conn(const char *endpoint, GError **error)
{
	int fd = client_connect(endpoint, (guint32)opt.port, (guint)opt.timeout_ms, error);

	return fd < 0 ? NULL : agent_conn_new(fd, endpoint, opt.timeout_ms);
}

static void print_json(JsonObject *o)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autofree char *text = NULL;

	json_node_set_object(node, o);
	text = json_to_string(node, FALSE);
	printf("%s\n", text);
	fflush(stdout);
}

/* Until job id ended; its final status, or NULL with the error it ended with. */
static JsonObject *wait_job(AgentConn *conn, gint64 id, GError **error)
{
	g_autoptr(JsonObject) args = json_object_new();

	json_object_set_int_member(args, "job", id);
	for (;;) {
		g_autoptr(JsonObject) st = agent_conn_call(conn, "job-status", args, error);
		const char *state;

		if (!st)
			return NULL;
		state = json_object_get_string_member_with_default(st, "state", "");
		if (g_strcmp0(state, "done") == 0)
			return g_steal_pointer(&st);
		if (g_strcmp0(state, "failed") == 0 || g_strcmp0(state, "cancelled") == 0) {
			JsonObject *e = json_object_get_object_member(st, "error");

			g_set_error(
				error, AGENT_ERROR,
				agent_error_class_from_name(
					json_object_get_string_member_with_default(e, "class", "")),
				"job %" G_GINT64_FORMAT ": %s", id,
				json_object_get_string_member_with_default(e, "desc", "?"));
			return NULL;
		}
		g_usleep(100000);
	}
}

static int cmd_call(const char *endpoint, char **args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(AgentConn) conn = NULL;
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonNode) argnode = NULL;

	if (!args[0] || (args[1] && args[2])) {
		fprintf(stderr, "ckpt-agent-client: call EXECUTE [JSON-ARGUMENTS]\n");
		return 2;
	}
	if (args[1]) {
		argnode = json_from_string(args[1], &error);
		if (!argnode || !JSON_NODE_HOLDS_OBJECT(argnode)) {
			fprintf(stderr, "ckpt-agent-client: arguments %s: %s\n", args[1],
				error ? error->message : "not a JSON object");
			return 2;
		}
	}
	conn = open_conn(endpoint, &error);
	if (conn)
		ret = agent_conn_call(conn, args[0], argnode ? json_node_get_object(argnode) : NULL,
				      &error);
	/* A job started: --wait reports how it ended instead. */
	if (ret && opt.wait_job && json_object_has_member(ret, "job")) {
		gint64 id = json_object_get_int_member(ret, "job");

		g_clear_pointer(&ret, json_object_unref);
		ret = wait_job(conn, id, &error);
	}
	if (opt.expect_error) {
		if (ret) {
			fprintf(stderr, "ckpt-agent-client: %s succeeded, expected %s\n", args[0],
				opt.expect_error);
			return 1;
		}
		if (g_strcmp0(agent_error_class_name(agent_error_class_of(error)),
			      opt.expect_error) != 0)
			return fail(error);
		printf("%s: %s\n", opt.expect_error, error->message);
		return 0;
	}
	if (!ret)
		return fail(error);
	print_json(ret);
	return 0;
}

/* checkpoint or restore: the control call, then the stream on a second connection. */
static JsonObject *start_job(const char *endpoint, const char *execute, JsonObject *args,
			     GError **error)
{
	g_autoptr(AgentConn) conn = open_conn(endpoint, error);

	return conn ? agent_conn_call(conn, execute, args, error) : NULL;
}

static void print_stream(const char *what, const AgentStreamResult *r, gint64 t0)
{
	g_autoptr(JsonObject) o = json_object_new();
	g_autofree char *hex = agent_sha256_to_hex(r->sha256);
	double secs = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;

	json_object_set_string_member(o, "stream", what);
	json_object_set_int_member(o, "bytes", (gint64)r->bytes);
	json_object_set_boolean_member(o, "dropped", r->dropped);
	if (!r->dropped)
		json_object_set_string_member(o, "sha256", hex);
	json_object_set_double_member(o, "seconds", secs);
	json_object_set_double_member(o, "mib-per-s", secs > 0 ? r->bytes / secs / 1048576 : 0);
	if (r->final)
		json_object_set_object_member(o, "job", json_object_ref(r->final));
	print_json(o);
}

static int cmd_checkpoint(const char *endpoint, char **args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) cargs = json_object_new();
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) attached = NULL;
	g_autoptr(AgentConn) data = NULL;
	g_autofree char *tmp = NULL;
	AgentStreamOptions so = {.drop_after = (guint64)opt.drop_after,
				 .reject = opt.reject,
				 .stall_after = (guint64)opt.stall_after,
				 .stall_ms = (guint)opt.stall_ms};
	AgentStreamResult r = {0};
	gint64 t0;
	gboolean ok;
	int fd;

	if (!args[0] || !args[1] || args[2]) {
		fprintf(stderr, "ckpt-agent-client: checkpoint CONTAINER OUT-FILE\n");
		return 2;
	}
	json_object_set_string_member(cargs, "container", args[0]);
	if (opt.mode)
		json_object_set_string_member(cargs, "mode", opt.mode);
	if (opt.freeze_timeout_ms)
		json_object_set_int_member(cargs, "freeze-timeout-ms", opt.freeze_timeout_ms);
	t0 = g_get_monotonic_time();
	ret = start_job(endpoint, "checkpoint", cargs, &error);
	if (!ret)
		return fail(error);
	data = open_conn(endpoint, &error);
	if (!data ||
	    !(attached = agent_conn_attach(
		      data, json_object_get_string_member_with_default(ret, "stream", ""), &error)))
		return fail(error);
	/* Written aside and renamed once the agent confirmed: no partial image. */
	tmp = g_strconcat(args[1], ".tmp", NULL);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "ckpt-agent-client: %s: %s\n", tmp, g_strerror(errno));
		return 1;
	}
	ok = agent_conn_receive_image(data, fd, &so, &r, &error);
	if (ok && !r.dropped && (fsync(fd) < 0 || rename(tmp, args[1]) < 0)) {
		fprintf(stderr, "ckpt-agent-client: %s: %s\n", args[1], g_strerror(errno));
		ok = FALSE;
	}
	close(fd);
	if (!ok || r.dropped)
		unlink(tmp);
	if (!ok) {
		agent_stream_result_clear(&r);
		return fail(error);
	}
	print_stream("checkpoint", &r, t0);
	agent_stream_result_clear(&r);
	return 0;
}

static int cmd_restore(const char *endpoint, char **args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) rargs = json_object_new();
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) attached = NULL;
	g_autoptr(AgentConn) data = NULL;
	AgentStreamOptions so = {.drop_after = (guint64)opt.drop_after,
				 .corrupt_at = (guint64)opt.corrupt_at};
	AgentStreamResult r = {0};
	gint64 t0;
	gboolean ok;
	int fd;

	if (!args[0] || !args[1] || args[2]) {
		fprintf(stderr, "ckpt-agent-client: restore CONTAINER IN-FILE\n");
		return 2;
	}
	fd = open(args[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ckpt-agent-client: %s: %s\n", args[1], g_strerror(errno));
		return 1;
	}
	json_object_set_string_member(rargs, "container", args[0]);
	if (opt.start)
		json_object_set_string_member(rargs, "start", opt.start);
	t0 = g_get_monotonic_time();
	ret = start_job(endpoint, "restore", rargs, &error);
	if (ret) {
		data = open_conn(endpoint, &error);
		if (data)
			attached = agent_conn_attach(
				data, json_object_get_string_member_with_default(ret, "stream", ""),
				&error);
	}
	ok = attached && agent_conn_send_image(data, fd, &so, &r, &error);
	close(fd);
	if (!ok) {
		agent_stream_result_clear(&r);
		if (opt.expect_error &&
		    g_strcmp0(agent_error_class_name(agent_error_class_of(error)),
			      opt.expect_error) == 0) {
			printf("%s: %s\n", opt.expect_error, error->message);
			return 0;
		}
		return fail(error);
	}
	if (opt.expect_error && !r.dropped) {
		fprintf(stderr, "ckpt-agent-client: restore succeeded, expected %s\n",
			opt.expect_error);
		agent_stream_result_clear(&r);
		return 1;
	}
	print_stream("restore", &r, t0);
	agent_stream_result_clear(&r);
	return 0;
}

/* Until the agent answers a ping (it may still be starting). */
static int cmd_wait(const char *endpoint)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)opt.wait_seconds * G_USEC_PER_SEC;
	g_autoptr(GError) error = NULL;

	for (;;) {
		g_autoptr(AgentConn) conn = open_conn(endpoint, &error);
		g_autoptr(JsonObject) ret = NULL;

		if (conn)
			ret = agent_conn_call(conn, "ping", NULL, &error);
		if (ret) {
			printf("agent answers at %s\n", endpoint);
			return 0;
		}
		if (g_get_monotonic_time() > deadline)
			return fail(error);
		g_clear_error(&error);
		g_usleep(200000);
	}
}

/* The agent must close this connection without a word (a CID it refuses). */
static int cmd_refused(const char *endpoint)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(AgentConn) conn = open_conn(endpoint, &error);
	g_autoptr(JsonObject) ret = NULL;

	if (!conn) {
		printf("refused at connect: %s\n", error->message);
		return 0;
	}
	ret = agent_conn_call(conn, "ping", NULL, &error);
	if (ret) {
		fprintf(stderr, "ckpt-agent-client: %s answered a ping; expected a refusal\n",
			endpoint);
		return 1;
	}
	if (!g_error_matches(error, AGENT_ERROR, AGENT_ERROR_STREAM)) {
		fprintf(stderr, "ckpt-agent-client: expected the agent to close, got: %s\n",
			error->message);
		return 1;
	}
	printf("closed without a reply: %s\n", error->message);
	return 0;
}

int main(int argc, char **argv)
{
	const GOptionEntry entries[] = {
		{"port", 'p', 0, G_OPTION_ARG_INT, &opt.port, "vsock port (default 7100)", "P"},
		{"timeout-ms", 't', 0, G_OPTION_ARG_INT, &opt.timeout_ms,
		 "Longest wait for the agent (default 60000)", "MS"},
		{"mode", 0, 0, G_OPTION_ARG_STRING, &opt.mode,
		 "checkpoint: stop, leave-running or leave-frozen", "MODE"},
		{"freeze-timeout-ms", 0, 0, G_OPTION_ARG_INT64, &opt.freeze_timeout_ms,
		 "checkpoint: freeze timeout", "MS"},
		{"start", 0, 0, G_OPTION_ARG_STRING, &opt.start, "restore: running or frozen",
		 "START"},
		{"expect-error", 0, 0, G_OPTION_ARG_STRING, &opt.expect_error,
		 "call, restore: succeed only if the agent fails with CLASS", "CLASS"},
		{"drop-after", 0, 0, G_OPTION_ARG_INT64, &opt.drop_after,
		 "checkpoint, restore: drop the stream after N bytes (tests)", "N"},
		{"corrupt-at", 0, 0, G_OPTION_ARG_INT64, &opt.corrupt_at,
		 "restore: flip byte N (1-based) after hashing it (tests)", "N"},
		{"stall-after", 0, 0, G_OPTION_ARG_INT64, &opt.stall_after,
		 "checkpoint: stop reading after N bytes, for --stall-ms (tests)", "N"},
		{"stall-ms", 0, 0, G_OPTION_ARG_INT, &opt.stall_ms, "checkpoint: how long to stall",
		 "MS"},
		{"reject", 0, 0, G_OPTION_ARG_NONE, &opt.reject,
		 "checkpoint: answer the trailer with FAIL (tests)", NULL},
		{"wait", 'w', 0, G_OPTION_ARG_NONE, &opt.wait_job,
		 "call: if the command started a job, wait for it and print its final status",
		 NULL},
		{"seconds", 0, 0, G_OPTION_ARG_INT, &opt.wait_seconds,
		 "wait: give up after S seconds (default 60)", "S"},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.args, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("ENDPOINT COMMAND [ARGS...]");
	g_autoptr(GError) error = NULL;
	g_autofree char *summary = g_strdup_printf(
		"ENDPOINT is %s.\n\nCommands:\n"
		"  call EXECUTE [JSON-ARGUMENTS]   one request; prints its return\n"
		"  checkpoint CONTAINER OUT-FILE   checkpoint over a stream into OUT-FILE\n"
		"  restore CONTAINER IN-FILE       restore from IN-FILE over a stream\n"
		"  wait                            until the agent answers a ping\n"
		"  refused                         expect the agent to close at once",
		client_connect_forms());
	const char *cmd;

	g_option_context_set_summary(ctx, summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "ckpt-agent-client: %s\n", error->message);
		return 2;
	}
	if (!opt.args || !opt.args[0] || !opt.args[1]) {
		fprintf(stderr, "ckpt-agent-client: expected ENDPOINT COMMAND (see --help)\n");
		return 2;
	}
	cmd = opt.args[1];
	if (strcmp(cmd, "call") == 0)
		return cmd_call(opt.args[0], opt.args + 2);
	if (strcmp(cmd, "checkpoint") == 0)
		return cmd_checkpoint(opt.args[0], opt.args + 2);
	if (strcmp(cmd, "restore") == 0)
		return cmd_restore(opt.args[0], opt.args + 2);
	if (strcmp(cmd, "wait") == 0)
		return cmd_wait(opt.args[0]);
	if (strcmp(cmd, "refused") == 0)
		return cmd_refused(opt.args[0]);
	fprintf(stderr, "ckpt-agent-client: unknown command %s (see --help)\n", cmd);
	return 2;
}
