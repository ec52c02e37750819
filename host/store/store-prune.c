// SPDX-License-Identifier: GPL-2.0-only
/* Removing images: one by id, or the oldest beyond a retention count. */
#include <errno.h>

#include <glib/gstdio.h>

#include "store-private.h"

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
