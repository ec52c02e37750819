// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: any byte string fed to the image reader must end in
 * a clean accept or a located error, never a crash, a sanitizer report, a
 * hang or a leak. Each record is also rendered as text and JSON, the way
 * `ckpt info` does, since that code walks the same untrusted bytes.
 */
#include <stdint.h>

#include "ckpt-image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const CkptRecord *rec)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(JsonNode) node = ckpt_record_to_json(rec);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *type_name = ckpt_record_type_name(rec);
	g_autofree char *json = NULL;

	ckpt_record_format_fields(rec, text);
	json_generator_set_root(gen, node);
	json = json_generator_to_data(gen, NULL);
	g_assert(type_name[0] && json[0] == '{');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data(data, size, NULL);
	g_autoptr(CkptImageReader) reader = ckpt_image_reader_new(in);
	g_autoptr(GError) error = NULL;
	const CkptRecord *rec;

	while (ckpt_image_reader_next(reader, &rec, NULL, &error) && rec)
		render(rec);
	/* Every rejection names where it happened. */
	if (error && !g_str_has_prefix(error->message, "record ") &&
	    !g_str_has_prefix(error->message, "byte "))
		g_error("error names no record or byte: %s", error->message);
	if (!error && !ckpt_image_reader_is_complete(reader))
		g_error("reader stopped without an error before the end");
	return 0;
}
