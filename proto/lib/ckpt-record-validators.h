/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-type semantic validators, referenced from the record table. */
#ifndef CKPT_RECORD_VALIDATORS_H
#define CKPT_RECORD_VALIDATORS_H

#include "ckpt-record.h"

gboolean ckpt_validate_header(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_trailer(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_container(const CkptRecord *rec, const CkptImageContext *ctx,
				 GError **error);
gboolean ckpt_validate_task(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_vma(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_pages(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_pipe(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_fd(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_siginfo(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_cpu(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);
gboolean ckpt_validate_xsave(const CkptRecord *rec, const CkptImageContext *ctx, GError **error);

#endif /* CKPT_RECORD_VALIDATORS_H */
