// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cpu kind: registers and per-task state, the last thing restored.
 *
 * Records: CPU, then the task's private pending signals (SIGINFO), then
 * its xsave area (XSAVE). Restart ends in the kernel's rt_sigreturn (see
 * ckpt_sigframe.c), so the RESTORE_TASK ioctl returns straight into the
 * checkpointed user context.
 *
 * Interrupted system calls. A frozen task sits in the cgroup freezer's
 * trap inside get_signal(), on its way back to user space: its saved
 * registers hold the syscall number (orig_ax) and its result (ax), which
 * may be one of the -ERESTART* codes that the signal code turns into a
 * restart, or -EINTR when a handler runs. Restart keeps exactly that
 * state: orig_ax and ax are put back after sigreturn, the ioctl returns
 * ax, and TIF_SIGPENDING makes the exit path run
 * arch_do_signal_or_restart(), which applies the kernel's own rules.
 * -ERESTART_RESTARTBLOCK also needs current->restart_block, see
 * ckpt_restartblock.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/futex.h>
#include <linux/io_uring.h>
#include <linux/personality.h>
#include <linux/ptrace.h>
#include <linux/restart_block.h>
#include <linux/rseq.h>
#include <linux/sched.h>
#include <linux/sched/jobctl.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/seccomp.h>
#include <linux/slab.h>
#include <linux/thread_info.h>
#include <asm/desc.h>
#include <asm/prctl.h>
#include <asm/proto.h>
#include <asm/segment.h>
#include <asm/unistd.h>

#include "ckpt_cpu.h"
#include "ckpt_cr.h"
#include "ckpt_resolve.h"

static_assert(sizeof(((struct ckpt_rec_cpu *)0)->comm) == TASK_COMM_LEN);

/*
 * The flags a 64-bit user context can carry back through sigreturn
 * (FIX_EFLAGS, which it restores, plus IF and the fixed bit, which it
 * keeps) and ID, which is put back by hand.
 */
#define CKPT_FIX_EFLAGS (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | \
			 X86_EFLAGS_TF | X86_EFLAGS_SF | X86_EFLAGS_ZF | \
			 X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | \
			 X86_EFLAGS_RF)
#define CKPT_USER_EFLAGS (CKPT_FIX_EFLAGS | X86_EFLAGS_IF | \
			  X86_EFLAGS_FIXED | X86_EFLAGS_ID)

static bool ckpt_in_syscall(u64 orig_ax)
{
	return (s64)orig_ax >= 0;
}

/* ---- checkpoint -------------------------------------------------------- */

/* Why t cannot be restored faithfully, or NULL. */
static const char *ckpt_cpu_unsupported(struct task_struct *t)
{
	struct pt_regs *regs = task_pt_regs(t);
	int i;

	if (t->ptrace)
		return "traced by a debugger (ptrace)";
	if (t->vfork_done)
		return "a vfork child running on its parent's memory";
	if (regs->cs != __USER_CS || regs->ss != __USER_DS ||
	    test_tsk_thread_flag(t, TIF_ADDR32) ||
	    (task_thread_info(t)->status & TS_COMPAT))
		return "a 32-bit task";
	if (ckpt_in_syscall(regs->orig_ax) && (regs->orig_ax & __X32_SYSCALL_BIT))
		return "an x32 task";
	if (t->thread.fsindex || t->thread.gsindex || t->thread.ds ||
	    t->thread.es)
		return "non-zero segment selectors";
	for (i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++)
		if (!desc_empty(&t->thread.tls_array[i]))
			return "set_thread_area() TLS descriptors";
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	if (t->mm && READ_ONCE(t->mm->context.ldt))
		return "a local descriptor table (modify_ldt)";
#endif
#ifdef CONFIG_X86_IOPL_IOPERM
	if (t->thread.io_bitmap || t->thread.iopl_emul)
		return "I/O port access (ioperm/iopl)";
#endif
	if (test_tsk_thread_flag(t, TIF_NOTSC))
		return "a disabled TSC (PR_SET_TSC)";
	if (test_tsk_thread_flag(t, TIF_NOCPUID))
		return "a faulting CPUID (ARCH_SET_CPUID)";
#ifdef CONFIG_SECCOMP
	if (t->seccomp.mode != SECCOMP_MODE_DISABLED)
		return "a seccomp filter or strict mode";
#endif
#ifdef CONFIG_IO_URING
	if (t->io_uring)
		return "io_uring";
#endif
	if ((t->jobctl & JOBCTL_STOP_PENDING) ||
	    (t->signal->flags & SIGNAL_STOP_STOPPED))
		return "stopped by job control (SIGSTOP)";
	if (!(regs->flags & X86_EFLAGS_IF) || (regs->flags & ~CKPT_USER_EFLAGS))
		return "eflags that sigreturn cannot restore (NT, IOPL, VM...)";
	if (ckpt_in_syscall(regs->orig_ax) && (long)regs->ax == -ENOIOCTLCMD)
		return "a system call result of -ENOIOCTLCMD";
	if (ckpt_in_syscall(regs->orig_ax) &&
	    (long)regs->ax == -ERESTART_RESTARTBLOCK &&
	    t->restart_block.fn == ckpt_sym.hrtimer_nanosleep_restart &&
	    t->restart_block.nanosleep.type == TT_COMPAT)
		return "a 32-bit nanosleep";
	if (ckpt_sigkill_pending(t, false))
		return "SIGKILL pending (exiting)";
	return NULL;
}

