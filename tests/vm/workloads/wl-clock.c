// SPDX-License-Identifier: GPL-2.0-only
/*
 * Active time (wl.h): a ticker thread reads CLOCK_MONOTONIC every 5 ms and
 * adds up the steps, leaving out any step of 250 ms or more (or backwards,
 * after a restart in another boot): those are the times the container was
 * frozen, checkpointed or not running at all. Published with a sequence
 * count, so a signal handler may read it too.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wl.h"

#define TICK_NS (5 * 1000000LL)
#define GAP_NS (250 * 1000000LL)

static unsigned int seq;
static uint64_t last_ns, accum_ns;
static unsigned int gaps;

static void *ticker(void *arg)
{
	sigset_t all;

	/* Process-directed signals (SIGALRM, SIGTERM) belong to the workload. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = TICK_NS};
		uint64_t now;
		int64_t step;

		nanosleep(&ts, NULL);
		now = wl_mono_ns();
		step = (int64_t)(now - last_ns);
		__atomic_add_fetch(&seq, 1, __ATOMIC_ACQ_REL);
		if (step >= 0 && step < GAP_NS)
			accum_ns += (uint64_t)step;
		else
			gaps++;
		last_ns = now;
		__atomic_add_fetch(&seq, 1, __ATOMIC_ACQ_REL);
	}
	return NULL;
}

void wl_clock_start(void)
{
	pthread_t t;

	last_ns = wl_mono_ns();
	if (pthread_create(&t, NULL, ticker, NULL) != 0) {
		fprintf(stderr, "wl_clock_start: pthread_create failed\n");
		exit(2);
	}
}

uint64_t wl_active_ns(void)
{
	uint64_t last, accum, now;
	unsigned int s;
	int64_t step;

	do {
		s = __atomic_load_n(&seq, __ATOMIC_ACQUIRE);
		last = last_ns;
		accum = accum_ns;
	} while ((s & 1) || __atomic_load_n(&seq, __ATOMIC_ACQUIRE) != s);
	now = wl_mono_ns();
	step = (int64_t)(now - last);
	return step >= 0 && step < GAP_NS ? accum + (uint64_t)step : accum;
}

unsigned int wl_clock_gaps(void)
{
	return __atomic_load_n(&gaps, __ATOMIC_ACQUIRE);
}
