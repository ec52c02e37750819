// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "ckpt-guest-error.h"
#include "ckpt-image.h"
#include "ckpt-restore-tree.h"

void ckpt_restore_tree_free(CkptRestoreTree *tree)
{
	if (!tree)
		return;
	g_free(tree->tasks);
	g_free(tree->children);
	g_free(tree);
}

gint32 ckpt_restore_tree_find(const CkptRestoreTree *tree, gint32 pid)
{
	for (guint32 i = 0; i < tree->nr_tasks; i++)
		if (tree->tasks[i].rec.pid == pid)
			return (gint32)i;
	return -1;
}

const char *ckpt_restore_tree_get_nodename(const CkptRestoreTree *tree)
{
	return tree->container.nodename;
}

const char *ckpt_restore_tree_get_domainname(const CkptRestoreTree *tree)
{
	return tree->container.domainname;
}

/* ---- records ------------------------------------------------------------ */

typedef struct {
	const guint8 *buf;
	gsize len;
	gsize off;
	guint32 index;
} RecCursor;

/*
 * The next record, which must be of type and exactly fixed_len long
 * (neither record has a tail), checked against the image library's table.
 * The record is copied so that it is aligned whatever buf is.
 */
static gboolean next_record(RecCursor *cur, guint32 type, void *out, gsize fixed_len,
			    GError **error)
{
	const CkptRecordDesc *desc = ckpt_record_table_lookup(ckpt_record_table_default(), type);
	g_autoptr(GError) local = NULL;
	struct ckpt_rec h;
	CkptRecord rec;
	gsize padded;

	if (cur->len - cur->off < sizeof(h)) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE,
			    "record %u at byte %" G_GSIZE_FORMAT
			    ": tree ends after %" G_GSIZE_FORMAT " bytes, expected a %s record",
			    cur->index, cur->off, cur->len, desc->name);
		return FALSE;
	}
	memcpy(&h, cur->buf + cur->off, sizeof(h));
	h.type = GUINT32_FROM_LE(h.type);
	h.len = GUINT32_FROM_LE(h.len);
	if (h.type != type) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE,
			    "record %u at byte %" G_GSIZE_FORMAT ": type %u, expected %u (%s)",
			    cur->index, cur->off, h.type, type, desc->name);
		return FALSE;
	}
	if (h.len != fixed_len || cur->len - cur->off < fixed_len) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE,
			    "record %u (%s) at byte %" G_GSIZE_FORMAT
			    ": len %u, expected %" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT
			    " bytes left in the tree)",
			    cur->index, desc->name, cur->off, h.len, fixed_len,
			    cur->len - cur->off);
		return FALSE;
	}
	memcpy(out, cur->buf + cur->off, fixed_len);
	rec = (CkptRecord){
		.index = cur->index,
		.offset = cur->off,
		.type = type,
		.len = h.len,
		.desc = desc,
		.data = out,
	};
	if (!ckpt_record_check_fields(&rec, &local)) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE,
			    "record %u (%s) at byte %" G_GSIZE_FORMAT ": %s", cur->index,
			    desc->name, cur->off, local->message);
		return FALSE;
	}
	padded = CKPT_REC_ALIGN_UP(fixed_len);
	cur->off += MIN(padded, cur->len - cur->off);
	cur->index++;
	return TRUE;
}

static void task_from_le(struct ckpt_rec_task *t)
{
	t->pid = (gint32)GUINT32_FROM_LE(t->pid);
	t->tgid = (gint32)GUINT32_FROM_LE(t->tgid);
	t->ppid = (gint32)GUINT32_FROM_LE(t->ppid);
	t->pgid = (gint32)GUINT32_FROM_LE(t->pgid);
	t->sid = (gint32)GUINT32_FROM_LE(t->sid);
	t->flags = GUINT32_FROM_LE(t->flags);
	t->exit_signal = GUINT32_FROM_LE(t->exit_signal);
	t->mm_ref = GUINT32_FROM_LE(t->mm_ref);
	t->files_ref = GUINT32_FROM_LE(t->files_ref);
	t->fs_ref = GUINT32_FROM_LE(t->fs_ref);
	t->sighand_ref = GUINT32_FROM_LE(t->sighand_ref);
	t->signal_ref = GUINT32_FROM_LE(t->signal_ref);
}

