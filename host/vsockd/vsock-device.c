// SPDX-License-Identifier: GPL-2.0-only
#include "vsock-device.h"
#include "iov-util.h"
#include "socket-util.h"
#include "vsock-conn.h"
#include "vsock-packet.h"

#include <errno.h>
#include <gio/gio.h>

/* Packets handled per queue per pass before the loop gets to poll again. */
#define VSOCK_BUDGET 256
/* RST replies waiting for rx buffers; beyond this they are dropped (and counted). */
#define VSOCK_MAX_PENDING_RST 1024
/* Host ports handed out for host-initiated connections start here. */
#define VSOCK_FIRST_HOST_PORT 1024u

typedef struct {
	guint32 host_port;
	guint32 guest_port;
} PendingRst;

struct VsockDevice {
	VsockDeviceConfig config;
	char *uds_path;
	GuestMemory *mem;
	Virtqueue vq[VSOCK_NUM_QUEUES];
	VirtqElement elem;
	VirtqElement batch[VSOCK_RX_BATCH - 1]; /* more rx buffers for one host read */
	GHashTable *conns;			/* conn_key() -> VsockConn, owned */
	GQueue ready;				/* connections with packets for the guest */
	GQueue rsts;				/* PendingRst, owned */
	guint32 next_host_port;
	guint work_id;
	gboolean busy;	       /* inside process_*(): defer, don't recurse */
	gboolean last_was_rst; /* rx fairness between resets and connections */
	RateLimit rl_ring;
	RateLimit rl_packet;
	VsockDeviceStats stats;
};

static guint64 conn_key(guint32 host_port, guint32 guest_port)
{
	return ((guint64)host_port << 32) | guest_port;
}

static guint key_hash(gconstpointer key)
{
	guint64 k = *(const guint64 *)key;

	return (guint)(k ^ (k >> 29) ^ (k >> 32));
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
	return *(const guint64 *)a == *(const guint64 *)b;
}

VsockDevice *vsock_device_new(const VsockDeviceConfig *config)
{
	VsockDevice *dev = g_new0(VsockDevice, 1);

	dev->config = *config;
	dev->uds_path = g_strdup(config->uds_path);
	dev->config.uds_path = dev->uds_path;
	virtqueue_init(&dev->vq[VSOCK_QUEUE_RX], "rx", VSOCK_QUEUE_RX);
	virtqueue_init(&dev->vq[VSOCK_QUEUE_TX], "tx", VSOCK_QUEUE_TX);
	dev->conns = g_hash_table_new_full(key_hash, key_equal, g_free, NULL);
	g_queue_init(&dev->ready);
	g_queue_init(&dev->rsts);
	dev->next_host_port = VSOCK_FIRST_HOST_PORT;
	return dev;
}

static void drop_all_connections(VsockDevice *dev, const char *why, gboolean remember_rst)
{
	GHashTableIter iter;
	gpointer value;

	g_queue_clear(&dev->ready);
	g_hash_table_iter_init(&iter, dev->conns);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		VsockConn *conn = value;

		vsock_conn_abort(conn, why);
		if (remember_rst && g_queue_get_length(&dev->rsts) < VSOCK_MAX_PENDING_RST) {
			PendingRst *rst = g_new(PendingRst, 1);

			*rst = (PendingRst){conn->host_port, conn->guest_port};
			g_queue_push_tail(&dev->rsts, rst);
		}
		g_hash_table_iter_remove(&iter);
		vsock_conn_free(conn);
	}
}

void vsock_device_free(VsockDevice *dev)
{
	if (!dev)
		return;
	drop_all_connections(dev, "reset: ckpt-vsockd is stopping", FALSE);
	g_hash_table_destroy(dev->conns);
	g_queue_clear_full(&dev->rsts, g_free);
	g_clear_handle_id(&dev->work_id, g_source_remove);
	for (guint i = 0; i < VSOCK_NUM_QUEUES; i++)
		virtqueue_reset(&dev->vq[i]);
	guest_memory_free(dev->mem);
	g_free(dev->uds_path);
	g_free(dev);
}

const VsockDeviceConfig *vsock_device_config(const VsockDevice *dev)
{
	return &dev->config;
}

Virtqueue *vsock_device_queue(VsockDevice *dev, guint index)
{
	return index < VSOCK_NUM_QUEUES ? &dev->vq[index] : NULL;
}

