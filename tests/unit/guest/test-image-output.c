// SPDX-License-Identifier: GPL-2.0-only
/* An image file appears whole, or not at all. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt-guest.h"

static char *tmpdir(void)
{
	return g_dir_make_tmp("ckpt-output-XXXXXX", NULL);
}

static void test_commit(void)
{
	g_autofree char *dir = tmpdir();
	g_autofree char *path = g_build_filename(dir, "img", NULL);
	g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	CkptImageOutput *out = ckpt_image_output_open(path, &error);

	g_assert_no_error(error);
	g_assert_cmpint(write(ckpt_image_output_get_fd(out), "image", 5), ==, 5);
	g_assert_true(g_file_test(tmp, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_true(ckpt_image_output_commit(out, &error));
	g_assert_no_error(error);
	ckpt_image_output_free(out);
	g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	g_file_get_contents(path, &text, NULL, &error);
	g_assert_cmpstr(text, ==, "image");
	unlink(path);
	rmdir(dir);
}

static void test_abandon(void)
{
	g_autofree char *dir = tmpdir();
	g_autofree char *path = g_build_filename(dir, "img", NULL);
	g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
	g_autoptr(GError) error = NULL;
	CkptImageOutput *out;

	/* An older image stays until a new one is complete. */
	g_file_set_contents(path, "old", -1, NULL);
	out = ckpt_image_output_open(path, &error);
	g_assert_cmpint(write(ckpt_image_output_get_fd(out), "half", 4), ==, 4);
	ckpt_image_output_free(out);
	g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	unlink(path);
	rmdir(dir);
}

static void test_bad_dir(void)
{
	g_autoptr(GError) error = NULL;
	CkptImageOutput *out = ckpt_image_output_open("/nonexistent-dir/img", &error);

	g_assert_null(out);
	g_assert_cmpstr(error->message, ==,
			"cannot create /nonexistent-dir/img.tmp: No such file or directory");
}

/* A FIFO (like /dev/null, a node that is not a file) is written in place. */
static void test_in_place(void)
{
	g_autofree char *dir = tmpdir();
	g_autofree char *path = g_build_filename(dir, "fifo", NULL);
	g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
	g_autoptr(GError) error = NULL;
	struct stat st;
	char buf[8] = {0};
	CkptImageOutput *out;
	int reader;

	g_assert_cmpint(mkfifo(path, 0600), ==, 0);
	reader = open(path, O_RDONLY | O_NONBLOCK);
	g_assert_cmpint(reader, >=, 0);
	out = ckpt_image_output_open(path, &error);
	g_assert_no_error(error);
	g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	g_assert_cmpint(write(ckpt_image_output_get_fd(out), "image", 5), ==, 5);
	g_assert_true(ckpt_image_output_commit(out, &error));
	ckpt_image_output_free(out);
	g_assert_cmpint(read(reader, buf, sizeof(buf)), ==, 5);
	g_assert_cmpstr(buf, ==, "image");
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_true(S_ISFIFO(st.st_mode));
	close(reader);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/image-output/commit", test_commit);
	g_test_add_func("/image-output/abandon", test_abandon);
	g_test_add_func("/image-output/bad-dir", test_bad_dir);
	g_test_add_func("/image-output/in-place", test_in_place);
	return g_test_run();
}
