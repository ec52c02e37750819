// SPDX-License-Identifier: GPL-2.0-only
/*
 * PIPE objects: an anonymous pipe or the pipe behind an open FIFO, with the
 * data buffered in it (CKPT_REC_PIPE).
 *
 * Checkpoint copies the buffered bytes out under the pipe's lock without
 * consuming them, so a container that keeps running after the checkpoint
 * still reads them.
 *
 * Restart cannot tell from the PIPE record alone whether the pipe was
 * anonymous or a FIFO: the FILE records that refer to it say so. So the
 * record is kept (data included) until its first file is restored, which
 * creates the pipe: create_pipe_files() for an anonymous pipe, a holder
 * open of the FIFO's path otherwise. The data is written back through a
 * non-blocking end, after the ring was sized as at checkpoint, so it
 * always fits and the write never waits. The object hash keeps both ends
 * (or the holder) until the operation ends: while tasks restore one after
 * another, every pipe still has a reader and a writer, so no FIFO open
 * blocks and no write raises SIGPIPE.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>
#include <linux/stat.h>

#include "ckpt_cr.h"
#include "ckpt_pipe.h"
#include "ckpt_resolve.h"

/* Buffered bytes that fit in one record after its fixed part. */
#define CKPT_PIPE_DATA_MAX \
	(CKPT_REC_MAX_LEN - sizeof(struct ckpt_rec_pipe))

/* F_SETPIPE_SZ takes at most 2^31 bytes (round_pipe_size()). */
#define CKPT_PIPE_SIZE_MAX 0x80000000U

/* ---- checkpoint ------------------------------------------------------------ */

static struct pipe_buffer *ckpt_pipe_buf(struct pipe_inode_info *pipe,
					 unsigned int slot)
{
	return &pipe->bufs[slot & (pipe->ring_size - 1)];
}

/* Check pipe and count its buffered bytes; the caller holds pipe_lock(). */
static int ckpt_pipe_check_locked(struct ckpt_ctx *ctx,
				  struct pipe_inode_info *pipe, size_t *len)
{
	unsigned int slot;
	size_t n = 0;

	if (pipe_has_watch_queue(pipe))
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"notification pipe (O_NOTIFICATION_PIPE) not supported");
	for (slot = pipe->tail; slot != pipe->head; slot++) {
		struct pipe_buffer *buf = ckpt_pipe_buf(pipe, slot);

		/*
		 * Packets keep their boundaries on read; the PIPE record
		 * holds a byte stream and cannot rebuild them.
		 */
		if (buf->flags & PIPE_BUF_FLAG_PACKET)
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"packet-mode (O_DIRECT) pipe holding data not supported");
		n += buf->len;
	}
	if (n > CKPT_PIPE_DATA_MAX)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pipe holds %zu bytes, more than the %zu a record can carry: not supported",
				n, (size_t)CKPT_PIPE_DATA_MAX);
	*len = n;
	return 0;
}

int ckpt_pipe_precheck(struct ckpt_ctx *ctx, struct pipe_inode_info *pipe)
{
	size_t len;
	int err;

	pipe_lock(pipe);
	err = ckpt_pipe_check_locked(ctx, pipe, &len);
	pipe_unlock(pipe);
	return err;
}

/*
 * Copy the buffered bytes into data (len of them, as counted by the check)
 * without consuming them. The caller holds pipe_lock().
 */
static int ckpt_pipe_copy_locked(struct ckpt_ctx *ctx,
				 struct pipe_inode_info *pipe, u8 *data)
{
	unsigned int slot;
	size_t off = 0;
	int err;

	for (slot = pipe->tail; slot != pipe->head; slot++) {
		struct pipe_buffer *buf = ckpt_pipe_buf(pipe, slot);
		void *p;

		/* Spliced page cache pages may still be under I/O. */
		err = pipe_buf_confirm(pipe, buf);
		if (err)
			return ckpt_err(ctx->err, err,
					"pipe buffer unreadable (error %d)", err);
		p = kmap_local_page(buf->page);
		memcpy(data + off, p + buf->offset, buf->len);
		kunmap_local(p);
		off += buf->len;
	}
	return 0;
}

