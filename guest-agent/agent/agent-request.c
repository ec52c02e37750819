// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "agent-error.h"
#include "agent-request.h"

/* Reject JSON nested deeper than this: no request needs more than 3 levels. */
#define MAX_DEPTH 16

const char *agent_arg_type_name(AgentArgType type)
{
	switch (type) {
	case AGENT_ARG_STRING:
		return "string";
	case AGENT_ARG_INTEGER:
		return "integer";
	case AGENT_ARG_BOOLEAN:
		return "boolean";
	case AGENT_ARG_STRING_ARRAY:
		return "string-array";
	}
	return "?";
}

void agent_request_free(AgentRequest *req)
{
	if (!req)
		return;
	g_free(req->execute);
	if (req->arguments)
		json_object_unref(req->arguments);
	if (req->id)
		json_node_unref(req->id);
	g_free(req);
}

/*
 * json-glib recurses once per nesting level; a line of a million '['
 * would use the stack up. Count brackets outside strings first.
 */
static gboolean depth_ok(const char *line, gsize len)
{
	gboolean in_string = FALSE;
	int depth = 0;

	for (gsize i = 0; i < len; i++) {
		char ch = line[i];

		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = FALSE;
			continue;
		}
		if (ch == '"')
			in_string = TRUE;
		else if (ch == '[' || ch == '{')
			depth++;
		else if (ch == ']' || ch == '}')
			depth--;
		if (depth > MAX_DEPTH)
			return FALSE;
	}
	return TRUE;
}

static gboolean id_ok(JsonNode *id)
{
	/* Any scalar or null, as the client chose; no objects or arrays. */
	return JSON_NODE_HOLDS_VALUE(id) || JSON_NODE_HOLDS_NULL(id);
}

AgentRequest *agent_request_parse(const char *line, gsize len, JsonNode **id, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(AgentRequest) req = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GList) members = NULL;
	const char *bad = NULL;
	JsonObject *obj;
	JsonNode *root;
	JsonNode *node;

	*id = NULL;
	if (memchr(line, '\0', len) || !g_utf8_validate(line, (gssize)len, &bad)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_PARSE,
			    "request is not UTF-8 text: byte 0x%02x at offset %zu",
			    bad ? (guint8)*bad : 0, bad ? (gsize)(bad - line) : strlen(line));
		return NULL;
	}
	if (!depth_ok(line, len)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_PARSE,
			    "request nests deeper than %d levels", MAX_DEPTH);
		return NULL;
	}
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, line, (gssize)len, &local)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_PARSE, "request is not JSON: %s",
			    local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_REQUEST,
			    "request is not a JSON object");
		return NULL;
	}
	obj = json_node_get_object(root);
	node = json_object_get_member(obj, "id");
	if (node) {
		if (!id_ok(node)) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_REQUEST,
				    "\"id\" must be a string, a number, a boolean or null");
			return NULL;
		}
		*id = json_node_copy(node);
	}
	members = json_object_get_members(obj);
	for (GList *l = members; l; l = l->next) {
		const char *key = l->data;

		if (strcmp(key, "execute") != 0 && strcmp(key, "arguments") != 0 &&
		    strcmp(key, "id") != 0) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_REQUEST,
				    "unknown request member \"%s\" (expected execute, arguments, "
				    "id)",
				    key);
			return NULL;
		}
	}
	req = g_new0(AgentRequest, 1);
	node = json_object_get_member(obj, "execute");
	if (!node || json_node_get_value_type(node) != G_TYPE_STRING) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_REQUEST,
			    "request has no \"execute\" string");
		return NULL;
	}
	req->execute = g_strdup(json_node_get_string(node));
	node = json_object_get_member(obj, "arguments");
	if (node && !JSON_NODE_HOLDS_NULL(node)) {
		if (!JSON_NODE_HOLDS_OBJECT(node)) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_REQUEST,
				    "\"arguments\" of %s must be an object", req->execute);
			return NULL;
		}
		req->arguments = json_object_ref(json_node_get_object(node));
	} else {
		req->arguments = json_object_new();
	}
	if (*id)
		req->id = json_node_copy(*id);
	return g_steal_pointer(&req);
}

