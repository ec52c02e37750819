// SPDX-License-Identifier: GPL-2.0-only
/* CkptStore: opening the image directory, and the rules every file in it follows. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "store-private.h"

gboolean ckpt_store_compression_valid(const char *compression)
{
	return g_strcmp0(compression, "none") == 0 || g_strcmp0(compression, "zstd") == 0;
}

gboolean ckpt_store_reason_valid(const char *reason)
{
	static const char *const reasons[] = {"manual", "migrate", "shutdown", "periodic", NULL};

	return reason && g_strv_contains(reasons, reason);
}

gboolean ckpt_store_container_valid(const char *container)
{
	size_t len = container ? strlen(container) : 0;

	if (len < 1 || len > 64 || !g_ascii_isalnum(container[0]))
		return FALSE;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalnum(container[i]) && !strchr("_.-", container[i]))
			return FALSE;
	}
	return TRUE;
}

char *ckpt_store_image_file_name(const char *id, const char *compression)
{
	return g_strconcat(id, g_strcmp0(compression, "zstd") == 0 ? ".img.zst" : ".img", NULL);
}

gboolean ckpt_store_fsync_dir(const char *dir, GError **error)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd >= 0 && fsync(fd) == 0) {
		close(fd);
		return TRUE;
	}
	err = errno;
	if (fd >= 0)
		close(fd);
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
		    "store: syncing directory %s: %s", dir, g_strerror(err));
	return FALSE;
}

CkptStore *ckpt_store_open(const char *dir, GError **error)
{
	g_autoptr(CkptStore) s = g_new0(CkptStore, 1);
	const char *chosen = dir;

	if (!chosen)
		chosen = g_getenv(CKPT_STORE_DIR_ENV);
	if (!chosen || !*chosen)
		chosen = CKPT_STORE_DEFAULT_DIR;
	/* Metadata holds absolute paths; a relative dir would make them depend on the cwd. */
	s->dir = g_canonicalize_filename(chosen, NULL);
	s->images_dir = g_build_filename(s->dir, "images", NULL);
	/* 0700: images hold whole process memories. */
	if (g_mkdir_with_parents(s->images_dir, 0700) < 0) {
		int err = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
			    "store %s: creating %s: %s", s->dir, s->images_dir, g_strerror(err));
		return NULL;
	}
	if (!g_file_test(s->images_dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
			    "store %s: %s is not a directory", s->dir, s->images_dir);
		return NULL;
	}
	return g_steal_pointer(&s);
}

void ckpt_store_free(CkptStore *s)
{
	if (!s)
		return;
	g_free(s->dir);
	g_free(s->images_dir);
	g_free(s);
}

const char *ckpt_store_dir(const CkptStore *s)
{
	return s->dir;
}
