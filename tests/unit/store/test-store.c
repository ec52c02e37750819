// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-store: round trips (none and zstd, multi-MiB), the sender's sha256
 * and length checked on commit, list/lookup/latest/prune, interrupted and
 * cancelled writers, splices, and the zstd frames against the zstd tool.
 * Damage to stored images is in test-store-damage.c.
 */
#include "store-test-util.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

static void check_mode(const char *path, guint mode)
{
	GStatBuf st;

	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 07777, ==, mode);
}

/* The zstd tool must accept our frames (checksum included): they are plain zstd. */
static void zstd_tool_test(const char *path)
{
	g_autofree char *zstd = g_find_program_in_path("zstd");
	g_autoptr(GError) error = NULL;
	const char *argv[] = {"zstd", "-t", "-q", path, NULL};
	int status;

	if (!zstd) {
		g_test_message("zstd tool not installed: interop check skipped");
		return;
	}
	argv[0] = zstd;
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
				   NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
}

static void round_trip(Fixture *f, const char *compression, GBytes *data)
{
	g_autoptr(CkptImageMeta) m = store_fixture_put(f, "vmA", "web", compression, data);
	g_autoptr(CkptImageMeta) found = NULL;
	g_autoptr(GBytes) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *sha = test_sha256(data);
	g_autofree char *json_path = g_strdup_printf("%s/%s.json", f->images, m->id);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *file_name = g_path_get_basename(m->path);
	JsonObject *o;
	GStatBuf st;

	g_assert_true(g_str_has_prefix(m->id, "web-"));
	g_assert_true(g_regex_match_simple("^web-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$", m->id, 0, 0));
	g_assert_cmpstr(m->vm, ==, "vmA");
	g_assert_cmpstr(m->container, ==, "web");
	g_assert_cmpstr(m->kernel, ==, "6.1.0-test-amd64");
	g_assert_cmpstr(m->compression, ==, compression);
	g_assert_cmpstr(m->reason, ==, "manual");
	g_assert_cmpstr(m->sha256, ==, sha);
	g_assert_cmpuint(m->size, ==, g_bytes_get_size(data));
	g_assert_cmpint(g_stat(m->path, &st), ==, 0);
	g_assert_cmpuint(m->stored_size, ==, st.st_size);
	g_assert_true(
		g_str_has_suffix(m->path, g_str_equal(compression, "zstd") ? ".img.zst" : ".img"));
	check_mode(f->dir, 0700);
	check_mode(f->images, 0700);
	check_mode(m->path, 0600);
	check_mode(json_path, 0600);
	/* Exactly the image and its metadata: no temp file left. */
	g_assert_cmpuint(test_count_entries(f->images), ==, 2);

	/* The .json on disk is what the design note says. */
	g_assert_true(json_parser_load_from_file(parser, json_path, &error));
	g_assert_no_error(error);
	o = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, m->id);
	g_assert_cmpstr(json_object_get_string_member(o, "file"), ==, file_name);
	g_assert_cmpstr(json_object_get_string_member(o, "sha256"), ==, sha);
	g_assert_cmpint(json_object_get_int_member(o, "size"), ==, g_bytes_get_size(data));
	g_assert_cmpint(json_object_get_int_member(o, "stored-size"), ==, st.st_size);
	g_assert_true(g_date_time_new_from_iso8601(json_object_get_string_member(o, "created"),
						   NULL) != NULL);

	found = ckpt_store_lookup(f->store, m->id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(found->path, ==, m->path);
	g_assert_cmpstr(found->created, ==, m->created);
	back = store_fixture_read(f, found, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(back, data));
	if (g_str_equal(compression, "zstd"))
		zstd_tool_test(m->path);
}

static void test_round_trip_none(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_random_bytes(6 * 1024 * 1024 + 13, 1);

	round_trip(f, "none", bytes);
}

