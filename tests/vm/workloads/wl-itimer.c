// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-itimer: ITIMER_REAL with a 2 s first expiry and a 3 s interval.
 * Every SIGALRM records the active time since the previous one (wl.h:
 * wall time minus time not running). Each interval, and at SIGTERM the
 * active time since the last expiry plus the time getitimer() says is left,
 * must come to the interval: at most 0.5 s more (a restart that rearmed
 * the timer from scratch is late by what had already run), at most 0.15 s
 * less plus 1 s per checkpoint spanned (the time between the freeze and the
 * moment the image records the time left runs on the timer but not on the
 * active clock). In the same boot no expiry comes before its place on the
 * timer's grid in wall time.
 * getitimer()'s interval must be exactly 3 s.
 */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "wl.h"

#define FIRST_NS 2000000000LL
#define INTERVAL_NS 3000000000LL
#define EARLY_NS 150000000LL
#define PER_GAP_NS 1000000000LL
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

/* The extremes seen, for the PASS line: how much room the tolerances leave. */
static int64_t worst_early, worst_late;

static bool check_interval(int i, uint64_t active_u, unsigned int gaps, int64_t want)
{
	int64_t active = (int64_t)active_u, early = EARLY_NS + (int64_t)gaps * PER_GAP_NS;

	if (want - active > worst_early)
		worst_early = want - active;
	if (active - want > worst_late)
		worst_late = active - want;
	if (active > want + LATE_NS || active < want - early) {
		wl_fail("expiry %d: %lld ms of active time after the previous one, expected %lld "
			"(-%lld/+%lld) across %u checkpoints",
			i, (long long)(active / 1000000), (long long)(want / 1000000),
			(long long)(early / 1000000), (long long)(LATE_NS / 1000000), gaps);
		return false;
	}
	return true;
}

/*
 * The timer keeps to its grid (arming + 2 s + k * 3 s) in wall time: it may
 * only slip later (a restart rearms it at now + the time left). Measured
 * from the arming, not from the previous handler run, which may itself have
 * run a little late.
 */
static bool check_grid(int i, const struct fire *start, const struct fire *f)
{
	int64_t wall = (int64_t)(f->wall - start->wall),
		active = (int64_t)(f->active - start->active);
	int64_t grid = FIRST_NS + (int64_t)i * INTERVAL_NS;

	/* The monotonic clock goes on within one boot only (wall >= active). */
	if (wall >= active && wall < grid - 5000000LL) {
		wl_fail("expiry %d came %lld ms of wall time after arming, before its %lld ms", i,
			(long long)(wall / 1000000), (long long)(grid / 1000000));
		return false;
	}
	return true;
}

int main(void)
{
	struct itimerval it = {.it_value = {2, 0}, .it_interval = {3, 0}}, now;
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	struct fire start;
	unsigned int spanning = 0, last_gaps;
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
	last_gaps = wl_clock_gaps();

	for (int i = 0; i < nr_fires; i++) {
		const struct fire *prev = i ? &fires[i - 1] : &start;

		if (!check_interval(i, fires[i].active - prev->active, fires[i].gaps - prev->gaps,
				    i ? INTERVAL_NS : FIRST_NS) ||
		    !check_grid(i, &start, &fires[i]))
			break;
		spanning += fires[i].gaps != prev->gaps;
	}
	if (getitimer(ITIMER_REAL, &now) < 0) {
		wl_fail_errno("getitimer");
	} else if (now.it_interval.tv_sec != 3 || now.it_interval.tv_usec != 0) {
		wl_fail("interval %ld.%06ld s, expected 3.000000", (long)now.it_interval.tv_sec,
			(long)now.it_interval.tv_usec);
	} else if (!wl_failed()) {
		/* The interval in progress: run so far plus what is left. */
		const struct fire *prev = nr_fires ? &fires[nr_fires - 1] : &start;
		int64_t left = (int64_t)now.it_value.tv_sec * 1000000000LL +
			       (int64_t)now.it_value.tv_usec * 1000;

		spanning += last_gaps != prev->gaps;
		if (now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0)
			wl_fail("the timer is disarmed");
		else
			check_interval(nr_fires, last_active - prev->active + (uint64_t)left,
				       last_gaps - prev->gaps, nr_fires ? INTERVAL_NS : FIRST_NS);
	}
	wl_note("%d expiries, %u across a checkpoint; at worst %lld ms short, %lld ms long",
		(int)nr_fires, spanning, (long long)(worst_early / 1000000),
		(long long)(worst_late / 1000000));
	return wl_finish();
}
