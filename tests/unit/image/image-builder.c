// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include <xxhash.h>

#include "image-builder.h"

struct _ImageBuilder {
	GOutputStream *mem;
	CkptImageWriter *writer;
};

ImageBuilder *image_builder_new(void)
{
	ImageBuilder *b = g_new0(ImageBuilder, 1);

	b->mem = g_memory_output_stream_new_resizable();
	b->writer = ckpt_image_writer_new(b->mem);
	return b;
}

void image_builder_add(ImageBuilder *b, guint32 type, const void *rec, gsize rec_size,
		       const void *tail, gsize tail_len)
{
	g_autoptr(GError) error = NULL;

	ckpt_image_writer_append(b->writer, type, rec, rec_size, tail, tail_len, NULL, &error);
	g_assert_no_error(error);
}

void image_builder_add_header(ImageBuilder *b)
{
	struct ckpt_rec_header hdr;

	ckpt_image_header_init(&hdr);
	image_builder_add(b, CKPT_REC_HEADER, &hdr, sizeof(hdr), NULL, 0);
}

static GByteArray *builder_bytes(ImageBuilder *b)
{
	GMemoryOutputStream *mem = G_MEMORY_OUTPUT_STREAM(b->mem);
	GByteArray *img = g_byte_array_new();

	g_assert_true(g_output_stream_close(b->mem, NULL, NULL));
	g_byte_array_append(img, g_memory_output_stream_get_data(mem),
			    g_memory_output_stream_get_data_size(mem));
	ckpt_image_writer_free(b->writer);
	g_object_unref(b->mem);
	g_free(b);
	return img;
}

GByteArray *image_builder_finish(ImageBuilder *b)
{
	g_autoptr(GError) error = NULL;

	ckpt_image_writer_finish(b->writer, NULL, &error);
	g_assert_no_error(error);
	return builder_bytes(b);
}

GByteArray *image_builder_abandon(ImageBuilder *b)
{
	return builder_bytes(b);
}

GByteArray *image_build_small(void)
{
	ImageBuilder *b = image_builder_new();
	struct ckpt_rec opt = {0};
	GByteArray *img;

	image_builder_add_header(b);
	image_builder_add(b, SMALL_OPTIONAL_TYPE, &opt, sizeof(opt), "\x11\x22\x33\x44\x55", 5);
	img = image_builder_finish(b);
	g_assert_cmpuint(img->len, ==, SMALL_SIZE);
	return img;
}

gboolean image_read(const GByteArray *img, const CkptRecordTable *table, GError **error)
{
	g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data(img->data, img->len, NULL);
	g_autoptr(CkptImageReader) reader =
		ckpt_image_reader_new_with_table(in, table ? table : ckpt_record_table_default());

	return ckpt_image_reader_read_all(reader, NULL, error);
}

void image_put_u32(GByteArray *img, gsize at, guint32 v)
{
	guint32 le = GUINT32_TO_LE(v);

	g_assert_cmpuint(at + sizeof(le), <=, img->len);
	memcpy(img->data + at, &le, sizeof(le));
}

void image_put_u64(GByteArray *img, gsize at, guint64 v)
{
	guint64 le = GUINT64_TO_LE(v);

	g_assert_cmpuint(at + sizeof(le), <=, img->len);
	memcpy(img->data + at, &le, sizeof(le));
}

void image_fix_trailer(GByteArray *img)
{
	gsize at = img->len - sizeof(struct ckpt_rec_trailer);

	image_put_u64(img, at + offsetof(struct ckpt_rec_trailer, stream_len), at);
	image_put_u64(img, at + offsetof(struct ckpt_rec_trailer, csum), XXH64(img->data, at, 0));
}
