/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A checkpoint job: the module writes the image into one end of a unix
 * socket pair; the pump thread reads the other end, hashes the bytes and
 * sends them on as frames (stream) or into FILE.tmp (file). The library's
 * commit hook, called once the module is done and the container is still
 * frozen, ends the stream with the trailer and waits for the host's
 * verdict (or fsyncs and renames the file); only then is the container
 * stopped, thawed or left frozen. Any failure before that, a dropped
 * connection included, rolls the container back: thawed and running, and
 * no image left behind.
 *
 * A stream-attached checkpoint (cmd-checkpoint.c) and a push on shutdown
 * (agent-push.c) both run this with job->stream as the framed
 * destination: one framing, one verdict wait, one final status.
 */
#ifndef JOB_CHECKPOINT_H
#define JOB_CHECKPOINT_H

#include "agent-container-op.h"
#include "agent-server.h"

G_BEGIN_DECLS

typedef struct {
	AgentServer *server;
	CkptCheckpointMode mode;
	gint64 freeze_timeout_ms;
	char *path;  /* destination file, NULL for a stream */
	char *image; /* its store image name, or NULL */
} JobCheckpoint;

void job_checkpoint_free(gpointer data);

/*
 * The module's part of a checkpoint: ckpt_container_checkpoint, which
 * freezes, has the module write into fd and calls the commit hook. The
 * unit tests, which have no module, put a fake one here.
 */
typedef gboolean (*JobCheckpointModuleFunc)(CkptContainer *c, int fd,
					    const CkptCheckpointOptions *options,
					    CkptCheckpointResult *result, GCancellable *cancellable,
					    GError **error);
void job_checkpoint_set_module_func(JobCheckpointModuleFunc func);

JsonObject *job_checkpoint_run(AgentJob *job, CkptContainer *c, gpointer data, GError **error);

G_END_DECLS

#endif /* JOB_CHECKPOINT_H */
