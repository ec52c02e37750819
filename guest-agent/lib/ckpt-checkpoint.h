/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpointing a container: freeze it (with a timeout), have the module
 * write its image to an fd (a file, a pipe or a socket), let the caller
 * make the image durable (the commit hook), then stop the container, thaw
 * it or leave it frozen. If anything fails before the commit succeeded,
 * the container goes back to the state it had (thawed unless it was frozen
 * before) and keeps running; the error carries the module's own text.
 */
#ifndef CKPT_CHECKPOINT_H
#define CKPT_CHECKPOINT_H

#include <gio/gio.h>

#include "ckpt-container.h"

G_BEGIN_DECLS

typedef enum {
	CKPT_CHECKPOINT_STOP,	       /* kill the container once the image is safe */
	CKPT_CHECKPOINT_LEAVE_RUNNING, /* thaw it */
	CKPT_CHECKPOINT_LEAVE_FROZEN,  /* leave it frozen */
} CkptCheckpointMode;

typedef struct {
	guint64 bytes;	  /* image length */
	guint nr_tasks;	  /* tasks in the container when frozen */
	gint64 freeze_us; /* time to freeze */
	gint64 write_us;  /* time the module took to write the image */
	gint64 commit_us; /* time of the commit hook */
} CkptCheckpointResult;

/*
 * Called once the module wrote the whole image, while the container is
 * still frozen: fsync and rename a file, send a trailer and wait for the
 * receiver's word... Failing here counts as a failed checkpoint.
 */
typedef gboolean (*CkptCheckpointCommitFunc)(gpointer data, const CkptCheckpointResult *result,
					     GError **error);

typedef struct {
	CkptCheckpointMode mode;
	gint64 freeze_timeout_ms;	 /* <= 0: CKPT_DEFAULT_TIMEOUT_MS */
	CkptCheckpointCommitFunc commit; /* may be NULL */
	gpointer commit_data;
} CkptCheckpointOptions;

const char *ckpt_checkpoint_mode_name(CkptCheckpointMode mode);
/* "stop", "leave-running", "leave-frozen" */
gboolean ckpt_checkpoint_mode_parse(const char *text, CkptCheckpointMode *mode, GError **error);

/*
 * Checkpoints container c (locked by the caller) into fd. Cancelling
 * interrupts the freeze, and is checked again once the module wrote the
 * image (before the commit); the module's write itself ends early only
 * when fd fails (a socket shut down, say) or the calling thread gets a
 * signal it handles.
 */
gboolean ckpt_container_checkpoint(CkptContainer *c, int fd, const CkptCheckpointOptions *options,
				   CkptCheckpointResult *result, GCancellable *cancellable,
				   GError **error);

G_END_DECLS

#endif /* CKPT_CHECKPOINT_H */
