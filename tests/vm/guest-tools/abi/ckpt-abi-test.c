/*
 * ckpt-abi-test: checks the /dev/ckpt ioctl ABI rules (docs/abi.md) against
 * the loaded module. Runs in a test guest as root, after `insmod ckpt.ko`.
 *
 * Prints one "PASS name" or "FAIL name: reason" line per check and exits
 * non-zero if any check failed. Checks that need a less privileged caller
 * run in a child process; the child prints its own lines and reports its
 * failures in its exit status.
 *
 * Statically linked: the guest has no shared libraries of ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "ckpt_uapi.h"
#include "ckpt_image.h"

#define DEV_PATH "/dev/" CKPT_DEVICE_NAME
#define NOBODY 65534

static int failures;

static void pass(const char *name)
{
	printf("PASS %s\n", name);
	fflush(stdout);
}

__attribute__((format(printf, 2, 3))) static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures++;
}

static int open_dev(void)
{
	return open(DEV_PATH, O_RDWR | O_CLOEXEC);
}

/* A handshake struct with room behind it for "newer caller" checks. */
struct hs_buf {
	struct ckpt_ioc_handshake hs;
	unsigned char tail[64];
	char errbuf[CKPT_ERRBUF_MAX];
};

static void hs_init(struct hs_buf *b)
{
	memset(b, 0, sizeof(*b));
	b->hs.size = sizeof(b->hs);
	b->hs.api_version = CKPT_API_VERSION;
	b->hs.errbuf = (uintptr_t)b->errbuf;
	b->hs.errbuf_len = sizeof(b->errbuf);
	/* Filled with 'X' to tell "no text written" from an empty text. */
	memset(b->errbuf, 'X', sizeof(b->errbuf));
}

static bool errbuf_written(const char *buf, size_t len)
{
	return memchr(buf, '\0', len) != NULL && buf[0] != '\0';
}

/* ioctl() returning errno (0 on success). */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

/*
 * Expect the call to fail with want; when need_text, also expect a
 * readable message containing word in the error buffer.
 */
static void expect_err(const char *name, int got, int want, const char *errbuf, size_t errbuf_len,
		       bool need_text, const char *word)
{
	if (got != want) {
		fail(name, "got %s, want %s", got ? strerror(got) : "success", strerror(want));
		return;
	}
	if (!need_text) {
		pass(name);
		return;
	}
	if (!errbuf_written(errbuf, errbuf_len)) {
		fail(name, "%s as expected, but no error text in errbuf", strerror(want));
		return;
	}
	if (word && !strstr(errbuf, word)) {
		fail(name, "error text \"%s\" does not mention \"%s\"", errbuf, word);
		return;
	}
	fprintf(stderr, "# %s: %s\n", name, errbuf);
	pass(name);
}

static void test_devnode(void)
{
	struct stat st;

	if (stat(DEV_PATH, &st) < 0) {
		fail("devnode", "stat %s: %s", DEV_PATH, strerror(errno));
		return;
	}
	if (!S_ISCHR(st.st_mode) || (st.st_mode & 07777) != 0600 || st.st_uid != 0) {
		fail("devnode", "%s is mode %o uid %u, want a char device, 0600, root", DEV_PATH,
		     (unsigned)st.st_mode, (unsigned)st.st_uid);
		return;
	}
	pass("devnode");
}

/* A ckpt call before the handshake is EPROTO, on a fresh open file. */
static void test_before_handshake(uint64_t features)
{
	struct ckpt_ioc_checkpoint cp;
	char errbuf[CKPT_ERRBUF_MAX];
	int fd = open_dev();

	if (fd < 0) {
		fail("before_handshake", "open %s: %s", DEV_PATH, strerror(errno));
		return;
	}
	memset(&cp, 0, sizeof(cp));
	memset(errbuf, 'X', sizeof(errbuf));
	cp.size = sizeof(cp);
	cp.pid = 1;
	cp.fd = -1;
	cp.errbuf = (uintptr_t)errbuf;
	cp.errbuf_len = sizeof(errbuf);
	/*
	 * The text names the call, so it needs a module that knows the call;
	 * one without CKPT_FEAT_CHECKPOINT can only give the errno.
	 */
	expect_err("before_handshake", xioctl(fd, CKPT_IOC_CHECKPOINT, &cp), EPROTO, errbuf,
		   sizeof(errbuf), features & CKPT_FEAT_CHECKPOINT, "HANDSHAKE");
	close(fd);
}

