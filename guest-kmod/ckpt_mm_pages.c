// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page contents: which pages of a VMA exist, and their bytes.
 *
 * Checkpoint writes only the pages that exist: a page never touched is not
 * in the image, and looking must not fault anything in. Private pages are
 * found by walking the page tables of the frozen task's mm, under its
 * mmap_lock, in two passes: the first lists the runs of existing pages (the
 * VMA record says how many PAGES records follow, and the stream never
 * seeks back), the second takes a reference on each page of a run and
 * copies it out. The frozen task cannot change its page tables, and the
 * mmap_lock keeps khugepaged from collapsing them; reclaim and migration
 * may still move a page, which is why swap and migration entries count as
 * existing pages and are read through get_user_pages_remote(). Shared
 * anonymous memory lives in a shmem object, whose page cache is read
 * instead. Nothing is written to the image while a page-table lock is held.
 *
 * Restart copies each record's bytes straight from the stream into the new
 * mapping of current (ckpt_read_data_user()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/pagewalk.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swapops.h>
#include <linux/xarray.h>

#include "ckpt_mm.h"
#include "ckpt_resolve.h"

void ckpt_mm_runs_free(struct ckpt_mm_runs *runs)
{
	kvfree(runs->run);
	runs->run = NULL;
	runs->nr = 0;
	runs->cap = 0;
}

/*
 * Make room for n more runs. The list grows with an allocation that may
 * sleep, so this is done before taking a page-table lock or entering RCU.
 */
static int ckpt_mm_runs_reserve(struct ckpt_mm_runs *runs, unsigned long n)
{
	unsigned long cap;
	struct ckpt_mm_run *r;

	if (runs->cap - runs->nr >= n)
		return 0;
	cap = max3(64UL, 2UL * runs->cap, runs->nr + n);
	if (cap > U32_MAX)
		return -ENOMEM;
	r = kvrealloc(runs->run, runs->cap * sizeof(*r), cap * sizeof(*r),
		      GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	runs->run = r;
	runs->cap = cap;
	return 0;
}

/* The most new runs that adding nr pages can start. */
static unsigned long ckpt_mm_runs_needed(unsigned long nr)
{
	return DIV_ROUND_UP(nr, CKPT_MM_RUN_PAGES) + 1;
}

/*
 * Append nr pages at addr, merging with the last run while it has room.
 * Never sleeps: ckpt_mm_runs_reserve() made room first.
 */
static int ckpt_mm_runs_add(struct ckpt_mm_runs *runs, unsigned long addr,
			    unsigned long nr)
{
	while (nr) {
		struct ckpt_mm_run *last = runs->nr ? &runs->run[runs->nr - 1] : NULL;
		unsigned long n;

		if (last && last->addr + (last->nr << PAGE_SHIFT) == addr &&
		    last->nr < CKPT_MM_RUN_PAGES) {
			n = min(nr, CKPT_MM_RUN_PAGES - last->nr);
			last->nr += n;
		} else {
			if (runs->nr == runs->cap)
				return -ENOSPC;	/* not reserved: cannot happen */
			n = min_t(unsigned long, nr, CKPT_MM_RUN_PAGES);
			runs->run[runs->nr].addr = addr;
			runs->run[runs->nr].nr = n;
			runs->nr++;
		}
		addr += n << PAGE_SHIFT;
		nr -= n;
	}
	return 0;
}

/* ---- the page-table walk ------------------------------------------------- */

/*
 * One walk either lists runs (pages == NULL) or collects the present pages
 * of one run into pages[], indexed from base, with a reference each; the
 * slots of swapped-out or migrating pages stay NULL.
 */
struct ckpt_mm_walk {
	struct ckpt_mm_runs *runs;
	struct page **pages;
	unsigned long base;
	int err;
};

/*
 * The page a present pte maps, if it belongs in the image: an anonymous
 * page. Zero-page and pfn mappings are special ptes; page-cache pages of
 * a private file mapping are the file's, only their copies are anonymous.
 */
static struct page *ckpt_mm_pte_page(pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);
	struct page *page;

	if (pte_special(pte) || !pfn_valid(pfn))
		return NULL;
	page = pfn_to_page(pfn);
	return PageAnon(page) ? page : NULL;
}

/*
 * A non-present pte that still holds a page of the image: swapped out, or
 * an anonymous page being migrated. Markers, device and poison entries do
 * not.
 */
static bool ckpt_mm_swapped(pte_t pte)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	if (is_migration_entry(entry))
		return PageAnon(pfn_to_page(swp_offset_pfn(entry)));
	return !non_swap_entry(entry);
}

