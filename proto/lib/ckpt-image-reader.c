// SPDX-License-Identifier: GPL-2.0-only
/*
 * The streaming reader. Each record goes through, in order: framing (len
 * bounds, known or optional type, header first), the read of its bytes
 * and zero padding, the table's generic field checks, objref checks, and
 * the type's own validator. Everything before the trailer feeds the xxh64
 * that the trailer must match.
 */
#include <string.h>
#include <xxhash.h>

#include "ckpt-image-reader.h"

/* Large records are read in steps, so a lying len costs memory only as the data arrives. */
#define READ_STEP (64 * 1024)

/* Record 0 is read with its magic, to call a foreign file that before anything else. */
#define FIRST_READ (sizeof(struct ckpt_rec) + sizeof(__u64))

typedef enum {
	READER_RECORDS,	      /* the next read is a record */
	READER_AFTER_TRAILER, /* the next read must find the end of the stream */
	READER_COMPLETE,
	READER_FAILED,
} ReaderState;

struct _CkptImageReader {
	GInputStream *in;
	const CkptRecordTable *table;
	XXH64_state_t *xxh;
	guint8 *buf;
	gsize buf_size;
	CkptRecord rec;
	guint32 index;	/* of the next record */
	guint64 offset; /* of the next record */
	guint32 nr_skipped;
	struct ckpt_rec_header header;
	gboolean have_header;
	guint64 csum;
	GHashTable *objrefs; /* objref -> type of the record that defined it */
	GArray *forward;     /* ForwardRef: objrefs named before their record */
	ReaderState state;
};

/* A forward objref, checked once the trailer shows nothing more can define it. */
typedef struct {
	guint64 objref;
	const CkptFieldDesc *field;
	const CkptRecordDesc *desc; /* of the referring record */
	guint32 index;
	guint64 offset;
} ForwardRef;

CkptImageReader *ckpt_image_reader_new_with_table(GInputStream *in, const CkptRecordTable *table)
{
	CkptImageReader *r = g_new0(CkptImageReader, 1);

	r->in = g_object_ref(in);
	r->table = table;
	r->xxh = XXH64_createState();
	if (!r->xxh)
		g_error("out of memory for an xxh64 state");
	XXH64_reset(r->xxh, 0);
	r->objrefs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	r->forward = g_array_new(FALSE, FALSE, sizeof(ForwardRef));
	r->state = READER_RECORDS;
	return r;
}

CkptImageReader *ckpt_image_reader_new(GInputStream *in)
{
	return ckpt_image_reader_new_with_table(in, ckpt_record_table_default());
}

void ckpt_image_reader_free(CkptImageReader *r)
{
	if (!r)
		return;
	g_object_unref(r->in);
	XXH64_freeState(r->xxh);
	g_free(r->buf);
	g_hash_table_destroy(r->objrefs);
	g_array_unref(r->forward);
	g_free(r);
}

static void ensure_buf(CkptImageReader *r, gsize size)
{
	if (size <= r->buf_size)
		return;
	r->buf = g_realloc(r->buf, size);
	r->buf_size = size;
}

/* Sets an error "record N (type) at byte O: ..."; type_name may be NULL. */
G_GNUC_PRINTF(5, 6)
static void record_error(CkptImageReader *r, const char *type_name, GError **error,
			 CkptImageError code, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (type_name)
		g_set_error(error, CKPT_IMAGE_ERROR, code,
			    "record %u (%s) at byte %" G_GUINT64_FORMAT ": %s", r->index, type_name,
			    r->offset, msg);
	else
		g_set_error(error, CKPT_IMAGE_ERROR, code,
			    "record %u at byte %" G_GUINT64_FORMAT ": %s", r->index, r->offset,
			    msg);
}

/* Reads up to n bytes at buf + have; returns how many arrived before EOF. */
static gboolean read_upto(CkptImageReader *r, gsize have, gsize n, gsize *got,
			  GCancellable *cancellable, const char *type_name, GError **error)
{
	g_autoptr(GError) local = NULL;

	ensure_buf(r, have + n);
	if (!g_input_stream_read_all(r->in, r->buf + have, n, got, cancellable, &local)) {
		record_error(r, type_name, error, CKPT_IMAGE_ERROR_IO, "read failed: %s",
			     local->message);
		return FALSE;
	}
	return TRUE;
}

/*
 * Reads the record's bytes from have up to total, growing the buffer in
 * steps as data arrives. Returns FALSE on an I/O error; *end tells how far
 * the stream went.
 */
