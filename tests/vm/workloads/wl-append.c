// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-append: an O_APPEND file written while the workload runs. After each
 * 32-byte record the fd is seeked back to 0, so a restart that lost
 * O_APPEND overwrites record 0 instead of appending. At the end the file
 * must hold exactly records 0..n-1, in order, and the fd still O_APPEND.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl.h"

#define REC 32

static void record(char *buf, unsigned int i)
{
	snprintf(buf, REC + 1, "record %010u %013x\n", i, i * 2654435761u);
}

int main(void)
{
	char path[320], want[REC + 1], got[REC];
	unsigned int n = 0;
	struct stat st;
	int fd, rd, fl;

	wl_start("append", 0);
	wl_path("log", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0) {
		wl_fail_errno("open %s", path);
		return wl_finish();
	}
	while (!wl_term) {
		record(want, n);
		if (write(fd, want, REC) != REC) {
			wl_fail_errno("append record %u", n);
			break;
		}
		n++;
		if (lseek(fd, 0, SEEK_SET) != 0)
			wl_fail_errno("lseek to 0");
		if (n == 10)
			wl_ready();
		wl_sleep_ms(20);
	}
	fl = fcntl(fd, F_GETFL);
	if (!(fl & O_APPEND))
		wl_fail("fd %d lost O_APPEND (flags %#o)", fd, fl);
	if (fstat(fd, &st) < 0 || st.st_size != (off_t)n * REC)
		wl_fail("%s is %lld bytes, expected %u records of %d", path, (long long)st.st_size,
			n, REC);
	rd = open(path, O_RDONLY);
	for (unsigned int i = 0; rd >= 0 && i < n; i++) {
		record(want, i);
		if (read(rd, got, REC) != REC || memcmp(got, want, REC) != 0) {
			wl_fail("record %u of %u is wrong: '%.*s'", i, n, REC - 1, got);
			break;
		}
	}
	if (rd < 0)
		wl_fail_errno("reopen %s", path);
	wl_note("%u records", n);
	return wl_finish();
}
