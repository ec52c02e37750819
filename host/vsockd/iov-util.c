// SPDX-License-Identifier: GPL-2.0-only
#include "iov-util.h"

#include <string.h>

gsize iov_length(const struct iovec *iov, guint count)
{
	gsize total = 0;

	for (guint i = 0; i < count; i++)
		total += iov[i].iov_len;
	return total;
}

gsize iov_to_buf(const struct iovec *iov, guint count, gsize offset, void *buf, gsize len)
{
	gsize done = 0;

	for (guint i = 0; i < count && done < len; i++) {
		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		gsize n = MIN(iov[i].iov_len - offset, len - done);
		memcpy((char *)buf + done, (const char *)iov[i].iov_base + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}

gsize iov_from_buf(const struct iovec *iov, guint count, gsize offset, const void *buf, gsize len)
{
	gsize done = 0;

	for (guint i = 0; i < count && done < len; i++) {
		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		gsize n = MIN(iov[i].iov_len - offset, len - done);
		memcpy((char *)iov[i].iov_base + offset, (const char *)buf + done, n);
		done += n;
		offset = 0;
	}
	return done;
}

guint iov_slice(const struct iovec *iov, guint count, gsize offset, gsize len, struct iovec *out,
		guint max_out)
{
	guint n = 0;

	for (guint i = 0; i < count && len > 0 && n < max_out; i++) {
		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		gsize take = MIN(iov[i].iov_len - offset, len);
		out[n].iov_base = (char *)iov[i].iov_base + offset;
		out[n].iov_len = take;
		n++;
		len -= take;
		offset = 0;
	}
	return n;
}
