// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "agent-conn.h"
#include "agent-error.h"

#define REPLY_MAX (4 * 1024 * 1024)
#define CHUNK (256 * 1024)

AgentConn *agent_conn_new(int fd, const char *endpoint, gint64 timeout_ms)
{
	AgentConn *c = g_new0(AgentConn, 1);

	/* Non-blocking, so every wait has the timeout. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c->fd = fd;
	c->next_id = 1;
	c->endpoint = g_strdup(endpoint);
	agent_io_init(&c->io, fd, NULL, timeout_ms, "agent connection");
	return c;
}

void agent_conn_free(AgentConn *c)
{
	if (!c)
		return;
	agent_io_clear(&c->io);
	close(c->fd);
	g_free(c->endpoint);
	g_free(c);
}

void agent_stream_result_clear(AgentStreamResult *r)
{
	if (r->final)
		json_object_unref(r->final);
	r->final = NULL;
}

JsonObject *agent_conn_parse_reply(const char *line, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local = NULL;
	JsonObject *obj;
	JsonObject *err;

	if (!json_parser_load_from_data(parser, line, -1, &local) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_PARSE, "agent replied \"%.80s\": %s",
			    line, local ? local->message : "not an object");
		return NULL;
	}
	obj = json_node_get_object(json_parser_get_root(parser));
	if (json_object_has_member(obj, "return") &&
	    JSON_NODE_HOLDS_OBJECT(json_object_get_member(obj, "return")))
		return json_object_ref(json_object_get_object_member(obj, "return"));
	if (json_object_has_member(obj, "error") &&
	    JSON_NODE_HOLDS_OBJECT(json_object_get_member(obj, "error"))) {
		err = json_object_get_object_member(obj, "error");
		g_set_error(error, AGENT_ERROR,
			    agent_error_class_from_name(
				    json_object_get_string_member_with_default(err, "class", "")),
			    "%s", json_object_get_string_member_with_default(err, "desc", "?"));
		return NULL;
	}
	g_set_error(error, AGENT_ERROR, AGENT_ERROR_PARSE,
		    "agent replied \"%.80s\": neither return nor error", line);
	return NULL;
}

/* The next reply line, skipping the sync delimiter. */
static char *read_reply_line(AgentConn *c, GError **error)
{
	char *line = agent_io_read_line(&c->io, REPLY_MAX, error);

	if (line && (guint8)line[0] == 0xFF)
		memmove(line, line + 1, strlen(line));
	return line;
}

static gboolean send_request(AgentConn *c, const char *execute, JsonObject *args, gint64 id,
			     GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	gsize len;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, execute);
	if (args) {
		JsonNode *node = json_node_new(JSON_NODE_OBJECT);

		json_node_set_object(node, args);
		json_builder_set_member_name(b, "arguments");
		json_builder_add_value(b, node);
	}
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, id);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, &len);
	return agent_io_write(&c->io, text, len, error) && agent_io_write(&c->io, "\n", 1, error);
}

JsonObject *agent_conn_call(AgentConn *c, const char *execute, JsonObject *args, GError **error)
{
	gint64 id = c->next_id++;
	g_autofree char *line = NULL;

	if (!send_request(c, execute, args, id, error))
		return NULL;
	line = read_reply_line(c, error);
	if (!line) {
		g_prefix_error(error, "%s: waiting for the reply to %s: ", c->endpoint, execute);
		return NULL;
	}
	return agent_conn_parse_reply(line, error);
}

JsonObject *agent_conn_attach(AgentConn *c, const char *token, GError **error)
{
	g_autoptr(JsonObject) args = json_object_new();

	json_object_set_string_member(args, "token", token);
	return agent_conn_call(c, "stream-attach", args, error);
}

/* The data connection's last word: {"return": job} or {"error": ...}. */
static gboolean read_final(AgentConn *c, AgentStreamResult *r, GError **error)
{
	g_autofree char *line = agent_io_read_line(&c->io, REPLY_MAX, error);

	if (!line) {
		g_prefix_error(error, "reading the job's final status: ");
		return FALSE;
	}
	r->final = agent_conn_parse_reply(line, error);
	return r->final != NULL;
}

void agent_conn_abort(AgentConn *c)
{
	shutdown(c->fd, SHUT_RDWR);
}

static void report(const AgentStreamHooks *h, guint64 bytes)
{
	if (h && h->progress)
		h->progress(bytes, h->user_data);
}

