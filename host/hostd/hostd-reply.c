// SPDX-License-Identifier: GPL-2.0-only
#include "hostd-reply.h"

static char *line_of(JsonObject *o)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autofree char *text = NULL;

	json_node_take_object(node, o);
	text = json_to_string(node, FALSE);
	return g_strconcat(text, "\n", NULL);
}

char *hostd_reply_return(JsonObject *ret)
{
	JsonObject *o = json_object_new();

	json_object_set_object_member(o, "return", ret ? ret : json_object_new());
	return line_of(o);
}

char *hostd_reply_error(const char *klass, const char *desc)
{
	JsonObject *o = json_object_new();
	JsonObject *e = json_object_new();

	json_object_set_string_member(e, "class", klass);
	json_object_set_string_member(e, "desc", desc);
	json_object_set_object_member(o, "error", e);
	return line_of(o);
}

gboolean hostd_request_parse(const char *line, char **execute, JsonObject **args, char **reply)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *req;
	JsonNode *node;

	*execute = NULL;
	*args = NULL;
	if (!g_utf8_validate(line, -1, NULL)) {
		*reply = hostd_reply_error("parse-error", "the request is not UTF-8 text");
		return FALSE;
	}
	if (!json_parser_load_from_data(parser, line, -1, &error)) {
		g_autofree char *desc =
			g_strdup_printf("the request is not JSON: %s", error->message);

		*reply = hostd_reply_error("parse-error", desc);
		return FALSE;
	}
	node = json_parser_get_root(parser);
	if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
		*reply = hostd_reply_error("invalid-request", "the request is not a JSON object");
		return FALSE;
	}
	req = json_node_get_object(node);
	node = json_object_get_member(req, "execute");
	if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING) {
		*reply = hostd_reply_error("invalid-request",
					   "the request has no \"execute\" string");
		return FALSE;
	}
	*execute = g_strdup(json_node_get_string(node));
	node = json_object_get_member(req, "arguments");
	if (node && !JSON_NODE_HOLDS_NULL(node)) {
		if (!JSON_NODE_HOLDS_OBJECT(node)) {
			g_clear_pointer(execute, g_free);
			*reply = hostd_reply_error("invalid-request",
						   "\"arguments\" is not an object");
			return FALSE;
		}
		*args = json_object_ref(json_node_get_object(node));
	} else {
		*args = json_object_new();
	}
	return TRUE;
}

gboolean hostd_arg_string(JsonObject *args, const char *name, gboolean required, const char **value,
			  char **reply)
{
	JsonNode *node = json_object_get_member(args, name);

	*value = NULL;
	if (!node || JSON_NODE_HOLDS_NULL(node)) {
		if (required) {
			g_autofree char *desc = g_strdup_printf("argument %s is missing", name);

			*reply = hostd_reply_error("invalid-argument", desc);
			return FALSE;
		}
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		g_autofree char *desc = g_strdup_printf("argument %s: not a string", name);

		*reply = hostd_reply_error("invalid-argument", desc);
		return FALSE;
	}
	*value = json_node_get_string(node);
	return TRUE;
}
