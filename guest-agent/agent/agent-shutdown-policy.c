// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <glib/gstdio.h>

#include "agent-error.h"
#include "agent-shutdown-policy.h"
#include "ckpt-guest.h"

AgentShutdownPolicy *agent_shutdown_policy_new(void)
{
	AgentShutdownPolicy *p = g_new0(AgentShutdownPolicy, 1);

	p->containers = g_new0(char *, 1);
	p->port = AGENT_DEFAULT_PUSH_PORT;
	p->cid = 2;
	p->timeout_ms = AGENT_DEFAULT_PUSH_TIMEOUT_MS;
	return p;
}

AgentShutdownPolicy *agent_shutdown_policy_copy(const AgentShutdownPolicy *p)
{
	AgentShutdownPolicy *c = g_memdup2(p, sizeof(*p));

	c->containers = g_strdupv(p->containers);
	return c;
}

void agent_shutdown_policy_free(AgentShutdownPolicy *p)
{
	if (!p)
		return;
	g_strfreev(p->containers);
	g_free(p);
}

gboolean agent_shutdown_policy_is_active(const AgentShutdownPolicy *p)
{
	return p && p->containers[0] != NULL;
}

JsonObject *agent_shutdown_policy_to_json(const AgentShutdownPolicy *p)
{
	JsonObject *o = json_object_new();
	JsonArray *names = json_array_new();

	for (char **n = p->containers; *n; n++)
		json_array_add_string_element(names, *n);
	json_object_set_array_member(o, "containers", names);
	json_object_set_int_member(o, "port", p->port);
	json_object_set_int_member(o, "timeout-ms", p->timeout_ms);
	json_object_set_int_member(o, "cid", p->cid);
	return o;
}

static gboolean get_uint(JsonObject *o, const char *name, gint64 min, gint64 max, gint64 *out,
			 GError **error)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || JSON_NODE_HOLDS_NULL(n))
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < min || json_node_get_int(n) > max) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "shutdown policy: \"%s\" must be an integer from %" G_GINT64_FORMAT
			    " to %" G_GINT64_FORMAT,
			    name, min, max);
		return FALSE;
	}
	*out = json_node_get_int(n);
	return TRUE;
}

gboolean agent_shutdown_policy_set_containers(AgentShutdownPolicy *p, const char *const *names,
					      GError **error)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; names && names[i]; i++) {
		gboolean dup = FALSE;

		if (!ckpt_container_name_check(names[i], error)) {
			g_prefix_error(error, "shutdown policy: containers[%u]: ", i);
			return FALSE;
		}
		/* Named twice would mean pushed twice. */
		for (guint j = 0; j < list->len; j++)
			dup |= g_strcmp0(g_ptr_array_index(list, j), names[i]) == 0;
		if (!dup)
			g_ptr_array_add(list, g_strdup(names[i]));
	}
	g_ptr_array_add(list, NULL);
	g_strfreev(p->containers);
	p->containers = (char **)g_ptr_array_steal(list, NULL);
	return TRUE;
}

AgentShutdownPolicy *agent_shutdown_policy_from_json(JsonObject *o, GError **error)
{
	g_autoptr(AgentShutdownPolicy) p = agent_shutdown_policy_new();
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	JsonNode *list = json_object_get_member(o, "containers");
	gint64 port = p->port, cid = p->cid, timeout = p->timeout_ms;
	JsonArray *a;

	if (!list || !JSON_NODE_HOLDS_ARRAY(list)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "shutdown policy: \"containers\" must be an array of names");
		return NULL;
	}
	a = json_node_get_array(list);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *el = json_array_get_element(a, i);

		if (!JSON_NODE_HOLDS_VALUE(el) || json_node_get_value_type(el) != G_TYPE_STRING) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "shutdown policy: containers[%u] is not a string", i);
			return NULL;
		}
		g_ptr_array_add(names, (gpointer)json_node_get_string(el));
	}
	g_ptr_array_add(names, NULL);
	if (!agent_shutdown_policy_set_containers(p, (const char *const *)names->pdata, error) ||
	    !get_uint(o, "port", 1, G_MAXUINT32 - 1, &port, error) ||
	    !get_uint(o, "cid", 1, G_MAXUINT32 - 1, &cid, error) ||
	    !get_uint(o, "timeout-ms", 1, AGENT_SHUTDOWN_TIMEOUT_MAX_MS, &timeout, error))
		return NULL;
	p->port = (guint32)port;
	p->cid = (guint32)cid;
	p->timeout_ms = timeout;
	return g_steal_pointer(&p);
}

AgentShutdownPolicy *agent_shutdown_policy_load(const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, AGENT_SHUTDOWN_POLICY_FILE, NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local = NULL;
	AgentShutdownPolicy *p;
	JsonNode *root;

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return NULL;
	if (!json_parser_load_from_file(parser, path, &local)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "%s: %s", path, local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "%s: not a JSON object", path);
		return NULL;
	}
	p = agent_shutdown_policy_from_json(json_node_get_object(root), &local);
	if (!p)
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "%s: %s", path, local->message);
	return p;
}

gboolean agent_shutdown_policy_save(const AgentShutdownPolicy *p, const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, AGENT_SHUTDOWN_POLICY_FILE, NULL);
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;

	if (!agent_shutdown_policy_is_active(p)) {
		if (g_unlink(path) < 0 && errno != ENOENT) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "%s: cannot remove: %s",
				    path, g_strerror(errno));
			return FALSE;
		}
		return TRUE;
	}
	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "%s: cannot create: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, agent_shutdown_policy_to_json(p));
	text = json_to_string(node, TRUE);
	/* Written to a temporary file and renamed: never half a policy. */
	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
				      &local)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}
