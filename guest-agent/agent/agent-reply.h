/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reply lines: {"return": {...}, "id": ID} or
 * {"error": {"class": "...", "desc": "..."}, "id": ID}, each ending in
 * '\n'. "id" is there only when the request had one. A return value is
 * always an object, so replies can grow members without breaking clients.
 */
#ifndef AGENT_REPLY_H
#define AGENT_REPLY_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ret is taken; NULL stands for {}. */
GBytes *agent_reply_return(JsonNode *id, JsonObject *ret);
GBytes *agent_reply_error(JsonNode *id, const GError *error);

G_END_DECLS

#endif /* AGENT_REPLY_H */
