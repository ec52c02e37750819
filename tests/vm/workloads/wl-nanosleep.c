// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-nanosleep: back-to-back 4 s nanosleep() calls, so the checkpoint lands
 * inside one (the kernel saves it as -ERESTART_RESTARTBLOCK with the time
 * left). A restarted sleep must neither return early (EINTR, or too soon)
 * nor start over: each completed sleep must have lasted 4 s of active time
 * (wl.h: wall time minus the time the container was not running), within a
 * tolerance that grows with the checkpoints it spanned, because the time
 * between the freeze and the moment the image records the remaining time
 * legitimately counts as slept. A sleep cut short by SIGTERM ends the run.
 */
#include <errno.h>
#include <time.h>

#include "wl.h"

#define SLEEP_NS 4000000000LL
#define EARLY_NS 150000000LL   /* base tolerance, early */
#define LATE_NS 600000000LL    /* base tolerance, late */
#define PER_GAP_NS 400000000LL /* more per checkpoint spanned, early */

int main(void)
{
	unsigned int done = 0, spanning = 0;

	wl_start("nanosleep", 0);
	wl_clock_start();
	wl_ready();
	while (!wl_term) {
		struct timespec req = {.tv_sec = SLEEP_NS / 1000000000LL, .tv_nsec = 0}, rem;
		uint64_t start = wl_active_ns();
		unsigned int gaps = wl_clock_gaps();
		int64_t took, early, late;
		int r = nanosleep(&req, &rem);

		took = (int64_t)(wl_active_ns() - start);
		gaps = wl_clock_gaps() - gaps;
		if (r < 0) {
			if (errno == EINTR && wl_term)
				break;
			wl_fail_errno("nanosleep %u returned early after %lld ms active (%ld.%03ld "
				      "s left)",
				      done, (long long)(took / 1000000), (long)rem.tv_sec,
				      rem.tv_nsec / 1000000);
			break;
		}
		early = EARLY_NS + (int64_t)gaps * PER_GAP_NS;
		late = LATE_NS;
		if (took < SLEEP_NS - early || took > SLEEP_NS + late) {
			wl_fail("nanosleep %u took %lld ms of active time, expected %lld ms "
				"(-%lld/+%lld) across %u checkpoints",
				done, (long long)(took / 1000000), SLEEP_NS / 1000000,
				(long long)(early / 1000000), (long long)(late / 1000000), gaps);
			break;
		}
		done++;
		spanning += gaps > 0;
	}
	if (!wl_failed() && spanning == 0)
		wl_note("%u sleeps, none spanned a checkpoint", done);
	else
		wl_note("%u sleeps, %u across a checkpoint", done, spanning);
	return wl_finish();
}