int ckpt_pipe_checkpoint_ref(struct ckpt_ctx *ctx,
			     struct pipe_inode_info *pipe, u32 *objref)
{
	struct ckpt_rec_pipe rec = {};
	u8 *data = NULL;
	size_t len;
	bool first;
	int err;

	rec.objref = ckpt_obj_checkpoint(ctx, pipe, CKPT_OBJ_PIPE, &first);
	if (!rec.objref)
		return -ENOMEM;
	*objref = rec.objref;
	if (!first)
		return 0;

	pipe_lock(pipe);
	err = ckpt_pipe_check_locked(ctx, pipe, &len);
	if (!err && len) {
		data = kvmalloc(len, GFP_KERNEL);
		if (!data)
			err = ckpt_err(ctx->err, -ENOMEM,
				       "no memory for %zu bytes of pipe data", len);
	}
	if (!err && len)
		err = ckpt_pipe_copy_locked(ctx, pipe, data);
	/* What F_GETPIPE_SZ reports. */
	rec.buf_size = pipe->max_usage * PAGE_SIZE;
	pipe_unlock(pipe);

	if (!err) {
		rec.data_len = len;
		err = ckpt_write_rec_tail(ctx, CKPT_REC_PIPE, &rec, sizeof(rec),
					  data, len);
	}
	kvfree(data);
	return err;
}

/* ---- restart ---------------------------------------------------------------- */

struct ckpt_pipe_obj {
	u32 objref;
	u32 buf_size;
	u32 data_len;
	u8 *data;		/* the buffered bytes, until the pipe exists */
	u32 kind;		/* 0 until made: CKPT_FILE_PIPE or CKPT_FILE_FIFO */
	struct file *ends[2];	/* anonymous pipe: read end, write end */
	bool handed_out[2];	/* ends[i] was given to a FILE object */
	struct file *holder;	/* FIFO: O_RDWR | O_NONBLOCK, keeps the pipe */
};

static void ckpt_pipe_obj_release(void *ptr)
{
	struct ckpt_pipe_obj *obj = ptr;

	kvfree(obj->data);
	if (obj->ends[0])
		fput(obj->ends[0]);
	if (obj->ends[1])
		fput(obj->ends[1]);
	if (obj->holder)
		fput(obj->holder);
	kfree(obj);
}

static int ckpt_pipe_check_rec(struct ckpt_ctx *ctx, struct ckpt_rec_pipe *rec,
			       u32 tail)
{
	int err;

	err = ckpt_check_zero(ctx, &rec->pad, sizeof(rec->pad), "pad") ?:
	      ckpt_check_zero(ctx, rec->reserved, sizeof(rec->reserved),
			      "reserved");
	if (err)
		return err;
	if (!rec->objref || ckpt_obj_known(ctx, rec->objref))
		return ckpt_rec_err(ctx, -EINVAL, "objref %u is %s", rec->objref,
				    rec->objref ? "defined twice" : "zero");
	/* F_GETPIPE_SZ is always a power-of-two number of pages. */
	if (rec->buf_size < PAGE_SIZE || rec->buf_size > CKPT_PIPE_SIZE_MAX ||
	    rec->buf_size % PAGE_SIZE ||
	    !is_power_of_2(rec->buf_size / PAGE_SIZE))
		return ckpt_rec_err(ctx, -EINVAL,
				    "buf_size %u is not a power-of-two number of pages up to %u bytes",
				    rec->buf_size, CKPT_PIPE_SIZE_MAX);
	if (rec->data_len != tail)
		return ckpt_rec_err(ctx, -EINVAL,
				    "data_len %u, but %u bytes follow",
				    rec->data_len, tail);
	if (rec->data_len > rec->buf_size)
		return ckpt_rec_err(ctx, -EINVAL,
				    "%u bytes of data in a %u-byte pipe",
				    rec->data_len, rec->buf_size);
	return 0;
}

