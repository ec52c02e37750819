// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "agent-client.h"
#include "agent-commands.h"
#include "agent-error.h"
#include "agent-line-reader.h"
#include "agent-reply.h"

#define READ_CHUNK (64 * 1024)

struct _AgentClient {
	gint ref;
	AgentServer *server;
	int fd;
	char *peer;
	AgentLineReader *reader;
	GByteArray *out;
	guint in_watch;
	guint out_watch;
	guint resume;
	AgentCall *current; /* answering later; holds the next requests back */
	gboolean eof;	    /* the peer sent all it will send */
	gboolean closing;   /* close once the output is out */
	gboolean closed;
};

static void update_watches(AgentClient *c);
static void process(AgentClient *c);

AgentClient *agent_client_ref(AgentClient *c)
{
	g_atomic_int_inc(&c->ref);
	return c;
}

void agent_client_unref(AgentClient *c)
{
	if (!c || !g_atomic_int_dec_and_test(&c->ref))
		return;
	g_assert(c->closed);
	agent_line_reader_free(c->reader);
	g_byte_array_unref(c->out);
	g_free(c->peer);
	g_free(c);
}

const char *agent_client_get_peer(AgentClient *c)
{
	return c->peer;
}

gboolean agent_client_is_closed(AgentClient *c)
{
	return c->closed;
}

static void remove_sources(AgentClient *c)
{
	if (c->in_watch)
		g_source_remove(c->in_watch);
	if (c->out_watch)
		g_source_remove(c->out_watch);
	if (c->resume)
		g_source_remove(c->resume);
	c->in_watch = c->out_watch = c->resume = 0;
}

/* Leaves the server's list; the caller decides what happens to the fd. */
static void finish(AgentClient *c)
{
	c->closed = TRUE;
	remove_sources(c);
	g_clear_pointer(&c->current, agent_call_unref);
	agent_server_forget_client(c->server, c);
}

void agent_client_close(AgentClient *c)
{
	if (c->closed)
		return;
	/* shutdown first: restored tasks may hold a copy of the fd for a while. */
	shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	c->fd = -1;
	finish(c);
}

int agent_client_detach(AgentClient *c, GBytes **input, GBytes **output)
{
	int fd = c->fd;

	*input = agent_line_reader_steal_pending(c->reader);
	*output = g_bytes_new(c->out->data, c->out->len);
	g_byte_array_set_size(c->out, 0);
	c->fd = -1;
	finish(c);
	return fd;
}

/* Writes what the socket takes now; FALSE if the connection broke. */
static gboolean flush(AgentClient *c)
{
	while (c->out->len) {
		ssize_t n = send(c->fd, c->out->data, c->out->len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return TRUE;
		if (n <= 0) {
			g_debug("%s: send: %s", c->peer, n < 0 ? g_strerror(errno) : "no progress");
			return FALSE;
		}
		g_byte_array_remove_range(c->out, 0, (guint)n);
	}
	return TRUE;
}

void agent_client_send(AgentClient *c, GBytes *line, gboolean delimited)
{
	static const guint8 delim = 0xFF;

	if (c->closed)
		return;
	if (delimited)
		g_byte_array_append(c->out, &delim, 1);
	g_byte_array_append(c->out, g_bytes_get_data(line, NULL), (guint)g_bytes_get_size(line));
	if (c->out->len > AGENT_MAX_PENDING_OUTPUT) {
		g_message("%s: closed: it left %u bytes of replies unread", c->peer, c->out->len);
		agent_client_close(c);
		return;
	}
	if (!flush(c)) {
		agent_client_close(c);
		return;
	}
	update_watches(c);
}

static void send_error(AgentClient *c, JsonNode *id, GError *error)
{
	g_autoptr(GBytes) line = agent_reply_error(id, error);

	agent_client_send(c, line, FALSE);
}

/* The connection cannot go on (garbage, oversize): answer, then close. */
static void send_error_and_close(AgentClient *c, JsonNode *id, GError *error)
{
	g_message("%s: %s; closing the connection", c->peer, error->message);
	send_error(c, id, error);
	c->closing = TRUE;
	update_watches(c);
}

static void dispatch(AgentClient *c, const char *line, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = agent_request_parse(line, len, &id, &error);
	const AgentCommand *cmd;
	AgentCall *call;

	if (!req) {
		/* Bytes that are not text mean the peer speaks something else. */
		if (g_error_matches(error, AGENT_ERROR, AGENT_ERROR_PARSE) &&
		    !g_utf8_validate(line, (gssize)len, NULL))
			send_error_and_close(c, id, error);
		else
			send_error(c, id, error);
		return;
	}
	cmd = agent_commands_lookup(req->execute);
	if (!cmd) {
		g_set_error(&error, AGENT_ERROR, AGENT_ERROR_UNKNOWN_COMMAND,
			    "unknown command \"%s\" (info lists the commands)", req->execute);
		send_error(c, id, error);
		return;
	}
	if (!agent_request_check_args(req, cmd->args, &error)) {
		send_error(c, id, error);
		return;
	}
	call = agent_call_new(c->server, c, g_steal_pointer(&req), cmd);
	cmd->func(call);
	if (!agent_call_is_answered(call))
		c->current = agent_call_ref(call);
	agent_call_unref(call);
}

static gboolean is_blank(const char *line, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isspace(line[i]))
			return FALSE;
	return TRUE;
}

