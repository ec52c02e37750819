// SPDX-License-Identifier: GPL-2.0-only
#include <gio/gio.h>

#include "agent-error.h"
#include "ckpt-guest-error.h"

/* The quark name is stringified: keep clang-format from spacing its dashes. */
// clang-format off
G_DEFINE_QUARK(agent-error-quark, agent_error)
// clang-format on

static const char *const class_names[AGENT_ERROR_N_CLASSES] = {
	[AGENT_ERROR_PARSE] = "parse-error",
	[AGENT_ERROR_INVALID_REQUEST] = "invalid-request",
	[AGENT_ERROR_UNKNOWN_COMMAND] = "unknown-command",
	[AGENT_ERROR_INVALID_ARGUMENT] = "invalid-argument",
	[AGENT_ERROR_NOT_FOUND] = "not-found",
	[AGENT_ERROR_EXISTS] = "exists",
	[AGENT_ERROR_STATE] = "state",
	[AGENT_ERROR_BUSY] = "busy",
	[AGENT_ERROR_TIMEOUT] = "timeout",
	[AGENT_ERROR_NO_MODULE] = "no-module",
	[AGENT_ERROR_MODULE] = "module",
	[AGENT_ERROR_IMAGE] = "image",
	[AGENT_ERROR_RESTORE] = "restore",
	[AGENT_ERROR_STREAM] = "stream",
	[AGENT_ERROR_CANCELLED] = "cancelled",
	[AGENT_ERROR_LIMIT] = "limit",
	[AGENT_ERROR_FAILED] = "failed",
};

const char *agent_error_class_name(AgentErrorClass klass)
{
	return (guint)klass < AGENT_ERROR_N_CLASSES ? class_names[klass] : NULL;
}

AgentErrorClass agent_error_class_from_name(const char *name)
{
	for (guint i = 0; i < AGENT_ERROR_N_CLASSES; i++)
		if (g_strcmp0(class_names[i], name) == 0)
			return (AgentErrorClass)i;
	return AGENT_ERROR_FAILED;
}

static AgentErrorClass from_guest(gint code)
{
	switch ((CkptGuestError)code) {
	case CKPT_GUEST_ERROR_INVALID:
		return AGENT_ERROR_INVALID_ARGUMENT;
	case CKPT_GUEST_ERROR_NOT_FOUND:
		return AGENT_ERROR_NOT_FOUND;
	case CKPT_GUEST_ERROR_EXISTS:
		return AGENT_ERROR_EXISTS;
	case CKPT_GUEST_ERROR_STATE:
		return AGENT_ERROR_STATE;
	case CKPT_GUEST_ERROR_BUSY:
		return AGENT_ERROR_BUSY;
	case CKPT_GUEST_ERROR_TIMEOUT:
		return AGENT_ERROR_TIMEOUT;
	case CKPT_GUEST_ERROR_NO_MODULE:
		return AGENT_ERROR_NO_MODULE;
	case CKPT_GUEST_ERROR_MODULE:
		return AGENT_ERROR_MODULE;
	case CKPT_GUEST_ERROR_IMAGE:
		return AGENT_ERROR_IMAGE;
	case CKPT_GUEST_ERROR_RESTORE:
		return AGENT_ERROR_RESTORE;
	case CKPT_GUEST_ERROR_FAILED:
		break;
	}
	return AGENT_ERROR_FAILED;
}

AgentErrorClass agent_error_class_of(const GError *error)
{
	if (!error)
		return AGENT_ERROR_FAILED;
	if (error->domain == AGENT_ERROR && (guint)error->code < AGENT_ERROR_N_CLASSES)
		return (AgentErrorClass)error->code;
	if (error->domain == CKPT_GUEST_ERROR)
		return from_guest(error->code);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return AGENT_ERROR_CANCELLED;
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		return AGENT_ERROR_TIMEOUT;
	return AGENT_ERROR_FAILED;
}
