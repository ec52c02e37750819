// SPDX-License-Identifier: GPL-2.0-only
/*
 * Record I/O on the image stream.
 *
 * The image goes to or comes from any file: a regular file, a pipe or a
 * socket. It is never seeked, so the same code serves "ckpt checkpoint -o -"
 * piped into the agent's vsock stream. Bytes are buffered in both
 * directions; every byte before the trailer goes through the xxh64 the
 * trailer carries.
 *
 * On restart, tasks take turns reading from one shared stream; the read
 * buffer belongs to the stream, so reading ahead of the current task's
 * section is harmless.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bvec.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "ckpt_cr.h"
#include "ckpt_stream.h"

#define CKPT_STREAM_BUF SZ_1M
/* Pages handed to the file in one write by ckpt_write_pages(). */
#define CKPT_STREAM_BVECS 64

static const char *const ckpt_rec_names[CKPT_REC_FIRST_UNUSED] = {
	[CKPT_REC_HEADER] = "header",
	[CKPT_REC_TRAILER] = "trailer",
	[CKPT_REC_CONTAINER] = "container",
	[CKPT_REC_TASK] = "task",
	[CKPT_REC_TASK_BEGIN] = "task_begin",
	[CKPT_REC_CREDS] = "creds",
	[CKPT_REC_MM] = "mm",
	[CKPT_REC_VMA] = "vma",
	[CKPT_REC_PAGES] = "pages",
	[CKPT_REC_FILE] = "file",
	[CKPT_REC_PIPE] = "pipe",
	[CKPT_REC_FILES] = "files",
	[CKPT_REC_FD] = "fd",
	[CKPT_REC_FS] = "fs",
	[CKPT_REC_SIGHAND] = "sighand",
	[CKPT_REC_SIGNAL] = "signal",
	[CKPT_REC_SIGINFO] = "siginfo",
	[CKPT_REC_CPU] = "cpu",
	[CKPT_REC_XSAVE] = "xsave",
};

const char *ckpt_rec_name(u32 type)
{
	if (type < ARRAY_SIZE(ckpt_rec_names) && ckpt_rec_names[type])
		return ckpt_rec_names[type];
	return "unknown";
}

int ckpt_rec_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...)
{
	struct ckpt_stream *s = &ctx->stream;
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	err = ckpt_err(ctx->err, err, "record %u (%s) at byte %llu: %pV",
		       s->rec_index, ckpt_rec_name(s->rec_type), s->rec_offset,
		       &vaf);
	va_end(args);
	return err;
}

int ckpt_check_zero(struct ckpt_ctx *ctx, const void *p, size_t len,
		    const char *field)
{
	if (memchr_inv(p, 0, len))
		return ckpt_rec_err(ctx, -EINVAL, "%s must be zero", field);
	return 0;
}

int ckpt_stream_init(struct ckpt_ctx *ctx, struct file *file, bool writing)
{
	struct ckpt_stream *s = &ctx->stream;

	if (writing && !(file->f_mode & FMODE_WRITE))
		return ckpt_err(ctx->err, -EBADF, "image fd is not open for writing");
	if (!writing && !(file->f_mode & FMODE_READ))
		return ckpt_err(ctx->err, -EBADF, "image fd is not open for reading");
	s->buf = kvmalloc(CKPT_STREAM_BUF, GFP_KERNEL);
	if (!s->buf)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for the stream buffer");
	s->buf_size = CKPT_STREAM_BUF;
	s->file = get_file(file);
	xxh64_reset(&s->csum, 0);
	return 0;
}

void ckpt_stream_release(struct ckpt_stream *s)
{
	kvfree(s->buf);
	s->buf = NULL;
	kfree(s->bvec);
	s->bvec = NULL;
	if (s->file)
		fput(s->file);
	s->file = NULL;
}

/* A stream file (pipe, socket) has no position; a regular file has one. */
static loff_t *ckpt_stream_ppos(struct file *file)
{
	return (file->f_mode & FMODE_STREAM) ? NULL : &file->f_pos;
}

