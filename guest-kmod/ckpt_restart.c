// SPDX-License-Identifier: GPL-2.0-only
/*
 * Restart in context.
 *
 * The coordinator's RESTORE_BEGIN reads and checks the header, the
 * container record and the tree, and hands the tree to userspace, which
 * creates every task with its original pid. Each task then calls
 * RESTORE_TASK: tasks take turns, in tree order, reading their own section
 * of the one stream and rebuilding their own state. The last one checks
 * the trailer. Nobody returns to user space until the coordinator's
 * RESTORE_WAIT releases them all; if anything fails, every task of the
 * restart is killed, so no task ever runs half restored.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/utsname.h>

#include "ckpt.h"
#include "ckpt_cr.h"
#include "ckpt_objhash.h"
#include "ckpt_stream.h"

static void ckpt_ctx_free(struct kref *kref)
{
	struct ckpt_ctx *ctx = container_of(kref, struct ckpt_ctx, kref);
	u32 i;

	ckpt_objhash_release(ctx);
	ckpt_stream_release(&ctx->stream);
	for (i = 0; ctx->restorers && i < ctx->nr_tasks; i++)
		if (ctx->restorers[i])
			put_task_struct(ctx->restorers[i]);
	kvfree(ctx->restorers);
	kvfree(ctx->tree);
	if (ctx->pidns)
		put_pid_ns(ctx->pidns);
	kfree(ctx->fail_msg);
	kfree(ctx);
}

/* Kill every task that joined; later joiners see FAILED and die too. */
static void ckpt_restart_kill_all(struct ckpt_ctx *ctx)
{
	u32 i;

	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->restorers[i])
			send_sig(SIGKILL, ctx->restorers[i], 1);
}

/* Record the first failure (under ctx->lock) and stop everything. */
static void ckpt_restart_fail(struct ckpt_ctx *ctx, int err, const char *msg)
{
	if (ctx->state == CKPT_RESTART_FAILED)
		return;
	ctx->state = CKPT_RESTART_FAILED;
	ctx->fail_err = err ?: -EINVAL;
	ctx->fail_msg = kstrdup(msg ?: "restart failed", GFP_KERNEL);
	ckpt_restart_kill_all(ctx);
	wake_up_all(&ctx->waitq);
}

void ckpt_ctx_put(struct ckpt_ctx *ctx)
{
	kref_put(&ctx->kref, ckpt_ctx_free);
}

void ckpt_restart_abandon(struct ckpt_ctx *ctx)
{
	mutex_lock(&ctx->lock);
	if (ctx->state != CKPT_RESTART_RELEASED)
		ckpt_restart_fail(ctx, -ECANCELED,
				  "the coordinator closed /dev/ckpt before the release");
	mutex_unlock(&ctx->lock);
	ckpt_ctx_put(ctx);
}

/* ---- RESTORE_BEGIN ------------------------------------------------------- */

static int ckpt_read_image_header(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_header *h;
	u64 features, missing;
	u32 xsize;
	int err;

	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the header");
	err = ckpt_read_rec(ctx, CKPT_REC_HEADER, h, sizeof(*h));
	if (err)
		goto out;
	err = -EINVAL;
	if (h->magic != CKPT_IMAGE_MAGIC) {
		ckpt_rec_err(ctx, err, "bad magic 0x%016llx (not a ckpt image)", h->magic);
		goto out;
	}
	if (h->version != CKPT_IMAGE_VERSION) {
		ckpt_rec_err(ctx, err, "image format version %u, this module reads %u",
			     h->version, CKPT_IMAGE_VERSION);
		goto out;
	}
	if (h->arch != CKPT_ARCH_X86_64 || h->page_size != PAGE_SIZE) {
		ckpt_rec_err(ctx, err, "arch %u with %u-byte pages, this is x86-64 with %lu",
			     h->arch, h->page_size, PAGE_SIZE);
		goto out;
	}
	if (h->flags & ~CKPT_IMAGE_F_ALL) {
		ckpt_rec_err(ctx, err, "unknown flags 0x%llx", h->flags);
		goto out;
	}
	err = ckpt_check_zero(ctx, h->reserved, sizeof(h->reserved), "reserved");
	if (err)
		goto out;
	if (!memchr(h->kernel_release, 0, sizeof(h->kernel_release))) {
		err = ckpt_rec_err(ctx, -EINVAL, "kernel_release is not terminated");
		goto out;
	}
	ckpt_cpu_xsave_info(&xsize, &features);
	missing = h->xsave_features & ~features;
	if (missing || h->xsave_size > xsize) {
		err = ckpt_rec_err(ctx, -EOPNOTSUPP,
				   "image needs xsave features 0x%llx (%u bytes); this CPU lacks 0x%llx (has %u bytes)",
				   h->xsave_features, h->xsave_size, missing, xsize);
		goto out;
	}
	strscpy(ctx->image_release, h->kernel_release, sizeof(ctx->image_release));
	err = 0;
out:
	kfree(h);
	return err;
}

