/* SPDX-License-Identifier: GPL-2.0-only */
/* Scatter-gather helpers over struct iovec arrays (guest buffers). */
#pragma once

#include <glib.h>
#include <sys/uio.h>

gsize iov_length(const struct iovec *iov, guint count);

/* Copy up to len bytes starting offset bytes into the iovec; returns bytes copied. */
gsize iov_to_buf(const struct iovec *iov, guint count, gsize offset, void *buf, gsize len);
gsize iov_from_buf(const struct iovec *iov, guint count, gsize offset, const void *buf, gsize len);

/*
 * Describe bytes [offset, offset + len) of iov with at most max_out entries
 * of out; returns the entry count. Covers less than len when iov is shorter
 * or max_out runs out (callers check with iov_length()).
 */
guint iov_slice(const struct iovec *iov, guint count, gsize offset, gsize len, struct iovec *out,
		guint max_out);
