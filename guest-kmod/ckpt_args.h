/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copying ioctl argument structs in and out, with the rules of
 * proto/ckpt_uapi.h (docs/abi.md): every struct starts with __u32 size and
 * __u32 flags; a size below the version-1 struct is EINVAL; bytes beyond the
 * struct this module knows must be zero (else E2BIG); unknown flags and
 * non-zero reserved fields are EINVAL.
 */
#ifndef CKPT_ARGS_H
#define CKPT_ARGS_H

#include <linux/stddef.h>
#include <linux/types.h>

#include "ckpt_err.h"

/* A field (reserved words, padding) that version 1 requires to be zero. */
struct ckpt_args_zero {
	const char *name;
	u16 off;
	u16 len;
};

#define CKPT_ARGS_ZERO(type, field) \
	{ .name = #field, .off = offsetof(type, field), \
	  .len = sizeof_field(type, field) }

#define CKPT_ARGS_MAX_ZERO 4

/* How one ioctl's argument struct is laid out. */
struct ckpt_args_layout {
	const char *name;	/* "CKPT_IOC_HANDSHAKE", for error texts */
	u16 ksize;		/* sizeof the struct this module knows */
	u16 v1size;		/* sizeof its version-1 layout: the minimum */
	u16 errbuf_off;		/* offsetof errbuf (__u64) */
	u16 errbuf_len_off;	/* offsetof errbuf_len (__u32) */
	u32 valid_flags;	/* flag bits this module knows */
	struct ckpt_args_zero zero[CKPT_ARGS_MAX_ZERO];
};

#define CKPT_ARGS_LAYOUT(type, ioc_name, v1_end_field, flags_mask, ...)	\
	{								\
		.name = ioc_name,					\
		.ksize = sizeof(type),					\
		.v1size = offsetofend(type, v1_end_field),		\
		.errbuf_off = offsetof(type, errbuf),			\
		.errbuf_len_off = offsetof(type, errbuf_len),		\
		.valid_flags = flags_mask,				\
		.zero = { __VA_ARGS__ },				\
	}

/* Anything above this is refused with E2BIG, before reading it all. */
#define CKPT_ARGS_MAX_SIZE 4096U

/*
 * Copy the caller's struct into kbuf (l->ksize bytes, zero-filled past the
 * caller's size) and point ctx at its errbuf, so that every later failure,
 * validation included, can be explained. Stores the caller's size in
 * *usize. Fails only with -EFAULT.
 */
int ckpt_args_fetch(const struct ckpt_args_layout *l, const void __user *uarg,
		    void *kbuf, u32 *usize, struct ckpt_errctx *ctx);

/* Apply the size, trailing-bytes, flags and zero-field rules. */
int ckpt_args_check(const struct ckpt_args_layout *l, const void __user *uarg,
		    const void *kbuf, u32 usize, struct ckpt_errctx *ctx);

/*
 * Copy the (updated) struct back: as many bytes as both sides know, so a
 * caller built against an older, shorter struct gets its own layout.
 */
int ckpt_args_copy_out(const struct ckpt_args_layout *l, void __user *uarg,
		       const void *kbuf, u32 usize, struct ckpt_errctx *ctx);

#endif /* CKPT_ARGS_H */
