/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mm kind's pieces, shared between its files: ckpt_mm.c (MM and VMA
 * records, the kind's ops), ckpt_mm_pages.c (page contents, PAGES records)
 * and ckpt_vdso.c (the vdso and vvar mappings).
 */
#ifndef CKPT_MM_H
#define CKPT_MM_H

#include <linux/types.h>

#include "ckpt_cr.h"

struct file;
struct mm_struct;
struct path;
struct task_struct;
struct vm_area_struct;

/*
 * Largest run of pages one PAGES record carries: 8 MiB of contents keeps a
 * record well under CKPT_REC_MAX_LEN, and is a multiple of a huge page so
 * that a transparent huge page rarely straddles two records.
 */
#define CKPT_MM_RUN_PAGES 2048U

/* ---- ckpt_vma.c ------------------------------------------------------------ */

/* Refuse what v1 cannot checkpoint in vma of pid's mm, naming both. */
int ckpt_vma_precheck(struct ckpt_ctx *ctx, pid_t pid, struct mm_struct *mm,
		      struct vm_area_struct *vma);

/*
 * Write the FILE record of its file if new, then its VMA and PAGES
 * records. Under mmap_read_lock(mm).
 */
int ckpt_vma_checkpoint(struct ckpt_ctx *ctx, pid_t pid, struct mm_struct *mm,
			struct vm_area_struct *vma);

/*
 * Restart: read nr_vmas VMAs (each with the FILE records before it and the
 * PAGES records after it) and map them into current's emptied mm; vdso is
 * where the MM record says the vdso text is (0: none).
 */
int ckpt_vma_restore_all(struct ckpt_ctx *ctx, u32 nr_vmas, u64 vdso);

/* ---- ckpt_mm_pages.c ------------------------------------------------------ */

/* The runs of existing pages of one VMA, found before its VMA record. */
struct ckpt_mm_runs {
	struct ckpt_mm_run {
		unsigned long addr;
		unsigned long nr;	/* pages, <= CKPT_MM_RUN_PAGES */
	} *run;
	u32 nr;
	u32 cap;
};

void ckpt_mm_runs_free(struct ckpt_mm_runs *runs);

/*
 * Checkpoint, under mmap_read_lock(mm): find the pages of vma that exist
 * and belong in the image (kind is enum ckpt_vma_kind). Anonymous: every
 * present or swapped-out page. Private file mapping: only the copy-on-write
 * (anonymous) pages; the rest is the file's. Shared anonymous: the pages
 * of its shmem object.
 */
int ckpt_mm_find_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
		       struct vm_area_struct *vma, u32 kind,
		       struct ckpt_mm_runs *runs);

/* Write one PAGES record per run, with the pages' contents. */
int ckpt_mm_write_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
			struct vm_area_struct *vma, u32 kind,
			const struct ckpt_mm_runs *runs);

/*
 * Restart: read nr PAGES records into the VMA [start, end) of current,
 * which is mapped writable.
 */
int ckpt_mm_read_pages(struct ckpt_ctx *ctx, unsigned long start,
		       unsigned long end, u32 nr);

/* ---- ckpt_vdso.c ------------------------------------------------------------ */

/* The vdso or the vvar area of mm, by the name its special mapping gives. */
bool ckpt_vma_is_vdso(struct mm_struct *mm, struct vm_area_struct *vma);
bool ckpt_vma_is_vvar(struct mm_struct *mm, struct vm_area_struct *vma);

/* Checkpoint: refuse a vdso this kernel could not map back. */
int ckpt_vdso_precheck(struct ckpt_ctx *ctx, pid_t pid, struct mm_struct *mm,
		       struct vm_area_struct *vma);

/*
 * Restart: map this kernel's vdso with its vvar area at vvar_start and its
 * text at vdso_start, which must be where the kernel puts them relative
 * to each other.
 */
int ckpt_vdso_restore(struct ckpt_ctx *ctx, unsigned long vvar_start,
		      unsigned long vvar_end, unsigned long vdso_start,
		      unsigned long vdso_end);

#endif /* CKPT_MM_H */
