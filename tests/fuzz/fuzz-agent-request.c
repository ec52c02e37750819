// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: bytes as a control connection delivers them to
 * ckpt-agent. They are split into lines (with the 0xFF resync delimiter
 * and a size limit), each line parsed as a request and checked against
 * the dispatch table's argument lists, and answered with an error reply,
 * as the agent does. Nothing may crash, leak, hang or trip a sanitizer,
 * and every reply must be one line of JSON.
 */
#include <stdint.h>
#include <string.h>

#include "agent-commands.h"
#include "agent-error.h"
#include "agent-line-reader.h"
#include "agent-reply.h"
#include "agent-request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small, so the fuzzer reaches the limit as easily as everything else. */
#define MAX_LINE 4096

static void check_reply(GBytes *reply)
{
	gsize len;
	const char *p = g_bytes_get_data(reply, &len);

	g_assert(len >= 2 && p[len - 1] == '\n' && p[0] == '{');
	g_assert(!memchr(p, '\n', len - 1));
}

static void serve_line(const char *line, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) id = NULL;
	g_autoptr(AgentRequest) req = agent_request_parse(line, len, &id, &error);
	g_autoptr(GBytes) reply = NULL;
	const AgentCommand *cmd;

	if (req) {
		cmd = agent_commands_lookup(req->execute);
		if (!cmd)
			g_set_error(&error, AGENT_ERROR, AGENT_ERROR_UNKNOWN_COMMAND,
				    "unknown command \"%s\"", req->execute);
		else if (agent_request_check_args(req, cmd->args, &error))
			return;
	}
	g_assert(error && error->domain == AGENT_ERROR);
	reply = agent_reply_error(id, error);
	check_reply(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(AgentLineReader) reader = agent_line_reader_new(MAX_LINE);
	const char *line;
	gsize len;
	gsize off = 0;

	/* In uneven pieces, as a socket delivers them. */
	while (off < size) {
		gsize piece = MIN(size - off, (gsize)(data[off] % 97) + 1);

		agent_line_reader_feed(reader, data + off, piece);
		off += piece;
		for (;;) {
			AgentLineEvent ev = agent_line_reader_next(reader, &line, &len);

			if (ev == AGENT_LINE_TOO_LONG)
				return 0; /* the agent closes the connection here */
			if (ev == AGENT_LINE_NONE)
				break;
			serve_line(line, len);
		}
	}
	return 0;
}