static void test_round_trip_zstd_random(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_random_bytes(5 * 1024 * 1024 + 1, 2);

	round_trip(f, "zstd", bytes);
}

static void test_round_trip_zstd_text(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_text_bytes(8 * 1024 * 1024);
	g_autoptr(CkptImageMeta) m = NULL;

	round_trip(f, "zstd", bytes);
	m = ckpt_store_latest(f->store, "vmA", "web", NULL);
	/* Repetitive data must actually be compressed. */
	g_assert_cmpuint(m->stored_size, <, m->size / 20);
}

static void test_round_trip_empty(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);

	round_trip(f, "none", empty);
	test_rm_rf(f->images);
	g_assert_cmpint(g_mkdir(f->images, 0700), ==, 0);
	round_trip(f, "zstd", empty);
}

/* Images written by the zstd tool (several frames) read back through our decompressor. */
static void test_zstd_tool_frames(Fixture *f, gconstpointer data)
{
	g_autofree char *zstd = g_find_program_in_path("zstd");
	g_autoptr(GBytes) text = test_text_bytes(3 * 1024 * 1024);
	g_autofree char *plain = g_build_filename(f->dir, "plain", NULL);
	g_autofree char *packed = g_build_filename(f->dir, "plain.zst", NULL);
	g_autofree char *contents = NULL;
	g_autofree char *twice = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GInputStream) mem = NULL;
	g_autoptr(GInputStream) conv = NULL;
	g_autoptr(GBytes) back = NULL;
	g_autoptr(CkptZstdDecompressor) z = ckpt_zstd_decompressor_new();
	const char *argv[] = {NULL, "-q", "-f", "--check", plain, "-o", packed, NULL};
	gsize len;
	int status;

	if (!zstd) {
		g_test_skip("the zstd tool is not installed");
		return;
	}
	argv[0] = zstd;
	g_assert_true(g_file_set_contents(plain, g_bytes_get_data(text, NULL),
					  g_bytes_get_size(text), NULL));
	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
				   NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
	g_assert_true(g_file_get_contents(packed, &contents, &len, NULL));
	/* Two frames back to back decode as the concatenation. */
	twice = g_malloc(2 * len);
	memcpy(twice, contents, len);
	memcpy(twice + len, contents, len);
	mem = g_memory_input_stream_new_from_data(g_steal_pointer(&twice), 2 * len, g_free);
	conv = g_converter_input_stream_new(mem, G_CONVERTER(z));
	back = test_read_all(conv, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(back), ==, 2 * g_bytes_get_size(text));
	g_assert_cmpint(memcmp(g_bytes_get_data(back, NULL), g_bytes_get_data(text, NULL),
			       g_bytes_get_size(text)),
			==, 0);
	g_assert_cmpint(memcmp((const char *)g_bytes_get_data(back, NULL) + g_bytes_get_size(text),
			       g_bytes_get_data(text, NULL), g_bytes_get_size(text)),
			==, 0);
}

static void test_sha_mismatch(Fixture *f, gconstpointer data)
{
	const char *compressions[] = {"none", "zstd"};

	for (guint i = 0; i < G_N_ELEMENTS(compressions); i++) {
		g_autoptr(GBytes) bytes = test_random_bytes(3 * 1024 * 1024, 3);
		g_autoptr(GError) error = NULL;
		g_autoptr(CkptStoreWriter) w = ckpt_store_writer_new(
			f->store, "vmA", "web", NULL, compressions[i], "migrate", &error);
		g_autoptr(GPtrArray) list = NULL;
		g_autofree char *wrong = g_strnfill(64, 'a');
		g_autofree char *right = test_sha256(bytes);
		g_autofree char *expected = NULL;

		g_assert_no_error(error);
		g_assert_true(g_output_stream_write_all(
			ckpt_store_writer_stream(w), g_bytes_get_data(bytes, NULL),
			g_bytes_get_size(bytes), NULL, NULL, &error));
		g_assert_cmpuint(ckpt_store_writer_bytes(w), ==, g_bytes_get_size(bytes));
		g_assert_null(ckpt_store_writer_commit(w, wrong, g_bytes_get_size(bytes), &error));
		g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM);
		expected = g_strdup_printf("image %s: sha256 mismatch: the sender reported %s, the "
					   "store received %s; nothing stored",
					   ckpt_store_writer_id(w), wrong, right);
		g_assert_cmpstr(error->message, ==, expected);
		/* Nothing stored, nothing left, not even before the writer is freed. */
		g_assert_cmpuint(test_count_entries(f->images), ==, 0);
		g_clear_error(&error);
		list = ckpt_store_list(f->store, NULL, NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(list->len, ==, 0);
		/* No second chance on the same writer. */
		g_clear_error(&error);
		g_assert_null(ckpt_store_writer_commit(w, right, g_bytes_get_size(bytes), &error));
		g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID);
	}
}

