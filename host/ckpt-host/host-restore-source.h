/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a restore (or inspect) reads an image from: a host file (with the
 * digest recorded in FILE.sha256 when there is one) or a store image (its
 * metadata's sha256). The stream verifies the bytes against the recorded
 * digest as they are read, and the restore puts the recorded digest, not
 * one computed from what was read, in the stream's trailer: a flipped byte
 * is refused by the host's reader and by the agent.
 */
#pragma once

#include "host-context.h"

G_BEGIN_DECLS

typedef struct {
	GInputStream *in;    /* uncompressed, verifying when a digest is known */
	char *label;	     /* "store image ID" or the file's path */
	char *sha256;	     /* recorded digest (hex), NULL if none */
	guint64 size;	     /* uncompressed length, 0 if unknown (a file without digest) */
	char *container;     /* the store image's container, or the file's name sans .img */
	CkptImageMeta *meta; /* store images */
	char *file;	     /* files */
} HostRestoreSource;

/* A path (it exists, or has a '/') is a file; anything else a store id or unique prefix. */
HostRestoreSource *host_restore_source_open(HostContext *ctx, const char *image, GError **error);
void host_restore_source_free(HostRestoreSource *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HostRestoreSource, host_restore_source_free)

/* Adds "source" ({"file"} or the store image's metadata) to a result. */
void host_restore_source_describe(const HostRestoreSource *s, JsonObject *result);

G_END_DECLS
