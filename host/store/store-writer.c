// SPDX-License-Identifier: GPL-2.0-only
/*
 * CkptStoreWriter: one image on its way into the store.
 *
 * The bytes go to images/.ID.img.tmp; commit checks them against what the
 * sender reported, fsyncs, writes images/.ID.json.tmp, renames the image
 * and then the metadata into place and fsyncs the directory. The .json is
 * the last name to appear, so a crash at any point leaves nothing that
 * lists as an image (only temp files or an orphan the next list removes).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gio/gunixoutputstream.h>

#include "store-private.h"
#include "writer-stream.h"

struct _CkptStoreWriter {
	CkptStore *store;
	char *id, *vm, *container, *kernel, *compression, *reason, *created;
	char *temp_image, *temp_json, *final_image, *final_json;
	int fd;
	GOutputStream *file_out;  /* on fd, which it does not close */
	CkptWriterStream *stream; /* hashing; over the compressor or file_out */
	gboolean committed;
	gboolean commit_failed; /* its temp files are gone: no second try */
};

static char *new_id(const char *container, GDateTime *now)
{
	g_autofree char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");

	return g_strdup_printf("%s-%s-%04x", container, stamp, g_random_int_range(0, 0x10000));
}

static gboolean check_args(CkptStore *s, const char *vm, const char *container,
			   const char *compression, const char *reason, GError **error)
{
	if (!vm || !*vm) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID,
			    "store %s: new image of container %s: no VM name", s->dir,
			    container ? container : "(null)");
		return FALSE;
	}
	if (!ckpt_store_container_valid(container)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID,
			    "store %s: new image from %s: \"%s\" is not a container name (1-64 of "
			    "A-Za-z0-9_.-, starting with a letter or digit)",
			    s->dir, vm, container ? container : "(null)");
		return FALSE;
	}
	if (!ckpt_store_compression_valid(compression)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID,
			    "store %s: new image of %s/%s: compression \"%s\" (expected none or "
			    "zstd)",
			    s->dir, vm, container, compression);
		return FALSE;
	}
	if (!ckpt_store_reason_valid(reason)) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID,
			    "store %s: new image of %s/%s: reason \"%s\" (expected manual, "
			    "migrate, shutdown or periodic)",
			    s->dir, vm, container, reason);
		return FALSE;
	}
	return TRUE;
}

/* Pick a free id and create its temp file; the id's random part makes clashes rare. */
static gboolean create_temp(CkptStoreWriter *w, GDateTime *now, GError **error)
{
	for (int attempt = 0; attempt < 32; attempt++) {
		g_autofree char *image_name = NULL;
		g_autofree char *base = NULL;

		g_free(w->id);
		w->id = new_id(w->container, now);
		image_name = ckpt_store_image_file_name(w->id, w->compression);
		base = g_strdup_printf(".%s", w->id);
		g_free(w->temp_image);
		g_free(w->temp_json);
		g_free(w->final_image);
		g_free(w->final_json);
		w->temp_image = g_strdup_printf("%s/%s.img.tmp", w->store->images_dir, base);
		w->temp_json = g_strdup_printf("%s/%s.json.tmp", w->store->images_dir, base);
		w->final_image = g_build_filename(w->store->images_dir, image_name, NULL);
		w->final_json = g_strdup_printf("%s/%s.json", w->store->images_dir, w->id);
		if (g_file_test(w->final_json, G_FILE_TEST_EXISTS) ||
		    g_file_test(w->final_image, G_FILE_TEST_EXISTS))
			continue;
		w->fd = open(w->temp_image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (w->fd >= 0)
			return TRUE;
		if (errno != EEXIST) {
			int err = errno;

			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
				    "store %s: creating %s for image %s: %s", w->store->dir,
				    w->temp_image, w->id, g_strerror(err));
			return FALSE;
		}
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		    "store %s: no free image id for container %s", w->store->dir, w->container);
	return FALSE;
}

CkptStoreWriter *ckpt_store_writer_new(CkptStore *s, const char *vm, const char *container,
				       const char *kernel, const char *compression,
				       const char *reason, GError **error)
{
	g_autoptr(CkptStoreWriter) w = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GOutputStream) below = NULL;

	compression = compression ? compression : "none";
	reason = reason ? reason : "manual";
	if (!check_args(s, vm, container, compression, reason, error))
		return NULL;
	w = g_new0(CkptStoreWriter, 1);
	w->fd = -1;
	w->store = s;
	w->vm = g_strdup(vm);
	w->container = g_strdup(container);
	w->kernel = g_strdup(kernel);
	w->compression = g_strdup(compression);
	w->reason = g_strdup(reason);
	w->created = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
	if (!create_temp(w, now, error))
		return NULL;
	w->file_out = g_unix_output_stream_new(w->fd, FALSE);
	if (g_str_equal(compression, "zstd")) {
		g_autoptr(CkptZstdCompressor) z = ckpt_zstd_compressor_new(CKPT_ZSTD_DEFAULT_LEVEL);

		below = g_converter_output_stream_new(w->file_out, G_CONVERTER(z));
	} else {
		below = g_object_ref(w->file_out);
	}
	w->stream = ckpt_writer_stream_new(below, s->dir, w->id, w->temp_image);
	return g_steal_pointer(&w);
}

const char *ckpt_store_writer_id(const CkptStoreWriter *w)
{
	return w->id;
}

guint64 ckpt_store_writer_bytes(const CkptStoreWriter *w)
{
	return ckpt_writer_stream_get_bytes(w->stream);
}

GOutputStream *ckpt_store_writer_stream(CkptStoreWriter *w)
{
	return G_OUTPUT_STREAM(w->stream);
}