static void test_size_mismatch(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_random_bytes(100000, 4);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStoreWriter) w =
		ckpt_store_writer_new(f->store, "vmA", "web", NULL, "zstd", NULL, &error);
	g_autofree char *sha = test_sha256(bytes);
	g_autofree char *expected = NULL;

	g_assert_no_error(error);
	/* The sender claims more than it sent: the stream was cut short. */
	g_assert_true(g_output_stream_write_all(ckpt_store_writer_stream(w),
						g_bytes_get_data(bytes, NULL), 99999, NULL, NULL,
						&error));
	g_assert_null(ckpt_store_writer_commit(w, sha, 100000, &error));
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM);
	expected = g_strdup_printf("image %s: the sender reported 100000 bytes, the store received "
				   "99999; nothing stored",
				   ckpt_store_writer_id(w));
	g_assert_cmpstr(error->message, ==, expected);
	g_assert_cmpuint(test_count_entries(f->images), ==, 0);
}

static void test_commit_without_sender_hash(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_text_bytes(4096);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStoreWriter) w =
		ckpt_store_writer_new(f->store, "vmA", "web", NULL, NULL, "periodic", &error);
	g_autoptr(CkptImageMeta) m = NULL;
	g_autofree char *sha = test_sha256(bytes);

	g_assert_true(g_output_stream_write_all(ckpt_store_writer_stream(w),
						g_bytes_get_data(bytes, NULL), 4096, NULL, NULL,
						&error));
	m = ckpt_store_writer_commit(w, NULL, 4096, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(m->sha256, ==, sha);
	g_assert_cmpstr(m->compression, ==, "none");
	g_assert_cmpstr(m->reason, ==, "periodic");
	g_assert_null(m->kernel);
	g_clear_pointer(&m, ckpt_image_meta_free);
	m = ckpt_store_lookup(f->store, "web", &error);
	g_assert_no_error(error);
	g_assert_null(m->kernel);
	g_assert_null(ckpt_store_writer_commit(w, NULL, 4096, &error));
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID);
}

