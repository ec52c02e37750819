// SPDX-License-Identifier: GPL-2.0-only
#include <gio/gunixsocketaddress.h>

#include "hostd-client.h"

#define DEFAULT_PATH "/run/ckpt-hostd/control.sock"
#define REPLY_MAX (16 * 1024 * 1024)

const char *hostd_client_default_path(void)
{
	const char *env = g_getenv("CKPT_HOSTD_SOCKET");

	return env && *env ? env : DEFAULT_PATH;
}

static char *request_line(const char *execute, JsonObject *args)
{
	g_autoptr(JsonObject) req = json_object_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autofree char *text = NULL;

	json_object_set_string_member(req, "execute", execute);
	if (args)
		json_object_set_object_member(req, "arguments", json_object_ref(args));
	json_node_set_object(node, req);
	text = json_to_string(node, FALSE);
	return g_strconcat(text, "\n", NULL);
}

JsonObject *hostd_client_call(const char *path, const char *execute, JsonObject *args,
			      guint timeout_ms, GError **error)
{
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *req = request_line(execute, args);
	g_autofree char *line = NULL;
	JsonObject *obj;
	gsize len = 0;

	if (!path)
		path = hostd_client_default_path();
	addr = g_unix_socket_address_new(path);
	g_socket_client_set_timeout(client, (timeout_ms + 999) / 1000);
	conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, error);
	if (!conn) {
		g_prefix_error(error, "ckpt-hostd at %s: ", path);
		return NULL;
	}
	if (!g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req,
				       strlen(req), NULL, NULL, error)) {
		g_prefix_error(error, "ckpt-hostd at %s: sending %s: ", path, execute);
		return NULL;
	}
	in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_buffered_input_stream_set_buffer_size(G_BUFFERED_INPUT_STREAM(in), 65536);
	line = g_data_input_stream_read_line(in, &len, NULL, error);
	if (!line) {
		if (error && !*error)
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
				    "ckpt-hostd at %s closed the connection without answering",
				    path);
		else
			g_prefix_error(error, "ckpt-hostd at %s: reading the reply: ", path);
		return NULL;
	}
	if (len > REPLY_MAX || !json_parser_load_from_data(parser, line, (gssize)len, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "ckpt-hostd at %s answered \"%.80s\": not a JSON object", path, line);
		return NULL;
	}
	obj = json_node_get_object(json_parser_get_root(parser));
	if (json_object_has_member(obj, "return") &&
	    JSON_NODE_HOLDS_OBJECT(json_object_get_member(obj, "return")))
		return json_object_ref(json_object_get_object_member(obj, "return"));
	if (json_object_has_member(obj, "error") &&
	    JSON_NODE_HOLDS_OBJECT(json_object_get_member(obj, "error"))) {
		JsonObject *e = json_object_get_object_member(obj, "error");

		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ckpt-hostd: %s: %s",
			    json_object_get_string_member_with_default(e, "class", "?"),
			    json_object_get_string_member_with_default(e, "desc", "?"));
		return NULL;
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		    "ckpt-hostd at %s answered neither return nor error", path);
	return NULL;
}
