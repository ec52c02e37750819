/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Restarting a container from an image, the coordinator's side of the
 * in-context restart (docs/abi.md):
 *  1. CKPT_IOC_RESTORE_BEGIN reads the image's header and tree;
 *  2. the container's state directory and cgroup are made, and its tree
 *     is rebuilt (ckpt-restorer.h): the init in new pid, uts, ipc and
 *     mount namespaces set up as `ckpt run` does, every task with its own
 *     pid, session and group, each calling CKPT_IOC_RESTORE_TASK;
 *  3. CKPT_IOC_RESTORE_WAIT waits until every task restored itself and
 *     the trailer checked out, then releases them (with --frozen the
 *     cgroup is frozen first, so they stop before their first
 *     instruction).
 * On any failure every task is killed and nothing is left behind; the
 * error is the module's text or the failing task's.
 */
#ifndef CKPT_RESTART_H
#define CKPT_RESTART_H

#include <sys/types.h>

#include <gio/gio.h>

#include "ckpt-container.h"

G_BEGIN_DECLS

typedef struct {
	const char *rootfs;	/* the rootfs `ckpt run` was given; NULL: the guest's root */
	gboolean log;		/* it ran with --log (matters only with a rootfs) */
	gboolean frozen;	/* leave it frozen */
	gint64 timeout_ms;	/* tree rebuild and freeze; <= 0: CKPT_DEFAULT_TIMEOUT_MS */
	const char *image_name; /* recorded in its config: a path, "-", a stream... */
} CkptRestartOptions;

typedef struct {
	pid_t init_pid; /* as the caller sees it */
	guint nr_tasks;
	guint nr_threads;
	guint64 bytes;	   /* image length the module consumed */
	gint64 rebuild_us; /* tree rebuilt, every task calling the module */
	gint64 restore_us; /* until the module released them */
} CkptRestartResult;

/*
 * Restarts container c (locked by the caller; it must not run) from the
 * image read from image_fd, which is only ever read sequentially.
 */
gboolean ckpt_container_restart(CkptContainer *c, int image_fd, const CkptRestartOptions *options,
				CkptRestartResult *result, GCancellable *cancellable,
				GError **error);

G_END_DECLS

#endif /* CKPT_RESTART_H */
