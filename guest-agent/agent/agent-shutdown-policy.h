/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the agent does when it is stopped (SIGTERM): which containers it
 * checkpoints and pushes to the host, to which vsock port, and how long
 * the whole shutdown may take (docs/agent-protocol.md, "Snapshot on
 * shutdown"). The host sets it with shutdown-policy; the agent keeps a
 * copy in its state directory (a tmpfs, /run/ckpt-agent), so an agent
 * restart keeps the policy and a guest reboot forgets it, as the host's
 * daemon sets it again on every start.
 */
#ifndef AGENT_SHUTDOWN_POLICY_H
#define AGENT_SHUTDOWN_POLICY_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AGENT_DEFAULT_STATE_DIR "/run/ckpt-agent"
#define AGENT_SHUTDOWN_POLICY_FILE "shutdown-policy.json"
#define AGENT_DEFAULT_PUSH_PORT 7101
#define AGENT_DEFAULT_PUSH_TIMEOUT_MS 30000
#define AGENT_SHUTDOWN_TIMEOUT_MAX_MS (3600 * 1000)

typedef struct {
	char **containers; /* never NULL; empty: no push on shutdown */
	guint32 port;	   /* the host's vsock port */
	guint32 cid;	   /* the host's CID, 2 */
	gint64 timeout_ms; /* the whole shutdown */
} AgentShutdownPolicy;

AgentShutdownPolicy *agent_shutdown_policy_new(void);
AgentShutdownPolicy *agent_shutdown_policy_copy(const AgentShutdownPolicy *p);
void agent_shutdown_policy_free(AgentShutdownPolicy *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentShutdownPolicy, agent_shutdown_policy_free)

gboolean agent_shutdown_policy_is_active(const AgentShutdownPolicy *p);

/* Valid names only (AGENT_ERROR_INVALID_ARGUMENT naming one); duplicates dropped. */
gboolean agent_shutdown_policy_set_containers(AgentShutdownPolicy *p, const char *const *names,
					      GError **error);

/* {"containers", "port", "timeout-ms", "cid"}, as shutdown-policy takes it. */
JsonObject *agent_shutdown_policy_to_json(const AgentShutdownPolicy *p);
/* Checks every member (names, ranges); AGENT_ERROR_INVALID_ARGUMENT naming it. */
AgentShutdownPolicy *agent_shutdown_policy_from_json(JsonObject *o, GError **error);

/*
 * The policy kept in DIR/shutdown-policy.json: NULL without error when
 * there is none. An active policy is written (atomically), an inactive one
 * removes the file.
 */
AgentShutdownPolicy *agent_shutdown_policy_load(const char *dir, GError **error);
gboolean agent_shutdown_policy_save(const AgentShutdownPolicy *p, const char *dir, GError **error);

G_END_DECLS

#endif /* AGENT_SHUTDOWN_POLICY_H */
