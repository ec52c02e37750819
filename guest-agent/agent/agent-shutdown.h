/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the agent does on SIGTERM when a shutdown policy is set: it stops
 * listening, checkpoints every listed container that is running and
 * pushes it to the host (agent-push.c), a few at a time, and reports to
 * its caller once every push was answered or the policy's timeout passed.
 * A container that is not running is skipped; every outcome is logged.
 *
 * A successful push leaves its container frozen (the guest is going down)
 * and names it in STATE_DIR/shutdown-frozen; if the guest was not going
 * down after all (only the agent restarted), the next agent thaws them as
 * it starts. On the timeout, or a second signal, the agent gives up: it
 * cancels the pushes still running (their containers roll back, thawed)
 * and thaws the containers it had left frozen.
 */
#ifndef AGENT_SHUTDOWN_H
#define AGENT_SHUTDOWN_H

#include "agent-push.h"
#include "agent-server.h"

G_BEGIN_DECLS

/* Pushes running at once: each costs a vCPU for the module and the hash. */
#define AGENT_SHUTDOWN_PARALLEL 2
#define AGENT_SHUTDOWN_FROZEN_FILE "shutdown-frozen"

typedef struct _AgentShutdown AgentShutdown;
typedef void (*AgentShutdownDoneFunc)(AgentShutdown *sd, gpointer data);

typedef struct {
	guint pushed;
	guint failed;
	guint skipped;
	gboolean gave_up; /* the timeout or a second signal */
} AgentShutdownSummary;

/*
 * Starts the pushes of the server's policy (which must be active); done
 * is called from the main loop once they all ended or were given up.
 * unix_prefix (tests) sends them to unix sockets instead of vsock.
 */
AgentShutdown *agent_shutdown_start(AgentServer *server, const char *unix_prefix,
				    AgentShutdownDoneFunc done, gpointer data);
/* A second signal: give up now (no-op once done). */
void agent_shutdown_abort(AgentShutdown *sd);
gboolean agent_shutdown_is_done(AgentShutdown *sd);
const AgentShutdownSummary *agent_shutdown_get_summary(AgentShutdown *sd);

/*
 * After the jobs ended (agent_server_shutdown): having given up, thaws
 * every container a push froze; else records those left frozen in
 * STATE_DIR/shutdown-frozen.
 */
void agent_shutdown_finish(AgentShutdown *sd);
void agent_shutdown_free(AgentShutdown *sd);

/* At start: thaws the containers a previous agent's shutdown left frozen. */
void agent_shutdown_thaw_leftovers(AgentServer *server);

G_END_DECLS

#endif /* AGENT_SHUTDOWN_H */
