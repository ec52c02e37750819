// SPDX-License-Identifier: GPL-2.0-only
/*
 * The image stream: frames and trailer, the pump in both directions over
 * socket pairs, and every way a stream can be wrong (a flipped byte, a
 * wrong length, a cut connection, a giant frame, a bad magic, a stalled
 * peer). The receiver must refuse each one with AGENT_ERROR_STREAM (or
 * TIMEOUT) and a message that says what was wrong.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent-error.h"
#include "agent-pump.h"

#define DATA_LEN (3 * 1024 * 1024 + 12345)

static guint8 *make_data(gsize len)
{
	guint8 *d = g_malloc(len);
	guint32 x = 12345;

	for (gsize i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		d[i] = (guint8)(x >> 16);
	}
	return d;
}

static void pair(int fd[2])
{
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), ==, 0);
	fcntl(fd[0], F_SETFL, O_NONBLOCK);
	fcntl(fd[1], F_SETFL, O_NONBLOCK);
}

typedef struct {
	int fd;
	const guint8 *data;
	gsize len;
	/* How the sender spoils the stream. */
	gboolean bad_sha;
	gint64 length_delta;
	gsize cut_at; /* close after this many data bytes (0: never) */
	gboolean bad_magic;
	gboolean giant_frame;
} Sender;

/* Sends data as the agent's checkpoint side does, with the spoiling asked for. */
static gpointer send_thread(gpointer p)
{
	Sender *s = p;
	AgentIo io;
	gsize off = 0;
	AgentTrailer t;
	guint8 enc[AGENT_TRAILER_SIZE];

	agent_io_init(&io, s->fd, NULL, 5000, "test sender");
	if (s->giant_frame) {
		agent_frame_write(&io, AGENT_FRAME_MAX + 1, NULL, NULL);
		goto out;
	}
	while (off < s->len) {
		gsize n = MIN(s->len - off, 100000);

		if (s->cut_at && off + n > s->cut_at) {
			agent_frame_write(&io, (guint32)n, s->data + off, NULL);
			goto out;
		}
		g_assert_true(agent_frame_write(&io, (guint32)n, s->data + off, NULL));
		off += n;
	}
	t.length = s->len + s->length_delta;
	{
		g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);

		g_checksum_update(c, s->data, s->len);
		g_checksum_get_digest(c, t.sha256, &(gsize){AGENT_SHA256_LEN});
	}
	if (s->bad_sha)
		t.sha256[7] ^= 0x40;
	agent_trailer_encode(&t, enc);
	if (s->bad_magic)
		enc[0] = 'X';
	agent_frame_write(&io, AGENT_FRAME_END, NULL, NULL);
	agent_io_write(&io, enc, sizeof(enc), NULL);
out:
	shutdown(s->fd, SHUT_WR);
	agent_io_clear(&io);
	return NULL;
}

/* Drains fd into a byte array until EOF. */
static gpointer sink_thread(gpointer p)
{
	int fd = GPOINTER_TO_INT(p);
	GByteArray *got = g_byte_array_new();
	guint8 buf[65536];
	AgentIo io;

	agent_io_init(&io, fd, NULL, 5000, "test sink");
	for (;;) {
		gssize n = agent_io_read(&io, buf, sizeof(buf), NULL);

		if (n <= 0)
			break;
		g_byte_array_append(got, buf, (guint)n);
	}
	return got;
}

/* Receives a framed stream through the pump into a sink; returns the pump's verdict. */
static gboolean receive(Sender *s, AgentPump *p, GByteArray **got)
{
	int in[2], out[2];
	AgentIo src, dst;
	GThread *st, *kt;
	gboolean ok;

	pair(in);
	pair(out);
	s->fd = in[0];
	agent_io_init(&src, in[1], NULL, 5000, "data connection");
	agent_io_init(&dst, out[0], NULL, 5000, "module socket");
	*p = (AgentPump){.src = &src, .src_framed = TRUE, .dst = &dst};
	st = g_thread_new("send", send_thread, s);
	kt = g_thread_new("sink", sink_thread, GINT_TO_POINTER(out[1]));
	ok = agent_pump_run(p);
	shutdown(out[0], SHUT_WR);
	if (!ok)
		shutdown(in[1], SHUT_RDWR);
	g_thread_join(st);
	*got = g_thread_join(kt);
	for (int i = 0; i < 2; i++) {
		close(in[i]);
		close(out[i]);
	}
	return ok;
}

