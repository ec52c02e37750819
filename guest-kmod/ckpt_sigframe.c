// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading a task's registers back: a signal frame and rt_sigreturn.
 *
 * A restarted task goes back to its checkpointed user context the way a
 * signal handler returns: a struct rt_sigframe holds the registers, the
 * signal mask, the sigaltstack and the xsave area, and the kernel's
 * rt_sigreturn loads them, with its own checks (selectors, flags, the
 * xsave header against this CPU). See ckpt_frame_top() for where the
 * frame goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math.h>
#include <linux/mm.h>
#include <linux/mman.h>
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

/*
 * Where the frame goes: a scratch mapping of its own, so that no byte of
 * the program's memory changes (a task checkpointed deep in a signal
 * handler may have little of its sigaltstack left, and with SS_AUTODISARM
 * its altstack is not even known). If the mapping cannot be made (the
 * image's RLIMIT_AS, say), below the red zone under the restored stack
 * pointer, where a signal frame would go.
 */
static unsigned long ckpt_frame_top(const struct ckpt_rec_cpu *c, u32 len,
				    unsigned long *scratch)
{
	unsigned long base;

	base = vm_mmap(NULL, 0, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (!IS_ERR_VALUE(base)) {
		*scratch = base;
		return base + len;
	}
	*scratch = 0;
	if (c->regs.sp < CKPT_RED_ZONE + len)
		return 0;
	return c->regs.sp - CKPT_RED_ZONE;
}

int ckpt_sigframe_restore(struct ckpt_ctx *ctx, const struct ckpt_rec_cpu *c,
			  const void *area, u32 size)
{
	struct pt_regs *regs = current_pt_regs();
	u32 magic2 = FP_XSTATE_MAGIC2;
	struct rt_sigframe *kf;
	unsigned long top, fp, frame, scratch;
	/* frame, alignment slack, xsave area, magic2 */
	u32 len = PAGE_ALIGN(sizeof(*kf) + 128 + size + FP_XSTATE_MAGIC2_SIZE);
	bool segv_before;
	int err = 0;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL);
	if (!kf)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the sigreturn frame");
	top = ckpt_frame_top(c, len, &scratch);
	if (!top) {
		err = ckpt_rec_err(ctx, -EINVAL,
				   "sp 0x%llx leaves no room for the sigreturn frame",
				   c->regs.sp);
		goto out;
	}
	/* The layout get_sigframe() and fpu__alloc_mathframe() use. */
	fp = round_down(top - size - FP_XSTATE_MAGIC2_SIZE, 64);
	frame = round_down(fp - sizeof(*kf), 16) - 8;

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
				   "cannot write the sigreturn frame at 0x%lx..0x%lx (sp 0x%llx): not mapped or not writable",
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
	/* sigreturn has read all of it: the program never sees the mapping. */
	if (scratch && vm_munmap(scratch, len) && !err)
		err = ckpt_rec_err(ctx, -ENOMEM,
				   "cannot unmap the sigreturn frame at 0x%lx", scratch);
	kfree(kf);
	return err;
}
