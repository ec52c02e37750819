// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reader against good images and against every class of damage. Each
 * error test checks the error code and the whole message, since the
 * message (record index, type, byte offset, cause) is the product.
 */
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include <gio/gunixinputstream.h>

#include "image-builder.h"

#define HDR_FIELD(m) (SMALL_HEADER_AT + offsetof(struct ckpt_rec_header, m))
#define TRAILER_FIELD(m) (SMALL_TRAILER_AT + offsetof(struct ckpt_rec_trailer, m))

/* Reads img, expecting failure with code and exactly message. */
static void assert_rejected(const GByteArray *img, const CkptRecordTable *table, gint code,
			    const char *message)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(image_read(img, table, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, code);
	g_assert_cmpstr(error->message, ==, message);
}

static void test_round_trip(void)
{
	g_autoptr(GByteArray) img = image_build_small();
	g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data(img->data, img->len, NULL);
	g_autoptr(CkptImageReader) reader = ckpt_image_reader_new(in);
	g_autoptr(GError) error = NULL;
	const CkptRecord *rec;
	struct ckpt_rec_header expect;
	gsize tail_len;
	const guint8 *tail;

	g_assert_null(ckpt_image_reader_get_header(reader));

	g_assert_true(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_no_error(error);
	g_assert_nonnull(rec);
	g_assert_cmpuint(rec->index, ==, 0);
	g_assert_cmpuint(rec->offset, ==, SMALL_HEADER_AT);
	g_assert_cmpuint(rec->type, ==, CKPT_REC_HEADER);
	g_assert_cmpuint(rec->len, ==, sizeof(struct ckpt_rec_header));
	g_assert_cmpstr(rec->desc->name, ==, "header");
	ckpt_image_header_init(&expect);
	/* Everything but the creation time is the same on a second call. */
	expect.created_ns = ((const struct ckpt_rec_header *)rec->data)->created_ns;
	g_assert_cmpmem(rec->data, rec->len, &expect, sizeof(expect));
	g_assert_cmpmem(ckpt_image_reader_get_header(reader), sizeof(expect), &expect,
			sizeof(expect));

	g_assert_true(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_nonnull(rec);
	g_assert_cmpuint(rec->index, ==, 1);
	g_assert_cmpuint(rec->offset, ==, SMALL_OPTIONAL_AT);
	g_assert_cmpuint(rec->type, ==, SMALL_OPTIONAL_TYPE);
	g_assert_cmpuint(rec->len, ==, 13);
	g_assert_null(rec->desc);
	tail = ckpt_record_tail(rec, &tail_len);
	g_assert_cmpmem(tail, tail_len, "\x11\x22\x33\x44\x55", 5);

	g_assert_true(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_nonnull(rec);
	g_assert_cmpuint(rec->index, ==, 2);
	g_assert_cmpuint(rec->offset, ==, SMALL_TRAILER_AT);
	g_assert_cmpuint(rec->type, ==, CKPT_REC_TRAILER);
	g_assert_false(ckpt_image_reader_is_complete(reader));

	g_assert_true(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_no_error(error);
	g_assert_null(rec);
	g_assert_true(ckpt_image_reader_is_complete(reader));
	g_assert_cmpuint(ckpt_image_reader_get_nr_records(reader), ==, 3);
	g_assert_cmpuint(ckpt_image_reader_get_nr_skipped(reader), ==, 1);
	g_assert_cmpuint(ckpt_image_reader_get_offset(reader), ==, SMALL_SIZE);
	/* The checksum is plain xxh64, seed 0, over the bytes before the trailer. */
	g_assert_cmpuint(ckpt_image_reader_get_csum(reader), ==,
			 XXH64(img->data, SMALL_TRAILER_AT, 0));

	/* The end stays the end. */
	g_assert_true(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_null(rec);
}

/* A record bigger than the reader's read step, with a tail needing padding. */
static void test_round_trip_large_record(void)
{
	ImageBuilder *b = image_builder_new();
	gsize big_len = 3 * 64 * 1024 + 5;
	g_autofree guint8 *big = g_malloc(big_len);
	struct ckpt_rec opt = {0};
	g_autoptr(GByteArray) img = NULL;
	g_autoptr(GInputStream) in = NULL;
	g_autoptr(CkptImageReader) reader = NULL;
	g_autoptr(GError) error = NULL;
	const CkptRecord *rec;
	gsize tail_len;
	const guint8 *tail;

	for (gsize i = 0; i < big_len; i++)
		big[i] = (guint8)(i * 7 + 1);
	image_builder_add_header(b);
	image_builder_add(b, CKPT_REC_OPTIONAL | 1, &opt, sizeof(opt), big, big_len);
	img = image_builder_finish(b);

	in = g_memory_input_stream_new_from_data(img->data, img->len, NULL);
	reader = ckpt_image_reader_new(in);
	g_assert_true(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_true(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_no_error(error);
	tail = ckpt_record_tail(rec, &tail_len);
	g_assert_cmpmem(tail, tail_len, big, big_len);
	g_assert_true(ckpt_image_reader_read_all(reader, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ckpt_image_reader_get_offset(reader), ==, img->len);
}

typedef struct {
	GByteArray *img;
	int fd;
} PipeFeed;

/* Writes the image into a pipe in odd-sized pieces, as a slow producer would. */
static gpointer feed_pipe(gpointer data)
{
	PipeFeed *feed = data;

	for (gsize at = 0; at < feed->img->len;) {
		gsize n = MIN(feed->img->len - at, 7);
		ssize_t w = write(feed->fd, feed->img->data + at, n);

		g_assert_cmpint(w, >, 0);
		at += w;
	}
	close(feed->fd);
	return NULL;
}

static void test_reads_from_pipe(void)
{
	g_autoptr(GByteArray) img = image_build_small();
	int fds[2];
	PipeFeed feed;
	GThread *thread;
	g_autoptr(GInputStream) in = NULL;
	g_autoptr(CkptImageReader) reader = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(pipe(fds), ==, 0);
	feed = (PipeFeed){.img = img, .fd = fds[1]};
	thread = g_thread_new("feed", feed_pipe, &feed);
	in = g_unix_input_stream_new(fds[0], TRUE);
	reader = ckpt_image_reader_new(in);
	g_assert_true(ckpt_image_reader_read_all(reader, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ckpt_image_reader_get_nr_records(reader), ==, 3);
	g_thread_join(thread);
}

/* The record that a stream cut at byte n leaves unfinished. */
static guint record_at(gsize n, guint64 *offset)
{
	static const guint64 starts[] = {SMALL_HEADER_AT, SMALL_OPTIONAL_AT, SMALL_TRAILER_AT};
	guint i = 0;

	while (i + 1 < G_N_ELEMENTS(starts) && starts[i + 1] <= n)
		i++;
	*offset = starts[i];
	return i;
}

static void test_truncated_everywhere(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	for (gsize n = 0; n < img->len; n++) {
		g_autoptr(GByteArray) cut = g_byte_array_new();
		g_autoptr(GError) error = NULL;
		guint64 offset;
		guint index = record_at(n, &offset);
		g_autofree char *prefix = g_strdup_printf("record %u", index);
		g_autofree char *where =
			g_strdup_printf(" at byte %" G_GUINT64_FORMAT ": truncated: ", offset);

		g_byte_array_append(cut, img->data, n);
		g_assert_false(image_read(cut, NULL, &error));
		g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_TRUNCATED);
		g_assert_true(g_str_has_prefix(error->message, prefix));
		g_assert_nonnull(strstr(error->message, where));
	}
}

static void test_truncated_messages(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	g_byte_array_set_size(img, 12);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_TRUNCATED,
			"record 0 at byte 0: truncated: needs 16 bytes, stream ends after 12");
	g_byte_array_unref(img);

	img = image_build_small();
	g_byte_array_set_size(img, 100);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_TRUNCATED,
			"record 0 (header) at byte 0: truncated: needs 160 bytes, stream ends "
			"after 100");
	g_byte_array_unref(img);

	img = image_build_small();
	g_byte_array_set_size(img, SMALL_OPTIONAL_AT + 3);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_TRUNCATED,
			"record 1 at byte 160: truncated: needs 8 bytes, stream ends after 3");
	g_byte_array_unref(img);

	/* A cut inside the padding is still a cut. */
	img = image_build_small();
	g_byte_array_set_size(img, SMALL_OPTIONAL_AT + 14);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_TRUNCATED,
			"record 1 (optional 0x87654321) at byte 160: truncated: needs 16 bytes, "
			"stream ends after 14");
	g_byte_array_unref(img);

	img = image_build_small();
	g_byte_array_set_size(img, SMALL_TRAILER_AT + 40);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_TRUNCATED,
			"record 2 (trailer) at byte 176: truncated: needs 48 bytes, stream ends "
			"after 40");
}

static void test_missing_trailer(void)
{
	ImageBuilder *b = image_builder_new();
	g_autoptr(GByteArray) img = NULL;

	image_builder_add_header(b);
	img = image_builder_abandon(b);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_TRUNCATED,
			"record 1 at byte 160: truncated: the stream ends before the trailer");
}

static gboolean message_names_place(const char *message)
{
	return g_regex_match_simple(
		"^(record [0-9]+( \\([^)]+\\))? at byte [0-9]+|byte [0-9]+): ", message, 0, 0);
}

/* Every single-bit flip anywhere in the image is caught, and located. */
static void test_bit_flip_everywhere(void)
{
	g_autoptr(GByteArray) img = image_build_small();
	guint by_code[CKPT_IMAGE_ERROR_FAILED + 1] = {0};

	for (gsize at = 0; at < img->len; at++) {
		for (guint bit = 0; bit < 8; bit++) {
			g_autoptr(GError) error = NULL;

			img->data[at] ^= 1u << bit;
			if (image_read(img, NULL, &error))
				g_error("flip of bit %u at byte %zu went unnoticed", bit, at);
			img->data[at] ^= 1u << bit;
			g_assert_true(error->domain == CKPT_IMAGE_ERROR);
			if (!message_names_place(error->message))
				g_error("flip of bit %u at byte %zu: message names no place: %s",
					bit, at, error->message);
			by_code[error->code]++;
		}
	}
	for (guint code = 0; code < G_N_ELEMENTS(by_code); code++)
		g_test_message("error code %u: %u flips", code, by_code[code]);
	/* Flips in the padding and in the trailer each have their own error. */
	g_assert_cmpuint(by_code[CKPT_IMAGE_ERROR_BAD_PADDING], >, 0);
	g_assert_cmpuint(by_code[CKPT_IMAGE_ERROR_CHECKSUM], >, 0);
	g_assert_cmpuint(by_code[CKPT_IMAGE_ERROR_BAD_TRAILER], >, 0);
	g_assert_cmpuint(by_code[CKPT_IMAGE_ERROR_BAD_MAGIC], ==, 64);
}

static void test_bad_magic(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u64(img, HDR_FIELD(magic), 0x0102030405060708ULL);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_MAGIC,
			"record 0 at byte 0: bad magic 0x0102030405060708 (not a ckpt image)");
}

static void test_foreign_file(void)
{
	g_autoptr(GByteArray) img = g_byte_array_new();

	g_byte_array_append(img,
			    (const guint8 *)"\x7f"
					    "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0",
			    18);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_MAGIC,
			"record 0 at byte 0: bad magic 0x0000000000000000 (not a ckpt image)");
}

