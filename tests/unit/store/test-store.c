// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-store: round trips (none and zstd, multi-MiB), the sender's sha256
 * and length checked on commit, list/lookup/latest/prune, interrupted
 * writers, corrupted and truncated .zst files, flipped bytes in stored
 * images, leftovers of crashed writers, and the zstd frames against the
 * zstd command line tool.
 */
#include "store-test-util.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <utime.h>

typedef struct {
	char *dir;
	char *images;
	CkptStore *store;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *tmp = g_dir_make_tmp("ckpt-store-test-XXXXXX", &error);

	g_assert_no_error(error);
	/* A store dir that does not exist yet: open creates it. */
	f->dir = g_build_filename(tmp, "store", NULL);
	f->images = g_build_filename(f->dir, "images", NULL);
	f->store = ckpt_store_open(f->dir, &error);
	g_assert_no_error(error);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *tmp = g_path_get_dirname(f->dir);

	ckpt_store_free(f->store);
	test_rm_rf(tmp);
	g_free(f->dir);
	g_free(f->images);
}

static CkptImageMeta *put_ok(Fixture *f, const char *vm, const char *container,
			     const char *compression, GBytes *data)
{
	g_autoptr(GError) error = NULL;
	CkptImageMeta *m = test_store_put(f->store, vm, container, compression, data, &error);

	g_assert_no_error(error);
	g_assert_nonnull(m);
	return m;
}

static GBytes *read_image(Fixture *f, const CkptImageMeta *m, GError **error)
{
	g_autoptr(GInputStream) in = ckpt_store_open_image(f->store, m, error);

	if (!in)
		return NULL;
	return test_read_all(in, error);
}

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
	g_autoptr(CkptImageMeta) m = put_ok(f, "vmA", "web", compression, data);
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
	back = read_image(f, found, &error);
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

		g_ptr_array_add(made,
				put_ok(f, plan[i][0], plan[i][1], i % 2 ? "zstd" : "none", bytes));
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
static void test_corrupt_zstd(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) text = test_text_bytes(2 * 1024 * 1024);
	g_autoptr(CkptImageMeta) m = put_ok(f, "vmA", "web", "zstd", text);
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
		back = read_image(f, m, &error);
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
		g_assert_null(read_image(f, cut, &error));
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
		g_assert_null(read_image(f, junk, &error));
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
	g_autoptr(CkptImageMeta) m = put_ok(f, "vmA", "web", "none", bytes);
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
	back = read_image(f, m, &error);
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
	g_autoptr(CkptImageMeta) kept = put_ok(f, "vmA", "web", "none", bytes);
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
	g_autoptr(CkptImageMeta) good = put_ok(f, "vmA", "web", "none", bytes);
	g_autoptr(CkptImageMeta) bad = put_ok(f, "vmA", "db", "none", bytes);
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
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
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
	ADD("/store/corrupt-zstd", test_corrupt_zstd);
	ADD("/store/flipped-byte-raw", test_flipped_byte_raw);
	ADD("/store/stale-leftovers", test_stale_leftovers);
	ADD("/store/damaged-metadata", test_damaged_metadata);
	ADD("/store/bad-arguments", test_bad_arguments);
#undef ADD
	g_test_add_func("/store/verify-stream", test_verify_stream);
	g_test_add_func("/store/open-from-env", test_open_from_env);
	g_test_add_func("/store/meta-json", test_meta_json);
	return g_test_run();
}
