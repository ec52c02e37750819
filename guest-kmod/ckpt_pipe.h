/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PIPE objects (ckpt_pipe.c): a pipe and the data buffered in it, shared by
 * every file open on it. Internal to the FILE code (ckpt_file.c), which
 * asks for a pipe's objref at checkpoint and for the pipe's files at
 * restart.
 */
#ifndef CKPT_PIPE_H
#define CKPT_PIPE_H

#include <linux/types.h>

#include "ckpt_cr.h"

struct file;
struct pipe_inode_info;

/* ---- checkpoint ------------------------------------------------------------ */

/*
 * Refuse a pipe that cannot be restored faithfully (notification pipes,
 * packet-mode data, more data than a record holds). Error without location.
 */
int ckpt_pipe_precheck(struct ckpt_ctx *ctx, struct pipe_inode_info *pipe);

/*
 * The objref of pipe; the first time, its PIPE record (with a copy of the
 * buffered data, which stays in the pipe) is written now.
 */
int ckpt_pipe_checkpoint_ref(struct ckpt_ctx *ctx,
			     struct pipe_inode_info *pipe, u32 *objref);

/* ---- restart ---------------------------------------------------------------- */

/* Read a PIPE record and define its objref; the pipe is made on first use. */
int ckpt_pipe_restore(struct ckpt_ctx *ctx);

/*
 * A new reference to an end of the anonymous pipe pipe_ref with the open
 * flags f_flags (O_RDONLY: read end, O_WRONLY: write end, O_RDWR: a reopen
 * as through /proc/PID/fd). The first call creates the pipe and refills it.
 */
struct file *ckpt_pipe_open_end(struct ckpt_ctx *ctx, u32 pipe_ref,
				u32 f_flags);

/*
 * Open the FIFO at path with f_flags; its pipe is pipe_ref. The first call
 * opens a holder (O_RDWR | O_NONBLOCK) that refills the pipe and keeps it
 * until the operation ends, so that no open blocks waiting for a partner.
 */
struct file *ckpt_pipe_open_fifo(struct ckpt_ctx *ctx, u32 pipe_ref,
				 const char *path, u32 f_flags);

/*
 * Open path (relative to current's root) with f_flags after checking that
 * it is an inode of type (S_IFREG...) and, for a char device, of rdev: a
 * path that now names something else (a tty where /dev/null was) is never
 * opened. ckpt_file.c; the FIFO code uses it too.
 */
struct file *ckpt_file_open_path(struct ckpt_ctx *ctx, const char *path,
				 u32 f_flags, umode_t type, dev_t rdev);

#endif /* CKPT_PIPE_H */