static void test_bad_version(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u32(img, HDR_FIELD(version), 2);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_VERSION,
			"record 0 (header) at byte 0: unsupported image version 2 (this reader "
			"reads version 1)");
}

static void test_header_not_first(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u32(img, SMALL_HEADER_AT, CKPT_REC_TRAILER);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_ORDER,
			"record 0 at byte 0: first record has type 0x00000002, expected the "
			"header (0x00000001)");
}

static void test_second_header(void)
{
	ImageBuilder *b = image_builder_new();
	g_autoptr(GByteArray) img = NULL;

	image_builder_add_header(b);
	image_builder_add_header(b);
	img = image_builder_finish(b);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_ORDER,
			"record 1 (header) at byte 160: a second header (the header must be "
			"record 0 only)");
}

static void test_header_fields(void)
{
	static const struct {
		gsize at;
		guint64 value;
		gsize size;
		const char *message;
	} cases[] = {
		{HDR_FIELD(arch), 9, 4, "record 0 (header) at byte 0: unknown arch 9"},
		{HDR_FIELD(page_size), 6000, 4,
		 "record 0 (header) at byte 0: page_size 6000 is not a power of two between "
		 "4096 and 1073741824"},
		{HDR_FIELD(page_size), 2048, 4,
		 "record 0 (header) at byte 0: page_size 2048 is not a power of two between "
		 "4096 and 1073741824"},
		{HDR_FIELD(flags), 0x10, 8,
		 "record 0 (header) at byte 0: flags 0x10 has unknown bits 0x10"},
		{HDR_FIELD(kernel_release) + CKPT_RELEASE_LEN - 1, 'x', 1,
		 "record 0 (header) at byte 0: kernel_release has non-zero byte 0x78 after its "
		 "NUL (byte 127 of the record)"},
		{HDR_FIELD(reserved) + 8, 1, 8,
		 "record 0 (header) at byte 0: reserved is not zero (byte 136 of the record is "
		 "0x01)"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) img = image_build_small();

		if (cases[i].size == 1)
			img->data[cases[i].at] = (guint8)cases[i].value;
		else if (cases[i].size == 4)
			image_put_u32(img, cases[i].at, (guint32)cases[i].value);
		else
			image_put_u64(img, cases[i].at, cases[i].value);
		/* A matching checksum must not make a bad field acceptable. */
		image_fix_trailer(img);
		assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_FIELD, cases[i].message);
	}
}