static void test_list_lookup_latest_prune(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) made =
		g_ptr_array_new_with_free_func((GDestroyNotify)ckpt_image_meta_free);
	static const char *const plan[][2] = {{"vmA", "web"}, {"vmA", "db"},  {"vmA", "web"},
					      {"vmB", "web"}, {"vmA", "web"}, {"vmA", "db"},
					      {"vmA", "web"}};
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) web_a = NULL;
	g_autoptr(GPtrArray) web_any = NULL;
	g_autoptr(GPtrArray) removed = NULL;
	g_autoptr(CkptImageMeta) latest = NULL;
	g_autoptr(CkptImageMeta) m = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *prefix = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(plan); i++) {
		g_autoptr(GBytes) bytes = test_random_bytes(1000 + i, 10 + i);

		g_ptr_array_add(made, store_fixture_put(f, plan[i][0], plan[i][1],
							i % 2 ? "zstd" : "none", bytes));
	}
	all = ckpt_store_list(f->store, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, G_N_ELEMENTS(plan));
	/* Oldest first, in the order they were written. */
	for (guint i = 0; i < all->len; i++)
		g_assert_cmpstr(((CkptImageMeta *)all->pdata[i])->id, ==,
				((CkptImageMeta *)made->pdata[i])->id);
	web_a = ckpt_store_list(f->store, "vmA", "web", &error);
	g_assert_cmpuint(web_a->len, ==, 4);
	web_any = ckpt_store_list(f->store, NULL, "web", &error);
	g_assert_cmpuint(web_any->len, ==, 5);

	latest = ckpt_store_latest(f->store, "vmA", "web", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(latest->id, ==, ((CkptImageMeta *)made->pdata[6])->id);
	g_clear_pointer(&latest, ckpt_image_meta_free);
	latest = ckpt_store_latest(f->store, NULL, "web", &error);
	g_assert_cmpstr(latest->id, ==, ((CkptImageMeta *)made->pdata[6])->id);
	g_clear_pointer(&latest, ckpt_image_meta_free);
	latest = ckpt_store_latest(f->store, "vmB", "db", &error);
	g_assert_null(latest);
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "no image of container db from vmB"));
	g_clear_error(&error);

	/* A unique prefix finds its image; a shared one names every candidate. */
	prefix = g_strndup(((CkptImageMeta *)made->pdata[1])->id, strlen("db-20261123T"));
	m = ckpt_store_lookup(f->store, "web-", &error);
	g_assert_null(m);
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_AMBIGUOUS);
	g_assert_nonnull(strstr(error->message, "\"web-\" matches 5 images: "));
	g_assert_nonnull(strstr(error->message, ((CkptImageMeta *)made->pdata[3])->id));
	g_clear_error(&error);
	m = ckpt_store_lookup(f->store, prefix, &error);
	g_assert_null(m);
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_AMBIGUOUS);
	g_clear_error(&error);
	m = ckpt_store_lookup(f->store, ((CkptImageMeta *)made->pdata[5])->id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(m->container, ==, "db");
	g_clear_pointer(&m, ckpt_image_meta_free);
	m = ckpt_store_lookup(f->store, "nosuch", &error);
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	m = ckpt_store_lookup(f->store, "", &error);
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID);
	g_clear_error(&error);
	/* An id that is also the prefix of no other is found whole. */
	{
		g_autofree char *unique = g_strdup(((CkptImageMeta *)made->pdata[3])->id);

		unique[strlen(unique) - 2] = '\0';
		m = ckpt_store_lookup(f->store, unique, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(m->vm, ==, "vmB");
		g_clear_pointer(&m, ckpt_image_meta_free);
	}

	/* keep 0 is refused: it would delete everything. */
	g_assert_null(ckpt_store_prune(f->store, NULL, NULL, 0, &error));
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID);
	g_clear_error(&error);

	/* Keep 2 of vmA/web: the two oldest of its four go, nothing else. */
	removed = ckpt_store_prune(f->store, "vmA", "web", 2, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(removed->len, ==, 2);
	g_assert_cmpstr(((CkptImageMeta *)removed->pdata[0])->id, ==,
			((CkptImageMeta *)made->pdata[0])->id);
	g_assert_cmpstr(((CkptImageMeta *)removed->pdata[1])->id, ==,
			((CkptImageMeta *)made->pdata[2])->id);
	g_assert_false(g_file_test(((CkptImageMeta *)made->pdata[0])->path, G_FILE_TEST_EXISTS));
	g_clear_pointer(&removed, g_ptr_array_unref);
	g_clear_pointer(&all, g_ptr_array_unref);
	all = ckpt_store_list(f->store, NULL, NULL, &error);
	g_assert_cmpuint(all->len, ==, 5);

	/* Keep 1 of everything: one per vm+container is left (vmA/web, vmA/db, vmB/web). */
	removed = ckpt_store_prune(f->store, NULL, NULL, 1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(removed->len, ==, 2);
	g_clear_pointer(&all, g_ptr_array_unref);
	all = ckpt_store_list(f->store, NULL, NULL, &error);
	g_assert_cmpuint(all->len, ==, 3);
	g_assert_cmpstr(((CkptImageMeta *)all->pdata[0])->id, ==,
			((CkptImageMeta *)made->pdata[3])->id);
	g_assert_cmpstr(((CkptImageMeta *)all->pdata[1])->id, ==,
			((CkptImageMeta *)made->pdata[5])->id);
	g_assert_cmpstr(((CkptImageMeta *)all->pdata[2])->id, ==,
			((CkptImageMeta *)made->pdata[6])->id);
	/* Three images, two files each. */
	g_assert_cmpuint(test_count_entries(f->images), ==, 6);

	/* Remove by unique prefix; again is "no image". */
	g_assert_true(ckpt_store_remove(f->store, ((CkptImageMeta *)made->pdata[5])->id, &error));
	g_assert_no_error(error);
	g_assert_false(ckpt_store_remove(f->store, ((CkptImageMeta *)made->pdata[5])->id, &error));
	g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_NOT_FOUND);
	g_assert_cmpuint(test_count_entries(f->images), ==, 4);
}

