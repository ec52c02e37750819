// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-signals: handlers, masks and pending signals.
 *  - SIGUSR1: SA_SIGINFO|SA_RESTART, sa_mask {SIGHUP, SIGUSR2, SIGRTMIN+1}.
 *  - SIGRTMIN+1: SA_SIGINFO, sa_mask {SIGWINCH, SIGUSR1}.
 *  - SIGUSR2: SA_RESETHAND|SA_NODEFER; SIGPIPE: SIG_IGN; SIGURG: SIG_DFL.
 *  - Blocked: SIGUSR1, SIGRTMIN+1, SIGQUIT. Pending at the checkpoint:
 *    SIGUSR1 queued to the process (shared) with value 1234; SIGRTMIN+1
 *    queued twice to the thread (private), values 42 then 43; SIGQUIT sent
 *    to the process (it stays blocked and pending to the end).
 * After the restart: every sigaction (handler, flags, mask) and the blocked
 * mask are unchanged; the process sees all three pending, a new thread sees
 * only the shared ones. Then SIGUSR1 and SIGRTMIN+1 are unblocked: the
 * private queue goes first and the masks keep the handlers from nesting, so
 * the handlers must run exactly as 42, 43, 1234, each with its siginfo
 * (SI_QUEUE, sender pid) and its sa_mask in force. One SIGUSR2 must leave
 * SIG_DFL behind (SA_RESETHAND).
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl.h"

#define NR_WATCHED 6

static int watched[NR_WATCHED];
static struct sigaction was_act[NR_WATCHED];
static int rt;

struct delivery {
	int sig, code, value;
	pid_t pid;
	bool mask_ok;
};

static struct delivery got[8];
static volatile sig_atomic_t nr_got;
static volatile sig_atomic_t usr2_count;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	sigset_t now;
	int n = nr_got;

	if (n >= 8)
		return;
	sigprocmask(SIG_BLOCK, NULL, &now);
	got[n].sig = sig;
	got[n].code = si->si_code;
	got[n].value = si->si_value.sival_int;
	got[n].pid = si->si_pid;
	if (sig == SIGUSR1)
		got[n].mask_ok = sigismember(&now, SIGHUP) && sigismember(&now, SIGUSR2) &&
				 sigismember(&now, rt) && sigismember(&now, SIGUSR1);
	else
		got[n].mask_ok = sigismember(&now, SIGWINCH) && sigismember(&now, SIGUSR1) &&
				 sigismember(&now, rt);
	nr_got = n + 1;
}

static void on_usr2(int sig)
{
	usr2_count++;
}

static void set(int sig, void (*h)(int), void (*a)(int, siginfo_t *, void *), int flags,
		const int *mask, int n)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	if (a)
		sa.sa_sigaction = a;
	else
		sa.sa_handler = h;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < n; i++)
		sigaddset(&sa.sa_mask, mask[i]);
	if (sigaction(sig, &sa, NULL) < 0)
		wl_fail_errno("sigaction(%d)", sig);
}

static void send_queued(int sig, int value, bool to_thread)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	if (to_thread ? syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, &si)
		      : syscall(SYS_rt_sigqueueinfo, getpid(), sig, &si))
		wl_fail_errno("queue signal %d", sig);
}

static void compare_actions(void)
{
	for (int i = 0; i < NR_WATCHED; i++) {
		struct sigaction now;

		/* Only the kernel's 64 bits of sa_mask mean anything: glibc leaves the rest. */
		if (sigaction(watched[i], NULL, &now) < 0) {
			wl_fail_errno("sigaction(%d) read", watched[i]);
			continue;
		}
		if (now.sa_handler != was_act[i].sa_handler)
			wl_fail("signal %d handler %p, was %p", watched[i], (void *)now.sa_handler,
				(void *)was_act[i].sa_handler);
		if (now.sa_flags != was_act[i].sa_flags)
			wl_fail("signal %d flags %#x, were %#x", watched[i], now.sa_flags,
				was_act[i].sa_flags);
		for (int sig = 1; sig <= SIGRTMAX; sig++)
			if (sigismember(&now.sa_mask, sig) != sigismember(&was_act[i].sa_mask, sig))
				wl_fail("signal %d sa_mask: signal %d %s", watched[i], sig,
					sigismember(&now.sa_mask, sig) ? "added" : "dropped");
	}
}

