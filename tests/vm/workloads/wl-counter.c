// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-counter: the plainest workload. A tight loop keeps a counter in a
 * register, a copy in a global and the running sum 1+2+...+n, so after any
 * number of restarts n == global and sum == n(n+1)/2 exactly; the counter
 * must also have moved on since the workload said it was ready.
 * DIR/counter.progress shows the count every 200 ms.
 */
#include <stdint.h>

#include "wl.h"

static volatile uint64_t global_count;

int main(void)
{
	uint64_t n = 0, sum = 0, at_ready = 0, last_report = 0;

	wl_start("counter", 0);
	while (!wl_term) {
		n++;
		sum += n;
		global_count = n;
		if ((n & 0xffff) == 0) {
			uint64_t now = wl_mono_ns();

			if (!at_ready) {
				at_ready = n;
				wl_ready();
			}
			if (now - last_report >= 200000000ULL) {
				wl_progress(n);
				last_report = now;
			}
		}
	}
	if (global_count != n)
		wl_fail("register count %llu != global count %llu", (unsigned long long)n,
			(unsigned long long)global_count);
	if (sum != n * (n + 1) / 2)
		wl_fail("sum 1..%llu is %llu, expected %llu", (unsigned long long)n,
			(unsigned long long)sum, (unsigned long long)(n * (n + 1) / 2));
	if (n <= at_ready)
		wl_fail("counter did not advance after ready (%llu)", (unsigned long long)n);
	wl_note("n=%llu", (unsigned long long)n);
	return wl_finish();
}
