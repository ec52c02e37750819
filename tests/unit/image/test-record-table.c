// SPDX-License-Identifier: GPL-2.0-only
/*
 * The record table must describe proto/ckpt_image.h exactly: every type
 * once, each fixed size equal to its struct, and every byte after the
 * struct ckpt_rec described by exactly one field, so a field added to a
 * struct but not to the table (or a layout change) fails here.
 */
#include <string.h>

#include "ckpt-image.h"

/* Each record type of ckpt_image.h and the size of its struct. */
static const struct {
	guint32 type;
	gsize size;
} known_types[] = {
	{CKPT_REC_HEADER, sizeof(struct ckpt_rec_header)},
	{CKPT_REC_TRAILER, sizeof(struct ckpt_rec_trailer)},
	{CKPT_REC_CONTAINER, sizeof(struct ckpt_rec_container)},
	{CKPT_REC_TASK, sizeof(struct ckpt_rec_task)},
	{CKPT_REC_TASK_BEGIN, sizeof(struct ckpt_rec_task_begin)},
	{CKPT_REC_CREDS, sizeof(struct ckpt_rec_creds)},
	{CKPT_REC_MM, sizeof(struct ckpt_rec_mm)},
	{CKPT_REC_VMA, sizeof(struct ckpt_rec_vma)},
	{CKPT_REC_PAGES, sizeof(struct ckpt_rec_pages)},
	{CKPT_REC_FILE, sizeof(struct ckpt_rec_file)},
	{CKPT_REC_PIPE, sizeof(struct ckpt_rec_pipe)},
	{CKPT_REC_FILES, sizeof(struct ckpt_rec_files)},
	{CKPT_REC_FD, sizeof(struct ckpt_rec_fd)},
	{CKPT_REC_FS, sizeof(struct ckpt_rec_fs)},
	{CKPT_REC_SIGHAND, sizeof(struct ckpt_rec_sighand)},
	{CKPT_REC_SIGNAL, sizeof(struct ckpt_rec_signal)},
	{CKPT_REC_SIGINFO, sizeof(struct ckpt_rec_siginfo)},
	{CKPT_REC_CPU, sizeof(struct ckpt_rec_cpu)},
	{CKPT_REC_XSAVE, sizeof(struct ckpt_rec_xsave)},
};

static gsize expected_size(guint32 type)
{
	for (gsize i = 0; i < G_N_ELEMENTS(known_types); i++) {
		if (known_types[i].type == type)
			return known_types[i].size;
	}
	return 0;
}

static void test_every_type_listed(void)
{
	const CkptRecordTable *t = ckpt_record_table_default();

	g_assert_cmpuint(t->n_descs, ==, G_N_ELEMENTS(known_types));
	/* Every number below CKPT_REC_FIRST_UNUSED that is in use is described. */
	for (guint32 type = CKPT_REC_CONTAINER; type < CKPT_REC_FIRST_UNUSED; type++)
		g_assert_nonnull(ckpt_record_table_lookup(t, type));
	for (gsize i = 0; i < G_N_ELEMENTS(known_types); i++) {
		const CkptRecordDesc *d = ckpt_record_table_lookup(t, known_types[i].type);

		g_assert_nonnull(d);
		g_assert_cmpuint(d->fixed_len, ==, known_types[i].size);
	}
}

/* The version-1 layout is frozen: these sizes never change. */
static void test_frozen_sizes(void)
{
	g_assert_cmpuint(sizeof(struct ckpt_rec), ==, 8);
	g_assert_cmpuint(sizeof(struct ckpt_rec_header), ==, 160);
	g_assert_cmpuint(sizeof(struct ckpt_rec_trailer), ==, 48);
	g_assert_cmpuint(offsetof(struct ckpt_rec_header, magic), ==, 8);
}

static gsize kind_size(CkptFieldKind kind)
{
	switch (kind) {
	case CKPT_FIELD_U32:
	case CKPT_FIELD_S32:
	case CKPT_FIELD_OCT:
	case CKPT_FIELD_ENUM:
		return 4;
	case CKPT_FIELD_U64:
	case CKPT_FIELD_S64:
	case CKPT_FIELD_TIME_NS:
		return 8;
	default:
		return 0; /* several sizes allowed */
	}
}

static void check_fields(const CkptRecordDesc *d, const CkptFieldDesc *fields, guint n_fields,
			 guint32 start, guint32 end, gboolean top);

