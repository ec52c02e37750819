// SPDX-License-Identifier: GPL-2.0-only
/* One-line text rendering of a record's fields, driven by the record table. */
#include "ckpt-record.h"

/* Opaque byte fields and tails show at most this many bytes. */
#define MAX_SHOWN_BYTES 32

static void append_hex_bytes(GString *out, const guint8 *p, gsize n)
{
	gsize shown = MIN(n, MAX_SHOWN_BYTES);

	for (gsize i = 0; i < shown; i++)
		g_string_append_printf(out, "%02x", p[i]);
	if (shown < n)
		g_string_append(out, "...");
}

static void append_string(GString *out, const char *s)
{
	g_autofree char *escaped = g_strescape(s, NULL);

	g_string_append_printf(out, "\"%s\"", escaped);
}

static void append_time(GString *out, guint64 ns)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc((gint64)(ns / 1000000000ULL));

	g_string_append_printf(out, "%" G_GUINT64_FORMAT, ns);
	if (t) {
		g_autofree char *iso = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");

		g_string_append_printf(out, " (%s)", iso);
	}
}

static void append_field(GString *out, const CkptRecord *rec, const CkptFieldDesc *f)
{
	const guint8 *p = rec->data + f->offset;
	const char *name;

	switch (f->kind) {
	case CKPT_FIELD_U32:
	case CKPT_FIELD_U64:
	case CKPT_FIELD_OBJREF_NEW:
	case CKPT_FIELD_OBJREF:
		g_string_append_printf(out, "%" G_GUINT64_FORMAT, ckpt_field_get_u64(rec, f));
		break;
	case CKPT_FIELD_S32:
	case CKPT_FIELD_S64:
		g_string_append_printf(out, "%" G_GINT64_FORMAT, ckpt_field_get_s64(rec, f));
		break;
	case CKPT_FIELD_HEX:
		g_string_append_printf(out, "0x%" G_GINT64_MODIFIER "x",
				       ckpt_field_get_u64(rec, f));
		break;
	case CKPT_FIELD_ENUM:
		name = ckpt_value_name(f->names, ckpt_field_get_u64(rec, f));
		if (name)
			g_string_append(out, name);
		else
			g_string_append_printf(out, "%" G_GUINT64_FORMAT "(unknown)",
					       ckpt_field_get_u64(rec, f));
		break;
	case CKPT_FIELD_TIME_NS:
		append_time(out, ckpt_field_get_u64(rec, f));
		break;
	case CKPT_FIELD_STRING: {
		g_autofree char *s = g_strndup((const char *)p, f->size);

		append_string(out, s);
		break;
	}
	case CKPT_FIELD_BYTES:
		append_hex_bytes(out, p, f->size);
		break;
	case CKPT_FIELD_RESERVED:
		break;
	}
}

void ckpt_record_format_fields(const CkptRecord *rec, GString *out)
{
	const CkptRecordDesc *d = rec->desc;
	gsize tail_len;
	const guint8 *tail = ckpt_record_tail(rec, &tail_len);

	if (!d) {
		/* An unknown optional record: only its size is known. */
		g_string_append_printf(
			out, " (unknown optional record, %" G_GSIZE_FORMAT " bytes skipped)",
			tail_len);
		return;
	}
	for (guint i = 0; i < d->n_fields; i++) {
		const CkptFieldDesc *f = &d->fields[i];

		if (f->kind == CKPT_FIELD_RESERVED)
			continue;
		g_string_append_printf(out, " %s=", f->name);
		append_field(out, rec, f);
	}
	if (d->tail == CKPT_TAIL_NONE)
		return;
	g_string_append_printf(out, " %s=", d->tail_name ? d->tail_name : "tail");
	if (d->tail == CKPT_TAIL_STRING && tail) {
		g_autofree char *s = g_strndup((const char *)tail, tail_len);

		append_string(out, s);
	} else {
		g_string_append_printf(out, "%" G_GSIZE_FORMAT " bytes", tail_len);
		if (tail_len) {
			g_string_append(out, " ");
			append_hex_bytes(out, tail, tail_len);
		}
	}
}
