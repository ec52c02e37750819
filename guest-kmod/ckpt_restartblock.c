// SPDX-License-Identifier: GPL-2.0-only
/*
 * System calls interrupted with -ERESTART_RESTARTBLOCK.
 *
 * Such a call resumes through current->restart_block: a function and its
 * arguments, among them a deadline on some clock. Checkpoint keeps what
 * three of those functions need, with the deadline as the time that was
 * left (the clocks of another boot, or of the same one after a while in an
 * image, mean nothing to it); restart rebuilds the block with the deadline
 * that far from now, so the kernel's restart_syscall() resumes the call:
 *
 *  - hrtimer_nanosleep_restart: nanosleep(), clock_nanosleep() with a
 *    relative time on an hrtimer clock, sleep(), usleep();
 *  - futex_wait_restart: a futex wait with a timeout (timed condition
 *    variables, semaphores, mutexes);
 *  - do_restart_poll: poll(), with or without a timeout.
 *
 * Any other function (a sleep on a CPU-time or alarm clock) is saved as
 * -EINTR, which those calls return when a handler interrupts them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/poll.h>
#include <linux/restart_block.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/thread_info.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>

#include "ckpt_cpu.h"
#include "ckpt_cr.h"
#include "ckpt_resolve.h"

/*
 * restart_block.futex.flags as kernel/futex/futex.h (private to the futex
 * code) defines them. An image only restarts on the kernel build that
 * made it (the vdso check), so the values match.
 */
#define CKPT_FUTEX_SHARED 0x01
#define CKPT_FUTEX_CLOCKRT 0x02
#define CKPT_FUTEX_HAS_TIMEOUT 0x04
#define CKPT_FUTEX_FLAGS (CKPT_FUTEX_SHARED | CKPT_FUTEX_CLOCKRT | \
			  CKPT_FUTEX_HAS_TIMEOUT)

/* Anything longer than a century is damage. */
#define CKPT_MAX_LEFT_NS (100ULL * 365 * 24 * 3600 * NSEC_PER_SEC)

/* The clocks a restart deadline can be on, and their time now. */
static bool ckpt_clock_now(clockid_t clockid, ktime_t *now)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		*now = ktime_get_real();
		return true;
	case CLOCK_MONOTONIC:
		*now = ktime_get();
		return true;
	case CLOCK_BOOTTIME:
		*now = ktime_get_boottime();
		return true;
	case CLOCK_TAI:
		*now = ktime_get_clocktai();
		return true;
	}
	return false;
}

static u64 ckpt_time_left(clockid_t clockid, ktime_t deadline)
{
	ktime_t now, left;

	ckpt_clock_now(clockid, &now);
	left = ktime_sub(deadline, now);
	return left > 0 ? left : 0;
}

static clockid_t ckpt_futex_clock(u32 flags)
{
	return flags & CKPT_FUTEX_CLOCKRT ? CLOCK_REALTIME : CLOCK_MONOTONIC;
}

