/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-vsock credit accounting for one connection, both directions.
 *
 * Guest -> host: we advertise buf_alloc (the most guest bytes we will hold)
 * and fwd_cnt (bytes we have handed to the host socket). The guest may have
 * buf_alloc - (its tx_cnt - our fwd_cnt) bytes in flight, so withholding
 * fwd_cnt updates is how a slow host reader slows the guest down.
 *
 * Host -> guest: the guest advertises the same pair; we may send
 * peer_buf_alloc - (tx_cnt - peer_fwd_cnt) bytes. All counters are u32 and
 * wrap, as on the wire.
 */
#pragma once

#include <glib.h>

typedef struct {
	guint32 buf_alloc;    /* ours */
	guint32 fwd_cnt;      /* ours: guest bytes written to the host socket */
	guint32 rx_cnt;	      /* guest bytes received */
	guint32 fwd_cnt_sent; /* the fwd_cnt the guest last heard */
	guint32 peer_buf_alloc;
	guint32 peer_fwd_cnt;
	guint32 tx_cnt; /* bytes sent to the guest */
} VsockCredit;

void vsock_credit_init(VsockCredit *c, guint32 buf_alloc);

/* Every guest packet carries its buf_alloc and fwd_cnt. */
void vsock_credit_peer_update(VsockCredit *c, guint32 peer_buf_alloc, guint32 peer_fwd_cnt);
/* Bytes we may send the guest now. */
guint32 vsock_credit_peer_free(const VsockCredit *c);
void vsock_credit_sent(VsockCredit *c, guint32 len);

/* Account len received guest bytes; FALSE (nothing changed) if they exceed our buffer. */
gboolean vsock_credit_receive(VsockCredit *c, guint32 len);
/* Bytes received but not yet written to the host socket. */
guint32 vsock_credit_unforwarded(const VsockCredit *c);
void vsock_credit_forwarded(VsockCredit *c, guint32 len);
/* A packet carrying our fwd_cnt went to the guest. */
void vsock_credit_advertised(VsockCredit *c);
/*
 * Should we volunteer a CREDIT_UPDATE? Yes once the guest believes less than
 * half our buffer is free while we could tell it about a good chunk more
 * (an eighth of the buffer, or anything when it is nearly stalled). This
 * keeps a one-way guest->host stream moving with few extra packets.
 */
gboolean vsock_credit_update_due(const VsockCredit *c);
