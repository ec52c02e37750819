// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FPU/SSE/AVX state: the XSAVE record.
 *
 * Checkpoint reads a frozen task's xsave area through the ptrace regset
 * (NT_X86_XSTATE), which converts the kernel's compacted XSAVES buffer to
 * the standard user format. Restart checks that area the way XRSTOR will
 * (header, feature bits, MXCSR) and hands it to the kernel's sigreturn in
 * the signal-frame format: the same bytes plus the software-reserved words
 * and the trailing FP_XSTATE_MAGIC2.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/mm.h>
#include <linux/regset.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/sigcontext.h>

#include "ckpt_cpu.h"
#include "ckpt_cr.h"

/* The legacy area and the xsave header: the least any xsave area has. */
#define CKPT_XSAVE_MIN (sizeof(struct fxregs_state) + sizeof(struct xstate_header))
/* Way above any CPU's (AMX, the largest, needs about 11 KiB). */
#define CKPT_XSAVE_MAX (64 * 1024)

/*
 * Features whose place in the standard format is the same on every CPU:
 * the legacy area and the upper halves of the YMM registers (offset 576).
 * Later components sit where each CPU's CPUID says.
 */
#define CKPT_XFEATURES_FIXED_LAYOUT \
	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM)
#define CKPT_XSAVE_FIXED_LAYOUT_END 832

void ckpt_cpu_xsave_info(u32 *size, u64 *features)
{
	/*
	 * fpstate_reset() gave init_task the kernel's default user xstate
	 * size and features (fpu_user_cfg, which is not exported) at boot,
	 * and every task starts with the same. Features a task has to ask
	 * for first (AMX) are not in them; such tasks are refused.
	 */
	const struct fpstate *fps = init_task.thread.fpu.fpstate;

	if (!cpu_feature_enabled(X86_FEATURE_XSAVE)) {
		*size = 0;
		*features = 0;
		return;
	}
	*size = fps->user_size;
	*features = fps->user_xfeatures;
}

int ckpt_xsave_precheck(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const struct fpstate *fps = t->thread.fpu.fpstate;
	u64 features;
	u32 size;

	if (!cpu_feature_enabled(X86_FEATURE_XSAVE))
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d: this CPU has no XSAVE: not supported",
				ckpt_vpid(ctx, t));
	ckpt_cpu_xsave_info(&size, &features);
	if (fps->user_xfeatures != features || fps->user_size != size)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d: xsave features 0x%llx (%u bytes) beyond the default 0x%llx (AMX enabled with arch_prctl?): not supported",
				ckpt_vpid(ctx, t), fps->user_xfeatures,
				fps->user_size, features);
	return 0;
}

static const struct user_regset *ckpt_xstate_regset(struct task_struct *t)
{
	const struct user_regset_view *view = task_user_regset_view(t);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == NT_X86_XSTATE)
			return &view->regsets[i];
	return NULL;
}

int ckpt_xsave_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	u32 size = t->thread.fpu.fpstate->user_size;
	const struct user_regset *rs = ckpt_xstate_regset(t);
	struct ckpt_rec_xsave rec = {};
	struct xregs_state *xs;
	int err;

	if (!rs || !rs->regset_get || (u64)rs->n * rs->size < size)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"no xstate regset for a %u-byte xsave area", size);
	xs = kvzalloc(size, GFP_KERNEL);
	if (!xs)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the xsave area");
	/*
	 * The task is frozen, switched out, so its registers were saved to
	 * its fpstate at the switch; the regset converts that buffer.
	 */
	err = rs->regset_get(t, rs, (struct membuf){ .p = xs, .left = size });
	if (err) {
		err = ckpt_err(ctx->err, err, "reading the xsave area failed (%d)", err);
		goto out;
	}
	rec.xfeatures = xs->header.xfeatures;
	rec.size = size;
	err = ckpt_write_rec_tail(ctx, CKPT_REC_XSAVE, &rec, sizeof(rec), xs, size);
out:
	kvfree(xs);
	return err;
}

/* Consume len bytes of the record's tail that have no place here. */
static int ckpt_xsave_skip(struct ckpt_ctx *ctx, u32 len)
{
	u8 scratch[64];
	int err;

	while (len) {
		u32 n = min_t(u32, len, sizeof(scratch));

		err = ckpt_read_data(ctx, scratch, n);
		if (err)
			return err;
		len -= n;
	}
	return 0;
}

