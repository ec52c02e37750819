/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client side of the agent protocol, for ckpt-agent-client, ckpt-host,
 * ckpt-hostd and the tests: calls on a control connection, and the two
 * directions of an image stream on a data connection, from or into a file
 * descriptor or a GIO stream. Errors the agent reports come back in the
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

/* Image bytes moved so far; called from the thread that moves them. */
typedef void (*AgentProgressFunc)(guint64 bytes, gpointer user_data);

/*
 * Checkpoint side: called once the agent's trailer matched what arrived
 * and before the agent hears OK, which lets it stop the container. The
 * host makes the image safe here (fsync and rename, a store commit, or in
 * a migration the hand-over to the other side). An error is sent to the
 * agent as "FAIL reason" (the container is thawed) and returned.
 */
typedef gboolean (*AgentCommitFunc)(const AgentTrailer *trailer, gpointer user_data,
				    GError **error);

/*
 * Restore side: called when the source ended, before the trailer goes out,
 * with the trailer computed from what was sent. It may put in a digest
 * recorded elsewhere (a store image's sha256), so the agent checks the
 * bytes against it; or refuse, and no trailer is sent: the agent sees the
 * stream cut and kills the restored container before it ran.
 */
typedef gboolean (*AgentTrailerFunc)(AgentTrailer *trailer, gpointer user_data, GError **error);

typedef struct {
	AgentProgressFunc progress;
	AgentCommitFunc commit;	  /* receive only */
	AgentTrailerFunc trailer; /* send only */
	gpointer user_data;
	GCancellable *cancellable; /* for the GIO stream's own reads and writes */
} AgentStreamHooks;

/* agent_conn_receive_image() into a GOutputStream (not closed), with hooks (may be NULL). */
gboolean agent_conn_receive_image_stream(AgentConn *conn, GOutputStream *out,
					 const AgentStreamOptions *o, const AgentStreamHooks *hooks,
					 AgentStreamResult *r, GError **error);

/* agent_conn_send_image() from a GInputStream (read to its end, not closed), with hooks. */
gboolean agent_conn_send_image_stream(AgentConn *conn, GInputStream *in,
				      const AgentStreamOptions *o, const AgentStreamHooks *hooks,
				      AgentStreamResult *r, GError **error);

/*
 * Shuts the connection down both ways, from any thread: a transfer blocked
 * on it fails at once (how ckpt-host aborts on SIGINT). The fd stays open
 * until agent_conn_free().
 */
void agent_conn_abort(AgentConn *conn);

G_END_DECLS

#endif /* AGENT_CONN_H */