static uint64_t test_handshake(int fd)
{
	struct hs_buf b;
	int err;

	hs_init(&b);
	err = xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs);
	if (err) {
		fail("handshake", "%s: %s", strerror(err),
		     errbuf_written(b.errbuf, sizeof(b.errbuf)) ? b.errbuf : "(no text)");
		return 0;
	}
	if (b.hs.kernel_api != CKPT_API_VERSION)
		fail("handshake", "kernel_api %u, want %u", b.hs.kernel_api, CKPT_API_VERSION);
	else if (b.hs.image_version != CKPT_IMAGE_VERSION)
		fail("handshake", "image_version %u, want %u", b.hs.image_version,
		     CKPT_IMAGE_VERSION);
	else if (b.hs.features & ~(CKPT_FEAT_CHECKPOINT | CKPT_FEAT_RESTORE))
		fail("handshake", "features 0x%llx has bits this header does not define",
		     (unsigned long long)b.hs.features);
	else if (b.errbuf[0] != 'X')
		fail("handshake", "the module wrote errbuf on success");
	else {
		fprintf(stderr, "# handshake: kernel_api %u features 0x%llx image_version %u\n",
			b.hs.kernel_api, (unsigned long long)b.hs.features, b.hs.image_version);
		pass("handshake");
	}
	return b.hs.features;
}

static void test_handshake_again(int fd, const char *name)
{
	struct hs_buf b;
	int err;

	hs_init(&b);
	err = xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs);
	if (err)
		fail(name, "another handshake on one file: %s", strerror(err));
	else
		pass(name);
}

static void test_reserved(int fd)
{
	for (int i = 0; i < 4; i++) {
		struct hs_buf b;
		char name[32];

		hs_init(&b);
		b.hs.reserved[i] = 1ULL << (8 * i);
		snprintf(name, sizeof(name), "reserved_%d_nonzero", i);
		expect_err(name, xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), EINVAL, b.errbuf,
			   sizeof(b.errbuf), true, "reserved");
	}
}

static void test_unknown_flag(int fd)
{
	struct hs_buf b;

	hs_init(&b);
	b.hs.flags = 1U << 31;
	expect_err("unknown_flag", xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), EINVAL, b.errbuf,
		   sizeof(b.errbuf), true, "flags");
}

static void test_sizes(int fd)
{
	struct hs_buf b;
	int err;

	/* Still long enough to carry errbuf: the text explains the size. */
	hs_init(&b);
	b.hs.size = sizeof(b.hs) - sizeof(b.hs.reserved[0]);
	expect_err("size_too_small", xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), EINVAL, b.errbuf,
		   sizeof(b.errbuf), true, "size");

	/* Too short to hold errbuf: only the errno, and errbuf untouched. */
	hs_init(&b);
	b.hs.size = sizeof(b.hs.size);
	err = xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs);
	if (err != EINVAL)
		fail("size_tiny", "got %s, want %s", err ? strerror(err) : "success",
		     strerror(EINVAL));
	else if (b.errbuf[0] != 'X')
		fail("size_tiny", "errbuf written although the size does not cover it");
	else
		pass("size_tiny");

	hs_init(&b);
	b.hs.size = sizeof(b.hs) + sizeof(b.tail);
	b.tail[sizeof(b.tail) - 1] = 1;
	expect_err("size_larger_nonzero_tail", xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), E2BIG,
		   b.errbuf, sizeof(b.errbuf), true, "not zero");

	hs_init(&b);
	b.hs.size = sizeof(b.hs) + sizeof(b.tail);
	err = xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs);
	if (err)
		fail("size_larger_zero_tail", "%s: %s", strerror(err), b.errbuf);
	else if (b.hs.kernel_api != CKPT_API_VERSION || b.hs.image_version != CKPT_IMAGE_VERSION)
		fail("size_larger_zero_tail", "outputs not filled in (kernel_api %u)",
		     b.hs.kernel_api);
	else if (b.tail[0] || memcmp(b.tail, b.tail + 1, sizeof(b.tail) - 1))
		fail("size_larger_zero_tail", "the module wrote past the struct it knows");
	else
		pass("size_larger_zero_tail");

	/* Way beyond any struct: refused before reading it all. */
	hs_init(&b);
	b.hs.size = 1U << 20;
	expect_err("size_huge", xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), E2BIG, b.errbuf,
		   sizeof(b.errbuf), true, "size");
}