/* What XRSTOR faults on (#GP), checked before the kernel ever sees it. */
static int ckpt_xsave_check_area(struct ckpt_ctx *ctx,
				 const struct ckpt_rec_xsave *rec,
				 const struct xregs_state *xs)
{
	u32 i;

	if (xs->header.xfeatures != rec->xfeatures)
		return ckpt_rec_err(ctx, -EINVAL,
				    "xsave header XSTATE_BV 0x%llx differs from the record's 0x%llx",
				    xs->header.xfeatures, rec->xfeatures);
	if (xs->header.xcomp_bv)
		return ckpt_rec_err(ctx, -EINVAL,
				    "xsave header XCOMP_BV 0x%llx: not the standard format",
				    xs->header.xcomp_bv);
	for (i = 0; i < ARRAY_SIZE(xs->header.reserved); i++)
		if (xs->header.reserved[i])
			return ckpt_rec_err(ctx, -EINVAL,
					    "xsave header reserved word %u is 0x%llx, not zero",
					    i, xs->header.reserved[i]);
	if ((rec->xfeatures & XFEATURE_MASK_YMM) &&
	    rec->size < CKPT_XSAVE_FIXED_LAYOUT_END)
		return ckpt_rec_err(ctx, -EINVAL,
				    "YMM state in a %u-byte area (it ends at %u)",
				    rec->size, CKPT_XSAVE_FIXED_LAYOUT_END);
	if (xs->i387.mxcsr & ~mxcsr_feature_mask)
		return ckpt_rec_err(ctx, -EINVAL,
				    "MXCSR 0x%x has bits this CPU reserves (mask 0x%x)",
				    xs->i387.mxcsr, mxcsr_feature_mask);
	return 0;
}

int ckpt_xsave_read(struct ckpt_ctx *ctx, void **area, u32 *size)
{
	const struct fpstate *fps = current->thread.fpu.fpstate;
	u32 usize = fps->user_size, tail, keep;
	u64 ufeatures = fps->user_xfeatures, missing;
	struct ckpt_rec_xsave rec;
	struct _fpx_sw_bytes *sw;
	struct xregs_state *xs;
	int err;

	err = ckpt_read_rec_tail(ctx, CKPT_REC_XSAVE, &rec, sizeof(rec), &tail);
	if (err)
		return err;
	if (rec.pad)
		return ckpt_rec_err(ctx, -EINVAL, "pad is 0x%x, not zero", rec.pad);
	if (rec.size != tail)
		return ckpt_rec_err(ctx, -EINVAL, "size %u but %u bytes follow",
				    rec.size, tail);
	if (rec.size < CKPT_XSAVE_MIN || rec.size > CKPT_XSAVE_MAX)
		return ckpt_rec_err(ctx, -EINVAL, "size %u out of range %zu..%u",
				    rec.size, CKPT_XSAVE_MIN, CKPT_XSAVE_MAX);
	if (!cpu_feature_enabled(X86_FEATURE_XSAVE))
		return ckpt_rec_err(ctx, -EOPNOTSUPP,
				    "this CPU has no XSAVE: cannot load an xsave area");
	missing = rec.xfeatures & ~ufeatures;
	if (missing)
		return ckpt_rec_err(ctx, -EOPNOTSUPP,
				    "image needs xsave features 0x%llx this CPU lacks 0x%llx",
				    rec.xfeatures, missing);
	/*
	 * Another CPU model may lay the area out differently. Only the
	 * components at architecturally fixed offsets can be carried over
	 * to an area of another size.
	 */
	if (rec.size != usize &&
	    ((rec.xfeatures & ~CKPT_XFEATURES_FIXED_LAYOUT) ||
	     usize < CKPT_XSAVE_FIXED_LAYOUT_END))
		return ckpt_rec_err(ctx, -EOPNOTSUPP,
				    "xsave area of %u bytes with features 0x%llx; this CPU's is %u bytes with another layout",
				    rec.size, rec.xfeatures, usize);

	xs = kvzalloc(usize, GFP_KERNEL);
	if (!xs)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the xsave area");
	keep = min(rec.size, usize);
	err = ckpt_read_data(ctx, xs, keep) ?:
	      ckpt_xsave_skip(ctx, rec.size - keep) ?:
	      ckpt_read_rec_end(ctx) ?:
	      ckpt_xsave_check_area(ctx, &rec, xs);
	if (err) {
		kvfree(xs);
		return err;
	}

	/*
	 * The software-reserved bytes tell sigreturn that an xsave area
	 * (not only the legacy one) follows, and how big it is; see
	 * save_sw_bytes() and check_xstate_in_sigframe().
	 */
	BUILD_BUG_ON(sizeof(*sw) > sizeof(xs->i387.sw_reserved));
	sw = (struct _fpx_sw_bytes *)xs->i387.sw_reserved;
	memset(xs->i387.sw_reserved, 0, sizeof(xs->i387.sw_reserved));
	sw->magic1 = FP_XSTATE_MAGIC1;
	sw->extended_size = usize + FP_XSTATE_MAGIC2_SIZE;
	sw->xfeatures = ufeatures;
	sw->xstate_size = usize;
	*area = xs;
	*size = usize;
	return 0;
}
