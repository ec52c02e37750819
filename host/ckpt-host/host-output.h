/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How results and errors leave ckpt-host. With --json, stdout carries
 * exactly one object: the command's result, or {"error": {"class",
 * "desc"}} when it failed. Without it, results are printed for people and
 * errors go to stderr as "ckpt-host COMMAND: message".
 */
#pragma once

#include "host-context.h"

G_BEGIN_DECLS

typedef void (*HostHumanFunc)(HostContext *ctx, JsonObject *result);

/* The result: JSON, or human() unless -q. Returns 0 (the exit status). */
int host_output_result(HostContext *ctx, JsonObject *result, HostHumanFunc human);
/* The error on stderr (and as JSON on stdout with --json). Returns 1. */
int host_output_error(HostContext *ctx, const GError *error);
/* A message on stderr unless -q or --json (warnings, progress lines). */
void host_output_note(HostContext *ctx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* "12.3 MiB" */
char *host_format_bytes(guint64 bytes);
/* MiB per second; 0 for no time. */
double host_mib_per_s(guint64 bytes, gint64 usec);

/* Member accessors that tolerate a missing or null member. */
const char *host_json_str(JsonObject *o, const char *member, const char *dflt);
gint64 host_json_int(JsonObject *o, const char *member, gint64 dflt);
JsonObject *host_json_obj(JsonObject *o, const char *member);

G_END_DECLS
