// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "host-image-file.h"
#include "host-restore-source.h"

void host_restore_source_free(HostRestoreSource *s)
{
	if (!s)
		return;
	g_clear_object(&s->in);
	g_free(s->label);
	g_free(s->sha256);
	g_free(s->container);
	g_clear_pointer(&s->meta, ckpt_image_meta_free);
	g_free(s->file);
	g_free(s);
}

static gboolean open_file(HostRestoreSource *s, const char *path, GError **error)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GFileInputStream) in = NULL;
	g_autoptr(GFileInfo) info = NULL;
	g_autofree char *base = g_path_get_basename(path);

	s->file = g_strdup(path);
	s->label = g_strdup(path);
	s->sha256 = host_image_file_recorded_sha256(path, error);
	if (!s->sha256 && error && *error)
		return FALSE;
	in = g_file_read(file, NULL, error);
	if (!in)
		return FALSE;
	info = g_file_input_stream_query_info(in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, error);
	if (!info)
		return FALSE;
	if (g_str_has_suffix(base, ".img"))
		base[strlen(base) - 4] = '\0';
	s->container = g_strdup(base);
	if (s->sha256) {
		s->size = (guint64)g_file_info_get_size(info);
		s->in = ckpt_verify_input_stream_new(G_INPUT_STREAM(in), path, s->sha256, s->size);
	} else {
		s->in = G_INPUT_STREAM(g_steal_pointer(&in));
	}
	return TRUE;
}

static gboolean open_store(HostContext *ctx, HostRestoreSource *s, const char *id, GError **error)
{
	CkptStore *store = host_context_store(ctx, error);

	if (!store || !(s->meta = ckpt_store_lookup(store, id, error)))
		return FALSE;
	s->label = g_strdup_printf("store image %s", s->meta->id);
	s->sha256 = g_strdup(s->meta->sha256);
	s->size = s->meta->size;
	s->container = g_strdup(s->meta->container);
	s->in = ckpt_store_open_image(store, s->meta, error);
	return s->in != NULL;
}

HostRestoreSource *host_restore_source_open(HostContext *ctx, const char *image, GError **error)
{
	g_autoptr(HostRestoreSource) s = g_new0(HostRestoreSource, 1);
	gboolean is_file = strchr(image, '/') || g_file_test(image, G_FILE_TEST_EXISTS);

	if (!(is_file ? open_file(s, image, error) : open_store(ctx, s, image, error)))
		return NULL;
	return g_steal_pointer(&s);
}

void host_restore_source_describe(const HostRestoreSource *s, JsonObject *result)
{
	if (s->meta) {
		json_object_set_member(result, "source", ckpt_image_meta_to_json(s->meta));
	} else {
		g_autoptr(JsonObject) o = json_object_new();

		json_object_set_string_member(o, "file", s->file);
		if (s->sha256)
			json_object_set_string_member(o, "sha256", s->sha256);
		else
			json_object_set_null_member(o, "sha256");
		json_object_set_object_member(result, "source", g_steal_pointer(&o));
	}
}