static int ckpt_read_container(struct ckpt_ctx *ctx, struct ckpt_rec_container *c)
{
	u32 vdso_size;
	u64 vdso_csum;
	int err;

	err = ckpt_read_rec(ctx, CKPT_REC_CONTAINER, c, sizeof(*c));
	if (err)
		return err;
	if (!c->nr_tasks || c->nr_tasks > CKPT_RESTORE_MAX_TASKS)
		return ckpt_rec_err(ctx, -EINVAL, "nr_tasks %u out of range 1..%u",
				    c->nr_tasks, CKPT_RESTORE_MAX_TASKS);
	if (c->flags)
		return ckpt_rec_err(ctx, -EINVAL, "unknown flags 0x%x", c->flags);
	if (!memchr(c->nodename, 0, sizeof(c->nodename)) ||
	    !memchr(c->domainname, 0, sizeof(c->domainname)))
		return ckpt_rec_err(ctx, -EINVAL, "host or domain name not terminated");
	err = ckpt_check_zero(ctx, c->pad, sizeof(c->pad), "pad") ?:
	      ckpt_check_zero(ctx, &c->pad2, sizeof(c->pad2), "pad2") ?:
	      ckpt_check_zero(ctx, c->reserved, sizeof(c->reserved), "reserved");
	if (err)
		return err;
	vdso_csum = ckpt_vdso_csum(&vdso_size);
	if (c->vdso_csum != vdso_csum || c->vdso_size != vdso_size)
		return ckpt_rec_err(ctx, -EOPNOTSUPP,
				    "the image was made on kernel %s, whose vdso differs from this kernel's (%s): restart it on a kernel of the same build",
				    ctx->image_release, utsname()->release);
	return 0;
}

static int ckpt_find_task(struct ckpt_ctx *ctx, pid_t pid, u32 below)
{
	u32 i;

	for (i = 0; i < below; i++)
		if (ctx->tree[i].pid == pid)
			return i;
	return -1;
}

