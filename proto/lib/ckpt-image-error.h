/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error domain of the image library. Every message names the record
 * index, its type name and its byte offset ("record 12 (vma) at byte 4096:
 * end < start"); the code tells the class of failure so tests and tools can
 * react without parsing text.
 */
#ifndef CKPT_IMAGE_ERROR_H
#define CKPT_IMAGE_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define CKPT_IMAGE_ERROR (ckpt_image_error_quark())
GQuark ckpt_image_error_quark(void);

typedef enum {
	CKPT_IMAGE_ERROR_IO,		/* the stream itself failed */
	CKPT_IMAGE_ERROR_TRUNCATED,	/* EOF before the trailer */
	CKPT_IMAGE_ERROR_BAD_MAGIC,	/* not a ckpt image */
	CKPT_IMAGE_ERROR_BAD_VERSION,	/* a format version we do not read */
	CKPT_IMAGE_ERROR_BAD_LEN,	/* record length out of bounds */
	CKPT_IMAGE_ERROR_UNKNOWN_TYPE,	/* unknown mandatory record type */
	CKPT_IMAGE_ERROR_BAD_PADDING,	/* non-zero alignment padding */
	CKPT_IMAGE_ERROR_BAD_FIELD,	/* a field breaks its rule */
	CKPT_IMAGE_ERROR_BAD_ORDER,	/* header not first, dangling objref... */
	CKPT_IMAGE_ERROR_BAD_TRAILER,	/* trailer count or length mismatch */
	CKPT_IMAGE_ERROR_CHECKSUM,	/* trailer checksum mismatch */
	CKPT_IMAGE_ERROR_TRAILING_DATA, /* bytes after the trailer */
	CKPT_IMAGE_ERROR_FAILED,	/* reader used after an error */
} CkptImageError;

G_END_DECLS

#endif /* CKPT_IMAGE_ERROR_H */
