// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user server against a fake QEMU: a thread that speaks the
 * protocol over the real socket, shares guest RAM through a memfd, and
 * drives the rings with eventfds, as QEMU 7.2 does.
 */
#include "fake-guest.h"
#include "vhost-user-msg.h"
#include "vhost-user.h"
#include "vsock-device.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define GUEST_CID 42

typedef struct {
	char *path;
	GMainLoop *loop;
	gboolean ok;
} Shared;

static int qemu_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	return fd;
}

static void send_msg(int fd, guint32 request, guint32 flags, const void *payload, guint32 size,
		     const int *fds, guint n_fds)
{
	VhostUserHeader hdr = {request, VHOST_USER_VERSION | flags, size};
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *)payload, size}};
	char control[CMSG_SPACE(8 * sizeof(int))] = {0};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};

	if (n_fds) {
		struct cmsghdr *c;

		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
	}
	g_assert_cmpint(sendmsg(fd, &mh, 0), ==, (ssize_t)(sizeof(hdr) + size));
}

/* Read a reply; returns its payload size. */
static guint32 recv_reply(int fd, guint32 request, void *payload, gsize cap)
{
	VhostUserHeader hdr;

	g_assert_cmpint(recv(fd, &hdr, sizeof(hdr), MSG_WAITALL), ==, sizeof(hdr));
	g_assert_cmpuint(hdr.request, ==, request);
	g_assert_cmpuint(hdr.flags, ==, VHOST_USER_VERSION | VHOST_USER_REPLY);
	g_assert_cmpuint(hdr.size, <=, cap);
	if (hdr.size)
		g_assert_cmpint(recv(fd, payload, hdr.size, MSG_WAITALL), ==, hdr.size);
	return hdr.size;
}

static guint64 get_u64(int fd, guint32 request)
{
	guint64 v;

	send_msg(fd, request, 0, NULL, 0, NULL, 0);
	g_assert_cmpuint(recv_reply(fd, request, &v, sizeof(v)), ==, 8);
	return v;
}

/* A request with NEED_REPLY: returns the ack status (0 = success). */
static guint64 acked(int fd, guint32 request, const void *payload, guint32 size, const int *fds,
		     guint n_fds)
{
	guint64 status;

	send_msg(fd, request, VHOST_USER_NEED_REPLY, payload, size, fds, n_fds);
	g_assert_cmpuint(recv_reply(fd, request, &status, sizeof(status)), ==, 8);
	return status;
}

static gboolean wait_event(int efd, int timeout_ms)
{
	struct pollfd p = {.fd = efd, .events = POLLIN};
	eventfd_t v;

	if (poll(&p, 1, timeout_ms) != 1)
		return FALSE;
	eventfd_read(efd, &v);
	return TRUE;
}

static void setup_ring(int fd, FakeRing *ring, guint index, int kick, int call)
{
	VhostUserVringState state = {index, ring->num};
	VhostUserVringAddr addr = {
		.index = index,
		.desc = (guint64)(guintptr)ring->desc,
		.used = (guint64)(guintptr)ring->used,
		.avail = (guint64)(guintptr)ring->avail,
	};
	guint64 file;

	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_NUM, &state, sizeof(state), NULL, 0), ==,
			 0);
	state.num = 0;
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_BASE, &state, sizeof(state), NULL, 0), ==,
			 0);
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_ADDR, &addr, sizeof(addr), NULL, 0), ==, 0);
	file = index;
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_CALL, &file, sizeof(file), &call, 1), ==,
			 0);
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_KICK, &file, sizeof(file), &kick, 1), ==,
			 0);
	state = (VhostUserVringState){index, 1};
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_ENABLE, &state, sizeof(state), NULL, 0), ==,
			 0);
}