/* ---- the plan ----------------------------------------------------------- */

#define TASK_ERROR(error, ...)                                                                     \
	g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE, "pid %d: " __VA_ARGS__)

/* The thread group leader of task i (itself for a process). */
static const CkptRestoreTask *leader_of(const CkptRestoreTree *tree, const CkptRestoreTask *t)
{
	return t->thread ? &tree->tasks[t->creator] : t;
}

/* The session and group a process's children get once it set them up. */
static gint32 final_sid(const CkptRestoreTask *p)
{
	return p->do_setsid ? p->rec.pid : p->inherit_sid;
}

static gint32 post_pgid(const CkptRestoreTask *p)
{
	return p->do_setsid || p->do_pgrp_lead ? p->rec.pid : p->inherit_pgid;
}

static const char *ref_kind_names[] = {"memory", "fd table", "fs", "signal handlers",
				       "signal state"};

static guint32 task_ref(const struct ckpt_rec_task *r, guint kind)
{
	const guint32 refs[] = {r->mm_ref, r->files_ref, r->fs_ref, r->sighand_ref, r->signal_ref};

	return refs[kind];
}

/*
 * Objects are shared only the way clone3 can share them: within a thread
 * group (threads may have their own fd table or fs, never their own
 * memory or signal state), never between processes.
 */
static gboolean plan_sharing(CkptRestoreTree *tree, guint32 i, GHashTable *owners, GError **error)
{
	CkptRestoreTask *t = &tree->tasks[i];
	const CkptRestoreTask *l = leader_of(tree, t);

	for (guint k = 0; k < G_N_ELEMENTS(ref_kind_names); k++) {
		guint32 ref = task_ref(&t->rec, k);
		gpointer key = GUINT_TO_POINTER(ref);
		gpointer owner;

		if (ref == 0) {
			TASK_ERROR(error, "has no %s (objref 0): a zombie or a kernel thread?",
				   t->rec.pid, ref_kind_names[k]);
			return FALSE;
		}
		if (!g_hash_table_lookup_extended(owners, key, NULL, &owner)) {
			if (t->thread && k != 1 && k != 2) {
				TASK_ERROR(error,
					   "thread of %d with its own %s (objref %u, leader's %u)",
					   t->rec.pid, l->rec.pid, ref_kind_names[k], ref,
					   task_ref(&l->rec, k));
				return FALSE;
			}
			g_hash_table_insert(owners, key, GINT_TO_POINTER(t->rec.tgid));
			continue;
		}
		if (GPOINTER_TO_INT(owner) != t->rec.tgid) {
			TASK_ERROR(error,
				   "shares its %s (objref %u) with process %d; only threads of one "
				   "process may share it",
				   t->rec.pid, ref_kind_names[k], ref, GPOINTER_TO_INT(owner));
			return FALSE;
		}
	}
	if (t->thread) {
		t->share_files = t->rec.files_ref == l->rec.files_ref;
		t->share_fs = t->rec.fs_ref == l->rec.fs_ref;
	}
	return TRUE;
}

