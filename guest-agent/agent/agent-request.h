/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One request line, {"execute": "NAME", "arguments": {...}, "id": ANY},
 * parsed and checked against the command's argument list. Both steps are
 * pure functions of the bytes (the fuzzer drives them directly).
 */
#ifndef AGENT_REQUEST_H
#define AGENT_REQUEST_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
	AGENT_ARG_STRING,
	AGENT_ARG_INTEGER,
	AGENT_ARG_BOOLEAN,
	AGENT_ARG_STRING_ARRAY,
} AgentArgType;

typedef struct {
	const char *name;
	AgentArgType type;
	gboolean required;
	/* AGENT_ARG_STRING only: the allowed values, NULL-terminated; NULL: any */
	const char *const *values;
	/* AGENT_ARG_INTEGER only: inclusive bounds */
	gint64 min;
	gint64 max;
} AgentArgSpec;

typedef struct {
	char *execute;
	JsonObject *arguments; /* never NULL: {} when the request had none */
	JsonNode *id;	       /* NULL when the request had none */
} AgentRequest;

/* The schema's name for a type: "string", "integer", "boolean", "string-array". */
const char *agent_arg_type_name(AgentArgType type);

/*
 * Parses one line. AGENT_ERROR_PARSE for bytes that are not UTF-8 text
 * or not JSON, AGENT_ERROR_INVALID_REQUEST for JSON of the wrong shape.
 * Even on failure *id is set to the request's id when it could be read,
 * so the error reply can carry it.
 */
AgentRequest *agent_request_parse(const char *line, gsize len, JsonNode **id, GError **error);
void agent_request_free(AgentRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentRequest, agent_request_free)

/*
 * AGENT_ERROR_INVALID_ARGUMENT unless every required argument is there,
 * none is unknown, and each has its type (and value range).
 * args is terminated by an entry whose name is NULL.
 */
gboolean agent_request_check_args(const AgentRequest *req, const AgentArgSpec *args,
				  GError **error);

G_END_DECLS

#endif /* AGENT_REQUEST_H */