static void test_release_empty(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	memset(img->data + HDR_FIELD(kernel_release), 0, CKPT_RELEASE_LEN);
	image_fix_trailer(img);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_FIELD,
			"record 0 (header) at byte 0: kernel_release is empty");
}

static void test_release_unterminated(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	memset(img->data + HDR_FIELD(kernel_release), 'r', CKPT_RELEASE_LEN);
	image_fix_trailer(img);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_FIELD,
			"record 0 (header) at byte 0: kernel_release is not NUL-terminated within "
			"its 72 bytes");
}

static void test_unknown_mandatory_type(void)
{
	ImageBuilder *b = image_builder_new();
	struct ckpt_rec rec = {0};
	g_autoptr(GByteArray) img = NULL;

	image_builder_add_header(b);
	image_builder_add(b, 0x1234, &rec, sizeof(rec), "abc", 3);
	img = image_builder_finish(b);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_UNKNOWN_TYPE,
			"record 1 at byte 160: unknown mandatory record type 0x00001234 (len 11)");
}

static void test_unknown_optional_type_skipped(void)
{
	g_autoptr(GByteArray) img = image_build_small();
	g_autoptr(GError) error = NULL;

	g_assert_true(image_read(img, NULL, &error));
	g_assert_no_error(error);
}

static void test_len_below_record_header(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u32(img, SMALL_OPTIONAL_AT + 4, 4);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_LEN,
			"record 1 (optional 0x87654321) at byte 160: len 4 is shorter than the "
			"8-byte record header");
}

