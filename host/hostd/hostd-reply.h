/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reply lines of ckpt-hostd's line protocols (control socket, push
 * connections): {"return": {...}} or {"error": {"class", "desc"}}, with the
 * newline, as the agent's protocol has them.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ret may be NULL ({}); taken. */
char *hostd_reply_return(JsonObject *ret);
char *hostd_reply_error(const char *klass, const char *desc);

/* The request line's "execute" and "arguments" (NULL if absent); FALSE with the reply to send. */
gboolean hostd_request_parse(const char *line, char **execute, JsonObject **args, char **reply);

/* A string argument; NULL when absent. FALSE (and *reply) when it is not a string. */
gboolean hostd_arg_string(JsonObject *args, const char *name, gboolean required, const char **value,
			  char **reply);

G_END_DECLS
