// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint of a whole container: every task of one pid namespace, frozen
 * by the cgroup v2 freezer, written as one stream.
 *
 * Nothing is written until every task has passed every kind's precheck, so
 * an unsupported object is refused before a byte leaves; userspace then
 * thaws the container and it runs on as before.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/utsname.h>

#include "ckpt.h"
#include "ckpt_cr.h"
#include "ckpt_objhash.h"
#include "ckpt_stream.h"

/* Stream order; see ckpt_cr.h. */
static const struct ckpt_task_kind *const ckpt_task_kinds[] = {
	&ckpt_mm_kind,
	&ckpt_files_kind,
	&ckpt_fs_kind,
	&ckpt_sighand_kind,
	&ckpt_signal_kind,
	&ckpt_creds_kind,
	&ckpt_cpu_kind,
};

const struct ckpt_task_kind *const *ckpt_kinds(size_t *nr)
{
	*nr = ARRAY_SIZE(ckpt_task_kinds);
	return ckpt_task_kinds;
}

pid_t ckpt_vpid(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return task_pid_nr_ns(t, ctx->pidns);
}

static void ckpt_put_tasks(struct ckpt_ctx *ctx)
{
	u32 i;

	for (i = 0; i < ctx->nr_tasks; i++)
		put_task_struct(ctx->tasks[i]);
	kvfree(ctx->tasks);
	ctx->tasks = NULL;
	ctx->nr_tasks = 0;
}

/* Pin every task whose pid lives in ns, in pid order. */
static int ckpt_collect_tasks(struct ckpt_ctx *ctx)
{
	struct task_struct **tasks = NULL;
	u32 nr = 0, cap = 0;
	struct pid *pid;
	int nr_pid = 1;

	for (;;) {
		struct task_struct *t = NULL;

		rcu_read_lock();
		pid = find_ge_pid(nr_pid, ctx->pidns);
		if (pid) {
			nr_pid = pid_nr_ns(pid, ctx->pidns) + 1;
			t = pid_task(pid, PIDTYPE_PID);
			if (t)
				get_task_struct(t);
		}
		rcu_read_unlock();
		if (!pid)
			break;
		if (!t)
			continue;
		if (nr == CKPT_RESTORE_MAX_TASKS) {
			put_task_struct(t);
			ctx->tasks = tasks;
			ctx->nr_tasks = nr;
			return ckpt_err(ctx->err, -E2BIG,
					"container has more than %u tasks",
					CKPT_RESTORE_MAX_TASKS);
		}
		if (nr == cap) {
			struct task_struct **n;

			cap = cap ? cap * 2 : 64;
			n = kvrealloc(tasks, nr * sizeof(*tasks),
				      cap * sizeof(*tasks), GFP_KERNEL);
			if (!n) {
				put_task_struct(t);
				ctx->tasks = tasks;
				ctx->nr_tasks = nr;
				return ckpt_err(ctx->err, -ENOMEM,
						"no memory for the task list");
			}
			tasks = n;
		}
		tasks[nr++] = t;
	}
	ctx->tasks = tasks;
	ctx->nr_tasks = nr;
	return 0;
}

/* Every task must sit in the cgroup freezer, and be a plain task. */
static int ckpt_check_frozen(struct ckpt_ctx *ctx)
{
	u32 i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		struct task_struct *t = ctx->tasks[i];
		pid_t vpid = ckpt_vpid(ctx, t);

		if (t->flags & PF_KTHREAD)
			return ckpt_err(ctx->err, -EINVAL,
					"pid %d (%s): kernel thread", vpid, t->comm);
		if (t->exit_state || (t->flags & PF_EXITING))
			return ckpt_err(ctx->err, -EBUSY,
					"pid %d (%s) is exiting or a zombie: not supported",
					vpid, t->comm);
		if (!t->frozen)
			return ckpt_err(ctx->err, -EBUSY,
					"pid %d (%s) is not frozen: freeze the container's cgroup first",
					vpid, t->comm);
		if (task_active_pid_ns(t) != ctx->pidns)
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"pid %d (%s): nested pid namespace not supported",
					vpid, t->comm);
		if (task_cred_xxx(t, user_ns) != &init_user_ns)
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"pid %d (%s): user namespaces not supported",
					vpid, t->comm);
	}
	return 0;
}

