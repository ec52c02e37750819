// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the store tests. */
#include "store-test-util.h"

#include <glib/gstdio.h>
#include <stdio.h>

GBytes *test_random_bytes(gsize n, guint32 seed)
{
	g_autoptr(GRand) r = g_rand_new_with_seed(seed);
	guint8 *buf = g_malloc(n);

	for (gsize i = 0; i < n; i += 4) {
		guint32 v = g_rand_int(r);

		memcpy(buf + i, &v, MIN(4, n - i));
	}
	return g_bytes_new_take(buf, n);
}

GBytes *test_text_bytes(gsize n)
{
	GString *s = g_string_sized_new(n + 64);

	for (guint line = 0; s->len < n; line++)
		g_string_append_printf(s, "counter %u: the container is still counting\n", line);
	g_string_truncate(s, n);
	return g_string_free_to_bytes(s);
}

char *test_sha256(GBytes *data)
{
	return g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, data);
}

CkptImageMeta *test_store_put(CkptStore *s, const char *vm, const char *container,
			      const char *compression, GBytes *data, GError **error)
{
	g_autoptr(CkptStoreWriter) w = ckpt_store_writer_new(s, vm, container, "6.1.0-test-amd64",
							     compression, NULL, error);
	g_autofree char *sha = test_sha256(data);
	gsize len;
	const guint8 *p = g_bytes_get_data(data, &len);
	gsize off = 0, chunk = 1;

	if (!w)
		return NULL;
	/* Uneven chunks, as a network stream delivers them. */
	while (off < len) {
		gsize n = MIN(chunk, len - off);

		if (!g_output_stream_write_all(ckpt_store_writer_stream(w), p + off, n, NULL, NULL,
					       error))
			return NULL;
		off += n;
		chunk = chunk * 3 + 7;
		if (chunk > 300000)
			chunk = 13;
	}
	return ckpt_store_writer_commit(w, sha, len, error);
}

GBytes *test_read_all(GInputStream *in, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	guint8 buf[65536 + 3];

	for (;;) {
		gssize n = g_input_stream_read(in, buf, sizeof(buf), NULL, error);

		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		g_byte_array_append(out, buf, n);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

guint test_count_entries(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	guint n = 0;

	g_assert_nonnull(d);
	while (g_dir_read_name(d))
		n++;
	return n;
}

void test_rm_rf(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	if (!d) {
		g_unlink(path);
		return;
	}
	while ((name = g_dir_read_name(d))) {
		g_autofree char *child = g_build_filename(path, name, NULL);

		test_rm_rf(child);
	}
	g_rmdir(path);
}

void test_flip_byte(const char *path, goffset offset)
{
	FILE *f = fopen(path, "r+b");
	int c;

	g_assert_nonnull(f);
	g_assert_cmpint(fseeko(f, offset, SEEK_SET), ==, 0);
	c = fgetc(f);
	g_assert_cmpint(c, !=, EOF);
	g_assert_cmpint(fseeko(f, offset, SEEK_SET), ==, 0);
	g_assert_cmpint(fputc(c ^ 0x20, f), !=, EOF);
	g_assert_cmpint(fclose(f), ==, 0);
}

void store_fixture_setup(Fixture *f, gconstpointer data)
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

void store_fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *tmp = g_path_get_dirname(f->dir);

	ckpt_store_free(f->store);
	test_rm_rf(tmp);
	g_free(f->dir);
	g_free(f->images);
}

CkptImageMeta *store_fixture_put(Fixture *f, const char *vm, const char *container,
				 const char *compression, GBytes *data)
{
	g_autoptr(GError) error = NULL;
	CkptImageMeta *m = test_store_put(f->store, vm, container, compression, data, &error);

	g_assert_no_error(error);
	g_assert_nonnull(m);
	return m;
}

GBytes *store_fixture_read(Fixture *f, const CkptImageMeta *m, GError **error)
{
	g_autoptr(GInputStream) in = ckpt_store_open_image(f->store, m, error);

	if (!in)
		return NULL;
	return test_read_all(in, error);
}