static gboolean write_out(GOutputStream *out, const guint8 *p, gsize len, const AgentStreamHooks *h,
			  GError **error)
{
	if (!g_output_stream_write_all(out, p, len, NULL, h ? h->cancellable : NULL, error)) {
		g_prefix_error(error, "writing the image: ");
		return FALSE;
	}
	return TRUE;
}

gboolean agent_conn_receive_image_stream(AgentConn *c, GOutputStream *out,
					 const AgentStreamOptions *o, const AgentStreamHooks *h,
					 AgentStreamResult *r, GError **error)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guint8 *buf = g_malloc(AGENT_FRAME_MAX);
	guint8 tr[AGENT_TRAILER_SIZE];
	g_autoptr(GError) verify_error = NULL;
	AgentTrailer trailer;
	gboolean so_stalled = FALSE;
	guint8 hdr[4];

	memset(r, 0, sizeof(*r));
	for (;;) {
		guint32 len;

		if (!agent_io_read_exact(&c->io, hdr, 4, "a frame header", error))
			return FALSE;
		len = agent_frame_header_decode(hdr);
		if (len == AGENT_FRAME_STATUS) {
			/* The job failed before the end: its status says why. */
			if (read_final(c, r, error)) {
				g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
					    "the agent ended the stream after %" G_GUINT64_FORMAT
					    " bytes without a trailer",
					    r->bytes);
			}
			return FALSE;
		}
		if (len == AGENT_FRAME_END)
			break;
		if (len > AGENT_FRAME_MAX) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
				    "frame of %u bytes at byte %" G_GUINT64_FORMAT, len, r->bytes);
			return FALSE;
		}
		if (!agent_io_read_exact(&c->io, buf, len, "a frame", error) ||
		    !write_out(out, buf, len, h, error))
			return FALSE;
		g_checksum_update(sum, buf, len);
		r->bytes += len;
		report(h, r->bytes);
		if (o->stall_after && !so_stalled && r->bytes >= o->stall_after) {
			/* A host that stops reading, once, as a test asks. */
			g_usleep((gulong)o->stall_ms * 1000);
			so_stalled = TRUE;
		}
		if (o->drop_after && r->bytes >= o->drop_after) {
			/* A host that goes away mid-stream, as a test asks. */
			shutdown(c->fd, SHUT_RDWR);
			r->dropped = TRUE;
			return TRUE;
		}
	}
	if (!agent_io_read_exact(&c->io, tr, sizeof(tr), "the trailer", error) ||
	    !agent_trailer_decode(tr, &trailer, error))
		return FALSE;
	g_checksum_get_digest(sum, r->sha256, &(gsize){AGENT_SHA256_LEN});
	if (!agent_trailer_verify(&trailer, r->bytes, r->sha256, &verify_error) && !verify_error)
		g_set_error(&verify_error, AGENT_ERROR, AGENT_ERROR_STREAM, "trailer mismatch");
	if (!verify_error && o->reject)
		g_set_error(&verify_error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "rejected by the client");
	/* The image is made safe on this side before the agent may drop the container. */
	if (!verify_error && h && h->commit && !h->commit(&trailer, h->user_data, &verify_error) &&
	    !verify_error)
		g_set_error(&verify_error, AGENT_ERROR, AGENT_ERROR_FAILED, "commit failed");
	if (verify_error) {
		g_autofree char *verdict = g_strdup_printf("FAIL %s\n", verify_error->message);

		/* One line: a reason with a newline in it would end the verdict early. */
		g_strdelimit(verdict, "\n", ' ');
		verdict[strlen(verdict) - 1] = '\n';
		if (!agent_io_write(&c->io, verdict, strlen(verdict), error))
			return FALSE;
	} else if (!agent_io_write(&c->io, "OK\n", 3, error)) {
		return FALSE;
	}
	if (!agent_io_read_exact(&c->io, hdr, 4, "the status marker", error))
		return FALSE;
	if (agent_frame_header_decode(hdr) != AGENT_FRAME_STATUS) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "expected the status marker after the trailer, got 0x%08x",
			    agent_frame_header_decode(hdr));
		return FALSE;
	}
	if (verify_error) {
		g_autoptr(GError) agent_error = NULL;

		/* Our reason is the cause; the agent's final word says how it rolled back. */
		if (!read_final(c, r, &agent_error))
			g_set_error(error, verify_error->domain, verify_error->code,
				    "%s (the agent: %s)", verify_error->message,
				    agent_error->message);
		else
			g_propagate_error(error, g_steal_pointer(&verify_error));
		return FALSE;
	}
	return read_final(c, r, error);
}

