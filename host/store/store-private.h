/* SPDX-License-Identifier: GPL-2.0-only */
/* Inside ckpt-store: shared between the store, its writer and the metadata code. */
#pragma once

#include "ckpt-store.h"

struct _CkptStore {
	char *dir;	  /* as given (messages) */
	char *images_dir; /* DIR/images */
};

/* Parse ID.json (path for messages); checks every field. */
CkptImageMeta *ckpt_image_meta_from_json(const char *images_dir, const char *json_path,
					 JsonNode *node, GError **error);
gboolean ckpt_store_compression_valid(const char *compression);
gboolean ckpt_store_reason_valid(const char *reason);
gboolean ckpt_store_container_valid(const char *container);
/* fsync a directory so that a rename in it is durable. */
gboolean ckpt_store_fsync_dir(const char *dir, GError **error);
/* The image file's name for an id and compression: ID.img or ID.img.zst. */
char *ckpt_store_image_file_name(const char *id, const char *compression);
