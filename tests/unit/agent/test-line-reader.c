// SPDX-License-Identifier: GPL-2.0-only
/* Request framing: lines, CR LF, partial lines, the 0xFF resync delimiter, the size limit. */
#include <string.h>

#include "agent-line-reader.h"

static void feed(AgentLineReader *r, const char *s)
{
	agent_line_reader_feed(r, (const guint8 *)s, strlen(s));
}

static void expect_line(AgentLineReader *r, const char *want)
{
	const char *line;
	gsize len;

	g_assert_cmpint(agent_line_reader_next(r, &line, &len), ==, AGENT_LINE_OK);
	g_assert_cmpuint(len, ==, strlen(want));
	g_assert_cmpstr(line, ==, want);
}

static void expect_none(AgentLineReader *r)
{
	const char *line;
	gsize len;

	g_assert_cmpint(agent_line_reader_next(r, &line, &len), ==, AGENT_LINE_NONE);
}

static void test_lines(void)
{
	g_autoptr(AgentLineReader) r = agent_line_reader_new(100);

	feed(r, "one\ntwo\r\nthr");
	expect_line(r, "one");
	expect_line(r, "two");
	expect_none(r);
	g_assert_cmpuint(agent_line_reader_get_pending(r), ==, 3);
	feed(r, "ee\n\n");
	expect_line(r, "three");
	expect_line(r, "");
	expect_none(r);
	g_assert_cmpuint(agent_line_reader_get_pending(r), ==, 0);
}

static void test_byte_by_byte(void)
{
	g_autoptr(AgentLineReader) r = agent_line_reader_new(100);
	const char *text = "{\"execute\":\"ping\"}\n";

	for (const char *p = text; *p; p++) {
		if (p[0] != '\n')
			expect_none(r);
		agent_line_reader_feed(r, (const guint8 *)p, 1);
	}
	expect_line(r, "{\"execute\":\"ping\"}");
}

static void test_nul_kept(void)
{
	g_autoptr(AgentLineReader) r = agent_line_reader_new(100);
	const char *line;
	gsize len;

	agent_line_reader_feed(r, (const guint8 *)"a\0b\n", 4);
	g_assert_cmpint(agent_line_reader_next(r, &line, &len), ==, AGENT_LINE_OK);
	/* The parser, not the framing, decides what a NUL means. */
	g_assert_cmpuint(len, ==, 3);
	g_assert_cmpint(memcmp(line, "a\0b", 3), ==, 0);
}

static void test_resync(void)
{
	g_autoptr(AgentLineReader) r = agent_line_reader_new(100);

	/* A complete line before the delimiter stays; the partial one goes. */
	feed(r, "kept\nhalf a req");
	feed(r, "uest\xff{\"execute\":\"sync\"}\n");
	expect_line(r, "kept");
	expect_line(r, "{\"execute\":\"sync\"}");
	expect_none(r);
	/* Two delimiters in one piece, with a line between them. */
	feed(r, "junk\xff"
		"good\nmore junk\xff\xff"
		"after\n");
	expect_line(r, "good");
	expect_line(r, "after");
	expect_none(r);
	/* The delimiter alone, after a partial line fed earlier. */
	feed(r, "partial");
	feed(r, "\xff");
	feed(r, "x\n");
	expect_line(r, "x");
}

static void test_too_long(void)
{
	g_autoptr(AgentLineReader) r = agent_line_reader_new(8);
	const char *line;
	gsize len;

	feed(r, "12345678\n");
	expect_line(r, "12345678");
	feed(r, "123456789");
	g_assert_cmpint(agent_line_reader_next(r, &line, &len), ==, AGENT_LINE_TOO_LONG);
	/* Also a complete line over the limit. */
	r = (agent_line_reader_free(r), agent_line_reader_new(8));
	feed(r, "0123456789\nok\n");
	g_assert_cmpint(agent_line_reader_next(r, &line, &len), ==, AGENT_LINE_TOO_LONG);
}

static void test_steal(void)
{
	g_autoptr(AgentLineReader) r = agent_line_reader_new(100);
	g_autoptr(GBytes) rest = NULL;

	feed(r, "attach\n\x01\x02\x03");
	expect_line(r, "attach");
	rest = agent_line_reader_steal_pending(r);
	g_assert_cmpuint(g_bytes_get_size(rest), ==, 3);
	g_assert_cmpint(memcmp(g_bytes_get_data(rest, NULL), "\x01\x02\x03", 3), ==, 0);
	expect_none(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/agent/line/lines", test_lines);
	g_test_add_func("/agent/line/byte-by-byte", test_byte_by_byte);
	g_test_add_func("/agent/line/nul", test_nul_kept);
	g_test_add_func("/agent/line/resync", test_resync);
	g_test_add_func("/agent/line/too-long", test_too_long);
	g_test_add_func("/agent/line/steal", test_steal);
	return g_test_run();
}
