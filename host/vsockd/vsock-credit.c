// SPDX-License-Identifier: GPL-2.0-only
#include "vsock-credit.h"
#include "vsock-packet.h"

void vsock_credit_init(VsockCredit *c, guint32 buf_alloc)
{
	*c = (VsockCredit){.buf_alloc = buf_alloc};
}

void vsock_credit_peer_update(VsockCredit *c, guint32 peer_buf_alloc, guint32 peer_fwd_cnt)
{
	c->peer_buf_alloc = peer_buf_alloc;
	c->peer_fwd_cnt = peer_fwd_cnt;
}

guint32 vsock_credit_peer_free(const VsockCredit *c)
{
	guint32 in_flight = c->tx_cnt - c->peer_fwd_cnt;

	/* A peer may shrink its buffer below what is in flight. */
	if (in_flight >= c->peer_buf_alloc)
		return 0;
	return c->peer_buf_alloc - in_flight;
}

void vsock_credit_sent(VsockCredit *c, guint32 len)
{
	c->tx_cnt += len;
}

guint32 vsock_credit_unforwarded(const VsockCredit *c)
{
	return c->rx_cnt - c->fwd_cnt;
}

gboolean vsock_credit_receive(VsockCredit *c, guint32 len)
{
	guint32 held = vsock_credit_unforwarded(c);

	if (len > c->buf_alloc || held > c->buf_alloc - len)
		return FALSE;
	c->rx_cnt += len;
	return TRUE;
}

void vsock_credit_forwarded(VsockCredit *c, guint32 len)
{
	c->fwd_cnt += len;
}

void vsock_credit_advertised(VsockCredit *c)
{
	c->fwd_cnt_sent = c->fwd_cnt;
}

gboolean vsock_credit_update_due(const VsockCredit *c)
{
	guint32 news = c->fwd_cnt - c->fwd_cnt_sent;
	guint32 believed_held = c->rx_cnt - c->fwd_cnt_sent;
	guint32 believed_free = believed_held >= c->buf_alloc ? 0 : c->buf_alloc - believed_held;

	if (news == 0 || believed_free > c->buf_alloc / 2)
		return FALSE;
	return news >= c->buf_alloc / 8 || believed_free < VSOCK_MAX_PKT_PAYLOAD;
}
