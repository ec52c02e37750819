// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent-client.h"
#include "agent-error.h"
#include "agent-listener.h"
#include "agent-reply.h"
#include "agent-server.h"

struct _AgentServer {
	AgentConfig config;
	AgentListener *vsock;
	AgentListener *unix_listener;
	GHashTable *clients; /* AgentClient -> itself; holds the reference */
	AgentJobTable *jobs;
	AgentStore *store;
	AgentShutdownPolicy *policy;
};

static void refuse_over_limit(AgentServer *s, int fd, const char *peer)
{
	g_autoptr(GError) error = g_error_new(
		AGENT_ERROR, AGENT_ERROR_LIMIT,
		"%u clients are connected, the limit; try again later", s->config.max_clients);
	g_autoptr(GBytes) line = agent_reply_error(NULL, error);

	g_message("%s: refused: %s", peer, error->message);
	/* Best effort on a fresh socket; it is closed either way. */
	if (send(fd, g_bytes_get_data(line, NULL), g_bytes_get_size(line), MSG_NOSIGNAL) < 0)
		g_debug("%s: %s", peer, g_strerror(errno));
	close(fd);
}

static void on_accept(int fd, const char *peer, gpointer data)
{
	AgentServer *s = data;
	AgentClient *c;

	if (g_hash_table_size(s->clients) >= s->config.max_clients) {
		refuse_over_limit(s, fd, peer);
		return;
	}
	g_debug("%s: connected", peer);
	c = agent_client_new(s, fd, peer);
	g_hash_table_add(s->clients, c);
}

void agent_server_forget_client(AgentServer *s, AgentClient *c)
{
	g_hash_table_remove(s->clients, c);
}

static void config_clear(AgentConfig *config)
{
	g_clear_pointer(&config->unix_path, g_free);
	g_clear_pointer(&config->allow_cids, g_array_unref);
	g_clear_pointer(&config->paths, ckpt_paths_free);
	g_clear_pointer(&config->image_dir, g_free);
	g_clear_pointer(&config->state_dir, g_free);
	g_clear_pointer(&config->push_unix, g_free);
}

AgentServer *agent_server_new(AgentConfig *config, GError **error)
{
	AgentServer *s = g_new0(AgentServer, 1);
	g_autoptr(GError) local = NULL;

	s->config = *config;
	memset(config, 0, sizeof(*config));
	s->clients = g_hash_table_new_full(g_direct_hash, g_direct_equal,
					   (GDestroyNotify)agent_client_unref, NULL);
	s->jobs = agent_job_table_new(s->config.max_jobs);
	s->store = agent_store_new(s->config.image_dir);
	if (!s->config.state_dir)
		s->config.state_dir = g_strdup(AGENT_DEFAULT_STATE_DIR);
	/* A restarted agent keeps the policy the host gave its predecessor. */
	s->policy = agent_shutdown_policy_load(s->config.state_dir, &local);
	if (!s->policy) {
		/* A broken file must not keep the agent from starting. */
		if (local)
			g_message("shutdown policy ignored: %s", local->message);
		s->policy = agent_shutdown_policy_new();
	} else {
		g_message("shutdown policy from %s/%s: %u containers, vsock port %u, "
			  "%" G_GINT64_FORMAT " ms",
			  s->config.state_dir, AGENT_SHUTDOWN_POLICY_FILE,
			  g_strv_length(s->policy->containers), s->policy->port,
			  s->policy->timeout_ms);
	}
	if (s->config.vsock_port) {
		s->vsock = agent_listener_new_vsock(s->config.vsock_port, s->config.allow_cids,
						    on_accept, s, error);
		if (!s->vsock)
			goto fail;
	}
	if (s->config.unix_path) {
		s->unix_listener =
			agent_listener_new_unix(s->config.unix_path, on_accept, s, error);
		if (!s->unix_listener)
			goto fail;
	}
	if (!s->vsock && !s->unix_listener) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "nothing to listen on: give a vsock port or --unix PATH");
		goto fail;
	}
	return s;
fail:
	agent_server_free(s);
	return NULL;
}

void agent_server_stop_listening(AgentServer *s)
{
	g_clear_pointer(&s->vsock, agent_listener_free);
	g_clear_pointer(&s->unix_listener, agent_listener_free);
}

gboolean agent_server_shutdown(AgentServer *s, gint64 timeout_ms)
{
	g_autoptr(GPtrArray) jobs = agent_job_table_list(s->jobs);
	gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
	guint n;

	agent_server_stop_listening(s);
	for (guint i = 0; i < jobs->len; i++)
		agent_job_cancel(g_ptr_array_index(jobs, i));
	while ((n = agent_job_table_get_n_active(s->jobs)) > 0) {
		if (g_get_monotonic_time() >= deadline) {
			g_warning("%u jobs still running after %" G_GINT64_FORMAT
				  " ms; exiting anyway",
				  n, timeout_ms);
			return FALSE;
		}
		/* Job threads end through the main context (their done callbacks). */
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(10000);
	}
	return TRUE;
}

void agent_server_free(AgentServer *s)
{
	GHashTableIter it;
	gpointer key;

	if (!s)
		return;
	agent_listener_free(s->vsock);
	agent_listener_free(s->unix_listener);
	/* Closing removes each client from the table. */
	while (g_hash_table_size(s->clients)) {
		g_hash_table_iter_init(&it, s->clients);
		g_hash_table_iter_next(&it, &key, NULL);
		agent_client_close(key);
	}
	g_hash_table_destroy(s->clients);
	/* Running jobs point at their table: it goes only when none runs. */
	if (agent_job_table_get_n_active(s->jobs) == 0)
		agent_job_table_free(s->jobs);
	agent_store_free(s->store);
	agent_shutdown_policy_free(s->policy);
	config_clear(&s->config);
	g_free(s);
}

const AgentConfig *agent_server_get_config(AgentServer *s)
{
	return &s->config;
}

AgentJobTable *agent_server_get_jobs(AgentServer *s)
{
	return s->jobs;
}

AgentStore *agent_server_get_store(AgentServer *s)
{
	return s->store;
}

const CkptPaths *agent_server_get_paths(AgentServer *s)
{
	return s->config.paths;
}

guint agent_server_get_n_clients(AgentServer *s)
{
	return g_hash_table_size(s->clients);
}

const char *agent_server_get_state_dir(AgentServer *s)
{
	return s->config.state_dir;
}

const AgentShutdownPolicy *agent_server_get_shutdown_policy(AgentServer *s)
{
	return s->policy;
}

gboolean agent_server_set_shutdown_policy(AgentServer *s, AgentShutdownPolicy *policy,
					  GError **error)
{
	/* Saved first: a policy that would not survive a restart is refused. */
	if (!agent_shutdown_policy_save(policy, s->config.state_dir, error)) {
		agent_shutdown_policy_free(policy);
		return FALSE;
	}
	agent_shutdown_policy_free(s->policy);
	s->policy = policy;
	return TRUE;
}

static void on_child_exit(GPid pid, gint status, gpointer data)
{
	g_debug("container init %d ended (status 0x%x)", (int)pid, status);
	g_spawn_close_pid(pid);
}

void agent_server_watch_child(AgentServer *s, GPid pid)
{
	/* Thread-safe: attaches to the main context, which reaps the child. */
	g_child_watch_add(pid, on_child_exit, NULL);
}