static gboolean read_record_bytes(CkptImageReader *r, gsize have, gsize total, gsize *end,
				  GCancellable *cancellable, const char *type_name, GError **error)
{
	while (have < total) {
		gsize want = MIN(total, MAX(2 * have, (gsize)READ_STEP));
		gsize got = 0;

		if (!read_upto(r, have, want - have, &got, cancellable, type_name, error))
			return FALSE;
		have += got;
		if (have < want)
			break;
	}
	*end = have;
	return TRUE;
}

static char *type_label(const CkptRecordDesc *desc, guint32 type)
{
	if (desc)
		return g_strdup(desc->name);
	if (type & CKPT_REC_OPTIONAL)
		return g_strdup_printf("optional 0x%08x", type);
	return NULL;
}

/* Framing rules that need only the record's type and len. */
static gboolean check_framing(CkptImageReader *r, const CkptRecordDesc *desc, guint32 type,
			      guint32 len, const char *name, GError **error)
{
	if (len < sizeof(struct ckpt_rec)) {
		record_error(r, name, error, CKPT_IMAGE_ERROR_BAD_LEN,
			     "len %u is shorter than the %zu-byte record header", len,
			     sizeof(struct ckpt_rec));
		return FALSE;
	}
	if (len > CKPT_REC_MAX_LEN) {
		record_error(r, name, error, CKPT_IMAGE_ERROR_BAD_LEN,
			     "len %u exceeds the %u-byte record limit", len, CKPT_REC_MAX_LEN);
		return FALSE;
	}
	if (!desc) {
		if (type & CKPT_REC_OPTIONAL)
			return TRUE;
		record_error(r, NULL, error, CKPT_IMAGE_ERROR_UNKNOWN_TYPE,
			     "unknown mandatory record type 0x%08x (len %u)", type, len);
		return FALSE;
	}
	if (len < desc->fixed_len) {
		record_error(r, name, error, CKPT_IMAGE_ERROR_BAD_LEN,
			     "len %u is below the %u-byte fixed size of a %s record", len,
			     desc->fixed_len, desc->name);
		return FALSE;
	}
	if (desc->tail == CKPT_TAIL_NONE && len != desc->fixed_len) {
		record_error(r, name, error, CKPT_IMAGE_ERROR_BAD_LEN,
			     "len %u, but %s records are exactly %u bytes", len, desc->name,
			     desc->fixed_len);
		return FALSE;
	}
	if (type == CKPT_REC_HEADER && r->index != 0) {
		record_error(r, name, error, CKPT_IMAGE_ERROR_BAD_ORDER,
			     "a second header (the header must be record 0 only)");
		return FALSE;
	}
	return TRUE;
}

static const char *objref_type_name(CkptImageReader *r, guint32 type)
{
	const CkptRecordDesc *d = ckpt_record_table_lookup(r->table, type);

	return d ? d->name : "record of unknown type";
}

static gboolean check_ref_type(CkptImageReader *r, const CkptFieldDesc *f, guint64 ref,
			       guint32 found, GError **error)
{
	if (f->ref_type && found != f->ref_type) {
		g_set_error(
			error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_ORDER,
			"%s refers to objref %" G_GUINT64_FORMAT " of type %s, expected type %s",
			f->name, ref, objref_type_name(r, found), objref_type_name(r, f->ref_type));
		return FALSE;
	}
	return TRUE;
}

/*
 * Objrefs: defined once, non-zero, before any backward reference, with the
 * right type; forward references wait for the trailer.
 */
static gboolean check_objrefs(CkptImageReader *r, GError **error)
{
	const CkptRecordDesc *d = r->rec.desc;

	for (guint i = 0; i < d->n_fields; i++) {
		const CkptFieldDesc *f = &d->fields[i];
		guint64 ref = ckpt_field_get_u64(&r->rec, f);
		guint32 found = 0;

		if (f->kind == CKPT_FIELD_OBJREF_NEW) {
			if (ref == 0) {
				g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
					    "%s is 0, but objrefs start at 1", f->name);
				return FALSE;
			}
			found = ckpt_image_reader_objref_type(r, ref);
			if (found) {
				g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_ORDER,
					    "%s %" G_GUINT64_FORMAT
					    " is already defined (by a record of type %s)",
					    f->name, ref, objref_type_name(r, found));
				return FALSE;
			}
			continue;
		}
		if ((f->kind != CKPT_FIELD_OBJREF && f->kind != CKPT_FIELD_OBJREF_FWD) || ref == 0)
			continue;
		found = ckpt_image_reader_objref_type(r, ref);
		if (found) {
			if (!check_ref_type(r, f, ref, found, error))
				return FALSE;
		} else if (f->kind == CKPT_FIELD_OBJREF_FWD) {
			ForwardRef fw = {ref, f, d, r->index, r->offset};

			g_array_append_val(r->forward, fw);
		} else {
			g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_ORDER,
				    "%s refers to objref %" G_GUINT64_FORMAT
				    ", which no earlier record defines",
				    f->name, ref);
			return FALSE;
		}
	}
	return TRUE;
}

