/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent: its listeners, its control connections, its jobs and its
 * image store, all driven by the GLib main loop of the main thread. Only
 * jobs run in threads of their own.
 */
#ifndef AGENT_SERVER_H
#define AGENT_SERVER_H

#include <glib.h>

#include "agent-job-table.h"
#include "agent-shutdown-policy.h"
#include "agent-store.h"
#include "ckpt-paths.h"

G_BEGIN_DECLS

#define AGENT_PROTOCOL_VERSION 1
#define AGENT_DEFAULT_VSOCK_PORT 7100
#define AGENT_HOST_CID 2
#define AGENT_DEFAULT_MAX_LINE (1024 * 1024)
#define AGENT_DEFAULT_MAX_CLIENTS 256
#define AGENT_DEFAULT_MAX_JOBS 64
#define AGENT_DEFAULT_STREAM_TIMEOUT_MS 30000
/* A client that reads no replies may leave this much unsent, then it is closed. */
#define AGENT_MAX_PENDING_OUTPUT (4 * 1024 * 1024)

typedef struct {
	guint32 vsock_port; /* 0: no vsock listener */
	char *unix_path;    /* NULL: no unix socket */
	GArray *allow_cids; /* guint32; the host (2) by default */
	CkptPaths *paths;
	char *image_dir;
	gsize max_line;
	guint max_clients;
	guint max_jobs;
	gint64 stream_timeout_ms;
	char *state_dir; /* the shutdown policy's home; NULL: AGENT_DEFAULT_STATE_DIR */
	char *push_unix; /* tests: push to the unix socket PUSH_UNIX_PORT, not vsock */
} AgentConfig;

typedef struct _AgentServer AgentServer;
typedef struct _AgentClient AgentClient;

/* Takes over config's contents. Listens at once. */
AgentServer *agent_server_new(AgentConfig *config, GError **error);
void agent_server_free(AgentServer *server);

const AgentConfig *agent_server_get_config(AgentServer *server);
AgentJobTable *agent_server_get_jobs(AgentServer *server);
AgentStore *agent_server_get_store(AgentServer *server);
const CkptPaths *agent_server_get_paths(AgentServer *server);
guint agent_server_get_n_clients(AgentServer *server);
const char *agent_server_get_state_dir(AgentServer *server);

/* The shutdown policy in force (never NULL; inactive when it lists no container). */
const AgentShutdownPolicy *agent_server_get_shutdown_policy(AgentServer *server);
/* Replaces it (taken), in memory and in STATE_DIR/shutdown-policy.json. */
gboolean agent_server_set_shutdown_policy(AgentServer *server, AgentShutdownPolicy *policy,
					  GError **error);

/* Closes the listeners: no new connection is accepted (shutting down). */
void agent_server_stop_listening(AgentServer *server);

/*
 * Stops listening, cancels every job and waits (running the main context)
 * up to timeout_ms for them to roll back, so stopping the agent never
 * leaves a container frozen. FALSE if some job was still running.
 */
gboolean agent_server_shutdown(AgentServer *server, gint64 timeout_ms);

/* Called by a client that closed or turned into a data stream. */
void agent_server_forget_client(AgentServer *server, AgentClient *client);

/*
 * Reaps a container's init: the agent is its parent (container-run and
 * restore create it), so without this it would stay a zombie.
 */
void agent_server_watch_child(AgentServer *server, GPid pid);

G_END_DECLS

#endif /* AGENT_SERVER_H */
