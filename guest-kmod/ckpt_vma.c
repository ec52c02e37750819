// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMAs: what each mapping of an address space is, its VMA record, and
 * mapping it again at restart.
 *
 * A VMA is private anonymous memory, a private mapping of a regular file,
 * shared anonymous memory (a shmem object, shared with other processes
 * after fork), the vdso or its vvar area. Anything else is refused before
 * the checkpoint writes a byte, naming pid and address.
 *
 * At restart every VMA is mapped at its address with vm_mmap() and given
 * its madvise() flags; it is writable while its pages are copied in
 * (ckpt_mm_pages.c), then gets its real protection, and mlock().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pkeys.h>
#include <linux/ptrace.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>

#include "ckpt_file.h"
#include "ckpt_mm.h"
#include "ckpt_resolve.h"

static void ckpt_vma_fput(void *file)
{
	fput(file);
}

/* ---- what a VMA is --------------------------------------------------------- */

/*
 * MAP_SHARED | MAP_ANONYMOUS memory (and MAP_SHARED of /dev/zero) is a
 * kernel-internal shmem file that shmem_zero_setup() names "dev/zero".
 * 6.1 has no exported test for it: its vm_ops are those of any shmem file,
 * so memfd and tmpfs mappings are told apart by the file being private to
 * the kernel (S_PRIVATE, which memfds are not) and by that name (SysV shm
 * segments are private too, but are named SYSV...).
 */
static bool ckpt_vma_is_shared_anon(struct vm_area_struct *vma)
{
	struct file *file = vma->vm_file;
	struct inode *inode;

	if (!file || !(vma->vm_flags & VM_MAYSHARE))
		return false;
	inode = file_inode(file);
	return IS_PRIVATE(inode) && inode->i_sb->s_magic == TMPFS_MAGIC &&
	       !strcmp(file->f_path.dentry->d_name.name, "dev/zero");
}

/* A protection key other than the one the kernel gives PROT_EXEC-only. */
static bool ckpt_vma_has_pkey(struct mm_struct *mm, struct vm_area_struct *vma)
{
#ifdef CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS
	int pkey = vma_pkey(vma);

	return pkey && pkey != mm->context.execute_only_pkey;
#else
	return false;
#endif
}

/* Refuse vma, naming its file as the checkpointing process sees it. */
static int ckpt_vma_refuse_file(struct ckpt_ctx *ctx, pid_t pid,
				struct vm_area_struct *vma, const char *what)
{
	char *buf = kmalloc(CKPT_PATH_MAX, GFP_KERNEL);
	char *name = buf ? d_path(&vma->vm_file->f_path, buf, CKPT_PATH_MAX) :
			   ERR_PTR(-ENOMEM);
	int err;

	err = ckpt_err(ctx->err, -EOPNOTSUPP,
		       "pid %d: mapping 0x%lx-0x%lx: %s %s not supported", pid,
		       vma->vm_start, vma->vm_end, what,
		       IS_ERR(name) ? "(unnamed)" : name);
	kfree(buf);
	return err;
}

/*
 * The enum ckpt_vma_kind of vma, or a negative errno after recording why
 * v1 cannot checkpoint it. Used by precheck and checkpoint alike.
 */
static int ckpt_vma_kind(struct ckpt_ctx *ctx, pid_t pid, struct mm_struct *mm,
			 struct vm_area_struct *vma)
{
	unsigned long flags = vma->vm_flags;
	const char *what = NULL;
	struct file *file = vma->vm_file;
	int err;

	if (ckpt_vma_is_vdso(mm, vma) || ckpt_vma_is_vvar(mm, vma)) {
		err = ckpt_vdso_precheck(ctx, pid, mm, vma);
		if (err)
			return err;
		return ckpt_vma_is_vdso(mm, vma) ? CKPT_VMA_VDSO : CKPT_VMA_VVAR;
	}
	if (flags & VM_HUGETLB)
		what = "hugetlb mapping";
	else if (!file && vma->vm_ops && vma->vm_ops->name)
		what = vma->vm_ops->name(vma);	/* "[uprobes]"... */
	else if (flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		what = "device or pfn mapping";
	else if (userfaultfd_armed(vma))
		what = "range registered with userfaultfd";
	else if (flags & VM_LOCKONFAULT)
		what = "mlock2(MLOCK_ONFAULT) range";
	else if (ckpt_vma_has_pkey(mm, vma))
		what = "memory protection key";
	else if (!vma_is_anonymous(vma) && !file)
		what = "special mapping";
	if (what)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d: mapping 0x%lx-0x%lx: %s not supported",
				pid, vma->vm_start, vma->vm_end, what);

