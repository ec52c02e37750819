// SPDX-License-Identifier: GPL-2.0-only
/* An image file appears whole, or not at all. */
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/image-output/commit", test_commit);
	g_test_add_func("/image-output/abandon", test_abandon);
	g_test_add_func("/image-output/bad-dir", test_bad_dir);
	return g_test_run();
}
