// SPDX-License-Identifier: GPL-2.0-only
#include "agent-call.h"
#include "agent-client.h"
#include "agent-commands.h"
#include "agent-reply.h"

struct _AgentCall {
	gint ref;
	AgentServer *server;
	AgentClient *client;
	AgentRequest *req;
	const AgentCommand *cmd;
	gboolean delimited;
	gboolean answered;
};

AgentCall *agent_call_new(AgentServer *server, AgentClient *client, AgentRequest *req,
			  const AgentCommand *cmd)
{
	AgentCall *call = g_new0(AgentCall, 1);

	call->ref = 1;
	call->server = server;
	call->client = client ? agent_client_ref(client) : NULL;
	call->req = req;
	call->cmd = cmd;
	return call;
}

AgentCall *agent_call_ref(AgentCall *call)
{
	g_atomic_int_inc(&call->ref);
	return call;
}

void agent_call_unref(AgentCall *call)
{
	if (!call || !g_atomic_int_dec_and_test(&call->ref))
		return;
	if (call->client)
		agent_client_unref(call->client);
	agent_request_free(call->req);
	g_free(call);
}

AgentServer *agent_call_get_server(AgentCall *call)
{
	return call->server;
}

AgentClient *agent_call_get_client(AgentCall *call)
{
	return call->client;
}

const char *agent_call_get_command(AgentCall *call)
{
	return call->cmd->name;
}

JsonNode *agent_call_get_id(AgentCall *call)
{
	return call->req->id;
}

static JsonNode *arg(AgentCall *call, const char *name)
{
	JsonNode *node = json_object_get_member(call->req->arguments, name);

	return node && !JSON_NODE_HOLDS_NULL(node) ? node : NULL;
}

const char *agent_call_get_string(AgentCall *call, const char *name)
{
	JsonNode *node = arg(call, name);

	return node ? json_node_get_string(node) : NULL;
}

gint64 agent_call_get_int(AgentCall *call, const char *name, gint64 def)
{
	JsonNode *node = arg(call, name);

	return node ? json_node_get_int(node) : def;
}

gboolean agent_call_get_bool(AgentCall *call, const char *name, gboolean def)
{
	JsonNode *node = arg(call, name);

	return node ? json_node_get_boolean(node) : def;
}

char **agent_call_dup_strv(AgentCall *call, const char *name)
{
	JsonNode *node = arg(call, name);
	JsonArray *a;
	char **v;

	if (!node)
		return NULL;
	a = json_node_get_array(node);
	v = g_new0(char *, json_array_get_length(a) + 1);
	for (guint i = 0; i < json_array_get_length(a); i++)
		v[i] = g_strdup(json_array_get_string_element(a, i));
	return v;
}

void agent_call_set_delimited(AgentCall *call)
{
	call->delimited = TRUE;
}

gboolean agent_call_is_answered(AgentCall *call)
{
	return call->answered;
}

static void answer(AgentCall *call, GBytes *line)
{
	g_return_if_fail(!call->answered);
	call->answered = TRUE;
	if (!call->client)
		return;
	/* A client gone in the meantime just misses the reply. */
	agent_client_send(call->client, line, call->delimited);
	agent_client_call_answered(call->client, call);
}

void agent_call_return(AgentCall *call, JsonObject *ret)
{
	g_autoptr(GBytes) line = agent_reply_return(call->req->id, ret);

	answer(call, line);
}

void agent_call_fail(AgentCall *call, GError *error)
{
	g_autoptr(GBytes) line = agent_reply_error(call->req->id, error);

	answer(call, line);
	g_error_free(error);
}

void agent_call_answered_elsewhere(AgentCall *call)
{
	call->answered = TRUE;
}