static void test_api_version(int fd)
{
	const unsigned versions[] = {0, CKPT_API_VERSION + 1, 0xffffffffU};

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct hs_buf b;
		char name[48];

		hs_init(&b);
		b.hs.api_version = versions[i];
		snprintf(name, sizeof(name), "api_version_%u", versions[i]);
		expect_err(name, xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), EPROTONOSUPPORT, b.errbuf,
			   sizeof(b.errbuf), true, "api_version");
	}
}

/* The text is cut to errbuf_len, NUL-terminated, and nothing after it is touched. */
static void test_errbuf_short(int fd)
{
	struct hs_buf b;
	int err;

	hs_init(&b);
	b.hs.errbuf_len = 8;
	b.hs.flags = 1;
	err = xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs);
	if (err != EINVAL)
		fail("errbuf_short", "got %s, want %s", err ? strerror(err) : "success",
		     strerror(EINVAL));
	else if (strlen(b.errbuf) != 7 || b.errbuf[8] != 'X')
		fail("errbuf_short", "text not cut to 7 bytes + NUL within errbuf_len 8");
	else
		pass("errbuf_short");
}

/* An unwritable errbuf loses the text, not the errno. */
static void test_errbuf_bad_pointer(int fd)
{
	struct hs_buf b;

	hs_init(&b);
	b.hs.flags = 1;
	b.hs.errbuf = 8;
	expect_err("errbuf_bad_pointer", xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), EINVAL, NULL, 0,
		   false, NULL);
}

static void test_unknown_ioctl(int fd)
{
	struct hs_buf b;
	struct termios t;
	int err;

	hs_init(&b);
	err = xioctl(fd, _IOWR(CKPT_IOC_MAGIC, 0x3f, struct ckpt_ioc_handshake), &b.hs);
	if (err != ENOTTY)
		fail("unknown_ioctl", "nr 0x3f: got %s, want %s", err ? strerror(err) : "success",
		     strerror(ENOTTY));
	else
		pass("unknown_ioctl");

	/* Right number, wrong direction: not the same call. */
	hs_init(&b);
	err = xioctl(fd, _IOW(CKPT_IOC_MAGIC, 0x00, struct ckpt_ioc_handshake), &b.hs);
	if (err != ENOTTY)
		fail("wrong_direction", "_IOW handshake: got %s, want %s",
		     err ? strerror(err) : "success", strerror(ENOTTY));
	else
		pass("wrong_direction");

	/* What isatty() does. */
	err = tcgetattr(fd, &t) < 0 ? errno : 0;
	if (err != ENOTTY)
		fail("foreign_ioctl", "TCGETS: got %s, want %s", err ? strerror(err) : "success",
		     strerror(ENOTTY));
	else
		pass("foreign_ioctl");
}

/* The size bits of the command are ignored: a grown struct keeps its call. */
static void test_cmd_size_ignored(int fd)
{
	struct hs_buf b;
	int err;

	hs_init(&b);
	b.hs.size = sizeof(b.hs) + sizeof(b.tail);
	err = xioctl(
		fd,
		_IOC(_IOC_READ | _IOC_WRITE, CKPT_IOC_MAGIC, 0x00, sizeof(b.hs) + sizeof(b.tail)),
		&b.hs);
	if (err)
		fail("cmd_size_ignored", "%s: %s", strerror(err), b.errbuf);
	else
		pass("cmd_size_ignored");
}

