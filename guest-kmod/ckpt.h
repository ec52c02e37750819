/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckpt.ko internals shared between its files.
 *
 * Layout: ckpt_main.c (load/unload), ckpt_dev.c (/dev/ckpt: open/release,
 * the ioctl table, permission checks, the handshake), ckpt_args.c (argument
 * structs in and out), ckpt_err.c (error text for the caller),
 * ckpt_resolve.c (unexported kernel functions).
 */
#ifndef CKPT_H
#define CKPT_H

#include <linux/mutex.h>
#include <linux/types.h>

#include "ckpt_uapi.h"
#include "ckpt_image.h"
#include "ckpt_args.h"
#include "ckpt_err.h"

/* Oldest API version this module still speaks; CKPT_API_VERSION is the newest. */
#define CKPT_API_VERSION_MIN 1

/* State of one open /dev/ckpt. */
struct ckpt_file {
	/*
	 * API version agreed by the handshake, 0 before it. Written with
	 * smp_store_release(), read with smp_load_acquire(): other threads
	 * may use the same open file.
	 */
	u32 api_version;
	/* A restart this file coordinates (RESTORE_BEGIN), or NULL. */
	struct mutex lock;
	struct ckpt_ctx *restart;
};

/* Every argument struct, so the ioctl path can hold any of them. */
union ckpt_ioc_args {
	struct ckpt_ioc_handshake handshake;
	struct ckpt_ioc_checkpoint checkpoint;
	struct ckpt_ioc_restore_begin restore_begin;
	struct ckpt_ioc_restore_task restore_task;
	struct ckpt_ioc_restore_wait restore_wait;
};

/*
 * One ioctl. The generic path (ckpt_dev.c) matches cmd by type, number and
 * direction, checks the caller, copies and validates the argument struct,
 * refuses calls before the handshake, runs handler, copies the struct back
 * when cmd has _IOC_READ (out fields), and hands the error text to the
 * caller. handler returns the ioctl's result: >= 0, or a negative errno
 * recorded with ckpt_err().
 */
struct ckpt_ioctl {
	unsigned int cmd;	/* CKPT_IOC_*; its size bits are ignored */
	struct ckpt_args_layout args;
	u64 feature;		/* CKPT_FEAT_* this call provides, or 0 */
	bool before_handshake;	/* only the handshake itself */
	/*
	 * Skip the initial-pid-namespace check. Only for the call a task
	 * being restarted makes from inside the container's pid namespace;
	 * its handler must check that the caller belongs to the restart
	 * running on this open file. CAP_SYS_ADMIN is still required.
	 */
	bool any_pidns;
	long (*handler)(struct ckpt_file *cf, void *args,
			struct ckpt_errctx *ctx);
};

int ckpt_dev_init(void);
void ckpt_dev_exit(void);

#endif /* CKPT_H */