	if (vma_is_anonymous(vma))
		return CKPT_VMA_ANON;
	if (ckpt_vma_is_shared_anon(vma)) {
		loff_t size = i_size_read(file_inode(file));

		if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_ALIGN(size))
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"pid %d: shared memory 0x%lx-0x%lx maps only part of its %lld bytes (partial munmap, mprotect or mremap): not supported",
					pid, vma->vm_start, vma->vm_end, size);
		return CKPT_VMA_SHARED_ANON;
	}
	if (flags & VM_MAYSHARE)
		return ckpt_vma_refuse_file(ctx, pid, vma,
					    "MAP_SHARED mapping (of a file, memfd or SysV shm)");
	if (!S_ISREG(file_inode(file)->i_mode))
		return ckpt_vma_refuse_file(ctx, pid, vma,
					    "private mapping of a non-regular file");
	return CKPT_VMA_FILE_PRIVATE;
}

/* PROT_* of vm_flags. */
static u32 ckpt_vma_prot(struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_READ ? PROT_READ : 0) |
	       (vma->vm_flags & VM_WRITE ? PROT_WRITE : 0) |
	       (vma->vm_flags & VM_EXEC ? PROT_EXEC : 0);
}

static const struct {
	u32 flag;		/* CKPT_VMA_F_* */
	unsigned long vm_flag;
	int advice;		/* restored with madvise(), or 0 */
} ckpt_vma_flags[] = {
	{ CKPT_VMA_F_GROWSDOWN, VM_GROWSDOWN, 0 },
	{ CKPT_VMA_F_DONTFORK, VM_DONTCOPY, MADV_DONTFORK },
	{ CKPT_VMA_F_DONTDUMP, VM_DONTDUMP, MADV_DONTDUMP },
	{ CKPT_VMA_F_WIPEONFORK, VM_WIPEONFORK, MADV_WIPEONFORK },
	{ CKPT_VMA_F_NORESERVE, VM_NORESERVE, 0 },
	{ CKPT_VMA_F_LOCKED, VM_LOCKED, 0 },
	/* else huge-page hints merge or fill holes differently after restart */
	{ CKPT_VMA_F_HUGEPAGE, VM_HUGEPAGE, MADV_HUGEPAGE },
	{ CKPT_VMA_F_NOHUGEPAGE, VM_NOHUGEPAGE, MADV_NOHUGEPAGE },
};

/* ---- checkpoint ---------------------------------------------------------- */

int ckpt_vma_precheck(struct ckpt_ctx *ctx, pid_t pid, struct mm_struct *mm,
		      struct vm_area_struct *vma)
{
	int kind = ckpt_vma_kind(ctx, pid, mm, vma);
	int err;

	if (kind < 0)
		return kind;
	if (kind != CKPT_VMA_FILE_PRIVATE)
		return 0;
	err = ckpt_file_precheck(ctx, vma->vm_file);
	if (err)
		ckpt_err_prefix(ctx->err, "pid %d: mapping 0x%lx-0x%lx", pid,
				vma->vm_start, vma->vm_end);
	return err;
}

int ckpt_vma_checkpoint(struct ckpt_ctx *ctx, pid_t pid, struct mm_struct *mm,
			struct vm_area_struct *vma)
{
	struct ckpt_rec_vma rec = {
		.start = vma->vm_start,
		.end = vma->vm_end,
		.prot = ckpt_vma_prot(vma),
	};
	struct ckpt_mm_runs runs = {};
	bool pages = true;
	size_t i;
	int kind, err;