int ckpt_restart_block_save(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct ckpt_rec_cpu *c)
{
	struct restart_block *rb = &t->restart_block;
	ktime_t now;

	if ((s64)c->regs.orig_ax < 0 || (s64)c->regs.ax != -ERESTART_RESTARTBLOCK)
		return 0;

	if (rb->fn == ckpt_sym.hrtimer_nanosleep_restart) {
		if (!ckpt_clock_now(rb->nanosleep.clockid, &now))
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"nanosleep on clock %d: not supported",
					rb->nanosleep.clockid);
		c->restart_kind = CKPT_RESTART_NANOSLEEP;
		c->restart_clockid = rb->nanosleep.clockid;
		c->restart_remaining_ns = ckpt_time_left(rb->nanosleep.clockid,
							 rb->nanosleep.expires);
		c->restart_type = rb->nanosleep.type;
		c->restart_rmtp = (unsigned long)rb->nanosleep.rmtp;
	} else if (rb->fn == ckpt_sym.futex_wait_restart) {
		c->restart_kind = CKPT_RESTART_FUTEX;
		c->restart_uaddr = (unsigned long)rb->futex.uaddr;
		c->restart_arg = rb->futex.val;
		c->restart_flags = rb->futex.flags;
		c->restart_bitset = rb->futex.bitset;
		if (rb->futex.flags & CKPT_FUTEX_HAS_TIMEOUT) {
			c->restart_clockid = ckpt_futex_clock(rb->futex.flags);
			c->restart_remaining_ns =
				ckpt_time_left(c->restart_clockid, rb->futex.time);
		}
	} else if (rb->fn == ckpt_sym.do_restart_poll) {
		c->restart_kind = CKPT_RESTART_POLL;
		c->restart_uaddr = (unsigned long)rb->poll.ufds;
		c->restart_arg = rb->poll.nfds;
		c->restart_flags = rb->poll.has_timeout;
		c->restart_clockid = CLOCK_MONOTONIC;
		if (rb->poll.has_timeout) {
			/* poll_select_set_timeout(): a CLOCK_MONOTONIC timespec */
			struct timespec64 end = {
				.tv_sec = rb->poll.tv_sec,
				.tv_nsec = rb->poll.tv_nsec,
			};

			c->restart_remaining_ns =
				ckpt_time_left(CLOCK_MONOTONIC, timespec64_to_ktime(end));
		}
	} else {
		/* See the comment at the top. */
		c->regs.ax = (u64)-EINTR;
	}
	return 0;
}

static int ckpt_check_nanosleep(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c)
{
	ktime_t now;

	if (!ckpt_clock_now(c->restart_clockid, &now))
		return ckpt_rec_err(ctx, -EINVAL, "nanosleep on clock %d",
				    c->restart_clockid);
	if (c->restart_type != TT_NONE && c->restart_type != TT_NATIVE)
		return ckpt_rec_err(ctx, -EINVAL, "nanosleep restart_type %u",
				    c->restart_type);
	if ((c->restart_type == TT_NONE && c->restart_rmtp) ||
	    c->restart_rmtp >= TASK_SIZE)
		return ckpt_rec_err(ctx, -EINVAL, "nanosleep rmtp 0x%llx",
				    c->restart_rmtp);
	if (c->restart_uaddr || c->restart_arg || c->restart_flags ||
	    c->restart_bitset)
		return ckpt_rec_err(ctx, -EINVAL, "poll/futex fields set for a nanosleep");
	return 0;
}

static int ckpt_check_futex(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c)
{
	bool timed = c->restart_flags & CKPT_FUTEX_HAS_TIMEOUT;

	if (c->restart_flags & ~CKPT_FUTEX_FLAGS || !c->restart_bitset)
		return ckpt_rec_err(ctx, -EINVAL, "futex flags 0x%x bitset 0x%x",
				    c->restart_flags, c->restart_bitset);
	if (c->restart_uaddr >= TASK_SIZE - sizeof(u32) ||
	    !IS_ALIGNED(c->restart_uaddr, sizeof(u32)))
		return ckpt_rec_err(ctx, -EINVAL, "futex address 0x%llx",
				    c->restart_uaddr);
	if (timed ? c->restart_clockid != ckpt_futex_clock(c->restart_flags) :
		    c->restart_clockid || c->restart_remaining_ns)
		return ckpt_rec_err(ctx, -EINVAL,
				    "futex timeout on clock %d with flags 0x%x",
				    c->restart_clockid, c->restart_flags);
	return 0;
}

