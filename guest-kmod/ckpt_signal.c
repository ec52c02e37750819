// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sighand and signal kinds: signal dispositions (SIGHAND) and
 * thread-group signal state (SIGNAL: rlimits, ITIMER_REAL, and the
 * group's pending signals as SIGINFO records).
 *
 * Threads share both objects: the first task that has them (the thread
 * group leader) writes and restores them, later ones only check that they
 * share them. The blocked mask and sigaltstack are per task, in the CPU
 * record.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/resource.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "ckpt_cpu.h"
#include "ckpt_cr.h"
#include "ckpt_resolve.h"

static_assert(_NSIG == CKPT_NSIG);
static_assert(RLIM_NLIMITS == CKPT_RLIM_NLIMITS);

/* Anything longer than a century is damage, not a timer. */
#define CKPT_MAX_TIMER_NS (100ULL * 365 * 24 * 3600 * NSEC_PER_SEC)

/* ---- sighand ----------------------------------------------------------- */

/* Why action a of signal sig cannot be set by sigaction(), or NULL. */
static const char *ckpt_sigaction_invalid(int sig, const struct ckpt_sigaction *a)
{
	u64 handler = a->handler;

	if (sig_kernel_only(sig))
		return a->handler || a->flags || a->restorer || a->mask ?
		       "SIGKILL and SIGSTOP cannot have an action" : NULL;
	if (handler != (unsigned long)SIG_DFL &&
	    handler != (unsigned long)SIG_IGN && handler >= TASK_SIZE)
		return "handler is not a user address";
	if (a->flags & ~(u64)UAPI_SA_FLAGS)
		return "flags sigaction() does not take";
	if (a->restorer >= TASK_SIZE)
		return "restorer is not a user address";
	if (a->mask & (sigmask(SIGKILL) | sigmask(SIGSTOP)))
		return "mask blocks SIGKILL or SIGSTOP";
	return NULL;
}

static void ckpt_sighand_read(struct sighand_struct *sighand,
			      struct ckpt_rec_sighand *rec)
{
	int i;

	for (i = 0; i < _NSIG; i++) {
		const struct sigaction *sa = &sighand->action[i].sa;

		rec->action[i].handler = (unsigned long)sa->sa_handler;
		rec->action[i].flags = sa->sa_flags;
		rec->action[i].restorer = (unsigned long)sa->sa_restorer;
		rec->action[i].mask = sa->sa_mask.sig[0];
	}
}

static int ckpt_sighand_precheck(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_rec_sighand *rec;
	struct sighand_struct *sighand;
	unsigned long flags;
	const char *why = NULL;
	int i, err = 0;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the sighand record");
	sighand = ckpt_lock_sighand(t, &flags);
	if (!sighand) {
		err = ckpt_err(ctx->err, -ESRCH, "pid %d (%s): exiting",
			       ckpt_vpid(ctx, t), t->comm);
		goto out;
	}
	ckpt_sighand_read(sighand, rec);
	ckpt_unlock_sighand(sighand, &flags);
	for (i = 0; i < _NSIG && !why; i++)
		why = ckpt_sigaction_invalid(i + 1, &rec->action[i]);
	if (why)
		err = ckpt_err(ctx->err, -EOPNOTSUPP,
			       "pid %d (%s): signal %d: %s (flags 0x%llx): not supported",
			       ckpt_vpid(ctx, t), t->comm, i, why,
			       rec->action[i - 1].flags);
out:
	kfree(rec);
	return err;
}

static int ckpt_sighand_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_rec_sighand *rec;
	struct sighand_struct *sighand;
	unsigned long flags;
	bool first;
	u32 ref;
	int err;

	ref = ckpt_obj_checkpoint(ctx, t->sighand, CKPT_OBJ_SIGHAND, &first);
	if (!ref)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the object hash");
	if (!first)
		return 0;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the sighand record");
	rec->objref = ref;
	sighand = ckpt_lock_sighand(t, &flags);
	if (!sighand) {
		err = ckpt_err(ctx->err, -ESRCH, "signal handlers gone (exiting)");
		goto out;
	}
	ckpt_sighand_read(sighand, rec);
	ckpt_unlock_sighand(sighand, &flags);
	err = ckpt_write_rec(ctx, CKPT_REC_SIGHAND, rec, sizeof(*rec));
out:
	kfree(rec);
	return err;
}