/* The tree must be one the coordinator can rebuild; see ckpt_build_tree(). */
static int ckpt_check_task(struct ckpt_ctx *ctx, u32 i)
{
	struct ckpt_rec_task *e = &ctx->tree[i];
	bool thread = e->flags & CKPT_TASK_F_THREAD;
	int parent, leader;
	int err;

	err = ckpt_check_zero(ctx, &e->pad, sizeof(e->pad), "pad") ?:
	      ckpt_check_zero(ctx, &e->pad2, sizeof(e->pad2), "pad2") ?:
	      ckpt_check_zero(ctx, e->reserved, sizeof(e->reserved), "reserved");
	if (err)
		return err;
	if (e->flags & ~CKPT_TASK_F_ALL)
		return ckpt_rec_err(ctx, -EINVAL, "unknown flags 0x%x", e->flags);
	if (e->pid <= 0 || e->pid >= PID_MAX_LIMIT)
		return ckpt_rec_err(ctx, -EINVAL, "pid %d out of range", e->pid);
	if (ckpt_find_task(ctx, e->pid, i) >= 0)
		return ckpt_rec_err(ctx, -EINVAL, "pid %d appears twice", e->pid);
	if (i == 0 && (e->pid != 1 || e->ppid || thread))
		return ckpt_rec_err(ctx, -EINVAL, "the first task must be pid 1 with no parent");
	if (!e->mm_ref || !e->files_ref || !e->fs_ref || !e->sighand_ref || !e->signal_ref)
		return ckpt_rec_err(ctx, -EINVAL, "pid %d: zero objref", e->pid);

	if (thread) {
		leader = ckpt_find_task(ctx, e->tgid, i);
		if (leader < 0 || (ctx->tree[leader].flags & CKPT_TASK_F_THREAD))
			return ckpt_rec_err(ctx, -EINVAL,
					    "thread %d: leader %d does not precede it",
					    e->pid, e->tgid);
		if (e->mm_ref != ctx->tree[leader].mm_ref ||
		    e->files_ref != ctx->tree[leader].files_ref ||
		    e->fs_ref != ctx->tree[leader].fs_ref ||
		    e->sighand_ref != ctx->tree[leader].sighand_ref ||
		    e->signal_ref != ctx->tree[leader].signal_ref ||
		    e->ppid != ctx->tree[leader].ppid ||
		    e->pgid != ctx->tree[leader].pgid ||
		    e->sid != ctx->tree[leader].sid)
			return ckpt_rec_err(ctx, -EINVAL,
					    "thread %d does not share its state with leader %d",
					    e->pid, e->tgid);
		if (e->exit_signal)
			return ckpt_rec_err(ctx, -EINVAL, "thread %d has an exit signal",
					    e->pid);
		return 0;
	}

	if (e->tgid != e->pid)
		return ckpt_rec_err(ctx, -EINVAL, "process %d has tgid %d", e->pid, e->tgid);
	if (e->exit_signal >= _NSIG)
		return ckpt_rec_err(ctx, -EINVAL, "exit_signal %u out of range",
				    e->exit_signal);
	if (i) {
		parent = ckpt_find_task(ctx, e->ppid, i);
		if (parent < 0 || (ctx->tree[parent].flags & CKPT_TASK_F_THREAD))
			return ckpt_rec_err(ctx, -EINVAL,
					    "pid %d: parent %d does not precede it",
					    e->pid, e->ppid);
	}
	if (e->sid <= 0 || e->pgid <= 0)
		return ckpt_rec_err(ctx, -EINVAL, "pid %d: bad session %d or group %d",
				    e->pid, e->sid, e->pgid);
	return 0;
}

/* Processes share none of their objects with one another. */
static int ckpt_check_refs_private(struct ckpt_ctx *ctx, u32 i)
{
	struct ckpt_rec_task *a = &ctx->tree[i];
	u32 j;

	if (a->flags & CKPT_TASK_F_THREAD)
		return 0;
	for (j = 0; j < i; j++) {
		struct ckpt_rec_task *b = &ctx->tree[j];
		u32 ra[] = { a->mm_ref, a->files_ref, a->fs_ref, a->sighand_ref, a->signal_ref };
		u32 rb[] = { b->mm_ref, b->files_ref, b->fs_ref, b->sighand_ref, b->signal_ref };
		u32 x, y;

		for (x = 0; x < ARRAY_SIZE(ra); x++)
			for (y = 0; y < ARRAY_SIZE(rb); y++)
				if (ra[x] == rb[y])
					return ckpt_rec_err(ctx, -EINVAL,
							    "pid %d reuses objref %u of pid %d",
							    a->pid, ra[x], b->pid);
	}
	return 0;
}

static int ckpt_read_tree(struct ckpt_ctx *ctx, u32 nr)
{
	u32 i;
	int err;

	ctx->tree = kvcalloc(nr, sizeof(*ctx->tree), GFP_KERNEL);
	ctx->restorers = kvcalloc(nr, sizeof(*ctx->restorers), GFP_KERNEL);
	if (!ctx->tree || !ctx->restorers)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for %u tasks", nr);
	ctx->nr_tasks = nr;
	for (i = 0; i < nr; i++) {
		err = ckpt_read_rec(ctx, CKPT_REC_TASK, &ctx->tree[i],
				    sizeof(ctx->tree[i]));
		if (err)
			return err;
		err = ckpt_check_task(ctx, i) ?: ckpt_check_refs_private(ctx, i);
		if (err)
			return err;
	}
	/* Process groups and sessions are named after a process in the tree. */
	for (i = 0; i < nr; i++) {
		struct ckpt_rec_task *e = &ctx->tree[i];

		if (ckpt_find_task(ctx, e->pgid, nr) < 0 ||
		    ckpt_find_task(ctx, e->sid, nr) < 0)
			return ckpt_err(ctx->err, -EINVAL,
					"task %u (pid %d): group %d or session %d has no leader in the image",
					i, e->pid, e->pgid, e->sid);
	}
	return 0;
}

