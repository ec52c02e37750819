/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record descriptions: one table entry per record type of ckpt_image.h,
 * giving its name, its fixed size, its variable-length tail and its
 * fields. Decoding, text and JSON output and the generic checks (reserved
 * fields zero, strings terminated, objrefs defined before use) all walk
 * this table, so adding a record type is one struct in ckpt_image.h plus
 * one entry in ckpt-record-table.c.
 */
#ifndef CKPT_RECORD_H
#define CKPT_RECORD_H

#include <stddef.h>
#include <glib.h>

#include "ckpt_image.h"

G_BEGIN_DECLS

typedef enum {
	CKPT_FIELD_U32,	       /* unsigned decimal, 4 bytes */
	CKPT_FIELD_U64,	       /* unsigned decimal, 8 bytes */
	CKPT_FIELD_S32,	       /* signed decimal, 4 bytes */
	CKPT_FIELD_S64,	       /* signed decimal, 8 bytes */
	CKPT_FIELD_HEX,	       /* 4 or 8 bytes shown in hex (addresses, masks) */
	CKPT_FIELD_OCT,	       /* 4 bytes shown in octal (modes, umask) */
	CKPT_FIELD_ENUM,       /* 4 bytes, value names in .names */
	CKPT_FIELD_TIME_NS,    /* 8 bytes, CLOCK_REALTIME nanoseconds */
	CKPT_FIELD_STRING,     /* char[size], NUL-terminated, zero after the NUL */
	CKPT_FIELD_BYTES,      /* opaque bytes shown in hex */
	CKPT_FIELD_RESERVED,   /* must be zero; not shown */
	CKPT_FIELD_OBJREF_NEW, /* 4 or 8 bytes: defines a new non-zero objref */
	CKPT_FIELD_OBJREF,     /* 4 or 8 bytes: refers to an earlier objref, 0 = none */
	CKPT_FIELD_OBJREF_FWD, /* same, but the defining record may come later */
	CKPT_FIELD_STRUCT,     /* nested struct(s): .sub describes one element */
} CkptFieldKind;

typedef enum {
	CKPT_TAIL_NONE,	   /* len is exactly the fixed size */
	CKPT_TAIL_BYTES,   /* opaque data (page contents, xsave area...) */
	CKPT_TAIL_STRING,  /* none, or one NUL-terminated string (a path) */
	CKPT_TAIL_STRINGS, /* NUL-terminated strings back to back (root, then cwd) */
} CkptTailKind;

typedef struct {
	guint64 value;
	const char *name;
} CkptValueName;

typedef struct _CkptFieldDesc CkptFieldDesc;

/*
 * A field: size bytes at offset. With elem_size set it is an array of
 * size / elem_size elements, each of the field's kind. Objref kinds are
 * only valid at the top level of a record.
 */
struct _CkptFieldDesc {
	const char *name;
	guint32 offset;
	guint32 size;
	CkptFieldKind kind;
	/* CKPT_FIELD_ENUM: names of the values, ended by a NULL name. */
	const CkptValueName *names;
	/* CKPT_FIELD_OBJREF(_FWD): record type the objref must name; 0 = any. */
	guint32 ref_type;
	/* Arrays: the size of one element; 0 for a single value. */
	guint32 elem_size;
	/* CKPT_FIELD_STRUCT: the fields of one element, offsets within it. */
	const CkptFieldDesc *sub;
	guint n_sub;
};

typedef struct _CkptRecord CkptRecord;
typedef struct _CkptImageContext CkptImageContext;

/*
 * Semantic check of one record, after the generic ones passed. The message
 * names the field and the rule; the reader prefixes the record index, type
 * and offset.
 */
typedef gboolean (*CkptRecordValidateFunc)(const CkptRecord *rec, const CkptImageContext *ctx,
					   GError **error);

typedef struct {
	guint32 type;	   /* enum ckpt_rec_type, CKPT_REC_OPTIONAL included */
	const char *name;  /* short lower-case name: "header", "vma" */
	guint32 fixed_len; /* sizeof the record's struct = minimum len */
	CkptTailKind tail;
	const char *tail_name; /* how output names the tail: "path", "data" */
	guint32 tail_unit;     /* the tail's length is a multiple of this (0 = 1) */
	const CkptFieldDesc *fields;
	guint n_fields;
	CkptRecordValidateFunc validate; /* NULL: generic checks only */
} CkptRecordDesc;

