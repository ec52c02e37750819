/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where vsock-test connects or listens:
 *   vsock:CID:PORT     AF_VSOCK (in a guest: CID 2 is the host, 1 is loopback)
 *   vsock:PORT         listen on AF_VSOCK, any CID
 *   hybrid:PATH:PORT   through ckpt-vsockd's host socket ("CONNECT PORT\n")
 *   unix:PATH          a plain Unix socket (a host listener at UDS_PATH_P)
 */
#pragma once

#include <stddef.h>

enum endpoint_kind { EP_VSOCK, EP_HYBRID, EP_UNIX };

struct endpoint {
	enum endpoint_kind kind;
	unsigned int cid;
	unsigned int port;
	char path[108];
};

int endpoint_parse(const char *spec, struct endpoint *ep);
/*
 * Returns a connected fd, or -1 with a reason in why. *refused tells a
 * refusal by the other end (nobody listens) from other failures.
 */
int endpoint_connect(const struct endpoint *ep, int *refused, char *why, size_t why_len);
int endpoint_listen(const struct endpoint *ep, char *why, size_t why_len);
