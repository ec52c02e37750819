// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mm kind: a process's address space.
 *
 * Checkpoint writes, for the first task of each mm (threads share it), an
 * MM record (the mm's fields, saved auxv and exe path), then for every VMA
 * in address order: the FILE record of its file if that is new, the VMA
 * record (ckpt_vma.c), and the PAGES records of its pages that exist
 * (ckpt_mm_pages.c).
 *
 * Restart runs in the first task of each mm, inside its RESTORE_TASK
 * ioctl: it unmaps everything the restorer had mapped (the task never
 * returns to that code), maps every VMA again at its address with vm_mmap()
 * (writable while its pages are copied in, then mprotect()ed to its
 * protection), puts the vdso back where it was (ckpt_vdso.c), and sets the
 * mm's fields and exe file. Later tasks of the mm are threads created with
 * CLONE_VM: they only check that they share it.
 *
 * What v1 refuses, at precheck, naming pid and address: hugetlb, device and
 * pfn mappings, shared mappings of files (including memfd and SysV shm),
 * shared anonymous memory that is mapped only in part, userfaultfd
 * registrations, mlock2(MLOCK_ONFAULT), memory protection keys, the uprobes
 * area and other special mappings, a vdso that is not the 64-bit one, LDTs
 * and deleted or unreachable files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/auxvec.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "ckpt_file.h"
#include "ckpt_mm.h"
#include "ckpt_resolve.h"

/* mm->flags that a new mm inherits at fork: dumpable, dump filter, THP. */
#define CKPT_MM_FLAGS MMF_INIT_MASK
/* mm->def_flags: mlockall(MCL_FUTURE [| MCL_ONFAULT]). */
#define CKPT_MM_DEF_FLAGS (VM_LOCKED | VM_LOCKONFAULT)

static void ckpt_mm_mmdrop(void *mm)
{
	mmdrop(mm);
}

/* mm->exe_file, referenced, or NULL; get_mm_exe_file() is not exported. */
static struct file *ckpt_mm_exe_file(struct mm_struct *mm)
{
	struct file *exe;

	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	if (exe && !get_file_rcu(exe))
		exe = NULL;
	rcu_read_unlock();
	return exe;
}

/* ---- precheck ---------------------------------------------------------------- */

static int ckpt_mm_check_exe(struct ckpt_ctx *ctx, pid_t pid,
			     struct mm_struct *mm)
{
	struct file *exe = ckpt_mm_exe_file(mm);
	char *path;

	if (!exe)
		return ckpt_err(ctx->err, -EOPNOTSUPP, "pid %d has no exe file",
				pid);
	path = ckpt_container_path(ctx, &exe->f_path, "exe file");
	fput(exe);
	if (IS_ERR(path)) {
		ckpt_err_prefix(ctx->err, "pid %d", pid);
		return PTR_ERR(path);
	}
	kfree(path);
	return 0;
}

static int ckpt_mm_precheck(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t pid = ckpt_vpid(ctx, t);
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	int err;

	mm = get_task_mm(t);
	if (!mm)
		return ckpt_err(ctx->err, -ESRCH, "pid %d has no memory (exiting?)",
				pid);
	err = ckpt_mm_check_exe(ctx, pid, mm);
	if (err)
		goto out;
	if (mmap_read_lock_killable(mm)) {
		err = ckpt_err(ctx->err, -EINTR, "pid %d: interrupted", pid);
		goto out;
	}
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	if (mm->context.ldt)
		err = ckpt_err(ctx->err, -EOPNOTSUPP,
			       "pid %d: a local descriptor table (modify_ldt) is not supported",
			       pid);
#endif
	if (!err && (mm->def_flags & ~CKPT_MM_DEF_FLAGS))
		err = ckpt_err(ctx->err, -EOPNOTSUPP,
			       "pid %d: default mapping flags 0x%lx not supported",
			       pid, mm->def_flags);
	if (!err) {
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			err = ckpt_vma_precheck(ctx, pid, mm, vma);
			if (err)
				break;
		}
	}
	mmap_read_unlock(mm);
out:
	mmput(mm);
	return err;
}

/* ---- checkpoint ---------------------------------------------------------- */

static int ckpt_mm_write_mm(struct ckpt_ctx *ctx, pid_t pid,
			    struct mm_struct *mm, u32 objref)
{
	unsigned long vdso = (unsigned long)mm->context.vdso;
	struct vm_area_struct *vma;
	struct ckpt_rec_mm *rec;
	struct file *exe;
	char *exe_path;
	int err;

