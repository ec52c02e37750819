// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-mprotect: one 16-page private mapping split by mprotect into
 *   pages 0-3 RW, 4-7 PROT_NONE, 8-11 PROT_READ, 12-15 RW
 * with every page filled before the protections were set, between PROT_NONE
 * pages that were never touched. After the restart:
 *  - /proc/self/maps shows the same ranges with the same permissions;
 *  - reading a PROT_NONE page and writing a PROT_READ page still fault
 *    (SIGSEGV, SEGV_ACCERR, si_addr exact), reading PROT_READ and writing
 *    RW pages do not;
 *  - once made readable again, every page holds its pattern.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "wl.h"

#define PAGE 4096UL
#define PAGES 16
#define SEED 0x9407ULL

static unsigned char *map, *guard;
static sigjmp_buf jump;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(jump, 1);
}

/* Touches p (a write if write, else a read); returns whether it faulted at p with SEGV_ACCERR. */
static bool faults(volatile unsigned char *p, bool write, bool *accerr)
{
	fault_addr = NULL;
	if (sigsetjmp(jump, 1) == 0) {
		if (write)
			*p = *p;
		else
			(void)*p;
		return false;
	}
	*accerr = fault_addr == (void *)p && fault_code == SEGV_ACCERR;
	return true;
}

static void expect(unsigned char *p, bool write, bool fault, const char *what)
{
	bool accerr = false;
	bool did = faults(p, write, &accerr);

	if (did != fault)
		wl_fail("%s of %s at %p: %s", write ? "write" : "read", what, (void *)p,
			did ? "faulted" : "did not fault");
	else if (did && !accerr)
		wl_fail("%s of %s: fault at %p code %d, expected %p SEGV_ACCERR",
			write ? "write" : "read", what, (void *)fault_addr, fault_code, (void *)p);
}

/* The permissions /proc/self/maps gives the range starting at addr. */
static void maps_perms(const void *addr, char perms[5], unsigned long *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long a, b;
	char line[512], p[5];

	strcpy(perms, "none");
	*end = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %4s", &a, &b, p) == 3 && a == (unsigned long)addr) {
			memcpy(perms, p, 5);
			*end = b;
		}
	}
	if (f)
		fclose(f);
}

/* at_least: the range may go on (a neighbour with the same rights merges with it). */
static void check_vma(unsigned char *start, int pages, const char *want, bool at_least)
{
	unsigned long end, want_end = (unsigned long)(start + pages * PAGE);
	char perms[5];

	maps_perms(start, perms, &end);
	if (strcmp(perms, want) != 0 || end < want_end || (!at_least && end != want_end))
		wl_fail("maps: %p: %s up to %#lx, expected %s up to %p", (void *)start, perms, end,
			want, (void *)(start + pages * PAGE));
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};

	wl_start("mprotect", 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	/* Reserved PROT_NONE first, so map's neighbours are known and nothing merges with it. */
	guard = mmap(NULL, (PAGES + 8) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED) {
		wl_fail_errno("mmap");
		return wl_finish();
	}
	map = mmap(guard + 4 * PAGE, PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (map == MAP_FAILED) {
		wl_fail_errno("mmap MAP_FIXED");
		return wl_finish();
	}
	guard = map + PAGES * PAGE;
	wl_fill(map, PAGES * PAGE, SEED);
	if (mprotect(map + 4 * PAGE, 4 * PAGE, PROT_NONE) < 0 ||
	    mprotect(map + 8 * PAGE, 4 * PAGE, PROT_READ) < 0) {
		wl_fail_errno("mprotect");
		return wl_finish();
	}
	/* Before the checkpoint too: proves the checks themselves. */
	expect(map + 5 * PAGE, false, true, "PROT_NONE page");
	expect(map + 9 * PAGE, true, true, "PROT_READ page");
	wl_ready();
	wl_wait_term();

	check_vma(map, 4, "rw-p", false);
	check_vma(map + 4 * PAGE, 4, "---p", false);
	check_vma(map + 8 * PAGE, 4, "r--p", false);
	check_vma(map + 12 * PAGE, 4, "rw-p", false);
	check_vma(guard, 4, "---p", true);
	expect(map + 4 * PAGE, false, true, "PROT_NONE page");
	expect(map + 7 * PAGE + 100, false, true, "PROT_NONE page");
	expect(guard + PAGE, false, true, "untouched PROT_NONE mapping");
	expect(map + 8 * PAGE, true, true, "PROT_READ page");
	expect(map + 11 * PAGE + 8, false, false, "PROT_READ page");
	expect(map + 2 * PAGE, true, false, "RW page");
	expect(map + 13 * PAGE, true, false, "RW page");
	if (mprotect(map, PAGES * PAGE, PROT_READ) < 0) {
		wl_fail_errno("mprotect back to PROT_READ");
	} else {
		long bad = wl_check_fill(map, PAGES * PAGE, SEED);

		if (bad >= 0)
			wl_fail("contents wrong at byte %ld (page %ld)", bad, bad / (long)PAGE);
	}
	return wl_finish();
}
