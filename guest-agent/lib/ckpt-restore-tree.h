/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tree a restart rebuilds, parsed from the CONTAINER and TASK records
 * that CKPT_IOC_RESTORE_BEGIN returns, checked, and turned into a plan:
 * who creates each task, in which order, and what it does about its
 * session and process group.
 *
 * The plan follows the rules of fork/setsid/setpgid, since the tasks
 * rebuild the tree themselves, each as its own parent's child:
 *  - a process is created by its parent (ppid), a thread by its leader;
 *  - a child inherits its creator's session and group as they are at the
 *    moment of the clone;
 *  - a session leader (sid == pid) calls setsid(); a creator that does so
 *    first creates the children that stay in its old session;
 *  - a group leader (pgid == pid) calls setpgid(0, 0) before creating
 *    children; a process in another process's group joins it with
 *    setpgid(0, pgid) once every task exists (the group's leader, or a
 *    member that inherited it, is then there).
 * Trees these rules cannot build (a session whose leader is gone and that
 * the creator is not in, a group nobody holds) are refused with the pid
 * and the reason.
 */
#ifndef CKPT_RESTORE_TREE_H
#define CKPT_RESTORE_TREE_H

#include <glib.h>

#include "ckpt_image.h"
#include "ckpt_uapi.h"

G_BEGIN_DECLS

/* The most tasks (processes and threads) a restart rebuilds: CKPT_RESTORE_MAX_TASKS. */
/* The largest pid the kernel can hand out (PID_MAX_LIMIT on 64-bit). */
#define CKPT_RESTORE_PID_MAX (4 * 1024 * 1024)

typedef struct {
	struct ckpt_rec_task rec; /* as the image has it */
	gint32 creator;		  /* index of the task that clones it; -1 for init */
	gboolean thread;	  /* a thread of the task at index creator */
	gboolean share_files;	  /* thread: shares its leader's fd table */
	gboolean share_fs;	  /* thread: shares its leader's root/cwd/umask */
	gboolean early;		  /* cloned before its creator's setsid() */
	gboolean do_setsid;	  /* calls setsid() */
	gboolean do_pgrp_lead;	  /* calls setpgid(0, 0) (not needed after setsid) */
	gboolean do_pgrp_join;	  /* calls setpgid(0, pgid) after the barrier */
	gint32 inherit_sid;	  /* session and group it inherits at its clone */
	gint32 inherit_pgid;
	guint32 first_child; /* its children in ckpt_restore_tree.children */
	guint32 nr_children; /* in clone order: early ones, others, threads */
} CkptRestoreTask;

typedef struct {
	struct ckpt_rec_container container;
	guint32 nr_tasks;
	guint32 nr_threads;
	CkptRestoreTask *tasks; /* image order: tasks[0] is init */
	guint32 *children;	/* nr_tasks - 1 indices, grouped by creator */
} CkptRestoreTree;

/*
 * Parses the records of a RESTORE_BEGIN buffer (CONTAINER, then
 * container.nr_tasks TASK records, nothing after) and plans the rebuild.
 * Errors (CKPT_GUEST_ERROR_IMAGE) name the record or the pid.
 */
CkptRestoreTree *ckpt_restore_tree_parse(const guint8 *buf, gsize len, GError **error);
void ckpt_restore_tree_free(CkptRestoreTree *tree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptRestoreTree, ckpt_restore_tree_free)

/* Index of the task with this pid, or -1. */
gint32 ckpt_restore_tree_find(const CkptRestoreTree *tree, gint32 pid);

/* The nodename and domainname the image carries. */
const char *ckpt_restore_tree_get_nodename(const CkptRestoreTree *tree);
const char *ckpt_restore_tree_get_domainname(const CkptRestoreTree *tree);

G_END_DECLS

#endif /* CKPT_RESTORE_TREE_H */
