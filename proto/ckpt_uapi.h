/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * /dev/ckpt ioctl ABI, API version 1.
 *
 * Rules every call follows (see docs/abi.md):
 *  - The first call on an open /dev/ckpt must be CKPT_IOC_HANDSHAKE; any
 *    other call before it fails with EPROTO.
 *  - Every argument struct starts with __u32 size (the size userspace built
 *    it with) and __u32 flags. The kernel copies it with
 *    copy_struct_from_user() semantics: a size smaller than the version-1
 *    struct is EINVAL, a larger size is accepted only when the extra bytes
 *    are zero (else E2BIG), and sizes above 4096 are E2BIG.
 *  - Commands are matched by type, number and direction; the size bits of
 *    the command are ignored, so a grown struct keeps its call.
 *  - Unknown flag bits and non-zero reserved or pad fields are EINVAL.
 *  - Every struct carries errbuf/errbuf_len: on failure the module writes a
 *    NUL-terminated reason there ("pid 7 fd 4: AF_INET socket not
 *    supported") so userspace can show more than an errno. Success leaves
 *    it untouched.
 *  - Callers need CAP_SYS_ADMIN in the initial user namespace and must live
 *    in the initial pid namespace (EPERM); only CKPT_IOC_RESTORE_TASK, made
 *    by the tasks being restarted, comes from the container's pid namespace.
 *  - Fields are fixed-width and naturally aligned: one layout for 32- and
 *    64-bit callers.
 */
#ifndef CKPT_UAPI_H
#define CKPT_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CKPT_DEVICE_NAME "ckpt"
#define CKPT_API_VERSION 1

/* Features reported by the handshake: what this module can do. */
#define CKPT_FEAT_CHECKPOINT (1ULL << 0)
#define CKPT_FEAT_RESTORE (1ULL << 1)

/* Longest error text the module writes, NUL included. */
#define CKPT_ERRBUF_MAX 512

struct ckpt_ioc_handshake {
	__u32 size;		/* in: sizeof(struct ckpt_ioc_handshake) */
	__u32 flags;		/* in: must be 0 */
	__u32 api_version;	/* in: CKPT_API_VERSION userspace speaks */
	__u32 kernel_api;	/* out: CKPT_API_VERSION the module speaks */
	__u64 features;		/* out: CKPT_FEAT_* */
	__u64 errbuf;		/* in: user pointer for the error text */
	__u32 errbuf_len;	/* in: its length */
	__u32 image_version;	/* out: CKPT_IMAGE_VERSION written and read */
	__u64 reserved[4];	/* must be zero */
};

/* Checkpoint flags. */
#define CKPT_CHECKPOINT_F_ALL 0U

struct ckpt_ioc_checkpoint {
	__u32 size;
	__u32 flags;		/* CKPT_CHECKPOINT_F_*, unknown bits EINVAL */
	__s32 pid;		/* container init, as seen from the caller */
	__s32 fd;		/* output: file, pipe or socket; never seeked */
	__u64 errbuf;
	__u32 errbuf_len;
	__u32 pad;		/* must be zero */
	__u64 bytes_written;	/* out: image length */
	__u64 reserved[4];
};

/*
 * Restart runs in context (see docs/abi.md): a coordinator opens /dev/ckpt,
 * calls RESTORE_BEGIN with the image fd and gets the container and tree
 * records back (validated), creates every task with its original pid, and
 * each task then calls RESTORE_TASK on its inherited /dev/ckpt fd. Tasks take
 * turns reading their section of the stream. The coordinator's RESTORE_WAIT
 * returns when every task has restored itself, checks the trailer and lets
 * the tasks return to their checkpointed user context; if anything failed,
 * every task of the restart is killed and the error names the record.
 */
#define CKPT_RESTORE_F_ALL 0U

/*
 * The most tasks an image may hold, and so the tree_buf size that always
 * suffices: one CONTAINER record and this many TASK records (see
 * proto/ckpt_image.h). The image stream cannot be rewound, so RESTORE_BEGIN
 * needs a large enough buffer the first time.
 */
#define CKPT_RESTORE_MAX_TASKS 8192U
#define CKPT_RESTORE_TREE_BUF_MAX (256U + CKPT_RESTORE_MAX_TASKS * 80U)

struct ckpt_ioc_restore_begin {
	__u32 size;
	__u32 flags;		/* CKPT_RESTORE_F_*, unknown bits EINVAL */
	__s32 fd;		/* the image: file, pipe or socket */
	__u32 tree_len;		/* in: tree_buf size; out: bytes written */
	__u64 tree_buf;		/* out: CONTAINER and TASK records */
	__u64 errbuf;
	__u32 errbuf_len;
	__u32 pad;
	__u64 reserved[4];
};

/*
 * _IOW: nothing is copied back, because on success the caller's memory is
 * the restored one and the call returns into the checkpointed context.
 */
struct ckpt_ioc_restore_task {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u64 errbuf;
	__u32 errbuf_len;
	__u32 pad;
	__u64 reserved[4];
};

/*
 * RESTORE_WAIT without RELEASE returns once every task has restored itself
 * and the trailer checked out; the tasks stay in the kernel, so the
 * coordinator can freeze the cgroup first (ckpt restart --frozen). With
 * RELEASE they return to user space. Closing the coordinator's /dev/ckpt
 * before a release kills them.
 */
#define CKPT_RESTORE_WAIT_F_RELEASE 0x1U
#define CKPT_RESTORE_WAIT_F_ALL 0x1U

struct ckpt_ioc_restore_wait {
	__u32 size;
	__u32 flags;		/* CKPT_RESTORE_WAIT_F_* */
	__u64 errbuf;
	__u32 errbuf_len;
	__u32 pad;
	__u64 bytes_read;	/* out: image length consumed */
	__u64 reserved[4];
};

#define CKPT_IOC_MAGIC 0xC7
#define CKPT_IOC_HANDSHAKE _IOWR(CKPT_IOC_MAGIC, 0x00, struct ckpt_ioc_handshake)
#define CKPT_IOC_CHECKPOINT _IOWR(CKPT_IOC_MAGIC, 0x01, struct ckpt_ioc_checkpoint)
#define CKPT_IOC_RESTORE_BEGIN _IOWR(CKPT_IOC_MAGIC, 0x02, struct ckpt_ioc_restore_begin)
#define CKPT_IOC_RESTORE_TASK _IOW(CKPT_IOC_MAGIC, 0x03, struct ckpt_ioc_restore_task)
#define CKPT_IOC_RESTORE_WAIT _IOWR(CKPT_IOC_MAGIC, 0x04, struct ckpt_ioc_restore_wait)

#endif /* CKPT_UAPI_H */