	BUILD_BUG_ON(sizeof(mm->saved_auxv) > sizeof(rec->saved_auxv));

	exe = ckpt_mm_exe_file(mm);
	if (!exe)
		return ckpt_err(ctx->err, -EOPNOTSUPP, "pid %d has no exe file", pid);
	exe_path = ckpt_container_path(ctx, &exe->f_path, "exe file");
	fput(exe);
	if (IS_ERR(exe_path))
		return PTR_ERR(exe_path);

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec) {
		kfree(exe_path);
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the mm record");
	}
	rec->objref = objref;
	rec->nr_vmas = mm->map_count;
	/* context.vdso is stale once the task has unmapped its vdso */
	vma = vdso ? find_vma(mm, vdso) : NULL;
	if (vma && ckpt_vma_is_vdso(mm, vma))
		rec->vdso = vdso;
	rec->start_code = mm->start_code;
	rec->end_code = mm->end_code;
	rec->start_data = mm->start_data;
	rec->end_data = mm->end_data;
	rec->start_brk = mm->start_brk;
	rec->brk = mm->brk;
	rec->start_stack = mm->start_stack;
	spin_lock(&mm->arg_lock);
	rec->arg_start = mm->arg_start;
	rec->arg_end = mm->arg_end;
	rec->env_start = mm->env_start;
	rec->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	rec->flags = mm->flags & CKPT_MM_FLAGS;
	rec->def_flags = mm->def_flags;
	memcpy(rec->saved_auxv, mm->saved_auxv, sizeof(mm->saved_auxv));
	rec->exe_path_len = strlen(exe_path) + 1;
	err = ckpt_write_rec_tail(ctx, CKPT_REC_MM, rec, sizeof(*rec), exe_path,
				  rec->exe_path_len);
	kfree(rec);
	kfree(exe_path);
	return err;
}

static int ckpt_mm_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t pid = ckpt_vpid(ctx, t);
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	bool first;
	u32 objref;
	int err;

	mm = get_task_mm(t);
	if (!mm)
		return ckpt_err(ctx->err, -ESRCH, "pid %d has no memory (exiting?)",
				pid);
	objref = ckpt_obj_checkpoint(ctx, mm, CKPT_OBJ_MM, &first);
	if (!objref) {
		err = -ENOMEM;
		goto out;
	}
	err = 0;
	if (!first)
		goto out;	/* a thread: its leader wrote the mm */
	if (mmap_read_lock_killable(mm)) {
		err = ckpt_err(ctx->err, -EINTR, "pid %d: interrupted", pid);
		goto out;
	}
	err = ckpt_mm_write_mm(ctx, pid, mm, objref);
	if (!err) {
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			err = ckpt_vma_checkpoint(ctx, pid, mm, vma);
			if (err)
				break;
		}
	}
	mmap_read_unlock(mm);
out:
	mmput(mm);
	return err;
}

/* ---- restart: the MM record ----------------------------------------------- */

#define CKPT_MM_ADDR(field) { #field, offsetof(struct ckpt_rec_mm, field) }

static const struct {
	const char *name;
	size_t off;
} ckpt_mm_addrs[] = {
	/* in pairs that must be ordered: start <= end */
	CKPT_MM_ADDR(start_code), CKPT_MM_ADDR(end_code),
	CKPT_MM_ADDR(start_data), CKPT_MM_ADDR(end_data),
	CKPT_MM_ADDR(start_brk), CKPT_MM_ADDR(brk),
	CKPT_MM_ADDR(arg_start), CKPT_MM_ADDR(arg_end),
	CKPT_MM_ADDR(env_start), CKPT_MM_ADDR(env_end),
	CKPT_MM_ADDR(start_stack), CKPT_MM_ADDR(vdso),
};

static u64 ckpt_mm_addr(const struct ckpt_rec_mm *r, size_t i)
{
	return *(const u64 *)((const char *)r + ckpt_mm_addrs[i].off);
}