static void test_interrupted_writer(Fixture *f, gconstpointer data)
{
	const char *compressions[] = {"none", "zstd"};

	for (guint i = 0; i < G_N_ELEMENTS(compressions); i++) {
		g_autoptr(GBytes) bytes = test_random_bytes(2 * 1024 * 1024, 5);
		g_autoptr(GError) error = NULL;
		CkptStoreWriter *w = ckpt_store_writer_new(f->store, "vmA", "web", NULL,
							   compressions[i], "shutdown", &error);
		g_autoptr(GPtrArray) list = NULL;

		g_assert_no_error(error);
		g_assert_true(g_output_stream_write_all(
			ckpt_store_writer_stream(w), g_bytes_get_data(bytes, NULL),
			g_bytes_get_size(bytes), NULL, NULL, &error));
		/* Mid-write: only a temp file, which does not list. */
		g_assert_cmpuint(test_count_entries(f->images), ==, 1);
		list = ckpt_store_list(f->store, NULL, NULL, &error);
		g_assert_cmpuint(list->len, ==, 0);
		ckpt_store_writer_free(w);
		g_assert_cmpuint(test_count_entries(f->images), ==, 0);
	}
}

/* A cancelled transfer: the write fails, the image is dropped at once. */
static void test_cancelled_write(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_random_bytes(100000, 12);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStoreWriter) w =
		ckpt_store_writer_new(f->store, "vmA", "web", NULL, NULL, NULL, &error);
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	GOutputStream *out = ckpt_store_writer_stream(w);

	g_assert_true(g_output_stream_write_all(out, g_bytes_get_data(bytes, NULL), 50000, NULL,
						NULL, &error));
	g_cancellable_cancel(cancel);
	g_assert_false(g_output_stream_write_all(out, g_bytes_get_data(bytes, NULL), 50000, NULL,
						 cancel, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_assert_cmpuint(test_count_entries(f->images), ==, 0);
	g_clear_error(&error);
	g_assert_null(ckpt_store_writer_commit(w, NULL, 50000, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_assert_nonnull(strstr(error->message, ckpt_store_writer_id(w)));
}

static void test_two_writers(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStoreWriter) a =
		ckpt_store_writer_new(f->store, "vmA", "web", NULL, NULL, NULL, &error);
	g_autoptr(CkptStoreWriter) b =
		ckpt_store_writer_new(f->store, "vmA", "web", NULL, NULL, NULL, &error);
	g_autoptr(CkptImageMeta) ma = NULL;
	g_autoptr(CkptImageMeta) mb = NULL;
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	g_autofree char *sha = test_sha256(empty);

	g_assert_cmpstr(ckpt_store_writer_id(a), !=, ckpt_store_writer_id(b));
	mb = ckpt_store_writer_commit(b, sha, 0, &error);
	g_assert_no_error(error);
	ma = ckpt_store_writer_commit(a, sha, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(test_count_entries(f->images), ==, 4);
}

/* A damaged .zst gives an error naming the image, never different bytes. */
static void splice_done(GObject *source, GAsyncResult *res, gpointer data)
{
	GError **error = data;
	gssize n = g_output_stream_splice_finish(G_OUTPUT_STREAM(source), res, error);

	g_assert_cmpint(n, !=, 0);
}

/* How ckpt-host and ckpt-hostd use the streams: splices, closing both ends, sync and async. */
static void test_splice(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) bytes = test_random_bytes(3 * 1024 * 1024 + 77, 7);
	g_autofree char *sha = test_sha256(bytes);

	for (guint async = 0; async < 2; async++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CkptStoreWriter) w = ckpt_store_writer_new(f->store, "vmA", "web", NULL,
								     "zstd", "migrate", &error);
		g_autoptr(GInputStream) src = g_memory_input_stream_new_from_bytes(bytes);
		g_autoptr(GOutputStream) dst = g_memory_output_stream_new_resizable();
		g_autoptr(GInputStream) in = NULL;
		g_autoptr(CkptImageMeta) m = NULL;
		g_autoptr(GBytes) back = NULL;
		GOutputStreamSpliceFlags flags =
			G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET;

		if (async) {
			GError *async_error = NULL;

			g_output_stream_splice_async(ckpt_store_writer_stream(w), src, flags,
						     G_PRIORITY_DEFAULT, NULL, splice_done,
						     &async_error);
			while (!g_output_stream_is_closed(ckpt_store_writer_stream(w)) ||
			       g_output_stream_has_pending(ckpt_store_writer_stream(w)))
				g_main_context_iteration(NULL, TRUE);
			g_assert_no_error(async_error);
		} else {
			g_assert_cmpint(g_output_stream_splice(ckpt_store_writer_stream(w), src,
							       flags, NULL, &error),
					==, g_bytes_get_size(bytes));
		}
		m = ckpt_store_writer_commit(w, sha, g_bytes_get_size(bytes), &error);
		g_assert_no_error(error);
		in = ckpt_store_open_image(f->store, m, &error);
		g_assert_no_error(error);
		g_assert_cmpint(g_output_stream_splice(dst, in, flags, NULL, &error), ==,
				g_bytes_get_size(bytes));
		g_assert_no_error(error);
		back = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(dst));
		g_assert_true(g_bytes_equal(back, bytes));
	}
}