static int ckpt_mm_walk_pte(struct ckpt_mm_walk *w, pte_t pte,
			    unsigned long addr)
{
	struct page *page;

	if (pte_none(pte))
		return 0;
	if (pte_present(pte)) {
		page = ckpt_mm_pte_page(pte);
		if (!page)
			return 0;
		if (w->pages) {
			get_page(page);
			w->pages[(addr - w->base) >> PAGE_SHIFT] = page;
			return 0;
		}
	} else if (!ckpt_mm_swapped(pte) || w->pages) {
		return 0;
	}
	w->err = ckpt_mm_runs_add(w->runs, addr, 1);
	return w->err;
}

/* A transparent huge page, handled whole: never split for a checkpoint. */
static int ckpt_mm_walk_huge(struct ckpt_mm_walk *w, pmd_t pmd,
			     unsigned long addr, unsigned long end)
{
	unsigned long nr = (end - addr) >> PAGE_SHIFT, i;
	struct page *head = pmd_page(pmd), *page;

	/* the huge zero page and file THPs are not anonymous */
	if (!PageAnon(head))
		return 0;
	if (!w->pages) {
		w->err = ckpt_mm_runs_add(w->runs, addr, nr);
		return w->err;
	}
	page = head + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
	for (i = 0; i < nr; i++) {
		get_page(page + i);
		w->pages[((addr - w->base) >> PAGE_SHIFT) + i] = page + i;
	}
	return 0;
}

static int ckpt_mm_pmd_entry(pmd_t *pmdp, unsigned long addr,
			     unsigned long end, struct mm_walk *walk)
{
	struct ckpt_mm_walk *w = walk->private;
	pte_t *start_pte, *pte;
	spinlock_t *ptl;	/* the pmd's lock, then the pte table's */
	pmd_t pmd;
	int err = 0;

	/* one pte table starts at most one run per page */
	if (!w->pages) {
		w->err = ckpt_mm_runs_reserve(w->runs, PTRS_PER_PTE + 1);
		if (w->err)
			return w->err;
	}
	/* Reclaim may split a huge pmd under us, but only under its lock. */
	ptl = pmd_lock(walk->mm, pmdp);
	pmd = *pmdp;
	if (pmd_trans_huge(pmd) || pmd_devmap(pmd)) {
		err = ckpt_mm_walk_huge(w, pmd, addr, end);
		spin_unlock(ptl);
		return err;
	}
	spin_unlock(ptl);
	if (is_swap_pmd(pmd)) {
		/* a huge page being migrated: read it through GUP */
		if (!w->pages)
			w->err = ckpt_mm_runs_add(w->runs, addr,
						  (end - addr) >> PAGE_SHIFT);
		return w->err;
	}
	if (pmd_none(pmd) || unlikely(pmd_bad(pmd)))
		return 0;

	start_pte = pte_offset_map_lock(walk->mm, pmdp, addr, &ptl);
	for (pte = start_pte; addr < end && !err; pte++, addr += PAGE_SIZE)
		err = ckpt_mm_walk_pte(w, ptep_get(pte), addr);
	pte_unmap_unlock(start_pte, ptl);
	cond_resched();
	return err;
}

static const struct mm_walk_ops ckpt_mm_walk_ops = {
	.pmd_entry = ckpt_mm_pmd_entry,
};

/* ---- shared anonymous memory ------------------------------------------- */

/*
 * The pages of a shmem object that exist: in its page cache, or swapped
 * out (a value entry in the cache). The mapping covers the whole object
 * (ckpt_vma.c refuses anything else), so page i of the object is at
 * vm_start + i pages. The cache is read under RCU as the page cache's own
 * lookups do; SEEK_DATA would say the same but takes the inode lock, which
 * ranks above the mmap_lock held here.
 */
