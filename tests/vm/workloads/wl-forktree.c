// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-forktree: ten processes in two sessions and five process groups,
 * three levels deep:
 *
 *   init (1)                      session I, group I
 *   +- A       setsid()           session A, group A
 *   |  +- A1   setpgid(0, 0)      session A, group A1
 *   |  |  +- A1a                  session A, group A1
 *   |  +- A2                      session A, group A
 *   +- B       setpgid(0, 0)      session I, group B
 *   |  +- B1                      session I, group B
 *   |  +- B2   setpgid(0, 0)      session I, group B2
 *   |     +- B2a setpgid(0, B)    session I, group B (joins its uncle's group)
 *   +- C                          session I, group I
 *
 * A2 and C are cloned with exit signal SIGURG instead of SIGCHLD.
 * Each process records what it sees (pid, ppid, pgid, sid, its comm, its
 * parent-death signal, its children's exit signals) once the whole tree is
 * built, and checks it again
 * from inside on SIGTERM, which every parent forwards to its children
 * before reaping them: a child that fails exits 1 and says why in the
 * detail file. The init also checks its children's exit signals.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

#define MAX_KIDS 3

struct node {
	const char *name;
	int parent; /* index in tree[], -1 for init */
	enum { STAY, NEW_SESSION, NEW_GROUP, JOIN_B } group;
	int pdeath;	 /* PR_SET_PDEATHSIG value, 0 for none */
	int exit_signal; /* what its parent gets when it exits, 0 for SIGCHLD */
};

static const struct node tree[] = {
	{"init", -1, STAY, 0, 0},	  {"A", 0, NEW_SESSION, 0, 0},
	{"A1", 1, NEW_GROUP, SIGUSR1, 0}, {"A1a", 2, STAY, SIGUSR2, 0},
	{"A2", 1, STAY, 0, SIGURG},	  {"B", 0, NEW_GROUP, 0, 0},
	{"B1", 5, STAY, SIGHUP, 0},	  {"B2", 5, NEW_GROUP, 0, 0},
	{"B2a", 7, JOIN_B, 0, 0},	  {"C", 0, STAY, SIGWINCH, SIGURG},
};
#define NR_NODES (int)(sizeof(tree) / sizeof(tree[0]))

struct seen {
	pid_t pid, ppid, pgid, sid;
	int pdeath;
	char comm[16];
};

static int self; /* index of this process in tree[] */
static pid_t kids[MAX_KIDS];
static int kid_index[MAX_KIDS];
static int kid_exit_signal[MAX_KIDS]; /* from /proc/PID/stat once the tree is built */
static int nr_kids;
static pid_t b_pid;    /* B's pid, for B2a's setpgid */
static int go_pipe[2]; /* EOF once the tree is complete */

/* Field 38 of /proc/PID/stat: the signal the parent gets when pid exits. */
static int exit_signal_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	int field = 3, fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	for (p += 2; *p && field < 38; p++)
		field += *p == ' ';
	return field == 38 ? atoi(p) : -1;
}

static void record_kids(void)
{
	for (int i = 0; i < nr_kids; i++)
		kid_exit_signal[i] = exit_signal_of(kids[i]);
}

static void check_kids(void)
{
	for (int i = 0; i < nr_kids; i++) {
		int want =
			tree[kid_index[i]].exit_signal ? tree[kid_index[i]].exit_signal : SIGCHLD;
		int now = exit_signal_of(kids[i]);

		if (kid_exit_signal[i] != want)
			wl_fail("%s: exit_signal %d at setup, wanted %d", tree[kid_index[i]].name,
				kid_exit_signal[i], want);
		if (now != kid_exit_signal[i])
			wl_fail("%s: exit_signal %d, was %d", tree[kid_index[i]].name, now,
				kid_exit_signal[i]);
	}
}

static void look(struct seen *s)
{
	s->pid = getpid();
	s->ppid = getppid();
	s->pgid = getpgrp();
	s->sid = getsid(0);
	if (prctl(PR_GET_PDEATHSIG, &s->pdeath) < 0)
		s->pdeath = -1;
	if (prctl(PR_GET_NAME, s->comm) < 0)
		strcpy(s->comm, "?");
}

static void compare(const struct seen *was, const struct seen *now)
{
	const char *me = tree[self].name;

	if (now->pid != was->pid)
		wl_fail("%s: pid %d, was %d", me, now->pid, was->pid);
	if (now->ppid != was->ppid)
		wl_fail("%s: ppid %d, was %d", me, now->ppid, was->ppid);
	if (now->pgid != was->pgid)
		wl_fail("%s: pgid %d, was %d", me, now->pgid, was->pgid);
	if (now->sid != was->sid)
		wl_fail("%s: sid %d, was %d", me, now->sid, was->sid);
	if (now->pdeath != was->pdeath)
		wl_fail("%s: pdeath_signal %d, was %d", me, now->pdeath, was->pdeath);
	if (strcmp(now->comm, was->comm) != 0)
		wl_fail("%s: comm '%s', was '%s'", me, now->comm, was->comm);
}

/* The shape the table asks for, checked once at setup against what we see. */
static void check_shape(const struct seen *s, pid_t parent_pgid, pid_t parent_sid)
{
	const char *me = tree[self].name;

	switch (tree[self].group) {
	case NEW_SESSION:
		if (s->sid != s->pid || s->pgid != s->pid)
			wl_fail("%s: setsid gave sid %d pgid %d", me, s->sid, s->pgid);
		break;
	case NEW_GROUP:
		if (s->pgid != s->pid || s->sid != parent_sid)
			wl_fail("%s: setpgid gave pgid %d sid %d", me, s->pgid, s->sid);
		break;
	case JOIN_B:
		if (s->pgid != b_pid)
			wl_fail("%s: pgid %d, wanted B's %d", me, s->pgid, b_pid);
		break;
	case STAY:
		if (self && (s->pgid != parent_pgid || s->sid != parent_sid))
			wl_fail("%s: pgid %d sid %d, parent's %d %d", me, s->pgid, s->sid,
				parent_pgid, parent_sid);
		break;
	}
}

static void spawn_children(void);

#define B_INDEX 5

static void become(int index)
{
	char comm[16];

	self = index;
	if (index == B_INDEX)
		b_pid = getpid();
	nr_kids = 0;
	snprintf(comm, sizeof(comm), "wl-ft-%s", tree[index].name);
	prctl(PR_SET_NAME, comm);
	if (tree[index].pdeath && prctl(PR_SET_PDEATHSIG, tree[index].pdeath) < 0)
		wl_fail_errno("%s: PR_SET_PDEATHSIG", tree[index].name);
	switch (tree[index].group) {
	case NEW_SESSION:
		if (setsid() < 0)
			wl_fail_errno("%s: setsid", tree[index].name);
		break;
	case NEW_GROUP:
		if (setpgid(0, 0) < 0)
			wl_fail_errno("%s: setpgid(0, 0)", tree[index].name);
		break;
	case JOIN_B:
		if (setpgid(0, b_pid) < 0)
			wl_fail_errno("%s: setpgid(0, B=%d)", tree[index].name, b_pid);
		break;
	case STAY:
		break;
	}
	spawn_children();
}

/*
 * Every process holds go_pipe's write end until it has forked its own
 * children, so EOF means the whole tree is in place.
 */
static void wait_for_tree(void)
{
	char c;

	close(go_pipe[1]);
	while (read(go_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	close(go_pipe[0]);
}

static void run_node(pid_t parent_pgid, pid_t parent_sid)
{
	struct seen was, now;

	wait_for_tree();
	look(&was);
	record_kids();
	check_shape(&was, parent_pgid, parent_sid);
	wl_wait_term();
	check_kids();
	for (int i = 0; i < nr_kids; i++)
		kill(kids[i], SIGTERM);
	look(&now);
	compare(&was, &now);
	for (int i = 0; i < nr_kids; i++)
		wl_reap(kids[i], tree[kid_index[i]].name);
}

static void spawn_children(void)
{
	for (int i = 1; i < NR_NODES; i++) {
		pid_t my_pgid, my_sid, pid;

		if (tree[i].parent != self)
			continue;
		my_pgid = getpgrp();
		my_sid = getsid(0);
		/* fork(), but with the node's exit signal (a raw clone, as fork does it). */
		pid = (pid_t)syscall(SYS_clone, tree[i].exit_signal ? tree[i].exit_signal : SIGCHLD,
				     NULL, NULL, NULL, NULL);
		if (pid < 0) {
			wl_fail_errno("%s: fork %s", tree[self].name, tree[i].name);
			continue;
		}
		if (pid == 0) {
			become(i);
			run_node(my_pgid, my_sid);
			_exit(wl_failed() ? 1 : 0);
		}
		/* The parent sets the group too, so it holds before anyone looks. */
		if (tree[i].group == NEW_GROUP)
			setpgid(pid, pid);
		kid_index[nr_kids] = i;
		kids[nr_kids++] = pid;
	}
}

int main(void)
{
	struct seen was, now;

	wl_start("forktree", 0);
	/* The container's init is not a group leader in its namespace: make a session. */
	if (setsid() < 0 && errno != EPERM)
		wl_fail_errno("init: setsid");
	if (pipe(go_pipe) < 0) {
		wl_fail_errno("pipe");
		return wl_finish();
	}
	self = 0;
	prctl(PR_SET_NAME, "wl-ft-init");
	spawn_children();
	wait_for_tree();
	look(&was);
	record_kids();
	wl_ready();
	wl_wait_term();
	check_kids();
	for (int i = 0; i < nr_kids; i++)
		kill(kids[i], SIGTERM);
	look(&now);
	compare(&was, &now);
	for (int i = 0; i < nr_kids; i++)
		wl_reap(kids[i], tree[kid_index[i]].name);
	wl_note("%d processes", NR_NODES);
	return wl_finish();
}