static void test_roundtrip(void)
{
	g_autofree guint8 *data = make_data(DATA_LEN);
	Sender s = {.data = data, .len = DATA_LEN};
	g_autoptr(GByteArray) got = NULL;
	g_autofree char *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, DATA_LEN);
	g_autofree char *hex = NULL;
	AgentPump p;

	g_assert_true(receive(&s, &p, &got));
	g_assert_no_error(p.error);
	g_assert_true(p.verified);
	g_assert_cmpuint(p.bytes, ==, DATA_LEN);
	g_assert_cmpuint(got->len, ==, DATA_LEN);
	g_assert_cmpint(memcmp(got->data, data, DATA_LEN), ==, 0);
	hex = agent_sha256_to_hex(p.sha256);
	g_assert_cmpstr(hex, ==, want);
	agent_pump_clear(&p);
}

static void expect_refused(Sender *s, AgentErrorClass klass, const char *text)
{
	g_autoptr(GByteArray) got = NULL;
	AgentPump p;

	g_assert_false(receive(s, &p, &got));
	g_assert_false(p.verified);
	g_assert_error(p.error, AGENT_ERROR, (gint)klass);
	if (!strstr(p.error->message, text))
		g_error("'%s' lacks '%s'", p.error->message, text);
	agent_pump_clear(&p);
}

static void test_bad_sha(void)
{
	g_autofree guint8 *data = make_data(DATA_LEN);
	Sender s = {.data = data, .len = DATA_LEN, .bad_sha = TRUE};

	expect_refused(&s, AGENT_ERROR_STREAM, "sha256 mismatch");
}

static void test_bad_length(void)
{
	g_autofree guint8 *data = make_data(4096);
	Sender s = {.data = data, .len = 4096, .length_delta = 1};

	expect_refused(&s, AGENT_ERROR_STREAM, "the trailer says 4097 bytes, 4096 arrived");
}

static void test_cut(void)
{
	g_autofree guint8 *data = make_data(DATA_LEN);
	Sender s = {.data = data, .len = DATA_LEN, .cut_at = 250000};

	expect_refused(&s, AGENT_ERROR_STREAM, "closed");
}

static void test_bad_magic(void)
{
	g_autofree guint8 *data = make_data(100);
	Sender s = {.data = data, .len = 100, .bad_magic = TRUE};

	expect_refused(&s, AGENT_ERROR_STREAM, "bad magic");
}

static void test_giant_frame(void)
{
	Sender s = {.giant_frame = TRUE};

	expect_refused(&s, AGENT_ERROR_STREAM, "the limit is 1048576");
}

typedef struct {
	int fd;
	const guint8 *data;
	gsize len;
} Raw;

/* The "module": raw bytes into its socket, then EOF. */
static gpointer raw_thread(gpointer p)
{
	Raw *r = p;
	AgentIo io;

	agent_io_init(&io, r->fd, NULL, 5000, "module");
	g_assert_true(agent_io_write(&io, r->data, r->len, NULL));
	shutdown(r->fd, SHUT_WR);
	return NULL;
}

typedef struct {
	AgentIo src;
	AgentIo dst;
	AgentPump pump;
	gboolean ok;
} Receiver;

static gpointer receive_thread(gpointer p)
{
	Receiver *r = p;

	r->pump = (AgentPump){.src = &r->src, .src_framed = TRUE, .dst = &r->dst};
	r->ok = agent_pump_run(&r->pump);
	shutdown(r->dst.fd, SHUT_WR);
	return NULL;
}

/*
 * The checkpoint direction: raw bytes in, frames out, then END and the
 * trailer as the job's commit adds them; a receiving pump must accept it.
 */
