// SPDX-License-Identifier: GPL-2.0-only
/*
 * stream-attach: the first request on a second connection, presenting the
 * token a checkpoint or restore answered with. The connection then stops
 * being a control connection: the reply ({"job", "direction"}) is the last
 * JSON line before the image's frames (docs/agent-protocol.md, "Data
 * streams"), and the job's thread owns it from here on.
 */
#include "agent-client.h"
#include "agent-commands.h"
#include "agent-error.h"
#include "agent-reply.h"

const AgentArgSpec agent_cmd_stream_attach_args[] = {
	{"token", AGENT_ARG_STRING, TRUE},
	{NULL},
};

void agent_cmd_stream_attach(AgentCall *call)
{
	AgentServer *server = agent_call_get_server(call);
	AgentClient *client = agent_call_get_client(call);
	g_autoptr(GBytes) input = NULL;
	g_autoptr(GBytes) output = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GByteArray) first = NULL;
	GError *error = NULL;
	JsonObject *ret;
	AgentJob *job;
	int fd;

	job = agent_job_table_take_token(agent_server_get_jobs(server),
					 agent_call_get_string(call, "token"), &error);
	if (!job) {
		agent_call_fail(call, error);
		return;
	}
	ret = json_object_new();
	json_object_set_int_member(ret, "job", job->id);
	json_object_set_string_member(ret, "container", job->container);
	json_object_set_string_member(ret, "direction",
				      job->direction == AGENT_STREAM_OUT ? "guest-to-host"
									 : "host-to-guest");
	reply = agent_reply_return(agent_call_get_id(call), ret);

	fd = agent_client_detach(client, &input, &output);
	agent_call_answered_elsewhere(call);
	/* Replies still queued for earlier requests go first, then this one. */
	first = g_byte_array_new();
	g_byte_array_append(first, g_bytes_get_data(output, NULL), (guint)g_bytes_get_size(output));
	g_byte_array_append(first, g_bytes_get_data(reply, NULL), (guint)g_bytes_get_size(reply));
	job->stream_reply = g_byte_array_free_to_bytes(g_steal_pointer(&first));
	agent_io_init(&job->stream, fd, input, agent_server_get_config(server)->stream_timeout_ms,
		      "data connection");
	agent_job_add_cancel_fd(job, fd);
	agent_job_start(job);
	agent_job_unref(job);
}
