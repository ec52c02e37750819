// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt-guest-error.h"
#include "ckpt-image-output.h"

struct _CkptImageOutput {
	char *path;	/* NULL for stdout */
	char *tmp_path; /* NULL when written in place */
	int fd;
	gboolean committed;
};

/*
 * A pipe's default 64 KiB makes the module and the reader take turns every
 * 16 pages; a larger one lets both run. Best effort: an unprivileged limit
 * or a non-pipe simply keeps what it has.
 */
static void grow_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

CkptImageOutput *ckpt_image_output_open(const char *path, GError **error)
{
	g_autoptr(CkptImageOutput) out = g_new0(CkptImageOutput, 1);

	out->fd = -1;
	if (g_strcmp0(path, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
				    "refusing to write an image to a terminal; redirect stdout");
			return NULL;
		}
		out->fd = STDOUT_FILENO;
		grow_pipe(out->fd);
		return g_steal_pointer(&out);
	}
	out->path = g_strdup(path);

	/*
	 * An existing device, FIFO or socket (/dev/null, a named pipe) is
	 * written in place: renaming a file over it would replace the node.
	 */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
				    "%s is a directory", path);
			return NULL;
		}
		out->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (out->fd < 0) {
			ckpt_set_error_errno(error, errno, "cannot open %s", path);
			return NULL;
		}
		grow_pipe(out->fd);
		return g_steal_pointer(&out);
	}
	out->tmp_path = g_strdup_printf("%s.tmp", path);
	/* A leftover .tmp is a failed earlier attempt: replace it. */
	out->fd = open(out->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out->fd < 0) {
		ckpt_set_error_errno(error, errno, "cannot create %s", out->tmp_path);
		return NULL;
	}
	return g_steal_pointer(&out);
}

int ckpt_image_output_get_fd(const CkptImageOutput *out)
{
	return out->fd;
}

const char *ckpt_image_output_get_path(const CkptImageOutput *out)
{
	return out->path ? out->path : "-";
}

static gboolean fsync_dir_of(const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		ckpt_set_error_errno(error, errno, "cannot sync directory %s", dir);
		if (fd >= 0)
			close(fd);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

gboolean ckpt_image_output_commit(CkptImageOutput *out, GError **error)
{
	struct stat st;

	if (!out->tmp_path) {
		/* A file on stdout deserves the same durability; a pipe has none. */
		if (fstat(out->fd, &st) == 0 && S_ISREG(st.st_mode) && fsync(out->fd) < 0) {
			ckpt_set_error_errno(error, errno, "cannot sync the image on stdout");
			return FALSE;
		}
		out->committed = TRUE;
		return TRUE;
	}
	if (fsync(out->fd) < 0) {
		ckpt_set_error_errno(error, errno, "cannot sync %s", out->tmp_path);
		return FALSE;
	}
	if (close(out->fd) < 0) {
		out->fd = -1;
		ckpt_set_error_errno(error, errno, "cannot close %s", out->tmp_path);
		return FALSE;
	}
	out->fd = -1;
	if (rename(out->tmp_path, out->path) < 0) {
		ckpt_set_error_errno(error, errno, "cannot rename %s to %s", out->tmp_path,
				     out->path);
		return FALSE;
	}
	out->committed = TRUE;
	return fsync_dir_of(out->path, error);
}

void ckpt_image_output_free(CkptImageOutput *out)
{
	if (!out)
		return;
	if (out->path && out->fd >= 0)
		close(out->fd);
	if (out->tmp_path && !out->committed)
		unlink(out->tmp_path);
	g_free(out->path);
	g_free(out->tmp_path);
	g_free(out);
}
