// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks every record type gets from its table entry alone. Types with
 * rules of their own add a validator (ckpt-record-validators.c).
 */
#include <string.h>

#include "ckpt-image-error.h"
#include "ckpt-record.h"

/* p is the field's first byte, at byte at of the record. */
static gboolean check_reserved(const CkptFieldDesc *f, const guint8 *p, gsize at, GError **error)
{
	for (guint i = 0; i < f->size; i++) {
		if (p[i] != 0) {
			g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
				    "%s is not zero (byte %" G_GSIZE_FORMAT
				    " of the record is 0x%02x)",
				    f->name, at + i, p[i]);
			return FALSE;
		}
	}
	return TRUE;
}

/*
 * A fixed-size string holds a NUL and nothing but zeros after it, so an
 * image never carries stray bytes (kernel stack contents, say) in a string.
 */
static gboolean check_string(const CkptFieldDesc *f, const guint8 *p, gsize at, GError **error)
{
	const guint8 *nul = memchr(p, 0, f->size);

	if (!nul) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "%s is not NUL-terminated within its %u bytes", f->name, f->size);
		return FALSE;
	}
	for (const guint8 *q = nul + 1; q < p + f->size; q++) {
		if (*q != 0) {
			g_set_error(
				error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
				"%s has non-zero byte 0x%02x after its NUL (byte %" G_GSIZE_FORMAT
				" of the record)",
				f->name, *q, at + (gsize)(q - p));
			return FALSE;
		}
	}
	return TRUE;
}

/* base is the struct holding fields, at byte at of the record. */
static gboolean check_struct(const guint8 *base, gsize at, const CkptFieldDesc *fields,
			     guint n_fields, GError **error)
{
	for (guint i = 0; i < n_fields; i++) {
		const CkptFieldDesc *f = &fields[i];
		const guint8 *p = base + f->offset;
		gsize f_at = at + f->offset;

		if (f->kind == CKPT_FIELD_RESERVED && !check_reserved(f, p, f_at, error))
			return FALSE;
		if (f->kind == CKPT_FIELD_STRING && !check_string(f, p, f_at, error))
			return FALSE;
		if (f->kind != CKPT_FIELD_STRUCT)
			continue;
		for (guint off = 0; off + f->elem_size <= f->size; off += f->elem_size) {
			if (!check_struct(p + off, f_at + off, f->sub, f->n_sub, error))
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
	if (tail_len == 0)
		return TRUE;
	if (d->tail == CKPT_TAIL_STRING && memchr(tail, 0, tail_len) != tail + tail_len - 1) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "the %" G_GSIZE_FORMAT "-byte %s is not one NUL-terminated string",
			    tail_len, d->tail_name);
		return FALSE;
	}
	if (d->tail == CKPT_TAIL_STRINGS && tail[tail_len - 1] != 0) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "the %" G_GSIZE_FORMAT "-byte %s does not end with a NUL", tail_len,
			    d->tail_name);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_record_check_fields(const CkptRecord *rec, GError **error)
{
	const CkptRecordDesc *d = rec->desc;

	return check_struct(rec->data, 0, d->fields, d->n_fields, error) && check_tail(rec, error);
}
