// SPDX-License-Identifier: GPL-2.0-only
/*
 * freeze: freeze every task of a container, waiting at most "timeout-ms";
 * a container that does not freeze in time is thawed again and the error
 * names the tasks that did not stop.
 */
#include "agent-commands.h"
#include "agent-container-op.h"

const AgentArgSpec agent_cmd_freeze_args[] = {
	{"container", AGENT_ARG_STRING, TRUE},
	{"timeout-ms", AGENT_ARG_INTEGER, FALSE, NULL, 1, AGENT_TIMEOUT_MAX_MS},
	{NULL},
};

static JsonObject *freeze(AgentJob *job, CkptContainer *c, gpointer data, GError **error)
{
	CkptContainerStatus st;
	gint64 timeout_ms = *(gint64 *)data;

	if (!ckpt_container_require_live(c, &st, error) ||
	    !ckpt_container_freeze(c, timeout_ms, job->cancellable, error))
		return NULL;
	return agent_container_state_json(c);
}

void agent_cmd_freeze(AgentCall *call)
{
	gint64 *timeout_ms = g_new(gint64, 1);
	AgentContainerOp op = {
		.kind = AGENT_JOB_FREEZE,
		.func = freeze,
		.data = timeout_ms,
		.free_data = g_free,
	};

	*timeout_ms = agent_call_get_int(call, "timeout-ms", CKPT_DEFAULT_TIMEOUT_MS);
	agent_container_op_start(call, agent_call_get_string(call, "container"), &op);
}
