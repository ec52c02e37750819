/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One control connection: newline-delimited requests in, reply lines out.
 * Requests are served one at a time, in order; a command that answers
 * later (a job) holds the next ones back. Output that the peer does not
 * read is bounded: past AGENT_MAX_PENDING_OUTPUT the connection is closed.
 * Lines over the size limit and bytes that are not text get an error and a
 * close; malformed JSON, unknown commands and bad arguments get an error
 * and the connection goes on.
 */
#ifndef AGENT_CLIENT_H
#define AGENT_CLIENT_H

#include "agent-call.h"
#include "agent-server.h"

G_BEGIN_DECLS

/* Takes fd (non-blocking). The server holds the reference it returns. */
AgentClient *agent_client_new(AgentServer *server, int fd, const char *peer);
AgentClient *agent_client_ref(AgentClient *client);
void agent_client_unref(AgentClient *client);

const char *agent_client_get_peer(AgentClient *client);
gboolean agent_client_is_closed(AgentClient *client);

/* Queues a reply line; delimited puts the 0xFF sync delimiter first. */
void agent_client_send(AgentClient *client, GBytes *line, gboolean delimited);
/* The call that held the connection was answered: serve the next request. */
void agent_client_call_answered(AgentClient *client, AgentCall *call);

/*
 * Hands the connection over (stream-attach): returns the fd, the bytes
 * read but not yet parsed (*input) and the replies not yet sent (*output).
 * The client is closed without closing the fd.
 */
int agent_client_detach(AgentClient *client, GBytes **input, GBytes **output);

/* Closes now, dropping unsent output. */
void agent_client_close(AgentClient *client);

G_END_DECLS

#endif /* AGENT_CLIENT_H */
