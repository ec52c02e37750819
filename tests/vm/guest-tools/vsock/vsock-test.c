// SPDX-License-Identifier: GPL-2.0-only
/*
 * vsock-test: both ends of the vsock VM tests and the benchmark. Static,
 * no GLib, so the same binary runs in the guest and on the host.
 *
 * A server speaks a one-line protocol; the first line of a connection is
 *   ECHO            echo everything until EOF
 *   SINK            read until EOF, answer "SUM <bytes> <checksum>"
 *   DISCARD         read until EOF, answer "SUM <bytes> 0" (benchmark)
 *   SOURCE <n> <s>  send n bytes of pattern seed s, then close
 *   ZERO <n>        send n zero bytes, then close (benchmark)
 * Clients check every byte (or the checksum) and print one result line.
 */
#include "endpoint.h"
#include "pattern.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vm_sockets.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024) /* every write is 64 KiB, as the benchmark specifies */
#define MAX_PARALLEL 256

static const char *prog = "vsock-test";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* A line of at most cap-1 bytes, byte by byte (the stream follows it). */
static int read_line(int fd, char *line, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		ssize_t n = read_some(fd, line + len, 1);

		if (n <= 0)
			return -1;
		if (line[len] == '\n') {
			line[len] = '\0';
			return 0;
		}
		len++;
	}
	return -1;
}

/* ---- server ---- */

static void serve_echo(int fd, char *buf)
{
	for (;;) {
		ssize_t n = read_some(fd, buf, CHUNK);

		if (n <= 0 || write_all(fd, buf, (size_t)n) < 0)
			break;
	}
	shutdown(fd, SHUT_WR);
}

static void serve_sink(int fd, char *buf, int verify)
{
	struct checksum sum;
	char reply[80];
	ssize_t n;
	int len;

	checksum_init(&sum);
	while ((n = read_some(fd, buf, CHUNK)) > 0) {
		if (verify)
			checksum_add(&sum, buf, (size_t)n);
		else
			sum.bytes += (uint64_t)n;
	}
	len = snprintf(reply, sizeof(reply), "SUM %" PRIu64 " %016" PRIx64 "\n", sum.bytes,
		       verify ? checksum_final(&sum) : 0);
	write_all(fd, reply, (size_t)len);
}

static void serve_source(int fd, char *buf, uint64_t bytes, uint64_t seed, int zero)
{
	struct pattern pat;

	pattern_init(&pat, seed);
	memset(buf, 0, CHUNK);
	while (bytes > 0) {
		size_t n = bytes < CHUNK ? (size_t)bytes : CHUNK;

		if (!zero)
			pattern_fill(&pat, buf, n);
		if (write_all(fd, buf, n) < 0)
			return;
		bytes -= n;
	}
}

static void *serve_one(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(CHUNK);
	char line[80];
	uint64_t bytes, seed;

	if (!buf || read_line(fd, line, sizeof(line)) < 0)
		goto out;
	if (strcmp(line, "ECHO") == 0)
		serve_echo(fd, buf);
	else if (strcmp(line, "SINK") == 0)
		serve_sink(fd, buf, 1);
	else if (strcmp(line, "DISCARD") == 0)
		serve_sink(fd, buf, 0);
	else if (sscanf(line, "SOURCE %" SCNu64 " %" SCNu64, &bytes, &seed) == 2)
		serve_source(fd, buf, bytes, seed, 0);
	else if (sscanf(line, "ZERO %" SCNu64, &bytes) == 1)
		serve_source(fd, buf, bytes, 0, 1);
	else
		fprintf(stderr, "%s: serve: unknown request \"%s\"\n", prog, line);
out:
	free(buf);
	close(fd);
	return NULL;
}

static int cmd_serve(const struct endpoint *ep, long count)
{
	char why[256];
	int lfd = endpoint_listen(ep, why, sizeof(why));

	if (lfd < 0)
		die("serve: %s", why);
	printf("serving\n");
	fflush(stdout);
	for (long served = 0; count < 0 || served < count; served++) {
		pthread_t thread;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("serve: accept: %s", strerror(errno));
		}
		if (pthread_create(&thread, NULL, serve_one, (void *)(intptr_t)fd) != 0)
			die("serve: no thread for a connection");
		if (count < 0)
			pthread_detach(thread);
		else
			pthread_join(thread, NULL);
	}
	close(lfd);
	return 0;
}

