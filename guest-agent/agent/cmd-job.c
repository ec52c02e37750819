// SPDX-License-Identifier: GPL-2.0-only
/*
 * job-status: one job's state, phase and progress (bytes, tasks), and its
 * result or error once it ended. job-list: every job the agent remembers.
 * job-cancel: stop a job; the container is put back as it was (see
 * checkpoint and restore) and the job ends as "cancelled".
 */
#include "agent-commands.h"
#include "agent-error.h"

const AgentArgSpec agent_cmd_job_status_args[] = {
	{"job", AGENT_ARG_INTEGER, TRUE, NULL, 1, G_MAXUINT32},
	{NULL},
};

const AgentArgSpec agent_cmd_job_list_args[] = {
	{NULL},
};

const AgentArgSpec agent_cmd_job_cancel_args[] = {
	{"job", AGENT_ARG_INTEGER, TRUE, NULL, 1, G_MAXUINT32},
	{NULL},
};

static AgentJob *lookup(AgentCall *call, GError **error)
{
	return agent_job_table_lookup(agent_server_get_jobs(agent_call_get_server(call)),
				      (guint)agent_call_get_int(call, "job", 0), error);
}

void agent_cmd_job_status(AgentCall *call)
{
	GError *error = NULL;
	g_autoptr(AgentJob) job = lookup(call, &error);

	if (!job) {
		agent_call_fail(call, error);
		return;
	}
	agent_call_return(call, agent_job_to_json(job));
}

void agent_cmd_job_list(AgentCall *call)
{
	g_autoptr(GPtrArray) jobs =
		agent_job_table_list(agent_server_get_jobs(agent_call_get_server(call)));
	JsonArray *list = json_array_new();
	JsonObject *ret = json_object_new();

	for (guint i = 0; i < jobs->len; i++)
		json_array_add_object_element(list, agent_job_to_json(g_ptr_array_index(jobs, i)));
	json_object_set_array_member(ret, "jobs", list);
	agent_call_return(call, ret);
}

void agent_cmd_job_cancel(AgentCall *call)
{
	GError *error = NULL;
	g_autoptr(AgentJob) job = lookup(call, &error);

	if (!job) {
		agent_call_fail(call, error);
		return;
	}
	if (!agent_job_cancel(job)) {
		g_mutex_lock(&job->lock);
		error = g_error_new(AGENT_ERROR, AGENT_ERROR_STATE, "job %u: already ended (%s)",
				    job->id, agent_job_state_name(job->state));
		g_mutex_unlock(&job->lock);
		agent_call_fail(call, error);
		return;
	}
	agent_call_return(call, agent_job_to_json(job));
}
