// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-mem64: 64 MiB of private anonymous memory with a known pattern, inside
 * a 128 MiB mapping whose second half is never touched.
 *  - The first 48 MiB are written once; their hash is taken at ready and
 *    must be the same at the end (and the pattern exact, to name the first
 *    bad byte).
 *  - The last 16 MiB are rewritten one page at a time while the workload
 *    runs, each page with a new generation, so a restart that brings back
 *    stale pages from an older image shows.
 *  - The untouched 64 MiB must still read as zeros (and is not in the
 *    image: the scenario checks the image size).
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "wl.h"

#define MIB (1024UL * 1024)
#define PAGE 4096UL
#define MAP_LEN (128 * MIB)
#define STATIC_LEN (48 * MIB)
#define CHURN_LEN (16 * MIB)
#define CHURN_PAGES (CHURN_LEN / PAGE)
#define SEED 0x6d656d3634ULL

static uint64_t page_seed(size_t page, uint32_t gen)
{
	return SEED ^ ((uint64_t)page << 24) ^ ((uint64_t)gen << 48);
}

int main(void)
{
	unsigned char *map, *churn, *untouched;
	uint32_t *gen;
	uint64_t hash, again, rewrites = 0;
	size_t next = 0;
	long bad;

	wl_start("mem64", 0);
	map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gen = calloc(CHURN_PAGES, sizeof(*gen));
	if (map == MAP_FAILED || !gen) {
		wl_fail_errno("cannot allocate 128 MiB + page table");
		return wl_finish();
	}
	churn = map + STATIC_LEN;
	untouched = map + STATIC_LEN + CHURN_LEN;
	wl_fill(map, STATIC_LEN, SEED);
	for (size_t p = 0; p < CHURN_PAGES; p++)
		wl_fill(churn + p * PAGE, PAGE, page_seed(p, 0));
	hash = wl_hash(map, STATIC_LEN);
	wl_ready();

	while (!wl_term) {
		gen[next]++;
		wl_fill(churn + next * PAGE, PAGE, page_seed(next, gen[next]));
		next = (next + 1) % CHURN_PAGES;
		rewrites++;
		wl_sleep_ms(2);
	}

	again = wl_hash(map, STATIC_LEN);
	if (again != hash) {
		bad = wl_check_fill(map, STATIC_LEN, SEED);
		wl_fail("static 48 MiB hash %016llx, expected %016llx (first bad byte at offset "
			"%ld)",
			(unsigned long long)again, (unsigned long long)hash, bad);
	}
	for (size_t p = 0; p < CHURN_PAGES; p++) {
		bad = wl_check_fill(churn + p * PAGE, PAGE, page_seed(p, gen[p]));
		if (bad >= 0) {
			wl_fail("churned page %zu (generation %u) wrong at byte %ld", p, gen[p],
				bad);
			break;
		}
	}
	for (size_t i = 0; i < MAP_LEN - STATIC_LEN - CHURN_LEN; i += 8) {
		if (*(uint64_t *)(untouched + i) != 0) {
			wl_fail("untouched half not zero at offset %zu", i);
			break;
		}
	}
	wl_note("hash=%016llx rewrites=%llu", (unsigned long long)hash,
		(unsigned long long)rewrites);
	return wl_finish();
}
