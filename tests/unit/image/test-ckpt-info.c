// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt info` as a user runs it: the built binary (CKPT_BIN) on good and
 * damaged images, from a file and from stdin, in text and JSON.
 */
#include <string.h>
#include <xxhash.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "image-builder.h"

typedef struct {
	char *dir;
	char *good;	 /* the small image */
	char *truncated; /* cut inside the trailer */
	char *flipped;	 /* one data bit flipped */
	char *foreign;	 /* not an image */
	guint64 csum;
} Fixture;

typedef struct {
	int status;
	char *out;
	char *err;
} Run;

static void run_clear(Run *r)
{
	g_free(r->out);
	g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

static char *write_image(const char *dir, const char *name, const GByteArray *img)
{
	char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_file_set_contents(path, (const char *)img->data, img->len, &error);
	g_assert_no_error(error);
	return path;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) img = image_build_small();

	f->dir = g_dir_make_tmp("ckpt-info-XXXXXX", &error);
	g_assert_no_error(error);
	f->csum = XXH64(img->data, SMALL_TRAILER_AT, 0);
	f->good = write_image(f->dir, "good.img", img);
	img->data[SMALL_OPTIONAL_AT + 10] ^= 0x04;
	f->flipped = write_image(f->dir, "flipped.img", img);
	img->data[SMALL_OPTIONAL_AT + 10] ^= 0x04;
	g_byte_array_set_size(img, SMALL_SIZE - 8);
	f->truncated = write_image(f->dir, "truncated.img", img);
	g_byte_array_set_size(img, 0);
	g_byte_array_append(img, (const guint8 *)"#!/bin/sh\necho not an image\n", 28);
	f->foreign = write_image(f->dir, "foreign.img", img);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
	const char *paths[] = {f->good, f->flipped, f->truncated, f->foreign};

	for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
		g_unlink(paths[i]);
		g_free((char *)paths[i]);
	}
	g_rmdir(f->dir);
	g_free(f->dir);
}

/* Runs `ckpt ARGS...`, with stdin from stdin_path when not NULL. */
static void run_ckpt(Run *r, const char *stdin_path, ...)
{
	const char *bin = g_getenv("CKPT_BIN");
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	const char *arg;
	va_list ap;

	g_assert_nonnull(bin);
	g_ptr_array_add(argv, (char *)bin);
	va_start(ap, stdin_path);
	while ((arg = va_arg(ap, const char *)))
		g_ptr_array_add(argv, (char *)arg);
	va_end(ap);
	g_ptr_array_add(argv, NULL);

	if (stdin_path)
		g_subprocess_launcher_set_stdin_file_path(l, stdin_path);
	p = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(p, NULL, NULL, &r->out, &r->err, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(p));
	r->status = g_subprocess_get_exit_status(p);
	g_test_message("exit %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
}

static void assert_good_text(const Fixture *f, const Run *r)
{
	g_autofree char *summary =
		g_strdup_printf("image ok: 3 records (1 unknown optional skipped), 224 bytes, "
				"xxh64 0x%016" G_GINT64_MODIFIER "x verified\n",
				f->csum);

	g_assert_cmpint(r->status, ==, 0);
	g_assert_cmpstr(r->err, ==, "");
	g_assert_true(g_regex_match_simple("^ +0 +0 header +160 magic=0x474d4954504b43 version=1 "
					   "arch=x86_64 page_size=[0-9]+ ",
					   r->out, G_REGEX_MULTILINE, 0));
	g_assert_true(g_regex_match_simple("^ +1 +160 optional 0x87654321 +13 \\(unknown optional "
					   "record, 5 bytes skipped\\)$",
					   r->out, G_REGEX_MULTILINE, 0));
	g_assert_true(g_regex_match_simple("^ +2 +176 trailer +48 nr_records=2 csum_kind=xxh64 "
					   "stream_len=176 csum=0x",
					   r->out, G_REGEX_MULTILINE, 0));
	g_assert_true(g_str_has_suffix(r->out, summary));
}

static void test_text_file(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};

	run_ckpt(&r, NULL, "info", f->good, NULL);
	assert_good_text(f, &r);
}

static void test_text_stdin(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};

	run_ckpt(&r, f->good, "info", "-", NULL);
	assert_good_text(f, &r);
}

static JsonObject *parse_json(JsonParser *parser, const char *text)
{
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
	return json_node_get_object(json_parser_get_root(parser));
}

