// SPDX-License-Identifier: GPL-2.0-only
/* JSON rendering of a record's fields, driven by the record table. */
#include <string.h>

#include "ckpt-record-json.h"

static void add_fields(JsonBuilder *b, const guint8 *base, const CkptFieldDesc *fields,
		       guint n_fields);

static void add_unsigned(JsonBuilder *b, guint64 v)
{
	/* JSON numbers in json-glib are gint64; keep larger values exact. */
	if (v > G_MAXINT64) {
		g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, v);

		json_builder_add_string_value(b, s);
	} else {
		json_builder_add_int_value(b, (gint64)v);
	}
}

/* Image strings are untrusted bytes; JSON wants valid UTF-8. */
static void add_string(JsonBuilder *b, const guint8 *p, gsize max)
{
	gsize n = strnlen((const char *)p, max);
	g_autofree char *s = g_utf8_make_valid((const char *)p, (gssize)n);

	json_builder_add_string_value(b, s);
}

static void add_hex_bytes(JsonBuilder *b, const guint8 *p, gsize n)
{
	g_autoptr(GString) s = g_string_sized_new(2 * n + 1);

	for (gsize i = 0; i < n; i++)
		g_string_append_printf(s, "%02x", p[i]);
	json_builder_add_string_value(b, s->str);
}

static void add_radix(JsonBuilder *b, guint64 v, gboolean octal)
{
	g_autofree char *s = octal ? g_strdup_printf("0%" G_GINT64_MODIFIER "o", v)
				   : g_strdup_printf("0x%" G_GINT64_MODIFIER "x", v);

	json_builder_add_string_value(b, s);
}

static void add_value(JsonBuilder *b, const CkptFieldDesc *f, const guint8 *p, guint size)
{
	guint64 v = ckpt_load_le(p, size);
	const char *name;

	switch (f->kind) {
	case CKPT_FIELD_U32:
	case CKPT_FIELD_U64:
	case CKPT_FIELD_TIME_NS:
	case CKPT_FIELD_OBJREF_NEW:
	case CKPT_FIELD_OBJREF:
	case CKPT_FIELD_OBJREF_FWD:
		add_unsigned(b, v);
		break;
	case CKPT_FIELD_S32:
	case CKPT_FIELD_S64:
		json_builder_add_int_value(b, ckpt_load_le_signed(p, size));
		break;
	case CKPT_FIELD_HEX:
		add_radix(b, v, FALSE);
		break;
	case CKPT_FIELD_OCT:
		add_radix(b, v, TRUE);
		break;
	case CKPT_FIELD_ENUM:
		name = ckpt_value_name(f->names, v);
		if (name)
			json_builder_add_string_value(b, name);
		else
			add_unsigned(b, v);
		break;
	case CKPT_FIELD_STRING:
		add_string(b, p, size);
		break;
	case CKPT_FIELD_BYTES:
		add_hex_bytes(b, p, size);
		break;
	case CKPT_FIELD_STRUCT:
		json_builder_begin_object(b);
		add_fields(b, p, f->sub, f->n_sub);
		json_builder_end_object(b);
		break;
	case CKPT_FIELD_RESERVED:
		json_builder_add_null_value(b);
		break;
	}
}

static void add_fields(JsonBuilder *b, const guint8 *base, const CkptFieldDesc *fields,
		       guint n_fields)
{
	for (guint i = 0; i < n_fields; i++) {
		const CkptFieldDesc *f = &fields[i];
		const guint8 *p = base + f->offset;

		if (f->kind == CKPT_FIELD_RESERVED)
			continue;
		json_builder_set_member_name(b, f->name);
		if (f->elem_size && f->elem_size != f->size) {
			json_builder_begin_array(b);
			for (guint off = 0; off + f->elem_size <= f->size; off += f->elem_size)
				add_value(b, f, p + off, f->elem_size);
			json_builder_end_array(b);
		} else {
			add_value(b, f, p, f->size);
		}
	}
}

static void add_tail(JsonBuilder *b, const CkptRecordDesc *d, const guint8 *tail, gsize tail_len)
{
	const char *tail_name = d->tail_name ? d->tail_name : "tail";
	g_autofree char *len_name = g_strconcat(tail_name, "_len", NULL);

	switch (d->tail) {
	case CKPT_TAIL_NONE:
		break;
	case CKPT_TAIL_STRING:
		json_builder_set_member_name(b, tail_name);
		add_string(b, tail ? tail : (const guint8 *)"", tail_len);
		break;
	case CKPT_TAIL_STRINGS:
		json_builder_set_member_name(b, tail_name);
		json_builder_begin_array(b);
		for (gsize at = 0; at < tail_len;) {
			gsize n = strnlen((const char *)tail + at, tail_len - at);

			add_string(b, tail + at, n);
			at += n + 1;
		}
		json_builder_end_array(b);
		break;
	case CKPT_TAIL_BYTES:
		json_builder_set_member_name(b, len_name);
		json_builder_add_int_value(b, (gint64)tail_len);
		break;
	}
}

static void add_record_fields(JsonBuilder *b, const CkptRecord *rec)
{
	gsize tail_len;
	const guint8 *tail = ckpt_record_tail(rec, &tail_len);

	json_builder_begin_object(b);
	add_fields(b, rec->data, rec->desc->fields, rec->desc->n_fields);
	add_tail(b, rec->desc, tail, tail_len);
	json_builder_end_object(b);
}

JsonNode *ckpt_record_fields_to_json(const CkptRecord *rec)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	if (rec->desc) {
		add_record_fields(b, rec);
	} else {
		json_builder_begin_object(b);
		json_builder_end_object(b);
	}
	return json_builder_get_root(b);
}

JsonNode *ckpt_record_to_json(const CkptRecord *rec)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *type_name = ckpt_record_type_name(rec);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "index");
	json_builder_add_int_value(b, rec->index);
	json_builder_set_member_name(b, "offset");
	json_builder_add_int_value(b, (gint64)rec->offset);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type_name);
	json_builder_set_member_name(b, "type_id");
	json_builder_add_int_value(b, rec->type);
	json_builder_set_member_name(b, "len");
	json_builder_add_int_value(b, rec->len);
	if (rec->desc) {
		json_builder_set_member_name(b, "fields");
		add_record_fields(b, rec);
	} else {
		json_builder_set_member_name(b, "skipped");
		json_builder_add_boolean_value(b, TRUE);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
