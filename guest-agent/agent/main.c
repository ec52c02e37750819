// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-agent: the guest agent. It serves the control protocol
 * (proto/agent-schema.json, docs/agent-protocol.md) on AF_VSOCK port 7100
 * to the host (CID 2) and, for local administration and tests, on a unix
 * socket. Logs go to stderr (the journal under systemd).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>

#include "agent-server.h"
#include "agent-shutdown.h"
#include "ckpt-paths.h"

/* How long jobs get to roll back when the agent is stopped. */
#define SHUTDOWN_TIMEOUT_MS 20000
/* The same once the pushes were given up: the guest is going down. */
#define GIVE_UP_GRACE_MS 2000

typedef struct {
	gint vsock_port;
	char *unix_path;
	char **allow_cids;
	char *image_dir;
	char *run_dir;
	char *cgroup_dir;
	char *device;
	gboolean fake_cgroup;
	gint max_clients;
	gint max_jobs;
	gint stream_timeout_ms;
	char *state_dir;
	char *push_unix;
	gboolean verbose;
} Options;

typedef struct {
	GMainLoop *loop;
	AgentServer *server;
	AgentShutdown *shutdown; /* the pushes of the shutdown policy, once signalled */
} Daemon;

static void on_pushes_done(AgentShutdown *sd, gpointer data)
{
	Daemon *d = data;

	g_main_loop_quit(d->loop);
}

/*
 * SIGTERM or SIGINT: with a shutdown policy, push its containers to the
 * host first (bounded by its timeout); a second signal gives up at once.
 */
static gboolean on_quit(gpointer data)
{
	Daemon *d = data;

	if (d->shutdown) {
		if (!agent_shutdown_is_done(d->shutdown)) {
			g_message("second signal: giving up the pushes");
			agent_shutdown_abort(d->shutdown);
		}
		return G_SOURCE_CONTINUE;
	}
	if (d->server &&
	    agent_shutdown_policy_is_active(agent_server_get_shutdown_policy(d->server))) {
		g_message("terminating: pushing the shutdown policy's containers first");
		d->shutdown = agent_shutdown_start(d->server,
						   agent_server_get_config(d->server)->push_unix,
						   on_pushes_done, d);
		return G_SOURCE_CONTINUE;
	}
	g_message("terminating");
	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean parse_cids(char **text, GArray *cids, GError **error)
{
	for (char **t = text; t && *t; t++) {
		guint64 cid;

		if (!g_ascii_string_to_unsigned(*t, 10, 0, G_MAXUINT32 - 1, &cid, NULL)) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--allow-cid %s: not a CID (0 to %u)", *t, G_MAXUINT32 - 1);
			return FALSE;
		}
		g_array_append_val(cids, (guint32){(guint32)cid});
	}
	if (!cids->len)
		g_array_append_val(cids, (guint32){AGENT_HOST_CID});
	return TRUE;
}

static gboolean parse_options(int *argc, char ***argv, Options *o, GError **error)
{
	const GOptionEntry entries[] = {
		{"vsock-port", 'p', 0, G_OPTION_ARG_INT, &o->vsock_port,
		 "AF_VSOCK port to listen on (default 7100; 0: none)", "PORT"},
		{"unix", 'u', 0, G_OPTION_ARG_FILENAME, &o->unix_path,
		 "Also listen on a unix socket at PATH (0600)", "PATH"},
		{"allow-cid", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &o->allow_cids,
		 "Accept vsock connections from CID (repeatable; default: 2, the host)", "CID"},
		{"image-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->image_dir,
		 "Image store (default " AGENT_STORE_DEFAULT_DIR ")", "DIR"},
		{"stream-timeout-ms", 0, 0, G_OPTION_ARG_INT, &o->stream_timeout_ms,
		 "Time a stream may go without progress, and a token stays valid (default "
		 "30000)",
		 "MS"},
		{"max-clients", 0, 0, G_OPTION_ARG_INT, &o->max_clients,
		 "Control connections at once (default 256)", "N"},
		{"max-jobs", 0, 0, G_OPTION_ARG_INT, &o->max_jobs,
		 "Jobs running at once (default 64)", "N"},
		{"run-dir", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o->run_dir,
		 "Container state directories (tests)", "DIR"},
		{"cgroup-dir", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o->cgroup_dir,
		 "Container cgroups (tests)", "DIR"},
		{"device", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o->device,
		 "The module's device (tests)", "PATH"},
		{"fake-cgroup", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &o->fake_cgroup,
		 "--cgroup-dir is not on cgroup2 (tests)", NULL},
		{"state-dir", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o->state_dir,
		 "Where the shutdown policy is kept (default " AGENT_DEFAULT_STATE_DIR ")", "DIR"},
		{"push-unix", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o->push_unix,
		 "Push to the unix socket PREFIX_PORT instead of vsock (tests)", "PREFIX"},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose, "Log every connection", NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);

	g_option_context_set_summary(
		ctx, "Serve the ckpt control protocol to the host over virtio-vsock: run,\n"
		     "checkpoint and restore containers, with images streamed on second\n"
		     "connections (see docs/agent-protocol.md).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, error))
		return FALSE;
	if (*argc > 1) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "unexpected argument %s",
			    (*argv)[1]);
		return FALSE;
	}
	if (o->vsock_port < 0 || o->max_clients < 1 || o->max_jobs < 1 ||
	    o->stream_timeout_ms < 1) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--vsock-port must be >= 0, the limits and timeouts >= 1");
		return FALSE;
	}
	return TRUE;
}

