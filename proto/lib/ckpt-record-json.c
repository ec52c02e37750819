// SPDX-License-Identifier: GPL-2.0-only
/* JSON rendering of a record's fields, driven by the record table. */
#include "ckpt-record-json.h"

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
static void add_bytes_as_string(JsonBuilder *b, const guint8 *p, gsize max)
{
	gsize n = 0;

	while (n < max && p[n])
		n++;
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

static void add_field(JsonBuilder *b, const CkptRecord *rec, const CkptFieldDesc *f)
{
	guint64 v = ckpt_field_get_u64(rec, f);
	const char *name;

	switch (f->kind) {
	case CKPT_FIELD_U32:
	case CKPT_FIELD_U64:
	case CKPT_FIELD_TIME_NS:
	case CKPT_FIELD_OBJREF_NEW:
	case CKPT_FIELD_OBJREF:
		add_unsigned(b, v);
		break;
	case CKPT_FIELD_S32:
	case CKPT_FIELD_S64:
		json_builder_add_int_value(b, ckpt_field_get_s64(rec, f));
		break;
	case CKPT_FIELD_HEX: {
		g_autofree char *s = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", v);

		json_builder_add_string_value(b, s);
		break;
	}
	case CKPT_FIELD_ENUM:
		name = ckpt_value_name(f->names, v);
		if (name)
			json_builder_add_string_value(b, name);
		else
			add_unsigned(b, v);
		break;
	case CKPT_FIELD_STRING:
		add_bytes_as_string(b, rec->data + f->offset, f->size);
		break;
	case CKPT_FIELD_BYTES:
		add_hex_bytes(b, rec->data + f->offset, f->size);
		break;
	case CKPT_FIELD_RESERVED:
		break;
	}
}

static void add_fields(JsonBuilder *b, const CkptRecord *rec)
{
	const CkptRecordDesc *d = rec->desc;
	gsize tail_len;
	const guint8 *tail = ckpt_record_tail(rec, &tail_len);
	const char *tail_name = d->tail_name ? d->tail_name : "tail";

	json_builder_begin_object(b);
	for (guint i = 0; i < d->n_fields; i++) {
		const CkptFieldDesc *f = &d->fields[i];

		if (f->kind == CKPT_FIELD_RESERVED)
			continue;
		json_builder_set_member_name(b, f->name);
		add_field(b, rec, f);
	}
	if (d->tail == CKPT_TAIL_STRING) {
		json_builder_set_member_name(b, tail_name);
		add_bytes_as_string(b, tail ? tail : (const guint8 *)"", tail_len);
	} else if (d->tail == CKPT_TAIL_BYTES) {
		g_autofree char *member = g_strconcat(tail_name, "_len", NULL);

		json_builder_set_member_name(b, member);
		json_builder_add_int_value(b, (gint64)tail_len);
	}
	json_builder_end_object(b);
}

JsonNode *ckpt_record_fields_to_json(const CkptRecord *rec)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	if (!rec->desc)
		return json_node_init_object(json_node_alloc(), json_object_new());
	add_fields(b, rec);
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
		add_fields(b, rec);
	} else {
		json_builder_set_member_name(b, "skipped");
		json_builder_add_boolean_value(b, TRUE);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
