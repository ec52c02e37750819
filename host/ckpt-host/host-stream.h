/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One image stream with an agent: the control call that starts the job
 * (checkpoint or restore, destination/source stream) and the second
 * connection attached to it with the token. The data connection is added
 * to the abort set, so SIGINT shuts it down.
 */
#pragma once

#include "host-vm.h"
#include "host-worker.h"

G_BEGIN_DECLS

typedef struct {
	const HostVm *vm; /* borrowed */
	char *container;
	gint64 job;
	AgentConn *control; /* the connection the job was started on, for job-cancel */
	AgentConn *data;    /* attached: the image flows here */
	gint64 t_attach; /* monotonic, when the attach was answered (a checkpoint freezes then) */
	HostAbortSet *abort;
} HostStream;

/* mode: stop, leave-running or leave-frozen. */
HostStream *host_stream_checkpoint(HostContext *ctx, const HostVm *vm, const char *container,
				   const char *mode, HostAbortSet *abort, GError **error);
/*
 * start: running or frozen. rootfs (may be NULL) and log: how the container
 * ran (its root, and whether its output went to its log), so the agent
 * rebuilds the same mounts and container-log keeps working.
 */
HostStream *host_stream_restore(HostContext *ctx, const HostVm *vm, const char *container,
				const char *start, const char *rootfs, gboolean log,
				HostAbortSet *abort, GError **error);
void host_stream_free(HostStream *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HostStream, host_stream_free)

/* Asks the agent to cancel the job (best effort: it may have ended); FALSE with why not. */
gboolean host_stream_cancel(HostStream *s, GError **error);

/*
 * After a failed stream: cancels the job and waits (at most timeout_ms) until
 * the agent says it ended, so that when the command returns the agent has
 * put the container back (thawed after a checkpoint, removed after a
 * restore). Best effort: an agent that cannot be asked any more does that
 * on its own when it sees the connection go.
 */
void host_stream_settle(HostStream *s, guint timeout_ms);

/* The job's result in a final status line ({"job", ..., "result": {...}}); NULL if none. */
JsonObject *host_stream_job_result(const AgentStreamResult *r);

G_END_DECLS