static void expect_set(const char *what, const sigset_t *s, const int *sigs, int n)
{
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		bool want = false;

		for (int i = 0; i < n; i++)
			want |= sigs[i] == sig;
		if (sigismember(s, sig) != want)
			wl_fail("%s: signal %d %s", what, sig, want ? "missing" : "unexpected");
	}
}

static void *shared_view(void *arg)
{
	int shared[] = {SIGUSR1, SIGQUIT};
	sigset_t pend;

	sigpending(&pend);
	expect_set("pending seen by a new thread (shared only)", &pend, shared, 2);
	return NULL;
}

static void check_delivery(int i, int sig, int value)
{
	if (i >= nr_got) {
		wl_fail("delivery %d (signal %d value %d) never happened", i, sig, value);
		return;
	}
	if (got[i].sig != sig || got[i].value != value || got[i].code != SI_QUEUE ||
	    got[i].pid != getpid())
		wl_fail("delivery %d: signal %d value %d code %d pid %d, expected %d %d %d %d", i,
			got[i].sig, got[i].value, got[i].code, got[i].pid, sig, value, SI_QUEUE,
			getpid());
	if (!got[i].mask_ok)
		wl_fail("delivery %d (signal %d): handler ran without its sa_mask", i, sig);
}

int main(void)
{
	int usr1_mask[3], rt_mask[] = {SIGWINCH, SIGUSR1}, blocked[3];
	struct sigaction usr2;
	sigset_t block, mask, pend;
	pthread_t viewer;

	wl_start("signals", 0);
	rt = SIGRTMIN + 1;
	usr1_mask[0] = SIGHUP;
	usr1_mask[1] = SIGUSR2;
	usr1_mask[2] = rt;
	blocked[0] = SIGUSR1;
	blocked[1] = rt;
	blocked[2] = SIGQUIT;
	set(SIGUSR1, NULL, on_info, SA_SIGINFO | SA_RESTART, usr1_mask, 3);
	set(rt, NULL, on_info, SA_SIGINFO, rt_mask, 2);
	set(SIGUSR2, on_usr2, NULL, SA_RESETHAND | SA_NODEFER, NULL, 0);
	set(SIGPIPE, SIG_IGN, NULL, 0, NULL, 0);
	set(SIGURG, SIG_DFL, NULL, 0, NULL, 0);
	watched[0] = SIGUSR1;
	watched[1] = rt;
	watched[2] = SIGUSR2;
	watched[3] = SIGPIPE;
	watched[4] = SIGURG;
	watched[5] = SIGQUIT;
	memset(was_act, 0, sizeof(was_act));
	for (int i = 0; i < NR_WATCHED; i++)
		sigaction(watched[i], NULL, &was_act[i]);
	sigemptyset(&block);
	for (int i = 0; i < 3; i++)
		sigaddset(&block, blocked[i]);
	sigprocmask(SIG_BLOCK, &block, NULL);
	send_queued(SIGUSR1, 1234, false);
	send_queued(rt, 42, true);
	send_queued(rt, 43, true);
	kill(getpid(), SIGQUIT);
	wl_ready();
	wl_wait_term();

	compare_actions();
	sigprocmask(SIG_BLOCK, NULL, &mask);
	expect_set("blocked mask", &mask, blocked, 3);
	sigpending(&pend);
	expect_set("pending", &pend, blocked, 3);
	if (pthread_create(&viewer, NULL, shared_view, NULL) != 0)
		wl_fail("pthread_create failed");
	else
		pthread_join(viewer, NULL);

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, rt);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	if (nr_got != 3)
		wl_fail("%d handler runs after unblocking, expected 3", (int)nr_got);
	check_delivery(0, rt, 42);
	check_delivery(1, rt, 43);
	check_delivery(2, SIGUSR1, 1234);

	kill(getpid(), SIGUSR2);
	sigaction(SIGUSR2, NULL, &usr2);
	if (usr2_count != 1 || usr2.sa_handler != SIG_DFL)
		wl_fail("SIGUSR2 ran %d times and left handler %p: SA_RESETHAND wants 1 and "
			"SIG_DFL",
			(int)usr2_count, (void *)usr2.sa_handler);
	sigpending(&pend);
	if (!sigismember(&pend, SIGQUIT))
		wl_fail("SIGQUIT no longer pending");
	return wl_finish();
}
