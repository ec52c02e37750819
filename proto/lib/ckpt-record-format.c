// SPDX-License-Identifier: GPL-2.0-only
/* One-line text rendering of a record's fields, driven by the record table. */
#include <string.h>

#include "ckpt-record.h"

/* Opaque byte fields and tails show at most this many bytes. */
#define MAX_SHOWN_BYTES 32

static void append_fields(GString *out, const guint8 *base, const CkptFieldDesc *fields,
			  guint n_fields);

static void append_hex_bytes(GString *out, const guint8 *p, gsize n)
{
	gsize shown = MIN(n, MAX_SHOWN_BYTES);

	for (gsize i = 0; i < shown; i++)
		g_string_append_printf(out, "%02x", p[i]);
	if (shown < n)
		g_string_append(out, "...");
}

static void append_string(GString *out, const guint8 *p, gsize max)
{
	g_autofree char *s = g_strndup((const char *)p, max);
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

static gboolean all_zero(const guint8 *p, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		if (p[i])
			return FALSE;
	}
	return TRUE;
}

/* One element of kind f->kind at p, size bytes. */
static void append_value(GString *out, const CkptFieldDesc *f, const guint8 *p, guint size)
{
	guint64 v = ckpt_load_le(p, size);
	const char *name;

	switch (f->kind) {
	case CKPT_FIELD_U32:
	case CKPT_FIELD_U64:
	case CKPT_FIELD_OBJREF_NEW:
	case CKPT_FIELD_OBJREF:
	case CKPT_FIELD_OBJREF_FWD:
		g_string_append_printf(out, "%" G_GUINT64_FORMAT, v);
		break;
	case CKPT_FIELD_S32:
	case CKPT_FIELD_S64:
		g_string_append_printf(out, "%" G_GINT64_FORMAT, ckpt_load_le_signed(p, size));
		break;
	case CKPT_FIELD_HEX:
		g_string_append_printf(out, "0x%" G_GINT64_MODIFIER "x", v);
		break;
	case CKPT_FIELD_OCT:
		g_string_append_printf(out, "0%" G_GINT64_MODIFIER "o", v);
		break;
	case CKPT_FIELD_ENUM:
		name = ckpt_value_name(f->names, v);
		if (name)
			g_string_append(out, name);
		else
			g_string_append_printf(out, "%" G_GUINT64_FORMAT "(unknown)", v);
		break;
	case CKPT_FIELD_TIME_NS:
		append_time(out, v);
		break;
	case CKPT_FIELD_STRING:
		append_string(out, p, size);
		break;
	case CKPT_FIELD_BYTES:
		append_hex_bytes(out, p, size);
		break;
	case CKPT_FIELD_STRUCT:
		g_string_append_c(out, '{');
		append_fields(out, p, f->sub, f->n_sub);
		g_string_append_c(out, '}');
		break;
	case CKPT_FIELD_RESERVED:
		break;
	}
}

/*
 * Arrays of values show up to their last non-zero element; arrays of
 * structs show their non-zero elements by index (64 signal actions are
 * mostly SIG_DFL).
 */
static void append_array(GString *out, const CkptFieldDesc *f, const guint8 *p)
{
	guint n = f->size / f->elem_size;
	guint shown = n;
	gboolean first = TRUE;

	if (f->kind == CKPT_FIELD_STRUCT) {
		g_string_append_c(out, '{');
		for (guint i = 0; i < n; i++) {
			const guint8 *e = p + (gsize)i * f->elem_size;

			if (all_zero(e, f->elem_size))
				continue;
			g_string_append_printf(out, "%s%u:", first ? "" : ",", i);
			append_value(out, f, e, f->elem_size);
			first = FALSE;
		}
		g_string_append_c(out, '}');
		return;
	}
	while (shown > 0 && all_zero(p + (gsize)(shown - 1) * f->elem_size, f->elem_size))
		shown--;
	g_string_append_c(out, '[');
	for (guint i = 0; i < shown; i++) {
		if (i)
			g_string_append_c(out, ',');
		append_value(out, f, p + (gsize)i * f->elem_size, f->elem_size);
	}
	g_string_append_c(out, ']');
	if (shown < n)
		g_string_append_printf(out, "(+%u zero)", n - shown);
}

static void append_fields(GString *out, const guint8 *base, const CkptFieldDesc *fields,
			  guint n_fields)
{
	gboolean first = TRUE;

	for (guint i = 0; i < n_fields; i++) {
		const CkptFieldDesc *f = &fields[i];
		const guint8 *p = base + f->offset;

		if (f->kind == CKPT_FIELD_RESERVED)
			continue;
		g_string_append_printf(out, "%s%s=", first ? "" : " ", f->name);
		first = FALSE;
		if (f->elem_size && f->elem_size != f->size)
			append_array(out, f, p);
		else
			append_value(out, f, p, f->size);
	}
}

static void append_tail(GString *out, const CkptRecordDesc *d, const guint8 *tail, gsize tail_len)
{
	g_string_append_printf(out, " %s=", d->tail_name ? d->tail_name : "tail");
	if (d->tail == CKPT_TAIL_STRING) {
		append_string(out, tail ? tail : (const guint8 *)"", tail_len);
	} else if (d->tail == CKPT_TAIL_STRINGS) {
		g_string_append_c(out, '[');
		for (gsize at = 0; at < tail_len;) {
			gsize n = strnlen((const char *)tail + at, tail_len - at);

			if (at)
				g_string_append_c(out, ',');
			append_string(out, tail + at, n);
			at += n + 1;
		}
		g_string_append_c(out, ']');
	} else {
		g_string_append_printf(out, "%" G_GSIZE_FORMAT " bytes", tail_len);
		if (tail_len) {
			g_string_append_c(out, ' ');
			append_hex_bytes(out, tail, tail_len);
		}
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
	if (d->n_fields) {
		g_string_append_c(out, ' ');
		append_fields(out, rec->data, d->fields, d->n_fields);
	}
	if (d->tail != CKPT_TAIL_NONE)
		append_tail(out, d, tail, tail_len);
}
