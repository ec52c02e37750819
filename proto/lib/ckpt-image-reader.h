/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Streaming image reader: returns the records of an image one by one and
 * validates the stream as it goes (framing, header, per-type rules,
 * objrefs, and the trailer's count, length and xxh64). It never seeks, so
 * it reads files, pipes, sockets and stdin alike.
 *
 * It also never reads past the record it returns, except one byte after
 * the trailer to prove the stream ends there; a caller may hand the stream
 * to someone else between records. Wrap an unbuffered stream (a pipe, a
 * GUnixInputStream) in a GBufferedInputStream for speed.
 */
#ifndef CKPT_IMAGE_READER_H
#define CKPT_IMAGE_READER_H

#include <gio/gio.h>

#include "ckpt-image-error.h"
#include "ckpt-record.h"

G_BEGIN_DECLS

typedef struct _CkptImageReader CkptImageReader;

/* Reads with the record types of proto/ckpt_image.h. */
CkptImageReader *ckpt_image_reader_new(GInputStream *in);
/* Reads with another table (tests, tools decoding private record types). */
CkptImageReader *ckpt_image_reader_new_with_table(GInputStream *in, const CkptRecordTable *table);
void ckpt_image_reader_free(CkptImageReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptImageReader, ckpt_image_reader_free)

/*
 * Reads and validates the next record. Returns TRUE with *rec set to it
 * (the trailer included), TRUE with *rec NULL once the trailer was read and
 * the stream ended right after it, or FALSE with an error naming the record
 * index, type and byte offset. An unknown optional record comes back with
 * rec->desc NULL; callers skip it. After an error, every call fails.
 */
gboolean ckpt_image_reader_next(CkptImageReader *reader, const CkptRecord **rec,
				GCancellable *cancellable, GError **error);

/* Reads and validates the rest of the image, discarding the records. */
gboolean ckpt_image_reader_read_all(CkptImageReader *reader, GCancellable *cancellable,
				    GError **error);

/* The header, once record 0 was read; NULL before. */
const struct ckpt_rec_header *ckpt_image_reader_get_header(CkptImageReader *reader);
/* Records read so far (the trailer included once read). */
guint32 ckpt_image_reader_get_nr_records(CkptImageReader *reader);
/* Unknown optional records skipped so far. */
guint32 ckpt_image_reader_get_nr_skipped(CkptImageReader *reader);
/* Bytes consumed so far, padding included. */
guint64 ckpt_image_reader_get_offset(CkptImageReader *reader);
/* TRUE once the whole image, trailer and end of stream, was verified. */
gboolean ckpt_image_reader_is_complete(CkptImageReader *reader);
/* The verified xxh64 of the image; only meaningful once complete. */
guint64 ckpt_image_reader_get_csum(CkptImageReader *reader);
/* The type of the record that defined objref, or 0 if none did yet. */
guint32 ckpt_image_reader_objref_type(CkptImageReader *reader, guint64 objref);

G_END_DECLS

#endif /* CKPT_IMAGE_READER_H */
