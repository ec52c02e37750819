/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stream setup and the header/trailer, used by the checkpoint and restart
 * drivers only; kinds use the record I/O in ckpt_cr.h.
 */
#ifndef CKPT_STREAM_H
#define CKPT_STREAM_H

#include "ckpt_cr.h"

/* Take a reference on file and allocate the buffer. */
int ckpt_stream_init(struct ckpt_ctx *ctx, struct file *file, bool writing);
void ckpt_stream_release(struct ckpt_stream *s);

/* Write the trailer for everything written so far, and flush. */
int ckpt_write_trailer(struct ckpt_ctx *ctx);

/* Read the trailer and check it against everything read so far. */
int ckpt_read_trailer(struct ckpt_ctx *ctx);

#endif /* CKPT_STREAM_H */
