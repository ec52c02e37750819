/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One push: a checkpoint the guest sends to the host on its own initiative
 * (on shutdown), over a connection the agent opens to the host's vsock
 * port (CID 2). The agent sends one request line,
 *
 *   {"execute":"push","arguments":{"container","kernel","reason","hostname"}}
 *
 * the host answers one reply line ({"return":{}} or {"error":...}), and
 * from then on the connection carries exactly what a stream-attached
 * checkpoint carries (frames, end, trailer; the host's OK or FAIL; the
 * agent's final status), made by the same job code (job-checkpoint.c)
 * with mode leave-frozen: the guest is going down, nothing may change
 * after the image.
 */
#ifndef AGENT_PUSH_H
#define AGENT_PUSH_H

#include "agent-job.h"
#include "agent-server.h"

G_BEGIN_DECLS

typedef struct {
	guint32 cid;
	guint32 port;
	/* Instead of vsock: the unix socket UNIX_PREFIX_PORT (tests). */
	const char *unix_prefix;
	const char *reason; /* "shutdown" */
} AgentPushTarget;

/* "vsock CID 2 port 7101" or the unix socket's path; for messages. */
char *agent_push_target_describe(const AgentPushTarget *t);

/*
 * Starts a checkpoint job of container pushed to target; done is called
 * in the main thread when it ended (job->error or job->result). Returns a
 * reference to the job, or NULL (busy, limit) with error set.
 */
AgentJob *agent_push_start(AgentServer *server, const char *container, const AgentPushTarget *t,
			   AgentJobDoneFunc done, gpointer data, GError **error);

/*
 * The caller is going away: done will not be called for this job (main
 * thread only, like done itself).
 */
void agent_push_forget(AgentJob *job);

G_END_DECLS

#endif /* AGENT_PUSH_H */
