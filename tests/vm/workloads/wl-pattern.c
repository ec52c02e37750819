// SPDX-License-Identifier: GPL-2.0-only
/* Deterministic memory contents and a fast hash (wl.h). */
#include <string.h>

#include "wl.h"

/* splitmix64: every word differs, so a page moved or zeroed shows. */
uint64_t wl_word(uint64_t seed, uint64_t index)
{
	uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void wl_fill(void *buf, size_t len, uint64_t seed)
{
	uint64_t *w = buf;
	size_t i, n = len / 8;

	for (i = 0; i < n; i++)
		w[i] = wl_word(seed, i);
	for (i = n * 8; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)wl_word(seed, i);
}

long wl_check_fill(const void *buf, size_t len, uint64_t seed)
{
	const uint64_t *w = buf;
	size_t i, n = len / 8;

	for (i = 0; i < n; i++) {
		if (w[i] != wl_word(seed, i)) {
			uint64_t want = wl_word(seed, i);
			const unsigned char *a = (const void *)&w[i], *b = (const void *)&want;
			size_t j = 0;

			while (a[j] == b[j])
				j++;
			return (long)(i * 8 + j);
		}
	}
	for (i = n * 8; i < len; i++)
		if (((const unsigned char *)buf)[i] != (unsigned char)wl_word(seed, i))
			return (long)i;
	return -1;
}

/* Word-wise multiply-xor hash: fast enough for 64 MiB under TCG. */
uint64_t wl_hash(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = 0x84222325cbf29ce4ULL ^ len;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}
