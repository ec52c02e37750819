// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-store against damage: corrupted and truncated .zst files, a flipped
 * byte in a stored image, the verifying reader on its own, leftovers of
 * crashed writers, and damaged metadata files.
 */
#include "store-test-util.h"

#include <glib/gstdio.h>
#include <utime.h>

static void test_corrupt_zstd(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) text = test_text_bytes(2 * 1024 * 1024);
	g_autoptr(CkptImageMeta) m = store_fixture_put(f, "vmA", "web", "zstd", text);
	g_autofree char *prefix = g_strdup_printf("image %s: ", m->id);
	g_autofree char *pristine = NULL;
	gsize len;

	g_assert_true(g_file_get_contents(m->path, &pristine, &len, NULL));
	for (guint i = 0; i < 4; i++) {
		/* Header, two places in the blocks, the checksum at the end. */
		goffset at[] = {4, (goffset)len / 3, (goffset)len / 2, (goffset)len - 2};
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) back = NULL;

		g_assert_true(g_file_set_contents(m->path, pristine, len, NULL));
		test_flip_byte(m->path, at[i]);
		back = store_fixture_read(f, m, &error);
		g_test_message("flip at %" G_GOFFSET_FORMAT ": %s", at[i],
			       error ? error->message : "(no error)");
		g_assert_null(back);
		g_assert_nonnull(error);
		g_assert_true(g_str_has_prefix(error->message, prefix));
		g_assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA) ||
			      g_error_matches(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM));
	}

	/* Truncated (and the metadata made to agree, as if both were damaged). */
	{
		g_autoptr(CkptImageMeta) cut = ckpt_image_meta_copy(m);
		g_autoptr(GError) error = NULL;

		g_assert_true(g_file_set_contents(m->path, pristine, len - 100, NULL));
		cut->stored_size = len - 100;
		g_assert_null(store_fixture_read(f, cut, &error));
		g_test_message("truncated: %s", error->message);
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
		g_assert_true(g_str_has_prefix(error->message, prefix));
		g_assert_nonnull(strstr(error->message, "truncated"));
	}
	/* Not zstd at all. */
	{
		g_autoptr(CkptImageMeta) junk = ckpt_image_meta_copy(m);
		g_autoptr(GError) error = NULL;

		g_assert_true(g_file_set_contents(m->path, "this is not zstd data", 21, NULL));
		junk->stored_size = 21;
		g_assert_null(store_fixture_read(f, junk, &error));
		g_test_message("junk: %s", error->message);
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	}
	/* The stored size check catches a short file before reading. */
	{
		g_autoptr(GError) error = NULL;

		g_assert_null(ckpt_store_open_image(f->store, m, &error));
		g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT);
		g_assert_nonnull(strstr(error->message, "is 21 bytes, the metadata says"));
	}
}

static void test_flipped_byte_raw(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_random_bytes(3 * 1024 * 1024 + 5, 6);
	g_autoptr(CkptImageMeta) m = store_fixture_put(f, "vmA", "web", "none", bytes);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) back = NULL;
	g_autoptr(GInputStream) in = NULL;
	g_autofree guint8 *flipped = g_memdup2(g_bytes_get_data(bytes, NULL), m->size);
	g_autofree char *read_sha = NULL;
	g_autofree char *expected = NULL;
	g_autofree guint8 *buf = g_malloc(m->size);
	gsize got = 0;

	test_flip_byte(m->path, 1234567);
	flipped[1234567] ^= 0x20;
	read_sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, flipped, m->size);
	expected = g_strdup_printf("image %s: sha256 mismatch: recorded %s, read %s", m->id,
				   m->sha256, read_sha);
	back = store_fixture_read(f, m, &error);
	g_assert_null(back);
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM);
	g_assert_cmpstr(error->message, ==, expected);
	g_clear_error(&error);

	/* A reader that stops at `size` bytes without waiting for EOF still gets the error. */
	in = ckpt_store_open_image(f->store, m, &error);
	g_assert_no_error(error);
	g_assert_false(g_input_stream_read_all(in, buf, m->size, &got, NULL, &error));
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM);
	g_assert_cmpuint(got, <, m->size);
}