static gboolean plan_identity(CkptRestoreTree *tree, guint32 i, GHashTable *by_pid, GError **error)
{
	CkptRestoreTask *t = &tree->tasks[i];
	const struct ckpt_rec_task *r = &t->rec;
	gboolean flag_thread = (r->flags & CKPT_TASK_F_THREAD) != 0;
	gpointer other;

	if (r->flags & ~CKPT_TASK_F_ALL) {
		TASK_ERROR(error, "unknown task flags 0x%x", r->pid, r->flags & ~CKPT_TASK_F_ALL);
		return FALSE;
	}
	if (r->pid <= 0 || r->pid > CKPT_RESTORE_PID_MAX || r->tgid <= 0 || r->ppid < 0 ||
	    r->pgid < 0 || r->sid < 0) {
		TASK_ERROR(error, "tgid %d ppid %d pgid %d sid %d: out of range", r->pid, r->tgid,
			   r->ppid, r->pgid, r->sid);
		return FALSE;
	}
	if (g_hash_table_lookup_extended(by_pid, GINT_TO_POINTER(r->pid), NULL, &other)) {
		TASK_ERROR(error, "appears twice in the tree (tasks %d and %u)", r->pid,
			   GPOINTER_TO_INT(other), i);
		return FALSE;
	}
	g_hash_table_insert(by_pid, GINT_TO_POINTER(r->pid), GINT_TO_POINTER(i));
	if (flag_thread != (r->tgid != r->pid)) {
		TASK_ERROR(error, "tgid %d does not match its thread flag (%s)", r->pid, r->tgid,
			   flag_thread ? "set" : "clear");
		return FALSE;
	}
	if (i == 0) {
		if (r->pid != 1 || r->ppid != 0 || flag_thread) {
			TASK_ERROR(error, "the first task must be init: pid 1, ppid 0, no thread",
				   r->pid);
			return FALSE;
		}
		t->creator = -1;
		return TRUE;
	}
	if (r->pid == 1) {
		TASK_ERROR(error, "only the first task is init", r->pid);
		return FALSE;
	}
	if (flag_thread) {
		gpointer l;

		if (!g_hash_table_lookup_extended(by_pid, GINT_TO_POINTER(r->tgid), NULL, &l) ||
		    tree->tasks[GPOINTER_TO_INT(l)].thread) {
			TASK_ERROR(error, "thread of %d, which is not a process before it", r->pid,
				   r->tgid);
			return FALSE;
		}
		t->thread = TRUE;
		t->creator = GPOINTER_TO_INT(l);
		return TRUE;
	}
	/* A thread's ppid is its leader's, so only init's threads have 0. */
	if (r->ppid == 0) {
		TASK_ERROR(error, "ppid 0: only the first task is init", r->pid);
		return FALSE;
	}
	if (r->exit_signal > CKPT_NSIG) {
		TASK_ERROR(error, "exit_signal %u is not a signal", r->pid, r->exit_signal);
		return FALSE;
	}
	if (!g_hash_table_lookup_extended(by_pid, GINT_TO_POINTER(r->ppid), NULL, &other)) {
		TASK_ERROR(error, "parent %d is not a task before it", r->pid, r->ppid);
		return FALSE;
	}
	t->creator = GPOINTER_TO_INT(other);
	return TRUE;
}

/* Session and group of a process, given what its creator will have. */
static gboolean plan_session(CkptRestoreTree *tree, guint32 i, GError **error)
{
	CkptRestoreTask *t = &tree->tasks[i];
	const struct ckpt_rec_task *r = &t->rec;

	if (t->thread) {
		const CkptRestoreTask *l = &tree->tasks[t->creator];

		if (r->sid != l->rec.sid || r->pgid != l->rec.pgid) {
			TASK_ERROR(error, "thread in session %d group %d, its process %d in %d/%d",
				   r->pid, r->sid, r->pgid, l->rec.pid, l->rec.sid, l->rec.pgid);
			return FALSE;
		}
		return TRUE;
	}
	if (i == 0) {
		/* Init starts in the coordinator's session, which it sees as 0. */
		t->inherit_sid = 0;
		t->inherit_pgid = 0;
	} else {
		const CkptRestoreTask *c = &tree->tasks[t->creator];
		const CkptRestoreTask *l = leader_of(tree, c);

		if (r->sid == r->pid || r->sid == final_sid(l)) {
			t->early = FALSE;
		} else if (!c->thread && l->do_setsid && r->sid == l->inherit_sid) {
			t->early = TRUE;
		} else {
			TASK_ERROR(
				error,
				"in session %d, which neither it leads nor its parent %d (session "
				"%d) can pass on: the session's leader is gone; not supported",
				r->pid, r->sid, r->ppid, l->rec.sid);
			return FALSE;
		}
		t->inherit_sid = t->early ? l->inherit_sid : final_sid(l);
		t->inherit_pgid = t->early ? l->inherit_pgid : post_pgid(l);
	}
	if (r->sid == r->pid) {
		t->do_setsid = TRUE;
		if (r->pgid != r->pid) {
			TASK_ERROR(error, "leads session %d but is in group %d", r->pid, r->sid,
				   r->pgid);
			return FALSE;
		}
	} else if (r->sid != t->inherit_sid) {
		/* Init in a session other than 0 or its own. */
		TASK_ERROR(error, "in session %d, which it cannot inherit", r->pid, r->sid);
		return FALSE;
	} else if (r->pgid == r->pid) {
		t->do_pgrp_lead = TRUE;
	} else if (r->pgid != t->inherit_pgid) {
		if (r->pgid == 0) {
			TASK_ERROR(error, "in group 0 (outside the container) but not init",
				   r->pid);
			return FALSE;
		}
		t->do_pgrp_join = TRUE;
	}
	return TRUE;
}

