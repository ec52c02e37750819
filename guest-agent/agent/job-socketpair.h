/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The unix socket pair between the module and a job's pump. A socket, not
 * a pipe: a restore running at the same time makes its new tasks inherit
 * every fd of the agent for a moment, and a pipe end held by them would
 * keep the other end from ever seeing EOF or EPIPE. shutdown() acts on the
 * socket itself, whoever else holds the fd, so aborting always wakes the
 * module. Each side's buffer is bounded (back-pressure).
 */
#ifndef JOB_SOCKETPAIR_H
#define JOB_SOCKETPAIR_H

#include "agent-job.h"

G_BEGIN_DECLS

/* Bytes in flight between the module and the pump, at most (per direction). */
#define JOB_PAIR_BUFFER (1024 * 1024)

enum { JOB_PAIR_MODULE, JOB_PAIR_PUMP };

typedef struct {
	int fd[2];
} JobSocketpair;

/* Both ends become the job's cancel fds: job-cancel shuts them down. */
gboolean job_socketpair_open(JobSocketpair *pair, AgentJob *job, GError **error);
/* The pump gives up: the module's next read sees EOF, its next write EPIPE. */
void job_socketpair_abort(JobSocketpair *pair);
void job_socketpair_close(JobSocketpair *pair, AgentJob *job);

G_END_DECLS

#endif /* JOB_SOCKETPAIR_H */