static int ckpt_cpu_precheck(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const char *why = ckpt_cpu_unsupported(t);

	if (why)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d (%s): %s: not supported",
				ckpt_vpid(ctx, t), t->comm, why);
	return ckpt_xsave_precheck(ctx, t);
}

static void ckpt_cpu_save_regs(struct task_struct *t, struct ckpt_x86_64_regs *r)
{
	const struct pt_regs *regs = task_pt_regs(t);

	r->r15 = regs->r15;
	r->r14 = regs->r14;
	r->r13 = regs->r13;
	r->r12 = regs->r12;
	r->bp = regs->bp;
	r->bx = regs->bx;
	r->r11 = regs->r11;
	r->r10 = regs->r10;
	r->r9 = regs->r9;
	r->r8 = regs->r8;
	r->ax = regs->ax;
	r->cx = regs->cx;
	r->dx = regs->dx;
	r->si = regs->si;
	r->di = regs->di;
	r->orig_ax = regs->orig_ax;
	r->ip = regs->ip;
	r->cs = regs->cs;
	r->flags = regs->flags;
	r->sp = regs->sp;
	r->ss = regs->ss;
	/*
	 * A frozen task is switched out, and the switch saved its bases
	 * into thread.fsbase/gsbase (save_fsgs(): read with RDFSBASE when
	 * the CPU has FSGSBASE; otherwise kept up to date by arch_prctl,
	 * which is exact since the selectors are zero, see the precheck).
	 */
	r->fs_base = t->thread.fsbase;
	r->gs_base = t->thread.gsbase;
	r->ds = t->thread.ds;
	r->es = t->thread.es;
	r->fs = t->thread.fsindex;
	r->gs = t->thread.gsindex;
}

static void ckpt_cpu_save_task(struct task_struct *t, struct ckpt_rec_cpu *c)
{
	/*
	 * Inside sigsuspend(), ppoll() and the like, blocked is the
	 * call's temporary mask and the task's own is in saved_sigmask
	 * until the call returns. Keep the task's own: the call restarts
	 * (or returns -EINTR to a handler) and installs its mask again.
	 */
	c->blocked = test_tsk_restore_sigmask(t) ? t->saved_sigmask.sig[0] :
						     t->blocked.sig[0];
	c->sas_ss_sp = t->sas_ss_sp;
	c->sas_ss_size = t->sas_ss_size;
	c->sas_ss_flags = t->sas_ss_flags;
	c->clear_child_tid = (unsigned long)t->clear_child_tid;
	c->robust_list = (unsigned long)t->robust_list;
	c->robust_list_len = t->robust_list ? sizeof(*t->robust_list) : 0;
	c->personality = t->personality;
	c->pdeath_signal = t->pdeath_signal;
	task_lock(t);
	strscpy_pad(c->comm, t->comm, sizeof(c->comm));
	task_unlock(t);
#ifdef CONFIG_RSEQ
	if (t->rseq) {
		c->rseq = (unsigned long)t->rseq;
		c->rseq_len = sizeof(*t->rseq);
		c->rseq_sig = t->rseq_sig;
	}
#endif
	if (task_no_new_privs(t))
		c->task_flags |= CKPT_CPU_F_NO_NEW_PRIVS;
}

static int ckpt_cpu_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_pending pending;
	struct ckpt_rec_cpu *c;
	int err;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the cpu record");
	ckpt_cpu_save_regs(t, &c->regs);
	ckpt_cpu_save_task(t, c);
	err = ckpt_restart_block_save(ctx, t, c) ?:
	      ckpt_pending_collect(ctx, t, false, &pending);
	if (err)
		goto out;
	c->nr_pending = pending.nr;
	err = ckpt_write_rec(ctx, CKPT_REC_CPU, c, sizeof(*c)) ?:
	      ckpt_pending_write(ctx, &pending) ?:
	      ckpt_xsave_checkpoint(ctx, t);
	ckpt_pending_free(&pending);
out:
	kfree(c);
	return err;
}

/* ---- restart ----------------------------------------------------------- */

