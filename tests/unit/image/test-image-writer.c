// SPDX-License-Identifier: GPL-2.0-only
/* The writer's byte layout and its refusals. */
#include <string.h>
#include <xxhash.h>

#include "image-builder.h"

static void test_layout(void)
{
	g_autoptr(GByteArray) img = image_build_small();
	const struct ckpt_rec_trailer *tr = (const void *)(img->data + SMALL_TRAILER_AT);
	static const guint8 optional_record[] = {
		0x21, 0x43, 0x65, 0x87,		       /* type 0x87654321, little-endian */
		13,   0,    0,	  0,		       /* len: 8 + 5 */
		0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0, /* tail, then zero padding */
	};

	g_assert_cmpmem(img->data + SMALL_OPTIONAL_AT, sizeof(optional_record), optional_record,
			sizeof(optional_record));
	g_assert_cmpuint(GUINT32_FROM_LE(tr->h.type), ==, CKPT_REC_TRAILER);
	g_assert_cmpuint(GUINT32_FROM_LE(tr->h.len), ==, sizeof(*tr));
	g_assert_cmpuint(GUINT32_FROM_LE(tr->nr_records), ==, 2);
	g_assert_cmpuint(GUINT32_FROM_LE(tr->csum_kind), ==, CKPT_CSUM_XXH64);
	g_assert_cmpuint(GUINT64_FROM_LE(tr->stream_len), ==, SMALL_TRAILER_AT);
	g_assert_cmpuint(GUINT64_FROM_LE(tr->csum), ==, XXH64(img->data, SMALL_TRAILER_AT, 0));
	g_assert_cmpuint(tr->reserved[0] | tr->reserved[1], ==, 0);
}

static void test_header_init(void)
{
	struct ckpt_rec_header hdr;

	memset(&hdr, 0xa5, sizeof(hdr));
	ckpt_image_header_init(&hdr);
	g_assert_cmpuint(GUINT64_FROM_LE(hdr.magic), ==, CKPT_IMAGE_MAGIC);
	g_assert_cmpmem(&hdr.magic, 8, "CKPTIMG", 8);
	g_assert_cmpuint(GUINT32_FROM_LE(hdr.version), ==, CKPT_IMAGE_VERSION);
	g_assert_cmpuint(GUINT32_FROM_LE(hdr.page_size), >=, 4096);
	g_assert_cmpuint(GUINT64_FROM_LE(hdr.created_ns), >, 0);
	g_assert_cmpuint(strlen(hdr.kernel_release), >, 0);
	g_assert_cmpuint(hdr.reserved[0] | hdr.reserved[1] | hdr.reserved[2] | hdr.reserved[3], ==,
			 0);
}

static void test_counts(void)
{
	g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable();
	g_autoptr(CkptImageWriter) w = ckpt_image_writer_new(mem);
	g_autoptr(GError) error = NULL;
	struct ckpt_rec_header hdr;

	ckpt_image_header_init(&hdr);
	g_assert_true(ckpt_image_writer_append(w, CKPT_REC_HEADER, &hdr, sizeof(hdr), NULL, 0, NULL,
					       &error));
	g_assert_cmpuint(ckpt_image_writer_get_nr_records(w), ==, 1);
	g_assert_cmpuint(ckpt_image_writer_get_offset(w), ==, sizeof(hdr));
	g_assert_true(ckpt_image_writer_finish(w, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ckpt_image_writer_get_nr_records(w), ==, 2);
	g_assert_cmpuint(ckpt_image_writer_get_offset(w), ==, sizeof(hdr) + 48);
}

static void test_refusals(void)
{
	g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable();
	g_autoptr(CkptImageWriter) w = ckpt_image_writer_new(mem);
	g_autoptr(GError) error = NULL;
	struct ckpt_rec rec = {0};
	static guint8 big[CKPT_REC_MAX_LEN];

	g_assert_false(ckpt_image_writer_append(w, 5, &rec, 4, NULL, 0, NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_LEN);
	g_assert_cmpstr(error->message, ==,
			"record 0 at byte 0: cannot write type 0x00000005 with a 4-byte struct and "
			"a 0-byte tail");
	g_clear_error(&error);

	g_assert_false(
		ckpt_image_writer_append(w, 5, &rec, sizeof(rec), big, sizeof(big), NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_LEN);
	g_clear_error(&error);
	/* The biggest record allowed goes through. */
	g_assert_true(ckpt_image_writer_append(w, CKPT_REC_OPTIONAL | 9, &rec, sizeof(rec), big,
					       sizeof(big) - sizeof(rec), NULL, &error));
	g_assert_no_error(error);

	g_assert_true(ckpt_image_writer_finish(w, NULL, &error));
	g_assert_false(ckpt_image_writer_append(w, 5, &rec, sizeof(rec), NULL, 0, NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_ORDER);
	g_assert_cmpstr(error->message, ==,
			"record 2 at byte 16777264: the image was already finished with its "
			"trailer");
}

static void test_write_error(void)
{
	g_autoptr(GOutputStream) out = g_memory_output_stream_new(g_malloc(64), 64, NULL, g_free);
	g_autoptr(CkptImageWriter) w = ckpt_image_writer_new(out);
	g_autoptr(GError) error = NULL;
	struct ckpt_rec_header hdr;

	ckpt_image_header_init(&hdr);
	g_assert_false(ckpt_image_writer_append(w, CKPT_REC_HEADER, &hdr, sizeof(hdr), NULL, 0,
						NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_IO);
	g_assert_true(g_str_has_prefix(error->message, "record 0 at byte 0: write failed: "));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/image/writer/layout", test_layout);
	g_test_add_func("/image/writer/header-init", test_header_init);
	g_test_add_func("/image/writer/counts", test_counts);
	g_test_add_func("/image/writer/refusals", test_refusals);
	g_test_add_func("/image/writer/write-error", test_write_error);
	return g_test_run();
}