/*
 * A later task with an objref already restored must share the object:
 * threads are created with CLONE_SIGHAND|CLONE_THREAD.
 */
static int ckpt_check_shared(struct ckpt_ctx *ctx, u32 ref,
			     enum ckpt_obj_kind kind, void *mine)
{
	void *obj = ckpt_obj_fetch(ctx, ref, kind);

	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (obj != mine)
		return ckpt_err(ctx->err, -EINVAL,
				"pid %d does not share %s objref %u with the task that restored it (not created as its thread?)",
				ckpt_cur_task(ctx)->pid, ckpt_obj_kind_name(kind),
				ref);
	return 0;
}

static int ckpt_sighand_restore(struct ckpt_ctx *ctx)
{
	u32 ref = ckpt_cur_task(ctx)->sighand_ref;
	struct sighand_struct *sighand = current->sighand;
	struct ckpt_rec_sighand *rec;
	const char *why;
	int i, err;

	if (ckpt_obj_known(ctx, ref))
		return ckpt_check_shared(ctx, ref, CKPT_OBJ_SIGHAND, sighand);

	rec = kmalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the sighand record");
	err = ckpt_read_rec(ctx, CKPT_REC_SIGHAND, rec, sizeof(*rec));
	if (err)
		goto out;
	err = -EINVAL;
	if (rec->objref != ref) {
		ckpt_rec_err(ctx, err, "objref %u, the tree has %u", rec->objref, ref);
		goto out;
	}
	err = ckpt_check_zero(ctx, &rec->pad, sizeof(rec->pad), "pad");
	if (err)
		goto out;
	for (i = 0; i < _NSIG; i++) {
		why = ckpt_sigaction_invalid(i + 1, &rec->action[i]);
		if (why) {
			err = ckpt_rec_err(ctx, -EINVAL, "signal %d: %s", i + 1, why);
			goto out;
		}
	}

	/*
	 * Straight into the table, as do_sigaction() would for each. No
	 * signal is pending yet (they are queued after this), so there is
	 * nothing to discard for actions that ignore.
	 */
	spin_lock_irq(&sighand->siglock);
	for (i = 0; i < _NSIG; i++) {
		struct sigaction *sa = &sighand->action[i].sa;

		sa->sa_handler = (__sighandler_t)(unsigned long)rec->action[i].handler;
		sa->sa_flags = rec->action[i].flags;
		sa->sa_restorer = (__sigrestore_t)(unsigned long)rec->action[i].restorer;
		sa->sa_mask.sig[0] = rec->action[i].mask;
	}
	spin_unlock_irq(&sighand->siglock);

	/*
	 * The hash only compares this pointer with later tasks' (it is
	 * never dereferenced), and every task of the restart lives until
	 * the operation ends, so it takes no reference.
	 */
	err = ckpt_obj_add(ctx, ref, CKPT_OBJ_SIGHAND, sighand, NULL);
out:
	kfree(rec);
	return err;
}

const struct ckpt_task_kind ckpt_sighand_kind = {
	.name = "sighand",
	.precheck = ckpt_sighand_precheck,
	.checkpoint = ckpt_sighand_checkpoint,
	.restore = ckpt_sighand_restore,
};

/* ---- signal ------------------------------------------------------------ */