static int ckpt_mm_check_rec(struct ckpt_ctx *ctx, const struct ckpt_rec_mm *r,
			     u32 mm_ref, u32 tail)
{
	size_t i, first_zero = AT_VECTOR_SIZE - 2;
	int err;

	BUILD_BUG_ON(AT_VECTOR_SIZE > CKPT_AUXV_WORDS);

	err = ckpt_check_zero(ctx, &r->pad, sizeof(r->pad), "pad") ?:
	      ckpt_check_zero(ctx, r->reserved, sizeof(r->reserved), "reserved");
	if (err)
		return err;
	if (r->objref != mm_ref)
		return ckpt_rec_err(ctx, -EINVAL,
				    "objref %u, but the task's mm is objref %u",
				    r->objref, mm_ref);
	if (r->exe_path_len != tail)
		return ckpt_rec_err(ctx, -EINVAL,
				    "exe_path_len %u, but %u bytes follow",
				    r->exe_path_len, tail);
	if (!r->nr_vmas)
		return ckpt_rec_err(ctx, -EINVAL, "no mappings");
	for (i = 0; i < ARRAY_SIZE(ckpt_mm_addrs); i++)
		if (ckpt_mm_addr(r, i) >= TASK_SIZE)
			return ckpt_rec_err(ctx, -EINVAL,
					    "%s 0x%llx is not below TASK_SIZE",
					    ckpt_mm_addrs[i].name, ckpt_mm_addr(r, i));
	for (i = 0; i + 1 < ARRAY_SIZE(ckpt_mm_addrs) - 2; i += 2)
		if (ckpt_mm_addr(r, i) > ckpt_mm_addr(r, i + 1))
			return ckpt_rec_err(ctx, -EINVAL, "%s 0x%llx > %s 0x%llx",
					    ckpt_mm_addrs[i].name, ckpt_mm_addr(r, i),
					    ckpt_mm_addrs[i + 1].name,
					    ckpt_mm_addr(r, i + 1));
	if (offset_in_page(r->vdso))
		return ckpt_rec_err(ctx, -EINVAL, "vdso 0x%llx is not page aligned",
				    r->vdso);
	if (r->flags & ~(u64)CKPT_MM_FLAGS)
		return ckpt_rec_err(ctx, -EINVAL, "unknown flags 0x%llx",
				    r->flags & ~(u64)CKPT_MM_FLAGS);
	if ((r->flags & MMF_DUMPABLE_MASK) > SUID_DUMP_ROOT)
		return ckpt_rec_err(ctx, -EINVAL, "dumpable %llu out of range",
				    r->flags & MMF_DUMPABLE_MASK);
	if (r->def_flags & ~(u64)CKPT_MM_DEF_FLAGS)
		return ckpt_rec_err(ctx, -EINVAL, "unknown def_flags 0x%llx",
				    r->def_flags);
	/* The kernel's auxv ends with an AT_NULL pair; so must this one. */
	return ckpt_check_zero(ctx, &r->saved_auxv[first_zero],
			       sizeof(r->saved_auxv) - first_zero * sizeof(u64),
			       "saved_auxv end");
}

static struct file *ckpt_mm_open_exe(struct ckpt_ctx *ctx, const char *path)
{
	struct file *file;

	if (path[0] != '/') {
		ckpt_rec_err(ctx, -EINVAL, "exe path %s is not absolute", path);
		return ERR_PTR(-EINVAL);
	}
	file = filp_open(path, O_RDONLY | O_LARGEFILE, 0);
	if (IS_ERR(file)) {
		ckpt_rec_err(ctx, PTR_ERR(file), "exe file %s: cannot open it (error %ld)",
			     path, PTR_ERR(file));
		return file;
	}
	if (!S_ISREG(file_inode(file)->i_mode)) {
		fput(file);
		ckpt_rec_err(ctx, -EINVAL, "exe file %s is not a regular file", path);
		return ERR_PTR(-EINVAL);
	}
	return file;
}

/* Unmap everything the restorer had; it never returns to that code. */
static int ckpt_mm_wipe(struct ckpt_ctx *ctx, struct mm_struct *mm)
{
	int err = vm_munmap(0, TASK_SIZE);

	if (err)
		return ckpt_rec_err(ctx, err,
				    "cannot unmap the restorer's memory (error %d)", err);
	if (mm->map_count)
		return ckpt_rec_err(ctx, -EBUSY,
				    "%d mappings of the restorer are left", mm->map_count);
	return 0;
}

/*
 * mm->flags (dumpable, core dump filter, THP disabled), before the VMAs:
 * a task that disabled transparent huge pages gets none while its memory
 * is copied in. Others set and clear these bits atomically.
 */
static void ckpt_mm_set_flags(struct mm_struct *mm, const struct ckpt_rec_mm *r)
{
	unsigned long old, new;

	do {
		old = READ_ONCE(mm->flags);
		new = (old & ~(unsigned long)CKPT_MM_FLAGS) | r->flags;
	} while (cmpxchg(&mm->flags, old, new) != old);
}