static void test_bad_arguments(Fixture *f, gconstpointer data)
{
	static const struct {
		const char *vm, *container, *compression, *reason, *message;
	} cases[] = {
		{"vmA", "we/b", NULL, NULL, "\"we/b\" is not a container name"},
		{"vmA", ".web", NULL, NULL, "\".web\" is not a container name"},
		{"vmA", "web", "lz4", NULL, "compression \"lz4\" (expected none or zstd)"},
		{"vmA", "web", NULL, "bored",
		 "reason \"bored\" (expected manual, migrate, shutdown or periodic)"},
		{"", "web", NULL, NULL, "no VM name"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CkptStoreWriter) w =
			ckpt_store_writer_new(f->store, cases[i].vm, cases[i].container, NULL,
					      cases[i].compression, cases[i].reason, &error);

		g_assert_null(w);
		g_assert_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID);
		g_assert_nonnull(strstr(error->message, cases[i].message));
		g_assert_nonnull(strstr(error->message, f->dir));
	}
	g_assert_cmpuint(test_count_entries(f->images), ==, 0);
}

static void test_open_from_env(void)
{
	g_autofree char *tmp = g_dir_make_tmp("ckpt-store-env-XXXXXX", NULL);
	g_autofree char *dir = g_build_filename(tmp, "a", "b", NULL);
	g_autofree char *images = g_build_filename(dir, "images", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptStore) s = NULL;
	g_autofree char *blocker = g_build_filename(tmp, "file", NULL);

	g_setenv(CKPT_STORE_DIR_ENV, dir, TRUE);
	s = ckpt_store_open(NULL, &error);
	g_unsetenv(CKPT_STORE_DIR_ENV);
	g_assert_no_error(error);
	g_assert_cmpstr(ckpt_store_dir(s), ==, dir);
	check_mode(images, 0700);
	/* A file where the store should be: an error naming it. */
	g_assert_true(g_file_set_contents(blocker, "", 0, NULL));
	g_clear_pointer(&s, ckpt_store_free);
	s = ckpt_store_open(blocker, &error);
	g_assert_null(s);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, blocker));
	test_rm_rf(tmp);
}

