/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An image as a plain host file (checkpoint -o FILE, restore FILE). It is
 * written as FILE.tmp; at commit it is fsynced, read back and hashed (what
 * reached the file must be what the agent's trailer says), FILE.sha256 is
 * written beside it in sha256sum format, and both are renamed into place:
 * an interrupted or failed write leaves no FILE.
 */
#pragma once

#include <gio/gio.h>

#include "agent-frame.h"

G_BEGIN_DECLS

typedef struct _HostImageFile HostImageFile;

/* Refuses an existing FILE unless force. */
HostImageFile *host_image_file_create(const char *path, gboolean force, GError **error);
GOutputStream *host_image_file_stream(HostImageFile *f);
gboolean host_image_file_commit(HostImageFile *f, const AgentTrailer *trailer, GError **error);
const char *host_image_file_path(HostImageFile *f);
const char *host_image_file_sha256_path(HostImageFile *f);
/* Uncommitted: removes FILE.tmp. */
void host_image_file_free(HostImageFile *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HostImageFile, host_image_file_free)

/*
 * The digest recorded in PATH.sha256 (lowercase hex), NULL without an
 * error if there is no such file; an error if it is there but unreadable
 * or malformed.
 */
char *host_image_file_recorded_sha256(const char *path, GError **error);

G_END_DECLS
