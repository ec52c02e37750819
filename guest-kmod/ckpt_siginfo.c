// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pending signals: SIGINFO records.
 *
 * A task's private queue (t->pending) is written after its CPU record, the
 * thread group's queue (signal->shared_pending) after the SIGNAL record.
 * Restart queues every signal again, with its siginfo, while current blocks
 * all signals, so nothing is delivered before the task is released; the
 * order within a queue is kept, which matters for queued real-time
 * signals.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "ckpt_cpu.h"
#include "ckpt_cr.h"
#include "ckpt_resolve.h"

/*
 * The user siginfo_t is the kernel_siginfo followed by zero padding: that
 * is all copy_siginfo_to_user() does. So the record holds the kernel's
 * bytes as they are, and the padding stays zero.
 */
static_assert(sizeof(kernel_siginfo_t) <= CKPT_SIGINFO_SIZE);
static_assert(sizeof(siginfo_t) == CKPT_SIGINFO_SIZE);

struct sighand_struct *ckpt_lock_sighand(struct task_struct *t,
					 unsigned long *flags)
{
	struct sighand_struct *sighand;

	/*
	 * The same dance as __lock_task_sighand(): sighand structs are freed
	 * by RCU type-safe slab, so lock the one we see, then check it is
	 * still t's.
	 */
	for (;;) {
		rcu_read_lock();
		sighand = rcu_dereference(t->sighand);
		if (!sighand) {
			rcu_read_unlock();
			return NULL;
		}
		spin_lock_irqsave(&sighand->siglock, *flags);
		if (likely(sighand == rcu_access_pointer(t->sighand))) {
			rcu_read_unlock();
			return sighand;
		}
		spin_unlock_irqrestore(&sighand->siglock, *flags);
		rcu_read_unlock();
	}
}

void ckpt_unlock_sighand(struct sighand_struct *sighand, unsigned long *flags)
{
	spin_unlock_irqrestore(&sighand->siglock, *flags);
}

static struct sigpending *ckpt_queue(struct task_struct *t, bool shared)
{
	return shared ? &t->signal->shared_pending : &t->pending;
}

/*
 * Walk one queue: queued siginfos in order, then signals pending without
 * one. Fills at most max records (recs may be NULL); returns how many
 * there are.
 */
static u32 ckpt_pending_walk(struct sigpending *pend, bool shared,
			     struct ckpt_rec_siginfo *recs, u32 max)
{
	sigset_t left = pend->signal;
	struct ckpt_rec_siginfo *r;
	struct sigqueue *q;
	u32 n = 0;
	int sig;

	list_for_each_entry(q, &pend->list, list) {
		sig = q->info.si_signo;
		if (!valid_signal(sig) || sig < 1 ||
		    !sigismember(&pend->signal, sig))
			continue;
		sigdelset(&left, sig);
		if (recs && n < max) {
			r = &recs[n];
			r->flags = shared ? CKPT_SIGINFO_SHARED : 0;
			r->signo = sig;
			memcpy(r->info, &q->info, sizeof(q->info));
		}
		n++;
	}
	for (sig = 1; sig <= _NSIG; sig++) {
		kernel_siginfo_t info;

		if (!sigismember(&left, sig))
			continue;
		if (recs && n < max) {
			/* What collect_signal() reports for such a signal. */
			clear_siginfo(&info);
			info.si_signo = sig;
			info.si_code = SI_USER;
			r = &recs[n];
			r->flags = shared ? CKPT_SIGINFO_SHARED : 0;
			r->signo = sig;
			memcpy(r->info, &info, sizeof(info));
		}
		n++;
	}
	return n;
}