static void test_json(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *csum = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x", f->csum);
	JsonObject *root, *header, *rec;
	JsonArray *records;
	const char *field_csum;

	run_ckpt(&r, f->good, "info", "--json", "-", NULL);
	g_assert_cmpint(r.status, ==, 0);
	root = parse_json(parser, r.out);
	g_assert_true(json_object_get_boolean_member(root, "valid"));
	g_assert_true(json_object_get_null_member(root, "error"));
	g_assert_cmpstr(json_object_get_string_member(root, "csum"), ==, csum);
	g_assert_cmpint(json_object_get_int_member(root, "bytes"), ==, SMALL_SIZE);
	g_assert_cmpint(json_object_get_int_member(root, "nr_records"), ==, 3);
	g_assert_cmpint(json_object_get_int_member(root, "nr_skipped"), ==, 1);

	header = json_object_get_object_member(root, "header");
	g_assert_cmpint(json_object_get_int_member(header, "version"), ==, CKPT_IMAGE_VERSION);
	g_assert_cmpstr(json_object_get_string_member(header, "arch"), ==, "x86_64");
	g_assert_cmpstr(json_object_get_string_member(header, "magic"), ==, "0x474d4954504b43");
	g_assert_false(json_object_has_member(header, "reserved"));

	records = json_object_get_array_member(root, "records");
	g_assert_cmpuint(json_array_get_length(records), ==, 3);
	rec = json_array_get_object_element(records, 1);
	g_assert_cmpint(json_object_get_int_member(rec, "offset"), ==, SMALL_OPTIONAL_AT);
	g_assert_cmpint(json_object_get_int_member(rec, "type_id"), ==, SMALL_OPTIONAL_TYPE);
	g_assert_true(json_object_get_boolean_member(rec, "skipped"));
	rec = json_array_get_object_element(records, 2);
	g_assert_cmpstr(json_object_get_string_member(rec, "type"), ==, "trailer");
	/* Record fields print hex values unpadded (as magic=0x...), the summary pads: compare
	 * values. */
	field_csum =
		json_object_get_string_member(json_object_get_object_member(rec, "fields"), "csum");
	g_assert_true(g_str_has_prefix(field_csum, "0x"));
	g_assert_cmpuint(g_ascii_strtoull(field_csum + 2, NULL, 16), ==, f->csum);
}

static void test_truncated(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};
	g_autofree char *err = g_strdup_printf("ckpt info: %s: record 2 (trailer) at byte 176: "
					       "truncated: needs 48 bytes, stream ends after 40\n",
					       f->truncated);

	run_ckpt(&r, NULL, "info", f->truncated, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_cmpstr(r.err, ==, err);
	/* What could be decoded was printed before the error. */
	g_assert_nonnull(strstr(r.out, " optional 0x87654321 "));
	g_assert_null(strstr(r.out, "image ok"));
}

static void test_flipped(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};

	run_ckpt(&r, f->flipped, "info", "-", NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_true(g_str_has_prefix(r.err, "ckpt info: -: record 2 (trailer) at byte 176: "
					      "checksum mismatch (image 0x"));
}

static void test_foreign(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};

	run_ckpt(&r, NULL, "info", f->foreign, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_true(g_str_has_suffix(r.err, ": record 0 at byte 0: bad magic 0x6e206f6863650a68 "
					      "(not a ckpt image)\n"));
}

static void test_json_bad_image(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root;

	run_ckpt(&r, NULL, "info", "-j", f->truncated, NULL);
	g_assert_cmpint(r.status, ==, 1);
	root = parse_json(parser, r.out);
	g_assert_false(json_object_get_boolean_member(root, "valid"));
	g_assert_true(json_object_get_null_member(root, "csum"));
	g_assert_cmpstr(json_object_get_string_member(root, "error"), ==,
			"record 2 (trailer) at byte 176: truncated: needs 48 bytes, stream ends "
			"after 40");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "records")), ==,
			 2);
}

static void test_missing_file(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};
	g_autofree char *path = g_build_filename(f->dir, "absent.img", NULL);

	run_ckpt(&r, NULL, "info", path, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "absent.img"));
}

static void test_usage(Fixture *f, gconstpointer data)
{
	g_auto(Run) none = {0};
	g_auto(Run) unknown = {0};
	g_auto(Run) two = {0};
	g_auto(Run) help = {0};

	run_ckpt(&none, NULL, NULL);
	g_assert_cmpint(none.status, ==, 2);
	g_assert_nonnull(strstr(none.err, "info"));
	run_ckpt(&unknown, NULL, "frobnicate", NULL);
	g_assert_cmpint(unknown.status, ==, 2);
	g_assert_nonnull(strstr(unknown.err, "unknown command 'frobnicate'"));
	run_ckpt(&two, NULL, "info", f->good, f->good, NULL);
	g_assert_cmpint(two.status, ==, 2);
	run_ckpt(&help, NULL, "--help", NULL);
	g_assert_cmpint(help.status, ==, 0);
	g_assert_nonnull(strstr(help.out, "info"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/ckpt-info/text-file", test_text_file);
	ADD("/ckpt-info/text-stdin", test_text_stdin);
	ADD("/ckpt-info/json", test_json);
	ADD("/ckpt-info/truncated", test_truncated);
	ADD("/ckpt-info/flipped", test_flipped);
	ADD("/ckpt-info/foreign", test_foreign);
	ADD("/ckpt-info/json-bad-image", test_json_bad_image);
	ADD("/ckpt-info/missing-file", test_missing_file);
	ADD("/ckpt-info/usage", test_usage);
#undef ADD
	return g_test_run();
}
