// SPDX-License-Identifier: GPL-2.0-only
#include "vsock-packet.h"
#include "iov-util.h"

gboolean vsock_header_read(VsockHeader *hdr, const struct iovec *iov, guint count)
{
	struct virtio_vsock_hdr wire;

	if (iov_to_buf(iov, count, 0, &wire, sizeof(wire)) != sizeof(wire))
		return FALSE;
	*hdr = (VsockHeader){
		.src_cid = GUINT64_FROM_LE(wire.src_cid),
		.dst_cid = GUINT64_FROM_LE(wire.dst_cid),
		.src_port = GUINT32_FROM_LE(wire.src_port),
		.dst_port = GUINT32_FROM_LE(wire.dst_port),
		.len = GUINT32_FROM_LE(wire.len),
		.type = GUINT16_FROM_LE(wire.type),
		.op = GUINT16_FROM_LE(wire.op),
		.flags = GUINT32_FROM_LE(wire.flags),
		.buf_alloc = GUINT32_FROM_LE(wire.buf_alloc),
		.fwd_cnt = GUINT32_FROM_LE(wire.fwd_cnt),
	};
	return TRUE;
}

gboolean vsock_header_write(const VsockHeader *hdr, const struct iovec *iov, guint count)
{
	struct virtio_vsock_hdr wire = {
		.src_cid = GUINT64_TO_LE(hdr->src_cid),
		.dst_cid = GUINT64_TO_LE(hdr->dst_cid),
		.src_port = GUINT32_TO_LE(hdr->src_port),
		.dst_port = GUINT32_TO_LE(hdr->dst_port),
		.len = GUINT32_TO_LE(hdr->len),
		.type = GUINT16_TO_LE(hdr->type),
		.op = GUINT16_TO_LE(hdr->op),
		.flags = GUINT32_TO_LE(hdr->flags),
		.buf_alloc = GUINT32_TO_LE(hdr->buf_alloc),
		.fwd_cnt = GUINT32_TO_LE(hdr->fwd_cnt),
	};

	return iov_from_buf(iov, count, 0, &wire, sizeof(wire)) == sizeof(wire);
}

const char *vsock_op_name(guint16 op)
{
	switch (op) {
	case VIRTIO_VSOCK_OP_REQUEST:
		return "REQUEST";
	case VIRTIO_VSOCK_OP_RESPONSE:
		return "RESPONSE";
	case VIRTIO_VSOCK_OP_RST:
		return "RST";
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		return "SHUTDOWN";
	case VIRTIO_VSOCK_OP_RW:
		return "RW";
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		return "CREDIT_UPDATE";
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		return "CREDIT_REQUEST";
	default:
		return "INVALID";
	}
}