static int ckpt_mm_find_shmem(struct ckpt_ctx *ctx, struct vm_area_struct *vma,
			      struct ckpt_mm_runs *runs)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	pgoff_t last = vma_pages(vma) - 1, next = 0;
	XA_STATE(xas, &mapping->i_pages, 0);
	void *entry;
	int err = 0;

	rcu_read_lock();
	xas_for_each(&xas, entry, last) {
		pgoff_t index = xas.xa_index, nr = 1, end;

		if (xas_retry(&xas, entry))
			continue;
		if (!xa_is_value(entry)) {
			struct folio *folio = entry;

			if (!folio_try_get_rcu(folio)) {
				xas_reset(&xas);
				continue;
			}
			if (unlikely(folio != xas_reload(&xas))) {
				folio_put(folio);
				xas_reset(&xas);
				continue;
			}
			index = folio->index;
			nr = folio_nr_pages(folio);
			folio_put(folio);
		}
		index = max(index, next);
		end = min(index + nr, last + 1);
		if (end <= index)
			continue;
		next = end;
		/* the page list may grow: leave RCU for it */
		xas_pause(&xas);
		rcu_read_unlock();
		err = ckpt_mm_runs_reserve(runs, ckpt_mm_runs_needed(end - index)) ?:
		      ckpt_mm_runs_add(runs, vma->vm_start + (index << PAGE_SHIFT),
				       end - index);
		cond_resched();
		rcu_read_lock();
		if (err)
			break;
	}
	rcu_read_unlock();
	if (err)
		return ckpt_err(ctx->err, err,
				"shared memory 0x%lx-0x%lx: no memory for its page list (error %d)",
				vma->vm_start, vma->vm_end, err);
	return 0;
}

static int ckpt_mm_get_shmem(struct ckpt_ctx *ctx, struct vm_area_struct *vma,
			     const struct ckpt_mm_run *run, struct page **pages)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	pgoff_t index = (run->addr - vma->vm_start) >> PAGE_SHIFT;
	unsigned long i;

	for (i = 0; i < run->nr; i++) {
		struct page *page = shmem_read_mapping_page(mapping, index + i);

		if (IS_ERR(page))
			return ckpt_err(ctx->err, PTR_ERR(page),
					"shared memory page at 0x%lx: cannot read it (error %ld)",
					run->addr + (i << PAGE_SHIFT), PTR_ERR(page));
		pages[i] = page;
	}
	return 0;
}

/* ---- checkpoint ------------------------------------------------------------ */

int ckpt_mm_find_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
		       struct vm_area_struct *vma, u32 kind,
		       struct ckpt_mm_runs *runs)
{
	struct ckpt_mm_walk w = { .runs = runs };
	int err;

	if (kind == CKPT_VMA_SHARED_ANON)
		return ckpt_mm_find_shmem(ctx, vma, runs);
	if (kind != CKPT_VMA_ANON && kind != CKPT_VMA_FILE_PRIVATE)
		return 0;
	err = ckpt_sym.walk_page_range(mm, vma->vm_start, vma->vm_end,
				       &ckpt_mm_walk_ops, &w);
	if (w.err)
		return ckpt_err(ctx->err, w.err,
				"mapping 0x%lx-0x%lx: no memory for its page list (error %d)",
				vma->vm_start, vma->vm_end, w.err);
	if (err)
		return ckpt_err(ctx->err, err,
				"mapping 0x%lx-0x%lx: page table walk failed (error %d)",
				vma->vm_start, vma->vm_end, err);
	return 0;
}

/*
 * Take a reference on every page of run. Present pages come from the page
 * tables; the others were swapped out or are being migrated, and GUP
 * brings them back (FOLL_FORCE: the mapping may be PROT_NONE).
 */
