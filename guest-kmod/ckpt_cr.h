/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checkpoint/restart core: the context one operation runs in, record
 * I/O on the image stream, the object hash, and the per-kind ops table.
 *
 * Checkpoint runs in the caller's context on a frozen container: for every
 * task, in tree order, each kind in ckpt_task_kinds[] writes its records.
 *
 * Restart runs in context: every task of the new tree calls
 * CKPT_IOC_RESTORE_TASK; tasks take turns (tree order) reading their own
 * section of the stream, and each kind's ->restore() rebuilds that part of
 * the state of current. A kind's checkpoint and restart sides live in one
 * file (ckpt_mm.c, ckpt_files.c, ...).
 */
#ifndef CKPT_CR_H
#define CKPT_CR_H

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xxhash.h>

#include "ckpt_err.h"
#include "ckpt_image.h"

struct bio_vec;
struct file;
struct page;
struct pid_namespace;
struct task_struct;

/* ---- the image stream ----------------------------------------------------- */

/*
 * Sequential record I/O over a struct file that is never seeked (a pipe or
 * socket works). Writes are buffered; every byte goes through the xxh64
 * that the trailer carries. The "current record" (index, type, offset) names
 * the record in error messages.
 */
struct ckpt_stream {
	struct file *file;
	u64 offset;		/* bytes written or consumed so far */
	u32 nr_records;		/* records completed so far */
	struct xxh64_state csum;
	/* the record being read or written */
	u32 rec_index;
	u32 rec_type;
	u64 rec_offset;
	u32 rec_len;		/* its len field */
	u32 rec_left;		/* bytes of it not yet read or written */
	/* buffer */
	u8 *buf;
	size_t buf_size;
	size_t buf_pos;		/* read: next byte; write: bytes queued */
	size_t buf_fill;	/* read: bytes valid */
	struct bio_vec *bvec;	/* ckpt_write_pages(), allocated on first use */
};

/* ---- one checkpoint or restart operation ---------------------------------- */

enum ckpt_restart_state {
	CKPT_RESTART_LOADING,	/* tasks are taking turns */
	CKPT_RESTART_RESTORED,	/* every task restored, trailer checked */
	CKPT_RESTART_RELEASED,	/* tasks may return to user space */
	CKPT_RESTART_FAILED,	/* every task must die */
};

struct ckpt_ctx {
	struct ckpt_errctx *err;	/* of the call running now */
	struct ckpt_stream stream;
	struct pid_namespace *pidns;	/* the container's */

	/* object hash: by pointer (checkpoint) and by objref (restart) */
	DECLARE_HASHTABLE(obj_by_ptr, 8);
	DECLARE_HASHTABLE(obj_by_ref, 8);
	u32 next_objref;

	/* the tree, in image order */
	u32 nr_tasks;
	struct ckpt_rec_task *tree;
	struct task_struct **tasks;	/* checkpoint: pinned tasks */
	u32 cur;			/* index of the task being handled */

	/* restart only */
	struct kref kref;		/* coordinator + each joined task */
	struct mutex lock;
	wait_queue_head_t waitq;
	enum ckpt_restart_state state;
	u32 turn;			/* index whose turn it is to read */
	u32 nr_joined;			/* tasks that called RESTORE_TASK */
	u32 nr_restored;
	struct task_struct **restorers;	/* by index, referenced */
	char *fail_msg;			/* first failure, for RESTORE_WAIT */
	int fail_err;
	char image_release[CKPT_RELEASE_LEN];	/* kernel that wrote the image */
};

/* Pid of t as the container sees it (0 if not in it). */
pid_t ckpt_vpid(struct ckpt_ctx *ctx, struct task_struct *t);

/* The tree entry being checkpointed or restored now. */
static inline struct ckpt_rec_task *ckpt_cur_task(struct ckpt_ctx *ctx)
{
	return &ctx->tree[ctx->cur];
}

/* ---- writing records ------------------------------------------------------ */

/*
 * Write a whole record: rec starts with struct ckpt_rec, len is the record's
 * size. The header is filled in here; padding is added.
 */
