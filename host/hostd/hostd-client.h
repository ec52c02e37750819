/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A client of ckpt-hostd's control socket, for the tests (`ckpt-host jobs`
 * uses the agent client, which speaks the same lines): one request, one
 * reply, bounded. Also the socket's default path, for the daemon.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* path NULL: $CKPT_HOSTD_SOCKET, else /run/ckpt-hostd/control.sock. */
const char *hostd_client_default_path(void);

/* Sends {"execute":execute,"arguments":args} and returns the "return" object. */
JsonObject *hostd_client_call(const char *path, const char *execute, JsonObject *args,
			      guint timeout_ms, GError **error);

/* The jobs of a job-list reply as a table, newest last. */
G_END_DECLS
