/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the ckpt-hostd unit tests: the real daemon and hook as
 * subprocesses (paths from CKPT_HOSTD, CKPT_LIBVIRT_HOOK, CKPT_VSOCKD),
 * domain XML with our metadata, timed hook runs.
 */
#pragma once

#include <gio/gio.h>

typedef struct {
	char *dir; /* temp dir: control socket, store, bridge sockets */
	char *control;
	char *store;
	GSubprocess *proc;
} TestDaemon;

/* Starts ckpt-hostd --no-libvirt in a new temp dir with extra args; waits for its socket. */
TestDaemon *test_daemon_start(const char *const *extra_args);
void test_daemon_stop(TestDaemon *d);

/* A domain XML: name, then the inside of <ckpt:ckpt> (may be NULL: no metadata). */
char *test_domain_xml(const char *name, const char *ckpt_inner);

typedef struct {
	int status; /* exit status */
	char *out, *err;
	gint64 elapsed_ms;
} HookRun;

/*
 * Runs the hook with argv (object operation sub extra), xml on stdin
 * (NULL: stdin left open and never written, for a stuck libvirt), socket path.
 */
void test_run_hook(const char *socket_path, const char *const *argv4, const char *xml, HookRun *r);
void hook_run_clear(HookRun *r);

/* One control call, asserting success; returns the "return" object. */
JsonObject *test_call(TestDaemon *d, const char *execute, JsonObject *args);