static gpointer fake_qemu(gpointer data)
{
	Shared *shared = data;
	int fd = qemu_connect(shared->path);
	guint64 features, proto;
	VhostUserConfig config = {.offset = 0, .size = 8};
	VhostUserConfig reply;
	guint64 cid;
	gsize ram_size = fake_guest_ram_needed(64);
	int memfd = memfd_create("guest-ram", MFD_CLOEXEC);
	guint8 *ram;
	g_autoptr(FakeGuest) fg = NULL;
	VhostUserMemTable table = {0};
	int kick[2], call[2];
	VsockHeader hdr;
	VhostUserVringState state;

	/* Negotiation, as vhost_dev_init() does it. */
	features = get_u64(fd, VHOST_USER_GET_FEATURES);
	g_assert_true(features & (1ull << VIRTIO_F_VERSION_1));
	g_assert_true(features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES));
	proto = get_u64(fd, VHOST_USER_GET_PROTOCOL_FEATURES);
	g_assert_true(proto & (1ull << VHOST_USER_PROTOCOL_F_CONFIG));
	g_assert_true(proto & (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK));
	g_assert_false(proto & (1ull << VHOST_USER_PROTOCOL_F_MQ));
	send_msg(fd, VHOST_USER_SET_PROTOCOL_FEATURES, 0, &proto, 8, NULL, 0);
	send_msg(fd, VHOST_USER_SET_OWNER, 0, NULL, 0, NULL, 0);

	/* The guest CID through GET_CONFIG; out-of-range reads get a zero-size answer. */
	send_msg(fd, VHOST_USER_GET_CONFIG, 0, &config, VHOST_USER_CONFIG_HDR_SIZE + 8, NULL, 0);
	g_assert_cmpuint(recv_reply(fd, VHOST_USER_GET_CONFIG, &reply, sizeof(reply)), ==,
			 VHOST_USER_CONFIG_HDR_SIZE + 8);
	memcpy(&cid, reply.data, 8);
	g_assert_cmpuint(GUINT64_FROM_LE(cid), ==, GUEST_CID);
	config.offset = 4;
	send_msg(fd, VHOST_USER_GET_CONFIG, 0, &config, VHOST_USER_CONFIG_HDR_SIZE + 8, NULL, 0);
	g_assert_cmpuint(recv_reply(fd, VHOST_USER_GET_CONFIG, &reply, sizeof(reply)), ==,
			 VHOST_USER_CONFIG_HDR_SIZE);
	g_assert_cmpuint(reply.size, ==, 0);
	g_assert_cmpuint(
		acked(fd, VHOST_USER_SET_CONFIG, &config, VHOST_USER_CONFIG_HDR_SIZE + 8, NULL, 0),
		!=, 0);

	/* Features: what was offered is accepted, anything else refused. */
	features = (1ull << VIRTIO_F_VERSION_1) | (1ull << 29) | (1ull << 28) |
		   (1ull << VHOST_USER_F_PROTOCOL_FEATURES);
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_FEATURES, &features, 8, NULL, 0), ==, 0);
	guint64 bogus = features | (1ull << 40);

	g_assert_cmpuint(acked(fd, VHOST_USER_SET_FEATURES, &bogus, 8, NULL, 0), !=, 0);
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_FEATURES, &features, 8, NULL, 0), ==, 0);

	/* Guest RAM in a memfd, mapped by both sides. */
	g_assert_cmpint(ftruncate(memfd, (off_t)ram_size), ==, 0);
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	g_assert_true(ram != MAP_FAILED);
	fg = fake_guest_new_at(ram, ram_size, 64, GUEST_CID);
	table.nregions = 2;
	table.regions[0] = (VhostUserMemRegion){FAKE_GPA_BASE, ram_size, (guint64)(guintptr)ram, 0};
	/* Two regions announced, one fd sent: refused. */
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_MEM_TABLE, &table,
			       8 + 2 * sizeof(VhostUserMemRegion), &memfd, 1),
			 !=, 0);
	table.nregions = 1;
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_MEM_TABLE, &table, 8 + sizeof(VhostUserMemRegion),
			       &memfd, 1),
			 ==, 0);

	/* A ring outside guest memory is refused. */
	state = (VhostUserVringState){1, 64};
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_NUM, &state, sizeof(state), NULL, 0), ==,
			 0);
	VhostUserVringAddr bad = {.index = 1, .desc = 0x1000, .used = 0x2000, .avail = 0x3000};

	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_ADDR, &bad, sizeof(bad), NULL, 0), !=, 0);
	/* Ring 2 (the event queue) is QEMU's own. */
	state = (VhostUserVringState){2, 64};
	g_assert_cmpuint(acked(fd, VHOST_USER_SET_VRING_NUM, &state, sizeof(state), NULL, 0), !=,
			 0);

	for (guint i = 0; i < 2; i++) {
		kick[i] = eventfd(0, EFD_CLOEXEC);
		call[i] = eventfd(0, EFD_CLOEXEC);
	}
	setup_ring(fd, &fg->rx, 0, kick[0], call[0]);
	setup_ring(fd, &fg->tx, 1, kick[1], call[1]);

	/* The guest connects to a host port nobody serves: RST on rx. */
	fake_guest_post_rx(fg, 8, 4096);
	eventfd_write(kick[0], 1);
	hdr = fake_header(fg, VIRTIO_VSOCK_OP_REQUEST, 5555, 9, 65536, 0);
	fake_guest_send(fg, &hdr, NULL, 0);
	eventfd_write(kick[1], 1);
	g_assert_true(wait_event(call[0], 5000));
	g_assert_true(fake_guest_recv(fg, &hdr, NULL, 0, NULL));
	g_assert_cmpuint(hdr.op, ==, VIRTIO_VSOCK_OP_RST);
	g_assert_cmpuint(hdr.dst_cid, ==, GUEST_CID);
	g_assert_cmpuint(hdr.dst_port, ==, 5555);
	g_assert_true(wait_event(call[1], 5000));
	g_assert_cmpuint(fake_guest_reap_tx(fg), ==, 1);

	/* Stopping a ring reports where the device got to. */
	state = (VhostUserVringState){1, 0};
	send_msg(fd, VHOST_USER_GET_VRING_BASE, 0, &state, sizeof(state), NULL, 0);
	g_assert_cmpuint(recv_reply(fd, VHOST_USER_GET_VRING_BASE, &state, sizeof(state)), ==,
			 sizeof(state));
	g_assert_cmpuint(state.index, ==, 1);
	g_assert_cmpuint(state.num, ==, 1);

	/* QEMU goes away; a new one is served from scratch. */
	close(fd);
	fd = qemu_connect(shared->path);
	g_assert_cmpuint(get_u64(fd, VHOST_USER_GET_FEATURES), ==,
			 get_u64(fd, VHOST_USER_GET_FEATURES));
	/* An oversized message ends the session. */
	VhostUserHeader huge = {VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, 1u << 20};
	char byte;

	g_assert_cmpint(send(fd, &huge, sizeof(huge), 0), ==, sizeof(huge));
	g_assert_cmpint(recv(fd, &byte, 1, 0), ==, 0);
	close(fd);
	/* And still a third session works. */
	fd = qemu_connect(shared->path);
	g_assert_true(get_u64(fd, VHOST_USER_GET_FEATURES) & (1ull << VIRTIO_F_VERSION_1));
	close(fd);

	for (guint i = 0; i < 2; i++) {
		close(kick[i]);
		close(call[i]);
	}
	munmap(ram, ram_size);
	close(memfd);
	shared->ok = TRUE;
	g_main_loop_quit(shared->loop);
	return NULL;
}

