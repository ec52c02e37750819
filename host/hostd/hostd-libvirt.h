/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckpt-hostd's libvirt connection: lifecycle events (started, stopped)
 * for domains whose hook events were missed (hook not installed, daemon
 * restarted), and the running domains adopted at connect. libvirt's
 * default event loop runs in its own thread; events go to the main loop.
 * The connection is reopened when libvirtd restarts.
 */
#pragma once

#include "hostd.h"

G_BEGIN_DECLS

HostdLibvirt *hostd_libvirt_new(Hostd *h, const char *uri);
void hostd_libvirt_start(HostdLibvirt *v);
void hostd_libvirt_free(HostdLibvirt *v);

G_END_DECLS
