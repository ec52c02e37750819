// SPDX-License-Identifier: GPL-2.0-only
/*
 * proto/agent-schema.json and the agent's dispatch table must describe the
 * same protocol: the same commands in the same order, each with the same
 * arguments (name, type, required, allowed values, integer bounds), and
 * the same error classes. The schema's path comes from AGENT_SCHEMA.
 */
#include <string.h>

#include "agent-commands.h"
#include "agent-error.h"

static JsonObject *schema;

static JsonArray *member_array(JsonObject *o, const char *name)
{
	g_assert_true(json_object_has_member(o, name));
	return json_object_get_array_member(o, name);
}

static JsonObject *schema_command(const char *name)
{
	JsonArray *cmds = member_array(schema, "commands");

	for (guint i = 0; i < json_array_get_length(cmds); i++) {
		JsonObject *c = json_array_get_object_element(cmds, i);

		if (strcmp(json_object_get_string_member(c, "name"), name) == 0)
			return c;
	}
	return NULL;
}

static void test_commands(void)
{
	JsonArray *cmds = member_array(schema, "commands");
	const AgentCommand *table;
	guint n;

	table = agent_commands_get_all(&n);
	for (guint i = 0; i < n; i++) {
		if (!schema_command(table[i].name))
			g_error("command %s is in the dispatch table but not in the schema",
				table[i].name);
	}
	for (guint i = 0; i < json_array_get_length(cmds); i++) {
		const char *name = json_object_get_string_member(
			json_array_get_object_element(cmds, i), "name");

		if (!agent_commands_lookup(name))
			g_error("command %s is in the schema but not in the dispatch table", name);
		if (i < n && strcmp(table[i].name, name) != 0)
			g_error("command %u: the schema has %s, the table %s (same order, please)",
				i, name, table[i].name);
	}
	g_assert_cmpuint(json_array_get_length(cmds), ==, n);
}

static void check_arg(const char *cmd, const AgentArgSpec *spec, JsonObject *arg)
{
	const char *type = json_object_get_string_member(arg, "type");
	gboolean required = json_object_get_boolean_member(arg, "required");
	JsonArray *values = json_object_has_member(arg, "values")
				    ? json_object_get_array_member(arg, "values")
				    : NULL;
	gint64 min = json_object_get_int_member_with_default(arg, "min", G_MININT64);
	gint64 max = json_object_get_int_member_with_default(arg, "max", G_MAXINT64);
	guint nvalues = 0;

	if (strcmp(type, agent_arg_type_name(spec->type)) != 0)
		g_error("%s argument %s: schema type %s, table type %s", cmd, spec->name, type,
			agent_arg_type_name(spec->type));
	if (required != spec->required)
		g_error("%s argument %s: required is %d in the schema, %d in the table", cmd,
			spec->name, required, spec->required);
	for (const char *const *v = spec->values; v && *v; v++, nvalues++) {
		if (!values || nvalues >= json_array_get_length(values) ||
		    strcmp(json_array_get_string_element(values, nvalues), *v) != 0)
			g_error("%s argument %s: value %s differs from the schema's", cmd,
				spec->name, *v);
	}
	if (values && json_array_get_length(values) != nvalues)
		g_error("%s argument %s: the schema lists %u values, the table %u", cmd, spec->name,
			json_array_get_length(values), nvalues);
	if (spec->type == AGENT_ARG_INTEGER && (min != spec->min || max != spec->max))
		g_error("%s argument %s: schema bounds %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
			", table %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
			cmd, spec->name, min, max, spec->min, spec->max);
}

static void test_arguments(void)
{
	const AgentCommand *table;
	guint n;

	table = agent_commands_get_all(&n);
	for (guint i = 0; i < n; i++) {
		JsonObject *c = schema_command(table[i].name);
		JsonArray *args = member_array(c, "arguments");
		guint nargs = 0;

		for (const AgentArgSpec *a = table[i].args; a->name; a++, nargs++) {
			JsonObject *found = NULL;

			for (guint j = 0; j < json_array_get_length(args); j++) {
				JsonObject *sa = json_array_get_object_element(args, j);

				if (strcmp(json_object_get_string_member(sa, "name"), a->name) == 0)
					found = sa;
			}
			if (!found)
				g_error("%s: argument %s is missing from the schema", table[i].name,
					a->name);
			check_arg(table[i].name, a, found);
		}
		if (json_array_get_length(args) != nargs)
			g_error("%s: the schema lists %u arguments, the table %u", table[i].name,
				json_array_get_length(args), nargs);
		/* Every command and argument is documented. */
		g_assert_cmpstr(json_object_get_string_member_with_default(c, "doc", ""), !=, "");
	}
}

static void test_errors(void)
{
	JsonArray *errors = member_array(schema, "errors");

	g_assert_cmpuint(json_array_get_length(errors), ==, AGENT_ERROR_N_CLASSES);
	for (guint i = 0; i < AGENT_ERROR_N_CLASSES; i++) {
		JsonObject *e = json_array_get_object_element(errors, i);

		g_assert_cmpstr(json_object_get_string_member(e, "class"), ==,
				agent_error_class_name(i));
	}
}

int main(int argc, char **argv)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	const char *path = g_getenv("AGENT_SCHEMA");

	g_test_init(&argc, &argv, NULL);
	if (!path)
		g_error("AGENT_SCHEMA is not set");
	if (!json_parser_load_from_file(parser, path, &error))
		g_error("%s: %s", path, error->message);
	schema = json_node_get_object(json_parser_get_root(parser));
	g_test_add_func("/agent/schema/commands", test_commands);
	g_test_add_func("/agent/schema/arguments", test_arguments);
	g_test_add_func("/agent/schema/errors", test_errors);
	return g_test_run();
}