const GuestMemory *vsock_device_memory(const VsockDevice *dev)
{
	return dev->mem;
}

const VsockDeviceStats *vsock_device_stats(const VsockDevice *dev)
{
	return &dev->stats;
}

guint vsock_device_connection_count(VsockDevice *dev)
{
	return g_hash_table_size(dev->conns);
}

gsize vsock_device_pending_bytes(VsockDevice *dev)
{
	GHashTableIter iter;
	gpointer value;
	gsize total = 0;

	g_hash_table_iter_init(&iter, dev->conns);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		total += byte_ring_used(&((VsockConn *)value)->pending);
	return total;
}

RateLimit *vsock_device_ratelimit(VsockDevice *dev)
{
	return &dev->rl_packet;
}

static gboolean work(gpointer user_data);

static void schedule(VsockDevice *dev)
{
	if (!dev->work_id)
		dev->work_id = g_idle_add_full(G_PRIORITY_DEFAULT, work, dev, NULL);
}

gboolean vsock_device_set_memory(VsockDevice *dev, GuestMemory *mem, GError **error)
{
	guest_memory_free(dev->mem);
	dev->mem = mem;
	for (guint i = 0; i < VSOCK_NUM_QUEUES; i++) {
		if (!virtqueue_remap(&dev->vq[i], mem, error))
			return FALSE;
	}
	schedule(dev);
	return TRUE;
}

void vsock_device_set_ring_features(VsockDevice *dev, gboolean event_idx, gboolean indirect)
{
	for (guint i = 0; i < VSOCK_NUM_QUEUES; i++) {
		dev->vq[i].event_idx = event_idx;
		dev->vq[i].indirect = indirect;
	}
}

void vsock_device_queue_started(VsockDevice *dev, guint index)
{
	virtqueue_start(&dev->vq[index]);
	schedule(dev);
}

void vsock_device_queue_stopped(VsockDevice *dev, guint index)
{
	virtqueue_stop(&dev->vq[index]);
	if (g_hash_table_size(dev->conns))
		g_message("guest vsock device stopped (reset or reboot): closing %u connections",
			  g_hash_table_size(dev->conns));
	drop_all_connections(dev, "reset: the guest reset its vsock device", TRUE);
}

/*
 * Work right away rather than through the idle source: a kick is the
 * hot path (one per batch of guest buffers), and this saves a loop
 * iteration per batch.
 */
void vsock_device_kick(VsockDevice *dev, guint index)
{
	if (dev->busy)
		schedule(dev);
	else
		vsock_device_process(dev);
}

void vsock_device_disconnect(VsockDevice *dev)
{
	drop_all_connections(dev, "reset: QEMU disconnected", FALSE);
	g_queue_clear_full(&dev->rsts, g_free);
	for (guint i = 0; i < VSOCK_NUM_QUEUES; i++)
		virtqueue_reset(&dev->vq[i]);
	guest_memory_free(dev->mem);
	dev->mem = NULL;
}

static void queue_rst(VsockDevice *dev, guint32 host_port, guint32 guest_port)
{
	PendingRst *rst;

	if (g_queue_get_length(&dev->rsts) >= VSOCK_MAX_PENDING_RST) {
		dev->stats.rst_dropped++;
		return;
	}
	rst = g_new(PendingRst, 1);
	*rst = (PendingRst){host_port, guest_port};
	g_queue_push_tail(&dev->rsts, rst);
	schedule(dev);
}

void vsock_device_conn_update(VsockDevice *dev, VsockConn *conn)
{
	if (conn->state == VSOCK_CONN_CLOSED) {
		guint64 key = conn_key(conn->host_port, conn->guest_port);

		if (conn->queued)
			g_queue_remove(&dev->ready, conn);
		if (conn->rst_owed)
			queue_rst(dev, conn->host_port, conn->guest_port);
		g_hash_table_remove(dev->conns, &key);
		vsock_conn_free(conn);
		return;
	}
	vsock_conn_sync_watch(conn);
	if (!conn->queued && vsock_conn_has_output(conn)) {
		conn->queued = TRUE;
		g_queue_push_tail(&dev->ready, conn);
		schedule(dev);
	}
}

static void insert_conn(VsockDevice *dev, VsockConn *conn)
{
	guint64 *key = g_new(guint64, 1);

	*key = conn_key(conn->host_port, conn->guest_port);
	g_hash_table_insert(dev->conns, key, conn);
	vsock_device_conn_update(dev, conn);
}