/* At the trailer: every forward reference must have found its record. */
static gboolean check_forward_refs(CkptImageReader *r, GError **error)
{
	for (guint i = 0; i < r->forward->len; i++) {
		const ForwardRef *fw = &g_array_index(r->forward, ForwardRef, i);
		guint32 found = ckpt_image_reader_objref_type(r, fw->objref);
		g_autoptr(GError) local = NULL;

		if (!found)
			g_set_error(&local, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_ORDER,
				    "%s refers to objref %" G_GUINT64_FORMAT
				    ", which no record of the image defines",
				    fw->field->name, fw->objref);
		else
			check_ref_type(r, fw->field, fw->objref, found, &local);
		if (local) {
			/* The culprit is the referring record, not the trailer. */
			g_set_error(error, CKPT_IMAGE_ERROR, local->code,
				    "record %u (%s) at byte %" G_GUINT64_FORMAT ": %s", fw->index,
				    fw->desc->name, fw->offset, local->message);
			return FALSE;
		}
	}
	return TRUE;
}

static void define_objrefs(CkptImageReader *r)
{
	const CkptRecordDesc *d = r->rec.desc;

	for (guint i = 0; i < d->n_fields; i++) {
		const CkptFieldDesc *f = &d->fields[i];

		if (f->kind == CKPT_FIELD_OBJREF_NEW) {
			gint64 *key = g_new(gint64, 1);

			*key = (gint64)ckpt_field_get_u64(&r->rec, f);
			g_hash_table_insert(r->objrefs, key, GUINT_TO_POINTER(r->rec.type));
		}
	}
}

/* The table's checks, objrefs and the type's validator, for a known record. */
static gboolean check_contents(CkptImageReader *r, const char *name, GError **error)
{
	const CkptRecordDesc *d = r->rec.desc;
	CkptImageContext ctx = {
		.nr_records = r->index,
		.stream_len = r->offset,
		.header = r->have_header ? &r->header : NULL,
	};
	g_autoptr(GError) local = NULL;

	if (r->rec.type == CKPT_REC_TRAILER)
		ctx.csum = XXH64_digest(r->xxh);
	if (!ckpt_record_check_fields(&r->rec, &local) || !check_objrefs(r, &local) ||
	    (d->validate && !d->validate(&r->rec, &ctx, &local))) {
		record_error(r, name, error, (CkptImageError)local->code, "%s", local->message);
		return FALSE;
	}
	if (r->rec.type == CKPT_REC_TRAILER)
		r->csum = ctx.csum;
	return TRUE;
}