static void ckpt_mm_set_fields(struct mm_struct *mm, const struct ckpt_rec_mm *r,
			       bool has_vdso)
{
	mmap_write_lock(mm);
	mm->start_code = r->start_code;
	mm->end_code = r->end_code;
	mm->start_data = r->start_data;
	mm->end_data = r->end_data;
	mm->start_brk = r->start_brk;
	mm->brk = r->brk;
	mm->start_stack = r->start_stack;
	spin_lock(&mm->arg_lock);
	mm->arg_start = r->arg_start;
	mm->arg_end = r->arg_end;
	mm->env_start = r->env_start;
	mm->env_end = r->env_end;
	spin_unlock(&mm->arg_lock);
	mm->def_flags = r->def_flags;
	if (!has_vdso) {
		/* the task had unmapped its vdso */
		mm->context.vdso = NULL;
		mm->context.vdso_image = NULL;
	}
	mmap_write_unlock(mm);

	/* as prctl(PR_SET_MM_AUXV) does */
	task_lock(current);
	memcpy(mm->saved_auxv, r->saved_auxv, sizeof(mm->saved_auxv));
	task_unlock(current);
}

static int ckpt_mm_set_exe(struct ckpt_ctx *ctx, struct mm_struct *mm,
			   struct file *exe, const char *path)
{
	struct file *old = ckpt_mm_exe_file(mm);
	bool same = old && path_equal(&old->f_path, &exe->f_path);
	int err;

	if (old)
		fput(old);
	if (same)
		return 0;
	err = ckpt_sym.replace_mm_exe_file(mm, exe);
	if (err)
		return ckpt_err(ctx->err, err,
				"mm objref %u: cannot make %s the exe file (error %d%s)",
				ckpt_cur_task(ctx)->mm_ref, path, err,
				err == -EACCES ? ": open for writing" : "");
	return 0;
}

static int ckpt_mm_join(struct ckpt_ctx *ctx, u32 mm_ref)
{
	struct mm_struct *mm = ckpt_obj_fetch(ctx, mm_ref, CKPT_OBJ_MM);

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (mm != current->mm)
		return ckpt_err(ctx->err, -EINVAL,
				"mm objref %u was restored in another address space: tasks that share it must be threads created with CLONE_VM",
				mm_ref);
	return 0;
}

static int ckpt_mm_restore(struct ckpt_ctx *ctx)
{
	u32 mm_ref = ckpt_cur_task(ctx)->mm_ref;
	struct mm_struct *mm = current->mm;
	struct ckpt_rec_mm *rec;
	struct file *exe = NULL;
	char *exe_path = NULL;
	u32 tail;
	int err;

	if (ckpt_obj_known(ctx, mm_ref))
		return ckpt_mm_join(ctx, mm_ref);

	/* the allocator's warning would say nothing the error text does not */
	rec = kmalloc(sizeof(*rec), GFP_KERNEL | __GFP_NOWARN);
	if (!rec)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the mm record");
	err = ckpt_read_rec_tail(ctx, CKPT_REC_MM, rec, sizeof(*rec), &tail) ?:
	      ckpt_mm_check_rec(ctx, rec, mm_ref, tail);
	if (err)
		goto out;
	exe_path = ckpt_read_path(ctx, rec->exe_path_len);
	if (IS_ERR(exe_path)) {
		err = PTR_ERR(exe_path);
		exe_path = NULL;
		goto out;
	}
	err = ckpt_read_rec_end(ctx);
	if (err)
		goto out;
	exe = ckpt_mm_open_exe(ctx, exe_path);
	if (IS_ERR(exe)) {
		err = PTR_ERR(exe);
		exe = NULL;
		goto out;
	}

	mmgrab(mm);
	err = ckpt_obj_add(ctx, mm_ref, CKPT_OBJ_MM, mm, ckpt_mm_mmdrop) ?:
	      ckpt_mm_wipe(ctx, mm);
	if (err)
		goto out;
	ckpt_mm_set_flags(mm, rec);
	err = ckpt_vma_restore_all(ctx, rec->nr_vmas, rec->vdso);
	if (err)
		goto out;
	ckpt_mm_set_fields(mm, rec, rec->vdso != 0);
	err = ckpt_mm_set_exe(ctx, mm, exe, exe_path);
out:
	if (exe)
		fput(exe);
	kfree(exe_path);
	kfree(rec);
	return err;
}

const struct ckpt_task_kind ckpt_mm_kind = {
	.name = "mm",
	.precheck = ckpt_mm_precheck,
	.checkpoint = ckpt_mm_checkpoint,
	.restore = ckpt_mm_restore,
};
