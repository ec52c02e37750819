/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckpt-host's own errors, and the class every error is reported with in
 * --json output ({"error": {"class", "desc"}}): the agent's classes for
 * what the agent said, and these for what went wrong on the host.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HOST_ERROR (host_error_quark())
GQuark host_error_quark(void);

typedef enum {
	HOST_ERROR_USAGE,	/* a bad option or operand value */
	HOST_ERROR_LIBVIRT,	/* the libvirt connection or a domain lookup failed */
	HOST_ERROR_NO_DOMAIN,	/* no such domain, or it is not running */
	HOST_ERROR_EXISTS,	/* an output file exists (no --force) */
	HOST_ERROR_VERIFY,	/* a sha256 or length differs between two ends */
	HOST_ERROR_INTERRUPTED, /* SIGINT or SIGTERM */
	HOST_ERROR_MIGRATE, /* a migration step failed; the message says where the container is */
	HOST_ERROR_FAILED,
} HostError;

/* "usage", "agent:busy", "transport:unreachable", "store:checksum", "io", ... */
char *host_error_class(const GError *error);

G_END_DECLS