static gboolean read_record(CkptImageReader *r, GCancellable *cancellable, GError **error)
{
	gsize head = r->index == 0 ? FIRST_READ : sizeof(struct ckpt_rec);
	gsize have = 0;
	guint32 type, len;
	gsize total;
	const CkptRecordDesc *desc;
	g_autofree char *name = NULL;

	if (!read_upto(r, 0, head, &have, cancellable, NULL, error))
		return FALSE;
	if (have == 0 && r->index > 0) {
		record_error(r, NULL, error, CKPT_IMAGE_ERROR_TRUNCATED,
			     "truncated: the stream ends before the trailer");
		return FALSE;
	}
	if (have < head) {
		record_error(r, NULL, error, CKPT_IMAGE_ERROR_TRUNCATED,
			     "truncated: needs %zu bytes, stream ends after %zu", head, have);
		return FALSE;
	}
	type = GUINT32_FROM_LE(((struct ckpt_rec *)r->buf)->type);
	len = GUINT32_FROM_LE(((struct ckpt_rec *)r->buf)->len);
	if (r->index == 0) {
		guint64 magic;

		memcpy(&magic, r->buf + sizeof(struct ckpt_rec), sizeof(magic));
		magic = GUINT64_FROM_LE(magic);

		if (magic != CKPT_IMAGE_MAGIC) {
			record_error(r, NULL, error, CKPT_IMAGE_ERROR_BAD_MAGIC,
				     "bad magic 0x%016" G_GINT64_MODIFIER "x (not a ckpt image)",
				     magic);
			return FALSE;
		}
		if (type != CKPT_REC_HEADER) {
			record_error(r, NULL, error, CKPT_IMAGE_ERROR_BAD_ORDER,
				     "first record has type 0x%08x, expected the header (0x%08x)",
				     type, CKPT_REC_HEADER);
			return FALSE;
		}
	}
	desc = ckpt_record_table_lookup(r->table, type);
	name = type_label(desc, type);
	if (!check_framing(r, desc, type, len, name, error))
		return FALSE;

	total = CKPT_REC_ALIGN_UP(len);
	if (!read_record_bytes(r, have, total, &have, cancellable, name, error))
		return FALSE;
	if (have < total) {
		record_error(r, name, error, CKPT_IMAGE_ERROR_TRUNCATED,
			     "truncated: needs %zu bytes, stream ends after %zu", total, have);
		return FALSE;
	}
	for (gsize i = len; i < total; i++) {
		if (r->buf[i] != 0) {
			record_error(r, name, error, CKPT_IMAGE_ERROR_BAD_PADDING,
				     "padding byte at byte %" G_GUINT64_FORMAT
				     " is 0x%02x, must be zero",
				     r->offset + i, r->buf[i]);
			return FALSE;
		}
	}

	r->rec = (CkptRecord){
		.index = r->index,
		.offset = r->offset,
		.type = type,
		.len = len,
		.desc = desc,
		.data = r->buf,
	};
	if (type == CKPT_REC_TRAILER && !check_forward_refs(r, error))
		return FALSE;
	if (desc) {
		if (!check_contents(r, name, error))
			return FALSE;
		define_objrefs(r);
	} else {
		r->nr_skipped++;
	}

	if (type == CKPT_REC_TRAILER) {
		r->state = READER_AFTER_TRAILER;
	} else {
		XXH64_update(r->xxh, r->buf, total);
	}
	if (type == CKPT_REC_HEADER) {
		memcpy(&r->header, r->buf, sizeof(r->header));
		r->have_header = TRUE;
	}
	r->index++;
	r->offset += total;
	return TRUE;
}

/* After the trailer the stream must end: one byte more is an error. */
static gboolean read_end(CkptImageReader *r, GCancellable *cancellable, GError **error)
{
	guint8 byte;
	gsize got = 0;
	g_autoptr(GError) local = NULL;

	if (!g_input_stream_read_all(r->in, &byte, 1, &got, cancellable, &local)) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_IO,
			    "byte %" G_GUINT64_FORMAT ": read failed after the trailer: %s",
			    r->offset, local->message);
		return FALSE;
	}
	if (got) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_TRAILING_DATA,
			    "byte %" G_GUINT64_FORMAT ": data after the trailer", r->offset);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_image_reader_next(CkptImageReader *r, const CkptRecord **rec,
				GCancellable *cancellable, GError **error)
{
	*rec = NULL;
	switch (r->state) {
	case READER_FAILED:
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_FAILED,
			    "record %u at byte %" G_GUINT64_FORMAT
			    ": the image reader already failed here",
			    r->index, r->offset);
		return FALSE;
	case READER_COMPLETE:
		return TRUE;
	case READER_AFTER_TRAILER:
		if (!read_end(r, cancellable, error)) {
			r->state = READER_FAILED;
			return FALSE;
		}
		r->state = READER_COMPLETE;
		return TRUE;
	case READER_RECORDS:
		break;
	}
	if (!read_record(r, cancellable, error)) {
		r->state = READER_FAILED;
		return FALSE;
	}
	*rec = &r->rec;
	return TRUE;
}

gboolean ckpt_image_reader_read_all(CkptImageReader *r, GCancellable *cancellable, GError **error)
{
	const CkptRecord *rec;

	do {
		if (!ckpt_image_reader_next(r, &rec, cancellable, error))
			return FALSE;
	} while (rec);
	return TRUE;
}

const struct ckpt_rec_header *ckpt_image_reader_get_header(CkptImageReader *r)
{
	return r->have_header ? &r->header : NULL;
}

guint32 ckpt_image_reader_get_nr_records(CkptImageReader *r)
{
	return r->index;
}

guint32 ckpt_image_reader_get_nr_skipped(CkptImageReader *r)
{
	return r->nr_skipped;
}

guint64 ckpt_image_reader_get_offset(CkptImageReader *r)
{
	return r->offset;
}

gboolean ckpt_image_reader_is_complete(CkptImageReader *r)
{
	return r->state == READER_COMPLETE;
}

guint64 ckpt_image_reader_get_csum(CkptImageReader *r)
{
	return r->csum;
}

guint32 ckpt_image_reader_objref_type(CkptImageReader *r, guint64 objref)
{
	gint64 key = (gint64)objref;

	return GPOINTER_TO_UINT(g_hash_table_lookup(r->objrefs, &key));
}
