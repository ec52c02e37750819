// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one table of record types. To add a record type: define its struct
 * in proto/ckpt_image.h, list every field after the struct ckpt_rec here
 * (tests/unit/image/test-record-table.c fails if a byte of the struct is
 * left out or described twice), and add a validator to
 * ckpt-record-validators.c when the type has rules beyond the generic ones.
 */
#include "ckpt-record.h"
#include "ckpt-record-validators.h"

static const CkptValueName arch_names[] = {
	{CKPT_ARCH_X86_64, "x86_64"},
	{0, NULL},
};

static const CkptValueName csum_kind_names[] = {
	{CKPT_CSUM_XXH64, "xxh64"},
	{0, NULL},
};

static const CkptFieldDesc header_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_header, magic, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_header, version, CKPT_FIELD_U32),
	CKPT_ENUM_OF(struct ckpt_rec_header, arch, arch_names),
	CKPT_FIELD_OF(struct ckpt_rec_header, page_size, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_header, xsave_size, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_header, xsave_features, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_header, created_ns, CKPT_FIELD_TIME_NS),
	CKPT_FIELD_OF(struct ckpt_rec_header, flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_header, kernel_release, CKPT_FIELD_STRING),
	CKPT_FIELD_OF(struct ckpt_rec_header, reserved, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc trailer_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_trailer, nr_records, CKPT_FIELD_U32),
	CKPT_ENUM_OF(struct ckpt_rec_trailer, csum_kind, csum_kind_names),
	CKPT_FIELD_OF(struct ckpt_rec_trailer, stream_len, CKPT_FIELD_U64),
	CKPT_FIELD_OF(struct ckpt_rec_trailer, csum, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_trailer, reserved, CKPT_FIELD_RESERVED),
};

/* A record without a tail: len is exactly sizeof(stype). */
#define CKPT_RECORD(type_id, type_name, stype, field_list, validator)                              \
	{                                                                                          \
		.type = (type_id), .name = (type_name), .fixed_len = sizeof(stype),                \
		.tail = CKPT_TAIL_NONE, .fields = (field_list),                                    \
		.n_fields = G_N_ELEMENTS(field_list), .validate = (validator),                     \
	}

/*
 * A record with a variable tail after sizeof(stype): opaque bytes in
 * multiples of unit (CKPT_TAIL_BYTES), or one NUL-terminated string
 * (CKPT_TAIL_STRING), shown as tail_label.
 */
#define CKPT_RECORD_TAIL(type_id, type_name, stype, field_list, validator, tail_kind, tail_label,  \
			 unit)                                                                     \
	{                                                                                          \
		.type = (type_id), .name = (type_name), .fixed_len = sizeof(stype),                \
		.tail = (tail_kind), .tail_name = (tail_label), .tail_unit = (unit),               \
		.fields = (field_list), .n_fields = G_N_ELEMENTS(field_list),                      \
		.validate = (validator),                                                           \
	}

static const CkptRecordDesc record_descs[] = {
	CKPT_RECORD(CKPT_REC_HEADER, "header", struct ckpt_rec_header, header_fields,
		    ckpt_validate_header),
	CKPT_RECORD(CKPT_REC_TRAILER, "trailer", struct ckpt_rec_trailer, trailer_fields,
		    ckpt_validate_trailer),
};

static const CkptRecordTable default_table = {
	.descs = record_descs,
	.n_descs = G_N_ELEMENTS(record_descs),
};

const CkptRecordTable *ckpt_record_table_default(void)
{
	return &default_table;
}

const CkptRecordDesc *ckpt_record_table_lookup(const CkptRecordTable *table, guint32 type)
{
	/* A few dozen types: a linear scan beats any index in clarity. */
	for (gsize i = 0; i < table->n_descs; i++) {
		if (table->descs[i].type == type)
			return &table->descs[i];
	}
	return NULL;
}
