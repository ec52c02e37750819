// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>

#include "host-error.h"
#include "host-image-file.h"

#define READBACK_CHUNK (1024 * 1024)

struct _HostImageFile {
	char *path, *tmp, *sha_path, *sha_tmp;
	int fd;
	GOutputStream *out;
	gboolean committed;
};

HostImageFile *host_image_file_create(const char *path, gboolean force, GError **error)
{
	g_autoptr(HostImageFile) f = g_new0(HostImageFile, 1);

	f->fd = -1;
	f->path = g_strdup(path);
	f->tmp = g_strconcat(path, ".tmp", NULL);
	f->sha_path = g_strconcat(path, ".sha256", NULL);
	f->sha_tmp = g_strconcat(path, ".sha256.tmp", NULL);
	if (!force && g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_EXISTS,
			    "%s exists (use --force to overwrite it)", path);
		return NULL;
	}
	f->fd = open(f->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->fd < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", f->tmp,
			    g_strerror(errno));
		return NULL;
	}
	f->out = g_unix_output_stream_new(f->fd, FALSE);
	return g_steal_pointer(&f);
}

GOutputStream *host_image_file_stream(HostImageFile *f)
{
	return f->out;
}

const char *host_image_file_path(HostImageFile *f)
{
	return f->path;
}

const char *host_image_file_sha256_path(HostImageFile *f)
{
	return f->sha_path;
}

static gboolean io_error(GError **error, const char *path, const char *what)
{
	int err = errno;

	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s: %s: %s", path, what,
		    g_strerror(err));
	return FALSE;
}

/* The sha256 of what the file holds now, read back through the page cache. */
static gboolean hash_file(const char *path, int fd, guint8 sha[AGENT_SHA256_LEN], guint64 *len,
			  GError **error)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guint8 *buf = g_malloc(READBACK_CHUNK);
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(fd, buf, READBACK_CHUNK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_error(error, path, "reading it back");
		if (n == 0)
			break;
		g_checksum_update(sum, buf, (gsize)n);
		off += n;
	}
	g_checksum_get_digest(sum, sha, &(gsize){AGENT_SHA256_LEN});
	*len = (guint64)off;
	return TRUE;
}

static gboolean write_sha_file(HostImageFile *f, const char *hex, GError **error)
{
	g_autofree char *base = g_path_get_basename(f->path);
	g_autofree char *line = g_strdup_printf("%s  %s\n", hex, base);
	int fd = open(f->sha_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	gsize len = strlen(line);

	if (fd < 0)
		return io_error(error, f->sha_tmp, "creating it");
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) < 0) {
		io_error(error, f->sha_tmp, "writing it");
		close(fd);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static void fsync_dir_of(const char *path)
{
	g_autofree char *dir = g_path_get_dirname(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

gboolean host_image_file_commit(HostImageFile *f, const AgentTrailer *t, GError **error)
{
	guint8 sha[AGENT_SHA256_LEN];
	g_autofree char *hex = agent_sha256_to_hex(t->sha256);
	guint64 len;

	if (!g_output_stream_flush(f->out, NULL, error))
		return FALSE;
	if (fsync(f->fd) < 0)
		return io_error(error, f->tmp, "fsync");
	if (!hash_file(f->tmp, f->fd, sha, &len, error))
		return FALSE;
	if (len != t->length || memcmp(sha, t->sha256, AGENT_SHA256_LEN) != 0) {
		g_autofree char *got = agent_sha256_to_hex(sha);

		g_set_error(error, HOST_ERROR, HOST_ERROR_VERIFY,
			    "%s: the file holds %" G_GUINT64_FORMAT " bytes with sha256 %s, the "
			    "agent sent %" G_GUINT64_FORMAT " bytes with sha256 %s",
			    f->tmp, len, got, t->length, hex);
		return FALSE;
	}
	if (!write_sha_file(f, hex, error))
		return FALSE;
	if (rename(f->tmp, f->path) < 0)
		return io_error(error, f->path, "renaming the image into place");
	if (rename(f->sha_tmp, f->sha_path) < 0) {
		io_error(error, f->sha_path, "renaming into place");
		unlink(f->path);
		return FALSE;
	}
	fsync_dir_of(f->path);
	f->committed = TRUE;
	return TRUE;
}

void host_image_file_free(HostImageFile *f)
{
	if (!f)
		return;
	g_clear_object(&f->out);
	if (f->fd >= 0)
		close(f->fd);
	if (!f->committed) {
		unlink(f->tmp);
		unlink(f->sha_tmp);
	}
	g_free(f->path);
	g_free(f->tmp);
	g_free(f->sha_path);
	g_free(f->sha_tmp);
	g_free(f);
}

char *host_image_file_recorded_sha256(const char *path, GError **error)
{
	g_autofree char *sha_path = g_strconcat(path, ".sha256", NULL);
	g_autofree char *text = NULL;
	guint8 sha[AGENT_SHA256_LEN];
	g_autoptr(GError) local = NULL;

	if (!g_file_get_contents(sha_path, &text, NULL, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return NULL;
		g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	/* sha256sum format: 64 hex digits, two spaces (or " *"), the name. */
	if (strlen(text) < 64 || (text[64] && text[64] != ' ' && text[64] != '\n'))
		goto bad;
	text[64] = '\0';
	if (!agent_sha256_from_hex(text, sha))
		goto bad;
	return g_ascii_strdown(text, -1);
bad:
	g_set_error(error, HOST_ERROR, HOST_ERROR_VERIFY,
		    "%s: not in sha256sum format (64 hex digits, then the name)", sha_path);
	return NULL;
}
