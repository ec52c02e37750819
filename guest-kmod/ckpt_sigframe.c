// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading a task's registers back: a signal frame and rt_sigreturn.
 *
 * A restarted task goes back to its checkpointed user context the way a
 * signal handler returns: a struct rt_sigframe on its stack holds the
 * registers, the signal mask, the sigaltstack and the xsave area, and the
 * kernel's rt_sigreturn loads them, with its own checks (selectors, flags,
 * the xsave header against this CPU). The frame sits where a signal
 * frame would: below the red zone under the restored stack pointer, in
 * memory that is dead to the program.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/signal.h>
#include <asm/segment.h>
#include <asm/sigframe.h>
#include <asm/ucontext.h>

#include "ckpt_cpu.h"
#include "ckpt_cr.h"
#include "ckpt_resolve.h"

/* The x86-64 ABI's red zone below the stack pointer. */
#define CKPT_RED_ZONE 128

static void ckpt_fill_sigcontext(struct sigcontext *sc,
				 const struct ckpt_x86_64_regs *r,
				 unsigned long fpstate)
{
	sc->r8 = r->r8;
	sc->r9 = r->r9;
	sc->r10 = r->r10;
	sc->r11 = r->r11;
	sc->r12 = r->r12;
	sc->r13 = r->r13;
	sc->r14 = r->r14;
	sc->r15 = r->r15;
	sc->di = r->di;
	sc->si = r->si;
	sc->bp = r->bp;
	sc->bx = r->bx;
	sc->dx = r->dx;
	sc->ax = r->ax;
	sc->cx = r->cx;
	sc->sp = r->sp;
	sc->ip = r->ip;
	sc->flags = r->flags;
	sc->cs = r->cs;
	sc->ss = r->ss;
	sc->fpstate = fpstate;
}

int ckpt_sigframe_restore(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c,
			  const void *area, u32 size)
{
	struct pt_regs *regs = current_pt_regs();
	u32 magic2 = FP_XSTATE_MAGIC2;
	struct rt_sigframe *kf;
	unsigned long sp, fp, frame;
	bool segv_before;
	int err = 0;

	/* The layout get_sigframe() and fpu__alloc_mathframe() use. */
	sp = c->regs.sp;
	if (sp < CKPT_RED_ZONE + size + FP_XSTATE_MAGIC2_SIZE + sizeof(*kf) + 128)
		return ckpt_rec_err(ctx, -EINVAL,
				    "sp 0x%llx leaves no room for the sigreturn frame",
				    c->regs.sp);
	fp = round_down(sp - CKPT_RED_ZONE - size - FP_XSTATE_MAGIC2_SIZE, 64);
	frame = round_down(fp - sizeof(*kf), 16) - 8;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL);
	if (!kf)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the sigreturn frame");
	/*
	 * UC_STRICT_RESTORE_SS: take ss as it is (it was checked), rather
	 * than the fixup for old DOSEMU.
	 */
	kf->uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	kf->uc.uc_stack.ss_sp = (void __user *)(unsigned long)c->sas_ss_sp;
	kf->uc.uc_stack.ss_size = c->sas_ss_size;
	kf->uc.uc_stack.ss_flags = c->sas_ss_flags;
	ckpt_fill_sigcontext(&kf->uc.uc_mcontext, &c->regs, fp);
	kf->uc.uc_sigmask.sig[0] = c->blocked;

	if (copy_to_user((void __user *)frame, kf, sizeof(*kf)) ||
	    copy_to_user((void __user *)fp, area, size) ||
	    copy_to_user((void __user *)(fp + size), &magic2, sizeof(magic2))) {
		err = ckpt_rec_err(ctx, -EFAULT,
				   "cannot write the sigreturn frame at 0x%lx..0x%lx below sp 0x%llx (stack not mapped or not writable)",
				   frame, fp + size + sizeof(magic2), c->regs.sp);
		goto out;
	}

	/*
	 * A frame the kernel rejects raises SIGSEGV (signal_fault()); the
	 * checks before this point exist so that it cannot happen, and this
	 * catches it if it does.
	 */
	segv_before = sigismember(&current->pending.signal, SIGSEGV);
	/* As if the handler's ret had popped pretcode. */
	regs->sp = frame + sizeof(unsigned long);
	ckpt_sym.rt_sigreturn(regs);
	if ((!segv_before && sigismember(&current->pending.signal, SIGSEGV)) ||
	    regs->ip != c->regs.ip || regs->sp != c->regs.sp)
		err = ckpt_rec_err(ctx, -EINVAL,
				   "the kernel's rt_sigreturn rejected the frame (ip 0x%lx sp 0x%lx)",
				   regs->ip, regs->sp);
out:
	kfree(kf);
	return err;
}
