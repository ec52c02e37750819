/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client side of the agent protocol, for ckpt-agent-client and the
 * tests: calls on a control connection, and the two directions of an image
 * stream on a data connection. Errors the agent reports come back in the
 * AGENT_ERROR domain with the code of their class.
 */
#ifndef AGENT_CONN_H
#define AGENT_CONN_H

#include <json-glib/json-glib.h>

#include "agent-frame.h"
#include "agent-io.h"

G_BEGIN_DECLS

typedef struct {
	int fd;
	AgentIo io;
	gint64 next_id;
	char *endpoint;
} AgentConn;

/* Wraps a connected fd (taken); timeout_ms bounds each wait (0: none). */
AgentConn *agent_conn_new(int fd, const char *endpoint, gint64 timeout_ms);
void agent_conn_free(AgentConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentConn, agent_conn_free)

/* Sends a request and returns its "return" object, or NULL with the error. */
JsonObject *agent_conn_call(AgentConn *conn, const char *execute, JsonObject *args, GError **error);

/* A reply line ({"return"} or {"error"}) into its object or error. */
JsonObject *agent_conn_parse_reply(const char *line, GError **error);

typedef struct {
	guint64 drop_after;  /* close the connection after this many bytes (tests) */
	gboolean reject;     /* answer the trailer with FAIL (tests) */
	guint64 corrupt_at;  /* restore: flip this byte (1-based; 0: none) after hashing */
	guint64 stall_after; /* checkpoint: stop reading for stall_ms after this many bytes */
	guint stall_ms;
} AgentStreamOptions;

typedef struct {
	guint64 bytes;
	guint8 sha256[AGENT_SHA256_LEN];
	gboolean dropped;  /* stopped early, as drop_after asked */
	JsonObject *final; /* the job's last word, on success */
} AgentStreamResult;

void agent_stream_result_clear(AgentStreamResult *r);

/*
 * Attaches a stream: sends stream-attach with token on this (fresh)
 * connection and returns its reply.
 */
JsonObject *agent_conn_attach(AgentConn *conn, const char *token, GError **error);

/*
 * Checkpoint side: frames into out_fd, hashing; the trailer verified, OK
 * sent, then the job's final status read. FALSE with the first error.
 */
gboolean agent_conn_receive_image(AgentConn *conn, int out_fd, const AgentStreamOptions *o,
				  AgentStreamResult *r, GError **error);

/* Restore side: in_fd sent as frames and a trailer, then the final status read. */
gboolean agent_conn_send_image(AgentConn *conn, int in_fd, const AgentStreamOptions *o,
			       AgentStreamResult *r, GError **error);

G_END_DECLS

#endif /* AGENT_CONN_H */