static void check_field(const CkptRecordDesc *d, const CkptFieldDesc *f, gboolean top)
{
	gsize unit = f->elem_size ? f->elem_size : f->size;
	gsize want = kind_size(f->kind);

	g_test_message("%s.%s: offset %u size %u elem %u kind %d", d->name, f->name, f->offset,
		       f->size, f->elem_size, f->kind);
	g_assert_nonnull(f->name);
	g_assert_cmpuint(f->size, >, 0);
	g_assert_cmpuint(f->size % unit, ==, 0);
	if (want)
		g_assert_cmpuint(unit, ==, want);
	if (f->kind == CKPT_FIELD_HEX)
		g_assert_true(unit == 4 || unit == 8);
	if (f->kind == CKPT_FIELD_OBJREF || f->kind == CKPT_FIELD_OBJREF_NEW ||
	    f->kind == CKPT_FIELD_OBJREF_FWD) {
		/* The reader tracks objrefs of the record's top level only. */
		g_assert_true(top);
		g_assert_cmpuint(f->elem_size, ==, 0);
		g_assert_true(f->size == 4 || f->size == 8);
	}
	if (f->kind == CKPT_FIELD_ENUM)
		g_assert_nonnull(f->names);
	if (f->ref_type)
		g_assert_nonnull(
			ckpt_record_table_lookup(ckpt_record_table_default(), f->ref_type));
	if (f->kind == CKPT_FIELD_STRUCT) {
		g_assert_nonnull(f->sub);
		check_fields(d, f->sub, f->n_sub, 0, f->elem_size, FALSE);
	} else {
		g_assert_null(f->sub);
	}
	if (top)
		g_assert_true(ckpt_record_desc_find_field(d, f->name) == f);
}

/* Fields are listed in struct order, each starting where the last ended. */
static void check_fields(const CkptRecordDesc *d, const CkptFieldDesc *fields, guint n_fields,
			 guint32 start, guint32 end, gboolean top)
{
	guint32 at = start;

	for (guint j = 0; j < n_fields; j++) {
		check_field(d, &fields[j], top);
		g_assert_cmpuint(fields[j].offset, ==, at);
		at += fields[j].size;
	}
	g_assert_cmpuint(at, ==, end);
}

static void test_fields_tile_structs(void)
{
	const CkptRecordTable *t = ckpt_record_table_default();

	for (gsize i = 0; i < t->n_descs; i++) {
		const CkptRecordDesc *d = &t->descs[i];

		g_assert_cmpuint(d->fixed_len, ==, expected_size(d->type));
		g_assert_cmpuint(d->fixed_len % CKPT_REC_ALIGN, ==, 0);
		check_fields(d, d->fields, d->n_fields, sizeof(struct ckpt_rec), d->fixed_len,
			     TRUE);
		g_assert_true((d->tail == CKPT_TAIL_NONE) == (d->tail_name == NULL));
	}
}

static void test_names_and_types_unique(void)
{
	const CkptRecordTable *t = ckpt_record_table_default();

	for (gsize i = 0; i < t->n_descs; i++) {
		g_assert_nonnull(t->descs[i].name);
		g_assert_true(g_regex_match_simple("^[a-z][a-z0-9_]*$", t->descs[i].name, 0, 0));
		g_assert_true(ckpt_record_table_lookup(t, t->descs[i].type) == &t->descs[i]);
		for (gsize j = 0; j < i; j++)
			g_assert_cmpstr(t->descs[i].name, !=, t->descs[j].name);
	}
}

static void test_lookup_unknown(void)
{
	const CkptRecordTable *t = ckpt_record_table_default();

	g_assert_null(ckpt_record_table_lookup(t, 0));
	g_assert_null(ckpt_record_table_lookup(t, CKPT_REC_OPTIONAL | CKPT_REC_HEADER));
	g_assert_null(ckpt_record_table_lookup(t, 0xffff));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/image/table/every-type-listed", test_every_type_listed);
	g_test_add_func("/image/table/frozen-sizes", test_frozen_sizes);
	g_test_add_func("/image/table/fields-tile-structs", test_fields_tile_structs);
	g_test_add_func("/image/table/names-and-types-unique", test_names_and_types_unique);
	g_test_add_func("/image/table/lookup-unknown", test_lookup_unknown);
	return g_test_run();
}
