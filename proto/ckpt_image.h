/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ckpt image format, version 1.
 *
 * This header is the one definition of the on-disk (on-wire) image. It is
 * included by the kernel module, the guest tools and the host tools, so it
 * uses only fixed-width uapi types, explicit padding and no bitfields.
 *
 * An image is a seek-free stream of records. Every record starts with a
 * struct ckpt_rec and is padded with zero bytes to an 8-byte boundary; the
 * next record starts at ALIGN(len, 8). All integers are little-endian.
 *
 * The first record is CKPT_REC_HEADER, the last is CKPT_REC_TRAILER. The
 * trailer carries the number of records before it and an xxh64 over every
 * byte before it (padding included), so a reader that streams the image can
 * tell a complete image from a truncated or damaged one.
 *
 * Shared objects (an mm shared by threads, a struct file shared by fds...)
 * are written once, tagged with an objref, and referred to by that objref
 * afterwards. An object always precedes its first reference.
 *
 * Record types with CKPT_REC_OPTIONAL set may be skipped by a reader that
 * does not know them; an unknown type without it makes the image invalid.
 * See docs/image-format.md.
 */
#ifndef CKPT_IMAGE_H
#define CKPT_IMAGE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <linux/types.h>
#endif

/* "CKPTIMG\0" read as a little-endian u64. */
#define CKPT_IMAGE_MAGIC 0x00474d4954504b43ULL
#define CKPT_IMAGE_VERSION 1

#define CKPT_REC_ALIGN 8
#define CKPT_REC_ALIGN_UP(x) (((x) + CKPT_REC_ALIGN - 1) & ~(__u64)(CKPT_REC_ALIGN - 1))

/* Hard upper bound on one record; readers refuse anything larger. */
#define CKPT_REC_MAX_LEN (1U << 24)

/* Bit 31 of a type: readers that do not know the type may skip it. */
#define CKPT_REC_OPTIONAL 0x80000000U

enum ckpt_arch {
	CKPT_ARCH_X86_64 = 1,
};

enum ckpt_rec_type {
	CKPT_REC_HEADER = 1,
	CKPT_REC_TRAILER = 2,
	/*
	 * Container, task and per-object records are numbered from 16 on;
	 * they are defined below as they are implemented. Numbers are never
	 * reused.
	 */
	CKPT_REC_FIRST_OBJECT = 16,
};

/* Every record begins with this. len includes the header, not padding. */
struct ckpt_rec {
	__u32 type;
	__u32 len;
};

#define CKPT_UTS_LEN 65
#define CKPT_RELEASE_LEN 72

/* Header flags. */
#define CKPT_IMAGE_F_NONE 0
#define CKPT_IMAGE_F_ALL 0ULL

struct ckpt_rec_header {
	struct ckpt_rec h;
	__u64 magic;		/* CKPT_IMAGE_MAGIC */
	__u32 version;		/* CKPT_IMAGE_VERSION */
	__u32 arch;		/* enum ckpt_arch */
	__u32 page_size;
	__u32 xsave_size;	/* bytes of the xsave area per task */
	__u64 xsave_features;	/* XCR0 features present in xsave areas */
	__u64 created_ns;	/* CLOCK_REALTIME at checkpoint, ns */
	__u64 flags;		/* CKPT_IMAGE_F_*, unknown bits invalid */
	char kernel_release[CKPT_RELEASE_LEN]; /* NUL-terminated uname -r */
	__u64 reserved[4];	/* must be zero */
};

enum ckpt_csum_kind {
	CKPT_CSUM_XXH64 = 1,	/* xxh64, seed 0 */
};

struct ckpt_rec_trailer {
	struct ckpt_rec h;
	__u32 nr_records;	/* records before the trailer, header included */
	__u32 csum_kind;	/* enum ckpt_csum_kind */
	__u64 stream_len;	/* bytes before the trailer */
	__u64 csum;		/* over those bytes */
	__u64 reserved[2];	/* must be zero */
};

#endif /* CKPT_IMAGE_H */
