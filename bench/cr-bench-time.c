// SPDX-License-Identifier: GPL-2.0-only
/*
 * cr-bench-time: wall time of one command, for bench/cr-bench.sh.
 *
 *   cr-bench-time OUT CMD [ARGS...]
 *
 * Runs CMD, waits for it and writes its wall time in seconds (CLOCK_MONOTONIC,
 * nanosecond resolution, "%.6f") to the file OUT. The guest's busybox has no
 * sub-second clock worth timing a small container's restart with. Exits
 * with CMD's status (128+N if a signal N killed it, 127 if it cannot run).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double start, elapsed;
	int status;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: cr-bench-time OUT CMD [ARGS...]\n");
		return 2;
	}
	start = now_s();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cr-bench-time: fork for %s: %s\n", argv[2], strerror(errno));
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "cr-bench-time: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "cr-bench-time: waiting for %s: %s\n", argv[2],
				strerror(errno));
			return 127;
		}
	}
	elapsed = now_s() - start;

	out = fopen(argv[1], "w");
	if (!out || fprintf(out, "%.6f\n", elapsed) < 0 || fclose(out) != 0) {
		fprintf(stderr, "cr-bench-time: cannot write %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