int ckpt_pending_collect(struct ckpt_ctx *ctx, struct task_struct *t,
			 bool shared, struct ckpt_pending *p)
{
	const char *what = shared ? "thread-group" : "private";
	struct sighand_struct *sighand;
	unsigned long flags;
	int tries;
	u32 n;

	p->nr = 0;
	p->recs = NULL;
	/*
	 * A frozen task's queue can still grow (a signal sent to it while it
	 * is frozen), so count, allocate without the lock, and check the
	 * count did not move while filling.
	 */
	for (tries = 0; tries < 8; tries++) {
		sighand = ckpt_lock_sighand(t, &flags);
		if (!sighand)
			return ckpt_err(ctx->err, -ESRCH, "signal state gone (exiting)");
		n = ckpt_pending_walk(ckpt_queue(t, shared), shared, NULL, 0);
		ckpt_unlock_sighand(sighand, &flags);
		if (n > CKPT_MAX_PENDING)
			return ckpt_err(ctx->err, -E2BIG,
					"%u %s pending signals: more than %u not supported",
					n, what, CKPT_MAX_PENDING);
		if (!n)
			return 0;

		p->recs = kvcalloc(n, sizeof(*p->recs), GFP_KERNEL);
		if (!p->recs)
			return ckpt_err(ctx->err, -ENOMEM,
					"no memory for %u pending signals", n);
		sighand = ckpt_lock_sighand(t, &flags);
		if (!sighand) {
			ckpt_pending_free(p);
			return ckpt_err(ctx->err, -ESRCH, "signal state gone (exiting)");
		}
		if (ckpt_pending_walk(ckpt_queue(t, shared), shared, NULL, 0) == n) {
			ckpt_pending_walk(ckpt_queue(t, shared), shared, p->recs, n);
			ckpt_unlock_sighand(sighand, &flags);
			p->nr = n;
			return 0;
		}
		ckpt_unlock_sighand(sighand, &flags);
		ckpt_pending_free(p);
	}
	return ckpt_err(ctx->err, -EAGAIN,
			"%s pending signals kept changing while being read", what);
}

int ckpt_pending_write(struct ckpt_ctx *ctx, const struct ckpt_pending *p)
{
	u32 i;
	int err;

	for (i = 0; i < p->nr; i++) {
		err = ckpt_write_rec(ctx, CKPT_REC_SIGINFO, &p->recs[i],
				     sizeof(p->recs[i]));
		if (err)
			return err;
	}
	return 0;
}

void ckpt_pending_free(struct ckpt_pending *p)
{
	kvfree(p->recs);
	p->recs = NULL;
	p->nr = 0;
}

bool ckpt_sigkill_pending(struct task_struct *t, bool shared)
{
	struct sighand_struct *sighand;
	unsigned long flags;
	bool ret;

	sighand = ckpt_lock_sighand(t, &flags);
	if (!sighand)
		return true;
	ret = sigismember(&ckpt_queue(t, shared)->signal, SIGKILL);
	ckpt_unlock_sighand(sighand, &flags);
	return ret;
}

static int ckpt_pending_check(struct ckpt_ctx *ctx,
			      const struct ckpt_rec_siginfo *r, bool shared,
			      kernel_siginfo_t *info)
{
	u32 want = shared ? CKPT_SIGINFO_SHARED : 0;
	int err;

	if (r->flags != want)
		return ckpt_rec_err(ctx, -EINVAL,
				    "flags 0x%x where a %s signal (0x%x) belongs",
				    r->flags, shared ? "thread-group" : "private",
				    want);
	if (r->signo < 1 || r->signo > _NSIG)
		return ckpt_rec_err(ctx, -EINVAL, "signal %u out of range 1..%d",
				    r->signo, _NSIG);
	if (r->signo == SIGKILL)
		return ckpt_rec_err(ctx, -EINVAL,
				    "SIGKILL pending: the task was about to die");
	err = ckpt_check_zero(ctx, r->info + sizeof(*info),
			      CKPT_SIGINFO_SIZE - sizeof(*info), "siginfo padding");
	if (err)
		return err;
	memcpy(info, r->info, sizeof(*info));
	if (info->si_signo != r->signo)
		return ckpt_rec_err(ctx, -EINVAL, "si_signo %d differs from signo %u",
				    info->si_signo, r->signo);
	return 0;
}

int ckpt_pending_restore(struct ckpt_ctx *ctx, u32 nr, bool shared)
{
	struct ckpt_rec_siginfo *r;
	kernel_siginfo_t info;
	u32 i;
	int err = 0;

	if (!nr)
		return 0;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for a siginfo record");
	for (i = 0; i < nr; i++) {
		err = ckpt_read_rec(ctx, CKPT_REC_SIGINFO, r, sizeof(*r));
		if (err)
			break;
		err = ckpt_pending_check(ctx, r, shared, &info);
		if (err)
			break;
		/*
		 * Every signal is blocked, so nothing is ignored or delivered
		 * now. The sender is current, in the container's own pid and
		 * user namespaces, so si_pid and si_uid stay as they are.
		 */
		if (shared)
			err = ckpt_sym.do_send_sig_info(r->signo, &info, current,
							PIDTYPE_TGID);
		else
			err = send_sig_info(r->signo, &info, current);
		if (err) {
			err = ckpt_rec_err(ctx, err,
					   "cannot queue signal %u again (error %d; RLIMIT_SIGPENDING?)",
					   r->signo, err);
			break;
		}
	}
	kfree(r);
	return err;
}
