// SPDX-License-Identifier: GPL-2.0-only
/* CkptImageMeta: the metadata of one stored image, and its ID.json form. */
#include "store-private.h"

/* clang-format off: the quark name is stringified, keep its dashes unspaced */
// clang-format off
G_DEFINE_QUARK(ckpt-store-error-quark, ckpt_store_error)
// clang-format on

void ckpt_image_meta_free(CkptImageMeta *m)
{
	if (!m)
		return;
	g_free(m->id);
	g_free(m->vm);
	g_free(m->container);
	g_free(m->kernel);
	g_free(m->created);
	g_free(m->sha256);
	g_free(m->compression);
	g_free(m->reason);
	g_free(m->path);
	g_free(m);
}

CkptImageMeta *ckpt_image_meta_copy(const CkptImageMeta *m)
{
	CkptImageMeta *c = g_new0(CkptImageMeta, 1);

	c->id = g_strdup(m->id);
	c->vm = g_strdup(m->vm);
	c->container = g_strdup(m->container);
	c->kernel = g_strdup(m->kernel);
	c->created = g_strdup(m->created);
	c->sha256 = g_strdup(m->sha256);
	c->compression = g_strdup(m->compression);
	c->reason = g_strdup(m->reason);
	c->path = g_strdup(m->path);
	c->size = m->size;
	c->stored_size = m->stored_size;
	return c;
}

JsonNode *ckpt_image_meta_to_json(const CkptImageMeta *m)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *file = g_path_get_basename(m->path);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_string_value(b, m->id);
	json_builder_set_member_name(b, "vm");
	json_builder_add_string_value(b, m->vm);
	json_builder_set_member_name(b, "container");
	json_builder_add_string_value(b, m->container);
	json_builder_set_member_name(b, "kernel");
	if (m->kernel)
		json_builder_add_string_value(b, m->kernel);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "created");
	json_builder_add_string_value(b, m->created);
	json_builder_set_member_name(b, "size");
	json_builder_add_int_value(b, (gint64)m->size);
	json_builder_set_member_name(b, "stored-size");
	json_builder_add_int_value(b, (gint64)m->stored_size);
	json_builder_set_member_name(b, "sha256");
	json_builder_add_string_value(b, m->sha256);
	json_builder_set_member_name(b, "compression");
	json_builder_add_string_value(b, m->compression);
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(b, m->reason);
	json_builder_set_member_name(b, "file");
	json_builder_add_string_value(b, file);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static gboolean sha256_hex_valid(const char *s)
{
	if (strlen(s) != 64)
		return FALSE;
	for (const char *p = s; *p; p++) {
		if (!g_ascii_isxdigit(*p))
			return FALSE;
	}
	return TRUE;
}

static const char *member_string(JsonObject *o, const char *key, gboolean nullable,
				 const char *where, GError **error)
{
	JsonNode *n = json_object_get_member(o, key);

	if (n && JSON_NODE_HOLDS_NULL(n) && nullable)
		return "";
	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "%s: \"%s\" is missing or not a string", where, key);
		return NULL;
	}
	return json_node_get_string(n);
}

static gboolean member_size(JsonObject *o, const char *key, guint64 *out, const char *where,
			    GError **error)
{
	JsonNode *n = json_object_get_member(o, key);

	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < 0) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "%s: \"%s\" is missing or not a byte count", where, key);
		return FALSE;
	}
	*out = (guint64)json_node_get_int(n);
	return TRUE;
}

CkptImageMeta *ckpt_image_meta_from_json(const char *images_dir, const char *json_path,
					 JsonNode *node, GError **error)
{
	g_autoptr(CkptImageMeta) m = g_new0(CkptImageMeta, 1);
	static const char *const keys[] = {"id",	  "vm",	     "container",
					   "kernel",	  "created", "sha256",
					   "compression", "reason",  "file"};
	const char *values[G_N_ELEMENTS(keys)];
	g_autofree char *expected_file = NULL;
	JsonObject *o;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "%s: not a JSON object", json_path);
		return NULL;
	}
	o = json_node_get_object(node);
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		values[i] =
			member_string(o, keys[i], g_str_equal(keys[i], "kernel"), json_path, error);
		if (!values[i])
			return NULL;
	}
	if (!member_size(o, "size", &m->size, json_path, error) ||
	    !member_size(o, "stored-size", &m->stored_size, json_path, error))
		return NULL;
	m->id = g_strdup(values[0]);
	m->vm = g_strdup(values[1]);
	m->container = g_strdup(values[2]);
	m->kernel = *values[3] ? g_strdup(values[3]) : NULL;
	m->created = g_strdup(values[4]);
	m->sha256 = g_ascii_strdown(values[5], -1);
	m->compression = g_strdup(values[6]);
	m->reason = g_strdup(values[7]);

	if (!sha256_hex_valid(m->sha256) || !ckpt_store_compression_valid(m->compression) ||
	    !ckpt_store_reason_valid(m->reason) || !ckpt_store_container_valid(m->container)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "%s: bad sha256, compression, reason or container value", json_path);
		return NULL;
	}
	/* The file must be the one the id and compression name, inside the store. */
	expected_file = ckpt_store_image_file_name(m->id, m->compression);
	if (!g_str_equal(values[8], expected_file)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "%s: \"file\" is \"%s\", expected \"%s\"", json_path, values[8],
			    expected_file);
		return NULL;
	}
	m->path = g_build_filename(images_dir, expected_file, NULL);
	return g_steal_pointer(&m);
}