static pid_t ckpt_parent_vpid(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t ppid;

	rcu_read_lock();
	ppid = task_tgid_nr_ns(rcu_dereference(t->real_parent), ctx->pidns);
	rcu_read_unlock();
	return ppid;
}

static int ckpt_fill_task(struct ckpt_ctx *ctx, struct task_struct *t,
			  struct ckpt_rec_task *e)
{
	pid_t vpid = ckpt_vpid(ctx, t);
	bool thread = !thread_group_leader(t);
	/* A thread's parent is its process's: init's threads have none. */
	pid_t leader_vpid = task_tgid_nr_ns(t, ctx->pidns);

	e->pid = vpid;
	e->tgid = leader_vpid;
	e->ppid = leader_vpid == 1 ? 0 : ckpt_parent_vpid(ctx, t);
	e->pgid = task_pgrp_nr_ns(t, ctx->pidns);
	e->sid = task_session_nr_ns(t, ctx->pidns);
	e->flags = thread ? CKPT_TASK_F_THREAD : 0;
	e->exit_signal = thread ? 0 : t->exit_signal;
	if (leader_vpid != 1 && !e->ppid)
		return ckpt_err(ctx->err, -EINVAL,
				"pid %d (%s): parent outside the container", vpid,
				t->comm);
	if (!e->pgid || !e->sid)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d (%s): %s outside the container", vpid,
				t->comm, e->sid ? "process group" : "session");

	e->mm_ref = ckpt_obj_assign(ctx, t->mm, CKPT_OBJ_MM);
	e->files_ref = ckpt_obj_assign(ctx, t->files, CKPT_OBJ_FILES);
	e->fs_ref = ckpt_obj_assign(ctx, t->fs, CKPT_OBJ_FS);
	e->sighand_ref = ckpt_obj_assign(ctx, t->sighand, CKPT_OBJ_SIGHAND);
	e->signal_ref = ckpt_obj_assign(ctx, t->signal, CKPT_OBJ_SIGNAL);
	if (!e->mm_ref || !e->files_ref || !e->fs_ref || !e->sighand_ref ||
	    !e->signal_ref)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d (%s): no mm, files, fs or signal state",
				vpid, t->comm);
	return 0;
}

/*
 * Threads share everything with their leader; separate processes share
 * nothing. Anything in between (vfork, CLONE_VM or CLONE_FILES without
 * CLONE_THREAD) cannot be rebuilt by the coordinator in v1.
 */
static int ckpt_check_sharing(struct ckpt_ctx *ctx)
{
	static const char *const what[] = { "mm", "file table", "fs", "signal handlers" };
	u32 i, j, k;

	for (i = 0; i < ctx->nr_tasks; i++) {
		struct ckpt_rec_task *a = &ctx->tree[i];
		u32 ra[] = { a->mm_ref, a->files_ref, a->fs_ref, a->sighand_ref };

		for (j = 0; j < i; j++) {
			struct ckpt_rec_task *b = &ctx->tree[j];
			u32 rb[] = { b->mm_ref, b->files_ref, b->fs_ref, b->sighand_ref };

			if (a->tgid == b->tgid)
				continue;
			for (k = 0; k < ARRAY_SIZE(ra); k++)
				if (ra[k] == rb[k])
					return ckpt_err(ctx->err, -EOPNOTSUPP,
							"pid %d shares its %s with pid %d without being a thread of it: not supported",
							a->pid, what[k], b->pid);
		}
	}
	return 0;
}

/*
 * Build the tree in image order: a process after its parent, a thread
 * right after its leader. The container's init comes first.
 */