static int ckpt_mm_get_private(struct ckpt_ctx *ctx, struct mm_struct *mm,
			       const struct ckpt_mm_run *run, struct page **pages)
{
	struct ckpt_mm_walk w = { .pages = pages, .base = run->addr };
	unsigned long end = run->addr + (run->nr << PAGE_SHIFT);
	unsigned long i;
	int err;

	err = ckpt_sym.walk_page_range(mm, run->addr, end, &ckpt_mm_walk_ops, &w);
	if (err)
		return ckpt_err(ctx->err, err,
				"pages at 0x%lx: page table walk failed (error %d)",
				run->addr, err);
	for (i = 0; i < run->nr; i++) {
		unsigned long addr = run->addr + (i << PAGE_SHIFT);
		long got;

		if (pages[i])
			continue;
		got = get_user_pages_remote(mm, addr, 1, FOLL_FORCE, &pages[i],
					    NULL, NULL);
		if (got == 1 && !PageAnon(pages[i])) {
			put_page(pages[i]);
			pages[i] = NULL;
			got = -ENOENT;
		}
		if (got != 1) {
			pages[i] = NULL;
			return ckpt_err(ctx->err, got < 0 ? (int)got : -EIO,
					"page at 0x%lx vanished or cannot be read (error %ld)",
					addr, got);
		}
	}
	return 0;
}

static int ckpt_mm_write_run(struct ckpt_ctx *ctx, const struct ckpt_mm_run *run,
			     struct page **pages)
{
	struct ckpt_rec_pages rec = {
		.addr = run->addr,
		.nr_pages = run->nr,
	};
	return ckpt_write_rec_begin(ctx, CKPT_REC_PAGES, &rec, sizeof(rec),
				    run->nr << PAGE_SHIFT) ?:
	       ckpt_write_pages(ctx, pages, run->nr) ?:
	       ckpt_write_rec_end(ctx);
}

int ckpt_mm_write_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
			struct vm_area_struct *vma, u32 kind,
			const struct ckpt_mm_runs *runs)
{
	struct page **pages;
	u32 r;
	int err = 0;

	if (!runs->nr)
		return 0;
	pages = kvmalloc_array(CKPT_MM_RUN_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for a page batch");
	for (r = 0; !err && r < runs->nr; r++) {
		const struct ckpt_mm_run *run = &runs->run[r];
		unsigned long i;

		memset(pages, 0, run->nr * sizeof(*pages));
		if (kind == CKPT_VMA_SHARED_ANON)
			err = ckpt_mm_get_shmem(ctx, vma, run, pages);
		else
			err = ckpt_mm_get_private(ctx, mm, run, pages);
		if (!err)
			err = ckpt_mm_write_run(ctx, run, pages);
		for (i = 0; i < run->nr; i++)
			if (pages[i])
				put_page(pages[i]);
		if (!err && fatal_signal_pending(current))
			err = ckpt_err(ctx->err, -EINTR, "checkpoint interrupted");
	}
	kvfree(pages);
	return err;
}

/* ---- restart ---------------------------------------------------------------- */

int ckpt_mm_read_pages(struct ckpt_ctx *ctx, unsigned long start,
		       unsigned long end, u32 nr)
{
	unsigned long next = start;	/* records come in address order */
	u32 i;
	int err;

	for (i = 0; i < nr; i++) {
		struct ckpt_rec_pages rec;
		u64 len;
		u32 tail;

		err = ckpt_read_rec_tail(ctx, CKPT_REC_PAGES, &rec, sizeof(rec),
					 &tail);
		if (err)
			return err;
		err = ckpt_check_zero(ctx, &rec.pad, sizeof(rec.pad), "pad");
		if (err)
			return err;
		len = (u64)rec.nr_pages << PAGE_SHIFT;
		if (!rec.nr_pages || offset_in_page(rec.addr) ||
		    rec.addr < next || rec.addr >= end || len > end - rec.addr)
			return ckpt_rec_err(ctx, -EINVAL,
					    "%u pages at 0x%llx: not inside 0x%lx-0x%lx after 0x%lx",
					    rec.nr_pages, rec.addr, start, end, next);
		if (tail != len)
			return ckpt_rec_err(ctx, -EINVAL,
					    "%u pages need %llu bytes, the record has %u",
					    rec.nr_pages, len, tail);
		err = ckpt_read_data_user(ctx, (void __user *)(unsigned long)rec.addr,
					  len) ?:
		      ckpt_read_rec_end(ctx);
		if (err)
			return err;
		next = rec.addr + len;
	}
	return 0;
}