static int ckpt_cpu_check_regs(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c)
{
	const struct ckpt_x86_64_regs *r = &c->regs;
	bool in_syscall = ckpt_in_syscall(r->orig_ax);
	bool restarting;

	if (r->cs != __USER_CS || r->ss != __USER_DS)
		return ckpt_rec_err(ctx, -EINVAL,
				    "cs 0x%llx ss 0x%llx: not the 64-bit user selectors",
				    r->cs, r->ss);
	if (r->ds || r->es || r->fs || r->gs)
		return ckpt_rec_err(ctx, -EINVAL,
				    "segment selectors ds 0x%llx es 0x%llx fs 0x%llx gs 0x%llx are not zero",
				    r->ds, r->es, r->fs, r->gs);
	if (r->ip >= TASK_SIZE || r->sp >= TASK_SIZE)
		return ckpt_rec_err(ctx, -EINVAL,
				    "ip 0x%llx or sp 0x%llx not below TASK_SIZE",
				    r->ip, r->sp);
	if (r->fs_base >= TASK_SIZE_MAX || r->gs_base >= TASK_SIZE_MAX)
		return ckpt_rec_err(ctx, -EINVAL,
				    "fs_base 0x%llx or gs_base 0x%llx not a user address",
				    r->fs_base, r->gs_base);
	if (!(r->flags & X86_EFLAGS_IF) || (r->flags & ~CKPT_USER_EFLAGS))
		return ckpt_rec_err(ctx, -EINVAL,
				    "eflags 0x%llx: not a user context sigreturn restores",
				    r->flags);
	if ((s64)r->orig_ax < -1 || (in_syscall && r->orig_ax >= NR_syscalls))
		return ckpt_rec_err(ctx, -EINVAL,
				    "orig_ax %lld is neither -1 nor a system call",
				    (s64)r->orig_ax);
	if (in_syscall && (s64)r->ax == -ENOIOCTLCMD)
		return ckpt_rec_err(ctx, -EINVAL,
				    "ax -ENOIOCTLCMD cannot be returned through an ioctl");
	restarting = c->restart_kind != CKPT_RESTART_NONE;
	if ((in_syscall && (s64)r->ax == -ERESTART_RESTARTBLOCK) != restarting)
		return ckpt_rec_err(ctx, -EINVAL,
				    "restart_kind %u does not match ax %lld orig_ax %lld",
				    c->restart_kind, (s64)r->ax, (s64)r->orig_ax);
	return 0;
}

static int ckpt_cpu_check_task(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c)
{
	u32 mode = c->sas_ss_flags & ~SS_FLAG_BITS;

	if ((mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE) ||
	    (c->sas_ss_flags & SS_FLAG_BITS & ~SS_AUTODISARM))
		return ckpt_rec_err(ctx, -EINVAL, "sigaltstack flags 0x%x",
				    c->sas_ss_flags);
	if ((mode == SS_DISABLE && (c->sas_ss_sp || c->sas_ss_size)) ||
	    c->sas_ss_sp >= TASK_SIZE || c->sas_ss_size > TASK_SIZE - c->sas_ss_sp)
		return ckpt_rec_err(ctx, -EINVAL,
				    "sigaltstack 0x%llx size %llu flags 0x%x",
				    c->sas_ss_sp, c->sas_ss_size, c->sas_ss_flags);
	if (c->nr_pending > CKPT_MAX_PENDING)
		return ckpt_rec_err(ctx, -EINVAL, "%u pending signals, at most %u",
				    c->nr_pending, CKPT_MAX_PENDING);
	if (!memchr(c->comm, 0, sizeof(c->comm)))
		return ckpt_rec_err(ctx, -EINVAL, "comm is not NUL-terminated");
	if (c->pdeath_signal > _NSIG)
		return ckpt_rec_err(ctx, -EINVAL, "pdeath_signal %u out of range",
				    c->pdeath_signal);
	if (c->clear_child_tid >= TASK_SIZE)
		return ckpt_rec_err(ctx, -EINVAL, "clear_child_tid 0x%llx",
				    c->clear_child_tid);
	if (c->robust_list >= TASK_SIZE ||
	    c->robust_list_len != (c->robust_list ?
				   sizeof(struct robust_list_head) : 0))
		return ckpt_rec_err(ctx, -EINVAL, "robust_list 0x%llx length %llu",
				    c->robust_list, c->robust_list_len);
	if (c->personality == 0xffffffff)
		return ckpt_rec_err(ctx, -EINVAL, "personality 0xffffffff");
	if (c->rseq ? (c->rseq >= TASK_SIZE - sizeof(struct rseq) ||
		       !IS_ALIGNED(c->rseq, __alignof__(struct rseq)) ||
		       c->rseq_len != sizeof(struct rseq)) :
		      (c->rseq_len || c->rseq_sig))
		return ckpt_rec_err(ctx, -EINVAL, "rseq 0x%llx length %u",
				    c->rseq, c->rseq_len);
	if (!IS_ENABLED(CONFIG_RSEQ) && c->rseq)
		return ckpt_rec_err(ctx, -EOPNOTSUPP,
				    "rseq registered, and this kernel has no rseq");
	if (c->task_flags & ~CKPT_CPU_F_ALL)
		return ckpt_rec_err(ctx, -EINVAL, "unknown task_flags 0x%x",
				    c->task_flags);
	if (!(c->task_flags & CKPT_CPU_F_NO_NEW_PRIVS) && task_no_new_privs(current))
		return ckpt_rec_err(ctx, -EPERM,
				    "the restorer has no_new_privs, which cannot be cleared; the task had not");
	return 0;
}