/* One record as the reader returns it. */
struct _CkptRecord {
	guint32 index;	/* 0 for the header */
	guint64 offset; /* byte offset of its struct ckpt_rec */
	guint32 type;
	guint32 len; /* struct ckpt_rec included, padding excluded */
	/* NULL for an unknown optional type the reader skipped. */
	const CkptRecordDesc *desc;
	/*
	 * The len bytes of the record, struct ckpt_rec first, 8-byte aligned
	 * so it may be cast to its struct. Valid until the next read.
	 */
	const guint8 *data;
};

/* What a validator may know about the stream before its record. */
struct _CkptImageContext {
	guint32 nr_records; /* records before this one */
	guint64 stream_len; /* bytes before this one */
	guint64 csum;	    /* xxh64 over those bytes (computed for the trailer only) */
	const struct ckpt_rec_header *header; /* NULL while reading the header */
};

/* A set of record descriptions; the reader decodes with one. */
typedef struct {
	const CkptRecordDesc *descs;
	gsize n_descs;
} CkptRecordTable;

/* The record types of proto/ckpt_image.h. */
const CkptRecordTable *ckpt_record_table_default(void);
const CkptRecordDesc *ckpt_record_table_lookup(const CkptRecordTable *table, guint32 type);

/* Table entry helpers: the offset and size come from the struct itself. */
#define CKPT_FIELD_OF(stype, member, fkind)                                                        \
	{                                                                                          \
		.name = #member, .offset = offsetof(stype, member),                                \
		.size = sizeof(((stype *)0)->member), .kind = (fkind),                             \
	}
#define CKPT_ENUM_OF(stype, member, value_names)                                                   \
	{                                                                                          \
		.name = #member, .offset = offsetof(stype, member),                                \
		.size = sizeof(((stype *)0)->member), .kind = CKPT_FIELD_ENUM,                     \
		.names = (value_names),                                                            \
	}
#define CKPT_OBJREF_OF(stype, member, objref_kind, target_type)                                    \
	{                                                                                          \
		.name = #member, .offset = offsetof(stype, member),                                \
		.size = sizeof(((stype *)0)->member), .kind = (objref_kind),                       \
		.ref_type = (target_type),                                                         \
	}
/* An array member: every element of the given kind. */
#define CKPT_ARRAY_OF(stype, member, fkind)                                                        \
	{                                                                                          \
		.name = #member, .offset = offsetof(stype, member),                                \
		.size = sizeof(((stype *)0)->member), .kind = (fkind),                             \
		.elem_size = sizeof(((stype *)0)->member[0]),                                      \
	}
/* A struct member, or an array of them: sub_fields describe one. */
#define CKPT_STRUCT_OF(stype, member, elem_type, sub_fields)                                       \
	{                                                                                          \
		.name = #member, .offset = offsetof(stype, member),                                \
		.size = sizeof(((stype *)0)->member), .kind = CKPT_FIELD_STRUCT,                   \
		.elem_size = sizeof(elem_type), .sub = (sub_fields),                               \
		.n_sub = G_N_ELEMENTS(sub_fields),                                                 \
	}

/* Field access, little-endian on every host. */
guint64 ckpt_load_le(const guint8 *p, guint size);
gint64 ckpt_load_le_signed(const guint8 *p, guint size);
/* A single-value field of a record. */
guint64 ckpt_field_get_u64(const CkptRecord *rec, const CkptFieldDesc *field);
gint64 ckpt_field_get_s64(const CkptRecord *rec, const CkptFieldDesc *field);
const CkptFieldDesc *ckpt_record_desc_find_field(const CkptRecordDesc *desc, const char *name);
const char *ckpt_value_name(const CkptValueName *names, guint64 value);

/* The bytes after the fixed struct; NULL and 0 when there are none. */
const guint8 *ckpt_record_tail(const CkptRecord *rec, gsize *tail_len);

/* "vma", or "optional 0x80000123" / "type 0x123" for unknown types. */
char *ckpt_record_type_name(const CkptRecord *rec);

/*
 * The table-driven checks of one record whose len the reader already
 * checked: reserved fields zero, strings terminated, the tail's unit and
 * form. Objrefs need the stream's history, so the reader checks them.
 */
gboolean ckpt_record_check_fields(const CkptRecord *rec, GError **error);

/* Appends " name=value" for every shown field and the tail. */
void ckpt_record_format_fields(const CkptRecord *rec, GString *out);

G_END_DECLS

#endif /* CKPT_RECORD_H */
