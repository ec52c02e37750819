// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-altstack: the workload spends its whole run inside a SIGUSR1 handler
 * running on a sigaltstack (SA_ONSTACK), so the checkpoint catches it there.
 * The handler checks, in every round, that its frame lies inside the
 * alternate stack and that sigaltstack() reports SS_ONSTACK; a buffer on
 * that stack carries a pattern that must survive. After SIGTERM the
 * handler returns: the main stack and a mask without SIGUSR1 must be back,
 * sigaltstack() must report the same stack, disabled flags cleared, and a
 * second SIGUSR1 must land on it again.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "wl.h"

#define ALT_SIZE (64 * 1024)
#define SEED 0xa175ULL

static unsigned char *alt;
static volatile sig_atomic_t runs;
static uint64_t rounds;

static bool on_alt(const void *p)
{
	const unsigned char *c = p;

	return c >= alt && c < alt + ALT_SIZE;
}

static void on_usr1(int sig)
{
	unsigned char frame_data[1024];
	stack_t now;
	sigset_t mask;

	runs++;
	wl_fill(frame_data, sizeof(frame_data), SEED + (uint64_t)runs);
	if (runs == 1)
		wl_ready();
	while (runs == 1 && !wl_term) {
		rounds++;
		if (!on_alt(frame_data)) {
			wl_fail("handler frame %p is off the altstack %p+%d", (void *)frame_data,
				(void *)alt, ALT_SIZE);
			break;
		}
		if (sigaltstack(NULL, &now) < 0 || !(now.ss_flags & SS_ONSTACK)) {
			wl_fail("sigaltstack flags %#x inside the handler, want SS_ONSTACK",
				now.ss_flags);
			break;
		}
		sigprocmask(SIG_BLOCK, NULL, &mask);
		if (!sigismember(&mask, SIGUSR1) || !sigismember(&mask, SIGHUP)) {
			wl_fail("handler mask lost SIGUSR1 or its sa_mask SIGHUP");
			break;
		}
		wl_sleep_ms(5);
	}
	if (wl_check_fill(frame_data, sizeof(frame_data), SEED + (uint64_t)runs) >= 0)
		wl_fail("handler run %d: data on the altstack changed", (int)runs);
	if (!on_alt(frame_data))
		wl_fail("handler run %d: frame %p off the altstack", (int)runs, (void *)frame_data);
}

int main(void)
{
	struct sigaction sa;
	unsigned char main_data[256];
	stack_t ss, now;
	sigset_t mask;

	wl_start("altstack", 0);
	alt = aligned_alloc(4096, ALT_SIZE);
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (!alt || sigaltstack(&ss, NULL) < 0) {
		wl_fail_errno("sigaltstack");
		return wl_finish();
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGUSR1, &sa, NULL);
	wl_fill(main_data, sizeof(main_data), SEED);
	raise(SIGUSR1);

	/* Back from the handler, on the main stack. */
	if (on_alt(main_data))
		wl_fail("main frame is on the altstack");
	if (wl_check_fill(main_data, sizeof(main_data), SEED) >= 0)
		wl_fail("data on the main stack changed");
	sigprocmask(SIG_BLOCK, NULL, &mask);
	if (sigismember(&mask, SIGUSR1) || sigismember(&mask, SIGHUP))
		wl_fail("the handler's mask stayed after it returned");
	if (sigaltstack(NULL, &now) < 0 || now.ss_sp != alt || now.ss_size != ALT_SIZE ||
	    now.ss_flags != 0)
		wl_fail("sigaltstack is %p+%zu flags %#x, expected %p+%d flags 0", now.ss_sp,
			now.ss_size, now.ss_flags, (void *)alt, ALT_SIZE);
	raise(SIGUSR1);
	if (runs != 2)
		wl_fail("second SIGUSR1: handler ran %d times in all, expected 2", (int)runs);
	wl_note("%llu rounds on the altstack", (unsigned long long)rounds);
	return wl_finish();
}