static void test_verify_stream(void)
{
	static const char data[] = "0123456789";
	g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, data, 10);
	g_autofree char *sha9 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, data, 9);
	char buf[32];

	for (guint i = 0; i < 4; i++) {
		/* base size, expected size, expected sha, message part */
		static const struct {
			gsize base;
			guint64 size;
			gboolean right_sha;
			const char *message;
		} cases[] = {
			{10, 10, TRUE, NULL},
			{10, 9, FALSE, "x: longer than the recorded 9 bytes"},
			{9, 10, TRUE, "x: truncated: read 9 of 10 bytes"},
			{10, 10, FALSE, "x: sha256 mismatch: recorded "},
		};
		g_autoptr(GInputStream) mem =
			g_memory_input_stream_new_from_data(data, cases[i].base, NULL);
		g_autoptr(GInputStream) v = ckpt_verify_input_stream_new(
			mem, "x", cases[i].right_sha ? sha : sha9, cases[i].size);
		g_autoptr(GError) error = NULL;
		gsize got = 0;
		gboolean ok = g_input_stream_read_all(v, buf, sizeof(buf), &got, NULL, &error);

		if (!cases[i].message) {
			g_assert_no_error(error);
			g_assert_true(ok);
			g_assert_cmpuint(got, ==, 10);
			g_assert_cmpuint(
				ckpt_verify_input_stream_get_bytes(CKPT_VERIFY_INPUT_STREAM(v)), ==,
				10);
		} else {
			g_assert_false(ok);
			g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM);
			g_assert_true(g_str_has_prefix(error->message, cases[i].message));
		}
	}
}

static void set_age(const char *path, gint64 seconds)
{
	struct utimbuf t;

	t.actime = t.modtime = g_get_real_time() / G_USEC_PER_SEC - seconds;
	g_assert_cmpint(utime(path, &t), ==, 0);
}

/* What a crashed writer leaves: removed once stale, left alone while it may be live. */
static void test_stale_leftovers(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_text_bytes(1000);
	g_autoptr(CkptImageMeta) kept = store_fixture_put(f, "vmA", "web", "none", bytes);
	const char *names[] = {
		".web-20200101T000000Z-aaaa.img.tmp", ".web-20200101T000000Z-bbbb.json.tmp",
		"web-20200101T000000Z-cccc.img.zst", ".web-live-dddd.img.tmp", "web-live-eeee.img"};
	gboolean stale[] = {TRUE, TRUE, TRUE, FALSE, FALSE};
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = g_build_filename(f->images, names[i], NULL);

		g_assert_true(g_file_set_contents(path, "partial", 7, NULL));
		if (stale[i])
			set_age(path, CKPT_STORE_STALE_S + 60);
	}
	list = ckpt_store_list(f->store, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 1);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = g_build_filename(f->images, names[i], NULL);

		g_assert_cmpint(g_file_test(path, G_FILE_TEST_EXISTS), ==, !stale[i]);
	}
	/* The committed image is untouched, however old. */
	set_age(kept->path, 10 * CKPT_STORE_STALE_S);
	g_clear_pointer(&list, g_ptr_array_unref);
	list = ckpt_store_list(f->store, NULL, NULL, &error);
	g_assert_cmpuint(list->len, ==, 1);
	g_assert_true(g_file_test(kept->path, G_FILE_TEST_EXISTS));
}

/* One damaged metadata file is reported and skipped; the rest still list. */
static void test_damaged_metadata(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_text_bytes(1000);
	g_autoptr(CkptImageMeta) good = store_fixture_put(f, "vmA", "web", "none", bytes);
	g_autoptr(CkptImageMeta) bad = store_fixture_put(f, "vmA", "db", "none", bytes);
	g_autofree char *bad_json = g_strdup_printf("%s/%s.json", f->images, bad->id);
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_set_contents(bad_json, "{\"id\": 12", -1, NULL));
	g_test_expect_message("ckpt-store", G_LOG_LEVEL_WARNING, "*skipping*db-*.json*");
	list = ckpt_store_list(f->store, NULL, NULL, &error);
	g_test_assert_expected_messages();
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 1);
	g_assert_cmpstr(((CkptImageMeta *)list->pdata[0])->id, ==, good->id);

	/* Metadata pointing outside its image is damage too. */
	g_assert_true(g_file_set_contents(
		bad_json,
		"{\"id\":\"x\",\"vm\":\"vmA\",\"container\":\"db\",\"kernel\":null,\"created\":"
		"\"2026-01-01T00:00:00Z\",\"size\":1,\"stored-size\":1,\"sha256\":"
		"\"0000000000000000000000000000000000000000000000000000000000000000\","
		"\"compression\":\"none\",\"reason\":\"manual\",\"file\":\"../../etc/passwd\"}",
		-1, NULL));
	g_test_expect_message("ckpt-store", G_LOG_LEVEL_WARNING, "*\"file\" is*");
	g_clear_pointer(&list, g_ptr_array_unref);
	list = ckpt_store_list(f->store, NULL, NULL, &error);
	g_test_assert_expected_messages();
	g_assert_cmpuint(list->len, ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn)                                                                              \
	g_test_add(path, Fixture, NULL, store_fixture_setup, fn, store_fixture_teardown)
	ADD("/store/corrupt-zstd", test_corrupt_zstd);
	ADD("/store/flipped-byte-raw", test_flipped_byte_raw);
	ADD("/store/stale-leftovers", test_stale_leftovers);
	ADD("/store/damaged-metadata", test_damaged_metadata);
#undef ADD
	g_test_add_func("/store/verify-stream", test_verify_stream);
	return g_test_run();
}
