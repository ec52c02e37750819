// SPDX-License-Identifier: GPL-2.0-only
/* The ready/fail/result side of the workload protocol (wl.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wl.h"

volatile sig_atomic_t wl_term;

static const char *wl_name = "unnamed";
static char wl_directory[256] = "/tmp/wl";
static char note[256];
static bool failed_here;

static void on_term(int sig)
{
	wl_term = 1;
}

const char *wl_dir(void)
{
	return wl_directory;
}

const char *wl_path(const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", wl_directory, wl_name, suffix);
	return buf;
}

/* Writes text to DIR/NAME.SUFFIX through a rename, so readers see all or nothing. */
static void write_atomic(const char *suffix, const char *text)
{
	char path[320], tmp[340];
	int fd;

	wl_path(suffix, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) < 0 ||
	    close(fd) < 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", wl_name, path, strerror(errno));
		exit(2);
	}
}

void wl_start(const char *name, int term_sa_flags)
{
	struct sigaction sa = {.sa_handler = on_term, .sa_flags = term_sa_flags};
	const char *env = getenv("WL_DIR");
	char path[320];
	int fd;

	wl_name = name;
	if (env && *env)
		snprintf(wl_directory, sizeof(wl_directory), "%s", env);
	if (mkdir(wl_directory, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: mkdir %s: %s\n", name, wl_directory, strerror(errno));
		exit(2);
	}
	unlink(wl_path("ready", path, sizeof(path)));
	unlink(wl_path("result", path, sizeof(path)));
	unlink(wl_path("detail", path, sizeof(path)));
	/* Created now and writable by all: a child that dropped root can still fail loudly. */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0 || fchmod(fd, 0666) < 0) {
		fprintf(stderr, "%s: create %s: %s\n", name, path, strerror(errno));
		exit(2);
	}
	close(fd);
	unlink(wl_path("progress", path, sizeof(path)));
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0) {
		fprintf(stderr, "%s: sigaction(SIGTERM): %s\n", name, strerror(errno));
		exit(2);
	}
	printf("START %s pid %d\n", name, (int)getpid());
	fflush(stdout);
}

void wl_ready(void)
{
	char text[32];

	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	write_atomic("ready", text);
	printf("READY %s\n", wl_name);
	fflush(stdout);
}

void wl_progress(uint64_t n)
{
	char text[32];

	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)n);
	write_atomic("progress", text);
}

static void vfail(const char *fmt, va_list ap, int err)
{
	char line[512], path[320];
	int n, fd;

	n = vsnprintf(line, sizeof(line) - 64, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 64)
		n = sizeof(line) - 64;
	if (err)
		n += snprintf(line + n, sizeof(line) - n, ": %s", strerror(err));
	line[n++] = '\n';
	failed_here = true;
	/* Appended at once: survives this process whatever happens next. */
	fd = open(wl_path("detail", path, sizeof(path)), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		  0644);
	if (fd >= 0) {
		if (write(fd, line, n) < 0)
			fprintf(stderr, "%s: cannot append to %s\n", wl_name, path);
		close(fd);
	}
	fprintf(stderr, "%s: pid %d: %.*s", wl_name, (int)getpid(), n, line);
}

void wl_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap, 0);
	va_end(ap);
}

void wl_fail_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap, err);
	va_end(ap);
}

void wl_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
}

bool wl_failed(void)
{
	return failed_here;
}

int wl_finish(void)
{
	char path[320], detail[400] = "", text[512];
	unsigned int lines = 0;
	ssize_t n = 0;
	int fd;

	fd = open(wl_path("detail", path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, detail, sizeof(detail) - 1);
		close(fd);
	}
	if (n > 0) {
		detail[n] = '\0';
		for (char *p = detail; *p; p++)
			lines += *p == '\n';
		detail[strcspn(detail, "\n")] = '\0';
	}
	if (failed_here || lines) {
		if (lines > 1)
			snprintf(text, sizeof(text), "FAIL %s (%s; %u more in %s)\n", wl_name,
				 detail, lines - 1, path);
		else
			snprintf(text, sizeof(text), "FAIL %s (%s)\n", wl_name, detail);
	} else if (note[0]) {
		snprintf(text, sizeof(text), "PASS %s (%s)\n", wl_name, note);
	} else {
		snprintf(text, sizeof(text), "PASS %s\n", wl_name);
	}
	write_atomic("result", text);
	fputs(text, stdout);
	fflush(stdout);
	return text[0] == 'P' ? 0 : 1;
}

pid_t wl_fork(void (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid < 0) {
		wl_fail_errno("fork");
		return -1;
	}
	if (pid == 0) {
		fn(arg);
		_exit(failed_here ? 1 : 0);
	}
	return pid;
}

static int child_ready_fd = -1;

void wl_child_ready(void)
{
	if (child_ready_fd >= 0) {
		if (write(child_ready_fd, "r", 1) != 1)
			wl_fail_errno("tell the parent the child is ready");
		close(child_ready_fd);
		child_ready_fd = -1;
	}
}

pid_t wl_fork_sync(void (*fn)(void *arg), void *arg)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0) {
		wl_fail_errno("pipe for the child's ready");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		wl_fail_errno("fork");
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_ready_fd = p[1];
		fn(arg);
		_exit(failed_here ? 1 : 0);
	}
	close(p[1]);
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	close(p[0]);
	return pid;
}

void wl_reap(pid_t pid, const char *what)
{
	int status;
	pid_t got;

	if (pid <= 0)
		return;
	do {
		/* __WALL: also children with an exit signal other than SIGCHLD. */
		got = waitpid(pid, &status, __WALL);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		wl_fail_errno("waitpid(%d) for %s", (int)pid, what);
	else if (WIFSIGNALED(status))
		wl_fail("%s (pid %d) killed by signal %d", what, (int)pid, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		wl_fail("%s (pid %d) exited %d", what, (int)pid, WEXITSTATUS(status));
}

/*
 * Short sleeps rather than pause(): a SIGTERM landing between the test and
 * pause() would be lost, and the scenario would wait for a result forever.
 */
void wl_wait_term(void)
{
	while (!wl_term) {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000000};

		nanosleep(&ts, NULL);
	}
}

void wl_sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !wl_term)
		;
}

uint64_t wl_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
