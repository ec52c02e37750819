/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dispatch table: every command the agent serves, with its argument
 * list. proto/agent-schema.json describes the same commands for clients and
 * documentation; tests/unit/agent/test-schema.c checks that both agree.
 */
#ifndef AGENT_COMMANDS_H
#define AGENT_COMMANDS_H

#include "agent-call.h"
#include "agent-request.h"

G_BEGIN_DECLS

typedef void (*AgentCommandFunc)(AgentCall *call);

struct _AgentCommand {
	const char *name;
	const AgentArgSpec *args; /* ends with a NULL name */
	AgentCommandFunc func;
};

const AgentCommand *agent_commands_lookup(const char *name);
/* The whole table, in the schema's order. */
const AgentCommand *agent_commands_get_all(guint *n);

/* The handlers, one file each (cmd-*.c). */
#define AGENT_DECLARE_COMMAND(id)                                                                  \
	extern const AgentArgSpec agent_cmd_##id##_args[];                                         \
	void agent_cmd_##id(AgentCall *call)

AGENT_DECLARE_COMMAND(ping);
AGENT_DECLARE_COMMAND(sync);
AGENT_DECLARE_COMMAND(info);
AGENT_DECLARE_COMMAND(container_run);
AGENT_DECLARE_COMMAND(container_list);
AGENT_DECLARE_COMMAND(container_kill);
AGENT_DECLARE_COMMAND(container_log);
AGENT_DECLARE_COMMAND(freeze);
AGENT_DECLARE_COMMAND(thaw);
AGENT_DECLARE_COMMAND(checkpoint);
AGENT_DECLARE_COMMAND(restore);
AGENT_DECLARE_COMMAND(stream_attach);
AGENT_DECLARE_COMMAND(job_status);
AGENT_DECLARE_COMMAND(job_list);
AGENT_DECLARE_COMMAND(job_cancel);
AGENT_DECLARE_COMMAND(image_list);
AGENT_DECLARE_COMMAND(image_delete);
AGENT_DECLARE_COMMAND(shutdown_policy);

/* Shared argument limits. */
#define AGENT_TIMEOUT_MAX_MS (3600 * 1000)

G_END_DECLS

#endif /* AGENT_COMMANDS_H */
