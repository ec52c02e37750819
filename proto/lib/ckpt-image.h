/* SPDX-License-Identifier: GPL-2.0-only */
/* The userspace image library (libckptimage): everything in one include. */
#ifndef CKPT_IMAGE_LIB_H
#define CKPT_IMAGE_LIB_H

#include "ckpt_image.h"
#include "ckpt-image-error.h"
#include "ckpt-record.h"
#include "ckpt-record-json.h"
#include "ckpt-image-reader.h"
#include "ckpt-image-writer.h"

#endif /* CKPT_IMAGE_LIB_H */
