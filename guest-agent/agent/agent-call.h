/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One request being served: the command, its checked arguments, and
 * where the answer goes. A command answers exactly once, with
 * agent_call_return or agent_call_fail, at once or later from the main
 * thread (a job's completion). Until then the client's next requests wait,
 * so replies come in request order on each connection.
 */
#ifndef AGENT_CALL_H
#define AGENT_CALL_H

#include <json-glib/json-glib.h>

#include "agent-request.h"
#include "agent-server.h"

G_BEGIN_DECLS

typedef struct _AgentCall AgentCall;
typedef struct _AgentCommand AgentCommand;

AgentCall *agent_call_new(AgentServer *server, AgentClient *client, AgentRequest *req,
			  const AgentCommand *cmd);
AgentCall *agent_call_ref(AgentCall *call);
void agent_call_unref(AgentCall *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentCall, agent_call_unref)

AgentServer *agent_call_get_server(AgentCall *call);
AgentClient *agent_call_get_client(AgentCall *call);
const char *agent_call_get_command(AgentCall *call);
JsonNode *agent_call_get_id(AgentCall *call);

/* Arguments, already checked against the command's list: absent gives the default. */
const char *agent_call_get_string(AgentCall *call, const char *name);
gint64 agent_call_get_int(AgentCall *call, const char *name, gint64 def);
gboolean agent_call_get_bool(AgentCall *call, const char *name, gboolean def);
char **agent_call_dup_strv(AgentCall *call, const char *name);

/* Precede the reply with the 0xFF delimiter (sync). */
void agent_call_set_delimited(AgentCall *call);

/* The answer; ret (taken) NULL means {}. Main thread only. */
void agent_call_return(AgentCall *call, JsonObject *ret);
/* error is taken. */
void agent_call_fail(AgentCall *call, GError *error);
/*
 * Answered by taking the client's connection (stream-attach): the call
 * counts as answered and nothing is sent through the client.
 */
void agent_call_answered_elsewhere(AgentCall *call);
gboolean agent_call_is_answered(AgentCall *call);

G_END_DECLS

#endif /* AGENT_CALL_H */
