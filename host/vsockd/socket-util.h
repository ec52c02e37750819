/* SPDX-License-Identifier: GPL-2.0-only */
/* Unix-socket plumbing shared by the vhost-user and hybrid-vsock sides. */
#pragma once

#include <glib.h>

/*
 * Listen on a stream socket at path. A stale socket file left by a dead
 * daemon is replaced; a live one (someone accepts on it) is an error.
 * Returns a nonblocking, close-on-exec fd or -1.
 */
int unix_listen(const char *path, GError **error);

/* Connect without blocking; -1 with *err set (ENOENT, ECONNREFUSED, EAGAIN...). */
int unix_connect_nonblocking(const char *path, int *err);

/* TRUE if path fits in sockaddr_un (with suffix_len more bytes). */
gboolean unix_path_fits(const char *path, gsize suffix_len);
