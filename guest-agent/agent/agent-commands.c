// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "agent-commands.h"

#define COMMAND(str, id)                                                                           \
	{                                                                                          \
		str, agent_cmd_##id##_args, agent_cmd_##id                                         \
	}

static const AgentCommand commands[] = {
	COMMAND("ping", ping),
	COMMAND("sync", sync),
	COMMAND("info", info),
	COMMAND("container-run", container_run),
	COMMAND("container-list", container_list),
	COMMAND("container-kill", container_kill),
	COMMAND("container-log", container_log),
	COMMAND("freeze", freeze),
	COMMAND("thaw", thaw),
	COMMAND("checkpoint", checkpoint),
	COMMAND("restore", restore),
	COMMAND("stream-attach", stream_attach),
	COMMAND("job-status", job_status),
	COMMAND("job-list", job_list),
	COMMAND("job-cancel", job_cancel),
	COMMAND("image-list", image_list),
	COMMAND("image-delete", image_delete),
	COMMAND("shutdown-policy", shutdown_policy),
};

const AgentCommand *agent_commands_lookup(const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const AgentCommand *agent_commands_get_all(guint *n)
{
	*n = G_N_ELEMENTS(commands);
	return commands;
}