	kind = ckpt_vma_kind(ctx, pid, mm, vma);
	if (kind < 0)
		return kind;
	rec.kind = kind;
	if (kind == CKPT_VMA_FILE_PRIVATE) {
		rec.pgoff = vma->vm_pgoff;
		err = ckpt_file_checkpoint_ref(ctx, vma->vm_file, &rec.file_ref);
		if (err) {
			ckpt_err_prefix(ctx->err, "pid %d: mapping 0x%lx-0x%lx",
					pid, vma->vm_start, vma->vm_end);
			return err;
		}
	} else if (kind == CKPT_VMA_SHARED_ANON) {
		/* Its pages go with the first mapping of it. */
		rec.shm_ref = ckpt_obj_checkpoint(ctx, vma->vm_file, CKPT_OBJ_SHM,
						  &pages);
		if (!rec.shm_ref)
			return -ENOMEM;
	}
	if (kind != CKPT_VMA_VDSO && kind != CKPT_VMA_VVAR)
		for (i = 0; i < ARRAY_SIZE(ckpt_vma_flags); i++)
			if (vma->vm_flags & ckpt_vma_flags[i].vm_flag)
				rec.flags |= ckpt_vma_flags[i].flag;

	if (pages) {
		err = ckpt_mm_find_pages(ctx, mm, vma, kind, &runs);
		if (err)
			goto out;
	}
	rec.nr_pages_recs = runs.nr;
	err = ckpt_write_rec(ctx, CKPT_REC_VMA, &rec, sizeof(rec)) ?:
	      ckpt_mm_write_pages(ctx, mm, vma, kind, &runs);
out:
	ckpt_mm_runs_free(&runs);
	return err;
}

/* ---- restart: VMAs ------------------------------------------------------- */

/* Restart state across the VMA records of one mm. */
struct ckpt_vma_restore {
	unsigned long next;		/* the next VMA starts here or above */
	unsigned long vvar_start;	/* a vvar area waiting for its vdso */
	unsigned long vvar_end;
	unsigned long vdso;		/* where the vdso went, 0 if not yet */
};

static int ckpt_vma_check(struct ckpt_ctx *ctx, const struct ckpt_rec_vma *v,
			  unsigned long next)
{
	u64 nr_pages = (v->end - v->start) >> PAGE_SHIFT;
	bool special = v->kind == CKPT_VMA_VDSO || v->kind == CKPT_VMA_VVAR;
	int err;

	err = ckpt_check_zero(ctx, v->reserved, sizeof(v->reserved), "reserved");
	if (err)
		return err;
	if (v->kind < CKPT_VMA_ANON || v->kind > CKPT_VMA_VVAR)
		return ckpt_rec_err(ctx, -EINVAL, "unknown kind %u", v->kind);
	if (offset_in_page(v->start) || offset_in_page(v->end) ||
	    v->start >= v->end || v->end > TASK_SIZE)
		return ckpt_rec_err(ctx, -EINVAL,
				    "0x%llx-0x%llx is not a page-aligned range below TASK_SIZE",
				    v->start, v->end);
	if (v->start < next)
		return ckpt_rec_err(ctx, -EINVAL,
				    "0x%llx-0x%llx starts below the end of the previous mapping (0x%lx)",
				    v->start, v->end, next);
	if (v->prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return ckpt_rec_err(ctx, -EINVAL, "unknown prot bits 0x%x", v->prot);
	if (v->flags & ~CKPT_VMA_F_ALL)
		return ckpt_rec_err(ctx, -EINVAL, "unknown flags 0x%x", v->flags);
	if (v->kind == CKPT_VMA_FILE_PRIVATE ? !v->file_ref : v->file_ref)
		return ckpt_rec_err(ctx, -EINVAL, "file_ref %u on a mapping of kind %u",
				    v->file_ref, v->kind);
	if (v->kind == CKPT_VMA_SHARED_ANON ? !v->shm_ref : v->shm_ref)
		return ckpt_rec_err(ctx, -EINVAL, "shm_ref %u on a mapping of kind %u",
				    v->shm_ref, v->kind);
	if (v->kind != CKPT_VMA_FILE_PRIVATE && v->pgoff)
		return ckpt_rec_err(ctx, -EINVAL, "pgoff %llu on a fileless mapping",
				    v->pgoff);
	if (v->pgoff > (U64_MAX >> PAGE_SHIFT) - nr_pages)
		return ckpt_rec_err(ctx, -EINVAL, "pgoff %llu is out of range",
				    v->pgoff);
	if (v->nr_pages_recs > nr_pages)
		return ckpt_rec_err(ctx, -EINVAL,
				    "%u pages records for %llu pages", v->nr_pages_recs,
				    nr_pages);
	if (special && (v->nr_pages_recs || v->flags))
		return ckpt_rec_err(ctx, -EINVAL,
				    "the vdso and vvar carry no pages and no flags");
	if ((v->flags & CKPT_VMA_F_WIPEONFORK) && v->kind != CKPT_VMA_ANON)
		return ckpt_rec_err(ctx, -EINVAL,
				    "wipe-on-fork on a mapping that is not private anonymous");
	return 0;
}

static long ckpt_vma_syscall(long (*fn)(const struct pt_regs *),
			     unsigned long a, unsigned long b, unsigned long c)
{
	struct pt_regs regs = { .di = a, .si = b, .dx = c };

	return fn(&regs);
}

/* Define shm_ref as the shmem object vm_mmap() just made at addr. */
static int ckpt_vma_add_shm(struct ckpt_ctx *ctx, unsigned long addr, u32 shm_ref)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct file *file = NULL;

	mmap_read_lock(mm);
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start <= addr && vma->vm_file)
		file = get_file(vma->vm_file);
	mmap_read_unlock(mm);
	if (!file)
		return ckpt_rec_err(ctx, -EINVAL, "shared memory at 0x%lx vanished", addr);
	return ckpt_obj_add(ctx, shm_ref, CKPT_OBJ_SHM, file, ckpt_vma_fput);
}