int ckpt_pipe_restore(struct ckpt_ctx *ctx)
{
	struct ckpt_pipe_obj *obj;
	struct ckpt_rec_pipe rec;
	u32 tail;
	int err;

	err = ckpt_read_rec_tail(ctx, CKPT_REC_PIPE, &rec, sizeof(rec), &tail);
	if (err)
		return err;
	err = ckpt_pipe_check_rec(ctx, &rec, tail);
	if (err)
		return err;
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return ckpt_rec_err(ctx, -ENOMEM, "no memory for a pipe");
	obj->objref = rec.objref;
	obj->buf_size = rec.buf_size;
	obj->data_len = rec.data_len;
	if (rec.data_len) {
		obj->data = kvmalloc(rec.data_len, GFP_KERNEL);
		if (!obj->data) {
			ckpt_pipe_obj_release(obj);
			return ckpt_rec_err(ctx, -ENOMEM,
					    "no memory for %u bytes of pipe data",
					    rec.data_len);
		}
	}
	err = ckpt_read_data(ctx, obj->data, rec.data_len) ?:
	      ckpt_read_rec_end(ctx);
	if (err) {
		ckpt_pipe_obj_release(obj);
		return err;
	}
	/* On failure ckpt_obj_add() releases obj itself. */
	return ckpt_obj_add(ctx, rec.objref, CKPT_OBJ_PIPE, obj,
			    ckpt_pipe_obj_release);
}

/*
 * Size the new pipe as it was and write its data back through wfile, a
 * non-blocking writer.
 */
static int ckpt_pipe_fill(struct ckpt_ctx *ctx, struct ckpt_pipe_obj *obj,
			  struct file *wfile)
{
	u32 done = 0;
	long ret;

	/* The restorer may exceed pipe-max-size: it has CAP_SYS_RESOURCE. */
	ret = ckpt_sym.pipe_fcntl(wfile, F_SETPIPE_SZ, obj->buf_size);
	if (ret < 0)
		return ckpt_rec_err(ctx, ret,
				    "pipe objref %u: cannot set its size to %u bytes (error %ld)",
				    obj->objref, obj->buf_size, ret);
	while (done < obj->data_len) {
		ssize_t n = kernel_write(wfile, obj->data + done,
					 obj->data_len - done, NULL);

		if (n <= 0)
			return ckpt_rec_err(ctx, n ? n : -EIO,
					    "pipe objref %u: writing back its %u bytes of data failed after %u (error %zd)",
					    obj->objref, obj->data_len, done, n);
		done += n;
	}
	kvfree(obj->data);
	obj->data = NULL;
	return 0;
}

static struct ckpt_pipe_obj *ckpt_pipe_fetch(struct ckpt_ctx *ctx,
					     u32 pipe_ref, u32 kind)
{
	struct ckpt_pipe_obj *obj = ckpt_obj_fetch(ctx, pipe_ref, CKPT_OBJ_PIPE);

	if (IS_ERR(obj))
		return obj;
	if (obj->kind && obj->kind != kind) {
		ckpt_rec_err(ctx, -EINVAL,
			     "pipe objref %u is %s, not %s", pipe_ref,
			     obj->kind == CKPT_FILE_FIFO ? "a FIFO's" : "an anonymous pipe",
			     kind == CKPT_FILE_FIFO ? "a FIFO's" : "an anonymous pipe");
		return ERR_PTR(-EINVAL);
	}
	return obj;
}

/* Flags an end of an anonymous pipe takes as they were (see setfl()). */
static void ckpt_pipe_set_flags(struct file *file, u32 f_flags)
{
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & O_ACCMODE) | (f_flags & ~O_ACCMODE);
	spin_unlock(&file->f_lock);
}