static const char *ckpt_signal_unsupported(struct task_struct *t)
{
	struct signal_struct *sig = t->signal;

	if (!list_empty(&sig->posix_timers))
		return "POSIX timers (timer_create)";
	if (sig->it[CPUCLOCK_PROF].expires || sig->it[CPUCLOCK_VIRT].expires)
		return "ITIMER_PROF or ITIMER_VIRTUAL";
	if (READ_ONCE(sig->tty))
		return "a controlling terminal";
	if (sig->is_child_subreaper)
		return "PR_SET_CHILD_SUBREAPER";
	if (ckpt_sigkill_pending(t, true))
		return "SIGKILL pending for the thread group (exiting)";
	return NULL;
}

static int ckpt_signal_precheck(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const char *why = ckpt_signal_unsupported(t);

	if (why)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d (%s): %s: not supported",
				ckpt_vpid(ctx, t), t->comm, why);
	return 0;
}

static int ckpt_signal_read(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct ckpt_rec_signal *rec)
{
	struct signal_struct *sig = t->signal;
	struct sighand_struct *sighand;
	unsigned long flags;
	int i;

	/* do_prlimit() reads them under the leader's task lock. */
	task_lock(t->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		rec->rlim[i].cur = sig->rlim[i].rlim_cur;
		rec->rlim[i].max = sig->rlim[i].rlim_max;
	}
	task_unlock(t->group_leader);

	/*
	 * As getitimer(ITIMER_REAL): under siglock, which it_real_fn's
	 * re-arming in dequeue_signal() also holds. The timer runs on while
	 * the container is frozen; if it fired, SIGALRM is pending and the
	 * interval re-arms it when that is dequeued, so the interval is kept
	 * even when the timer is not armed.
	 */
	sighand = ckpt_lock_sighand(t, &flags);
	if (!sighand)
		return ckpt_err(ctx->err, -ESRCH, "signal state gone (exiting)");
	if (hrtimer_active(&sig->real_timer)) {
		ktime_t rem = hrtimer_get_remaining(&sig->real_timer);

		rec->it_real_value_ns = rem > 0 ? rem : NSEC_PER_USEC;
	}
	rec->it_real_incr_ns = ktime_to_ns(sig->it_real_incr);
	ckpt_unlock_sighand(sighand, &flags);
	return 0;
}

static int ckpt_signal_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_pending pending = {};
	struct ckpt_rec_signal *rec;
	bool first;
	u32 ref;
	int err;

	ref = ckpt_obj_checkpoint(ctx, t->signal, CKPT_OBJ_SIGNAL, &first);
	if (!ref)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the object hash");
	if (!first)
		return 0;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the signal record");
	rec->objref = ref;
	err = ckpt_signal_read(ctx, t, rec) ?:
	      ckpt_pending_collect(ctx, t, true, &pending);
	if (err)
		goto out;
	rec->nr_shared_pending = pending.nr;
	err = ckpt_write_rec(ctx, CKPT_REC_SIGNAL, rec, sizeof(*rec)) ?:
	      ckpt_pending_write(ctx, &pending);
out:
	ckpt_pending_free(&pending);
	kfree(rec);
	return err;
}

/* do_prlimit()'s rules, for the restorer (which still has its own creds). */
static int ckpt_rlimits_check(struct ckpt_ctx *ctx,
			      const struct ckpt_rec_signal *rec)
{
	unsigned int nr_open = READ_ONCE(*ckpt_sym.sysctl_nr_open);
	const struct rlimit *old = current->signal->rlim;
	int i;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		const struct ckpt_rlimit *r = &rec->rlim[i];

		if (r->cur > r->max)
			return ckpt_rec_err(ctx, -EINVAL,
					    "rlimit %d: soft limit %llu above hard limit %llu",
					    i, r->cur, r->max);
		if (i == RLIMIT_NOFILE && r->max > nr_open)
			return ckpt_rec_err(ctx, -EPERM,
					    "RLIMIT_NOFILE hard limit %llu above fs.nr_open %u",
					    r->max, nr_open);
		if (r->max > READ_ONCE(old[i].rlim_max) &&
		    !capable(CAP_SYS_RESOURCE))
			return ckpt_rec_err(ctx, -EPERM,
					    "rlimit %d: hard limit %llu above the restorer's %lu without CAP_SYS_RESOURCE",
					    i, r->max, READ_ONCE(old[i].rlim_max));
	}
	return 0;
}