/*
 * Map v at its address with prot (its protection, plus PROT_WRITE while
 * its pages are copied in). MAP_FIXED_NOREPLACE: the records are checked
 * to be in address order, and nothing may be mapped over.
 */
static int ckpt_vma_map(struct ckpt_ctx *ctx, const struct ckpt_rec_vma *v,
			unsigned long prot)
{
	unsigned long len = v->end - v->start, flags = MAP_FIXED_NOREPLACE;
	unsigned long addr, off = 0;
	struct file *file = NULL;
	bool new_shm = false;

	if (v->flags & CKPT_VMA_F_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (v->flags & CKPT_VMA_F_NORESERVE)
		flags |= MAP_NORESERVE;
	switch (v->kind) {
	case CKPT_VMA_ANON:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case CKPT_VMA_FILE_PRIVATE:
		file = ckpt_obj_fetch(ctx, v->file_ref, CKPT_OBJ_FILE);
		if (IS_ERR(file))
			return PTR_ERR(file);
		flags |= MAP_PRIVATE;
		off = v->pgoff << PAGE_SHIFT;
		break;
	case CKPT_VMA_SHARED_ANON:
		if (!ckpt_obj_known(ctx, v->shm_ref)) {
			flags |= MAP_SHARED | MAP_ANONYMOUS;
			new_shm = true;
			break;
		}
		file = ckpt_obj_fetch(ctx, v->shm_ref, CKPT_OBJ_SHM);
		if (IS_ERR(file))
			return PTR_ERR(file);
		if (len > i_size_read(file_inode(file)))
			return ckpt_rec_err(ctx, -EINVAL,
					    "%lu bytes of shared memory objref %u, which has %lld",
					    len, v->shm_ref,
					    i_size_read(file_inode(file)));
		flags |= MAP_SHARED;
		break;
	}
	addr = vm_mmap(file, v->start, len, prot, flags, off);
	if (IS_ERR_VALUE(addr))
		return ckpt_rec_err(ctx, (long)addr,
				    "cannot map 0x%llx-0x%llx (error %ld)",
				    v->start, v->end, (long)addr);
	if (addr != v->start)
		return ckpt_rec_err(ctx, -EINVAL,
				    "0x%llx-0x%llx was mapped at 0x%lx", v->start,
				    v->end, addr);
	return new_shm ? ckpt_vma_add_shm(ctx, addr, v->shm_ref) : 0;
}

/*
 * The madvise() flags, before the pages are copied in: they keep the VMA
 * apart from its neighbours, as it was. Merged into a larger anonymous
 * VMA, it could get transparent huge pages while it is filled, and those
 * would bring in pages that did not exist.
 */
static int ckpt_vma_advise(struct ckpt_ctx *ctx, const struct ckpt_rec_vma *v)
{
	unsigned long len = v->end - v->start;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(ckpt_vma_flags); i++) {
		if (!(v->flags & ckpt_vma_flags[i].flag) || !ckpt_vma_flags[i].advice)
			continue;
		ret = ckpt_sym.do_madvise(current->mm, v->start, len,
					  ckpt_vma_flags[i].advice);
		if (ret)
			return ckpt_rec_err(ctx, ret,
					    "madvise(%d) on 0x%llx-0x%llx failed (error %d)",
					    ckpt_vma_flags[i].advice, v->start, v->end, ret);
	}
	return 0;
}

