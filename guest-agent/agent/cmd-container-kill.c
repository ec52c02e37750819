// SPDX-License-Identifier: GPL-2.0-only
/*
 * container-kill: without "signal", SIGKILL every task (cgroup.kill), wait
 * until they are gone and remove the container, as `ckpt kill` does; with
 * "signal" ("TERM", "SIGUSR1", "15"), only send it to the container's init.
 */
#include <signal.h>
#include <string.h>

#include "agent-commands.h"
#include "agent-container-op.h"
#include "agent-error.h"

const AgentArgSpec agent_cmd_container_kill_args[] = {
	{"container", AGENT_ARG_STRING, TRUE},
	{"signal", AGENT_ARG_STRING, FALSE},
	{"timeout-ms", AGENT_ARG_INTEGER, FALSE, NULL, 1, AGENT_TIMEOUT_MAX_MS},
	{NULL},
};

typedef struct {
	int signo; /* 0: kill and remove */
	gint64 timeout_ms;
} Kill;

static int parse_signal(const char *text)
{
	const char *name = g_ascii_strncasecmp(text, "SIG", 3) == 0 ? text + 3 : text;
	guint64 v;

	if (g_ascii_string_to_unsigned(text, 10, 1, SIGRTMAX, &v, NULL))
		return (int)v;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && g_ascii_strcasecmp(abbrev, name) == 0)
			return sig;
	}
	return 0;
}

static JsonObject *kill_container(AgentJob *job, CkptContainer *c, gpointer data, GError **error)
{
	Kill *k = data;
	JsonObject *ret;

	if (k->signo) {
		if (!ckpt_container_signal(c, k->signo, error))
			return NULL;
		ret = agent_container_state_json(c);
		json_object_set_string_member(ret, "signal", sigabbrev_np(k->signo));
		return ret;
	}
	if (!ckpt_container_kill(c, k->timeout_ms, job->cancellable, error))
		return NULL;
	ret = json_object_new();
	json_object_set_string_member(ret, "container", ckpt_container_get_name(c));
	json_object_set_string_member(ret, "state", "absent");
	return ret;
}

void agent_cmd_container_kill(AgentCall *call)
{
	const char *sig = agent_call_get_string(call, "signal");
	Kill *k = g_new0(Kill, 1);
	AgentContainerOp op = {
		.kind = AGENT_JOB_KILL,
		.func = kill_container,
		.data = k,
		.free_data = g_free,
	};

	k->timeout_ms = agent_call_get_int(call, "timeout-ms", CKPT_DEFAULT_TIMEOUT_MS);
	if (sig && !(k->signo = parse_signal(sig))) {
		g_free(k);
		agent_call_fail(call, g_error_new(AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
						  "container-kill: unknown signal \"%s\"", sig));
		return;
	}
	agent_container_op_start(call, agent_call_get_string(call, "container"), &op);
}
