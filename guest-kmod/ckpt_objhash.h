/* SPDX-License-Identifier: GPL-2.0-only */
/* Object hash setup and teardown, for the drivers; lookups are in ckpt_cr.h. */
#ifndef CKPT_OBJHASH_H
#define CKPT_OBJHASH_H

#include "ckpt_cr.h"

void ckpt_objhash_init(struct ckpt_ctx *ctx);
/* Runs every release callback and frees the hash. */
void ckpt_objhash_release(struct ckpt_ctx *ctx);

#endif /* CKPT_OBJHASH_H */