/* Protection and mlock(), once the pages are in. */
static int ckpt_vma_finish(struct ckpt_ctx *ctx, const struct ckpt_rec_vma *v,
			   unsigned long prot)
{
	unsigned long len = v->end - v->start;
	long ret;

	if (prot != v->prot) {
		ret = ckpt_vma_syscall(ckpt_sym.mprotect, v->start, len, v->prot);
		if (ret)
			return ckpt_rec_err(ctx, ret,
					    "cannot set protection 0x%x on 0x%llx-0x%llx (error %ld)",
					    v->prot, v->start, v->end, ret);
	}
	if (v->flags & CKPT_VMA_F_LOCKED) {
		ret = ckpt_vma_syscall(ckpt_sym.mlock, v->start, len, 0);
		if (ret)
			return ckpt_rec_err(ctx, ret,
					    "cannot mlock 0x%llx-0x%llx (error %ld)",
					    v->start, v->end, ret);
	}
	return 0;
}

static int ckpt_vma_restore(struct ckpt_ctx *ctx, struct ckpt_vma_restore *st)
{
	struct ckpt_rec_vma v;
	unsigned long prot;
	int err;

	err = ckpt_read_rec(ctx, CKPT_REC_VMA, &v, sizeof(v)) ?:
	      ckpt_vma_check(ctx, &v, st->next);
	if (err)
		return err;
	st->next = v.end;

	if (v.kind == CKPT_VMA_VVAR) {
		if (st->vvar_end || st->vdso)
			return ckpt_rec_err(ctx, -EINVAL, "a second vvar area");
		st->vvar_start = v.start;
		st->vvar_end = v.end;
		return 0;
	}
	if (v.kind == CKPT_VMA_VDSO) {
		if (!st->vvar_end || st->vdso)
			return ckpt_rec_err(ctx, -EINVAL,
					    "a vdso without a vvar area right before it");
		err = ckpt_vdso_restore(ctx, st->vvar_start, st->vvar_end,
					v.start, v.end);
		st->vdso = v.start;
		st->vvar_end = 0;
		return err;
	}
	if (st->vvar_end)
		return ckpt_rec_err(ctx, -EINVAL,
				    "the vvar area 0x%lx-0x%lx is not followed by the vdso",
				    st->vvar_start, st->vvar_end);

	prot = v.prot | (v.nr_pages_recs ? PROT_WRITE : 0);
	return ckpt_vma_map(ctx, &v, prot) ?:
	       ckpt_vma_advise(ctx, &v) ?:
	       ckpt_mm_read_pages(ctx, v.start, v.end, v.nr_pages_recs) ?:
	       ckpt_vma_finish(ctx, &v, prot);
}

int ckpt_vma_restore_all(struct ckpt_ctx *ctx, u32 nr_vmas, u64 vdso)
{
	struct ckpt_vma_restore st = {};
	u32 i;
	int err;

	for (i = 0; i < nr_vmas; i++) {
		/* the FILE records of newly seen mapped files come first */
		err = ckpt_file_restore_objects(ctx) ?:
		      ckpt_vma_restore(ctx, &st);
		if (err)
			return err;
	}
	if (st.vvar_end)
		return ckpt_rec_err(ctx, -EINVAL,
				    "the vvar area 0x%lx-0x%lx is not followed by the vdso",
				    st.vvar_start, st.vvar_end);
	if (st.vdso != vdso)
		return ckpt_rec_err(ctx, -EINVAL,
				    "the mm record puts the vdso at 0x%llx, the mappings at 0x%lx",
				    vdso, st.vdso);
	return 0;
}

/* A thread: its mm was restored by the first task that has it. */