static void test_len_above_max(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u32(img, SMALL_OPTIONAL_AT + 4, CKPT_REC_MAX_LEN + 1);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_LEN,
			"record 1 (optional 0x87654321) at byte 160: len 16777217 exceeds the "
			"16777216-byte record limit");
}

static void test_len_below_fixed_size(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u32(img, SMALL_TRAILER_AT + 4, 40);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_LEN,
			"record 2 (trailer) at byte 176: len 40 is below the 48-byte fixed size of "
			"a trailer record");
}

static void test_len_not_exact(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u32(img, SMALL_HEADER_AT + 4, 168);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_LEN,
			"record 0 (header) at byte 0: len 168, but header records are exactly 160 "
			"bytes");
}

static void test_nonzero_padding(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	img->data[SMALL_OPTIONAL_AT + 14] = 0x80;
	image_fix_trailer(img);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_PADDING,
			"record 1 (optional 0x87654321) at byte 160: padding byte at byte 174 is "
			"0x80, must be zero");
}

static void test_trailer_reserved(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	img->data[TRAILER_FIELD(reserved) + 15] = 2;
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_FIELD,
			"record 2 (trailer) at byte 176: reserved is not zero (byte 47 of the "
			"record is 0x02)");
}

static void test_trailer_count(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u32(img, TRAILER_FIELD(nr_records), 3);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_TRAILER,
			"record 2 (trailer) at byte 176: nr_records is 3, but 2 records precede "
			"the trailer");
}

static void test_trailer_len(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u64(img, TRAILER_FIELD(stream_len), 168);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_TRAILER,
			"record 2 (trailer) at byte 176: stream_len is 168, but the trailer starts "
			"at byte 176");
}

