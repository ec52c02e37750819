// SPDX-License-Identifier: GPL-2.0-only
#include "pattern.h"

#include <string.h>

void pattern_init(struct pattern *p, uint64_t seed)
{
	p->state = (seed + 1) * 0x9e3779b97f4a7c15ull;
	p->used = sizeof(p->block);
}

static void next_block(struct pattern *p)
{
	uint64_t x = p->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->state = x;
	x *= 0x2545f4914f6cdd1dull;
	memcpy(p->block, &x, sizeof(x));
	p->used = 0;
}

void pattern_fill(struct pattern *p, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len > 0) {
		if (p->used == sizeof(p->block))
			next_block(p);
		size_t n = sizeof(p->block) - p->used;
		if (n > len)
			n = len;
		memcpy(out, p->block + p->used, n);
		p->used += n;
		out += n;
		len -= n;
	}
}

size_t pattern_check(struct pattern *p, const void *buf, size_t len)
{
	static __thread uint8_t expect[65536];
	const uint8_t *in = buf;
	size_t done = 0;

	/* Generate and memcmp in chunks: the guest runs under TCG, keep it cheap. */
	while (done < len) {
		size_t n = len - done < sizeof(expect) ? len - done : sizeof(expect);

		pattern_fill(p, expect, n);
		if (memcmp(in + done, expect, n) != 0) {
			for (size_t i = 0; i < n; i++) {
				if (in[done + i] != expect[i])
					return done + i;
			}
		}
		done += n;
	}
	return len;
}

void checksum_init(struct checksum *c)
{
	c->hash = 0xcbf29ce484222325ull;
	c->bytes = 0;
	c->partial = 0;
}

static void mix(struct checksum *c, uint64_t word)
{
	c->hash ^= word;
	c->hash *= 0x100000001b3ull;
	c->hash ^= c->hash >> 29;
}

/* Eight bytes at a time, independent of how the stream was cut into reads. */
void checksum_add(struct checksum *c, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	size_t i = 0;

	while (i < len && c->partial) {
		c->pending[c->partial++] = in[i++];
		if (c->partial == 8) {
			uint64_t w;

			memcpy(&w, c->pending, 8);
			mix(c, w);
			c->partial = 0;
		}
	}
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, in + i, 8);
		mix(c, w);
	}
	while (i < len)
		c->pending[c->partial++] = in[i++];
	c->bytes += len;
}

uint64_t checksum_final(const struct checksum *c)
{
	uint64_t h = c->hash;

	for (unsigned int i = 0; i < c->partial; i++)
		h = (h ^ c->pending[i]) * 0x100000001b3ull;
	return h ^ c->bytes;
}
