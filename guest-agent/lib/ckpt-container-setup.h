/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The view a container has of the machine, made by its init right after
 * clone3 created it in new mount, uts, ipc and pid namespaces, before
 * anything else runs in them. `ckpt run` and `ckpt restart` both apply it,
 * so a restarted container finds the paths its files were opened by.
 *
 *  - mounts become private, so nothing propagates back to the guest;
 *  - without a rootfs: a fresh /proc for the new pid namespace;
 *  - with a rootfs: the rootfs bind-mounted on itself, /proc, a tmpfs /dev
 *    with null, zero, full, random, urandom and /dev/shm, the log file
 *    (if any) bind-mounted at the same path as in the guest, then
 *    pivot_root into it (or, when the guest's root is the initramfs,
 *    which cannot be pivoted, a move of the rootfs onto / and chroot);
 *  - hostname and domainname.
 *
 * It runs in the child of a clone3 that may come from a multi-threaded
 * process, so it only makes system calls and formats its error into the
 * caller's buffer: no allocation, no stdio.
 */
#ifndef CKPT_CONTAINER_SETUP_H
#define CKPT_CONTAINER_SETUP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *rootfs;	/* absolute; NULL: keep the guest's root */
	const char *hostname;	/* NULL: leave it */
	const char *domainname; /* NULL: leave it */
	const char *log_path;	/* with a rootfs: the guest file to show at the same path */
} CkptContainerSetup;

/* Returns false with the reason in err ("mount /proc: Operation not permitted"). */
bool ckpt_container_setup_apply(const CkptContainerSetup *setup, char *err, size_t err_len);

#endif /* CKPT_CONTAINER_SETUP_H */
