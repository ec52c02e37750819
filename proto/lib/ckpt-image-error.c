// SPDX-License-Identifier: GPL-2.0-only
#include "ckpt-image-error.h"

GQuark ckpt_image_error_quark(void)
{
	return g_quark_from_static_string("ckpt-image-error-quark");
}
