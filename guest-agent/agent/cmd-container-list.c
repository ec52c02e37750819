// SPDX-License-Identifier: GPL-2.0-only
/*
 * container-list: every container, as `ckpt list --json` shows it, plus
 * "job": the id of the agent job acting on it, or null.
 */
#include "agent-commands.h"
#include "ckpt-guest.h"

const AgentArgSpec agent_cmd_container_list_args[] = {
	{NULL},
};

void agent_cmd_container_list(AgentCall *call)
{
	AgentServer *server = agent_call_get_server(call);
	GError *error = NULL;
	g_autoptr(GPtrArray) list = ckpt_container_list(agent_server_get_paths(server), &error);
	JsonArray *containers;
	JsonObject *ret;

	if (!list) {
		agent_call_fail(call, error);
		return;
	}
	containers = json_array_new();
	for (guint i = 0; i < list->len; i++) {
		CkptContainer *c = g_ptr_array_index(list, i);
		g_autoptr(GError) local = NULL;
		JsonNode *node = ckpt_container_to_json(c, &local);
		guint job;

		/* A container vanishing under us is simply not listed. */
		if (!node) {
			g_debug("container-list: %s", local->message);
			continue;
		}
		job = agent_job_table_get_container_job(agent_server_get_jobs(server),
							ckpt_container_get_name(c));
		if (job)
			json_object_set_int_member(json_node_get_object(node), "job", job);
		else
			json_object_set_null_member(json_node_get_object(node), "job");
		json_array_add_element(containers, node);
	}
	ret = json_object_new();
	json_object_set_array_member(ret, "containers", containers);
	agent_call_return(call, ret);
}