static int ckpt_copy_tree_out(struct ckpt_ctx *ctx, struct ckpt_rec_container *c,
			      struct ckpt_ioc_restore_begin *arg)
{
	u64 need = sizeof(*c) + (u64)ctx->nr_tasks * sizeof(*ctx->tree);
	u8 __user *ubuf = u64_to_user_ptr(arg->tree_buf);

	if (need > arg->tree_len)
		return ckpt_err(ctx->err, -ENOSPC,
				"tree_buf holds %u bytes, the tree needs %llu (use CKPT_RESTORE_TREE_BUF_MAX)",
				arg->tree_len, need);
	if (copy_to_user(ubuf, c, sizeof(*c)) ||
	    copy_to_user(ubuf + sizeof(*c), ctx->tree,
			 (size_t)ctx->nr_tasks * sizeof(*ctx->tree)))
		return ckpt_err(ctx->err, -EFAULT, "cannot write tree_buf");
	arg->tree_len = need;
	return 0;
}

int ckpt_restart_begin(struct ckpt_errctx *err, struct ckpt_ctx **ctxp,
		       struct ckpt_ioc_restore_begin *arg)
{
	struct ckpt_rec_container *c;
	struct ckpt_ctx *ctx;
	struct file *file;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!ctx || !c) {
		kfree(ctx);
		kfree(c);
		return ckpt_err(err, -ENOMEM, "no memory for the restart context");
	}
	kref_init(&ctx->kref);
	mutex_init(&ctx->lock);
	init_waitqueue_head(&ctx->waitq);
	ckpt_objhash_init(ctx);
	ctx->err = err;
	ctx->state = CKPT_RESTART_LOADING;

	file = fget(arg->fd);
	if (!file) {
		ret = ckpt_err(err, -EBADF, "image fd %d is not open", arg->fd);
		goto fail;
	}
	ret = ckpt_stream_init(ctx, file, false);
	fput(file);
	if (ret)
		goto fail;
	ret = ckpt_read_image_header(ctx) ?: ckpt_read_container(ctx, c) ?:
	      ckpt_read_tree(ctx, c->nr_tasks) ?: ckpt_copy_tree_out(ctx, c, arg);
	if (ret)
		goto fail;
	kfree(c);
	ctx->err = NULL;
	*ctxp = ctx;
	return 0;
fail:
	kfree(c);
	ctx->err = NULL;
	ckpt_ctx_put(ctx);
	return ret;
}

/* ---- RESTORE_TASK --------------------------------------------------------- */

/*
 * Which tree entry current is. The first caller must be pid 1 of a fresh
 * pid namespace directly below the initial one: that namespace becomes
 * the container's, and every later caller must live in it.
 */