gboolean agent_conn_receive_image(AgentConn *c, int out_fd, const AgentStreamOptions *o,
				  AgentStreamResult *r, GError **error)
{
	g_autoptr(GOutputStream) out = g_unix_output_stream_new(out_fd, FALSE);

	return agent_conn_receive_image_stream(c, out, o, NULL, r, error);
}

/* Reads up to len bytes; 0 only at the end of the source. */
static gssize read_in(GInputStream *in, guint8 *buf, gsize len, const AgentStreamHooks *h,
		      GError **error)
{
	gsize got = 0;

	/* Fill whole chunks: frames stay large even from a pipe. */
	if (!g_input_stream_read_all(in, buf, len, &got, h ? h->cancellable : NULL, error)) {
		g_prefix_error(error, "reading the image: ");
		return -1;
	}
	return (gssize)got;
}

gboolean agent_conn_send_image_stream(AgentConn *c, GInputStream *in, const AgentStreamOptions *o,
				      const AgentStreamHooks *h, AgentStreamResult *r,
				      GError **error)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guint8 *buf = g_malloc(CHUNK);
	guint8 tr[AGENT_TRAILER_SIZE];
	g_autoptr(GError) send_error = NULL;
	g_autoptr(GError) source_error = NULL;
	AgentTrailer trailer;

	memset(r, 0, sizeof(*r));
	for (;;) {
		gssize n = read_in(in, buf, CHUNK, h, &source_error);

		if (n <= 0)
			break;
		g_checksum_update(sum, buf, (gsize)n);
		if (o->corrupt_at > r->bytes && o->corrupt_at <= r->bytes + (guint64)n)
			buf[o->corrupt_at - 1 - r->bytes] ^= 0x01;
		if (o->drop_after && r->bytes + (guint64)n >= o->drop_after) {
			agent_frame_write(&c->io, (guint32)(o->drop_after - r->bytes), buf, NULL);
			shutdown(c->fd, SHUT_RDWR);
			r->bytes = o->drop_after;
			r->dropped = TRUE;
			return TRUE;
		}
		/* The agent may refuse early and stop reading: its status says why. */
		if (!agent_frame_write(&c->io, (guint32)n, buf, &send_error))
			break;
		r->bytes += (guint64)n;
		report(h, r->bytes);
	}
	g_checksum_get_digest(sum, r->sha256, &(gsize){AGENT_SHA256_LEN});
	trailer.length = r->bytes;
	memcpy(trailer.sha256, r->sha256, AGENT_SHA256_LEN);
	if (!send_error && !source_error && h && h->trailer &&
	    !h->trailer(&trailer, h->user_data, &source_error) && !source_error)
		g_set_error(&source_error, AGENT_ERROR, AGENT_ERROR_FAILED, "trailer refused");
	if (source_error) {
		/*
		 * No trailer: the agent reads the end of the stream, kills what it
		 * restored so far and says so in its final line.
		 */
		shutdown(c->fd, SHUT_WR);
		if (!read_final(c, r, NULL))
			agent_stream_result_clear(r);
		g_propagate_error(error, g_steal_pointer(&source_error));
		return FALSE;
	}
	if (!send_error) {
		agent_trailer_encode(&trailer, tr);
		if (agent_frame_write(&c->io, AGENT_FRAME_END, NULL, &send_error))
			agent_io_write(&c->io, tr, sizeof(tr), &send_error);
	}
	if (!read_final(c, r, error)) {
		if (send_error)
			g_prefix_error(error, "(after sending failed: %s) ", send_error->message);
		return FALSE;
	}
	if (send_error) {
		g_propagate_error(error, g_steal_pointer(&send_error));
		return FALSE;
	}
	return TRUE;
}

gboolean agent_conn_send_image(AgentConn *c, int in_fd, const AgentStreamOptions *o,
			       AgentStreamResult *r, GError **error)
{
	g_autoptr(GInputStream) in = g_unix_input_stream_new(in_fd, FALSE);

	return agent_conn_send_image_stream(c, in, o, NULL, r, error);
}
