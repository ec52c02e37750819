/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CkptVerifyInputStream: passes a stream through while hashing it (sha256)
 * and counting it, and fails the read that would complete a stream whose
 * length or hash is not the expected one, so a consumer never sees the end
 * of a bad image as a success:
 *   "image ID: sha256 mismatch: recorded X, read Y"
 *   "image ID: truncated: read N of M bytes"
 * Errors of the base stream are prefixed with the label too.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CKPT_TYPE_VERIFY_INPUT_STREAM (ckpt_verify_input_stream_get_type())
G_DECLARE_FINAL_TYPE(CkptVerifyInputStream, ckpt_verify_input_stream, CKPT, VERIFY_INPUT_STREAM,
		     GFilterInputStream)

/* label: how errors name the stream ("image ID"); sha256_hex: expected lowercase hex. */
GInputStream *ckpt_verify_input_stream_new(GInputStream *base, const char *label,
					   const char *sha256_hex, guint64 size);
/* Bytes read so far. */
guint64 ckpt_verify_input_stream_get_bytes(CkptVerifyInputStream *s);

G_END_DECLS
