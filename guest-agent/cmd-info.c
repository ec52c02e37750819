// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt info IMAGE|- [--json]`: decode and verify an image record by
 * record. Text mode prints each record as it is read, so a damaged image
 * shows everything up to the damage before the error; --json prints one
 * object with the header, the records and the verdict.
 */
#include <stdio.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>

#include "ckpt-cmd.h"
#include "ckpt-image.h"

/* Reads go through a buffer this big: records are small and many. */
#define INFO_READ_BUFFER (256 * 1024)

static GInputStream *open_image(const char *path, GError **error)
{
	g_autoptr(GInputStream) raw = NULL;

	if (g_strcmp0(path, "-") == 0) {
		raw = g_unix_input_stream_new(STDIN_FILENO, FALSE);
	} else {
		g_autoptr(GFile) file = g_file_new_for_commandline_arg(path);

		raw = G_INPUT_STREAM(g_file_read(file, NULL, error));
		if (!raw)
			return NULL;
	}
	return g_buffered_input_stream_new_sized(raw, INFO_READ_BUFFER);
}

static void print_record(const CkptRecord *rec)
{
	g_autofree char *name = ckpt_record_type_name(rec);
	g_autoptr(GString) fields = g_string_new(NULL);

	ckpt_record_format_fields(rec, fields);
	printf("%6u %12" G_GUINT64_FORMAT " %-10s %8u%s\n", rec->index, rec->offset, name, rec->len,
	       fields->str);
}

static void print_summary(CkptImageReader *reader)
{
	guint32 skipped = ckpt_image_reader_get_nr_skipped(reader);

	printf("image ok: %u records", ckpt_image_reader_get_nr_records(reader));
	if (skipped)
		printf(" (%u unknown optional skipped)", skipped);
	printf(", %" G_GUINT64_FORMAT " bytes, xxh64 0x%016" G_GINT64_MODIFIER "x verified\n",
	       ckpt_image_reader_get_offset(reader), ckpt_image_reader_get_csum(reader));
}

static gboolean info_text(CkptImageReader *reader, GError **error)
{
	const CkptRecord *rec;

	printf("%6s %12s %-10s %8s %s\n", "record", "offset", "type", "len", "fields");
	for (;;) {
		if (!ckpt_image_reader_next(reader, &rec, NULL, error))
			return FALSE;
		if (!rec)
			break;
		print_record(rec);
	}
	print_summary(reader);
	return TRUE;
}

static gboolean info_json(CkptImageReader *reader, const char *path, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	JsonNode *header = NULL;
	const CkptRecord *rec;
	gboolean ok;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "image");
	json_builder_add_string_value(b, path);
	json_builder_set_member_name(b, "records");
	json_builder_begin_array(b);
	while ((ok = ckpt_image_reader_next(reader, &rec, NULL, error)) && rec) {
		if (rec->type == CKPT_REC_HEADER)
			header = ckpt_record_fields_to_json(rec);
		json_builder_add_value(b, ckpt_record_to_json(rec));
	}
	json_builder_end_array(b);

	json_builder_set_member_name(b, "header");
	if (header)
		json_builder_add_value(b, header);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "nr_records");
	json_builder_add_int_value(b, ckpt_image_reader_get_nr_records(reader));
	json_builder_set_member_name(b, "nr_skipped");
	json_builder_add_int_value(b, ckpt_image_reader_get_nr_skipped(reader));
	json_builder_set_member_name(b, "bytes");
	json_builder_add_int_value(b, (gint64)ckpt_image_reader_get_offset(reader));
	json_builder_set_member_name(b, "valid");
	json_builder_add_boolean_value(b, ok);
	json_builder_set_member_name(b, "csum");
	if (ok) {
		g_autofree char *csum = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x",
							ckpt_image_reader_get_csum(reader));
		json_builder_add_string_value(b, csum);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "error");
	if (ok)
		json_builder_add_null_value(b);
	else
		json_builder_add_string_value(b, (*error)->message);
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	return ok;
}

int ckpt_cmd_info(int argc, char **argv)
{
	gboolean json = FALSE;
	g_auto(GStrv) args = NULL;
	const GOptionEntry entries[] = {
		{"json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL},
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new("IMAGE|-");
	g_autoptr(GError) error = NULL;
	g_autoptr(GInputStream) in = NULL;
	g_autoptr(CkptImageReader) reader = NULL;
	gboolean ok;

	g_option_context_set_summary(octx, "Decode and verify a ckpt image record by record; "
					   "'-' reads it from stdin.");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!g_option_context_parse(octx, &argc, &argv, &error)) {
		fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
		return 2;
	}
	if (!args || !args[0] || args[1]) {
		fprintf(stderr, "%s: expected exactly one IMAGE (or - for stdin)\n",
			g_get_prgname());
		return 2;
	}

	in = open_image(args[0], &error);
	if (!in) {
		fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
		return 1;
	}
	reader = ckpt_image_reader_new(in);
	ok = json ? info_json(reader, args[0], &error) : info_text(reader, &error);
	fflush(stdout);
	if (!ok) {
		fprintf(stderr, "%s: %s: %s\n", g_get_prgname(), args[0], error->message);
		return 1;
	}
	return 0;
}
