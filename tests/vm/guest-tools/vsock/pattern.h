/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A reproducible byte stream (xorshift64*, seeded) and a 64-bit checksum,
 * so both ends of a transfer can check every byte without storing any.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct pattern {
	uint64_t state;
	uint8_t block[8];
	unsigned int used; /* bytes of block already produced */
};

void pattern_init(struct pattern *p, uint64_t seed);
void pattern_fill(struct pattern *p, void *buf, size_t len);
/* Compares buf with the next len bytes; returns the offset of the first mismatch or len. */
size_t pattern_check(struct pattern *p, const void *buf, size_t len);

struct checksum {
	uint64_t hash;
	uint64_t bytes;
	uint8_t pending[8];
	unsigned int partial;
};

void checksum_init(struct checksum *c);
void checksum_add(struct checksum *c, const void *buf, size_t len);
uint64_t checksum_final(const struct checksum *c);
