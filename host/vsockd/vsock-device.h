/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-vsock device: its two data virtqueues (rx: host -> guest,
 * tx: guest -> host; QEMU keeps the event queue), the table of
 * connections, and the scheduling between them.
 *
 * Work is never done inside a kick or socket callback: those only note what
 * became possible and schedule one idle pass, which drains the tx queue and
 * then fills rx buffers round-robin across connections, each within a
 * budget so one busy connection can't starve the others or the loop.
 */
#pragma once

#include "guest-memory.h"
#include "ratelimit.h"
#include "virtqueue.h"

#include <glib.h>

enum {
	VSOCK_QUEUE_RX = 0,
	VSOCK_QUEUE_TX = 1,
	VSOCK_NUM_QUEUES = 2,
};

typedef struct {
	guint64 guest_cid;
	/* Guest connections to host port P go to the Unix socket "<uds_path>_P". */
	const char *uds_path;
	guint32 buf_alloc;	  /* per-connection receive buffer we advertise */
	guint max_connections;	  /* beyond this, new connections get RST */
	guint connect_timeout_ms; /* how long a host CONNECT waits for the guest */
} VsockDeviceConfig;

typedef struct {
	guint64 packets_from_guest;
	guint64 packets_to_guest;
	guint64 bytes_from_guest;
	guint64 bytes_to_guest;
	guint64 malformed_chains;
	guint64 bad_packets;
	guint64 resets_sent;
	guint64 rst_dropped; /* RST replies lost to the bounded queue */
} VsockDeviceStats;

typedef struct VsockDevice VsockDevice;
typedef struct VsockConn VsockConn;

VsockDevice *vsock_device_new(const VsockDeviceConfig *config);
void vsock_device_free(VsockDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VsockDevice, vsock_device_free)

const VsockDeviceConfig *vsock_device_config(const VsockDevice *dev);
Virtqueue *vsock_device_queue(VsockDevice *dev, guint index);
const GuestMemory *vsock_device_memory(const VsockDevice *dev);
const VsockDeviceStats *vsock_device_stats(const VsockDevice *dev);
guint vsock_device_connection_count(VsockDevice *dev);
/* Guest bytes held for slow host readers, over all connections (bounded by buf_alloc each). */
gsize vsock_device_pending_bytes(VsockDevice *dev);

/* Takes ownership of mem and re-translates the rings into it. */
gboolean vsock_device_set_memory(VsockDevice *dev, GuestMemory *mem, GError **error);
void vsock_device_set_ring_features(VsockDevice *dev, gboolean event_idx, gboolean indirect);
/* A ring got its kick fd and runs. */
void vsock_device_queue_started(VsockDevice *dev, guint index);
/*
 * A ring stopped (GET_VRING_BASE: the guest resets, reboots or is paused).
 * Every connection is closed on the host side, and the guest will get a
 * RST for each once the rings run again, so nothing is left half-open.
 */
void vsock_device_queue_stopped(VsockDevice *dev, guint index);
/* The guest added buffers to a ring. */
void vsock_device_kick(VsockDevice *dev, guint index);
/* QEMU went away: forget the guest entirely (memory, rings, connections). */
void vsock_device_disconnect(VsockDevice *dev);

/*
 * A host program asked for guest port guest_port on fd (a connected Unix
 * socket, already past the CONNECT line). On success the device owns fd and
 * answers "OK <host port>\n" once the guest accepts; FALSE leaves fd alone.
 */
gboolean vsock_device_connect_guest(VsockDevice *dev, int fd, guint32 guest_port, GError **error);

/* Run the pending work now instead of from the main loop (tests). */
void vsock_device_process(VsockDevice *dev);

/* For VsockConn: its state changed; enqueue it for rx, or reap it when closed. */
void vsock_device_conn_update(VsockDevice *dev, VsockConn *conn);
RateLimit *vsock_device_ratelimit(VsockDevice *dev);
