// SPDX-License-Identifier: GPL-2.0-only
/*
 * shutdown-policy: which containers the agent checkpoints and pushes to
 * the host when it is stopped (SIGTERM), to which host vsock port, and
 * how long that may take. It replaces the previous policy; an empty list
 * turns the push off. The answer is the policy now in force.
 */
#include "agent-commands.h"
#include "agent-shutdown-policy.h"

const AgentArgSpec agent_cmd_shutdown_policy_args[] = {
	{"containers", AGENT_ARG_STRING_ARRAY, TRUE},
	{"port", AGENT_ARG_INTEGER, FALSE, NULL, 1, G_MAXUINT32 - 1},
	{"timeout-ms", AGENT_ARG_INTEGER, FALSE, NULL, 1, AGENT_SHUTDOWN_TIMEOUT_MAX_MS},
	{"cid", AGENT_ARG_INTEGER, FALSE, NULL, 1, G_MAXUINT32 - 1},
	{NULL},
};

void agent_cmd_shutdown_policy(AgentCall *call)
{
	AgentServer *server = agent_call_get_server(call);
	g_autoptr(AgentShutdownPolicy) p = agent_shutdown_policy_new();
	g_auto(GStrv) names = agent_call_dup_strv(call, "containers");
	GError *error = NULL;

	p->port = (guint32)agent_call_get_int(call, "port", AGENT_DEFAULT_PUSH_PORT);
	p->timeout_ms = agent_call_get_int(call, "timeout-ms", AGENT_DEFAULT_PUSH_TIMEOUT_MS);
	p->cid = (guint32)agent_call_get_int(call, "cid", p->cid);
	if (!agent_shutdown_policy_set_containers(p, (const char *const *)names, &error) ||
	    !agent_server_set_shutdown_policy(server, g_steal_pointer(&p), &error)) {
		agent_call_fail(call, error);
		return;
	}
	p = agent_shutdown_policy_copy(agent_server_get_shutdown_policy(server));
	if (agent_shutdown_policy_is_active(p))
		g_message("shutdown policy: push %u containers to vsock CID %u port %u within "
			  "%" G_GINT64_FORMAT " ms on SIGTERM",
			  g_strv_length(p->containers), p->cid, p->port, p->timeout_ms);
	else
		g_message("shutdown policy: off");
	agent_call_return(call, agent_shutdown_policy_to_json(p));
}
