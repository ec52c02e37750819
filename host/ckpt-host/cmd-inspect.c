// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host inspect IMAGE|STORE-ID [--records]`: decode and verify an
 * image record by record with the proto/ library, as `ckpt info` does in
 * the guest. A store image is read decompressed and checked against its
 * recorded sha256 too. Text: the header, a count per record type and the
 * verdict (--records: every record); --json: one object with all of it.
 */
#include <stdio.h>

#include "ckpt-image.h"
#include "ckpt-record-json.h"
#include "host-cmd.h"
#include "host-output.h"
#include "host-restore-source.h"

static void human(HostContext *ctx, JsonObject *r)
{
	JsonObject *header = host_json_obj(r, "header");
	JsonObject *types = host_json_obj(r, "record-types");
	JsonNode *records = json_object_get_member(r, "records");
	GList *names = types ? json_object_get_members(types) : NULL;

	printf("image:    %s\n", host_json_str(r, "image", "?"));
	if (header) {
		g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), header);
		g_autofree char *text = json_to_string(node, FALSE);

		printf("header:   %s\n", text);
	}
	printf("records:  %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT
	       " unknown optional skipped), %" G_GINT64_FORMAT " bytes\n",
	       host_json_int(r, "nr_records", 0), host_json_int(r, "nr_skipped", 0),
	       host_json_int(r, "bytes", 0));
	for (GList *l = names; l; l = l->next)
		printf("  %-14s %" G_GINT64_FORMAT "\n", (const char *)l->data,
		       host_json_int(types, l->data, 0));
	g_list_free(names);
	if (records && JSON_NODE_HOLDS_ARRAY(records)) {
		JsonArray *a = json_node_get_array(records);

		for (guint i = 0; i < json_array_get_length(a); i++) {
			g_autofree char *text = json_to_string(json_array_get_element(a, i), FALSE);

			printf("  %s\n", text);
		}
	}
	if (json_object_get_boolean_member(r, "valid"))
		printf("valid:    yes, xxh64 %s%s\n", host_json_str(r, "csum", "?"),
		       json_object_has_member(r, "sha256") ? ", sha256 matches the recorded one"
							   : "");
	else
		printf("valid:    NO: %s\n", host_json_str(r, "error", "?"));
}

int host_cmd_inspect(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	gboolean all_records = FALSE;
	const GOptionEntry entries[] = {
		{"records", 'r', 0, G_OPTION_ARG_NONE, &all_records,
		 "List every record (always in --json)", NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(HostRestoreSource) src = NULL;
	g_autoptr(GInputStream) buffered = NULL;
	g_autoptr(CkptImageReader) reader = NULL;
	g_autoptr(JsonObject) result = json_object_new();
	g_autoptr(JsonObject) types = json_object_new();
	JsonArray *records = json_array_new();
	const CkptRecord *rec;
	gboolean ok;

	if (!host_cmd_parse(ctx, argc, argv, entries, 1, 1, &ops)) {
		json_array_unref(records);
		return 2;
	}
	src = host_restore_source_open(ctx, ops[0], &error);
	if (!src) {
		json_array_unref(records);
		return host_output_error(ctx, error);
	}
	buffered = g_buffered_input_stream_new_sized(src->in, 256 * 1024);
	reader = ckpt_image_reader_new(buffered);
	json_object_set_string_member(result, "image", src->label);
	host_restore_source_describe(src, result);
	while ((ok = ckpt_image_reader_next(reader, &rec, NULL, &error)) && rec) {
		g_autofree char *name = ckpt_record_type_name(rec);

		if (rec->type == CKPT_REC_HEADER)
			json_object_set_member(result, "header", ckpt_record_fields_to_json(rec));
		json_object_set_int_member(types, name, host_json_int(types, name, 0) + 1);
		if (all_records || ctx->json)
			json_array_add_element(records, ckpt_record_to_json(rec));
	}
	/* The verifying source reports a digest mismatch at the image's end: read it out. */
	if (ok) {
		guint8 rest[1];

		ok = g_input_stream_read(buffered, rest, sizeof(rest), NULL, &error) >= 0;
	}
	json_object_set_object_member(result, "record-types", g_steal_pointer(&types));
	if (all_records || ctx->json)
		json_object_set_array_member(result, "records", records);
	else
		json_array_unref(records);
	json_object_set_int_member(result, "nr_records", ckpt_image_reader_get_nr_records(reader));
	json_object_set_int_member(result, "nr_skipped", ckpt_image_reader_get_nr_skipped(reader));
	json_object_set_int_member(result, "bytes", (gint64)ckpt_image_reader_get_offset(reader));
	json_object_set_boolean_member(result, "valid", ok);
	if (ok) {
		g_autofree char *csum = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x",
							ckpt_image_reader_get_csum(reader));

		json_object_set_string_member(result, "csum", csum);
		if (src->sha256)
			json_object_set_string_member(result, "sha256", src->sha256);
		json_object_set_null_member(result, "error");
	} else {
		json_object_set_null_member(result, "csum");
		json_object_set_string_member(result, "error", error->message);
	}
	host_output_result(ctx, result, human);
	if (!ok) {
		if (!ctx->json)
			fprintf(stderr, "ckpt-host inspect: %s: %s\n", src->label, error->message);
		return 1;
	}
	return 0;
}
