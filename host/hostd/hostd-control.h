/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket (/run/ckpt-hostd/control.sock, mode 0600): newline
 * JSON, one request per line, one reply per request, in order.
 *
 *   {"execute":"hook","arguments":{"object":"vmA","operation":"prepare",
 *        "sub-operation":"begin","extra":"-","xml":"<domain>..."}}
 *     -> {"return":{}}  or  {"error":{"class":"refused","desc":"..."}}
 *        ("refused" only at prepare begin when the managed bridge could not
 *        start: the hook then fails the domain's start, with desc as reason)
 *   {"execute":"job-list"} -> {"return":{"jobs":[{"id","type","domain","container",
 *        "state","created","elapsed-ms","error","result"}]}}
 *   {"execute":"ping"} -> {"return":{"version":"..."}}
 */
#pragma once

#include "hostd.h"

G_BEGIN_DECLS

HostdControl *hostd_control_new(Hostd *h, const char *path, GError **error);
void hostd_control_free(HostdControl *c);

G_END_DECLS