static const AgentArgSpec *find_spec(const AgentArgSpec *args, const char *name)
{
	for (const AgentArgSpec *a = args; a && a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

static const char *node_type_name(JsonNode *node)
{
	if (JSON_NODE_HOLDS_NULL(node))
		return "null";
	if (JSON_NODE_HOLDS_OBJECT(node))
		return "an object";
	if (JSON_NODE_HOLDS_ARRAY(node))
		return "an array";
	switch (json_node_get_value_type(node)) {
	case G_TYPE_STRING:
		return "a string";
	case G_TYPE_INT64:
		return "an integer";
	case G_TYPE_DOUBLE:
		return "a fractional number";
	case G_TYPE_BOOLEAN:
		return "a boolean";
	default:
		return "a value";
	}
}

static gboolean check_value(const char *cmd, const AgentArgSpec *spec, JsonNode *node,
			    GError **error)
{
	GType vt = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_INVALID;
	gboolean ok = FALSE;

	switch (spec->type) {
	case AGENT_ARG_STRING:
		ok = vt == G_TYPE_STRING;
		break;
	case AGENT_ARG_INTEGER:
		ok = vt == G_TYPE_INT64;
		break;
	case AGENT_ARG_BOOLEAN:
		ok = vt == G_TYPE_BOOLEAN;
		break;
	case AGENT_ARG_STRING_ARRAY:
		if (!JSON_NODE_HOLDS_ARRAY(node))
			break;
		ok = TRUE;
		for (guint i = 0; i < json_array_get_length(json_node_get_array(node)); i++) {
			JsonNode *el = json_array_get_element(json_node_get_array(node), i);

			if (!JSON_NODE_HOLDS_VALUE(el) ||
			    json_node_get_value_type(el) != G_TYPE_STRING) {
				g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
					    "%s: argument \"%s\" element %u is %s, expected a "
					    "string",
					    cmd, spec->name, i, node_type_name(el));
				return FALSE;
			}
		}
		break;
	}
	if (!ok) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "%s: argument \"%s\" is %s, expected %s", cmd, spec->name,
			    node_type_name(node),
			    spec->type == AGENT_ARG_INTEGER ? "an integer"
			    : spec->type == AGENT_ARG_BOOLEAN
				    ? "a boolean"
				    : (spec->type == AGENT_ARG_STRING ? "a string"
								      : "an array of strings"));
		return FALSE;
	}
	if (spec->type == AGENT_ARG_STRING && spec->values) {
		const char *s = json_node_get_string(node);
		g_autofree char *allowed = NULL;

		for (const char *const *v = spec->values; *v; v++)
			if (strcmp(*v, s) == 0)
				return TRUE;
		allowed = g_strjoinv(", ", (char **)spec->values);
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "%s: argument \"%s\" is \"%s\", expected one of %s", cmd, spec->name, s,
			    allowed);
		return FALSE;
	}
	if (spec->type == AGENT_ARG_INTEGER) {
		gint64 v = json_node_get_int(node);

		if (v < spec->min || v > spec->max) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "%s: argument \"%s\" is %" G_GINT64_FORMAT
				    ", expected %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
				    cmd, spec->name, v, spec->min, spec->max);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean agent_request_check_args(const AgentRequest *req, const AgentArgSpec *args, GError **error)
{
	g_autoptr(GList) members = json_object_get_members(req->arguments);

	for (GList *l = members; l; l = l->next) {
		const char *key = l->data;
		const AgentArgSpec *spec = find_spec(args, key);
		JsonNode *node;

		if (!spec) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "%s: unknown argument \"%s\"", req->execute, key);
			return FALSE;
		}
		node = json_object_get_member(req->arguments, key);
		/* null stands for "not given", which only an optional argument may be. */
		if (JSON_NODE_HOLDS_NULL(node) && !spec->required)
			continue;
		if (!check_value(req->execute, spec, node, error))
			return FALSE;
	}
	for (const AgentArgSpec *a = args; a && a->name; a++) {
		if (a->required && !json_object_has_member(req->arguments, a->name)) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "%s: missing argument \"%s\" (%s)", req->execute, a->name,
				    agent_arg_type_name(a->type));
			return FALSE;
		}
	}
	return TRUE;
}
