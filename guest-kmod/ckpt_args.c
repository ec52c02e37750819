// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl argument structs in and out: see ckpt_args.h.
 *
 * The rules are those of copy_struct_from_user(). It is open-coded in two
 * steps because the error buffer is itself a field of the struct: the
 * struct is fetched first, so that a bad size or a non-zero tail can be
 * explained in that buffer, then checked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ckpt_args.h"

/* Every argument struct starts like this. */
struct ckpt_args_head {
	u32 size;
	u32 flags;
};

int ckpt_args_fetch(const struct ckpt_args_layout *l, const void __user *uarg,
		    void *kbuf, u32 *usize, struct ckpt_errctx *ctx)
{
	u32 size, len;
	u64 errbuf;
	u32 errbuf_len;

	if (get_user(size, (const u32 __user *)uarg))
		return ckpt_err(ctx, -EFAULT, "%s: argument is not readable",
				l->name);
	len = min_t(u32, size, l->ksize);
	memset(kbuf, 0, l->ksize);
	if (copy_from_user(kbuf, uarg, len))
		return ckpt_err(ctx, -EFAULT, "%s: argument (%u bytes) is not readable",
				l->name, len);
	*usize = size;

	/* A struct too short to hold errbuf and errbuf_len has no error text. */
	if (len >= l->errbuf_off + sizeof(u64) &&
	    len >= l->errbuf_len_off + sizeof(u32)) {
		memcpy(&errbuf, kbuf + l->errbuf_off, sizeof(errbuf));
		memcpy(&errbuf_len, kbuf + l->errbuf_len_off, sizeof(errbuf_len));
		ckpt_err_set_ubuf(ctx, errbuf, errbuf_len);
	}
	return 0;
}

static int ckpt_args_check_size(const struct ckpt_args_layout *l,
				const void __user *uarg, u32 usize,
				struct ckpt_errctx *ctx)
{
	int ret;

	if (usize < l->v1size)
		return ckpt_err(ctx, -EINVAL,
				"%s: size %u is smaller than the version-1 struct (%u bytes)",
				l->name, usize, l->v1size);
	if (usize <= l->ksize)
		return 0;
	if (usize > CKPT_ARGS_MAX_SIZE)
		return ckpt_err(ctx, -E2BIG, "%s: size %u is larger than the limit of %u bytes",
				l->name, usize, CKPT_ARGS_MAX_SIZE);

	/* A newer caller: fine as long as it uses nothing this module lacks. */
	ret = check_zeroed_user(uarg + l->ksize, usize - l->ksize);
	if (ret < 0)
		return ckpt_err(ctx, ret, "%s: bytes %u..%u of the argument are not readable",
				l->name, l->ksize, usize - 1);
	if (!ret)
		return ckpt_err(ctx, -E2BIG,
				"%s: size %u, but this module knows %u bytes and bytes %u..%u are not zero",
				l->name, usize, l->ksize, l->ksize, usize - 1);
	return 0;
}

int ckpt_args_check(const struct ckpt_args_layout *l, const void __user *uarg,
		    const void *kbuf, u32 usize, struct ckpt_errctx *ctx)
{
	const struct ckpt_args_head *head = kbuf;
	int ret, i;

	ret = ckpt_args_check_size(l, uarg, usize, ctx);
	if (ret)
		return ret;

	if (head->flags & ~l->valid_flags)
		return ckpt_err(ctx, -EINVAL, "%s: unknown flags 0x%x (known: 0x%x)",
				l->name, head->flags & ~l->valid_flags,
				l->valid_flags);

	for (i = 0; i < CKPT_ARGS_MAX_ZERO && l->zero[i].name; i++) {
		const struct ckpt_args_zero *z = &l->zero[i];
		const u8 *bad = memchr_inv(kbuf + z->off, 0, z->len);

		if (bad)
			return ckpt_err(ctx, -EINVAL,
					"%s: field %s (bytes %u..%u) must be zero, byte %td is 0x%02x",
					l->name, z->name, z->off, z->off + z->len - 1,
					bad - (const u8 *)kbuf, *bad);
	}
	return 0;
}

int ckpt_args_copy_out(const struct ckpt_args_layout *l, void __user *uarg,
		       const void *kbuf, u32 usize, struct ckpt_errctx *ctx)
{
	if (copy_to_user(uarg, kbuf, min_t(u32, usize, l->ksize)))
		return ckpt_err(ctx, -EFAULT, "%s: argument (%u bytes) is not writable",
				l->name, min_t(u32, usize, l->ksize));
	return 0;
}
