/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-vsock packet header (virtio spec, "Socket Device"), converted
 * between its little-endian wire form in guest buffers and host order.
 */
#pragma once

#include <glib.h>
#include <linux/virtio_vsock.h>
#include <sys/uio.h>

#define VSOCK_HDR_SIZE ((gsize)sizeof(struct virtio_vsock_hdr))
/* Largest payload a guest may put in one packet (Linux and the spec agree). */
#define VSOCK_MAX_PKT_PAYLOAD (64u * 1024)
#define VSOCK_HOST_CID 2u

typedef struct {
	guint64 src_cid;
	guint64 dst_cid;
	guint32 src_port;
	guint32 dst_port;
	guint32 len;
	guint16 type;
	guint16 op;
	guint32 flags;
	guint32 buf_alloc;
	guint32 fwd_cnt;
} VsockHeader;

G_STATIC_ASSERT(sizeof(struct virtio_vsock_hdr) == 44);

/* FALSE when the buffers hold fewer than VSOCK_HDR_SIZE bytes. */
gboolean vsock_header_read(VsockHeader *hdr, const struct iovec *iov, guint count);
gboolean vsock_header_write(const VsockHeader *hdr, const struct iovec *iov, guint count);

const char *vsock_op_name(guint16 op);
