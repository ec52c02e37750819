/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A container as a JSON object, the same for `ckpt list --json` and the
 * agent's container-list:
 *
 *   {"name": "web", "state": "running", "init_pid": 1234,
 *    "nr_processes": 3, "nr_tasks": 5, "hostname": "web", "rootfs": null,
 *    "log": false, "command": ["sleep", "100"], "image": null,
 *    "created": "2024-05-01T10:00:00Z"}
 *
 * init_pid is null when no init runs; the keys after nr_tasks come from
 * the state directory and are null when it does not say.
 */
#ifndef CKPT_CONTAINER_JSON_H
#define CKPT_CONTAINER_JSON_H

#include <json-glib/json-glib.h>

#include "ckpt-container.h"

G_BEGIN_DECLS

JsonNode *ckpt_container_to_json(CkptContainer *c, GError **error);

G_END_DECLS

#endif /* CKPT_CONTAINER_JSON_H */
