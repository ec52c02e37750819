/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rebuilding a restart's process tree in user space, the half of a restart
 * that needs no module: every task is created by its own parent (threads
 * by their leader) with clone3 and set_tid = its pid in the container, in
 * the order ckpt-restore-tree.h planned, sets up its session and process
 * group, waits until the whole tree exists (a barrier on a shared page),
 * then calls the finish hook, which for a real restart is
 * CKPT_IOC_RESTORE_TASK and never returns.
 *
 * The init is created in new namespaces (and a cgroup), runs the setup
 * hook first, and is killed with its whole namespace if anything fails.
 *
 * The code in the new tasks makes only raw system calls (ckpt-raw.h):
 * threads are created behind glibc's back, with their own small stacks,
 * and share nothing with glibc's state. All signals are blocked in every
 * task; the module restores the real mask.
 */
#ifndef CKPT_RESTORER_H
#define CKPT_RESTORER_H

#include <stdbool.h>
#include <sys/types.h>

#include <gio/gio.h>

#include "ckpt-restore-tree.h"

G_BEGIN_DECLS

/*
 * Runs in the new init, before it creates any task: mounts, hostname.
 * System calls only (no allocation); false with the reason in err.
 */
typedef bool (*CkptRestorerSetupFunc)(void *data, char *err, size_t err_len);

/*
 * Runs last in every task, once the tree is complete, raw system calls
 * only. Returning means the task failed: the reason is in err.
 */
typedef void (*CkptRestorerFinishFunc)(void *data, const CkptRestoreTask *task, char *err,
				       size_t err_len);

typedef struct {
	const CkptRestoreTree *tree;
	guint64 ns_flags;	     /* CLONE_NEW* for the init */
	int cgroup_fd;		     /* the init is cloned into it; -1: stays in ours */
	CkptRestorerSetupFunc setup; /* may be NULL */
	void *setup_data;
	CkptRestorerFinishFunc finish;
	void *finish_data;
	/*
	 * The system call the finish hook blocks in (SYS_ioctl for
	 * RESTORE_TASK). A leader enters its hook only once each of its
	 * threads sits in that call, seen in /proc/self/task/TID/syscall, so
	 * /proc must be the container's by then (the setup hook mounts it).
	 */
	long park_syscall;
} CkptRestorerConfig;

typedef struct _CkptRestorer CkptRestorer;

/* Creates the init, which creates the rest; returns at once. */
CkptRestorer *ckpt_restorer_spawn(const CkptRestorerConfig *config, GError **error);

/*
 * Waits until every task is about to call the finish hook. Fails with the
 * first task's own error (CKPT_GUEST_ERROR_RESTORE, "pid 7: setpgid(0, 5):
 * ..."), when the init dies, or after timeout_ms naming the tasks that are
 * not there yet.
 */
gboolean ckpt_restorer_wait_ready(CkptRestorer *r, gint64 timeout_ms, GCancellable *cancellable,
				  GError **error);

/* The first failure a task reported, or NULL. */
const char *ckpt_restorer_get_failure(CkptRestorer *r);

pid_t ckpt_restorer_get_init_pid(const CkptRestorer *r);

/* SIGKILLs the init (and so its namespace) and reaps it. */
void ckpt_restorer_kill(CkptRestorer *r);

/*
 * Frees the coordinator's side. The tasks live on; the init stays the
 * caller's child (reap it, or exit).
 */
void ckpt_restorer_free(CkptRestorer *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptRestorer, ckpt_restorer_free)

G_END_DECLS

#endif /* CKPT_RESTORER_H */
