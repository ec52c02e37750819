/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's use of the host store, from any thread: a writer for a new
 * image, its commit against the sender's trailer, retention afterwards.
 * A new image is committed (fsync, rename) before the old ones are pruned,
 * so the last good snapshot is never the one that goes.
 */
#pragma once

#include "agent-frame.h"
#include "hostd.h"

G_BEGIN_DECLS

CkptStoreWriter *hostd_images_writer(Hostd *h, const char *vm, const char *container,
				     const char *kernel, const char *reason, GError **error);
/* Closes the writer's stream and commits it against the trailer. */
CkptImageMeta *hostd_images_commit(Hostd *h, CkptStoreWriter *w, const AgentTrailer *t,
				   GError **error);
/* Prunes vm/container to its policy's keep; returns the removed ids (a failure is logged). */
JsonArray *hostd_images_prune(Hostd *h, const char *vm, const char *container);
/* The newest image of vm/container; NULL with CKPT_STORE_ERROR_NOT_FOUND if none. */
CkptImageMeta *hostd_images_latest(Hostd *h, const char *vm, const char *container, GError **error);

G_END_DECLS
