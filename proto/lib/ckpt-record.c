// SPDX-License-Identifier: GPL-2.0-only
/* Field access and naming for records described by the record table. */
#include <string.h>

#include "ckpt-record.h"

guint64 ckpt_load_le(const guint8 *p, guint size)
{
	guint64 v = 0;

	/* Byte by byte: little-endian on any host, no alignment assumed. */
	for (guint i = 0; i < size && i < sizeof(v); i++)
		v |= (guint64)p[i] << (8 * i);
	return v;
}

guint64 ckpt_field_get_u64(const CkptRecord *rec, const CkptFieldDesc *field)
{
	return ckpt_load_le(rec->data + field->offset, field->size);
}

gint64 ckpt_load_le_signed(const guint8 *p, guint size)
{
	guint64 v = ckpt_load_le(p, size);

	/* Sign-extend from the field's width. */
	if (size < sizeof(v) && size > 0) {
		guint shift = 64 - 8 * size;
		return (gint64)(v << shift) >> shift;
	}
	return (gint64)v;
}

gint64 ckpt_field_get_s64(const CkptRecord *rec, const CkptFieldDesc *field)
{
	return ckpt_load_le_signed(rec->data + field->offset, field->size);
}

const CkptFieldDesc *ckpt_record_desc_find_field(const CkptRecordDesc *desc, const char *name)
{
	for (guint i = 0; i < desc->n_fields; i++) {
		if (strcmp(desc->fields[i].name, name) == 0)
			return &desc->fields[i];
	}
	return NULL;
}

const char *ckpt_value_name(const CkptValueName *names, guint64 value)
{
	for (const CkptValueName *n = names; n && n->name; n++) {
		if (n->value == value)
			return n->name;
	}
	return NULL;
}

const guint8 *ckpt_record_tail(const CkptRecord *rec, gsize *tail_len)
{
	guint32 fixed = rec->desc ? rec->desc->fixed_len : sizeof(struct ckpt_rec);

	if (rec->len <= fixed) {
		*tail_len = 0;
		return NULL;
	}
	*tail_len = rec->len - fixed;
	return rec->data + fixed;
}

char *ckpt_record_type_name(const CkptRecord *rec)
{
	if (rec->desc)
		return g_strdup(rec->desc->name);
	if (rec->type & CKPT_REC_OPTIONAL)
		return g_strdup_printf("optional 0x%08x", rec->type);
	return g_strdup_printf("type 0x%08x", rec->type);
}
