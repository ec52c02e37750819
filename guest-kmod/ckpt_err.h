/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error text for one ioctl call.
 *
 * Every ioctl argument struct carries a user buffer (errbuf, errbuf_len).
 * A call owns one struct ckpt_errctx. The code that detects a failure
 * records the errno and one message naming the object and the cause:
 *
 *	return ckpt_err(ctx, -EINVAL, "record %u (%s) at byte %llu: end < start",
 *			idx, name, off);
 *
 * The first message wins, because the deepest caller knows the most; outer
 * layers add context with ckpt_err_prefix(ctx, "pid %d", pid), giving
 * "pid 7: record 12 (vma) at byte 4096: end < start". When the call ends,
 * ckpt_err_finish() copies the text to the user buffer if the call failed.
 */
#ifndef CKPT_ERR_H
#define CKPT_ERR_H

#include <linux/compiler.h>
#include <linux/types.h>

struct ckpt_errctx {
	char *msg;		/* kmalloc'ed message, NULL until one is recorded */
	int err;		/* errno of the first ckpt_err(), 0 if none */
	u32 ubuf_len;		/* user buffer length, 0 if none */
	char __user *ubuf;	/* user buffer, NULL until known */
};

/* Start a call: no message, no user buffer yet. */
void ckpt_err_init(struct ckpt_errctx *ctx);

/*
 * Tell the context where the user wants the text (the errbuf and errbuf_len
 * fields of the argument struct). Until then a failure has nowhere to go
 * but its errno.
 */
void ckpt_err_set_ubuf(struct ckpt_errctx *ctx, u64 ubuf, u32 ubuf_len);

/*
 * Record a failure: err is a negative errno, returned unchanged so a caller
 * can write "return ckpt_err(...)". Only the first message of a call is
 * kept; later ones are dropped (pr_debug shows them).
 */
__printf(3, 4) int ckpt_err(struct ckpt_errctx *ctx, int err,
			    const char *fmt, ...);

/* Prepend "PREFIX: " to the recorded message, if there is one. */
__printf(2, 3) void ckpt_err_prefix(struct ckpt_errctx *ctx,
				    const char *fmt, ...);

/*
 * Forget a recorded failure that the caller handled (e.g. by a fallback),
 * so that the next failure records its own message.
 */
void ckpt_err_clear(struct ckpt_errctx *ctx);

/* The recorded message, or NULL. */
const char *ckpt_err_msg(const struct ckpt_errctx *ctx);

/*
 * End a call that returns ret. On failure (ret < 0) the message, or a
 * generic one naming call and errno if none was recorded, is copied
 * NUL-terminated (truncated to the buffer and to CKPT_ERRBUF_MAX) to the user
 * buffer. A fault while copying does not change ret. Frees the message and
 * returns ret.
 */
long ckpt_err_finish(struct ckpt_errctx *ctx, const char *call, long ret);

#endif /* CKPT_ERR_H */