static VsockConn *lookup(VsockDevice *dev, guint32 host_port, guint32 guest_port)
{
	guint64 key = conn_key(host_port, guest_port);

	return g_hash_table_lookup(dev->conns, &key);
}

/* The guest connects to host port P: hand it to whoever listens on UDS_PATH_P. */
static void guest_connects(VsockDevice *dev, const VsockHeader *hdr)
{
	g_autofree char *path = g_strdup_printf("%s_%u", dev->uds_path, hdr->dst_port);
	VsockConn *conn;
	int err = 0;
	int fd;

	if (g_hash_table_size(dev->conns) >= dev->config.max_connections) {
		ratelimit_log(&dev->rl_packet,
			      "guest port %u -> host port %u: refused, %u connections open",
			      hdr->src_port, hdr->dst_port, dev->config.max_connections);
		queue_rst(dev, hdr->dst_port, hdr->src_port);
		return;
	}
	fd = unix_connect_nonblocking(path, &err);
	if (fd < 0) {
		/* Nobody listens: the normal way to refuse, no log noise. */
		g_debug("guest port %u -> host port %u: %s: %s", hdr->src_port, hdr->dst_port, path,
			g_strerror(err));
		queue_rst(dev, hdr->dst_port, hdr->src_port);
		return;
	}
	conn = vsock_conn_new(dev, hdr->dst_port, hdr->src_port, fd, FALSE);
	vsock_credit_peer_update(&conn->credit, hdr->buf_alloc, hdr->fwd_cnt);
	g_debug("guest port %u -> host port %u: connected to %s", hdr->src_port, hdr->dst_port,
		path);
	insert_conn(dev, conn);
}

gboolean vsock_device_connect_guest(VsockDevice *dev, int fd, guint32 guest_port, GError **error)
{
	guint32 port;

	if (!dev->mem) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
			    "no guest: QEMU is not connected");
		return FALSE;
	}
	if (g_hash_table_size(dev->conns) >= dev->config.max_connections) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES,
			    "busy: %u connections open", dev->config.max_connections);
		return FALSE;
	}
	/* The (host port, guest port) pair names a connection; find an unused one. */
	do {
		port = dev->next_host_port++;
		if (dev->next_host_port == G_MAXINT32)
			dev->next_host_port = VSOCK_FIRST_HOST_PORT;
	} while (lookup(dev, port, guest_port));
	insert_conn(dev, vsock_conn_new(dev, port, guest_port, fd, TRUE));
	return TRUE;
}

static void reply_rst(VsockDevice *dev, const VsockHeader *hdr)
{
	/* Never answer a RST with a RST: two confused peers would loop forever. */
	if (hdr->op != VIRTIO_VSOCK_OP_RST)
		queue_rst(dev, hdr->dst_port, hdr->src_port);
}

