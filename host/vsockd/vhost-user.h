/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user backend side (QEMU docs/interop/vhost-user.rst): a Unix
 * socket QEMU connects to with -chardev socket,path=... and
 * -device vhost-user-vsock-pci. One QEMU at a time; when it goes away the
 * guest is forgotten and the next connection (a restarted or reconnecting
 * QEMU) starts from scratch.
 */
#pragma once

#include "vsock-device.h"

#include <glib.h>

typedef struct VhostUserServer VhostUserServer;

VhostUserServer *vhost_user_server_new(VsockDevice *dev, const char *path, GError **error);
/* Drops QEMU, closes the listener and removes the socket file. */
void vhost_user_server_free(VhostUserServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VhostUserServer, vhost_user_server_free)

gboolean vhost_user_server_connected(const VhostUserServer *server);
