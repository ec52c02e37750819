// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-uts [HOSTNAME]: the container's uts namespace. The hostname must be
 * HOSTNAME (given to `ckpt run --hostname`) from the start; the workload
 * sets the domain name itself. After the restart uname() must show both
 * (a restart that forgot the uts namespace shows the guest's names).
 */
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "wl.h"

#define DOMAIN "wl-domain.example"

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : NULL;
	struct utsname was, now;

	wl_start("uts", 0);
	if (setdomainname(DOMAIN, strlen(DOMAIN)) < 0)
		wl_fail_errno("setdomainname");
	if (uname(&was) < 0) {
		wl_fail_errno("uname");
		return wl_finish();
	}
	if (want && strcmp(was.nodename, want) != 0)
		wl_fail("hostname at start is '%s', ckpt run --hostname gave '%s'", was.nodename,
			want);
	wl_ready();
	wl_wait_term();

	if (uname(&now) < 0) {
		wl_fail_errno("uname");
		return wl_finish();
	}
	if (strcmp(now.nodename, was.nodename) != 0)
		wl_fail("hostname '%s', was '%s'", now.nodename, was.nodename);
	if (strcmp(now.domainname, DOMAIN) != 0)
		wl_fail("domainname '%s', was '%s'", now.domainname, DOMAIN);
	if (strcmp(now.release, was.release) != 0)
		wl_note("kernel release changed from %s to %s", was.release, now.release);
	return wl_finish();
}
