// SPDX-License-Identifier: GPL-2.0-only
/*
 * cr-bench-wl: the checkpoint/restart benchmark's workload (bench/cr-bench).
 *
 *   cr-bench-wl DIR NAME MIB
 *
 * Maps MIB MiB of private anonymous memory and writes every byte of it with a
 * pattern that is never zero, so no page is a zero page and every page lands
 * in an image. MIB 0 gives the small container: a counter and nothing else.
 * Then it writes DIR/NAME.ready ("pid P hash H") and counts, once every 10 ms,
 * keeping n and the sum 1+2+...+n in memory.
 *
 * On SIGUSR1 (sent after a restart) it checks that the memory still holds
 * the pattern (same hash as at ready, else the first wrong byte) and that
 * sum == n(n+1)/2, then writes DIR/NAME.check: "ok hash H n N" or
 * "bad REASON". Both files appear atomically (written, then renamed).
 * SIGTERM ends it. Every fd but stdin, stdout and stderr is closed at
 * start. The same program runs under ckpt (as a container's init) and under
 * CRIU (as a plain process in its own session), so both see the same work.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024)
#define SEED 0x63722d62656e6368ULL

static volatile sig_atomic_t check_asked, term_asked;

static const char *dir, *name;

static void on_usr1(int sig __attribute__((unused)))
{
	check_asked = 1;
}

static void on_term(int sig __attribute__((unused)))
{
	term_asked = 1;
}

/* splitmix64, with the low bit set: no word, so no page, is ever zero. */
static uint64_t pattern_word(uint64_t index)
{
	uint64_t z = SEED + (index + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

static void fill(uint64_t *mem, size_t words)
{
	for (size_t i = 0; i < words; i++)
		mem[i] = pattern_word(i);
}

static uint64_t hash(const uint64_t *mem, size_t words)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ words;

	for (size_t i = 0; i < words; i++)
		h = (h ^ mem[i]) * 0x100000001b3ULL;
	return h;
}

/* Byte offset of the first word that is not the pattern's, or -1. */
static long first_bad_offset(const uint64_t *mem, size_t words)
{
	for (size_t i = 0; i < words; i++)
		if (mem[i] != pattern_word(i))
			return (long)(i * 8);
	return -1;
}

/* DIR/NAME.SUFFIX := the formatted line, through a temporary and a rename. */
__attribute__((format(printf, 2, 3))) static int write_state(const char *suffix, const char *fmt,
							     ...)
{
	char path[4096], tmp[4200];
	va_list ap;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, suffix);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "cr-bench-wl: cannot create %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ok = fclose(f) == 0;
	if (!ok || rename(tmp, path) != 0) {
		fprintf(stderr, "cr-bench-wl: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void install(int sig, void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler};

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0) {
		fprintf(stderr, "cr-bench-wl: sigaction %d: %s\n", sig, strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
	uint64_t *mem = NULL, ready_hash, now_hash, n = 0, sum = 0;
	size_t words;
	char *end;
	unsigned long mib;

	if (argc != 4) {
		fprintf(stderr, "usage: cr-bench-wl DIR NAME MIB\n");
		return 2;
	}
	dir = argv[1];
	name = argv[2];
	errno = 0;
	mib = strtoul(argv[3], &end, 10);
	if (errno || *end || end == argv[3] || mib > 1024 * 1024) {
		fprintf(stderr, "cr-bench-wl: MIB %s: not a size in MiB\n", argv[3]);
		return 2;
	}
	/*
	 * Whatever the starting shell left open beyond stdio (the test
	 * harness's results channel, a tty) is not the workload's: `ckpt run`
	 * closes it, and CRIU would refuse to dump a tty it cannot restore.
	 */
	close_range(3, ~0U, 0);
	install(SIGUSR1, on_usr1);
	install(SIGTERM, on_term);

	words = mib * MIB / 8;
	if (words) {
		mem = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			   0);
		if (mem == MAP_FAILED) {
			fprintf(stderr, "cr-bench-wl: cannot map %lu MiB: %s\n", mib,
				strerror(errno));
			return 1;
		}
		fill(mem, words);
	}
	ready_hash = hash(mem, words);
	if (write_state("ready", "pid %d hash %016llx\n", (int)getpid(),
			(unsigned long long)ready_hash) != 0)
		return 1;

	while (!term_asked) {
		n++;
		sum += n;
		nanosleep(&tick, NULL);
		if (!check_asked)
			continue;
		check_asked = 0;
		now_hash = hash(mem, words);
		if (now_hash != ready_hash)
			write_state("check",
				    "bad hash %016llx, expected %016llx; first bad byte at %ld\n",
				    (unsigned long long)now_hash, (unsigned long long)ready_hash,
				    first_bad_offset(mem, words));
		else if (sum != n * (n + 1) / 2)
			write_state("check", "bad sum 1..%llu is %llu\n", (unsigned long long)n,
				    (unsigned long long)sum);
		else
			write_state("check", "ok hash %016llx n %llu\n",
				    (unsigned long long)now_hash, (unsigned long long)n);
	}
	return 0;
}
