// SPDX-License-Identifier: GPL-2.0-only
/*
 * container-run: start COMMAND as pid 1 of a new container, as `ckpt run`
 * does; answers once the command was executed, with the init's pid. The
 * agent is the init's parent and reaps it when it ends.
 */
#include "agent-commands.h"
#include "agent-container-op.h"
#include "agent-error.h"

const AgentArgSpec agent_cmd_container_run_args[] = {
	{"container", AGENT_ARG_STRING, TRUE},
	{"command", AGENT_ARG_STRING_ARRAY, TRUE},
	{"env", AGENT_ARG_STRING_ARRAY, FALSE},
	{"hostname", AGENT_ARG_STRING, FALSE},
	{"rootfs", AGENT_ARG_STRING, FALSE},
	{"log", AGENT_ARG_BOOLEAN, FALSE},
	{NULL},
};

typedef struct {
	AgentServer *server;
	char **argv;
	char **env;
	char *hostname;
	char *rootfs;
	gboolean log;
} Run;

static void run_free(gpointer p)
{
	Run *r = p;

	g_strfreev(r->argv);
	g_strfreev(r->env);
	g_free(r->hostname);
	g_free(r->rootfs);
	g_free(r);
}

static JsonObject *run(AgentJob *job, CkptContainer *c, gpointer data, GError **error)
{
	Run *r = data;
	CkptRunOptions o = {
		.argv = r->argv,
		.env = r->env,
		.hostname = r->hostname,
		.rootfs = r->rootfs,
		.log = r->log,
	};
	JsonObject *ret;
	pid_t pid = ckpt_container_run(c, &o, error);

	if (!pid)
		return NULL;
	agent_server_watch_child(r->server, pid);
	ret = json_object_new();
	json_object_set_string_member(ret, "container", ckpt_container_get_name(c));
	json_object_set_int_member(ret, "init-pid", pid);
	return ret;
}

void agent_cmd_container_run(AgentCall *call)
{
	Run *r = g_new0(Run, 1);
	AgentContainerOp op = {
		.kind = AGENT_JOB_RUN,
		.func = run,
		.data = r,
		.free_data = run_free,
	};

	r->server = agent_call_get_server(call);
	r->argv = agent_call_dup_strv(call, "command");
	r->env = agent_call_dup_strv(call, "env");
	r->hostname = g_strdup(agent_call_get_string(call, "hostname"));
	r->rootfs = g_strdup(agent_call_get_string(call, "rootfs"));
	r->log = agent_call_get_bool(call, "log", FALSE);
	if (!r->argv[0]) {
		run_free(r);
		agent_call_fail(call, g_error_new(AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
						  "container-run: \"command\" is empty"));
		return;
	}
	agent_container_op_start(call, agent_call_get_string(call, "container"), &op);
}
