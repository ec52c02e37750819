/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest-local image store: DIR/NAME.img, each with DIR/NAME.sha256
 * ("HEX  NAME.img", as sha256sum writes it) recorded when the agent wrote
 * the image. A restore from the store checks the image against it before
 * the restored container runs. Default DIR: /var/lib/ckpt-agent/images.
 */
#ifndef AGENT_STORE_H
#define AGENT_STORE_H

#include <json-glib/json-glib.h>

#include "agent-frame.h"

G_BEGIN_DECLS

#define AGENT_STORE_DEFAULT_DIR "/var/lib/ckpt-agent/images"
#define AGENT_STORE_NAME_MAX 64

typedef struct _AgentStore AgentStore;

AgentStore *agent_store_new(const char *dir);
void agent_store_free(AgentStore *store);
const char *agent_store_get_dir(const AgentStore *store);

/* 1..64 of [A-Za-z0-9_.-], starting with a letter or a digit. */
gboolean agent_store_name_check(const char *name, GError **error);

/*
 * Where a checkpoint's or restore's "file" argument points: an absolute
 * path as it is (*image = NULL), or a store image name (*image = name).
 */
gboolean agent_store_resolve(AgentStore *store, const char *file, char **path, char **image,
			     GError **error);

/* Creates the directory (0700) if needed. */
gboolean agent_store_prepare(AgentStore *store, GError **error);
gboolean agent_store_write_sha256(AgentStore *store, const char *image,
				  const guint8 sha256[AGENT_SHA256_LEN], GError **error);
/* FALSE without error when no digest was recorded. */
gboolean agent_store_read_sha256(AgentStore *store, const char *image,
				 guint8 sha256[AGENT_SHA256_LEN], GError **error);

/* [{"name", "size", "modified", "sha256"}...], sorted by name. */
JsonArray *agent_store_list(AgentStore *store, GError **error);
/* AGENT_ERROR_NOT_FOUND if there is no such image. */
gboolean agent_store_delete(AgentStore *store, const char *image, GError **error);

G_END_DECLS

#endif /* AGENT_STORE_H */