static void test_trailer_csum(void)
{
	g_autoptr(GByteArray) img = image_build_small();
	guint64 good = XXH64(img->data, SMALL_TRAILER_AT, 0);
	g_autofree char *message = NULL;

	image_put_u64(img, TRAILER_FIELD(csum), good ^ 1);
	message = g_strdup_printf("record 2 (trailer) at byte 176: checksum mismatch (image "
				  "0x%016" G_GINT64_MODIFIER "x, computed 0x%016" G_GINT64_MODIFIER
				  "x)",
				  good ^ 1, good);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_CHECKSUM, message);
}

/* A change the structure cannot see (a data byte) is the checksum's job. */
static void test_data_change_caught_by_csum(void)
{
	g_autoptr(GByteArray) img = image_build_small();
	g_autoptr(GError) error = NULL;

	img->data[SMALL_OPTIONAL_AT + 9] ^= 0xff;
	g_assert_false(image_read(img, NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_CHECKSUM);
	g_assert_true(g_str_has_prefix(error->message, "record 2 (trailer) at byte 176: checksum "
						       "mismatch (image 0x"));
}

static void test_trailer_csum_kind(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	image_put_u32(img, TRAILER_FIELD(csum_kind), 7);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_BAD_FIELD,
			"record 2 (trailer) at byte 176: unknown checksum kind 7");
}

static void test_data_after_trailer(void)
{
	g_autoptr(GByteArray) img = image_build_small();

	g_byte_array_append(img, (const guint8 *)"", 1);
	assert_rejected(img, NULL, CKPT_IMAGE_ERROR_TRAILING_DATA,
			"byte 224: data after the trailer");
}