static gboolean give_up(gpointer data)
{
	g_error("the fake QEMU did not finish within 30 s");
	return G_SOURCE_REMOVE;
}

static void test_session(void)
{
	g_autofree char *dir = g_dir_make_tmp("vhost-user-test-XXXXXX", NULL);
	g_autofree char *uds = g_build_filename(dir, "vsock", NULL);
	VsockDeviceConfig config = {.guest_cid = GUEST_CID,
				    .uds_path = uds,
				    .buf_alloc = 65536,
				    .max_connections = 8,
				    .connect_timeout_ms = 1000};
	VsockDevice *dev = vsock_device_new(&config);
	Shared shared = {.path = g_build_filename(dir, "vhost.sock", NULL)};
	VhostUserServer *server = vhost_user_server_new(dev, shared.path, NULL);
	GThread *thread;
	guint timer;

	g_assert_nonnull(server);
	shared.loop = g_main_loop_new(NULL, FALSE);
	thread = g_thread_new("fake-qemu", fake_qemu, &shared);
	timer = g_timeout_add_seconds(30, give_up, NULL);
	g_main_loop_run(shared.loop);
	g_source_remove(timer);
	g_thread_join(thread);
	g_assert_true(shared.ok);
	/* Let the server notice the last disconnect. */
	for (int i = 0; i < 100 && vhost_user_server_connected(server); i++)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(vhost_user_server_connected(server));
	vhost_user_server_free(server);
	g_assert_false(g_file_test(shared.path, G_FILE_TEST_EXISTS));
	vsock_device_free(dev);
	g_main_loop_unref(shared.loop);
	g_free(shared.path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_handler("ckpt-vsockd", G_LOG_LEVEL_MESSAGE, g_log_default_handler, NULL);
	g_test_add_func("/vhost-user/session", test_session);
	return g_test_run();
}
