/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VM as ckpt-host reaches it. By name through libvirt: the domain's live
 * XML gives the endpoint (our <ckpt:vsockd uds=...> metadata for
 * ckpt-vsockd, else the <vsock> CID) and the agent's port. Without
 * libvirt: --cid, --uds or --endpoint, or an operand that is itself an
 * endpoint (vsock:CID, hybrid:PATH, unix:PATH: the agent's own unix
 * socket, as its tests and local administration use).
 */
#pragma once

#include "agent-conn.h"
#include "ckpt-transport.h"
#include "host-context.h"

G_BEGIN_DECLS

typedef struct {
	char *name;	 /* for messages: the domain's name or the operand */
	char *endpoint;	 /* how it is reached, as text */
	char *unix_path; /* direct unix socket (no vsock bridge), else NULL */
	CkptEndpoint ep; /* otherwise */
	guint32 port;	 /* the agent's vsock port */
	gboolean via_libvirt;
} HostVm;

void host_vm_free(HostVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HostVm, host_vm_free)

/* Resolves the operand; errors name the VM and what is missing. */
HostVm *host_vm_resolve(HostContext *ctx, const char *operand, GError **error);

/* A new connection to the agent; timeout_ms bounds each wait on it (0: none). */
AgentConn *host_vm_connect(HostContext *ctx, const HostVm *vm, gint64 timeout_ms, GError **error);

/* One request on a fresh control connection; the error names the VM. */
JsonObject *host_vm_call(HostContext *ctx, const HostVm *vm, const char *execute, JsonObject *args,
			 GError **error);

/* Adds "vm" and "endpoint" to a result object. */
void host_vm_describe(const HostVm *vm, JsonObject *result);

G_END_DECLS
