/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A client of ckpt-hostd's control socket, for `ckpt-host jobs`,
 * `ckpt-hostd --jobs` and the tests: one request, one reply, bounded.
 */
#pragma once

#include <stdio.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* path NULL: $CKPT_HOSTD_SOCKET, else /run/ckpt-hostd/control.sock. */
const char *hostd_client_default_path(void);

/* Sends {"execute":execute,"arguments":args} and returns the "return" object. */
JsonObject *hostd_client_call(const char *path, const char *execute, JsonObject *args,
			      guint timeout_ms, GError **error);

/* The jobs of a job-list reply as a table, newest last. */
void hostd_client_print_jobs(FILE *out, JsonArray *jobs);

G_END_DECLS
