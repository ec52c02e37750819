/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Image writer: appends records to a GOutputStream, pads them to 8 bytes,
 * counts them, checksums them and ends the image with the trailer. The
 * kernel module writes real images itself; this writer serves tests, fuzz
 * seeds and tools. It checks framing only (len bounds), not record
 * contents, so tests can build invalid images with it.
 */
#ifndef CKPT_IMAGE_WRITER_H
#define CKPT_IMAGE_WRITER_H

#include <gio/gio.h>

#include "ckpt_image.h"

G_BEGIN_DECLS

typedef struct _CkptImageWriter CkptImageWriter;

CkptImageWriter *ckpt_image_writer_new(GOutputStream *out);
void ckpt_image_writer_free(CkptImageWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptImageWriter, ckpt_image_writer_free)

/*
 * Appends one record of the given type: rec_size bytes of the record's
 * struct (its leading struct ckpt_rec is filled in here, whatever the
 * caller left there), then tail_len bytes of tail, then zero padding.
 * rec_size must be at least sizeof(struct ckpt_rec), and the record no
 * longer than CKPT_REC_MAX_LEN.
 */
gboolean ckpt_image_writer_append(CkptImageWriter *writer, guint32 type, const void *rec,
				  gsize rec_size, const void *tail, gsize tail_len,
				  GCancellable *cancellable, GError **error);

/* Appends the trailer (count, length, xxh64) and flushes the stream. */
gboolean ckpt_image_writer_finish(CkptImageWriter *writer, GCancellable *cancellable,
				  GError **error);

/* Records and bytes written so far. */
guint32 ckpt_image_writer_get_nr_records(CkptImageWriter *writer);
guint64 ckpt_image_writer_get_offset(CkptImageWriter *writer);

/*
 * Fills a header for this machine: magic, version, arch, page size, the
 * running kernel's release, the current time; no xsave state, no flags.
 */
void ckpt_image_header_init(struct ckpt_rec_header *hdr);

G_END_DECLS

#endif /* CKPT_IMAGE_WRITER_H */
