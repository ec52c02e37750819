// SPDX-License-Identifier: GPL-2.0-only
#include "hostd-images.h"

CkptStoreWriter *hostd_images_writer(Hostd *h, const char *vm, const char *container,
				     const char *kernel, const char *reason, GError **error)
{
	CkptStoreWriter *w;

	g_mutex_lock(&h->store_lock);
	w = ckpt_store_writer_new(h->store, vm, container, kernel, h->opt.compression, reason,
				  error);
	g_mutex_unlock(&h->store_lock);
	return w;
}

CkptImageMeta *hostd_images_commit(Hostd *h, CkptStoreWriter *w, const AgentTrailer *t,
				   GError **error)
{
	g_autofree char *hex = agent_sha256_to_hex(t->sha256);
	CkptImageMeta *m;

	if (!g_output_stream_close(ckpt_store_writer_stream(w), NULL, error))
		return NULL;
	g_mutex_lock(&h->store_lock);
	m = ckpt_store_writer_commit(w, hex, t->length, error);
	g_mutex_unlock(&h->store_lock);
	return m;
}

JsonArray *hostd_images_prune(Hostd *h, const char *vm, const char *container)
{
	guint keep = hostd_policy_keep(h, vm, container);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) removed = NULL;
	JsonArray *ids = json_array_new();

	if (!keep)
		return ids;
	g_mutex_lock(&h->store_lock);
	removed = ckpt_store_prune(h->store, vm, container, keep, &error);
	g_mutex_unlock(&h->store_lock);
	if (!removed) {
		g_warning("domain %s: container %s: pruning to %u images: %s", vm, container, keep,
			  error->message);
		return ids;
	}
	for (guint i = 0; i < removed->len; i++) {
		const CkptImageMeta *m = removed->pdata[i];

		g_message("domain %s: container %s: pruned %s (keep %u)", vm, container, m->id,
			  keep);
		json_array_add_string_element(ids, m->id);
	}
	return ids;
}

CkptImageMeta *hostd_images_latest(Hostd *h, const char *vm, const char *container, GError **error)
{
	CkptImageMeta *m;

	g_mutex_lock(&h->store_lock);
	m = ckpt_store_latest(h->store, vm, container, error);
	g_mutex_unlock(&h->store_lock);
	return m;
}
