// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-nanosleep: back-to-back 6 s nanosleep() calls, so every checkpoint
 * lands inside one (the kernel saves it as -ERESTART_RESTARTBLOCK with the
 * time left). A restarted sleep must neither end early (EINTR, or the time
 * left lost) nor start over. Each sleep is measured in active time (wl.h:
 * wall time minus the time the container was not running); the last one,
 * cut short by SIGTERM, counts as active time slept plus the time
 * nanosleep() reports left. Either must come to 6 s:
 *  - at most 0.6 s more (a sleep restarted from the beginning is late by
 *    all the time it had already slept);
 *  - at most 0.15 s less, plus 1 s per checkpoint it spanned: the time
 *    between the freeze and the moment the image records the time left (or
 *    the thaw, with --leave-running) is wall time that really was slept,
 *    but the active clock leaves it out with the rest of the gap.
 * In the same boot, a completed sleep must also have lasted 6 s of wall time.
 */
#include <errno.h>
#include <time.h>

#include "wl.h"

#define SLEEP_NS 6000000000LL
#define EARLY_NS 150000000LL
#define PER_GAP_NS 1000000000LL
#define LATE_NS 600000000LL

/* The extremes seen, for the PASS line: how much room the tolerances leave. */
static int64_t worst_early, worst_late;

static bool in_range(unsigned int i, const char *what, int64_t took, unsigned int gaps)
{
	int64_t early = EARLY_NS + (int64_t)gaps * PER_GAP_NS;

	if (SLEEP_NS - took > worst_early)
		worst_early = SLEEP_NS - took;
	if (took - SLEEP_NS > worst_late)
		worst_late = took - SLEEP_NS;
	if (took >= SLEEP_NS - early && took <= SLEEP_NS + LATE_NS)
		return true;
	wl_fail("nanosleep %u %s %lld ms of active time, expected %lld ms (-%lld/+%lld) across %u "
		"checkpoints",
		i, what, (long long)(took / 1000000), SLEEP_NS / 1000000,
		(long long)(early / 1000000), LATE_NS / 1000000, gaps);
	return false;
}

int main(void)
{
	unsigned int done = 0, spanning = 0;

	wl_start("nanosleep", 0);
	wl_clock_start();
	wl_ready();
	while (!wl_failed()) {
		struct timespec req = {.tv_sec = SLEEP_NS / 1000000000LL, .tv_nsec = 0},
				rem = {0, 0};
		uint64_t start = wl_active_ns(), wall = wl_mono_ns();
		unsigned int gaps = wl_clock_gaps();
		int64_t took, took_wall;
		int r = nanosleep(&req, &rem);

		took = (int64_t)(wl_active_ns() - start);
		took_wall = (int64_t)(wl_mono_ns() - wall);
		gaps = wl_clock_gaps() - gaps;
		spanning += gaps > 0;
		if (r < 0 && errno == EINTR && wl_term) {
			int64_t left = (int64_t)rem.tv_sec * 1000000000LL + rem.tv_nsec;

			in_range(done, "slept, plus the time left at SIGTERM, came to", took + left,
				 gaps);
			break;
		}
		if (r < 0) {
			wl_fail_errno("nanosleep %u returned early after %lld ms active (%ld.%03ld "
				      "s left)",
				      done, (long long)(took / 1000000), (long)rem.tv_sec,
				      rem.tv_nsec / 1000000);
			break;
		}
		if (!in_range(done, "took", took, gaps))
			break;
		/* The monotonic clock only goes on within one boot (took_wall >= took). */
		if (took_wall >= took && took_wall < SLEEP_NS - 5000000LL)
			wl_fail("nanosleep %u woke after %lld ms of wall time", done,
				(long long)(took_wall / 1000000));
		done++;
	}
	wl_note("%u sleeps, %u across a checkpoint; at worst %lld ms short, %lld ms long", done + 1,
		spanning, (long long)(worst_early / 1000000), (long long)(worst_late / 1000000));
	return wl_finish();
}