static int ckpt_signal_check(struct ckpt_ctx *ctx, const struct ckpt_rec_signal *rec,
			     u32 ref)
{
	if (rec->objref != ref)
		return ckpt_rec_err(ctx, -EINVAL, "objref %u, the tree has %u",
				    rec->objref, ref);
	if (rec->nr_shared_pending > CKPT_MAX_PENDING)
		return ckpt_rec_err(ctx, -EINVAL, "%u pending signals, at most %u",
				    rec->nr_shared_pending, CKPT_MAX_PENDING);
	if (rec->it_real_value_ns > CKPT_MAX_TIMER_NS ||
	    rec->it_real_incr_ns > CKPT_MAX_TIMER_NS)
		return ckpt_rec_err(ctx, -EINVAL,
				    "ITIMER_REAL value %llu ns interval %llu ns",
				    rec->it_real_value_ns, rec->it_real_incr_ns);
	return ckpt_check_zero(ctx, rec->reserved, sizeof(rec->reserved),
			       "reserved") ?:
	       ckpt_rlimits_check(ctx, rec);
}

static void ckpt_signal_apply(const struct ckpt_rec_signal *rec)
{
	struct signal_struct *sig = current->signal;
	u64 cpu_cur = rec->rlim[RLIMIT_CPU].cur;
	int i;

	task_lock(current->group_leader);
	for (i = 0; i < RLIM_NLIMITS; i++) {
		sig->rlim[i].rlim_cur = rec->rlim[i].cur;
		sig->rlim[i].rlim_max = rec->rlim[i].max;
	}
	task_unlock(current->group_leader);
	/* As do_prlimit() does: arm the process CPU timer for the limit. */
	if (cpu_cur != RLIM_INFINITY)
		ckpt_sym.update_rlimit_cpu(current->group_leader, cpu_cur);

	/* setitimer(ITIMER_REAL), keeping the interval of an unarmed timer. */
	hrtimer_cancel(&sig->real_timer);
	spin_lock_irq(&current->sighand->siglock);
	sig->it_real_incr = ns_to_ktime(rec->it_real_incr_ns);
	if (rec->it_real_value_ns)
		hrtimer_start(&sig->real_timer,
			      ns_to_ktime(rec->it_real_value_ns), HRTIMER_MODE_REL);
	spin_unlock_irq(&current->sighand->siglock);
}

static int ckpt_signal_restore(struct ckpt_ctx *ctx)
{
	u32 ref = ckpt_cur_task(ctx)->signal_ref;
	struct ckpt_rec_signal *rec;
	int err;

	if (ckpt_obj_known(ctx, ref))
		return ckpt_check_shared(ctx, ref, CKPT_OBJ_SIGNAL, current->signal);

	rec = kmalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the signal record");
	err = ckpt_read_rec(ctx, CKPT_REC_SIGNAL, rec, sizeof(*rec)) ?:
	      ckpt_signal_check(ctx, rec, ref);
	if (err)
		goto out;
	if (fatal_signal_pending(current)) {
		err = ckpt_err(ctx->err, -EINTR, "killed while restoring");
		goto out;
	}
	/*
	 * Whatever reached the restorer's queues is not the container's:
	 * the private queue is queued again by the cpu kind, the group's
	 * right below.
	 */
	flush_signals(current);
	ckpt_signal_apply(rec);
	err = ckpt_obj_add(ctx, ref, CKPT_OBJ_SIGNAL, current->signal, NULL) ?:
	      ckpt_pending_restore(ctx, rec->nr_shared_pending, true);
out:
	kfree(rec);
	return err;
}

const struct ckpt_task_kind ckpt_signal_kind = {
	.name = "signal",
	.precheck = ckpt_signal_precheck,
	.checkpoint = ckpt_signal_checkpoint,
	.restore = ckpt_signal_restore,
};
