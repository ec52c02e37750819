/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the cpu, signal and creds kinds: pending signal queues
 * (ckpt_siginfo.c), the xsave area (ckpt_xsave.c), interrupted system
 * calls (ckpt_restartblock.c) and the sigreturn frame that loads a task's
 * registers back (ckpt_sigframe.c).
 */
#ifndef CKPT_CPU_H
#define CKPT_CPU_H

#include <linux/types.h>

#include "ckpt_image.h"

struct ckpt_ctx;
struct sighand_struct;
struct task_struct;

/*
 * Lock t->sighand->siglock of a frozen task that is not current, as
 * lock_task_sighand() does (not exported): NULL if t has already
 * released its signal state (it is exiting).
 */
struct sighand_struct *ckpt_lock_sighand(struct task_struct *t,
					 unsigned long *flags);
void ckpt_unlock_sighand(struct sighand_struct *sighand, unsigned long *flags);

/* ---- pending signals (ckpt_siginfo.c) ---------------------------------- */

/*
 * More pending signals than this per queue are refused: RLIMIT_SIGPENDING
 * bounds them anyway, and each costs a record.
 */
#define CKPT_MAX_PENDING 65536

/* A snapshot of one pending queue, as SIGINFO records ready to write. */
struct ckpt_pending {
	u32 nr;
	struct ckpt_rec_siginfo *recs;
};

/*
 * Copy t's private (shared == false) or thread-group (shared == true)
 * pending queue. Signals that are pending without a queued siginfo (the
 * kernel could not allocate one) get the siginfo the kernel would report
 * for them. Free with ckpt_pending_free().
 */
int ckpt_pending_collect(struct ckpt_ctx *ctx, struct task_struct *t,
			 bool shared, struct ckpt_pending *p);
int ckpt_pending_write(struct ckpt_ctx *ctx, const struct ckpt_pending *p);
void ckpt_pending_free(struct ckpt_pending *p);

/* Whether SIGKILL is pending for t (the task is about to die). */
bool ckpt_sigkill_pending(struct task_struct *t, bool shared);

/*
 * Read nr SIGINFO records and queue each signal again on current (private)
 * or on its thread group (shared). Every signal must be blocked.
 */
int ckpt_pending_restore(struct ckpt_ctx *ctx, u32 nr, bool shared);

/* ---- the xsave area (ckpt_xsave.c) ------------------------------------- */

/*
 * The MXCSR bits this CPU implements (arch/x86/kernel/fpu/init.c). It is
 * exported for KVM, but declared only in the fpu code's private header.
 */
extern unsigned int mxcsr_feature_mask;

int ckpt_xsave_precheck(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_xsave_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t);

/*
 * Read and validate the XSAVE record for current. On success *area is a
 * kvmalloc'ed xsave area of *size bytes (current's user xstate size) in
 * the format a signal frame carries (software bytes included), which the
 * kernel's sigreturn accepts; kvfree() it.
 */
int ckpt_xsave_read(struct ckpt_ctx *ctx, void **area, u32 *size);

/* ---- interrupted system calls (ckpt_restartblock.c) -------------------- */

/*
 * For a task whose system call returns -ERESTART_RESTARTBLOCK, save what
 * its restart function needs into c (or turn ax into -EINTR); check those
 * fields at restart; and rebuild current->restart_block from them (after
 * sigreturn, which resets it).
 */
int ckpt_restart_block_save(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct ckpt_rec_cpu *c);
int ckpt_restart_block_check(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c);
void ckpt_restart_block_restore(const struct ckpt_rec_cpu *c);

/* ---- the sigreturn frame (ckpt_sigframe.c) ----------------------------- */

/*
 * Load the registers, signal mask, sigaltstack and xsave area of c and
 * area into current through the kernel's rt_sigreturn. Everything must be
 * validated already.
 */
int ckpt_sigframe_restore(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c,
			  const void *area, u32 size);

#endif /* CKPT_CPU_H */