static void test_fails_after_error(void)
{
	g_autoptr(GByteArray) img = image_build_small();
	g_autoptr(GInputStream) in = NULL;
	g_autoptr(CkptImageReader) reader = NULL;
	g_autoptr(GError) error = NULL;
	const CkptRecord *rec;

	image_put_u32(img, HDR_FIELD(version), 9);
	in = g_memory_input_stream_new_from_data(img->data, img->len, NULL);
	reader = ckpt_image_reader_new(in);
	g_assert_false(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_VERSION);
	g_clear_error(&error);
	g_assert_false(ckpt_image_reader_next(reader, &rec, NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_FAILED);
	g_assert_cmpstr(error->message, ==,
			"record 0 at byte 0: the image reader already failed here");
	g_assert_null(rec);
}

/*
 * A private table exercising the generic rules no version-1 record of the
 * default table uses yet: objrefs, string tails, tail units.
 */
#define T_OBJ 0x100
#define T_USER 0x101
#define T_OTHER 0x102
#define T_BLOB 0x103

struct t_obj {
	struct ckpt_rec h;
	__u32 objref;
	__u32 value;
};

struct t_user {
	struct ckpt_rec h;
	__u32 obj_ref;
	__u32 pad;
};

static const CkptFieldDesc t_obj_fields[] = {
	{.name = "objref", .offset = 8, .size = 4, .kind = CKPT_FIELD_OBJREF_NEW},
	{.name = "value", .offset = 12, .size = 4, .kind = CKPT_FIELD_U32},
};

static const CkptFieldDesc t_user_fields[] = {
	{.name = "obj_ref", .offset = 8, .size = 4, .kind = CKPT_FIELD_OBJREF, .ref_type = T_OBJ},
	{.name = "pad", .offset = 12, .size = 4, .kind = CKPT_FIELD_RESERVED},
};

static const CkptRecordTable *test_table(void)
{
	static CkptRecordDesc descs[6];
	static CkptRecordTable table = {.descs = descs, .n_descs = G_N_ELEMENTS(descs)};
	const CkptRecordTable *def = ckpt_record_table_default();

	if (descs[0].type)
		return &table;
	descs[0] = *ckpt_record_table_lookup(def, CKPT_REC_HEADER);
	descs[1] = *ckpt_record_table_lookup(def, CKPT_REC_TRAILER);
	descs[2] = (CkptRecordDesc){.type = T_OBJ,
				    .name = "obj",
				    .fixed_len = sizeof(struct t_obj),
				    .fields = t_obj_fields,
				    .n_fields = G_N_ELEMENTS(t_obj_fields)};
	descs[3] = (CkptRecordDesc){.type = T_USER,
				    .name = "user",
				    .fixed_len = sizeof(struct t_user),
				    .tail = CKPT_TAIL_STRING,
				    .tail_name = "path",
				    .fields = t_user_fields,
				    .n_fields = G_N_ELEMENTS(t_user_fields)};
	descs[4] = (CkptRecordDesc){.type = T_OTHER,
				    .name = "other",
				    .fixed_len = sizeof(struct t_obj),
				    .fields = t_obj_fields,
				    .n_fields = G_N_ELEMENTS(t_obj_fields)};
	descs[5] = (CkptRecordDesc){.type = T_BLOB,
				    .name = "blob",
				    .fixed_len = sizeof(struct ckpt_rec),
				    .tail = CKPT_TAIL_BYTES,
				    .tail_unit = 4};
	return &table;
}

static void add_obj(ImageBuilder *b, guint32 type, guint32 objref)
{
	struct t_obj o = {.objref = GUINT32_TO_LE(objref), .value = 1};

	image_builder_add(b, type, &o, sizeof(o), NULL, 0);
}

static void add_user(ImageBuilder *b, guint32 ref, const char *path, gsize path_len)
{
	struct t_user u = {.obj_ref = GUINT32_TO_LE(ref)};

	image_builder_add(b, T_USER, &u, sizeof(u), path, path_len);
}

static void test_objrefs_good(void)
{
	ImageBuilder *b = image_builder_new();
	g_autoptr(GByteArray) img = NULL;
	g_autoptr(GInputStream) in = NULL;
	g_autoptr(CkptImageReader) reader = NULL;
	g_autoptr(GError) error = NULL;

	image_builder_add_header(b);
	add_obj(b, T_OBJ, 5);
	add_obj(b, T_OTHER, 6);
	add_user(b, 5, "/a", 3);
	add_user(b, 0, "", 1);
	add_user(b, 5, NULL, 0);
	img = image_builder_finish(b);
	in = g_memory_input_stream_new_from_data(img->data, img->len, NULL);
	reader = ckpt_image_reader_new_with_table(in, test_table());
	g_assert_true(ckpt_image_reader_read_all(reader, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ckpt_image_reader_objref_type(reader, 5), ==, T_OBJ);
	g_assert_cmpuint(ckpt_image_reader_objref_type(reader, 6), ==, T_OTHER);
	g_assert_cmpuint(ckpt_image_reader_objref_type(reader, 7), ==, 0);
}

static void test_objref_rules(void)
{
	static const struct {
		guint32 define_type, define_ref, use_ref;
		gboolean define_twice;
		gint code;
		const char *message;
	} cases[] = {
		{T_OBJ, 5, 6, FALSE, CKPT_IMAGE_ERROR_BAD_ORDER,
		 "record 2 (user) at byte 176: obj_ref refers to objref 6, which no earlier "
		 "record defines"},
		{T_OTHER, 5, 5, FALSE, CKPT_IMAGE_ERROR_BAD_ORDER,
		 "record 2 (user) at byte 176: obj_ref refers to objref 5 of type other, "
		 "expected type obj"},
		{T_OBJ, 0, 0, FALSE, CKPT_IMAGE_ERROR_BAD_FIELD,
		 "record 1 (obj) at byte 160: objref is 0, but objrefs start at 1"},
		{T_OBJ, 5, 5, TRUE, CKPT_IMAGE_ERROR_BAD_ORDER,
		 "record 2 (obj) at byte 176: objref 5 is already defined (by a record of type "
		 "obj)"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		ImageBuilder *b = image_builder_new();
		g_autoptr(GByteArray) img = NULL;

		image_builder_add_header(b);
		add_obj(b, cases[i].define_type, cases[i].define_ref);
		if (cases[i].define_twice)
			add_obj(b, cases[i].define_type, cases[i].define_ref);
		else
			add_user(b, cases[i].use_ref, "/x", 3);
		img = image_builder_finish(b);
		assert_rejected(img, test_table(), cases[i].code, cases[i].message);
	}
}

static void test_string_tail(void)
{
	static const struct {
		const char *path;
		gsize len;
		const char *message;
	} cases[] = {
		{"/ab", 3, "the 3-byte path is not one NUL-terminated string"},
		{"/a\0b", 5, "the 5-byte path is not one NUL-terminated string"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		ImageBuilder *b = image_builder_new();
		g_autoptr(GByteArray) img = NULL;
		g_autofree char *message = NULL;

		image_builder_add_header(b);
		add_obj(b, T_OBJ, 1);
		add_user(b, 1, cases[i].path, cases[i].len);
		img = image_builder_finish(b);
		message = g_strdup_printf("record 2 (user) at byte 176: %s", cases[i].message);
		assert_rejected(img, test_table(), CKPT_IMAGE_ERROR_BAD_FIELD, message);
	}
}

static void test_reserved_field(void)
{
	ImageBuilder *b = image_builder_new();
	struct t_user u = {.obj_ref = 0, .pad = GUINT32_TO_LE(0x100)};
	g_autoptr(GByteArray) img = NULL;

	image_builder_add_header(b);
	image_builder_add(b, T_USER, &u, sizeof(u), "", 1);
	img = image_builder_finish(b);
	assert_rejected(img, test_table(), CKPT_IMAGE_ERROR_BAD_FIELD,
			"record 1 (user) at byte 160: pad is not zero (byte 13 of the record is "
			"0x01)");
}

static void test_tail_unit(void)
{
	ImageBuilder *b = image_builder_new();
	struct ckpt_rec blob = {0};
	g_autoptr(GByteArray) img = NULL;

	image_builder_add_header(b);
	image_builder_add(b, T_BLOB, &blob, sizeof(blob), "12345678", 8);
	image_builder_add(b, T_BLOB, &blob, sizeof(blob), "123456", 6);
	img = image_builder_finish(b);
	assert_rejected(img, test_table(), CKPT_IMAGE_ERROR_BAD_LEN,
			"record 2 (blob) at byte 176: len 14 leaves a 6-byte tail, not a multiple "
			"of 4 bytes");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/image/reader/round-trip", test_round_trip);
	g_test_add_func("/image/reader/round-trip-large-record", test_round_trip_large_record);
	g_test_add_func("/image/reader/pipe", test_reads_from_pipe);
	g_test_add_func("/image/reader/truncated-everywhere", test_truncated_everywhere);
	g_test_add_func("/image/reader/truncated-messages", test_truncated_messages);
	g_test_add_func("/image/reader/missing-trailer", test_missing_trailer);
	g_test_add_func("/image/reader/bit-flip-everywhere", test_bit_flip_everywhere);
	g_test_add_func("/image/reader/bad-magic", test_bad_magic);
	g_test_add_func("/image/reader/foreign-file", test_foreign_file);
	g_test_add_func("/image/reader/bad-version", test_bad_version);
	g_test_add_func("/image/reader/header-not-first", test_header_not_first);
	g_test_add_func("/image/reader/second-header", test_second_header);
	g_test_add_func("/image/reader/header-fields", test_header_fields);
	g_test_add_func("/image/reader/release-empty", test_release_empty);
	g_test_add_func("/image/reader/release-unterminated", test_release_unterminated);
	g_test_add_func("/image/reader/unknown-mandatory-type", test_unknown_mandatory_type);
	g_test_add_func("/image/reader/unknown-optional-type-skipped",
			test_unknown_optional_type_skipped);
	g_test_add_func("/image/reader/len-below-record-header", test_len_below_record_header);
	g_test_add_func("/image/reader/len-above-max", test_len_above_max);
	g_test_add_func("/image/reader/len-below-fixed-size", test_len_below_fixed_size);
	g_test_add_func("/image/reader/len-not-exact", test_len_not_exact);
	g_test_add_func("/image/reader/nonzero-padding", test_nonzero_padding);
	g_test_add_func("/image/reader/trailer-reserved", test_trailer_reserved);
	g_test_add_func("/image/reader/trailer-count", test_trailer_count);
	g_test_add_func("/image/reader/trailer-len", test_trailer_len);
	g_test_add_func("/image/reader/trailer-csum", test_trailer_csum);
	g_test_add_func("/image/reader/data-change-caught-by-csum",
			test_data_change_caught_by_csum);
	g_test_add_func("/image/reader/trailer-csum-kind", test_trailer_csum_kind);
	g_test_add_func("/image/reader/data-after-trailer", test_data_after_trailer);
	g_test_add_func("/image/reader/fails-after-error", test_fails_after_error);
	g_test_add_func("/image/reader/objrefs-good", test_objrefs_good);
	g_test_add_func("/image/reader/objref-rules", test_objref_rules);
	g_test_add_func("/image/reader/string-tail", test_string_tail);
	g_test_add_func("/image/reader/reserved-field", test_reserved_field);
	g_test_add_func("/image/reader/tail-unit", test_tail_unit);
	return g_test_run();
}
