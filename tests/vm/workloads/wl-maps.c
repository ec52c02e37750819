// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-maps: the shape of the address space, beyond plain anonymous memory.
 *  - A private RW mapping of DIR/maps.dat (16 pages) with pages 2 and 9
 *    written (copy-on-write: private copies), the rest reading the file;
 *    a second, read-only private mapping of pages 4-7.
 *  - The exe's own .data (a static variable changed at run time), brk grown
 *    by 300 KiB with a pattern, a large malloc (its own mmap), a stack
 *    buffer.
 *  - MADV_DONTFORK and MADV_WIPEONFORK regions: a child forked after the
 *    restart must not see the first and must see zeros in the second.
 *  - The mm fields: /proc/self/stat (code, data, brk, stack, arg and env
 *    bounds), /proc/self/auxv, cmdline, environ and exe, the vdso address,
 *    and /proc/self/maps line by line (ranges, rights, offsets and names;
 *    not device and inode, which a new boot may change).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

#define PAGE 4096UL
#define FILE_PAGES 16
#define SEED_FILE 0xf11eULL
#define SEED_COW 0xc0c0ULL
#define BRK_LEN (300 * 1024)
#define BIG_LEN (200 * 1024)

static volatile int data_var = 5;

struct snapshot {
	char stat_fields[512];
	char auxv[1024];
	size_t auxv_len;
	char cmdline[256], environ[4096];
	size_t cmdline_len, environ_len;
	char exe[256];
	char maps[16384];
};

static size_t read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		wl_fail_errno("open %s", path);
		return 0;
	}
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* /proc/self/stat fields 26-28 and 45-51: the mm's code, stack, data, brk, arg and env bounds. */
static void stat_fields(char *out, size_t len)
{
	char buf[1024], *p;
	int field = 2;

	read_file("/proc/self/stat", buf, sizeof(buf));
	p = strrchr(buf, ')');
	out[0] = '\0';
	if (!p)
		return;
	for (p += 2; *p; field++) {
		char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if ((field >= 26 && field <= 28) || (field >= 45 && field <= 51)) {
			strncat(out, p, n < len - strlen(out) - 2 ? n : 0);
			strcat(out, " ");
		}
		if (!end)
			break;
		p = end + 1;
	}
}

/* maps without the device and inode columns. */
static void read_maps(char *out, size_t len)
{
	static char raw[16384];
	char *line, *save;

	read_file("/proc/self/maps", raw, sizeof(raw));
	out[0] = '\0';
	for (line = strtok_r(raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char range[64], perms[8], off[32], dev[16], name[256] = "";
		unsigned long ino;

		if (sscanf(line, "%63s %7s %31s %15s %lu %255[^\n]", range, perms, off, dev, &ino,
			   name) < 5)
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s %s %s %s\n", range, perms, off,
			 name[0] == ' ' ? name + strspn(name, " ") : name);
	}
}

static void snap(struct snapshot *s)
{
	ssize_t n;

	stat_fields(s->stat_fields, sizeof(s->stat_fields));
	s->auxv_len = read_file("/proc/self/auxv", s->auxv, sizeof(s->auxv));
	s->cmdline_len = read_file("/proc/self/cmdline", s->cmdline, sizeof(s->cmdline));
	s->environ_len = read_file("/proc/self/environ", s->environ, sizeof(s->environ));
	n = readlink("/proc/self/exe", s->exe, sizeof(s->exe) - 1);
	s->exe[n > 0 ? n : 0] = '\0';
	read_maps(s->maps, sizeof(s->maps));
}