static int ckpt_build_tree(struct ckpt_ctx *ctx)
{
	u32 n = ctx->nr_tasks, placed = 0, i, j;
	struct task_struct **order;
	struct ckpt_rec_task *tree;
	bool *done;
	int err = 0;

	tree = kvcalloc(n, sizeof(*tree), GFP_KERNEL);
	order = kvcalloc(n, sizeof(*order), GFP_KERNEL);
	done = kvcalloc(n, sizeof(*done), GFP_KERNEL);
	if (!tree || !order || !done) {
		err = ckpt_err(ctx->err, -ENOMEM, "no memory for the tree");
		goto out;
	}

	while (placed < n) {
		u32 before = placed;

		for (i = 0; i < n; i++) {
			struct task_struct *t = ctx->tasks[i];
			pid_t ppid;
			bool parent_placed = false;

			if (done[i] || !thread_group_leader(t))
				continue;
			ppid = ckpt_vpid(ctx, t) == 1 ? 0 : ckpt_parent_vpid(ctx, t);
			if (!ppid) {
				parent_placed = ckpt_vpid(ctx, t) == 1;
			} else {
				for (j = 0; j < placed; j++)
					if (tree[j].pid == ppid)
						parent_placed = true;
			}
			if (!parent_placed)
				continue;
			/* the leader, then its threads */
			done[i] = true;
			order[placed] = t;
			err = ckpt_fill_task(ctx, t, &tree[placed]);
			if (err)
				goto out;
			placed++;
			for (j = 0; j < n; j++) {
				struct task_struct *u = ctx->tasks[j];

				if (done[j] || u == t || !same_thread_group(u, t))
					continue;
				done[j] = true;
				order[placed] = u;
				err = ckpt_fill_task(ctx, u, &tree[placed]);
				if (err)
					goto out;
				placed++;
			}
		}
		if (placed == before) {
			for (i = 0; i < n; i++)
				if (!done[i])
					break;
			err = ckpt_err(ctx->err, -EINVAL,
				       "pid %d (%s): its parent is not in the container",
				       ckpt_vpid(ctx, ctx->tasks[i]),
				       ctx->tasks[i]->comm);
			goto out;
		}
	}
	memcpy(ctx->tasks, order, n * sizeof(*order));
	ctx->tree = tree;
	tree = NULL;
	err = ckpt_check_sharing(ctx);
out:
	kvfree(tree);
	kvfree(order);
	kvfree(done);
	return err;
}

static int ckpt_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_header *h;
	int err;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the header");
	h->magic = CKPT_IMAGE_MAGIC;
	h->version = CKPT_IMAGE_VERSION;
	h->arch = CKPT_ARCH_X86_64;
	h->page_size = PAGE_SIZE;
	ckpt_cpu_xsave_info(&h->xsave_size, &h->xsave_features);
	h->created_ns = ktime_get_real_ns();
	strscpy(h->kernel_release, utsname()->release, sizeof(h->kernel_release));
	err = ckpt_write_rec(ctx, CKPT_REC_HEADER, h, sizeof(*h));
	kfree(h);
	return err;
}

static int ckpt_write_container(struct ckpt_ctx *ctx)
{
	struct task_struct *init = ctx->tasks[0];
	struct ckpt_rec_container *c;
	struct uts_namespace *uts;
	int err;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the container record");
	c->nr_tasks = ctx->nr_tasks;
	task_lock(init);
	uts = init->nsproxy ? init->nsproxy->uts_ns : NULL;
	if (uts) {
		strscpy(c->nodename, uts->name.nodename, sizeof(c->nodename));
		strscpy(c->domainname, uts->name.domainname, sizeof(c->domainname));
	}
	task_unlock(init);
	c->vdso_csum = ckpt_vdso_csum(&c->vdso_size);
	err = uts ? ckpt_write_rec(ctx, CKPT_REC_CONTAINER, c, sizeof(*c)) :
		    ckpt_err(ctx->err, -ESRCH, "pid 1: no namespaces (exiting?)");
	kfree(c);
	return err;
}