static int ckpt_check_poll(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c)
{
	if (c->restart_flags > 1 || c->restart_bitset ||
	    c->restart_clockid != CLOCK_MONOTONIC ||
	    (!c->restart_flags && c->restart_remaining_ns))
		return ckpt_rec_err(ctx, -EINVAL,
				    "poll restart: has_timeout %u clock %d bitset 0x%x",
				    c->restart_flags, c->restart_clockid,
				    c->restart_bitset);
	/* do_sys_poll() refuses more than RLIMIT_NOFILE itself. */
	if (c->restart_arg > READ_ONCE(*ckpt_sym.sysctl_nr_open) ||
	    c->restart_uaddr >= TASK_SIZE ||
	    (u64)c->restart_arg * sizeof(struct pollfd) > TASK_SIZE - c->restart_uaddr)
		return ckpt_rec_err(ctx, -EINVAL, "poll of %u fds at 0x%llx",
				    c->restart_arg, c->restart_uaddr);
	return 0;
}

int ckpt_restart_block_check(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c)
{
	if (c->restart_kind != CKPT_RESTART_NANOSLEEP &&
	    (c->restart_rmtp || c->restart_type))
		return ckpt_rec_err(ctx, -EINVAL,
				    "nanosleep fields set for restart kind %u",
				    c->restart_kind);
	if (c->restart_remaining_ns > CKPT_MAX_LEFT_NS)
		return ckpt_rec_err(ctx, -EINVAL, "a restart with %llu ns left",
				    c->restart_remaining_ns);
	switch (c->restart_kind) {
	case CKPT_RESTART_NONE:
		if (c->restart_clockid || c->restart_remaining_ns ||
		    c->restart_uaddr || c->restart_arg || c->restart_flags ||
		    c->restart_bitset)
			return ckpt_rec_err(ctx, -EINVAL,
					    "restart fields set without a restart kind");
		return 0;
	case CKPT_RESTART_NANOSLEEP:
		return ckpt_check_nanosleep(ctx, c);
	case CKPT_RESTART_FUTEX:
		return ckpt_check_futex(ctx, c);
	case CKPT_RESTART_POLL:
		return ckpt_check_poll(ctx, c);
	}
	return ckpt_rec_err(ctx, -EINVAL, "unknown restart_kind %u",
			    c->restart_kind);
}

void ckpt_restart_block_restore(const struct ckpt_rec_cpu *c)
{
	struct restart_block *rb = &current->restart_block;
	ktime_t now, deadline;

	if (c->restart_kind == CKPT_RESTART_NONE)
		return;
	/* FUTEX without a timeout has no clock; its deadline is unused. */
	if (!ckpt_clock_now(c->restart_clockid, &now))
		now = 0;
	deadline = ktime_add_safe(now, c->restart_remaining_ns);

	switch (c->restart_kind) {
	case CKPT_RESTART_NANOSLEEP:
		rb->nanosleep.clockid = c->restart_clockid;
		rb->nanosleep.type = c->restart_type;
		rb->nanosleep.rmtp = (struct __kernel_timespec __user *)
				     (unsigned long)c->restart_rmtp;
		rb->nanosleep.expires = deadline;
		set_restart_fn(rb, ckpt_sym.hrtimer_nanosleep_restart);
		break;
	case CKPT_RESTART_FUTEX:
		rb->futex.uaddr = (u32 __user *)(unsigned long)c->restart_uaddr;
		rb->futex.val = c->restart_arg;
		rb->futex.flags = c->restart_flags;
		rb->futex.bitset = c->restart_bitset;
		rb->futex.time = deadline;
		set_restart_fn(rb, ckpt_sym.futex_wait_restart);
		break;
	case CKPT_RESTART_POLL: {
		struct timespec64 end = ktime_to_timespec64(deadline);

		rb->poll.ufds = (struct pollfd __user *)(unsigned long)c->restart_uaddr;
		rb->poll.nfds = c->restart_arg;
		rb->poll.has_timeout = c->restart_flags;
		rb->poll.tv_sec = end.tv_sec;
		rb->poll.tv_nsec = end.tv_nsec;
		set_restart_fn(rb, ckpt_sym.do_restart_poll);
		break;
	}
	}
}
