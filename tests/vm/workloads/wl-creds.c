// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-creds: credentials. A child drops root the careful way:
 * supplementary groups {10, 20, 30}, gids 100/101/102, keep-caps, uids
 * 1000/1001/1002, then capabilities permitted {CHOWN, KILL,
 * NET_BIND_SERVICE}, effective {KILL}, inheritable {CHOWN}, and
 * no_new_privs. After the restart all of it must read back exactly (the
 * fsuid too, and the keep-caps securebit); the parent, still root with
 * full capabilities, checks its own credentials as well.
 */
#include <grp.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl.h"

#define CAP(c) (1u << (c))
#define WANT_P (CAP(CAP_CHOWN) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE))
#define WANT_E CAP(CAP_KILL)
#define WANT_I CAP(CAP_CHOWN)

static const gid_t groups[] = {10, 20, 30};

static bool get_caps(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	return syscall(SYS_capget, &h, d) == 0;
}

static void check_ids(const char *who, uid_t u0, uid_t u1, uid_t u2, gid_t g0, gid_t g1, gid_t g2)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (getresuid(&r, &e, &s) < 0 || r != u0 || e != u1 || s != u2)
		wl_fail("%s: uids %u/%u/%u, expected %u/%u/%u", who, r, e, s, u0, u1, u2);
	if (getresgid(&gr, &ge, &gs) < 0 || gr != g0 || ge != g1 || gs != g2)
		wl_fail("%s: gids %u/%u/%u, expected %u/%u/%u", who, gr, ge, gs, g0, g1, g2);
	if ((uid_t)setfsuid((uid_t)-1) != u1)
		wl_fail("%s: fsuid %d, expected %u", who, setfsuid((uid_t)-1), u1);
}

static void child(void *arg)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	gid_t got[16];
	int n;

	memset(d, 0, sizeof(d));
	d[0].permitted = WANT_P;
	d[0].effective = WANT_E;
	d[0].inheritable = WANT_I;
	if (setgroups(3, groups) < 0 || setresgid(100, 101, 102) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 1) < 0 || setresuid(1000, 1001, 1002) < 0 ||
	    syscall(SYS_capset, &h, d) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		wl_fail_errno("child: drop credentials");
		wl_child_ready();
		return;
	}
	wl_child_ready();
	wl_wait_term();

	check_ids("child", 1000, 1001, 1002, 100, 101, 102);
	n = getgroups(16, got);
	if (n != 3 || memcmp(got, groups, sizeof(groups)) != 0)
		wl_fail("child: %d supplementary groups (first %u), expected 10 20 30", n,
			n > 0 ? got[0] : 0);
	if (!get_caps(d))
		wl_fail_errno("child: capget");
	else if (d[0].permitted != WANT_P || d[0].effective != WANT_E ||
		 d[0].inheritable != WANT_I || d[1].permitted || d[1].effective || d[1].inheritable)
		wl_fail("child: caps p=%#x e=%#x i=%#x, expected %#x %#x %#x", d[0].permitted,
			d[0].effective, d[0].inheritable, WANT_P, WANT_E, WANT_I);
	if (prctl(PR_GET_KEEPCAPS) != 1)
		wl_fail("child: keep-caps securebit lost");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		wl_fail("child: no_new_privs lost");
}

int main(void)
{
	struct __user_cap_data_struct was[2], now[2];
	pid_t kid;

	wl_start("creds", 0);
	if (!get_caps(was))
		wl_fail_errno("capget");
	kid = wl_fork_sync(child, NULL);
	wl_ready();
	wl_wait_term();

	check_ids("parent", 0, 0, 0, 0, 0, 0);
	if (!get_caps(now) || memcmp(was, now, sizeof(was)) != 0)
		wl_fail("parent: capabilities changed (p=%#x:%#x, were %#x:%#x)", now[1].permitted,
			now[0].permitted, was[1].permitted, was[0].permitted);
	kill(kid, SIGTERM);
	wl_reap(kid, "child (uid 1001)");
	return wl_finish();
}
