// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the fuzzer's seed corpus into a directory, with the library's
 * writer: minimal and small valid images, one with a large record, and one
 * image per record type of the table, so the fuzzer starts from every
 * type's id and size instead of finding them by chance.
 */
#include <stdio.h>
#include <string.h>

#include "ckpt-image.h"

static void save(const char *dir, const char *name, GOutputStream *mem)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;
	GMemoryOutputStream *m = G_MEMORY_OUTPUT_STREAM(mem);

	if (!g_file_set_contents(path, g_memory_output_stream_get_data(m),
				 (gssize)g_memory_output_stream_get_data_size(m), &error))
		g_error("%s", error->message);
}

static CkptImageWriter *start(GOutputStream **mem)
{
	struct ckpt_rec_header hdr;
	CkptImageWriter *w;

	*mem = g_memory_output_stream_new_resizable();
	w = ckpt_image_writer_new(*mem);
	ckpt_image_header_init(&hdr);
	/* Seeds are reproducible: no clock, no host kernel name. */
	hdr.created_ns = GUINT64_TO_LE(1700000000000000000ULL);
	memset(hdr.kernel_release, 0, sizeof(hdr.kernel_release));
	strcpy(hdr.kernel_release, "6.1.0-fuzz-amd64");
	ckpt_image_writer_append(w, CKPT_REC_HEADER, &hdr, sizeof(hdr), NULL, 0, NULL, NULL);
	return w;
}

static void finish(const char *dir, const char *name, CkptImageWriter *w, GOutputStream *mem)
{
	g_autoptr(GError) error = NULL;

	if (!ckpt_image_writer_finish(w, NULL, &error))
		g_error("%s: %s", name, error->message);
	save(dir, name, mem);
	ckpt_image_writer_free(w);
	g_object_unref(mem);
}

/* A record of the type with zero fields, fresh objrefs and a short tail. */
static void append_typed(CkptImageWriter *w, const CkptRecordDesc *d, guint32 *next_objref)
{
	g_autofree guint8 *rec = g_malloc0(d->fixed_len);
	const char *tail = d->tail == CKPT_TAIL_NONE ? NULL : "/seed";

	for (guint i = 0; i < d->n_fields; i++) {
		const CkptFieldDesc *f = &d->fields[i];
		guint32 ref = GUINT32_TO_LE((*next_objref)++);

		if (f->kind == CKPT_FIELD_OBJREF_NEW)
			memcpy(rec + f->offset, &ref, MIN(sizeof(ref), f->size));
	}
	ckpt_image_writer_append(w, d->type, rec, d->fixed_len, tail, tail ? 6 : 0, NULL, NULL);
}

int main(int argc, char **argv)
{
	const CkptRecordTable *t = ckpt_record_table_default();
	GOutputStream *mem;
	CkptImageWriter *w;
	struct ckpt_rec rec = {0};
	g_autofree guint8 *big = g_malloc(70000);
	guint32 next_objref = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	g_mkdir_with_parents(argv[1], 0755);

	w = start(&mem);
	finish(argv[1], "minimal.img", w, mem);

	w = start(&mem);
	ckpt_image_writer_append(w, CKPT_REC_OPTIONAL | 0x1234, &rec, sizeof(rec), "\x01\x02\x03",
				 3, NULL, NULL);
	finish(argv[1], "optional.img", w, mem);

	for (gsize i = 0; i < 70000; i++)
		big[i] = (guint8)i;
	w = start(&mem);
	ckpt_image_writer_append(w, CKPT_REC_OPTIONAL | 0x99, &rec, sizeof(rec), big, 70000, NULL,
				 NULL);
	finish(argv[1], "large.img", w, mem);

	/* Every type in one image, in table order, then one image per type. */
	w = start(&mem);
	for (gsize i = 0; i < t->n_descs; i++) {
		if (t->descs[i].type != CKPT_REC_HEADER && t->descs[i].type != CKPT_REC_TRAILER)
			append_typed(w, &t->descs[i], &next_objref);
	}
	finish(argv[1], "all-types.img", w, mem);
	for (gsize i = 0; i < t->n_descs; i++) {
		g_autofree char *name = g_strdup_printf("type-%s.img", t->descs[i].name);

		if (t->descs[i].type == CKPT_REC_HEADER || t->descs[i].type == CKPT_REC_TRAILER)
			continue;
		w = start(&mem);
		append_typed(w, &t->descs[i], &next_objref);
		finish(argv[1], name, w, mem);
	}
	return 0;
}
