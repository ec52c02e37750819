// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent-error.h"
#include "job-socketpair.h"

gboolean job_socketpair_open(JobSocketpair *pair, AgentJob *job, GError **error)
{
	int size = JOB_PAIR_BUFFER;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair->fd) < 0) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "socketpair: %s",
			    g_strerror(errno));
		pair->fd[0] = pair->fd[1] = -1;
		return FALSE;
	}
	for (int i = 0; i < 2; i++) {
		/* Bigger than the default, so the module writes in long runs. */
		setsockopt(pair->fd[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		agent_job_add_cancel_fd(job, pair->fd[i]);
	}
	/* The pump's end is polled with timeouts; the module's stays blocking. */
	fcntl(pair->fd[JOB_PAIR_PUMP], F_SETFL, O_NONBLOCK);
	return TRUE;
}

void job_socketpair_abort(JobSocketpair *pair)
{
	shutdown(pair->fd[JOB_PAIR_PUMP], SHUT_RDWR);
}

void job_socketpair_close(JobSocketpair *pair, AgentJob *job)
{
	for (int i = 0; i < 2; i++) {
		if (pair->fd[i] < 0)
			continue;
		agent_job_remove_cancel_fd(job, pair->fd[i]);
		close(pair->fd[i]);
		pair->fd[i] = -1;
	}
}