static void test_frames_out(void)
{
	g_autofree guint8 *data = make_data(DATA_LEN);
	int module[2], host[2], sink[2];
	Raw raw = {.data = data, .len = DATA_LEN};
	Receiver rcv = {0};
	AgentTrailer t = {.length = DATA_LEN};
	guint8 enc[AGENT_TRAILER_SIZE];
	GThread *rt, *ct, *kt;
	GByteArray *got;
	AgentIo src, dst;
	AgentPump p;

	pair(module);
	pair(host);
	pair(sink);
	raw.fd = module[0];
	agent_io_init(&src, module[1], NULL, 5000, "module socket");
	agent_io_init(&dst, host[0], NULL, 5000, "data connection");
	agent_io_init(&rcv.src, host[1], NULL, 5000, "host side");
	agent_io_init(&rcv.dst, sink[0], NULL, 5000, "host file");
	rt = g_thread_new("module", raw_thread, &raw);
	ct = g_thread_new("host", receive_thread, &rcv);
	kt = g_thread_new("sink", sink_thread, GINT_TO_POINTER(sink[1]));

	p = (AgentPump){.src = &src, .dst = &dst, .dst_framed = TRUE};
	g_assert_true(agent_pump_run(&p));
	g_assert_no_error(p.error);
	g_assert_cmpuint(p.bytes, ==, DATA_LEN);
	memcpy(t.sha256, p.sha256, AGENT_SHA256_LEN);
	agent_trailer_encode(&t, enc);
	g_assert_true(agent_frame_write(&dst, AGENT_FRAME_END, NULL, NULL));
	g_assert_true(agent_io_write(&dst, enc, sizeof(enc), NULL));

	g_thread_join(rt);
	g_thread_join(ct);
	got = g_thread_join(kt);
	g_assert_true(rcv.ok);
	g_assert_true(rcv.pump.verified);
	g_assert_cmpuint(rcv.pump.bytes, ==, DATA_LEN);
	g_assert_cmpint(memcmp(rcv.pump.sha256, p.sha256, AGENT_SHA256_LEN), ==, 0);
	g_assert_cmpuint(got->len, ==, DATA_LEN);
	g_assert_cmpint(memcmp(got->data, data, DATA_LEN), ==, 0);
	g_byte_array_unref(got);
	agent_pump_clear(&p);
	agent_pump_clear(&rcv.pump);
	for (int i = 0; i < 2; i++) {
		close(module[i]);
		close(host[i]);
		close(sink[i]);
	}
}

typedef struct {
	int fd;
	gsize total;
	gsize written; /* atomically updated */
} Producer;

typedef struct {
	AgentPump *p;
	int close_fd;
} PumpRun;

/* The pump, then the end of its destination, so the reader sees EOF. */
static gpointer pump_thread(gpointer data)
{
	PumpRun *r = data;

	agent_pump_run(r->p);
	shutdown(r->close_fd, SHUT_WR);
	return NULL;
}

/* The "module": writes as fast as the pump lets it. */
static gpointer producer_thread(gpointer p)
{
	Producer *pr = p;
	g_autofree guint8 *buf = make_data(65536);
	AgentIo io;

	agent_io_init(&io, pr->fd, NULL, 10000, "module");
	while (g_atomic_pointer_get(&pr->written) < pr->total) {
		if (!agent_io_write(&io, buf, 65536, NULL))
			break;
		g_atomic_pointer_add(&pr->written, 65536);
	}
	shutdown(pr->fd, SHUT_WR);
	return NULL;
}

/*
 * Back-pressure: a reader that stops must stop the writer too, after a
 * bounded amount (socket buffers and the pump's chunks in flight), not
 * after the whole image went into memory.
 */
static void test_back_pressure(void)
{
	const gsize total = 64 * 1024 * 1024;
	const gsize bound = 8 * 1024 * 1024;
	int module[2], host[2];
	Producer pr = {.total = total};
	AgentIo src, dst, hio;
	AgentPump p;
	GThread *prt;
	guint8 *buf = g_malloc(AGENT_FRAME_MAX + 4);
	gsize consumed = 0;
	gsize before, after;
	PumpRun run = {.p = &p};
	GThread *pt;

	pair(module);
	pair(host);
	pr.fd = module[0];
	agent_io_init(&src, module[1], NULL, 10000, "module socket");
	agent_io_init(&dst, host[0], NULL, 10000, "data connection");
	agent_io_init(&hio, host[1], NULL, 10000, "host");
	p = (AgentPump){.src = &src, .dst = &dst, .dst_framed = TRUE};
	run.close_fd = host[0];
	prt = g_thread_new("module", producer_thread, &pr);
	pt = g_thread_new("pump", pump_thread, &run);

	/* Take 1 MiB, then stop reading for a while. */
	while (consumed < 1024 * 1024) {
		gssize n = agent_io_read(&hio, buf, 65536, NULL);

		g_assert_cmpint(n, >, 0);
		consumed += (gsize)n;
	}
	g_usleep(300000);
	before = g_atomic_pointer_get(&pr.written);
	g_usleep(300000);
	after = g_atomic_pointer_get(&pr.written);
	if (after > consumed + bound)
		g_error("the writer got %zu bytes ahead of a stopped reader (%zu read)", after,
			consumed);
	g_assert_cmpuint(after, ==, before);

	/* Reading on lets everything through (frames: data plus headers). */
	for (;;) {
		gssize n = agent_io_read(&hio, buf, AGENT_FRAME_MAX + 4, NULL);

		g_assert_cmpint(n, >=, 0);
		if (n == 0)
			break;
		consumed += (gsize)n;
	}
	g_assert_cmpuint(consumed, >, total);
	g_thread_join(prt);
	g_thread_join(pt);
	g_assert_no_error(p.error);
	g_assert_cmpuint(p.bytes, ==, total);
	agent_pump_clear(&p);
	g_free(buf);
	for (int i = 0; i < 2; i++) {
		close(module[i]);
		close(host[i]);
	}
}