int main(int argc, char **argv)
{
	Options o = {
		.vsock_port = AGENT_DEFAULT_VSOCK_PORT,
		.max_clients = AGENT_DEFAULT_MAX_CLIENTS,
		.max_jobs = AGENT_DEFAULT_MAX_JOBS,
		.stream_timeout_ms = AGENT_DEFAULT_STREAM_TIMEOUT_MS,
	};
	AgentConfig config = {0};
	g_autoptr(GError) error = NULL;
	Daemon d = {0};
	AgentServer *server;
	gint64 grace;

	if (!parse_options(&argc, &argv, &o, &error)) {
		fprintf(stderr, "ckpt-agent: %s\n", error->message);
		return 2;
	}
	if (o.verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	/* Writes to a peer that went away fail with EPIPE; they must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	config.vsock_port = (guint32)o.vsock_port;
	config.unix_path = o.unix_path;
	config.allow_cids = g_array_new(FALSE, FALSE, sizeof(guint32));
	if (!parse_cids(o.allow_cids, config.allow_cids, &error)) {
		fprintf(stderr, "ckpt-agent: %s\n", error->message);
		return 2;
	}
	config.paths = ckpt_paths_new(o.run_dir ? o.run_dir : CKPT_DEFAULT_RUN_DIR,
				      o.cgroup_dir ? o.cgroup_dir : CKPT_DEFAULT_CGROUP_DIR,
				      o.device ? o.device : CKPT_DEFAULT_DEVICE);
	config.paths->check_cgroup2 = !o.fake_cgroup;
	config.image_dir = o.image_dir;
	config.max_line = AGENT_DEFAULT_MAX_LINE;
	config.max_clients = (guint)o.max_clients;
	config.max_jobs = (guint)o.max_jobs;
	config.stream_timeout_ms = o.stream_timeout_ms;
	config.state_dir = o.state_dir;
	config.push_unix = o.push_unix;

	/* Before listening: a SIGTERM as soon as clients can connect must be handled. */
	d.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_quit, &d);
	g_unix_signal_add(SIGINT, on_quit, &d);
	server = agent_server_new(&config, &error);
	if (!server) {
		fprintf(stderr, "ckpt-agent: %s\n", error->message);
		return 1;
	}
	d.server = server;
	agent_shutdown_thaw_leftovers(server);
	g_message("ckpt-agent %s: protocol %d, vsock port %d, unix socket %s, image store %s",
		  CKPT_VERSION, AGENT_PROTOCOL_VERSION, o.vsock_port,
		  agent_server_get_config(server)->unix_path
			  ? agent_server_get_config(server)->unix_path
			  : "none",
		  agent_store_get_dir(agent_server_get_store(server)));
	g_main_loop_run(d.loop);
	/* Jobs roll back first: a checkpoint must not leave its container frozen. */
	grace = d.shutdown && agent_shutdown_get_summary(d.shutdown)->gave_up ? GIVE_UP_GRACE_MS
									      : SHUTDOWN_TIMEOUT_MS;
	agent_server_shutdown(server, grace);
	if (d.shutdown)
		agent_shutdown_finish(d.shutdown);
	agent_shutdown_free(d.shutdown);
	agent_server_free(server);
	g_main_loop_unref(d.loop);
	g_strfreev(o.allow_cids);
	g_free(o.run_dir);
	g_free(o.cgroup_dir);
	g_free(o.device);
	return 0;
}