static void process(AgentClient *c)
{
	agent_client_ref(c);
	while (!c->closed && !c->closing && !c->current) {
		const char *line;
		gsize len;
		AgentLineEvent ev = agent_line_reader_next(c->reader, &line, &len);

		if (ev == AGENT_LINE_NONE)
			break;
		if (ev == AGENT_LINE_TOO_LONG) {
			g_autoptr(GError) error =
				g_error_new(AGENT_ERROR, AGENT_ERROR_INVALID_REQUEST,
					    "request line longer than %zu bytes",
					    agent_server_get_config(c->server)->max_line);

			send_error_and_close(c, NULL, error);
			break;
		}
		if (!is_blank(line, len))
			dispatch(c, line, len);
	}
	/* What is left after the peer's end is a request cut off: drop it. */
	if (!c->closed && c->eof && !c->current && !c->out->len) {
		if (agent_line_reader_get_pending(c->reader))
			g_debug("%s: disconnected in the middle of a request", c->peer);
		agent_client_close(c);
	}
	if (!c->closed)
		update_watches(c);
	agent_client_unref(c);
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer data)
{
	AgentClient *c = data;
	guint8 buf[READ_CHUNK];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		c->eof = TRUE;
		c->in_watch = 0;
		if (n < 0)
			g_debug("%s: recv: %s", c->peer, g_strerror(errno));
		process(c);
		return G_SOURCE_REMOVE;
	}
	agent_line_reader_feed(c->reader, buf, (gsize)n);
	process(c);
	return G_SOURCE_CONTINUE;
}

static gboolean on_writable(int fd, GIOCondition cond, gpointer data)
{
	AgentClient *c = data;

	if (!flush(c)) {
		c->out_watch = 0;
		agent_client_close(c);
		return G_SOURCE_REMOVE;
	}
	if (c->out->len)
		return G_SOURCE_CONTINUE;
	c->out_watch = 0;
	if (c->closing || (c->eof && !c->current)) {
		agent_client_close(c);
		return G_SOURCE_REMOVE;
	}
	update_watches(c);
	return G_SOURCE_REMOVE;
}

/*
 * Read only while no call is pending (requests are served in order) and
 * the connection is not closing; write while output waits.
 */
static void update_watches(AgentClient *c)
{
	gboolean want_in = !c->closed && !c->eof && !c->closing && !c->current;
	gboolean want_out = !c->closed && c->out->len > 0;

	if (want_in && !c->in_watch)
		c->in_watch = g_unix_fd_add(c->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, c);
	else if (!want_in && c->in_watch) {
		g_source_remove(c->in_watch);
		c->in_watch = 0;
	}
	if (want_out && !c->out_watch)
		c->out_watch = g_unix_fd_add(c->fd, G_IO_OUT, on_writable, c);
	if (!c->closed && c->closing && !c->out->len)
		agent_client_close(c);
}

static gboolean resume(gpointer data)
{
	AgentClient *c = data;

	c->resume = 0;
	process(c);
	return G_SOURCE_REMOVE;
}

void agent_client_call_answered(AgentClient *c, AgentCall *call)
{
	if (c->closed || c->current != call)
		return;
	g_clear_pointer(&c->current, agent_call_unref);
	/* From the loop, not from inside whoever answered. */
	if (!c->resume)
		c->resume = g_idle_add(resume, c);
}

AgentClient *agent_client_new(AgentServer *server, int fd, const char *peer)
{
	AgentClient *c = g_new0(AgentClient, 1);

	c->ref = 1;
	c->server = server;
	c->fd = fd;
	c->peer = g_strdup(peer);
	c->reader = agent_line_reader_new(agent_server_get_config(server)->max_line);
	c->out = g_byte_array_new();
	update_watches(c);
	return c;
}
