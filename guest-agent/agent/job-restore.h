/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A restore job. The pump thread reads the image (frames from the data
 * connection, or a file), hashes it and feeds the module through a socket
 * pair, while the job's thread runs the library's restart, always with
 * the container frozen at the end: every restored task stops on its way
 * back to user space, before its first restored instruction. Only when
 * the pump has checked the trailer (length and sha256; for a store image,
 * the digest recorded with it) is the container thawed (start "running")
 * or left frozen (start "frozen"). An image that does not verify never
 * runs: its container is killed and removed. This costs no copy of the
 * image in guest memory, which spooling it to a tmpfs first would.
 */
#ifndef JOB_RESTORE_H
#define JOB_RESTORE_H

#include "agent-container-op.h"
#include "agent-frame.h"
#include "agent-server.h"

G_BEGIN_DECLS

typedef struct {
	AgentServer *server;
	char *path;  /* source file, NULL for a stream */
	char *image; /* its store image name, or NULL */
	gboolean have_sha256;
	guint8 sha256[AGENT_SHA256_LEN]; /* a file's expected digest */
	gboolean frozen;
	char *rootfs;
	gboolean log;
	gint64 timeout_ms;
} JobRestore;

void job_restore_free(gpointer data);
JsonObject *job_restore_run(AgentJob *job, CkptContainer *c, gpointer data, GError **error);

G_END_DECLS

#endif /* JOB_RESTORE_H */
