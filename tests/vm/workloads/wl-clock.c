// SPDX-License-Identifier: GPL-2.0-only
/*
 * Active time (wl.h): a ticker reads CLOCK_MONOTONIC every 5 ms and adds up
 * the steps, leaving out any step of 250 ms or more (or backwards, after a
 * restart in another boot): those are the times the container was frozen,
 * checkpointed or not running at all. Published with a sequence count, so a
 * signal handler may read it too.
 *
 * The ticker is a child process writing to a MAP_SHARED page rather than a
 * thread, so the timing workloads (nanosleep, itimer) stay single-threaded
 * and do not depend on thread checkpointing.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "wl.h"

#define TICK_NS (5 * 1000000LL)
#define GAP_NS (250 * 1000000LL)

struct clock_page {
	unsigned int seq;
	unsigned int gaps;
	uint64_t last_ns, accum_ns;
};

static struct clock_page *cp;

static void ticker(void)
{
	sigset_t all;

	/* It only ticks: no signal is for it, and it dies with the workload. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "wl-ticker");
	for (;;) {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = TICK_NS};
		uint64_t now;
		int64_t step;

		nanosleep(&ts, NULL);
		now = wl_mono_ns();
		step = (int64_t)(now - cp->last_ns);
		__atomic_add_fetch(&cp->seq, 1, __ATOMIC_ACQ_REL);
		if (step >= 0 && step < GAP_NS)
			cp->accum_ns += (uint64_t)step;
		else
			cp->gaps++;
		cp->last_ns = now;
		__atomic_add_fetch(&cp->seq, 1, __ATOMIC_ACQ_REL);
	}
}

void wl_clock_start(void)
{
	pid_t pid;

	cp = mmap(NULL, sizeof(*cp), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cp == MAP_FAILED) {
		perror("wl_clock_start: mmap");
		exit(2);
	}
	cp->last_ns = wl_mono_ns();
	pid = fork();
	if (pid < 0) {
		perror("wl_clock_start: fork");
		exit(2);
	}
	if (pid == 0) {
		ticker();
		_exit(0);
	}
}

uint64_t wl_active_ns(void)
{
	uint64_t last, accum, now;
	unsigned int s;
	int64_t step;

	do {
		s = __atomic_load_n(&cp->seq, __ATOMIC_ACQUIRE);
		last = cp->last_ns;
		accum = cp->accum_ns;
	} while ((s & 1) || __atomic_load_n(&cp->seq, __ATOMIC_ACQUIRE) != s);
	now = wl_mono_ns();
	step = (int64_t)(now - last);
	return step >= 0 && step < GAP_NS ? accum + (uint64_t)step : accum;
}

unsigned int wl_clock_gaps(void)
{
	return __atomic_load_n(&cp->gaps, __ATOMIC_ACQUIRE);
}
