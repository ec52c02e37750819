// SPDX-License-Identifier: GPL-2.0-only
#include "endpoint.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 0xffffffffUL)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int endpoint_parse(const char *spec, struct endpoint *ep)
{
	const char *colon;

	memset(ep, 0, sizeof(*ep));
	if (strncmp(spec, "vsock:", 6) == 0) {
		ep->kind = EP_VSOCK;
		ep->cid = VMADDR_CID_ANY;
		spec += 6;
		colon = strchr(spec, ':');
		if (colon) {
			char cid[16];

			if ((size_t)(colon - spec) >= sizeof(cid))
				return -1;
			memcpy(cid, spec, (size_t)(colon - spec));
			cid[colon - spec] = '\0';
			if (parse_uint(cid, &ep->cid))
				return -1;
			spec = colon + 1;
		}
		return parse_uint(spec, &ep->port);
	}
	if (strncmp(spec, "hybrid:", 7) == 0) {
		ep->kind = EP_HYBRID;
		spec += 7;
		colon = strrchr(spec, ':');
		if (!colon || (size_t)(colon - spec) >= sizeof(ep->path))
			return -1;
		memcpy(ep->path, spec, (size_t)(colon - spec));
		return parse_uint(colon + 1, &ep->port);
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		ep->kind = EP_UNIX;
		if (strlen(spec + 5) >= sizeof(ep->path))
			return -1;
		strcpy(ep->path, spec + 5);
		return 0;
	}
	return -1;
}

static int unix_connect(const char *path, int *refused, char *why, size_t why_len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		*refused = errno == ECONNREFUSED || errno == ENOENT;
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Read the daemon's answer one byte at a time: what follows is the stream. */
static int hybrid_handshake(int fd, unsigned int port, int *refused, char *why, size_t why_len)
{
	char line[80];
	size_t len = 0;
	int n;

	n = snprintf(line, sizeof(line), "CONNECT %u\n", port);
	if (write(fd, line, (size_t)n) != n) {
		snprintf(why, why_len, "sending CONNECT: %s", strerror(errno));
		return -1;
	}
	while (len < sizeof(line) - 1) {
		ssize_t r = read(fd, line + len, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*refused = 1;
			snprintf(why, why_len, "port %u: closed before OK (%s)", port,
				 r < 0 ? strerror(errno) : "EOF");
			return -1;
		}
		if (line[len] == '\n') {
			line[len] = '\0';
			if (strncmp(line, "OK ", 3) == 0)
				return 0;
			*refused = strncmp(line, "ERR refused", 11) == 0;
			snprintf(why, why_len, "port %u: %s", port, line);
			return -1;
		}
		len++;
	}
	snprintf(why, why_len, "port %u: answer too long", port);
	return -1;
}

int endpoint_connect(const struct endpoint *ep, int *refused, char *why, size_t why_len)
{
	int fd;

	*refused = 0;
	switch (ep->kind) {
	case EP_VSOCK: {
		struct sockaddr_vm addr = {
			.svm_family = AF_VSOCK,
			.svm_cid = ep->cid,
			.svm_port = ep->port,
		};

		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(why, why_len, "AF_VSOCK socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			*refused = errno == ECONNRESET || errno == ECONNREFUSED;
			snprintf(why, why_len, "vsock CID %u port %u: %s", ep->cid, ep->port,
				 strerror(errno));
			close(fd);
			return -1;
		}
		return fd;
	}
	case EP_HYBRID:
		fd = unix_connect(ep->path, refused, why, why_len);
		*refused = 0; /* a missing daemon is not a refusal by the guest */
		if (fd < 0)
			return -1;
		if (hybrid_handshake(fd, ep->port, refused, why, why_len) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	case EP_UNIX:
		return unix_connect(ep->path, refused, why, why_len);
	}
	return -1;
}

int endpoint_listen(const struct endpoint *ep, char *why, size_t why_len)
{
	int fd;

	if (ep->kind == EP_VSOCK) {
		struct sockaddr_vm addr = {
			.svm_family = AF_VSOCK,
			.svm_cid = ep->cid,
			.svm_port = ep->port,
		};

		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
		    listen(fd, 64) < 0) {
			snprintf(why, why_len, "vsock port %u: %s", ep->port, strerror(errno));
			return -1;
		}
		return fd;
	}
	if (ep->kind == EP_UNIX) {
		struct sockaddr_un addr = {.sun_family = AF_UNIX};

		memcpy(addr.sun_path, ep->path, sizeof(addr.sun_path) - 1);
		unlink(ep->path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
		    listen(fd, 64) < 0) {
			snprintf(why, why_len, "%s: %s", ep->path, strerror(errno));
			return -1;
		}
		return fd;
	}
	snprintf(why, why_len, "cannot listen on a hybrid endpoint");
	return -1;
}