static gboolean errno_error(CkptStoreWriter *w, int err, const char *what, GError **error)
{
	g_autoptr(GError) cause =
		g_error_new_literal(G_IO_ERROR, g_io_error_from_errno(err), g_strerror(err));

	ckpt_writer_stream_set_error(w->stream, error, cause, what);
	return FALSE;
}

static gboolean write_json(CkptStoreWriter *w, const CkptImageMeta *m, GError **error)
{
	g_autoptr(JsonNode) node = ckpt_image_meta_to_json(m);
	g_autofree char *text = json_to_string(node, TRUE);
	g_autofree char *line = g_strconcat(text, "\n", NULL);
	size_t len = strlen(line), done = 0;
	int fd = open(w->temp_json, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno_error(w, errno, "creating the metadata of", error);
	while (done < len) {
		ssize_t n = write(fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			close(fd);
			return errno_error(w, err, "writing the metadata of", error);
		}
		done += n;
	}
	if (fsync(fd) < 0) {
		int err = errno;

		close(fd);
		return errno_error(w, err, "syncing the metadata of", error);
	}
	if (close(fd) < 0)
		return errno_error(w, errno, "closing the metadata of", error);
	return TRUE;
}

/* Everything after the bytes are in: checks, fsync, metadata, renames. */
static CkptImageMeta *finish(CkptStoreWriter *w, const char *sha256_hex, guint64 size,
			     GError **error)
{
	g_autoptr(CkptImageMeta) m = NULL;
	struct stat st;
	const char *got_sha;
	guint64 got_size;

	if (!g_output_stream_close(G_OUTPUT_STREAM(w->stream), NULL, error))
		return NULL;
	/* The caller may have closed the stream itself (a splice with CLOSE_TARGET). */
	if (ckpt_writer_stream_get_failure(w->stream)) {
		g_propagate_error(error, g_error_copy(ckpt_writer_stream_get_failure(w->stream)));
		return NULL;
	}
	got_sha = ckpt_writer_stream_get_sha256(w->stream);
	got_size = ckpt_writer_stream_get_bytes(w->stream);
	if (got_size != size) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM,
			    "image %s: the sender reported %" G_GUINT64_FORMAT
			    " bytes, the store received %" G_GUINT64_FORMAT "; nothing stored",
			    w->id, size, got_size);
		return NULL;
	}
	if (sha256_hex && g_ascii_strcasecmp(sha256_hex, got_sha) != 0) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM,
			    "image %s: sha256 mismatch: the sender reported %s, the store received "
			    "%s; nothing stored",
			    w->id, sha256_hex, got_sha);
		return NULL;
	}
	if (fsync(w->fd) < 0)
		return errno_error(w, errno, "syncing", error), NULL;
	if (fstat(w->fd, &st) < 0)
		return errno_error(w, errno, "checking", error), NULL;

	m = g_new0(CkptImageMeta, 1);
	m->id = g_strdup(w->id);
	m->vm = g_strdup(w->vm);
	m->container = g_strdup(w->container);
	m->kernel = g_strdup(w->kernel);
	m->created = g_strdup(w->created);
	m->sha256 = g_strdup(got_sha);
	m->compression = g_strdup(w->compression);
	m->reason = g_strdup(w->reason);
	m->path = g_strdup(w->final_image);
	m->size = got_size;
	m->stored_size = (guint64)st.st_size;
	if (!write_json(w, m, error))
		return NULL;
	if (g_rename(w->temp_image, w->final_image) < 0)
		return errno_error(w, errno, "renaming", error), NULL;
	if (g_rename(w->temp_json, w->final_json) < 0) {
		int err = errno;

		g_unlink(w->final_image);
		return errno_error(w, err, "renaming the metadata of", error), NULL;
	}
	/* From here on the image exists; the directory fsync makes it durable. */
	w->committed = TRUE;
	if (!ckpt_store_fsync_dir(w->store->images_dir, error)) {
		g_unlink(w->final_json);
		g_unlink(w->final_image);
		w->committed = FALSE;
		return NULL;
	}
	return g_steal_pointer(&m);
}

CkptImageMeta *ckpt_store_writer_commit(CkptStoreWriter *w, const char *sha256_hex, guint64 size,
					GError **error)
{
	CkptImageMeta *m;

	if (w->committed) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID,
			    "image %s: already committed", w->id);
		return NULL;
	}
	if (w->commit_failed) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_INVALID,
			    "image %s: its commit failed before; start a new writer", w->id);
		return NULL;
	}
	m = finish(w, sha256_hex, size, error);
	if (!m) {
		/* Free space and leave nothing behind right now, not at free. */
		w->commit_failed = TRUE;
		g_unlink(w->temp_image);
		g_unlink(w->temp_json);
	}
	return m;
}

void ckpt_store_writer_free(CkptStoreWriter *w)
{
	if (!w)
		return;
	if (!w->committed) {
		/* Unlink first: disposing an unclosed stream still flushes into the file. */
		if (w->temp_image)
			g_unlink(w->temp_image);
		if (w->temp_json)
			g_unlink(w->temp_json);
	}
	/* The streams before the fd: their dispose may still write to it. */
	g_clear_object(&w->stream);
	g_clear_object(&w->file_out);
	if (w->fd >= 0)
		close(w->fd);
	g_free(w->id);
	g_free(w->vm);
	g_free(w->container);
	g_free(w->kernel);
	g_free(w->compression);
	g_free(w->reason);
	g_free(w->created);
	g_free(w->temp_image);
	g_free(w->temp_json);
	g_free(w->final_image);
	g_free(w->final_json);
	g_free(w);
}
