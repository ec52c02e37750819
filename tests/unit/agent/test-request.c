// SPDX-License-Identifier: GPL-2.0-only
/* Request parsing and argument checking, with the error class and text of each refusal. */
#include <string.h>

#include "agent-commands.h"
#include "agent-error.h"
#include "agent-request.h"

static AgentRequest *parse(const char *line, JsonNode **id, GError **error)
{
	return agent_request_parse(line, strlen(line), id, error);
}

static void expect_refused(const char *line, AgentErrorClass klass, const char *text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = parse(line, &id, &error);

	g_assert_null(req);
	g_assert_error(error, AGENT_ERROR, (gint)klass);
	if (!strstr(error->message, text))
		g_error("%s: '%s' lacks '%s'", line, error->message, text);
}

static void test_good(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = parse(
		"{\"execute\":\"job-status\",\"arguments\":{\"job\":3},\"id\":\"a\"}", &id, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(req->execute, ==, "job-status");
	g_assert_cmpint(json_object_get_int_member(req->arguments, "job"), ==, 3);
	g_assert_cmpstr(json_node_get_string(req->id), ==, "a");
	g_assert_cmpstr(json_node_get_string(id), ==, "a");
}

static void test_no_arguments(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = parse("{\"execute\":\"ping\"}", &id, &error);

	g_assert_no_error(error);
	g_assert_nonnull(req->arguments);
	g_assert_cmpuint(json_object_get_size(req->arguments), ==, 0);
	g_assert_null(req->id);
	g_assert_null(id);
}

static void test_refused(void)
{
	expect_refused("not json", AGENT_ERROR_PARSE, "not JSON");
	expect_refused("{\"execute\":", AGENT_ERROR_PARSE, "not JSON");
	expect_refused("[1,2]", AGENT_ERROR_INVALID_REQUEST, "not a JSON object");
	expect_refused("42", AGENT_ERROR_INVALID_REQUEST, "not a JSON object");
	expect_refused("{}", AGENT_ERROR_INVALID_REQUEST, "no \"execute\"");
	expect_refused("{\"execute\":7}", AGENT_ERROR_INVALID_REQUEST, "no \"execute\"");
	expect_refused("{\"execute\":\"ping\",\"arguments\":[]}", AGENT_ERROR_INVALID_REQUEST,
		       "must be an object");
	expect_refused("{\"execute\":\"ping\",\"extra\":1}", AGENT_ERROR_INVALID_REQUEST,
		       "unknown request member \"extra\"");
	expect_refused("{\"execute\":\"ping\",\"id\":{}}", AGENT_ERROR_INVALID_REQUEST,
		       "\"id\" must be");
	expect_refused("{\"execute\":\"\xc3\x28\"}", AGENT_ERROR_PARSE, "not UTF-8");
}

static void test_id_survives_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = parse("{\"id\":17,\"execute\":5}", &id, &error);

	g_assert_null(req);
	g_assert_nonnull(id);
	g_assert_cmpint(json_node_get_int(id), ==, 17);
}

static void test_nul(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = agent_request_parse("{\"execute\"\0:1}", 15, &id, &error);

	g_assert_null(req);
	g_assert_error(error, AGENT_ERROR, AGENT_ERROR_PARSE);
}

static void test_deep(void)
{
	g_autoptr(GString) s = g_string_new("{\"execute\":\"ping\",\"arguments\":{\"a\":");
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = NULL;

	for (int i = 0; i < 100000; i++)
		g_string_append_c(s, '[');
	req = agent_request_parse(s->str, s->len, &id, &error);
	g_assert_null(req);
	g_assert_error(error, AGENT_ERROR, AGENT_ERROR_PARSE);
	g_assert_nonnull(strstr(error->message, "nests deeper"));
}

static void expect_args(const char *cmd, const char *args, AgentErrorClass klass, const char *text)
{
	g_autofree char *line = g_strdup_printf("{\"execute\":\"%s\",\"arguments\":%s}", cmd, args);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = parse(line, &id, &error);
	const AgentCommand *c = agent_commands_lookup(cmd);

	g_assert_no_error(error);
	g_assert_nonnull(c);
	if (!text) {
		g_assert_true(agent_request_check_args(req, c->args, &error));
		g_assert_no_error(error);
		return;
	}
	g_assert_false(agent_request_check_args(req, c->args, &error));
	g_assert_error(error, AGENT_ERROR, (gint)klass);
	if (!strstr(error->message, text))
		g_error("%s: '%s' lacks '%s'", line, error->message, text);
}

static void test_args(void)
{
	const AgentErrorClass bad = AGENT_ERROR_INVALID_ARGUMENT;

	expect_args("job-status", "{\"job\":1}", 0, NULL);
	expect_args("job-status", "{}", bad, "missing argument \"job\" (integer)");
	expect_args("job-status", "{\"job\":\"1\"}", bad,
		    "\"job\" is a string, expected an integer");
	expect_args("job-status", "{\"job\":1.5}", bad, "is a fractional number");
	expect_args("job-status", "{\"job\":0}", bad, "is 0, expected 1 to 4294967295");
	expect_args("job-status", "{\"job\":1,\"x\":2}", bad, "unknown argument \"x\"");
	expect_args("job-status", "{\"job\":null}", bad, "is null");
	expect_args("checkpoint", "{\"container\":\"a\",\"mode\":null}", 0, NULL);
	expect_args("checkpoint", "{\"container\":\"a\",\"mode\":\"sideways\"}", bad,
		    "expected one of stop, leave-running, leave-frozen");
	expect_args("checkpoint", "{\"container\":\"a\",\"mode\":3}", bad, "is an integer");
	expect_args("container-run", "{\"container\":\"a\",\"command\":[\"sh\",\"-c\",\"x\"]}", 0,
		    NULL);
	expect_args("container-run", "{\"container\":\"a\",\"command\":\"sh\"}", bad,
		    "expected an array of strings");
	expect_args("container-run", "{\"container\":\"a\",\"command\":[\"sh\",1]}", bad,
		    "element 1 is an integer");
	expect_args("container-run", "{\"container\":\"a\",\"command\":[],\"log\":\"yes\"}", bad,
		    "\"log\" is a string, expected a boolean");
	expect_args("container-kill", "{\"container\":{}}", bad, "is an object");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/request/good", test_good);
	g_test_add_func("/agent/request/no-arguments", test_no_arguments);
	g_test_add_func("/agent/request/refused", test_refused);
	g_test_add_func("/agent/request/id-survives-errors", test_id_survives_errors);
	g_test_add_func("/agent/request/nul", test_nul);
	g_test_add_func("/agent/request/deep", test_deep);
	g_test_add_func("/agent/request/args", test_args);
	return g_test_run();
}
