/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckpt-store: the host's image store (docs/image-store.md).
 *
 *   DIR/images/ID.img or ID.img.zst   the image (the agent's stream payload)
 *   DIR/images/ID.json                its metadata; written last, it is
 *                                     what makes the image exist
 *   DIR/images/.ID.*.tmp              a write in progress (or a crash)
 *
 * ID = CONTAINER-YYYYMMDDTHHMMSSZ-XXXX (XXXX: 4 random hex digits).
 * DIR defaults to $CKPT_STORE_DIR, else /var/lib/ckpt-host; created 0700.
 *
 * Writes are atomic: temp file, fsync, rename, fsync of the directory. The
 * writer hashes (sha256) and counts the uncompressed bytes; commit refuses
 * an image whose hash or length differs from what the sender reported.
 * Reads verify the same sha256 and length while streaming.
 *
 * Errors: CKPT_STORE_ERROR for the store's own checks (below); I/O errors
 * keep their G_IO_ERROR code (G_IO_ERROR_NO_SPACE for a full disk) with a
 * message naming the store, the image and the bytes written.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ckpt-zstd.h"
#include "ckpt-verify-stream.h"

G_BEGIN_DECLS

#define CKPT_STORE_DEFAULT_DIR "/var/lib/ckpt-host"
#define CKPT_STORE_DIR_ENV "CKPT_STORE_DIR"
/* Temp files and orphaned image files older than this are a crash's leftovers. */
#define CKPT_STORE_STALE_S 3600

#define CKPT_STORE_ERROR (ckpt_store_error_quark())
GQuark ckpt_store_error_quark(void);

typedef enum {
	CKPT_STORE_ERROR_NOT_FOUND, /* no image with that id or prefix */
	CKPT_STORE_ERROR_AMBIGUOUS, /* the prefix matches several images */
	CKPT_STORE_ERROR_CHECKSUM,  /* sha256 or length differs from the recorded/reported one */
	CKPT_STORE_ERROR_CORRUPT,   /* metadata unreadable, image file missing or wrong size */
	CKPT_STORE_ERROR_INVALID,   /* a bad argument (container name, compression, ...) */
} CkptStoreError;

typedef struct {
	char *id, *vm, *container;
	char *kernel;	     /* guest kernel release; NULL if the writer did not know it */
	char *created;	     /* ISO 8601 UTC with microseconds, e.g. 2026-11-23T04:09:22.123456Z */
	char *sha256;	     /* hex, of the uncompressed image */
	char *compression;   /* "none" | "zstd" */
	char *reason;	     /* "manual" | "migrate" | "shutdown" | "periodic" */
	char *path;	     /* absolute path of the image file (JSON: "file", its basename) */
	guint64 size;	     /* uncompressed bytes */
	guint64 stored_size; /* bytes of the image file */
} CkptImageMeta;

typedef struct _CkptStore CkptStore;
typedef struct _CkptStoreWriter CkptStoreWriter;

void ckpt_image_meta_free(CkptImageMeta *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptImageMeta, ckpt_image_meta_free)
CkptImageMeta *ckpt_image_meta_copy(const CkptImageMeta *m);
/* The metadata object as stored in ID.json (keys: see docs/image-store.md). */
JsonNode *ckpt_image_meta_to_json(const CkptImageMeta *m);

/* NULL dir: $CKPT_STORE_DIR, else CKPT_STORE_DEFAULT_DIR. Creates DIR and DIR/images (0700). */
CkptStore *ckpt_store_open(const char *dir, GError **error);
void ckpt_store_free(CkptStore *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptStore, ckpt_store_free)
const char *ckpt_store_dir(const CkptStore *s);

/*
 * Start writing a new image. kernel may be NULL; compression NULL means
 * "none"; reason NULL means "manual". The container name must be 1-64 of
 * [A-Za-z0-9_.-] starting with a letter or digit (it is part of the file name).
 */
CkptStoreWriter *ckpt_store_writer_new(CkptStore *s, const char *vm, const char *container,
				       const char *kernel, const char *compression,
				       const char *reason, GError **error);
const char *ckpt_store_writer_id(const CkptStoreWriter *w);
/* Uncompressed bytes accepted so far. */
guint64 ckpt_store_writer_bytes(const CkptStoreWriter *w);
/* Write the image bytes here (hashed, then compressed); owned by the writer. */
GOutputStream *ckpt_store_writer_stream(CkptStoreWriter *w);
/*
 * Finish: check the writer's own sha256 and length against the sender's
 * (sha256_hex NULL: no check against a sender), fsync, rename, write the
 * metadata. On error nothing is left in the store. Returns a new meta.
 */
CkptImageMeta *ckpt_store_writer_commit(CkptStoreWriter *w, const char *sha256_hex, guint64 size,
					GError **error);
/* An uncommitted writer removes its temp files. */
void ckpt_store_writer_free(CkptStoreWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptStoreWriter, ckpt_store_writer_free)

/* CkptImageMeta*, oldest first; vm and container NULL: all. Removes stale temp files. */
GPtrArray *ckpt_store_list(CkptStore *s, const char *vm, const char *container, GError **error);
/* Exact id, else a unique prefix of one. */
CkptImageMeta *ckpt_store_lookup(CkptStore *s, const char *id_or_unique_prefix, GError **error);
/* The newest image of vm (NULL: any VM) and container; CKPT_STORE_ERROR_NOT_FOUND if none. */
CkptImageMeta *ckpt_store_latest(CkptStore *s, const char *vm, const char *container,
				 GError **error);
/*
 * The uncompressed image bytes. The stream verifies the length and sha256
 * against m while reading: the read that would complete a mismatching image
 * fails instead with CKPT_STORE_ERROR_CHECKSUM
 * "image ID: sha256 mismatch: recorded X, read Y".
 */
GInputStream *ckpt_store_open_image(CkptStore *s, const CkptImageMeta *m, GError **error);
gboolean ckpt_store_remove(CkptStore *s, const char *id, GError **error);
/* Keep the newest `keep` images per vm+container (vm/container NULL: every one); returns the
 * removed metas. */
GPtrArray *ckpt_store_prune(CkptStore *s, const char *vm, const char *container, guint keep,
			    GError **error);

G_END_DECLS
