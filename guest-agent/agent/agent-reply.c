// SPDX-License-Identifier: GPL-2.0-only
#include "agent-error.h"
#include "agent-reply.h"

static GBytes *finish(JsonObject *reply, JsonNode *id)
{
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	gsize len;
	char *text;

	if (id)
		json_object_set_member(reply, "id", json_node_copy(id));
	json_node_take_object(root, reply);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, &len);
	/* The generator escapes control characters, so the line holds no '\n'. */
	text = g_realloc(text, len + 1);
	text[len] = '\n';
	return g_bytes_new_take(text, len + 1);
}

GBytes *agent_reply_return(JsonNode *id, JsonObject *ret)
{
	JsonObject *reply = json_object_new();

	json_object_set_object_member(reply, "return", ret ? ret : json_object_new());
	return finish(reply, id);
}

GBytes *agent_reply_error(JsonNode *id, const GError *error)
{
	JsonObject *reply = json_object_new();
	JsonObject *err = json_object_new();

	json_object_set_string_member(err, "class",
				      agent_error_class_name(agent_error_class_of(error)));
	json_object_set_string_member(err, "desc", error ? error->message : "unknown error");
	json_object_set_object_member(reply, "error", err);
	return finish(reply, id);
}