static int ckpt_restart_join(struct ckpt_ctx *ctx, struct ckpt_errctx *err)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct ckpt_rec_task *e;
	pid_t vpid;
	int i;

	if (!ctx->pidns) {
		if (ns == &init_pid_ns || ns->parent != &init_pid_ns ||
		    task_pid_nr_ns(current, ns) != 1)
			return ckpt_err(err, -EPERM,
					"the first task to restore must be pid 1 of a new pid namespace");
		ctx->pidns = get_pid_ns(ns);
	} else if (ns != ctx->pidns) {
		return ckpt_err(err, -EPERM,
				"caller is not in the pid namespace being restored");
	}

	vpid = task_pid_nr_ns(current, ns);
	i = ckpt_find_task(ctx, vpid, ctx->nr_tasks);
	if (i < 0)
		return ckpt_err(err, -ESRCH, "pid %d is not in the image", vpid);
	e = &ctx->tree[i];
	if (ctx->restorers[i])
		return ckpt_err(err, -EBUSY, "pid %d is already restoring", vpid);
	if (task_tgid_nr_ns(current, ns) != e->tgid ||
	    thread_group_leader(current) == !!(e->flags & CKPT_TASK_F_THREAD))
		return ckpt_err(err, -EINVAL,
				"pid %d was created as %s of %d, the image has %s of %d",
				vpid, thread_group_leader(current) ? "a process" : "a thread",
				task_tgid_nr_ns(current, ns),
				e->flags & CKPT_TASK_F_THREAD ? "a thread" : "a process",
				e->tgid);
	if (task_pgrp_nr_ns(current, ns) != e->pgid ||
	    task_session_nr_ns(current, ns) != e->sid)
		return ckpt_err(err, -EINVAL,
				"pid %d was created in group %d session %d, the image has %d and %d",
				vpid, task_pgrp_nr_ns(current, ns),
				task_session_nr_ns(current, ns), e->pgid, e->sid);
	if (e->ppid) {
		pid_t ppid;

		rcu_read_lock();
		ppid = task_tgid_nr_ns(rcu_dereference(current->real_parent), ns);
		rcu_read_unlock();
		if (ppid != e->ppid)
			return ckpt_err(err, -EINVAL,
					"pid %d was created by %d, the image has parent %d",
					vpid, ppid, e->ppid);
	}
	ctx->restorers[i] = get_task_struct(current);
	ctx->nr_joined++;
	return i;
}

/* Restore current's section of the stream; runs during current's turn. */
static int ckpt_restore_section(struct ckpt_ctx *ctx, u32 i)
{
	size_t nr_kinds, k;
	const struct ckpt_task_kind *const *kinds = ckpt_kinds(&nr_kinds);
	struct ckpt_rec_task_begin b;
	int err;

	ctx->cur = i;
	err = ckpt_read_rec(ctx, CKPT_REC_TASK_BEGIN, &b, sizeof(b));
	if (err)
		return err;
	if (b.task_index != i || b.pid != ctx->tree[i].pid)
		return ckpt_rec_err(ctx, -EINVAL,
				    "section of task %u (pid %d) where task %u (pid %d) belongs",
				    b.task_index, b.pid, i, ctx->tree[i].pid);
	for (k = 0; k < nr_kinds; k++) {
		err = kinds[k]->restore(ctx);
		if (err)
			return err;
	}
	return 0;
}