struct file *ckpt_pipe_open_end(struct ckpt_ctx *ctx, u32 pipe_ref,
				u32 f_flags)
{
	struct ckpt_pipe_obj *obj;
	u32 acc = f_flags & O_ACCMODE;
	struct file *file;
	int end, err;

	obj = ckpt_pipe_fetch(ctx, pipe_ref, CKPT_FILE_PIPE);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	if (!obj->kind) {
		/* Non-blocking, so refilling can never wait. */
		err = ckpt_sym.create_pipe_files(obj->ends, O_NONBLOCK);
		if (err) {
			obj->ends[0] = NULL;
			obj->ends[1] = NULL;
			ckpt_rec_err(ctx, err, "cannot create pipe objref %u (error %d)",
				     pipe_ref, err);
			return ERR_PTR(err);
		}
		obj->kind = CKPT_FILE_PIPE;
		err = ckpt_pipe_fill(ctx, obj, obj->ends[1]);
		if (err)
			return ERR_PTR(err);
	}

	end = acc == O_WRONLY;
	if (acc != O_RDWR && !obj->handed_out[end]) {
		obj->handed_out[end] = true;
		file = get_file(obj->ends[end]);
		ckpt_pipe_set_flags(file, f_flags);
		return file;
	}
	/*
	 * Another open file description of the same pipe: the process had
	 * reopened it through /proc/PID/fd/N. Opening the pipe's inode again
	 * does what that open did (fifo_open()); it cannot block, the pipe
	 * has both a reader and a writer.
	 */
	file = dentry_open(&obj->ends[0]->f_path, f_flags, current_cred());
	if (IS_ERR(file))
		ckpt_rec_err(ctx, PTR_ERR(file),
			     "cannot reopen pipe objref %u with flags 0%o (error %ld)",
			     pipe_ref, f_flags, PTR_ERR(file));
	return file;
}

/*
 * Nobody but the holder may have the FIFO open: another opener (outside
 * the container) still has the pipe and whatever is left of its data, and
 * refilling it would duplicate that.
 */
static int ckpt_pipe_fifo_alone(struct ckpt_ctx *ctx, struct ckpt_pipe_obj *obj,
				const char *path)
{
	struct pipe_inode_info *pipe = obj->holder->private_data;
	unsigned int readers, writers;

	pipe_lock(pipe);
	readers = pipe->readers;
	writers = pipe->writers;
	pipe_unlock(pipe);
	if (readers != 1 || writers != 1)
		return ckpt_rec_err(ctx, -EBUSY,
				    "FIFO %s is open outside the container (%u readers, %u writers besides the restart): its data cannot be restored",
				    path, readers - 1, writers - 1);
	return 0;
}

struct file *ckpt_pipe_open_fifo(struct ckpt_ctx *ctx, u32 pipe_ref,
				 const char *path, u32 f_flags)
{
	struct ckpt_pipe_obj *obj;
	struct file *file;
	int err;

	obj = ckpt_pipe_fetch(ctx, pipe_ref, CKPT_FILE_FIFO);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	if (!obj->kind) {
		file = ckpt_file_open_path(ctx, path, O_RDWR | O_NONBLOCK,
					   S_IFIFO, 0);
		if (IS_ERR(file))
			return file;
		obj->holder = file;
		obj->kind = CKPT_FILE_FIFO;
		err = ckpt_pipe_fifo_alone(ctx, obj, path) ?:
		      ckpt_pipe_fill(ctx, obj, obj->holder);
		if (err)
			return ERR_PTR(err);
	}

	file = ckpt_file_open_path(ctx, path, f_flags, S_IFIFO, 0);
	if (IS_ERR(file))
		return file;
	/* Another FIFO now sits at that path, or a link to another one. */
	if (file->private_data != obj->holder->private_data) {
		fput(file);
		ckpt_rec_err(ctx, -EINVAL,
			     "FIFO %s is not the FIFO of pipe objref %u opened earlier",
			     path, pipe_ref);
		return ERR_PTR(-EINVAL);
	}
	return file;
}
