/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside ckpt-store: the stream a CkptStoreWriter hands out. It hashes and
 * counts the uncompressed bytes, passes them on (to the compressor or the
 * file), and turns a failure below into one message naming the store, the
 * image and the bytes written. The first failure sticks (later writes get
 * it again) and removes the temp file at once, so a full disk is freed
 * before the caller even gives up.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CKPT_TYPE_WRITER_STREAM (ckpt_writer_stream_get_type())
G_DECLARE_FINAL_TYPE(CkptWriterStream, ckpt_writer_stream, CKPT, WRITER_STREAM, GFilterOutputStream)

CkptWriterStream *ckpt_writer_stream_new(GOutputStream *base, const char *store_dir,
					 const char *image_id, const char *temp_path);
guint64 ckpt_writer_stream_get_bytes(CkptWriterStream *s);
/* Lowercase hex sha256 of everything written so far. */
const char *ckpt_writer_stream_get_sha256(CkptWriterStream *s);
/* The failure that stopped the stream, or NULL. */
const GError *ckpt_writer_stream_get_failure(CkptWriterStream *s);
/* Annotate an error of this image the same way the stream does (for fsync, metadata). */
void ckpt_writer_stream_set_error(CkptWriterStream *s, GError **error, GError *cause,
				  const char *what);

G_END_DECLS