/* Run fn in a child; its failures count as ours. */
static void in_child(const char *name, void (*fn)(int fd), int fd)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fail(name, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		failures = 0;
		fn(fd);
		fflush(stdout);
		_exit(failures > 100 ? 100 : failures);
	}
	if (waitpid(pid, &status, 0) < 0) {
		fail(name, "waitpid: %s", strerror(errno));
		return;
	}
	if (!WIFEXITED(status))
		fail(name, "child died (status 0x%x)", status);
	else
		failures += WEXITSTATUS(status);
}

static void expect_eperm(const char *name, int fd, const char *word)
{
	struct hs_buf b;
	char name2[64];

	hs_init(&b);
	expect_err(name, xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), EPERM, b.errbuf, sizeof(b.errbuf),
		   true, word);

	/* Permission comes first: an invalid struct still gets EPERM. */
	hs_init(&b);
	b.hs.reserved[0] = 1;
	snprintf(name2, sizeof(name2), "%s_invalid_args", name);
	expect_err(name2, xioctl(fd, CKPT_IOC_HANDSHAKE, &b.hs), EPERM, b.errbuf, sizeof(b.errbuf),
		   true, word);
}

/* uid 0, but without CAP_SYS_ADMIN. */
static void child_no_cap(int fd)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0) {
		fail("no_cap_sys_admin", "capget: %s", strerror(errno));
		return;
	}
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		fail("no_cap_sys_admin", "capset: %s", strerror(errno));
		return;
	}
	expect_eperm("no_cap_sys_admin", fd, "CAP_SYS_ADMIN");
}

/* An ordinary user: the inherited fd is refused, and so is opening the node. */
static void child_nobody(int fd)
{
	int fd2;

	if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0) {
		fail("non_root", "dropping to uid %d: %s", NOBODY, strerror(errno));
		return;
	}
	expect_eperm("non_root", fd, "CAP_SYS_ADMIN");

	fd2 = open_dev();
	if (fd2 >= 0) {
		fail("non_root_open", "uid %d opened %s", NOBODY, DEV_PATH);
		close(fd2);
	} else if (errno != EACCES) {
		fail("non_root_open", "got %s, want %s", strerror(errno), strerror(EACCES));
	} else {
		pass("non_root_open");
	}
}

/* Root in a new user namespace has CAP_SYS_ADMIN there, not in the initial one. */
static void child_userns(int fd)
{
	if (unshare(CLONE_NEWUSER) < 0) {
		fail("user_namespace", "unshare(CLONE_NEWUSER): %s", strerror(errno));
		return;
	}
	expect_eperm("user_namespace", fd, "CAP_SYS_ADMIN");
}

static void grandchild_pidns(int fd)
{
	if (getpid() != 1) {
		fail("pid_namespace", "not pid 1 in the new pid namespace (pid %d)", getpid());
		return;
	}
	expect_eperm("pid_namespace", fd, "pid namespace");
}

/* unshare(CLONE_NEWPID) moves our children, not us, into the new namespace. */
static void child_pidns(int fd)
{
	if (unshare(CLONE_NEWPID) < 0) {
		fail("pid_namespace", "unshare(CLONE_NEWPID): %s", strerror(errno));
		return;
	}
	in_child("pid_namespace", grandchild_pidns, fd);
}

int main(void)
{
	uint64_t features;
	int fd;

	test_devnode();
	fd = open_dev();
	if (fd < 0) {
		fail("open", "%s: %s", DEV_PATH, strerror(errno));
		return 1;
	}
	pass("open");

	features = test_handshake(fd);
	test_before_handshake(features);
	test_handshake_again(fd, "handshake_again");
	test_reserved(fd);
	test_unknown_flag(fd);
	test_sizes(fd);
	test_api_version(fd);
	test_errbuf_short(fd);
	test_errbuf_bad_pointer(fd);
	test_unknown_ioctl(fd);
	test_cmd_size_ignored(fd);

	in_child("no_cap_sys_admin", child_no_cap, fd);
	in_child("non_root", child_nobody, fd);
	in_child("user_namespace", child_userns, fd);
	in_child("pid_namespace", child_pidns, fd);

	/* After all that, the file still works. */
	test_handshake_again(fd, "handshake_after_children");
	close(fd);

	printf("%s: %d failed\n", failures ? "FAILED" : "OK", failures);
	return failures ? 1 : 0;
}
