// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks every record type gets from its table entry alone. Types with
 * rules of their own add a validator (ckpt-record-validators.c).
 */
#include <string.h>

#include "ckpt-image-error.h"
#include "ckpt-record.h"

static gboolean check_reserved(const CkptRecord *rec, const CkptFieldDesc *f, GError **error)
{
	const guint8 *p = rec->data + f->offset;

	for (guint i = 0; i < f->size; i++) {
		if (p[i] != 0) {
			g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
				    "%s is not zero (byte %u of the record is 0x%02x)", f->name,
				    f->offset + i, p[i]);
			return FALSE;
		}
	}
	return TRUE;
}

/*
 * A fixed-size string holds a NUL and nothing but zeros after it, so an
 * image never carries stray bytes (kernel stack contents, say) in a string.
 */
static gboolean check_string(const CkptRecord *rec, const CkptFieldDesc *f, GError **error)
{
	const guint8 *p = rec->data + f->offset;
	const guint8 *nul = memchr(p, 0, f->size);

	if (!nul) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "%s is not NUL-terminated within its %u bytes", f->name, f->size);
		return FALSE;
	}
	for (const guint8 *q = nul + 1; q < p + f->size; q++) {
		if (*q != 0) {
			g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
				    "%s has non-zero byte 0x%02x after its NUL (byte %u of the "
				    "record)",
				    f->name, *q, (guint)(f->offset + (q - p)));
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean check_tail(const CkptRecord *rec, GError **error)
{
	const CkptRecordDesc *d = rec->desc;
	gsize tail_len;
	const guint8 *tail = ckpt_record_tail(rec, &tail_len);

	if (d->tail_unit > 1 && tail_len % d->tail_unit != 0) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_LEN,
			    "len %u leaves a %" G_GSIZE_FORMAT
			    "-byte tail, not a multiple of %u bytes",
			    rec->len, tail_len, d->tail_unit);
		return FALSE;
	}
	if (d->tail == CKPT_TAIL_STRING && tail_len > 0) {
		const guint8 *nul = memchr(tail, 0, tail_len);

		if (!nul || nul != tail + tail_len - 1) {
			g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
				    "the %" G_GSIZE_FORMAT
				    "-byte string tail is not one NUL-terminated string",
				    tail_len);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean ckpt_record_check_fields(const CkptRecord *rec, GError **error)
{
	const CkptRecordDesc *d = rec->desc;

	for (guint i = 0; i < d->n_fields; i++) {
		const CkptFieldDesc *f = &d->fields[i];

		if (f->kind == CKPT_FIELD_RESERVED && !check_reserved(rec, f, error))
			return FALSE;
		if (f->kind == CKPT_FIELD_STRING && !check_string(rec, f, error))
			return FALSE;
	}
	return check_tail(rec, error);
}
