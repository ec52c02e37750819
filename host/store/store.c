// SPDX-License-Identifier: GPL-2.0-only
/*
 * CkptStore: the image directory, and reading it: list, lookup, latest,
 * open, remove, prune. Listing also sweeps up what a crashed writer left:
 * temp files and image files without metadata, once they are older than
 * CKPT_STORE_STALE_S (a live writer keeps touching its temp file).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "store-private.h"

gboolean ckpt_store_compression_valid(const char *compression)
{
	return g_strcmp0(compression, "none") == 0 || g_strcmp0(compression, "zstd") == 0;
}

gboolean ckpt_store_reason_valid(const char *reason)
{
	static const char *const reasons[] = {"manual", "migrate", "shutdown", "periodic", NULL};

	return reason && g_strv_contains(reasons, reason);
}

gboolean ckpt_store_container_valid(const char *container)
{
	size_t len = container ? strlen(container) : 0;

	if (len < 1 || len > 64 || !g_ascii_isalnum(container[0]))
		return FALSE;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalnum(container[i]) && !strchr("_.-", container[i]))
			return FALSE;
	}
	return TRUE;
}

char *ckpt_store_image_file_name(const char *id, const char *compression)
{
	return g_strconcat(id, g_strcmp0(compression, "zstd") == 0 ? ".img.zst" : ".img", NULL);
}

gboolean ckpt_store_fsync_dir(const char *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd >= 0 && fsync(fd) == 0) {
		close(fd);
		return TRUE;
	}
	err = errno;
	if (fd >= 0)
		close(fd);
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
		    "store: syncing directory %s: %s", dir, g_strerror(err));
	return FALSE;
}

CkptStore *ckpt_store_open(const char *dir, GError **error)
{
	g_autoptr(CkptStore) s = g_new0(CkptStore, 1);
	const char *chosen = dir;

	if (!chosen)
		chosen = g_getenv(CKPT_STORE_DIR_ENV);
	if (!chosen || !*chosen)
		chosen = CKPT_STORE_DEFAULT_DIR;
	/* Metadata holds absolute paths; a relative dir would make them depend on the cwd. */
	s->dir = g_canonicalize_filename(chosen, NULL);
	s->images_dir = g_build_filename(s->dir, "images", NULL);
	/* 0700: images hold whole process memories. */
	if (g_mkdir_with_parents(s->images_dir, 0700) < 0) {
		int err = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
			    "store %s: creating %s: %s", s->dir, s->images_dir, g_strerror(err));
		return NULL;
	}
	if (!g_file_test(s->images_dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
			    "store %s: %s is not a directory", s->dir, s->images_dir);
		return NULL;
	}
	return g_steal_pointer(&s);
}

void ckpt_store_free(CkptStore *s)
{
	if (!s)
		return;
	g_free(s->dir);
	g_free(s->images_dir);
	g_free(s);
}

const char *ckpt_store_dir(const CkptStore *s)
{
	return s->dir;
}

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

GInputStream *ckpt_store_open_image(CkptStore *s, const CkptImageMeta *m, GError **error)
{
	g_autoptr(GFile) file = g_file_new_for_path(m->path);
	g_autoptr(GFileInputStream) in = NULL;
	g_autoptr(GInputStream) plain = NULL;
	g_autofree char *label = g_strdup_printf("image %s", m->id);
	g_autoptr(GError) local = NULL;
	GStatBuf st;

	if (g_stat(m->path, &st) < 0) {
		int err = errno;

		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "image %s: file %s: %s", m->id, m->path, g_strerror(err));
		return NULL;
	}
	/* A short file is a damaged one: say so before reading it. */
	if ((guint64)st.st_size != m->stored_size) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "image %s: file %s is %" G_GUINT64_FORMAT
			    " bytes, the metadata says %" G_GUINT64_FORMAT,
			    m->id, m->path, (guint64)st.st_size, m->stored_size);
		return NULL;
	}
	in = g_file_read(file, NULL, &local);
	if (!in) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "image %s: ", m->id);
		return NULL;
	}
	if (g_str_equal(m->compression, "zstd")) {
		g_autoptr(CkptZstdDecompressor) z = ckpt_zstd_decompressor_new();

		plain = g_converter_input_stream_new(G_INPUT_STREAM(in), G_CONVERTER(z));
	} else {
		plain = G_INPUT_STREAM(g_steal_pointer(&in));
	}
	return ckpt_verify_input_stream_new(plain, label, m->sha256, m->size);
}

gboolean ckpt_store_remove(CkptStore *s, const char *id, GError **error)
{
	g_autoptr(CkptImageMeta) m = ckpt_store_lookup(s, id, error);
	g_autofree char *json = NULL;

	if (!m)
		return FALSE;
	json = g_strdup_printf("%s/%s.json", s->images_dir, m->id);
	/* The metadata first: from that moment on the image no longer exists. */
	if (g_unlink(json) < 0) {
		int err = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
			    "store %s: removing image %s: %s: %s", s->dir, m->id, json,
			    g_strerror(err));
		return FALSE;
	}
	if (g_unlink(m->path) < 0 && errno != ENOENT) {
		int err = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
			    "store %s: removing image %s: %s: %s", s->dir, m->id, m->path,
			    g_strerror(err));
		return FALSE;
	}
	return ckpt_store_fsync_dir(s->images_dir, error);
}

GPtrArray *ckpt_store_prune(CkptStore *s, const char *vm, const char *container, guint keep,
			    GError **error)
{
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GPtrArray) removed =
		g_ptr_array_new_with_free_func((GDestroyNotify)ckpt_image_meta_free);
	g_autoptr(GHashTable) left = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	/* keep 0 would mean "delete everything", and 0 means "keep all" in policies. */
	if (keep == 0) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID,
			    "store %s: prune: keep must be at least 1 (use remove to delete all)",
			    s->dir);
		return NULL;
	}
	list = ckpt_store_list(s, vm, container, error);
	if (!list)
		return NULL;
	/* Newest first: the first `keep` of each vm+container stay. */
	for (guint i = list->len; i-- > 0;) {
		CkptImageMeta *m = g_ptr_array_index(list, i);
		g_autofree char *key = g_strdup_printf("%s/%s", m->vm, m->container);
		guint seen = GPOINTER_TO_UINT(g_hash_table_lookup(left, key));

		if (seen < keep) {
			g_hash_table_insert(left, g_steal_pointer(&key),
					    GUINT_TO_POINTER(seen + 1));
			continue;
		}
		if (!ckpt_store_remove(s, m->id, error))
			return NULL;
		g_ptr_array_insert(removed, 0, ckpt_image_meta_copy(m));
	}
	return g_steal_pointer(&removed);
}
