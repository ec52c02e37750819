// SPDX-License-Identifier: GPL-2.0-only
/*
 * thaw: let a frozen container run again (after freeze, a checkpoint in
 * leave-frozen mode, or a restore with start "frozen").
 */
#include "agent-commands.h"
#include "agent-container-op.h"

const AgentArgSpec agent_cmd_thaw_args[] = {
	{"container", AGENT_ARG_STRING, TRUE},
	{NULL},
};

static JsonObject *thaw(AgentJob *job, CkptContainer *c, gpointer data, GError **error)
{
	CkptContainerStatus st;
	if (!ckpt_container_require_live(c, &st, error) || !ckpt_container_thaw(c, error))
		return NULL;
	return agent_container_state_json(c);
}

void agent_cmd_thaw(AgentCall *call)
{
	AgentContainerOp op = {
		.kind = AGENT_JOB_THAW,
		.func = thaw,
	};

	agent_container_op_start(call, agent_call_get_string(call, "container"), &op);
}
