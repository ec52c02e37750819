// SPDX-License-Identifier: GPL-2.0-only
/*
 * Error text for one ioctl call: see ckpt_err.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ckpt_uapi.h"
#include "ckpt_err.h"

void ckpt_err_init(struct ckpt_errctx *ctx)
{
	ctx->msg = NULL;
	ctx->err = 0;
	ctx->ubuf = NULL;
	ctx->ubuf_len = 0;
}

void ckpt_err_set_ubuf(struct ckpt_errctx *ctx, u64 ubuf, u32 ubuf_len)
{
	ctx->ubuf = u64_to_user_ptr(ubuf);
	ctx->ubuf_len = ubuf ? ubuf_len : 0;
}

int ckpt_err(struct ckpt_errctx *ctx, int err, const char *fmt, ...)
{
	va_list args;
	char *msg;

	WARN_ON_ONCE(err >= 0);
	va_start(args, fmt);
	msg = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);

	if (ctx->err) {
		/* Keep the first, most specific message of the call. */
		pr_debug("dropped later error %d: %s\n", err, msg ? msg : "");
		kfree(msg);
		return err;
	}
	ctx->err = err;
	/* Without memory the caller still gets the errno, and finish() a generic text. */
	ctx->msg = msg;
	pr_debug("error %d: %s\n", err, msg ? msg : "(no memory for the text)");
	return err;
}

void ckpt_err_prefix(struct ckpt_errctx *ctx, const char *fmt, ...)
{
	va_list args;
	char *prefix, *msg;

	if (!ctx->msg)
		return;
	va_start(args, fmt);
	prefix = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	if (!prefix)
		return;
	msg = kasprintf(GFP_KERNEL, "%s: %s", prefix, ctx->msg);
	kfree(prefix);
	if (!msg)
		return;
	kfree(ctx->msg);
	ctx->msg = msg;
}

void ckpt_err_clear(struct ckpt_errctx *ctx)
{
	kfree(ctx->msg);
	ctx->msg = NULL;
	ctx->err = 0;
}

const char *ckpt_err_msg(const struct ckpt_errctx *ctx)
{
	return ctx->msg;
}

/* Copy text to the user buffer, truncated and always NUL-terminated. */
static void ckpt_err_copy_out(struct ckpt_errctx *ctx, const char *text)
{
	size_t len = min_t(size_t, ctx->ubuf_len, CKPT_ERRBUF_MAX);
	size_t n;

	if (!ctx->ubuf || !len)
		return;
	n = min(strlen(text), len - 1);
	if (copy_to_user(ctx->ubuf, text, n) ||
	    put_user('\0', ctx->ubuf + n))
		pr_debug("error text not copied: errbuf is not writable\n");
}

long ckpt_err_finish(struct ckpt_errctx *ctx, const char *call, long ret)
{
	char generic[64];

	if (ret < 0) {
		if (ctx->msg && ctx->err == ret) {
			ckpt_err_copy_out(ctx, ctx->msg);
		} else {
			/*
			 * Either nobody recorded a text, or the recorded one
			 * belongs to an error that was handled and replaced by
			 * another: don't show a text that explains the wrong
			 * errno.
			 */
			snprintf(generic, sizeof(generic), "%s failed with error %ld",
				 call, ret);
			ckpt_err_copy_out(ctx, generic);
		}
	}
	kfree(ctx->msg);
	ctx->msg = NULL;
	return ret;
}
