// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-mangle IMAGE OUT N [--resign]: writes to OUT the Nth damaged copy of a
 * checkpoint image, for the restart's negative tests (cr-negative.sh), and
 * prints what it did. Even N truncate, odd N flip one bit; both walk the
 * image's records ({type, len} headers, 8-byte aligned, proto/ckpt_image.h)
 * so every part of the stream gets hit: record headers (type, len), record
 * bodies, padding, the trailer, and the empty image (N = 0).
 *
 * --resign then recomputes the trailer's checksum, so the damage reaches
 * the record validators instead of being caught by the checksum at the end
 * (a hostile image rather than a damaged one).
 *
 * wl-mangle IMAGE OUT xsave|vdso|release: a signed image as another machine
 * would have made it: needing xsave features (AMX) this CPU lacks, from a
 * kernel build with another vdso, or from another kernel release.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "ckpt_image.h"

#define MAX_RECORDS 65536

struct rec_pos {
	uint64_t offset;
	uint32_t type, len;
};

static struct rec_pos recs[MAX_RECORDS];

static unsigned char *read_all(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "wl-mangle: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && got < (size_t)st.st_size &&
	       (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	if (!buf || got != (size_t)st.st_size) {
		fprintf(stderr, "wl-mangle: cannot read %s\n", path);
		exit(2);
	}
	close(fd);
	*len = got;
	return buf;
}

/* Splits the image into records; stops at the first header that makes no sense. */
static int index_records(const unsigned char *img, size_t len)
{
	uint64_t off = 0;
	int n = 0;

	while (off + sizeof(struct ckpt_rec) <= len && n < MAX_RECORDS) {
		struct ckpt_rec h;

		memcpy(&h, img + off, sizeof(h));
		if (h.len < sizeof(h) || off + h.len > len)
			break;
		recs[n].offset = off;
		recs[n].type = h.type;
		recs[n].len = h.len;
		n++;
		off += ((uint64_t)h.len + 7) & ~7ULL;
	}
	return n;
}

/* Recomputes the trailer's checksum over everything before it. */
static void resign(unsigned char *img, size_t len, int nrec)
{
	const struct rec_pos *t = &recs[nrec - 1];
	struct ckpt_rec_trailer tr;

	if (t->type != CKPT_REC_TRAILER || t->len < sizeof(tr) || t->offset + sizeof(tr) > len) {
		printf("(not re-signed: the last record is not a whole trailer)\n");
		return;
	}
	memcpy(&tr, img + t->offset, sizeof(tr));
	tr.csum = XXH64(img, (size_t)t->offset, 0);
	memcpy(img + t->offset, &tr, sizeof(tr));
}

/* xsave, vdso, release: what another machine's image would say. */
static int foreign(unsigned char *img, size_t len, int nrec, const char *what)
{
	struct ckpt_rec_header h;
	struct ckpt_rec_container c;

	if (recs[0].type != CKPT_REC_HEADER || recs[1].type != CKPT_REC_CONTAINER ||
	    recs[0].len < sizeof(h) || recs[1].len < sizeof(c)) {
		fprintf(stderr, "wl-mangle: no header and container records at the start\n");
		return -1;
	}
	memcpy(&h, img + recs[0].offset, sizeof(h));
	memcpy(&c, img + recs[1].offset, sizeof(c));
	if (strcmp(what, "xsave") == 0) {
		/* AMX tile state (XCR0 bits 17, 18): no CPU QEMU emulates has it. */
		h.xsave_features |= (1ULL << 17) | (1ULL << 18);
		printf("header xsave_features set to %#llx\n",
		       (unsigned long long)h.xsave_features);
	} else if (strcmp(what, "vdso") == 0) {
		c.vdso_csum ^= 0x5a5a5a5a5a5a5a5aULL;
		printf("container vdso_csum set to %#llx\n", (unsigned long long)c.vdso_csum);
	} else if (strcmp(what, "release") == 0) {
		memset(h.kernel_release, 0, sizeof(h.kernel_release));
		strcpy(h.kernel_release, "6.1.0-0-other");
		printf("header kernel_release set to %s\n", h.kernel_release);
	} else {
		fprintf(stderr, "wl-mangle: unknown change '%s'\n", what);
		return -1;
	}
	memcpy(img + recs[0].offset, &h, sizeof(h));
	memcpy(img + recs[1].offset, &c, sizeof(c));
	resign(img, len, nrec);
	return 0;
}

static int write_out(const char *path, const unsigned char *img, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, img, len) != (ssize_t)len || close(fd) < 0) {
		fprintf(stderr, "wl-mangle: write %s: %s\n", path, strerror(errno));
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t len, cut;
	unsigned char *img;
	int nrec, n, k;
	const struct rec_pos *r;
	bool sign = argc == 5 && strcmp(argv[4], "--resign") == 0;

	if (argc != 4 && !sign) {
		fprintf(stderr,
			"usage: wl-mangle IMAGE OUT N [--resign] | IMAGE OUT xsave|vdso|release\n");
		return 2;
	}
	img = read_all(argv[1], &len);
	nrec = index_records(img, len);
	if (nrec < 2) {
		fprintf(stderr, "wl-mangle: %s: only %d records\n", argv[1], nrec);
		return 2;
	}
	if (argv[3][0] < '0' || argv[3][0] > '9') {
		if (foreign(img, len, nrec, argv[3]) < 0)
			return 2;
		return write_out(argv[2], img, len);
	}
	n = atoi(argv[3]);
	k = n / 2;
	/* Spread over the records; the multiplier visits them in a scattered order. */
	r = &recs[(k * 7919) % nrec];
	if (n % 2 == 0) {
		switch (k % 4) {
		case 0:
			cut = r->offset; /* a clean record boundary */
			break;
		case 1:
			cut = r->offset + 4; /* inside the header */
			break;
		case 2:
			cut = r->offset + r->len / 2; /* inside the body */
			break;
		default:
			cut = r->offset + r->len - 1; /* one byte short */
			break;
		}
		if (n == 0)
			cut = 0;
		if (cut >= len)
			cut = len - 1;
		printf("truncated to %zu of %zu bytes (record at byte %llu, type %u, len %u)\n",
		       cut, len, (unsigned long long)r->offset, r->type, r->len);
	} else {
		size_t at;
		int bit = (k * 3) % 8;

		switch (k % 4) {
		case 0:
			at = r->offset + (size_t)((k / 4) % 4); /* type */
			break;
		case 1:
			at = r->offset + 4 + (size_t)(k % 2) * 2; /* len */
			break;
		default:
			/* A body byte, at a different place each time. */
			at = r->len > 8 ? r->offset + 8 + (size_t)(k * 131) % (r->len - 8)
					: r->offset;
			break;
		}
		img[at] ^= (unsigned char)(1u << bit);
		if (sign)
			resign(img, len, nrec);
		cut = len;
		printf("bit %d of byte %zu flipped (record at byte %llu, type %u, len %u, %s)\n",
		       bit, at, (unsigned long long)r->offset, r->type, r->len,
		       at < r->offset + 4   ? "type"
		       : at < r->offset + 8 ? "len"
					    : "body");
	}
	return write_out(argv[2], img, cut);
}
