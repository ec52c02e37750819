// SPDX-License-Identifier: GPL-2.0-only
/*
 * ping: {} -> {}; answers as soon as the agent reads the request.
 * sync: {"id": N} -> {"id": N}, the reply preceded by the 0xFF delimiter.
 * A client that timed out sends 0xFF (which makes the agent drop any
 * partial request) and a sync with a fresh N, then discards everything up
 * to the agent's 0xFF and reads on until the reply carrying N: what came
 * before belonged to requests it gave up on.
 */
#include "agent-commands.h"

const AgentArgSpec agent_cmd_ping_args[] = {
	{NULL},
};

void agent_cmd_ping(AgentCall *call)
{
	agent_call_return(call, NULL);
}

const AgentArgSpec agent_cmd_sync_args[] = {
	{"id", AGENT_ARG_INTEGER, TRUE, NULL, G_MININT64, G_MAXINT64},
	{NULL},
};

void agent_cmd_sync(AgentCall *call)
{
	JsonObject *ret = json_object_new();

	json_object_set_int_member(ret, "id", agent_call_get_int(call, "id", 0));
	agent_call_set_delimited(call);
	agent_call_return(call, ret);
}