static void guest_packet(VsockDevice *dev, const VirtqElement *elem)
{
	struct iovec payload[VIRTQ_ELEM_MAX_IOV];
	VsockHeader hdr;
	VsockConn *conn;
	guint count;

	if (!vsock_header_read(&hdr, elem->out, elem->out_num)) {
		dev->stats.bad_packets++;
		ratelimit_log(&dev->rl_packet,
			      "tx chain %u: %" G_GSIZE_FORMAT
			      " bytes, shorter than a packet header",
			      elem->head, elem->out_len);
		return;
	}
	dev->stats.packets_from_guest++;
	if (hdr.src_cid != dev->config.guest_cid) {
		dev->stats.bad_packets++;
		ratelimit_log(&dev->rl_packet,
			      "tx packet from CID %" G_GUINT64_FORMAT
			      " but the guest is CID %" G_GUINT64_FORMAT ": dropped",
			      hdr.src_cid, dev->config.guest_cid);
		return;
	}
	if (hdr.len > VSOCK_MAX_PKT_PAYLOAD || hdr.len > elem->out_len - VSOCK_HDR_SIZE) {
		dev->stats.bad_packets++;
		ratelimit_log(&dev->rl_packet,
			      "guest port %u -> host port %u: %s claims %u payload bytes in a "
			      "%" G_GSIZE_FORMAT "-byte buffer (limit %u); resetting",
			      hdr.src_port, hdr.dst_port, vsock_op_name(hdr.op), hdr.len,
			      elem->out_len - VSOCK_HDR_SIZE, VSOCK_MAX_PKT_PAYLOAD);
		conn = lookup(dev, hdr.dst_port, hdr.src_port);
		if (conn) {
			vsock_conn_abort(conn, "protocol error: bad packet from the guest");
			vsock_device_conn_update(dev, conn);
		} else {
			reply_rst(dev, &hdr);
		}
		return;
	}
	if (hdr.dst_cid != VSOCK_HOST_CID || hdr.type != VIRTIO_VSOCK_TYPE_STREAM) {
		g_debug("guest port %u -> CID %" G_GUINT64_FORMAT
			" port %u type %u: not for us, RST",
			hdr.src_port, hdr.dst_cid, hdr.dst_port, hdr.type);
		reply_rst(dev, &hdr);
		return;
	}
	conn = lookup(dev, hdr.dst_port, hdr.src_port);
	if (!conn) {
		if (hdr.op == VIRTIO_VSOCK_OP_REQUEST)
			guest_connects(dev, &hdr);
		else
			reply_rst(dev, &hdr);
		return;
	}
	count = iov_slice(elem->out, elem->out_num, VSOCK_HDR_SIZE, hdr.len, payload,
			  G_N_ELEMENTS(payload));
	dev->stats.bytes_from_guest += hdr.len;
	vsock_conn_receive(conn, &hdr, payload, count);
	vsock_device_conn_update(dev, conn);
}

static void ring_trouble(VsockDevice *dev, Virtqueue *vq, VirtqPopResult r)
{
	if (r == VIRTQ_POP_MALFORMED) {
		dev->stats.malformed_chains++;
		ratelimit_log(&dev->rl_ring, "%s queue: malformed descriptor chain: %s; skipped",
			      vq->name, vq->error);
		virtqueue_push(vq, dev->elem.head, 0);
	} else {
		g_message("%s queue: %s; ignoring the queue until the guest resets the device",
			  vq->name, vq->error);
	}
}

/* Returns TRUE if the budget ran out with work left. */
static gboolean process_tx(VsockDevice *dev)
{
	Virtqueue *vq = &dev->vq[VSOCK_QUEUE_TX];
	gboolean more = FALSE;

	for (guint done = 0;; done++) {
		VirtqPopResult r;

		if (done == VSOCK_BUDGET) {
			more = TRUE;
			break;
		}
		r = virtqueue_pop(vq, dev->mem, &dev->elem);
		if (r == VIRTQ_POP_EMPTY) {
			if (virtqueue_enable_kicks(vq))
				continue;
			break;
		}
		if (r != VIRTQ_POP_OK) {
			ring_trouble(dev, vq, r);
			if (r == VIRTQ_POP_BROKEN)
				break;
			continue;
		}
		guest_packet(dev, &dev->elem);
		virtqueue_push(vq, dev->elem.head, 0);
	}
	virtqueue_notify(vq);
	return more;
}

static gboolean has_rx_work(VsockDevice *dev)
{
	return !g_queue_is_empty(&dev->rsts) || !g_queue_is_empty(&dev->ready);
}

static gsize fill_rst(VsockDevice *dev, const VirtqElement *elem)
{
	PendingRst *rst = g_queue_pop_head(&dev->rsts);
	VsockHeader hdr = {
		.src_cid = VSOCK_HOST_CID,
		.dst_cid = dev->config.guest_cid,
		.src_port = rst->host_port,
		.dst_port = rst->guest_port,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = VIRTIO_VSOCK_OP_RST,
	};

	g_free(rst);
	vsock_header_write(&hdr, elem->in, elem->in_num);
	dev->stats.resets_sent++;
	return VSOCK_HDR_SIZE;
}

/*
 * A connection with only data to send gets up to VSOCK_RX_BATCH rx buffers
 * (dev->elem, already popped, and more) filled by one host read. Buffers
 * it does not use go back to the ring untouched; so does a bad one, which
 * the one-at-a-time path then reports.
 */
