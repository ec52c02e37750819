// SPDX-License-Identifier: GPL-2.0-only
/*
 * Listing the store: list, lookup by id or unique prefix, latest. Listing
 * also sweeps up what a crashed writer left: temp files and image files
 * without metadata, once they are older than CKPT_STORE_STALE_S (a live
 * writer keeps touching its temp file).
 */
#include <errno.h>

#include <glib/gstdio.h>

#include "store-private.h"

static gboolean is_stale(const char *path)
{
	GStatBuf st;

	return g_stat(path, &st) == 0 &&
	       (gint64)st.st_mtime + CKPT_STORE_STALE_S < g_get_real_time() / G_USEC_PER_SEC;
}

static void remove_stale(CkptStore *s, const char *name)
{
	g_autofree char *path = g_build_filename(s->images_dir, name, NULL);

	if (!is_stale(path))
		return;
	if (g_unlink(path) < 0 && errno != ENOENT)
		g_warning("store %s: removing leftover %s: %s", s->dir, path, g_strerror(errno));
	else
		g_message("store %s: removed %s, left over from an interrupted write", s->dir,
			  path);
}

/* An image file whose metadata never appeared (crash between the two renames). */
static gboolean is_orphan_image(CkptStore *s, const char *name)
{
	g_autofree char *id = NULL;
	g_autofree char *json = NULL;

	if (g_str_has_suffix(name, ".img"))
		id = g_strndup(name, strlen(name) - 4);
	else if (g_str_has_suffix(name, ".img.zst"))
		id = g_strndup(name, strlen(name) - 8);
	else
		return FALSE;
	json = g_strdup_printf("%s/%s.json", s->images_dir, id);
	return !g_file_test(json, G_FILE_TEST_EXISTS);
}

static CkptImageMeta *load_meta(CkptStore *s, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(s->images_dir, name, NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) local = NULL;
	g_autoptr(CkptImageMeta) m = NULL;
	g_autofree char *id = g_strndup(name, strlen(name) - strlen(".json"));

	if (!json_parser_load_from_file(parser, path, &local)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT, "%s: %s", path,
			    local->message);
		return NULL;
	}
	m = ckpt_image_meta_from_json(s->images_dir, path, json_parser_get_root(parser), error);
	if (!m)
		return NULL;
	if (!g_str_equal(m->id, id)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "%s: its id is \"%s\", not the file's name", path, m->id);
		return NULL;
	}
	return g_steal_pointer(&m);
}

static gint64 created_usec(const CkptImageMeta *m)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(m->created, NULL);

	if (!t)
		return 0;
	return g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t);
}

static gint by_created(gconstpointer a, gconstpointer b)
{
	const CkptImageMeta *x = *(CkptImageMeta *const *)a;
	const CkptImageMeta *y = *(CkptImageMeta *const *)b;
	gint64 tx = created_usec(x), ty = created_usec(y);

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(x->id, y->id);
}

GPtrArray *ckpt_store_list(CkptStore *s, const char *vm, const char *container, GError **error)
{
	g_autoptr(GPtrArray) out =
		g_ptr_array_new_with_free_func((GDestroyNotify)ckpt_image_meta_free);
	g_autoptr(GDir) d = NULL;
	g_autoptr(GError) local = NULL;
	const char *name;

	d = g_dir_open(s->images_dir, 0, &local);
	if (!d) {
		g_set_error(error, G_IO_ERROR,
			    local->domain == G_FILE_ERROR ? g_io_error_from_file_error(local->code)
							  : G_IO_ERROR_FAILED,
			    "store %s: %s", s->dir, local->message);
		return NULL;
	}
	while ((name = g_dir_read_name(d))) {
		g_autoptr(GError) bad = NULL;
		CkptImageMeta *m;

		if (name[0] == '.' && g_str_has_suffix(name, ".tmp")) {
			remove_stale(s, name);
			continue;
		}
		if (is_orphan_image(s, name)) {
			remove_stale(s, name);
			continue;
		}
		if (name[0] == '.' || !g_str_has_suffix(name, ".json"))
			continue;
		m = load_meta(s, name, &bad);
		if (!m) {
			/* One damaged file must not hide every other image. */
			g_warning("store %s: skipping %s", s->dir, bad->message);
			continue;
		}
		if ((vm && g_strcmp0(vm, m->vm) != 0) ||
		    (container && g_strcmp0(container, m->container) != 0)) {
			ckpt_image_meta_free(m);
			continue;
		}
		g_ptr_array_add(out, m);
	}
	g_ptr_array_sort(out, by_created);
	return g_steal_pointer(&out);
}

CkptImageMeta *ckpt_store_lookup(CkptStore *s, const char *id_or_unique_prefix, GError **error)
{
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) matches = g_ptr_array_new();
	g_autoptr(GString) names = g_string_new(NULL);

	if (!id_or_unique_prefix || !*id_or_unique_prefix) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID,
			    "store %s: empty image id", s->dir);
		return NULL;
	}
	all = ckpt_store_list(s, NULL, NULL, error);
	if (!all)
		return NULL;
	for (guint i = 0; i < all->len; i++) {
		CkptImageMeta *m = g_ptr_array_index(all, i);

		if (g_str_equal(m->id, id_or_unique_prefix))
			return ckpt_image_meta_copy(m);
		if (g_str_has_prefix(m->id, id_or_unique_prefix))
			g_ptr_array_add(matches, m);
	}
	if (matches->len == 1)
		return ckpt_image_meta_copy(g_ptr_array_index(matches, 0));
	if (matches->len == 0) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_NOT_FOUND,
			    "store %s: no image %s", s->dir, id_or_unique_prefix);
		return NULL;
	}
	for (guint i = 0; i < matches->len; i++) {
		const CkptImageMeta *m = g_ptr_array_index(matches, i);

		g_string_append_printf(names, "%s%s", i ? ", " : "", m->id);
	}
	g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_AMBIGUOUS,
		    "store %s: \"%s\" matches %u images: %s", s->dir, id_or_unique_prefix,
		    matches->len, names->str);
	return NULL;
}

CkptImageMeta *ckpt_store_latest(CkptStore *s, const char *vm, const char *container,
				 GError **error)
{
	g_autoptr(GPtrArray) list = ckpt_store_list(s, vm, container, error);

	if (!list)
		return NULL;
	if (list->len == 0) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_NOT_FOUND,
			    "store %s: no image of container %s%s%s", s->dir,
			    container ? container : "(any)", vm ? " from " : "", vm ? vm : "");
		return NULL;
	}
	return ckpt_image_meta_copy(g_ptr_array_index(list, list->len - 1));
}
