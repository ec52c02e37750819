// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-rawckpt PID [FILE]: calls CKPT_IOC_CHECKPOINT on PID directly, without
 * freezing anything first (`ckpt checkpoint` always freezes), so a scenario
 * can check the module's own refusal of a running container. The image
 * goes to FILE (default /dev/null). Prints the module's error text and
 * exits 1 on failure; prints the image size and exits 0 on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ckpt_uapi.h"

int main(int argc, char **argv)
{
	char err[CKPT_ERRBUF_MAX] = "";
	struct ckpt_ioc_handshake hs = {
		.size = sizeof(hs),
		.api_version = CKPT_API_VERSION,
		.errbuf = (uintptr_t)err,
		.errbuf_len = sizeof(err),
	};
	struct ckpt_ioc_checkpoint c = {
		.size = sizeof(c),
		.errbuf = (uintptr_t)err,
		.errbuf_len = sizeof(err),
	};
	const char *out = argc > 2 ? argv[2] : "/dev/null";
	int dev, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: wl-rawckpt PID [FILE]\n");
		return 2;
	}
	dev = open("/dev/" CKPT_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "wl-rawckpt: open /dev/%s: %s\n", CKPT_DEVICE_NAME,
			strerror(errno));
		return 2;
	}
	if (ioctl(dev, CKPT_IOC_HANDSHAKE, &hs) < 0) {
		fprintf(stderr, "wl-rawckpt: handshake: %s: %s\n", strerror(errno), err);
		return 2;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "wl-rawckpt: open %s: %s\n", out, strerror(errno));
		return 2;
	}
	c.pid = atoi(argv[1]);
	c.fd = fd;
	if (ioctl(dev, CKPT_IOC_CHECKPOINT, &c) < 0) {
		fprintf(stderr, "wl-rawckpt: checkpoint of pid %d: %s: %s\n", c.pid,
			strerror(errno), err[0] ? err : "(no error text)");
		return 1;
	}
	printf("wl-rawckpt: pid %d: %llu bytes written to %s\n", c.pid,
	       (unsigned long long)c.bytes_written, out);
	return 0;
}