static void test_expected_sha(void)
{
	g_autofree guint8 *data = make_data(70000);
	guint8 sha[AGENT_SHA256_LEN];
	g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("agent-pump-XXXXXX", &path, NULL);
	int out[2];
	GByteArray *got;
	GThread *kt;

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, data, 70000), ==, 70000);
	g_checksum_update(c, data, 70000);
	g_checksum_get_digest(c, sha, &(gsize){AGENT_SHA256_LEN});
	for (int flip = 0; flip < 2; flip++) {
		AgentIo src, dst;
		AgentPump p;

		lseek(fd, 0, SEEK_SET);
		pair(out);
		agent_io_init(&src, fd, NULL, 5000, path);
		agent_io_init(&dst, out[0], NULL, 5000, "module socket");
		if (flip)
			sha[0] ^= 1;
		p = (AgentPump){.src = &src, .dst = &dst, .expect_sha256 = sha};
		kt = g_thread_new("sink", sink_thread, GINT_TO_POINTER(out[1]));
		g_assert_cmpint(agent_pump_run(&p), ==, !flip);
		shutdown(out[0], SHUT_WR);
		got = g_thread_join(kt);
		g_assert_cmpuint(got->len, ==, 70000);
		g_byte_array_unref(got);
		g_assert_cmpint(p.verified, ==, !flip);
		if (flip)
			g_assert_error(p.error, AGENT_ERROR, AGENT_ERROR_STREAM);
		agent_pump_clear(&p);
		close(out[0]);
		close(out[1]);
	}
	close(fd);
	unlink(path);
}

static void test_stall(void)
{
	int fd[2];
	AgentIo io;
	guint8 b;
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();

	pair(fd);
	agent_io_init(&io, fd[0], NULL, 200, "data connection");
	g_assert_cmpint(agent_io_read(&io, &b, 1, &error), ==, -1);
	g_assert_error(error, AGENT_ERROR, AGENT_ERROR_TIMEOUT);
	g_assert_nonnull(
		strstr(error->message, "no progress for 200 ms (the peer stopped sending)"));
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, 190000);
	close(fd[0]);
	close(fd[1]);
}

static void test_prefix(void)
{
	int fd[2];
	AgentIo io;
	g_autoptr(GBytes) prefix = g_bytes_new("abc", 3);
	char buf[8] = {0};

	pair(fd);
	g_assert_cmpint(write(fd[1], "defg", 4), ==, 4);
	agent_io_init(&io, fd[0], prefix, 1000, "data connection");
	/* Bytes read before the hand-over come first. */
	g_assert_true(agent_io_read_exact(&io, buf, 7, "seven bytes", NULL));
	g_assert_cmpstr(buf, ==, "abcdefg");
	agent_io_clear(&io);
	close(fd[0]);
	close(fd[1]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/pump/roundtrip", test_roundtrip);
	g_test_add_func("/agent/pump/bad-sha", test_bad_sha);
	g_test_add_func("/agent/pump/bad-length", test_bad_length);
	g_test_add_func("/agent/pump/cut", test_cut);
	g_test_add_func("/agent/pump/bad-magic", test_bad_magic);
	g_test_add_func("/agent/pump/giant-frame", test_giant_frame);
	g_test_add_func("/agent/pump/frames-out", test_frames_out);
	g_test_add_func("/agent/pump/expected-sha", test_expected_sha);
	g_test_add_func("/agent/pump/back-pressure", test_back_pressure);
	g_test_add_func("/agent/pump/stall", test_stall);
	g_test_add_func("/agent/pump/prefix", test_prefix);
	return g_test_run();
}
