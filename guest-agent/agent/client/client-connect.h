/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How ckpt-agent-client reaches an agent. Two builds: in the guest
 * (client-connect-direct.c) unix:PATH and vsock:CID; on the host
 * (tests/unit/agent/client-connect-transport.c) also hybrid:PATH, through
 * the host transport library.
 */
#ifndef CLIENT_CONNECT_H
#define CLIENT_CONNECT_H

#include <glib.h>

G_BEGIN_DECLS

/* A connected, blocking fd; timeout_ms bounds the connect. */
int client_connect(const char *endpoint, guint32 port, guint timeout_ms, GError **error);
/* unix:PATH's part of it, shared by both builds (client-connect-unix.c). */
int client_connect_unix(const char *path, GError **error);
/* The endpoint forms this build understands, for --help. */
const char *client_connect_forms(void);

G_END_DECLS

#endif /* CLIENT_CONNECT_H */
