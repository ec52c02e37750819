// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-store on a full disk: a 256 KiB tmpfs mounted for the test. A write
 * that runs out of space fails with one message naming the store, the image
 * and the bytes written; nothing is left behind (the temp file goes at the
 * moment of the failure); the space comes back; and the metadata write
 * failing after the image fitted is handled the same way.
 *
 * Needs root (mount). Exit 77 (skipped) with the reason when it cannot mount.
 */
#include "store-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

static char *mount_dir;

static CkptStore *open_store(char **dir_out)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_build_filename(mount_dir, "store", NULL);
	CkptStore *s = ckpt_store_open(dir, &error);

	g_assert_no_error(error);
	*dir_out = g_build_filename(dir, "images", NULL);
	return s;
}

static void check_no_space_error(const GError *error, CkptStoreWriter *w, const char *what)
{
	g_autofree char *expected = g_strdup_printf(
		"store %s/store: no space left on device %s image %s (%" G_GUINT64_FORMAT
		" bytes written)",
		mount_dir, what, ckpt_store_writer_id(w), ckpt_store_writer_bytes(w));

	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	g_assert_cmpstr(error->message, ==, expected);
}

/* After a failure: the space is usable again for a small image. */
static void check_space_back(CkptStore *s, const char *images)
{
	g_autoptr(GBytes) small = test_random_bytes(16 * 1024, 9);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptImageMeta) m = test_store_put(s, "vmA", "web", "none", small, &error);
	g_autoptr(GPtrArray) list = NULL;

	g_assert_no_error(error);
	list = ckpt_store_list(s, NULL, NULL, &error);
	g_assert_cmpuint(list->len, ==, 1);
	g_assert_true(ckpt_store_remove(s, m->id, &error));
	g_assert_cmpuint(test_count_entries(images), ==, 0);
}

static void fill_up(const char *compression)
{
	g_autofree char *images = NULL;
	g_autoptr(CkptStore) s = open_store(&images);
	g_autoptr(GBytes) data = test_random_bytes(2 * 1024 * 1024, 8);
	g_autoptr(GError) error = NULL;
	CkptStoreWriter *w =
		ckpt_store_writer_new(s, "vmA", "web", NULL, compression, NULL, &error);
	g_autofree char *sha = test_sha256(data);
	const guint8 *p = g_bytes_get_data(data, NULL);
	gsize off = 0, chunk = 65536;
	const char *what = "writing";
	g_autoptr(CkptImageMeta) m = NULL;

	g_assert_no_error(error);
	while (off < g_bytes_get_size(data)) {
		if (!g_output_stream_write_all(ckpt_store_writer_stream(w), p + off, chunk, NULL,
					       NULL, &error))
			break;
		off += chunk;
	}
	if (!error) {
		/* Everything was buffered by the compressor: the end of the frame hits the wall. */
		m = ckpt_store_writer_commit(w, sha, g_bytes_get_size(data), &error);
		what = "finishing";
	}
	g_assert_null(m);
	g_test_message("%s", error->message);
	check_no_space_error(error, w, what);
	g_assert_cmpuint(ckpt_store_writer_bytes(w), <, g_bytes_get_size(data));
	/* Gone at once, before the caller frees the writer. */
	g_assert_cmpuint(test_count_entries(images), ==, 0);
	/* The failure sticks. */
	g_clear_error(&error);
	g_assert_false(
		g_output_stream_write_all(ckpt_store_writer_stream(w), p, 10, NULL, NULL, &error));
	check_no_space_error(error, w, what);
	g_clear_error(&error);
	g_assert_null(ckpt_store_writer_commit(w, sha, g_bytes_get_size(data), &error));
	g_assert_nonnull(error);
	ckpt_store_writer_free(w);
	g_assert_cmpuint(test_count_entries(images), ==, 0);
	check_space_back(s, images);
}

static void test_full_none(void)
{
	fill_up("none");
}

static void test_full_zstd(void)
{
	fill_up("zstd");
}

/* Leave exactly `pages` free pages on the tmpfs; returns the filler's path. */
static char *fill_fs_leaving(guint pages)
{
	char *filler = g_build_filename(mount_dir, "filler", NULL);
	int fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char page[4096] = {1};
	off_t size = 0;

	g_assert_cmpint(fd, >=, 0);
	while (write(fd, page, sizeof(page)) == (ssize_t)sizeof(page))
		size += sizeof(page);
	g_assert_cmpint(errno, ==, ENOSPC);
	g_assert_cmpint(ftruncate(fd, size - (off_t)pages * 4096), ==, 0);
	close(fd);
	return filler;
}

/* The image fits, its metadata does not: nothing of either is left. */
static void test_full_at_metadata(void)
{
	g_autofree char *images = NULL;
	g_autoptr(CkptStore) s = open_store(&images);
	g_autoptr(GBytes) data = test_random_bytes(4096, 10);
	g_autoptr(GError) error = NULL;
	g_autofree char *filler = fill_fs_leaving(1);
	CkptStoreWriter *w = ckpt_store_writer_new(s, "vmA", "web", NULL, "none", NULL, &error);
	g_autofree char *sha = test_sha256(data);
	g_autoptr(CkptImageMeta) m = NULL;
	g_autofree char *expected = NULL;

	g_assert_no_error(error);
	g_assert_true(g_output_stream_write_all(ckpt_store_writer_stream(w),
						g_bytes_get_data(data, NULL), 4096, NULL, NULL,
						&error));
	g_assert_no_error(error);
	m = ckpt_store_writer_commit(w, sha, 4096, &error);
	g_assert_null(m);
	g_test_message("%s", error->message);
	expected = g_strdup_printf("store %s/store: no space left on device writing the metadata "
				   "of image %s (4096 bytes written)",
				   mount_dir, ckpt_store_writer_id(w));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	g_assert_cmpstr(error->message, ==, expected);
	g_assert_cmpuint(test_count_entries(images), ==, 0);
	ckpt_store_writer_free(w);
	g_assert_cmpuint(test_count_entries(images), ==, 0);
	g_assert_cmpint(g_unlink(filler), ==, 0);
	check_space_back(s, images);
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int ret;

	mount_dir = g_dir_make_tmp("ckpt-store-enospc-XXXXXX", &error);
	g_assert_no_error(error);
	if (mount("ckpt-test", mount_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,mode=0700") <
	    0) {
		printf("SKIP: cannot mount a 256 KiB tmpfs on %s (%s): the ENOSPC tests need root "
		       "and mount rights\n",
		       mount_dir, g_strerror(errno));
		g_rmdir(mount_dir);
		return 77;
	}
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/store-enospc/full-none", test_full_none);
	g_test_add_func("/store-enospc/full-zstd", test_full_zstd);
	g_test_add_func("/store-enospc/full-at-metadata", test_full_at_metadata);
	ret = g_test_run();
	if (umount2(mount_dir, MNT_DETACH) < 0)
		g_printerr("unmounting %s: %s\n", mount_dir, g_strerror(errno));
	g_rmdir(mount_dir);
	return ret;
}
