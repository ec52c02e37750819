/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every ckpt-host command gets: the global options (--connect,
 * --json, -q, --cid/--uds/--endpoint, --store-dir, ...) and the lazily
 * opened libvirt connection and image store.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>

#include "ckpt-store.h"

G_BEGIN_DECLS

#define HOST_DEFAULT_URI "qemu:///system"
#define HOST_DEFAULT_CONNECT_MS 5000
/* Control replies come at once; checkpoint and restore jobs answer on their data connection. */
#define HOST_CONTROL_TIMEOUT_MS 60000
/*
 * The longest silence on a data connection: a guest under TCG can take
 * long to freeze a big container or to rebuild a restored tree.
 */
#define HOST_DATA_TIMEOUT_MS 300000
/* How long a failed checkpoint or restore waits for the agent to put the container back. */
#define HOST_SETTLE_TIMEOUT_MS 15000

typedef struct {
	char *uri;	 /* --connect */
	gboolean json;	 /* --json: one result object on stdout */
	gboolean quiet;	 /* -q: no progress, no human output beyond errors */
	gint cid;	 /* --cid: AF_VSOCK to this CID, no libvirt */
	char *uds;	 /* --uds: ckpt-vsockd's hybrid socket, no libvirt */
	char *endpoint;	 /* --endpoint: vsock:CID, hybrid:PATH or unix:PATH, no libvirt */
	gint port;	 /* --port: the agent's vsock port (0: the domain's, else 7100) */
	gint connect_ms; /* --connect-timeout-ms */
	char *store_dir; /* --store-dir */
	gboolean tty;	 /* stderr is a terminal */
	const char *cmd; /* the command's name, for messages */
	virConnectPtr virt;
	CkptStore *store;
} HostContext;

/* The libvirt connection (opened read-only on first use). */
virConnectPtr host_context_virt(HostContext *ctx, GError **error);
/* The image store (opened on first use). */
CkptStore *host_context_store(HostContext *ctx, GError **error);
void host_context_clear(HostContext *ctx);

/* Progress and human output are wanted (neither -q nor --json). */
gboolean host_context_chatty(const HostContext *ctx);

G_END_DECLS
