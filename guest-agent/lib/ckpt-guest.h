/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libckptguest: containers in the guest, for the `ckpt` tool and for
 * ckpt-agent. Every call reports failure through a GError
 * (ckpt-guest-error.h) and prints nothing; nothing exits.
 */
#ifndef CKPT_GUEST_H
#define CKPT_GUEST_H

#include "ckpt-guest-error.h"
#include "ckpt-paths.h"
#include "ckpt-cgroup.h"
#include "ckpt-proc.h"
#include "ckpt-container-config.h"
#include "ckpt-container.h"
#include "ckpt-container-json.h"
#include "ckpt-container-run.h"
#include "ckpt-device.h"
#include "ckpt-image-output.h"
#include "ckpt-checkpoint.h"
#include "ckpt-restore-tree.h"
#include "ckpt-restorer.h"
#include "ckpt-restart.h"

#endif /* CKPT_GUEST_H */
