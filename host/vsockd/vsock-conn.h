/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One virtio-vsock stream connection between a guest port and a host Unix
 * socket: the state machine, credit accounting and both byte paths.
 *
 * Guest -> host bytes are written straight from guest memory into the host
 * socket; only what the socket refuses is copied into a ByteRing, which can
 * never exceed our advertised buf_alloc because the guest must respect our
 * credit (a guest that does not is reset). Host -> guest bytes are read
 * straight into the guest's rx buffer, and only while the guest has credit
 * for them: otherwise we leave them in the host socket, whose writer then
 * blocks. Neither direction buffers more than buf_alloc per connection.
 *
 * A VsockConn never frees itself. It moves to VSOCK_CONN_CLOSED and the
 * device reaps it in vsock_device_conn_update().
 */
#pragma once

#include "byte-ring.h"
#include "fd-watch.h"
#include "vsock-credit.h"
#include "vsock-device.h"
#include "vsock-packet.h"
#include "virtqueue.h"

#include <glib.h>

/* Rx buffers filled from one host read. */
#define VSOCK_RX_BATCH 16
#include <sys/uio.h>

typedef enum {
	VSOCK_CONN_CONNECTING, /* host-initiated; waiting for the guest's RESPONSE */
	VSOCK_CONN_ESTABLISHED,
	VSOCK_CONN_CLOSING, /* the guest is done; flushing its last bytes to the host */
	VSOCK_CONN_CLOSED,  /* to be reaped */
} VsockConnState;

/* Packets a connection owes the guest. */
enum {
	VSOCK_OWE_REQUEST = 1 << 0,
	VSOCK_OWE_RESPONSE = 1 << 1,
	VSOCK_OWE_SHUTDOWN = 1 << 2,
	VSOCK_OWE_CREDIT_UPDATE = 1 << 3,
	VSOCK_OWE_CREDIT_REQUEST = 1 << 4,
};

struct VsockConn {
	VsockDevice *dev;
	guint32 host_port;
	guint32 guest_port;
	VsockConnState state;
	gboolean host_initiated;
	int fd;
	FdWatch *watch;
	ByteRing pending; /* guest bytes the host socket did not take yet */
	VsockCredit credit;
	guint owed;
	guint32 shutdown_flags; /* of the SHUTDOWN we owe */
	gboolean host_readable; /* poll said so; a read will tell more */
	gboolean host_eof;	/* read returned 0: the host sends no more */
	gboolean guest_shut_recv;
	gboolean guest_shut_send;
	gboolean credit_requested; /* once per stall, else we ping-pong with the guest */
	gboolean rst_owed;	   /* send the guest a RST when reaped */
	gboolean queued;	   /* in the device's rx queue */
	guint timer;		   /* connect timeout, or linger limit while closing */
};

/*
 * host_initiated: a host program asked for guest_port; we owe the guest a
 * REQUEST and the program an "OK" once the guest answers. Otherwise the
 * guest asked, fd is already connected to the host listener, and we owe
 * the guest a RESPONSE.
 */
VsockConn *vsock_conn_new(VsockDevice *dev, guint32 host_port, guint32 guest_port, int fd,
			  gboolean host_initiated);
/* Closes the host socket. The device has unlinked the connection already. */
void vsock_conn_free(VsockConn *conn);

/* A packet from the guest for this connection (payload already bounds-checked). */
void vsock_conn_receive(VsockConn *conn, const VsockHeader *hdr, const struct iovec *payload,
			guint count);
gboolean vsock_conn_has_output(const VsockConn *conn);
/*
 * Put the next packet this connection owes into a guest rx buffer; returns
 * bytes used (header + payload), 0 if nothing is ready after all.
 */
gsize vsock_conn_fill_rx(VsockConn *conn, VirtqElement *elem);
/* All it has for the guest is data: worth several rx buffers at once. */
gboolean vsock_conn_data_only(const VsockConn *conn);
/*
 * Data packets into up to n rx buffers (each at least a header long) with
 * one read; returns how many got a packet (the first ones), their lengths
 * in used[].
 */
guint vsock_conn_fill_rx_data(VsockConn *conn, VirtqElement *const *elems, guint n, guint32 *used);

/* Tear down from our side (device stop, errors): RST owed; a waiting CONNECT hears why. */
void vsock_conn_abort(VsockConn *conn, const char *why);
/* Poll the host socket for exactly what the connection can act on now. */
void vsock_conn_sync_watch(VsockConn *conn);

/* Fill a header for this connection with our credit fields. */
void vsock_conn_header(VsockConn *conn, VsockHeader *hdr, guint16 op);