/* ---- clients ---- */

struct job {
	const struct endpoint *ep;
	uint64_t bytes;
	uint64_t seed;
	int verify;
	int fd;
	int failed;
	char error[256];
};

static void job_fail(struct job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void job_fail(struct job *job, const char *fmt, ...)
{
	va_list ap;

	if (job->failed)
		return;
	job->failed = 1;
	va_start(ap, fmt);
	vsnprintf(job->error, sizeof(job->error), fmt, ap);
	va_end(ap);
}

static int job_connect(struct job *job, const char *request)
{
	int refused;

	job->fd = endpoint_connect(job->ep, &refused, job->error, sizeof(job->error));
	if (job->fd < 0) {
		job->failed = 1;
		return -1;
	}
	if (write_all(job->fd, request, strlen(request)) < 0) {
		job_fail(job, "sending the request: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void send_pattern(struct job *job)
{
	struct pattern pat;
	char *buf = malloc(CHUNK);
	uint64_t left = job->bytes;

	pattern_init(&pat, job->seed);
	memset(buf, 0, CHUNK);
	while (left > 0) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;

		if (job->verify)
			pattern_fill(&pat, buf, n);
		if (write_all(job->fd, buf, n) < 0) {
			job_fail(job, "writing at byte %" PRIu64 ": %s", job->bytes - left,
				 strerror(errno));
			break;
		}
		left -= n;
	}
	free(buf);
	shutdown(job->fd, SHUT_WR);
}

/* Read until EOF, checking the pattern; the count must come out exact. */
static void receive_pattern(struct job *job)
{
	struct pattern pat;
	char *buf = malloc(CHUNK);
	uint64_t got = 0;
	ssize_t n;

	pattern_init(&pat, job->seed);
	while ((n = read_some(job->fd, buf, CHUNK)) > 0) {
		if (job->verify) {
			size_t ok = pattern_check(&pat, buf, (size_t)n);

			if (ok != (size_t)n) {
				job_fail(job, "byte %" PRIu64 " differs", got + ok);
				break;
			}
		}
		got += (uint64_t)n;
	}
	if (n < 0)
		job_fail(job, "reading at byte %" PRIu64 ": %s", got, strerror(errno));
	else if (!job->failed && got != job->bytes)
		job_fail(job, "got %" PRIu64 " bytes, expected %" PRIu64, got, job->bytes);
	free(buf);
}

static void *echo_writer(void *arg)
{
	send_pattern(arg);
	return NULL;
}

static void *run_echo(void *arg)
{
	struct job *job = arg;
	pthread_t writer;

	if (job_connect(job, "ECHO\n") < 0)
		return NULL;
	pthread_create(&writer, NULL, echo_writer, job);
	receive_pattern(job);
	pthread_join(writer, NULL);
	close(job->fd);
	return NULL;
}

static void *run_push(void *arg)
{
	struct job *job = arg;
	struct checksum sum;
	struct pattern pat;
	char line[80], *buf;
	uint64_t bytes, hash;
	uint64_t left = job->bytes;

	if (job_connect(job, job->verify ? "SINK\n" : "DISCARD\n") < 0)
		return NULL;
	send_pattern(job);
	if (job->failed)
		goto out;
	if (read_line(job->fd, line, sizeof(line)) < 0 ||
	    sscanf(line, "SUM %" SCNu64 " %" SCNx64, &bytes, &hash) != 2) {
		job_fail(job, "no SUM line after sending");
		goto out;
	}
	if (bytes != job->bytes) {
		job_fail(job, "the receiver counted %" PRIu64 " bytes of %" PRIu64, bytes,
			 job->bytes);
		goto out;
	}
	if (job->verify) {
		buf = malloc(CHUNK);
		checksum_init(&sum);
		pattern_init(&pat, job->seed);
		while (left > 0) {
			size_t n = left < CHUNK ? (size_t)left : CHUNK;

			pattern_fill(&pat, buf, n);
			checksum_add(&sum, buf, n);
			left -= n;
		}
		free(buf);
		if (checksum_final(&sum) != hash)
			job_fail(job,
				 "checksum %016" PRIx64 " from the receiver, expected %016" PRIx64,
				 hash, checksum_final(&sum));
	}
out:
	close(job->fd);
	return NULL;
}

static void *run_pull(void *arg)
{
	struct job *job = arg;
	char request[80];

	if (job->verify)
		snprintf(request, sizeof(request), "SOURCE %" PRIu64 " %" PRIu64 "\n", job->bytes,
			 job->seed);
	else
		snprintf(request, sizeof(request), "ZERO %" PRIu64 "\n", job->bytes);
	if (job_connect(job, request) < 0)
		return NULL;
	receive_pattern(job);
	close(job->fd);
	return NULL;
}

static int run_jobs(const char *name, void *(*fn)(void *), const struct endpoint *ep,
		    uint64_t bytes, int parallel, int verify)
{
	static struct job jobs[MAX_PARALLEL];
	pthread_t threads[MAX_PARALLEL];
	double start = now(), secs;
	int failures = 0;

	for (int i = 0; i < parallel; i++) {
		jobs[i] = (struct job){.ep = ep,
				       .bytes = bytes,
				       .seed = (uint64_t)i + 1,
				       .verify = verify,
				       .fd = -1};
		if (pthread_create(&threads[i], NULL, fn, &jobs[i]) != 0)
			die("%s: no thread for connection %d", name, i);
	}
	for (int i = 0; i < parallel; i++) {
		pthread_join(threads[i], NULL);
		if (jobs[i].failed) {
			fprintf(stderr, "%s: %s: connection %d: %s\n", prog, name, i,
				jobs[i].error);
			failures++;
		}
	}
	secs = now() - start;
	printf("%s: %d connection(s) x %" PRIu64 " bytes in %.3f s: %.2f MiB/s%s, %d failed\n",
	       name, parallel, bytes, secs, (double)bytes * parallel / secs / (1 << 20),
	       verify ? ", verified" : "", failures);
	return failures ? 1 : 0;
}

static int cmd_refused(const struct endpoint *ep)
{
	char why[256];
	int refused;
	int fd = endpoint_connect(ep, &refused, why, sizeof(why));

	if (fd >= 0)
		die("refused: the connection was accepted");
	if (!refused)
		die("refused: failed, but not as a refusal: %s", why);
	printf("refused: %s\n", why);
	return 0;
}

/* Keep an echo connection open until it breaks; for the reset tests. */
static int cmd_hold(const struct endpoint *ep)
{
	struct job job = {.ep = ep, .fd = -1};
	char byte = 'x';
	ssize_t n;

	if (job_connect(&job, "ECHO\n") < 0)
		die("hold: %s", job.error);
	if (write_all(job.fd, &byte, 1) < 0 || read_some(job.fd, &byte, 1) != 1)
		die("hold: the echo did not come back");
	printf("held\n");
	fflush(stdout);
	n = read_some(job.fd, &byte, 1);
	printf("ended: %s\n", n == 0 ? "EOF" : n < 0 ? strerror(errno) : "unexpected data");
	return n > 0;
}

/* Wait for one line from the other side (test steps in lockstep). */
static int cmd_await(const struct endpoint *ep, long timeout_s)
{
	char why[256], line[256];
	struct timeval tv = {.tv_sec = timeout_s > 0 ? timeout_s : 600};
	int lfd = endpoint_listen(ep, why, sizeof(why));
	int fd;

	if (lfd < 0)
		die("await: %s", why);
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("await: nobody came within %ld s (%s)", (long)tv.tv_sec, strerror(errno));
	if (read_line(fd, line, sizeof(line)) < 0)
		die("await: no line");
	printf("%s\n", line);
	close(fd);
	close(lfd);
	return 0;
}

static int cmd_say(const struct endpoint *ep, const char *text)
{
	char why[256];
	int refused;
	int fd = endpoint_connect(ep, &refused, why, sizeof(why));

	if (fd < 0)
		die("say: %s", why);
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0)
		die("say: %s", strerror(errno));
	close(fd);
	return 0;
}

/* The CID this guest got from the device's config space. */
static int cmd_local_cid(void)
{
	unsigned int cid = 0;
	int fd = open("/dev/vsock", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) < 0)
		die("local-cid: /dev/vsock: %s", strerror(errno));
	printf("%u\n", cid);
	return 0;
}

struct pair_side {
	int fd;
	uint64_t bytes;
};

static void *pair_writer(void *arg)
{
	struct pair_side *side = arg;
	char *buf = calloc(1, CHUNK);

	for (uint64_t left = side->bytes; left > 0;) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;

		if (write_all(side->fd, buf, n) < 0)
			die("pair: write: %s", strerror(errno));
		left -= n;
	}
	close(side->fd);
	free(buf);
	return NULL;
}