long ckpt_restart_task(struct ckpt_errctx *err, struct ckpt_ctx *ctx)
{
	sigset_t all;
	long ret;
	int i;

	/*
	 * Nothing may be delivered while current is being rebuilt: pending
	 * signals are re-queued, and the mask comes back with the registers.
	 */
	sigfillset(&all);
	/*
	 * Unlike rt_sigprocmask(2), the in-kernel sigprocmask() does not
	 * drop SIGKILL from the set: a blocked SIGKILL would let a failed
	 * task return to user space instead of dying.
	 */
	sigdelsetmask(&all, sigmask(SIGKILL) | sigmask(SIGSTOP));
	sigprocmask(SIG_SETMASK, &all, NULL);

	/* The container's namespace is known once its init has joined. */
	if (task_pid_nr_ns(current, task_active_pid_ns(current)) != 1) {
		ret = wait_event_killable(ctx->waitq, READ_ONCE(ctx->pidns) ||
					  READ_ONCE(ctx->state) != CKPT_RESTART_LOADING);
		if (ret) {
			ret = ckpt_err(err, -EINTR, "killed while waiting for pid 1");
			goto die;
		}
	}

	mutex_lock(&ctx->lock);
	if (ctx->state != CKPT_RESTART_LOADING) {
		mutex_unlock(&ctx->lock);
		ret = ckpt_err(err, -ECANCELED, "the restart has already %s",
			       ctx->state == CKPT_RESTART_FAILED ? "failed" : "finished");
		goto die;
	}
	i = ckpt_restart_join(ctx, err);
	mutex_unlock(&ctx->lock);
	if (i < 0) {
		ret = i;
		mutex_lock(&ctx->lock);
		ckpt_restart_fail(ctx, ret, ckpt_err_msg(err));
		mutex_unlock(&ctx->lock);
		goto die;
	}
	kref_get(&ctx->kref);

	/* Our pidns may only be known now: wake those who waited for it. */
	wake_up_all(&ctx->waitq);
	/*
	 * Nobody starts before everyone has joined: a leader's turn replaces
	 * the mm and fd table its threads share, so they must already be
	 * parked in here, not running user code.
	 */
	ret = wait_event_killable(ctx->waitq,
				  (READ_ONCE(ctx->turn) == i &&
				   READ_ONCE(ctx->nr_joined) == ctx->nr_tasks) ||
				  READ_ONCE(ctx->state) == CKPT_RESTART_FAILED);
	if (ret || READ_ONCE(ctx->state) == CKPT_RESTART_FAILED) {
		ret = ckpt_err(err, -ECANCELED, "pid %d: the restart failed elsewhere",
			       ctx->tree[i].pid);
		goto put;
	}

	/* Our turn: the stream and ctx->err are ours until we pass it on. */
	ctx->err = err;
	ret = ckpt_restore_section(ctx, i);
	if (!ret && i + 1 == ctx->nr_tasks)
		ret = ckpt_read_trailer(ctx);
	ctx->err = NULL;
	/*
	 * The mm may be new by now: the caller's errbuf address means nothing
	 * in it. The coordinator gets the text through RESTORE_WAIT.
	 */
	ckpt_err_set_ubuf(err, 0, 0);

	mutex_lock(&ctx->lock);
	if (ret) {
		ckpt_err_prefix(err, "pid %d", ctx->tree[i].pid);
		ckpt_restart_fail(ctx, ret, ckpt_err_msg(err));
	} else if (ctx->state == CKPT_RESTART_LOADING) {
		ctx->nr_restored++;
		WRITE_ONCE(ctx->turn, i + 1);
		if (i + 1 == ctx->nr_tasks)
			ctx->state = CKPT_RESTART_RESTORED;
		wake_up_all(&ctx->waitq);
	}
	mutex_unlock(&ctx->lock);
	if (ret)
		goto put;

	ret = wait_event_killable(ctx->waitq,
				  READ_ONCE(ctx->state) == CKPT_RESTART_RELEASED ||
				  READ_ONCE(ctx->state) == CKPT_RESTART_FAILED);
	if (ret || READ_ONCE(ctx->state) != CKPT_RESTART_RELEASED) {
		ret = -ECANCELED;
		goto put;
	}
	ckpt_ctx_put(ctx);
	/* Straight back into the checkpointed context; see ckpt_cpu.c. */
	return current_pt_regs()->ax;

put:
	mutex_lock(&ctx->lock);
	ckpt_restart_fail(ctx, ret, ckpt_err_msg(err));
	mutex_unlock(&ctx->lock);
	ckpt_ctx_put(ctx);
die:
	/* Never return to user space half restored. */
	send_sig(SIGKILL, current, 1);
	return ret;
}

/* ---- RESTORE_WAIT --------------------------------------------------------- */

int ckpt_restart_wait(struct ckpt_errctx *err, struct ckpt_ctx *ctx,
		      struct ckpt_ioc_restore_wait *arg)
{
	int ret;

	ret = wait_event_interruptible(ctx->waitq,
				       READ_ONCE(ctx->state) != CKPT_RESTART_LOADING);
	mutex_lock(&ctx->lock);
	if (ret) {
		ckpt_restart_fail(ctx, -EINTR, "the coordinator was interrupted");
		ret = ckpt_err(err, -EINTR,
			       "interrupted while %u of %u tasks had restored: restart abandoned",
			       ctx->nr_restored, ctx->nr_tasks);
	} else if (ctx->state == CKPT_RESTART_FAILED) {
		ret = ckpt_err(err, ctx->fail_err, "%s", ctx->fail_msg ?: "restart failed");
	} else {
		arg->bytes_read = ctx->stream.offset;
		if (arg->flags & CKPT_RESTORE_WAIT_F_RELEASE) {
			ctx->state = CKPT_RESTART_RELEASED;
			wake_up_all(&ctx->waitq);
		}
	}
	mutex_unlock(&ctx->lock);
	return ret;
}
