/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The push listener (docs/libvirt-integration.md, "Snapshot on shutdown"):
 * a guest agent on its way down connects to host CID 2, the domain's push
 * port, sends one line
 *   {"execute":"push","arguments":{"container":"web","kernel":"6.1.0-..","reason":"shutdown"}}
 * gets {"return":{"image":ID}} (or an error line), then sends the image in
 * the agent's stream framing (frames, end, trailer). The daemon writes it
 * into the host store, commits it only if its length and sha256 match the
 * trailer, prunes to the container's keep, and answers "OK" or
 * "FAIL reason". With ckpt-vsockd the guest's connection arrives on the
 * unix socket UDS_PORT (hybrid vsock); with vhost-vsock on AF_VSOCK, where
 * the peer's CID says which domain it is.
 */
#pragma once

#include "hostd.h"

G_BEGIN_DECLS

typedef struct _HostdPushListener HostdPushListener;

/* Listens on the unix socket path for pushes from domain vm. */
HostdPushListener *hostd_push_listener_new_unix(Hostd *h, const char *vm, const char *path,
						GError **error);
void hostd_push_listener_free(HostdPushListener *l);
const char *hostd_push_listener_path(HostdPushListener *l);

/* AF_VSOCK listeners, one per port in use; the peer CID names the domain. */
HostdVsockPush *hostd_vsock_push_new(Hostd *h);
/* Starts listening on port if not yet (a failure is logged once: no AF_VSOCK here). */
void hostd_vsock_push_want_port(HostdVsockPush *p, guint32 port);
void hostd_vsock_push_free(HostdVsockPush *p);

/* Serves one push connection from domain vm (blocking; a worker thread). */
void hostd_push_serve(Hostd *h, const char *vm, GSocketConnection *conn);

G_END_DECLS
