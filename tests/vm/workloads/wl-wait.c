// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-wait: wait4() and pause() blocked across the checkpoint.
 *  - The child sits in pause() (-ERESTARTNOHAND: restarted when no handler
 *    ran) until SIGUSR1; pause() must return -1/EINTR exactly once, after
 *    the handler. Then it exits 42.
 *  - The parent sits in wait4() for it (-ERESTARTSYS). Its SIGTERM handler
 *    is SA_RESTART and sends the child SIGUSR1, so wait4 restarts and must
 *    return the child's pid, exit status 42 and sane rusage.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

static pid_t kid;
static volatile sig_atomic_t got_usr1;

static void on_term(int sig)
{
	wl_term = 1;
	kill(kid, SIGUSR1);
}

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static void child(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	int r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGTERM, SIG_IGN);
	for (;;) {
		r = pause();
		if (r == -1 && errno == EINTR && got_usr1)
			_exit(42);
		/* Anything else: pause() came back without our handler running. */
		_exit(r == -1 ? 10 + (errno & 0xf) : 9);
	}
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_term, .sa_flags = SA_RESTART};
	struct rusage ru;
	int status = 0;
	pid_t got;

	wl_start("wait", SA_RESTART);
	kid = fork();
	if (kid < 0) {
		wl_fail_errno("fork");
		return wl_finish();
	}
	if (kid == 0)
		child();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	wl_sleep_ms(100);
	wl_ready();
	memset(&ru, 0xff, sizeof(ru));
	got = wait4(kid, &status, 0, &ru);
	if (got < 0)
		wl_fail_errno("wait4 returned -1 (%s)",
			      wl_term ? "after SIGTERM" : "before SIGTERM");
	else if (!wl_term)
		wl_fail("wait4 returned before SIGTERM");
	else if (got != kid)
		wl_fail("wait4 returned pid %d, expected %d", got, kid);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 42)
		wl_fail("child status %#x: %s", status,
			WIFEXITED(status) && WEXITSTATUS(status) == 9
				? "pause() returned without -1"
			: WIFEXITED(status) && WEXITSTATUS(status) >= 10
				? "pause() returned before SIGUSR1 or with the wrong errno"
				: "expected exit 42 after SIGUSR1");
	else if (ru.ru_utime.tv_sec < 0 || ru.ru_utime.tv_usec < 0 ||
		 ru.ru_utime.tv_usec >= 1000000)
		wl_fail("wait4 rusage is garbage");
	return wl_finish();
}