static guint fill_batch(VsockDevice *dev, Virtqueue *vq, VsockConn *conn)
{
	VirtqElement *elems[VSOCK_RX_BATCH];
	guint32 used[VSOCK_RX_BATCH];
	guint n = 1, produced;

	elems[0] = &dev->elem;
	while (n < VSOCK_RX_BATCH) {
		VirtqElement *e = &dev->batch[n - 1];
		VirtqPopResult r = virtqueue_pop(vq, dev->mem, e);

		if (r == VIRTQ_POP_EMPTY)
			break;
		if (r == VIRTQ_POP_BROKEN) {
			ring_trouble(dev, vq, r);
			break;
		}
		if (r != VIRTQ_POP_OK || e->in_len < VSOCK_HDR_SIZE || e->out_num) {
			virtqueue_unpop(vq);
			break;
		}
		elems[n++] = e;
	}
	produced = vsock_conn_fill_rx_data(conn, elems, n, used);
	for (guint i = 0; i < produced; i++) {
		virtqueue_push(vq, elems[i]->head, used[i]);
		dev->stats.packets_to_guest++;
		dev->stats.bytes_to_guest += used[i] - VSOCK_HDR_SIZE;
	}
	for (guint i = produced; i < n; i++)
		virtqueue_unpop(vq);
	return produced;
}

static gboolean process_rx(VsockDevice *dev)
{
	Virtqueue *vq = &dev->vq[VSOCK_QUEUE_RX];
	gboolean more = FALSE;

	for (guint done = 0; has_rx_work(dev); done++) {
		VirtqPopResult r;
		VsockConn *conn;
		gsize used;

		if (done == VSOCK_BUDGET) {
			more = TRUE;
			break;
		}
		r = virtqueue_pop(vq, dev->mem, &dev->elem);
		if (r == VIRTQ_POP_EMPTY) {
			/* Out of guest buffers: the guest kicks when it adds some. */
			if (virtqueue_enable_kicks(vq))
				continue;
			break;
		}
		if (r != VIRTQ_POP_OK) {
			ring_trouble(dev, vq, r);
			if (r == VIRTQ_POP_BROKEN)
				break;
			continue;
		}
		if (dev->elem.in_len < VSOCK_HDR_SIZE || dev->elem.out_num) {
			dev->stats.bad_packets++;
			ratelimit_log(&dev->rl_ring,
				      "rx queue: chain %u has %" G_GSIZE_FORMAT
				      " writable bytes and %u readable buffers; a packet needs "
				      "%" G_GSIZE_FORMAT " writable; skipped",
				      dev->elem.head, dev->elem.in_len, dev->elem.out_num,
				      VSOCK_HDR_SIZE);
			virtqueue_push(vq, dev->elem.head, 0);
			continue;
		}
		/* Alternate with connections: a guest drawing RSTs can't starve them. */
		if (!g_queue_is_empty(&dev->rsts) &&
		    (g_queue_is_empty(&dev->ready) || !dev->last_was_rst)) {
			virtqueue_push(vq, dev->elem.head, (guint32)fill_rst(dev, &dev->elem));
			dev->stats.packets_to_guest++;
			dev->last_was_rst = TRUE;
			continue;
		}
		dev->last_was_rst = FALSE;
		conn = g_queue_pop_head(&dev->ready);
		conn->queued = FALSE;
		if (vsock_conn_data_only(conn)) {
			guint n = fill_batch(dev, vq, conn);

			done += n ? n - 1 : 0;
		} else {
			used = vsock_conn_fill_rx(conn, &dev->elem);
			if (used > 0) {
				virtqueue_push(vq, dev->elem.head, (guint32)used);
				dev->stats.packets_to_guest++;
				dev->stats.bytes_to_guest += used - VSOCK_HDR_SIZE;
			} else {
				virtqueue_unpop(vq);
			}
		}
		/* Back of the line if it has more: round-robin between connections. */
		vsock_device_conn_update(dev, conn);
	}
	virtqueue_notify(vq);
	return more;
}

static gboolean process(VsockDevice *dev)
{
	gboolean more;

	dev->busy = TRUE;
	more = process_tx(dev);
	more |= process_rx(dev);
	dev->busy = FALSE;
	return more;
}

void vsock_device_process(VsockDevice *dev)
{
	gboolean more = process(dev);

	if (!more)
		g_clear_handle_id(&dev->work_id, g_source_remove);
	else
		schedule(dev);
}

static gboolean work(gpointer user_data)
{
	VsockDevice *dev = user_data;

	if (process(dev))
		return G_SOURCE_CONTINUE;
	dev->work_id = 0;
	return G_SOURCE_REMOVE;
}
