/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of "hybrid vsock" (the Firecracker / Cloud Hypervisor
 * convention): host programs connect to one Unix socket, UDS_PATH, write
 * "CONNECT <port>\n" and, once the guest accepts, read "OK <host port>\n"
 * followed by the byte stream.
 *
 * Our extension: when the connection fails before OK, the daemon writes
 * "ERR <kind>: <details>\n" before closing; clients written for Firecracker
 * just see the close. Kinds: refused (nothing listens on the guest port),
 * timeout (the guest did not answer), no guest (QEMU not connected),
 * busy, reset, malformed request, protocol error. Nothing beyond the CONNECT
 * line is read here, so a client may send data right after it.
 */
#pragma once

#include "vsock-device.h"

#include <glib.h>

#define HYBRID_LINE_MAX 64
#define HYBRID_HANDSHAKE_TIMEOUT_MS 10000
#define HYBRID_MAX_HANDSHAKES 64

typedef struct HybridListener HybridListener;

HybridListener *hybrid_listener_new(VsockDevice *dev, const char *path, GError **error);
/* Closes the listener and pending handshakes and removes the socket file. */
void hybrid_listener_free(HybridListener *listener);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HybridListener, hybrid_listener_free)

/* Parse "CONNECT <port>" (no newline); FALSE with a reason otherwise. */
gboolean hybrid_parse_connect(const char *line, guint32 *port, GError **error);