/* ---- writing ------------------------------------------------------------ */

/* Explain a failed or short write of the image at byte at. */
static int ckpt_write_error(struct ckpt_ctx *ctx, ssize_t n, u64 at)
{
	if (n == -EINTR || n == -ERESTARTSYS || fatal_signal_pending(current))
		return ckpt_err(ctx->err, -EINTR,
				"writing the image at byte %llu: interrupted", at);
	if (n == -EPIPE)
		return ckpt_err(ctx->err, n,
				"writing the image at byte %llu: the reader closed the stream (EPIPE)",
				at);
	if (n < 0)
		return ckpt_err(ctx->err, n, "writing the image at byte %llu: %pe",
				at, ERR_PTR(n));
	return ckpt_err(ctx->err, -EIO,
			"writing the image at byte %llu: no progress", at);
}

int ckpt_write_flush(struct ckpt_ctx *ctx)
{
	struct ckpt_stream *s = &ctx->stream;
	size_t done = 0;

	while (done < s->buf_pos) {
		ssize_t n = kernel_write(s->file, s->buf + done,
					 s->buf_pos - done,
					 ckpt_stream_ppos(s->file));

		if (n <= 0 || fatal_signal_pending(current))
			return ckpt_write_error(ctx, n, s->offset - s->buf_pos + done);
		done += n;
	}
	s->buf_pos = 0;
	return 0;
}

/* Hand up to CKPT_STREAM_BVECS pages to the file in one write. */
static int ckpt_write_page_batch(struct ckpt_ctx *ctx, struct page **pages,
				 unsigned long nr)
{
	struct ckpt_stream *s = &ctx->stream;
	struct iov_iter iter;
	unsigned long i;

	for (i = 0; i < nr; i++) {
		void *kaddr = kmap_local_page(pages[i]);

		xxh64_update(&s->csum, kaddr, PAGE_SIZE);
		kunmap_local(kaddr);
		s->bvec[i].bv_page = pages[i];
		s->bvec[i].bv_offset = 0;
		s->bvec[i].bv_len = PAGE_SIZE;
	}
	iov_iter_bvec(&iter, ITER_SOURCE, s->bvec, nr, nr << PAGE_SHIFT);
	while (iov_iter_count(&iter)) {
		ssize_t n;

		file_start_write(s->file);
		n = vfs_iter_write(s->file, &iter, ckpt_stream_ppos(s->file), 0);
		file_end_write(s->file);
		if (n <= 0 || fatal_signal_pending(current))
			return ckpt_write_error(ctx, n, s->offset);
		s->offset += n;
	}
	return 0;
}

int ckpt_write_pages(struct ckpt_ctx *ctx, struct page **pages, unsigned long nr)
{
	struct ckpt_stream *s = &ctx->stream;
	unsigned long done = 0;
	int err;

	if (WARN_ON_ONCE(((u64)nr << PAGE_SHIFT) > s->rec_left))
		return ckpt_err(ctx->err, -EINVAL, "internal: record overrun");
	if (!s->bvec) {
		s->bvec = kcalloc(CKPT_STREAM_BVECS, sizeof(*s->bvec), GFP_KERNEL);
		if (!s->bvec)
			return ckpt_err(ctx->err, -ENOMEM, "no memory for page vectors");
	}
	/* What is buffered goes first: the stream stays in order. */
	err = ckpt_write_flush(ctx);
	while (!err && done < nr) {
		unsigned long n = min_t(unsigned long, nr - done, CKPT_STREAM_BVECS);

		err = ckpt_write_page_batch(ctx, pages + done, n);
		done += n;
	}
	if (!err)
		s->rec_left -= nr << PAGE_SHIFT;
	return err;
}

