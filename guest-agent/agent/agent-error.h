/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The protocol's error classes ("class" in {"error": {"class", "desc"}}),
 * listed with their meaning in proto/agent-schema.json. Errors raised by
 * the agent itself are in the AGENT_ERROR domain; errors from libckptguest
 * keep their own domain and are mapped by code, so no message is parsed.
 */
#ifndef AGENT_ERROR_H
#define AGENT_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define AGENT_ERROR (agent_error_quark())
GQuark agent_error_quark(void);

typedef enum {
	AGENT_ERROR_PARSE,	      /* not JSON, or bytes that are not text */
	AGENT_ERROR_INVALID_REQUEST,  /* JSON, but not {"execute", ...}; a line too long */
	AGENT_ERROR_UNKNOWN_COMMAND,  /* no such command */
	AGENT_ERROR_INVALID_ARGUMENT, /* missing, unknown, wrong type or bad value */
	AGENT_ERROR_NOT_FOUND,	      /* no such container, job, image or stream token */
	AGENT_ERROR_EXISTS,	      /* the container already runs */
	AGENT_ERROR_STATE,	      /* wrong state for the operation */
	AGENT_ERROR_BUSY,	      /* another operation holds the container or image */
	AGENT_ERROR_TIMEOUT,	      /* a freeze, kill, rebuild or stream took too long */
	AGENT_ERROR_NO_MODULE,	      /* /dev/ckpt missing or too old */
	AGENT_ERROR_MODULE,	      /* the module refused; the text is its own */
	AGENT_ERROR_IMAGE,	      /* the image's tree cannot be rebuilt */
	AGENT_ERROR_RESTORE,	      /* a task of a restore failed */
	AGENT_ERROR_STREAM,	      /* data connection lost, bad frame, length or sha256 */
	AGENT_ERROR_CANCELLED,	      /* job-cancel */
	AGENT_ERROR_LIMIT,	      /* too many clients or jobs */
	AGENT_ERROR_FAILED,	      /* a system call failed */
	AGENT_ERROR_N_CLASSES
} AgentErrorClass;

/* "parse-error", "busy"...; NULL past the end. */
const char *agent_error_class_name(AgentErrorClass klass);

/* The class named name; AGENT_ERROR_FAILED for a name this agent does not know. */
AgentErrorClass agent_error_class_from_name(const char *name);

/* The class of any error the agent may meet (libckptguest, GIO, its own). */
AgentErrorClass agent_error_class_of(const GError *error);

G_END_DECLS

#endif /* AGENT_ERROR_H */