static int ckpt_cpu_check(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c)
{
	return ckpt_check_zero(ctx, &c->pad, sizeof(c->pad), "pad") ?:
	       ckpt_check_zero(ctx, &c->pad2, sizeof(c->pad2), "pad2") ?:
	       ckpt_check_zero(ctx, &c->pad3, sizeof(c->pad3), "pad3") ?:
	       ckpt_check_zero(ctx, c->reserved, sizeof(c->reserved), "reserved") ?:
	       ckpt_cpu_check_regs(ctx, c) ?:
	       ckpt_restart_block_check(ctx, c) ?:
	       ckpt_cpu_check_task(ctx, c);
}

/* After sigreturn: what it does not load, and the syscall restart state. */
static void ckpt_cpu_restore_task(const struct ckpt_rec_cpu *c)
{
	struct pt_regs *regs = current_pt_regs();
	struct task_struct *t = current;

	/* rt_sigreturn set orig_ax to -1 and restart_block to "no restart". */
	regs->orig_ax = c->regs.orig_ax;
	regs->flags = (regs->flags & ~X86_EFLAGS_ID) |
		      (c->regs.flags & X86_EFLAGS_ID);
	ckpt_restart_block_restore(c);

	/*
	 * sigreturn's restore_altstack() ignores a stack it finds invalid,
	 * such as the never-set {0, 0, 0}; set the fields as they were.
	 */
	spin_lock_irq(&t->sighand->siglock);
	t->sas_ss_sp = c->sas_ss_sp;
	t->sas_ss_size = c->sas_ss_size;
	t->sas_ss_flags = c->sas_ss_flags;
	spin_unlock_irq(&t->sighand->siglock);

	/* As arch_prctl(ARCH_SET_FS/GS) does: selector 0, then the base. */
	ckpt_sym.do_arch_prctl_64(t, ARCH_SET_FS, c->regs.fs_base);
	ckpt_sym.do_arch_prctl_64(t, ARCH_SET_GS, c->regs.gs_base);

	/* __set_task_comm() without its tracepoint and perf event. */
	task_lock(t);
	strscpy_pad(t->comm, c->comm, sizeof(t->comm));
	task_unlock(t);
	/* After commit_creds() (creds kind), which clears it. */
	t->pdeath_signal = c->pdeath_signal;
	t->clear_child_tid = (int __user *)(unsigned long)c->clear_child_tid;
	t->robust_list = (struct robust_list_head __user *)
			 (unsigned long)c->robust_list;
	set_personality(c->personality);
#ifdef CONFIG_RSEQ
	/*
	 * As rseq(2) registration does; the kernel fills the area's cpu
	 * fields again on the way out. Without this it would keep writing
	 * to the restorer's area, which is gone.
	 */
	t->rseq = (struct rseq __user *)(unsigned long)c->rseq;
	t->rseq_sig = c->rseq_sig;
	rseq_set_notify_resume(t);
#endif
	if (c->task_flags & CKPT_CPU_F_NO_NEW_PRIVS)
		task_set_no_new_privs(t);

	/* Run the signal and syscall-restart path on the way out. */
	set_thread_flag(TIF_SIGPENDING);
}

static int ckpt_cpu_restore(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_cpu *c;
	void *area = NULL;
	u32 size;
	int err;

	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the cpu record");
	err = ckpt_read_rec(ctx, CKPT_REC_CPU, c, sizeof(*c)) ?:
	      ckpt_cpu_check(ctx, c) ?:
	      ckpt_pending_restore(ctx, c->nr_pending, false) ?:
	      ckpt_xsave_read(ctx, &area, &size);
	if (err)
		goto out;
	err = ckpt_sigframe_restore(ctx, c, area, size);
	if (err)
		goto out;
	ckpt_cpu_restore_task(c);
out:
	kvfree(area);
	kfree(c);
	return err;
}

const struct ckpt_task_kind ckpt_cpu_kind = {
	.name = "cpu",
	.precheck = ckpt_cpu_precheck,
	.checkpoint = ckpt_cpu_checkpoint,
	.restore = ckpt_cpu_restore,
};
