// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-itimer: ITIMER_REAL with a 2 s first expiry and a 1.5 s interval.
 * Every SIGALRM records the active time since the previous one (wl.h:
 * wall time minus time not running). An interval with no checkpoint in it
 * must last 1.5 s; one that spans checkpoints must not be late by much
 * (the restart kept the remaining time instead of starting over) and, in
 * wall time, never early. The interval read back by getitimer() must be
 * exactly 1.5 s, and the timer must keep firing after each restart.
 */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "wl.h"

#define FIRST_NS 2000000000LL
#define INTERVAL_NS 1500000000LL
#define EARLY_NS 150000000LL
#define LATE_NS 500000000LL

#define MAX_FIRES 4096

struct fire {
	uint64_t active, wall;
	unsigned int gaps;
};

static struct fire fires[MAX_FIRES];
static volatile sig_atomic_t nr_fires;

static void on_alarm(int sig)
{
	int n = nr_fires;

	if (n >= MAX_FIRES)
		return;
	fires[n].active = wl_active_ns();
	fires[n].wall = wl_mono_ns();
	fires[n].gaps = wl_clock_gaps();
	nr_fires = n + 1;
}

int main(void)
{
	struct itimerval it = {.it_value = {2, 0}, .it_interval = {1, 500000}}, now;
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	struct fire start;
	unsigned int spanning = 0;
	uint64_t last_active;

	wl_start("itimer", 0);
	wl_clock_start();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	start.active = wl_active_ns();
	start.wall = wl_mono_ns();
	start.gaps = wl_clock_gaps();
	if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
		wl_fail_errno("setitimer");
		return wl_finish();
	}
	wl_ready();
	wl_wait_term();
	last_active = wl_active_ns();

	if (getitimer(ITIMER_REAL, &now) < 0)
		wl_fail_errno("getitimer");
	else if (now.it_interval.tv_sec != 1 || now.it_interval.tv_usec != 500000)
		wl_fail("interval %ld.%06ld s, expected 1.500000", (long)now.it_interval.tv_sec,
			(long)now.it_interval.tv_usec);
	else if (now.it_value.tv_sec > 1 ||
		 (now.it_value.tv_sec == 1 && now.it_value.tv_usec > 500000) ||
		 (now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0))
		wl_fail("time to next expiry %ld.%06ld s: not armed or above the interval",
			(long)now.it_value.tv_sec, (long)now.it_value.tv_usec);
	for (int i = 0; i < nr_fires; i++) {
		const struct fire *prev = i ? &fires[i - 1] : &start;
		int64_t want = i ? INTERVAL_NS : FIRST_NS;
		int64_t active = (int64_t)(fires[i].active - prev->active);
		int64_t wall = (int64_t)(fires[i].wall - prev->wall);
		unsigned int gaps = fires[i].gaps - prev->gaps;

		if (active > want + LATE_NS) {
			wl_fail("expiry %d came %lld ms of active time after the previous one, "
				"expected %lld (+%lld) across %u checkpoints",
				i, (long long)(active / 1000000), (long long)(want / 1000000),
				(long long)(LATE_NS / 1000000), gaps);
			break;
		}
		if (gaps == 0 && active < want - EARLY_NS) {
			wl_fail("expiry %d came after %lld ms, expected %lld (-%lld)", i,
				(long long)(active / 1000000), (long long)(want / 1000000),
				(long long)(EARLY_NS / 1000000));
			break;
		}
		/* Same boot only: the monotonic clock restarts with a new boot. */
		if (gaps && wall >= 0 && wall < want - EARLY_NS) {
			wl_fail("expiry %d came %lld ms of wall time after the previous one, "
				"before its %lld ms",
				i, (long long)(wall / 1000000), (long long)(want / 1000000));
			break;
		}
		spanning += gaps > 0;
	}
	/* Still firing: the last expiry is at most one interval (+slack) ago. */
	if (nr_fires == 0 ||
	    (int64_t)(last_active - fires[nr_fires - 1].active) > INTERVAL_NS + LATE_NS)
		wl_fail("the timer stopped: %d expiries, the last %lld ms of active time ago",
			(int)nr_fires,
			nr_fires ? (long long)((last_active - fires[nr_fires - 1].active) / 1000000)
				 : -1LL);
	wl_note("%d expiries, %u across a checkpoint", (int)nr_fires, spanning);
	return wl_finish();
}
