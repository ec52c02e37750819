/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The directory of a domain's sockets (the bridge's vhost-user and hybrid
 * sockets, the push listener next to them): QEMU runs as libvirt-qemu,
 * group kvm, and must connect to the vhost-user socket, so a directory we
 * create belongs to group kvm, mode 2750 (as ckpt-vsockd@.service's
 * RuntimeDirectory). An existing directory is left as its owner made it.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* QEMU's group (kvm) when we run as root and it exists, else -1. */
gid_t hostd_qemu_gid(void);

/* Makes the directory of socket path `path` if missing; failures are logged. */
void hostd_socket_dir_make(const char *path);

G_END_DECLS
