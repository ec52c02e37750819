// SPDX-License-Identifier: GPL-2.0-only
#include "agent-container-op.h"
#include "agent-error.h"
#include "agent-server.h"

typedef struct {
	AgentServer *server;
	char *name;
	AgentContainerOpFunc func;
	gpointer data;
	GDestroyNotify free_data;
	AgentCall *call; /* answered when the job ends; NULL for async ops */
} Op;

static void op_free(gpointer p)
{
	Op *op = p;

	if (op->free_data)
		op->free_data(op->data);
	if (op->call)
		agent_call_unref(op->call);
	g_free(op->name);
	g_free(op);
}

static JsonObject *op_run(AgentJob *job, gpointer data, GError **error)
{
	Op *op = data;
	g_autoptr(CkptContainer) c =
		ckpt_container_new(agent_server_get_paths(op->server), op->name, error);

	if (!c || !ckpt_container_lock(c, error))
		return NULL;
	return op->func(job, c, op->data, error);
}

static void op_done(AgentJob *job, gpointer data)
{
	Op *op = data;

	if (!op->call)
		return;
	if (job->error)
		agent_call_fail(op->call, g_error_copy(job->error));
	else
		agent_call_return(op->call, json_object_ref(job->result));
	g_clear_pointer(&op->call, agent_call_unref);
}

static gboolean expire(gpointer data)
{
	AgentJob *job = data;
	GError *error = g_error_new(
		AGENT_ERROR, AGENT_ERROR_TIMEOUT,
		"job %u (%s %s): no stream was attached within %" G_GINT64_FORMAT
		" ms; nothing was done",
		job->id, agent_job_kind_name(job->kind), job->container,
		agent_server_get_config(((Op *)job->run_data)->server)->stream_timeout_ms);

	/* Only a job still waiting: an attached one started already. */
	if (agent_job_table_finish_waiting(job->table, job, error))
		g_message("%s", job->error->message);
	return G_SOURCE_REMOVE;
}

void agent_container_op_start(AgentCall *call, const char *container, const AgentContainerOp *o)
{
	AgentServer *server = agent_call_get_server(call);
	GError *error = NULL;
	AgentJob *job;
	Op *op;

	if (!ckpt_container_name_check(container, &error) ||
	    !(job = agent_job_table_add(agent_server_get_jobs(server), o->kind, container, o->image,
					o->direction, &error))) {
		if (o->free_data)
			o->free_data(o->data);
		agent_call_fail(call, error);
		return;
	}
	op = g_new0(Op, 1);
	op->server = server;
	op->name = g_strdup(container);
	op->func = o->func;
	op->data = o->data;
	op->free_data = o->free_data;
	op->call = o->async ? NULL : agent_call_ref(call);
	job->run = op_run;
	job->run_data = op;
	job->free_run_data = op_free;
	job->done = op_done;
	job->done_data = op;

	if (o->async) {
		JsonObject *ret = json_object_new();

		json_object_set_int_member(ret, "job", job->id);
		if (job->token) {
			json_object_set_string_member(ret, "stream", job->token);
			g_timeout_add_full(
				G_PRIORITY_DEFAULT,
				(guint)agent_server_get_config(server)->stream_timeout_ms, expire,
				agent_job_ref(job), (GDestroyNotify)agent_job_unref);
		}
		agent_call_return(call, ret);
	}
	if (o->direction == AGENT_STREAM_NONE)
		agent_job_start(job);
	agent_job_unref(job);
}

JsonObject *agent_container_state_json(CkptContainer *c)
{
	JsonObject *o = json_object_new();
	CkptContainerStatus st;

	json_object_set_string_member(o, "container", ckpt_container_get_name(c));
	if (ckpt_container_get_status(c, &st, NULL)) {
		json_object_set_string_member(o, "state", ckpt_container_state_name(st.state));
		if (st.init_pid)
			json_object_set_int_member(o, "init-pid", st.init_pid);
		else
			json_object_set_null_member(o, "init-pid");
	}
	return o;
}