static void first_diff_line(const char *a, const char *b)
{
	while (*a && *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		if (la != lb || memcmp(a, b, la) != 0) {
			wl_fail("maps: '%.*s' is now '%.*s'", (int)la, a, (int)lb, b);
			return;
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
	}
	wl_fail("maps: '%.*s' is now '%.*s'", (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

static void compare(const struct snapshot *was, const struct snapshot *now)
{
	if (strcmp(was->stat_fields, now->stat_fields) != 0)
		wl_fail("mm fields (stat 26-28,45-51) '%s', were '%s'", now->stat_fields,
			was->stat_fields);
	if (was->auxv_len != now->auxv_len || memcmp(was->auxv, now->auxv, was->auxv_len) != 0)
		wl_fail("auxv changed (%zu bytes, was %zu)", now->auxv_len, was->auxv_len);
	if (was->cmdline_len != now->cmdline_len ||
	    memcmp(was->cmdline, now->cmdline, was->cmdline_len) != 0)
		wl_fail("cmdline changed");
	if (was->environ_len != now->environ_len ||
	    memcmp(was->environ, now->environ, was->environ_len) != 0)
		wl_fail("environ changed");
	if (strcmp(was->exe, now->exe) != 0)
		wl_fail("exe '%s', was '%s'", now->exe, was->exe);
	if (strcmp(was->maps, now->maps) != 0)
		first_diff_line(was->maps, now->maps);
}

static bool mapped(void *p)
{
	unsigned char v;

	return mincore(p, PAGE, &v) == 0;
}

int main(void)
{
	static struct snapshot was, now;
	unsigned char stack_buf[32 * 1024], page[PAGE];
	unsigned char *file_map, *ro_map, *brk_area, *big, *dontfork, *wipe;
	void *brk_end;
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
	char path[320];
	pid_t kid;
	int fd, status;

	wl_start("maps", 0);
	wl_path("dat", path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (int p = 0; fd >= 0 && p < FILE_PAGES; p++) {
		wl_fill(page, PAGE, SEED_FILE + (uint64_t)p);
		if (write(fd, page, PAGE) != PAGE)
			wl_fail_errno("write %s", path);
	}
	file_map = mmap(NULL, FILE_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ro_map = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE, fd, 4 * PAGE);
	brk_area = sbrk(BRK_LEN);
	big = malloc(BIG_LEN);
	dontfork = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	wipe = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || file_map == MAP_FAILED || ro_map == MAP_FAILED || brk_area == (void *)-1 ||
	    !big || dontfork == MAP_FAILED || wipe == MAP_FAILED ||
	    madvise(dontfork, 4 * PAGE, MADV_DONTFORK) < 0 ||
	    madvise(wipe, 4 * PAGE, MADV_WIPEONFORK) < 0) {
		wl_fail_errno("set up the mappings");
		return wl_finish();
	}
	close(fd);
	wl_fill(file_map + 2 * PAGE, PAGE, SEED_COW + 2);
	wl_fill(file_map + 9 * PAGE, PAGE, SEED_COW + 9);
	wl_fill(brk_area, BRK_LEN, 0xb4cULL);
	wl_fill(big, BIG_LEN, 0xb16ULL);
	wl_fill(stack_buf, sizeof(stack_buf), 0x57acULL);
	wl_fill(dontfork, 4 * PAGE, 0xd0fULL);
	wl_fill(wipe, 4 * PAGE, 0x319eULL);
	data_var = 77;
	brk_end = sbrk(0);
	snap(&was);
	wl_ready();
	wl_wait_term();
	snap(&now);

	compare(&was, &now);
	for (int p = 0; p < FILE_PAGES; p++) {
		uint64_t seed =
			(p == 2 || p == 9) ? SEED_COW + (uint64_t)p : SEED_FILE + (uint64_t)p;
		long bad = wl_check_fill(file_map + p * PAGE, PAGE, seed);

		if (bad >= 0)
			wl_fail("file mapping page %d (%s) wrong at byte %ld", p,
				(p == 2 || p == 9) ? "private copy" : "file", bad);
	}
	for (int p = 0; p < 4; p++)
		if (wl_check_fill(ro_map + p * PAGE, PAGE, SEED_FILE + 4 + (uint64_t)p) >= 0)
			wl_fail("read-only file mapping page %d wrong", p);
	if (data_var != 77)
		wl_fail(".data variable %d, expected 77", data_var);
	if (sbrk(0) != brk_end)
		wl_fail("brk %p, was %p", sbrk(0), brk_end);
	if (wl_check_fill(brk_area, BRK_LEN, 0xb4cULL) >= 0)
		wl_fail("brk area contents wrong");
	if (wl_check_fill(big, BIG_LEN, 0xb16ULL) >= 0)
		wl_fail("malloc'd block contents wrong");
	if (wl_check_fill(stack_buf, sizeof(stack_buf), 0x57acULL) >= 0)
		wl_fail("stack buffer contents wrong");
	if (getauxval(AT_SYSINFO_EHDR) != vdso)
		wl_fail("AT_SYSINFO_EHDR %#lx, was %#lx", getauxval(AT_SYSINFO_EHDR), vdso);
	if (wl_check_fill(dontfork, 4 * PAGE, 0xd0fULL) >= 0 ||
	    wl_check_fill(wipe, 4 * PAGE, 0x319eULL) >= 0)
		wl_fail("MADV_DONTFORK/WIPEONFORK region contents wrong in the parent");
	kid = fork();
	if (kid == 0) {
		if (mapped(dontfork))
			_exit(3);
		for (size_t i = 0; i < 4 * PAGE; i++)
			if (wipe[i])
				_exit(4);
		_exit(0);
	}
	if (kid < 0 || waitpid(kid, &status, 0) != kid)
		wl_fail_errno("fork/wait the madvise checker");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
		wl_fail("MADV_DONTFORK region is mapped in a child forked after the restart");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		wl_fail("MADV_WIPEONFORK region not zero in a child forked after the restart");
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		wl_fail("madvise checker child status %#x", status);
	return wl_finish();
}