int ckpt_write_rec(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len);

/* A record with a variable tail: fixed part, then tail_len bytes of tail. */
int ckpt_write_rec_tail(struct ckpt_ctx *ctx, u32 type, void *rec,
			u32 fixed_len, const void *tail, u32 tail_len);

/*
 * A record whose tail is produced in pieces (page contents): begin, then
 * ckpt_write_data() exactly tail_len bytes in total, then end.
 */
int ckpt_write_rec_begin(struct ckpt_ctx *ctx, u32 type, void *rec,
			 u32 fixed_len, u32 tail_len);
int ckpt_write_data(struct ckpt_ctx *ctx, const void *data, size_t len);
/*
 * Part of a tail made of whole pages (page contents): written from the
 * pages themselves, without a copy through the stream buffer.
 */
int ckpt_write_pages(struct ckpt_ctx *ctx, struct page **pages, unsigned long nr);
int ckpt_write_rec_end(struct ckpt_ctx *ctx);

/* Push buffered bytes to the file. */
int ckpt_write_flush(struct ckpt_ctx *ctx);

/* ---- reading records ------------------------------------------------------ */

/*
 * Read the next record, which must be of type and exactly len bytes, into
 * rec. Errors name the record: "record 12 (vma) at byte 4096: ...".
 */
int ckpt_read_rec(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len);

/*
 * Read the fixed part of the next record, which must be of type and at
 * least fixed_len bytes; *tail_len gets the size of its tail. Read the tail
 * with ckpt_read_data()/ckpt_read_data_user() and finish with
 * ckpt_read_rec_end().
 */
int ckpt_read_rec_tail(struct ckpt_ctx *ctx, u32 type, void *rec,
		       u32 fixed_len, u32 *tail_len);
int ckpt_read_data(struct ckpt_ctx *ctx, void *buf, size_t len);
int ckpt_read_data_user(struct ckpt_ctx *ctx, void __user *ubuf, size_t len);
/* Checks the tail was consumed whole and the padding is zero. */
int ckpt_read_rec_end(struct ckpt_ctx *ctx);

/*
 * Read a NUL-terminated path tail of path_len bytes (NUL included) into a
 * kmalloc'ed string. Rejects 0, > CKPT_PATH_MAX, a missing NUL or an
 * embedded NUL.
 */
char *ckpt_read_path(struct ckpt_ctx *ctx, u32 path_len);

/* Name of a record type ("vma"), "unknown" if none. */
const char *ckpt_rec_name(u32 type);

/*
 * Record a failure about the current record: prefixes
 * "record N (name) at byte OFF: " and returns err.
 */
__printf(3, 4) int ckpt_rec_err(struct ckpt_ctx *ctx, int err,
				const char *fmt, ...);

/* Check that reserved/padding words are zero. */
int ckpt_check_zero(struct ckpt_ctx *ctx, const void *p, size_t len,
		    const char *field);

/* ---- the object hash -------------------------------------------------------- */

enum ckpt_obj_kind {
	CKPT_OBJ_MM = 1,
	CKPT_OBJ_FILES,
	CKPT_OBJ_FS,
	CKPT_OBJ_SIGHAND,
	CKPT_OBJ_SIGNAL,
	CKPT_OBJ_FILE,
	CKPT_OBJ_PIPE,
	CKPT_OBJ_SHM,
};

const char *ckpt_obj_kind_name(enum ckpt_obj_kind kind);

/*
 * Checkpoint: the objref of ptr, a new one if ptr was not seen before, in
 * which case *first is set and the caller writes the object's records now
 * (before any reference). The hash holds no reference: the frozen tasks pin
 * what it points to. Returns 0 on allocation failure.
 */
u32 ckpt_obj_checkpoint(struct ckpt_ctx *ctx, void *ptr,
			enum ckpt_obj_kind kind, bool *first);

/*
 * Checkpoint: the objref ptr has or gets, without marking its records as
 * written (the tree names the mm, files, fs, sighand and signal of every
 * task before their sections; the first ckpt_obj_checkpoint() call on them
 * still reports *first).
 */
