/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host transport library: open a byte stream to a port inside a guest,
 * over kernel AF_VSOCK (vhost-vsock hosts) or hybrid vsock (a Unix socket
 * served by ckpt-vsockd, Firecracker or Cloud Hypervisor).
 *
 * Errors name the VM (the caller's display name) and say what is missing:
 *   "vmA: no agent listening on vsock port 7100"
 *   "vmA: bridge socket missing: is ckpt-vsockd running? (/run/...: ...)"
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CKPT_TRANSPORT_ERROR (ckpt_transport_error_quark())
GQuark ckpt_transport_error_quark(void);

typedef enum {
	CKPT_TRANSPORT_ERROR_NO_LISTENER, /* the guest refused: nothing listens on the port */
	CKPT_TRANSPORT_ERROR_NO_BRIDGE,	  /* hybrid socket missing or dead */
	CKPT_TRANSPORT_ERROR_UNREACHABLE, /* no such guest, no vsock here, VM not running */
	CKPT_TRANSPORT_ERROR_TIMEOUT,
	CKPT_TRANSPORT_ERROR_PROTOCOL, /* the bridge answered something unexpected */
	CKPT_TRANSPORT_ERROR_FAILED,
} CkptTransportError;

typedef enum {
	CKPT_ENDPOINT_VSOCK,  /* AF_VSOCK to cid */
	CKPT_ENDPOINT_HYBRID, /* CONNECT through the Unix socket uds_path */
} CkptEndpointKind;

/* How to reach one VM. */
typedef struct {
	CkptEndpointKind kind;
	guint32 cid;
	char *uds_path;
} CkptEndpoint;

/* "vsock:CID" or "hybrid:PATH" (also "unix:PATH"). */
gboolean ckpt_endpoint_parse(const char *spec, CkptEndpoint *endpoint, GError **error);
char *ckpt_endpoint_to_string(const CkptEndpoint *endpoint);
void ckpt_endpoint_set_vsock(CkptEndpoint *endpoint, guint32 cid);
void ckpt_endpoint_set_hybrid(CkptEndpoint *endpoint, const char *uds_path);
void ckpt_endpoint_clear(CkptEndpoint *endpoint);

/*
 * Connect to guest port `port`. timeout_ms bounds the whole connect
 * (0: no limit); cancellable may be NULL. The connection is in blocking
 * mode with no I/O timeout (see g_socket_set_timeout()).
 */
GSocketConnection *ckpt_transport_connect(const char *vm_name, const CkptEndpoint *endpoint,
					  guint32 port, guint timeout_ms, GCancellable *cancellable,
					  GError **error);
GSocketConnection *ckpt_transport_connect_vsock(const char *vm_name, guint32 cid, guint32 port,
						guint timeout_ms, GCancellable *cancellable,
						GError **error);
GSocketConnection *ckpt_transport_connect_hybrid(const char *vm_name, const char *uds_path,
						 guint32 port, guint timeout_ms,
						 GCancellable *cancellable, GError **error);

G_END_DECLS
