/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the store tests: data, writing an image, reading one back. */
#pragma once

#include "ckpt-store.h"

/* n bytes from a seeded generator: incompressible, reproducible. */
GBytes *test_random_bytes(gsize n, guint32 seed);
/* n bytes of repetitive text: zstd shrinks it a lot. */
GBytes *test_text_bytes(gsize n);
char *test_sha256(GBytes *data);
/* Write `data` as a new image in uneven chunks and commit it with its true sha256. */
CkptImageMeta *test_store_put(CkptStore *s, const char *vm, const char *container,
			      const char *compression, GBytes *data, GError **error);
/* Read a stream to its end; NULL and error on failure. */
GBytes *test_read_all(GInputStream *in, GError **error);
/* Entries in dir, dot files included. */
guint test_count_entries(const char *dir);
void test_rm_rf(const char *path);
/* Flip one byte of a file at offset. */
void test_flip_byte(const char *path, goffset offset);

/* A store in a fresh temp dir (created by ckpt_store_open), removed afterwards. */
typedef struct {
	char *dir;
	char *images;
	CkptStore *store;
} Fixture;
void store_fixture_setup(Fixture *f, gconstpointer data);
void store_fixture_teardown(Fixture *f, gconstpointer data);
/* test_store_put() that must succeed. */
CkptImageMeta *store_fixture_put(Fixture *f, const char *vm, const char *container,
				 const char *compression, GBytes *data);
/* The image's bytes through ckpt_store_open_image(). */
GBytes *store_fixture_read(Fixture *f, const CkptImageMeta *m, GError **error);