/* The ceiling: the same 64 KiB writes through a socketpair in one process. */
static int cmd_pair(uint64_t bytes)
{
	int sv[2];
	struct pair_side side;
	pthread_t writer;
	char *buf = malloc(CHUNK);
	uint64_t got = 0;
	ssize_t n;
	double start, secs;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("pair: socketpair: %s", strerror(errno));
	side = (struct pair_side){sv[0], bytes};
	start = now();
	pthread_create(&writer, NULL, pair_writer, &side);
	while ((n = read_some(sv[1], buf, CHUNK)) > 0)
		got += (uint64_t)n;
	pthread_join(writer, NULL);
	secs = now() - start;
	if (got != bytes)
		die("pair: got %" PRIu64 " of %" PRIu64 " bytes", got, bytes);
	printf("pair: 1 connection(s) x %" PRIu64 " bytes in %.3f s: %.2f MiB/s, 0 failed\n", bytes,
	       secs, (double)bytes / secs / (1 << 20));
	free(buf);
	return 0;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end || end == s)
		die("bad size \"%s\" (bytes, or with K/M/G)", s);
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s serve LISTEN [--count N]\n"
		"       %s echo|push|pull CONNECT [--bytes N] [--parallel K] [--no-verify]\n"
		"       %s refused CONNECT | hold CONNECT | pair [--bytes N] | local-cid\n"
		"       %s await LISTEN [--count TIMEOUT_S] | say CONNECT TEXT\n"
		"LISTEN:  vsock:PORT | vsock:CID:PORT | unix:PATH\n"
		"CONNECT: vsock:CID:PORT | hybrid:UDS_PATH:PORT | unix:PATH\n",
		prog, prog, prog, prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cmd, *spec = NULL;
	struct endpoint ep;
	uint64_t bytes = 1 << 20;
	int parallel = 1, verify = 1;
	long count = -1;
	int i = 2;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	cmd = argv[1];
	if (strcmp(cmd, "local-cid") == 0)
		return cmd_local_cid();
	if (strcmp(cmd, "say") == 0) {
		if (argc != 4 || endpoint_parse(argv[2], &ep) < 0)
			usage();
		return cmd_say(&ep, argv[3]);
	}
	if (strcmp(cmd, "pair") != 0) {
		if (argc < 3)
			usage();
		spec = argv[2];
		i = 3;
	}
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc)
			bytes = parse_size(argv[++i]);
		else if (strcmp(argv[i], "--parallel") == 0 && i + 1 < argc)
			parallel = atoi(argv[++i]);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = atol(argv[++i]);
		else if (strcmp(argv[i], "--no-verify") == 0)
			verify = 0;
		else
			usage();
	}
	if (parallel < 1 || parallel > MAX_PARALLEL)
		die("--parallel %d: 1..%d", parallel, MAX_PARALLEL);
	if (spec && endpoint_parse(spec, &ep) < 0)
		die("bad endpoint \"%s\"", spec);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(&ep, count);
	if (strcmp(cmd, "echo") == 0)
		return run_jobs("echo", run_echo, &ep, bytes, parallel, 1);
	if (strcmp(cmd, "push") == 0)
		return run_jobs("push", run_push, &ep, bytes, parallel, verify);
	if (strcmp(cmd, "pull") == 0)
		return run_jobs("pull", run_pull, &ep, bytes, parallel, verify);
	if (strcmp(cmd, "refused") == 0)
		return cmd_refused(&ep);
	if (strcmp(cmd, "await") == 0)
		return cmd_await(&ep, count);
	if (strcmp(cmd, "hold") == 0)
		return cmd_hold(&ep);
	if (strcmp(cmd, "pair") == 0)
		return cmd_pair(bytes);
	usage();
	return 2;
}