u32 ckpt_obj_assign(struct ckpt_ctx *ctx, void *ptr, enum ckpt_obj_kind kind);

/*
 * Restart: define objref as ptr. release (may be NULL) runs when the
 * operation ends, to drop the reference the hash now owns. Fails with a
 * record error if objref is 0 or already defined.
 */
int ckpt_obj_add(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_kind kind,
		 void *ptr, void (*release)(void *ptr));

/*
 * Restart: the object objref refers to, or an ERR_PTR after recording
 * "record N (x) at byte B: objref 5 (file) not defined" (or of another kind).
 */
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_kind kind);

/* Restart: whether objref is defined already (any kind). */
bool ckpt_obj_known(struct ckpt_ctx *ctx, u32 objref);

/* ---- per-kind ops ------------------------------------------------------------ */

struct ckpt_task_kind {
	const char *name;
	/*
	 * Refuse what this kind cannot checkpoint, before any byte is written
	 * ("pid 7 fd 4: AF_INET socket not supported"). Optional.
	 */
	int (*precheck)(struct ckpt_ctx *ctx, struct task_struct *t);
	/* Write this kind's records for frozen task t (ctx->cur is its index). */
	int (*checkpoint)(struct ckpt_ctx *ctx, struct task_struct *t);
	/* Read them back and restore current. */
	int (*restore)(struct ckpt_ctx *ctx);
};

/*
 * In stream order. The order matters on restart: creds come late so that
 * files and mappings are opened with the restorer's privileges, and cpu is
 * last because it switches current to the checkpointed user context.
 */
extern const struct ckpt_task_kind ckpt_mm_kind;	/* ckpt_mm.c */
extern const struct ckpt_task_kind ckpt_files_kind;	/* ckpt_files.c */
extern const struct ckpt_task_kind ckpt_fs_kind;	/* ckpt_fs.c */
extern const struct ckpt_task_kind ckpt_sighand_kind;	/* ckpt_signal.c */
extern const struct ckpt_task_kind ckpt_signal_kind;	/* ckpt_signal.c */
extern const struct ckpt_task_kind ckpt_creds_kind;	/* ckpt_creds.c */
extern const struct ckpt_task_kind ckpt_cpu_kind;	/* ckpt_cpu.c */

/* All kinds, in stream order (ckpt_checkpoint.c). */
const struct ckpt_task_kind *const *ckpt_kinds(size_t *nr);

/* This kernel's user xsave area size and enabled features (ckpt_cpu.c). */
void ckpt_cpu_xsave_info(u32 *size, u64 *features);

/*
 * xxh64 of this kernel's 64-bit vdso text, and its size (ckpt_mm.c). A
 * restarted task keeps its vdso address and the function addresses libc
 * found there, so restart needs the very same vdso.
 */
u64 ckpt_vdso_csum(u32 *size);

/* ---- entry points (ckpt_checkpoint.c, ckpt_restart.c) ---------------------- */

struct ckpt_ioc_checkpoint;
struct ckpt_ioc_restore_begin;
struct ckpt_ioc_restore_wait;

int ckpt_do_checkpoint(struct ckpt_errctx *err, struct ckpt_ioc_checkpoint *arg);

/* The restart context hangs off the coordinator's open /dev/ckpt file. */
int ckpt_restart_begin(struct ckpt_errctx *err, struct ckpt_ctx **ctxp,
		       struct ckpt_ioc_restore_begin *arg);
long ckpt_restart_task(struct ckpt_errctx *err, struct ckpt_ctx *ctx);
int ckpt_restart_wait(struct ckpt_errctx *err, struct ckpt_ctx *ctx,
		      struct ckpt_ioc_restore_wait *arg);
/* The coordinator's /dev/ckpt is closing: tasks not yet released die. */
void ckpt_restart_abandon(struct ckpt_ctx *ctx);
void ckpt_ctx_put(struct ckpt_ctx *ctx);

#endif /* CKPT_CR_H */