static int ckpt_run_prechecks(struct ckpt_ctx *ctx)
{
	size_t nr_kinds, k;
	const struct ckpt_task_kind *const *kinds = ckpt_kinds(&nr_kinds);
	u32 i;
	int err;

	for (i = 0; i < ctx->nr_tasks; i++) {
		ctx->cur = i;
		for (k = 0; k < nr_kinds; k++) {
			if (!kinds[k]->precheck)
				continue;
			err = kinds[k]->precheck(ctx, ctx->tasks[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

static int ckpt_write_tasks(struct ckpt_ctx *ctx)
{
	size_t nr_kinds, k;
	const struct ckpt_task_kind *const *kinds = ckpt_kinds(&nr_kinds);
	u32 i;
	int err;

	for (i = 0; i < ctx->nr_tasks; i++) {
		err = ckpt_write_rec(ctx, CKPT_REC_TASK, &ctx->tree[i],
				     sizeof(ctx->tree[i]));
		if (err)
			return err;
	}
	for (i = 0; i < ctx->nr_tasks; i++) {
		struct task_struct *t = ctx->tasks[i];
		struct ckpt_rec_task_begin b = {
			.task_index = i,
			.pid = ctx->tree[i].pid,
		};

		ctx->cur = i;
		err = ckpt_write_rec(ctx, CKPT_REC_TASK_BEGIN, &b, sizeof(b));
		for (k = 0; !err && k < nr_kinds; k++)
			err = kinds[k]->checkpoint(ctx, t);
		if (err) {
			ckpt_err_prefix(ctx->err, "pid %d (%s)", b.pid, t->comm);
			return err;
		}
	}
	return 0;
}

/* Tasks must not have moved while they were read. */
static int ckpt_check_still_frozen(struct ckpt_ctx *ctx)
{
	return ckpt_check_frozen(ctx);
}

int ckpt_do_checkpoint(struct ckpt_errctx *err, struct ckpt_ioc_checkpoint *arg)
{
	struct task_struct *init;
	struct ckpt_ctx *ctx;
	struct file *file;
	struct pid *pid;
	int ret;

	if (arg->pid <= 0)
		return ckpt_err(err, -EINVAL, "pid %d is not a valid pid", arg->pid);
	pid = find_get_pid(arg->pid);
	init = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!init)
		return ckpt_err(err, -ESRCH, "pid %d: no such process", arg->pid);

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx) {
		put_task_struct(init);
		return ckpt_err(err, -ENOMEM, "no memory for the checkpoint context");
	}
	ctx->err = err;
	ckpt_objhash_init(ctx);
	ctx->pidns = get_pid_ns(task_active_pid_ns(init));
	if (ctx->pidns == &init_pid_ns || ckpt_vpid(ctx, init) != 1) {
		ret = ckpt_err(err, -EINVAL,
			       "pid %d is not the init of a container's pid namespace",
			       arg->pid);
		goto out;
	}

	ret = ckpt_collect_tasks(ctx) ?: ckpt_check_frozen(ctx) ?:
	      ckpt_build_tree(ctx) ?: ckpt_run_prechecks(ctx);
	if (ret)
		goto out;

	file = fget(arg->fd);
	if (!file) {
		ret = ckpt_err(err, -EBADF, "fd %d is not open", arg->fd);
		goto out;
	}
	ret = ckpt_stream_init(ctx, file, true);
	fput(file);
	if (ret)
		goto out;

	ret = ckpt_write_header(ctx) ?: ckpt_write_container(ctx) ?:
	      ckpt_write_tasks(ctx) ?: ckpt_check_still_frozen(ctx) ?:
	      ckpt_write_trailer(ctx);
	if (!ret)
		arg->bytes_written = ctx->stream.offset;
	ckpt_stream_release(&ctx->stream);
out:
	ckpt_objhash_release(ctx);
	ckpt_put_tasks(ctx);
	kvfree(ctx->tree);
	put_pid_ns(ctx->pidns);
	put_task_struct(init);
	kfree(ctx);
	return ret;
}