static void test_meta_json(void)
{
	CkptImageMeta m = {
		.id = "web-20261123T041500Z-1a2b",
		.vm = "vmA",
		.container = "web",
		.kernel = "6.1.0-test-amd64",
		.created = "2026-11-23T04:15:00.000001Z",
		.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		.compression = "zstd",
		.reason = "shutdown",
		.path = "/var/lib/ckpt-host/images/web-20261123T041500Z-1a2b.img.zst",
		.size = 5000000000ull,
		.stored_size = 123,
	};
	g_autoptr(JsonNode) node = ckpt_image_meta_to_json(&m);
	JsonObject *o = json_node_get_object(node);
	g_autoptr(GList) members = json_object_get_members(o);

	g_assert_cmpuint(g_list_length(members), ==, 11);
	g_assert_cmpstr(json_object_get_string_member(o, "file"), ==,
			"web-20261123T041500Z-1a2b.img.zst");
	g_assert_cmpint(json_object_get_int_member(o, "size"), ==, 5000000000ll);
	g_assert_cmpint(json_object_get_int_member(o, "stored-size"), ==, 123);
	g_assert_cmpstr(json_object_get_string_member(o, "reason"), ==, "shutdown");
	g_assert_cmpstr(json_object_get_string_member(o, "kernel"), ==, "6.1.0-test-amd64");
	m.kernel = NULL;
	{
		g_autoptr(JsonNode) n2 = ckpt_image_meta_to_json(&m);

		g_assert_true(json_object_get_null_member(json_node_get_object(n2), "kernel"));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn)                                                                              \
	g_test_add(path, Fixture, NULL, store_fixture_setup, fn, store_fixture_teardown)
	ADD("/store/round-trip/none", test_round_trip_none);
	ADD("/store/round-trip/zstd-random", test_round_trip_zstd_random);
	ADD("/store/round-trip/zstd-text", test_round_trip_zstd_text);
	ADD("/store/round-trip/empty", test_round_trip_empty);
	ADD("/store/zstd-tool-frames", test_zstd_tool_frames);
	ADD("/store/sha-mismatch", test_sha_mismatch);
	ADD("/store/size-mismatch", test_size_mismatch);
	ADD("/store/commit-without-sender-hash", test_commit_without_sender_hash);
	ADD("/store/list-lookup-latest-prune", test_list_lookup_latest_prune);
	ADD("/store/interrupted-writer", test_interrupted_writer);
	ADD("/store/cancelled-write", test_cancelled_write);
	ADD("/store/two-writers", test_two_writers);
	ADD("/store/splice", test_splice);
	ADD("/store/bad-arguments", test_bad_arguments);
#undef ADD
	g_test_add_func("/store/open-from-env", test_open_from_env);
	g_test_add_func("/store/meta-json", test_meta_json);
	return g_test_run();
}