/* A group can be joined only if some process holds it before the barrier. */
static gboolean plan_joins(CkptRestoreTree *tree, GError **error)
{
	for (guint32 i = 0; i < tree->nr_tasks; i++) {
		const CkptRestoreTask *t = &tree->tasks[i];
		const CkptRestoreTask *holder = NULL;

		if (!t->do_pgrp_join)
			continue;
		for (guint32 j = 0; j < tree->nr_tasks && !holder; j++) {
			const CkptRestoreTask *h = &tree->tasks[j];

			if (j != i && !h->thread && !h->do_pgrp_join && h->rec.pgid == t->rec.pgid)
				holder = h;
		}
		if (!holder) {
			TASK_ERROR(error,
				   "in process group %d, whose leader is gone and which no other "
				   "process inherits; not supported",
				   t->rec.pid, t->rec.pgid);
			return FALSE;
		}
		if (holder->rec.sid != t->rec.sid) {
			TASK_ERROR(error, "in session %d but its group %d is in session %d",
				   t->rec.pid, t->rec.sid, t->rec.pgid, holder->rec.sid);
			return FALSE;
		}
	}
	return TRUE;
}

/* Children by creator, in clone order: early processes, other processes, threads. */
static void plan_children(CkptRestoreTree *tree)
{
	g_autofree guint32 *fill = g_new0(guint32, tree->nr_tasks);
	guint32 next = 0;

	for (guint32 i = 1; i < tree->nr_tasks; i++)
		tree->tasks[tree->tasks[i].creator].nr_children++;
	for (guint32 i = 0; i < tree->nr_tasks; i++) {
		tree->tasks[i].first_child = next;
		next += tree->tasks[i].nr_children;
	}
	for (int pass = 0; pass < 3; pass++) {
		for (guint32 i = 1; i < tree->nr_tasks; i++) {
			const CkptRestoreTask *t = &tree->tasks[i];
			int want = t->thread ? 2 : t->early ? 0 : 1;
			CkptRestoreTask *c = &tree->tasks[t->creator];

			if (want == pass)
				tree->children[c->first_child + fill[t->creator]++] = i;
		}
	}
}

CkptRestoreTree *ckpt_restore_tree_parse(const guint8 *buf, gsize len, GError **error)
{
	g_autoptr(CkptRestoreTree) tree = g_new0(CkptRestoreTree, 1);
	g_autoptr(GHashTable) by_pid = g_hash_table_new(NULL, NULL);
	g_autoptr(GHashTable) owners = g_hash_table_new(NULL, NULL);
	RecCursor cur = {.buf = buf, .len = len};

	if (!next_record(&cur, CKPT_REC_CONTAINER, &tree->container, sizeof(tree->container),
			 error))
		return NULL;
	tree->nr_tasks = GUINT32_FROM_LE(tree->container.nr_tasks);
	if (tree->nr_tasks == 0 || tree->nr_tasks > CKPT_RESTORE_MAX_TASKS) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE,
			    "record 0 (container): nr_tasks %u, must be 1 to %u", tree->nr_tasks,
			    CKPT_RESTORE_MAX_TASKS);
		return NULL;
	}
	tree->tasks = g_new0(CkptRestoreTask, tree->nr_tasks);
	tree->children = g_new0(guint32, tree->nr_tasks);
	for (guint32 i = 0; i < tree->nr_tasks; i++) {
		CkptRestoreTask *t = &tree->tasks[i];

		if (!next_record(&cur, CKPT_REC_TASK, &t->rec, sizeof(t->rec), error))
			return NULL;
		task_from_le(&t->rec);
		if (!plan_identity(tree, i, by_pid, error) ||
		    !plan_sharing(tree, i, owners, error) || !plan_session(tree, i, error))
			return NULL;
		if (t->thread)
			tree->nr_threads++;
	}
	if (cur.off != len) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE,
			    "%" G_GSIZE_FORMAT " stray bytes after the %u tasks of the tree",
			    len - cur.off, tree->nr_tasks);
		return NULL;
	}
	if (!plan_joins(tree, error))
		return NULL;
	plan_children(tree);
	return g_steal_pointer(&tree);
}
