// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-readpipe: a read() on an empty pipe, blocked across the checkpoint
 * (-ERESTARTSYS: it must be restarted, not fail). The SIGTERM handler is
 * SA_RESTART and writes a message into the pipe itself, so the interrupted
 * read restarts once more and must return exactly that message. Any return
 * before SIGTERM, any error and any other data fail.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "wl.h"

#define MSG "the handler wrote this"

static int fds[2];

static void on_term(int sig)
{
	wl_term = 1;
	if (write(fds[1], MSG, sizeof(MSG)) != sizeof(MSG))
		wl_term = 2;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_term, .sa_flags = SA_RESTART};
	char buf[128];
	ssize_t n;

	wl_start("readpipe", SA_RESTART);
	if (pipe(fds) < 0) {
		wl_fail_errno("pipe");
		return wl_finish();
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	wl_ready();
	n = read(fds[0], buf, sizeof(buf));
	if (n < 0)
		wl_fail_errno("read returned -1 (%s)",
			      wl_term ? "after SIGTERM" : "before SIGTERM");
	else if (!wl_term)
		wl_fail("read returned %zd bytes before SIGTERM", n);
	else if (wl_term == 2)
		wl_fail("the SIGTERM handler could not write to the pipe");
	else if (n != sizeof(MSG) || memcmp(buf, MSG, sizeof(MSG)) != 0)
		wl_fail("read returned %zd bytes '%.*s', expected '%s'", n, (int)n, buf, MSG);
	return wl_finish();
}
