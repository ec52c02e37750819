// SPDX-License-Identifier: GPL-2.0-only
#include "socket-util.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

gboolean unix_path_fits(const char *path, gsize suffix_len)
{
	return strlen(path) + suffix_len < sizeof(((struct sockaddr_un *)NULL)->sun_path);
}

static void fill_addr(struct sockaddr_un *addr, const char *path)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	g_strlcpy(addr->sun_path, path, sizeof(addr->sun_path));
}

int unix_connect_nonblocking(const char *path, int *err)
{
	struct sockaddr_un addr;
	int fd;

	if (!unix_path_fits(path, 0)) {
		*err = ENAMETOOLONG;
		return -1;
	}
	fill_addr(&addr, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		/* A Unix connect either completes or fails (EAGAIN: backlog full). */
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static gboolean remove_stale(const char *path, GError **error)
{
	struct stat st;
	int err = 0;
	int fd;

	if (lstat(path, &st) < 0)
		return TRUE;
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
			    "%s exists and is not a socket; not replacing it", path);
		return FALSE;
	}
	fd = unix_connect_nonblocking(path, &err);
	if (fd >= 0 || err == EAGAIN) {
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
			    "%s: another process is listening there", path);
		return FALSE;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
			    "%s: removing the stale socket: %s", path, g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

int unix_listen(const char *path, GError **error)
{
	struct sockaddr_un addr;
	int fd;

	if (!unix_path_fits(path, 0)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
			    "%s: longer than a Unix socket path may be (%zu bytes)", path,
			    sizeof(addr.sun_path) - 1);
		return -1;
	}
	if (!remove_stale(path, error))
		return -1;
	fill_addr(&addr, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 128) < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: listening: %s", path,
			    g_strerror(e));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
