/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A one-task container image with a record of every type, in the order
 * the module writes them, for tests that need realistic content. A test
 * changes the structs before they are written.
 */
#ifndef FULL_IMAGE_H
#define FULL_IMAGE_H

#include "image-builder.h"

#define FULL_PAGE 4096

typedef struct {
	struct ckpt_rec_container container;
	struct ckpt_rec_task task;
	struct ckpt_rec_task_begin begin;
	struct ckpt_rec_file exe_file;
	struct ckpt_rec_mm mm;
	struct ckpt_rec_vma vma;
	struct ckpt_rec_pages pages;
	guint8 page_data[2 * FULL_PAGE];
	gsize page_data_len;
	struct ckpt_rec_pipe pipe;
	struct ckpt_rec_file pipe_file;
	struct ckpt_rec_files files;
	struct ckpt_rec_fd fd;
	struct ckpt_rec_fs fs;
	struct ckpt_rec_sighand sighand;
	struct ckpt_rec_signal signal;
	struct ckpt_rec_siginfo siginfo;
	struct ckpt_rec_creds creds;
	struct ckpt_rec_cpu cpu;
	struct ckpt_rec_xsave xsave;
	guint8 xsave_area[576];
	gsize xsave_len;
} FullImage;

/* Fills every record with plausible values. */
void full_image_init(FullImage *f);
/* Writes header, the records in module order, trailer. */
GByteArray *full_image_write(const FullImage *f);

#endif /* FULL_IMAGE_H */
