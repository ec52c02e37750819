/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test helpers: build images in memory with the library's writer, damage
 * them byte by byte, and read them back with the reader.
 */
#ifndef IMAGE_BUILDER_H
#define IMAGE_BUILDER_H

#include "ckpt-image.h"

typedef struct _ImageBuilder ImageBuilder;

/* An empty in-memory image; add records, then finish. */
ImageBuilder *image_builder_new(void);
/* Appends a record; asserts the writer accepted it. */
void image_builder_add(ImageBuilder *b, guint32 type, const void *rec, gsize rec_size,
		       const void *tail, gsize tail_len);
/* Appends the default header of ckpt_image_header_init(). */
void image_builder_add_header(ImageBuilder *b);
/* Appends the trailer and returns the image; frees the builder. */
GByteArray *image_builder_finish(ImageBuilder *b);
/* Returns the records written so far, without a trailer; frees the builder. */
GByteArray *image_builder_abandon(ImageBuilder *b);

/* The type of the unknown optional record in the small image. */
#define SMALL_OPTIONAL_TYPE (CKPT_REC_OPTIONAL | 0x7654321)
/* Byte offsets of the small image's records. */
#define SMALL_HEADER_AT 0
#define SMALL_OPTIONAL_AT 160
#define SMALL_TRAILER_AT 176
#define SMALL_SIZE 224

/*
 * header (160 bytes), an unknown optional record of len 13 (5 non-zero
 * data bytes, 3 padding bytes), trailer: every kind of byte an image has.
 */
GByteArray *image_build_small(void);

/* Reads a whole image with table (NULL: the default one). */
gboolean image_read(const GByteArray *img, const CkptRecordTable *table, GError **error);

/* Little-endian patches at a byte offset. */
void image_put_u32(GByteArray *img, gsize at, guint32 v);
void image_put_u64(GByteArray *img, gsize at, guint64 v);

/* Rewrites the trailer (the last 48 bytes) to match the bytes before it. */
void image_fix_trailer(GByteArray *img);

#endif /* IMAGE_BUILDER_H */