/* Queue bytes; everything written goes through the checksum. */
static int ckpt_stream_put(struct ckpt_ctx *ctx, const void *data, size_t len)
{
	struct ckpt_stream *s = &ctx->stream;
	const u8 *p = data;
	int err;

	while (len) {
		size_t n = min(len, s->buf_size - s->buf_pos);

		memcpy(s->buf + s->buf_pos, p, n);
		xxh64_update(&s->csum, p, n);
		s->buf_pos += n;
		s->offset += n;
		p += n;
		len -= n;
		if (s->buf_pos == s->buf_size) {
			err = ckpt_write_flush(ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

int ckpt_write_rec_begin(struct ckpt_ctx *ctx, u32 type, void *rec,
			 u32 fixed_len, u32 tail_len)
{
	struct ckpt_stream *s = &ctx->stream;
	struct ckpt_rec *h = rec;
	u64 len = (u64)fixed_len + tail_len;

	if (WARN_ON_ONCE(s->rec_left || fixed_len < sizeof(*h)))
		return ckpt_err(ctx->err, -EINVAL, "internal: bad record write");
	if (len > CKPT_REC_MAX_LEN)
		return ckpt_err(ctx->err, -E2BIG,
				"record %u (%s): %llu bytes is over the limit",
				s->nr_records, ckpt_rec_name(type), len);
	h->type = type;
	h->len = len;
	s->rec_index = s->nr_records;
	s->rec_type = type;
	s->rec_offset = s->offset;
	s->rec_len = len;
	s->rec_left = tail_len;
	return ckpt_stream_put(ctx, rec, fixed_len);
}

int ckpt_write_data(struct ckpt_ctx *ctx, const void *data, size_t len)
{
	struct ckpt_stream *s = &ctx->stream;

	if (WARN_ON_ONCE(len > s->rec_left))
		return ckpt_err(ctx->err, -EINVAL, "internal: record overrun");
	s->rec_left -= len;
	return ckpt_stream_put(ctx, data, len);
}

int ckpt_write_rec_end(struct ckpt_ctx *ctx)
{
	static const u8 zeros[CKPT_REC_ALIGN];
	struct ckpt_stream *s = &ctx->stream;
	u32 pad = CKPT_REC_ALIGN_UP(s->rec_len) - s->rec_len;

	if (WARN_ON_ONCE(s->rec_left))
		return ckpt_err(ctx->err, -EINVAL, "internal: short record");
	s->nr_records++;
	return ckpt_stream_put(ctx, zeros, pad);
}

int ckpt_write_rec_tail(struct ckpt_ctx *ctx, u32 type, void *rec,
			u32 fixed_len, const void *tail, u32 tail_len)
{
	return ckpt_write_rec_begin(ctx, type, rec, fixed_len, tail_len) ?:
	       ckpt_write_data(ctx, tail, tail_len) ?:
	       ckpt_write_rec_end(ctx);
}

int ckpt_write_rec(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len)
{
	return ckpt_write_rec_tail(ctx, type, rec, len, NULL, 0);
}

int ckpt_write_trailer(struct ckpt_ctx *ctx)
{
	struct ckpt_stream *s = &ctx->stream;
	struct ckpt_rec_trailer t = {
		.nr_records = s->nr_records,
		.csum_kind = CKPT_CSUM_XXH64,
		.stream_len = s->offset,
		.csum = xxh64_digest(&s->csum),
	};

	return ckpt_write_rec(ctx, CKPT_REC_TRAILER, &t, sizeof(t)) ?:
	       ckpt_write_flush(ctx);
}

/* ---- reading ------------------------------------------------------------ */

/* Make at least want bytes (<= buf_size) available; 0 or an error. */
static int ckpt_stream_fill(struct ckpt_ctx *ctx, size_t want)
{
	struct ckpt_stream *s = &ctx->stream;

	if (s->buf_fill - s->buf_pos >= want)
		return 0;
	memmove(s->buf, s->buf + s->buf_pos, s->buf_fill - s->buf_pos);
	s->buf_fill -= s->buf_pos;
	s->buf_pos = 0;
	while (s->buf_fill < want) {
		ssize_t n = kernel_read(s->file, s->buf + s->buf_fill,
					s->buf_size - s->buf_fill,
					ckpt_stream_ppos(s->file));

		if (n == -EINTR || n == -ERESTARTSYS || fatal_signal_pending(current))
			return ckpt_rec_err(ctx, -EINTR, "reading: interrupted");
		if (n < 0)
			return ckpt_rec_err(ctx, n, "reading: %pe", ERR_PTR(n));
		if (n == 0)
			return ckpt_rec_err(ctx, -EINVAL,
					    "truncated: the image ends at byte %llu",
					    s->offset + s->buf_fill);
		s->buf_fill += n;
	}
	return 0;
}

/* Consume len bytes into dst (kernel) or udst (user), checksumming them. */
static int ckpt_stream_take(struct ckpt_ctx *ctx, void *dst,
			    void __user *udst, size_t len)
{
	struct ckpt_stream *s = &ctx->stream;
	int err;

	while (len) {
		size_t n = min_t(size_t, len, s->buf_size);

		err = ckpt_stream_fill(ctx, min_t(size_t, n, s->buf_size));
		if (err)
			return err;
		n = min(n, s->buf_fill - s->buf_pos);
		if (dst) {
			memcpy(dst, s->buf + s->buf_pos, n);
			dst += n;
		} else if (copy_to_user(udst, s->buf + s->buf_pos, n)) {
			return ckpt_rec_err(ctx, -EFAULT,
					    "cannot write %zu bytes at user address 0x%lx",
					    n, (unsigned long)udst);
		} else {
			udst += n;
		}
		xxh64_update(&s->csum, s->buf + s->buf_pos, n);
		s->buf_pos += n;
		s->offset += n;
		len -= n;
	}
	return 0;
}

/*
 * Read the next record header. Optional records of other types are
 * skipped: a newer writer may add them and this reader may ignore them.
 */
static int ckpt_read_header(struct ckpt_ctx *ctx, u32 type, struct ckpt_rec *h)
{
	struct ckpt_stream *s = &ctx->stream;
	int err;

	for (;;) {
		s->rec_index = s->nr_records;
		s->rec_type = type;
		s->rec_offset = s->offset;
		err = ckpt_stream_take(ctx, h, NULL, sizeof(*h));
		if (err)
			return err;
		s->rec_type = h->type;
		s->rec_len = h->len;
		if (h->len < sizeof(*h) || h->len > CKPT_REC_MAX_LEN)
			return ckpt_rec_err(ctx, -EINVAL, "bad length %u", h->len);
		if (h->type == type)
			break;
		if (!(h->type & CKPT_REC_OPTIONAL))
			return ckpt_rec_err(ctx, -EINVAL,
					    "type %u where a %s record belongs",
					    h->type, ckpt_rec_name(type));
		s->rec_left = h->len - sizeof(*h);
		while (s->rec_left) {
			u8 skip[64];
			u32 n = min_t(u32, s->rec_left, sizeof(skip));

			err = ckpt_read_data(ctx, skip, n);
			if (err)
				return err;
		}
		err = ckpt_read_rec_end(ctx);
		if (err)
			return err;
	}
	s->rec_left = h->len - sizeof(*h);
	return 0;
}

int ckpt_read_rec_tail(struct ckpt_ctx *ctx, u32 type, void *rec,
		       u32 fixed_len, u32 *tail_len)
{
	struct ckpt_stream *s = &ctx->stream;
	struct ckpt_rec *h = rec;
	int err;

	err = ckpt_read_header(ctx, type, h);
	if (err)
		return err;
	if (h->len < fixed_len)
		return ckpt_rec_err(ctx, -EINVAL, "length %u is below %u",
				    h->len, fixed_len);
	err = ckpt_read_data(ctx, h + 1, fixed_len - sizeof(*h));
	if (err)
		return err;
	*tail_len = s->rec_left;
	return 0;
}

int ckpt_read_rec(struct ckpt_ctx *ctx, u32 type, void *rec, u32 len)
{
	u32 tail;
	int err;

	err = ckpt_read_rec_tail(ctx, type, rec, len, &tail);
	if (err)
		return err;
	if (tail)
		return ckpt_rec_err(ctx, -EINVAL, "length %u, expected %u",
				    len + tail, len);
	return ckpt_read_rec_end(ctx);
}

int ckpt_read_data(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	struct ckpt_stream *s = &ctx->stream;

	if (len > s->rec_left)
		return ckpt_rec_err(ctx, -EINVAL,
				    "needs %zu more bytes, the record has %u",
				    len, s->rec_left);
	s->rec_left -= len;
	return ckpt_stream_take(ctx, buf, NULL, len);
}

int ckpt_read_data_user(struct ckpt_ctx *ctx, void __user *ubuf, size_t len)
{
	struct ckpt_stream *s = &ctx->stream;

	if (len > s->rec_left)
		return ckpt_rec_err(ctx, -EINVAL,
				    "needs %zu more bytes, the record has %u",
				    len, s->rec_left);
	s->rec_left -= len;
	return ckpt_stream_take(ctx, NULL, ubuf, len);
}

int ckpt_read_rec_end(struct ckpt_ctx *ctx)
{
	struct ckpt_stream *s = &ctx->stream;
	u8 pad[CKPT_REC_ALIGN];
	u32 npad = CKPT_REC_ALIGN_UP(s->rec_len) - s->rec_len;
	int err;

	if (s->rec_left)
		return ckpt_rec_err(ctx, -EINVAL, "%u bytes left unread",
				    s->rec_left);
	err = ckpt_stream_take(ctx, pad, NULL, npad);
	if (err)
		return err;
	if (memchr_inv(pad, 0, npad))
		return ckpt_rec_err(ctx, -EINVAL, "non-zero padding");
	s->nr_records++;
	return 0;
}

char *ckpt_read_path(struct ckpt_ctx *ctx, u32 path_len)
{
	char *path;
	int err;

	if (path_len < 2 || path_len > CKPT_PATH_MAX) {
		ckpt_rec_err(ctx, -EINVAL, "path length %u out of range", path_len);
		return ERR_PTR(-EINVAL);
	}
	path = kmalloc(path_len, GFP_KERNEL);
	if (!path) {
		ckpt_rec_err(ctx, -ENOMEM, "no memory for a path");
		return ERR_PTR(-ENOMEM);
	}
	err = ckpt_read_data(ctx, path, path_len);
	if (!err && (path[path_len - 1] || strlen(path) != path_len - 1))
		err = ckpt_rec_err(ctx, -EINVAL, "path is not one NUL-terminated string");
	if (err) {
		kfree(path);
		return ERR_PTR(err);
	}
	return path;
}

int ckpt_read_trailer(struct ckpt_ctx *ctx)
{
	struct ckpt_stream *s = &ctx->stream;
	struct ckpt_rec_trailer t;
	u64 stream_len = s->offset;
	u32 nr_records = s->nr_records;
	u64 csum = xxh64_digest(&s->csum);
	int err;

	err = ckpt_read_rec(ctx, CKPT_REC_TRAILER, &t, sizeof(t));
	if (err)
		return err;
	err = ckpt_check_zero(ctx, t.reserved, sizeof(t.reserved), "reserved");
	if (err)
		return err;
	if (t.csum_kind != CKPT_CSUM_XXH64)
		return ckpt_rec_err(ctx, -EINVAL, "unknown checksum kind %u",
				    t.csum_kind);
	if (t.nr_records != nr_records)
		return ckpt_rec_err(ctx, -EINVAL,
				    "trailer counts %u records, the image has %u",
				    t.nr_records, nr_records);
	if (t.stream_len != stream_len)
		return ckpt_rec_err(ctx, -EINVAL,
				    "trailer says %llu bytes, the image has %llu",
				    t.stream_len, stream_len);
	if (t.csum != csum)
		return ckpt_rec_err(ctx, -EINVAL,
				    "checksum mismatch (image 0x%016llx, computed 0x%016llx)",
				    t.csum, csum);
	return 0;
}
