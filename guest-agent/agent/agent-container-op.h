/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The common frame of every command that acts on a container: check the
 * name, claim the container in the job table (busy if another job holds
 * it), run the work in a job thread with the container's library lock
 * taken (busy if the `ckpt` tool holds it), and answer the call when the
 * work is done (container-run, -kill, freeze, thaw) or at once with the
 * job's id (checkpoint, restore: AGENT_CONTAINER_OP_ASYNC).
 */
#ifndef AGENT_CONTAINER_OP_H
#define AGENT_CONTAINER_OP_H

#include "agent-call.h"
#include "agent-job.h"
#include "ckpt-guest.h"

G_BEGIN_DECLS

typedef JsonObject *(*AgentContainerOpFunc)(AgentJob *job, CkptContainer *c, gpointer data,
					    GError **error);

typedef struct {
	AgentJobKind kind;
	AgentContainerOpFunc func;
	gpointer data;
	GDestroyNotify free_data;
	const char *image;		/* a store image the job uses, or NULL */
	AgentStreamDirection direction; /* not NONE: wait for stream-attach */
	gboolean async;			/* answer {"job", "stream"} at once */
} AgentContainerOp;

/* Answers the call (now or later); op->data is taken in every case. */
void agent_container_op_start(AgentCall *call, const char *container, const AgentContainerOp *op);

/* {"container": NAME, "state": STATE} as the cgroup says now. */
JsonObject *agent_container_state_json(CkptContainer *c);

G_END_DECLS

#endif /* AGENT_CONTAINER_OP_H */
