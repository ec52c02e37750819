// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vdso and its vvar data area.
 *
 * libc looks the vdso's functions up once, at startup, and keeps their
 * addresses; a thread may even be stopped inside one. So a restarted task
 * gets the vdso back at its old address, and it must be the very same
 * code: the image carries a checksum of the vdso (in the CONTAINER
 * record), and restart refuses a kernel whose vdso differs. The pages are
 * never in the image: the kernel maps its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/string.h>
#include <asm/alternative.h>
#include <asm/vdso.h>

#include "ckpt_mm.h"
#include "ckpt_resolve.h"

/*
 * The next byte range at or after pos that apply_alternatives() may have
 * rewritten, as [*from, *to); false if none is left.
 */
static bool ckpt_vdso_next_alt(const struct vdso_image *image, size_t pos,
			       size_t *from, size_t *to)
{
	const struct alt_instr *a = image->data + image->alt;
	const struct alt_instr *end = image->data + image->alt + image->alt_len;
	const u8 *base = image->data;
	bool found = false;

	for (; a < end; a++) {
		const u8 *instr = (const u8 *)&a->instr_offset + a->instr_offset;
		size_t s, e;

		if (instr < base || instr >= base + image->size)
			continue;
		s = instr - base;
		e = min_t(size_t, s + a->instrlen, image->size);
		if (e <= pos || (found && s >= *from))
			continue;
		*from = s;
		*to = e;
		found = true;
	}
	return found;
}

/*
 * xxh64 of the 64-bit vdso as built, and its size. At boot the kernel
 * patches the vdso's alternative instructions for the CPU it runs on
 * (apply_alternatives() in init_vdso_image()); those bytes are hashed as
 * zeros, so that two guests of one kernel build on different CPU models
 * still agree: the entry points and everything else are where they were.
 * The vvar offset is hashed too: the vdso reads its data there.
 */
u64 ckpt_vdso_csum(u32 *size)
{
	static const u8 zeros[256];	/* instrlen is a u8 */
	const struct vdso_image *image = ckpt_sym.vdso_image_64;
	struct xxh64_state state;
	size_t pos = 0, from, to;
	__le64 vvar_start;

	xxh64_reset(&state, 0);
	while (ckpt_vdso_next_alt(image, pos, &from, &to)) {
		if (from > pos)
			xxh64_update(&state, image->data + pos, from - pos);
		pos = max(pos, from);
		xxh64_update(&state, zeros, to - pos);
		pos = to;
	}
	xxh64_update(&state, image->data + pos, image->size - pos);
	vvar_start = cpu_to_le64(image->sym_vvar_start);
	xxh64_update(&state, &vvar_start, sizeof(vvar_start));
	*size = image->size;
	return xxh64_digest(&state);
}

/*
 * Special mappings (vdso, vvar, the uprobes area) have no file; their
 * name, as /proc/PID/maps shows it, comes from their vm_ops. The kernel
 * does not export a way to compare with its own vdso mapping descriptors,
 * so the name plus mm->context.vdso identify them.
 */
static const char *ckpt_vma_special_name(struct vm_area_struct *vma)
{
	if (vma->vm_file || !vma->vm_ops || !vma->vm_ops->name)
		return NULL;
	return vma->vm_ops->name(vma);
}

bool ckpt_vma_is_vdso(struct mm_struct *mm, struct vm_area_struct *vma)
{
	const char *name = ckpt_vma_special_name(vma);

	return name && !strcmp(name, "[vdso]") &&
	       vma->vm_start == (unsigned long)mm->context.vdso;
}

bool ckpt_vma_is_vvar(struct mm_struct *mm, struct vm_area_struct *vma)
{
	const char *name = ckpt_vma_special_name(vma);

	return name && !strcmp(name, "[vvar]");
}

int ckpt_vdso_precheck(struct ckpt_ctx *ctx, pid_t pid, struct mm_struct *mm,
		       struct vm_area_struct *vma)
{
	const struct vdso_image *image = ckpt_sym.vdso_image_64;
	unsigned long vdso = (unsigned long)mm->context.vdso;
	unsigned long vvar_size = -image->sym_vvar_start;

	if (mm->context.vdso_image != image)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d: mapping 0x%lx-0x%lx: not the 64-bit vdso (32-bit or x32 task?): not supported",
				pid, vma->vm_start, vma->vm_end);
	if (ckpt_vma_is_vdso(mm, vma)) {
		if (vma->vm_end - vma->vm_start != image->size)
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"pid %d: vdso 0x%lx-0x%lx: partly unmapped: not supported",
					pid, vma->vm_start, vma->vm_end);
		return 0;
	}
	/* vvar: map_vdso() puts it right below the vdso text. */
	if (vma->vm_end != vdso || vma->vm_end - vma->vm_start != vvar_size)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d: vvar 0x%lx-0x%lx: moved away from the vdso at 0x%lx or partly unmapped: not supported",
				pid, vma->vm_start, vma->vm_end, vdso);
	return 0;
}

int ckpt_vdso_restore(struct ckpt_ctx *ctx, unsigned long vvar_start,
		      unsigned long vvar_end, unsigned long vdso_start,
		      unsigned long vdso_end)
{
	const struct vdso_image *image = ckpt_sym.vdso_image_64;
	struct mm_struct *mm = current->mm;
	int err;

	if (vvar_end != vdso_start)
		return ckpt_rec_err(ctx, -EINVAL,
				    "vdso at 0x%lx does not follow the vvar area 0x%lx-0x%lx",
				    vdso_start, vvar_start, vvar_end);
	if (vdso_end - vdso_start != image->size ||
	    vvar_end - vvar_start != -image->sym_vvar_start)
		return ckpt_rec_err(ctx, -EINVAL,
				    "vvar and vdso of %lu and %lu bytes, this kernel's are %ld and %lu",
				    vvar_end - vvar_start, vdso_end - vdso_start,
				    -image->sym_vvar_start, image->size);
	err = ckpt_sym.map_vdso_once(image, vvar_start);
	if (err)
		return ckpt_rec_err(ctx, err, "cannot map the vdso at 0x%lx: error %d",
				    vdso_start, err);
	/* The address is a hint: it holds only if the range was free. */
	if ((unsigned long)mm->context.vdso != vdso_start)
		return ckpt_rec_err(ctx, -EINVAL,
				    "the vdso went to 0x%lx instead of 0x%lx (range in use)",
				    (unsigned long)mm->context.vdso, vdso_start);
	return 0;
}
