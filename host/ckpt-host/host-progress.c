// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "host-output.h"
#include "host-progress.h"

/* Plain lines this often while a phase lasts. */
#define PLAIN_EVERY_US (5 * G_USEC_PER_SEC)
#define BAR_WIDTH 24

struct _HostProgress {
	gboolean enabled, tty;
	GMutex lock;
	char *phase;	  /* under lock */
	guint64 total;	  /* under lock */
	gint64 phase_t0;  /* under lock */
	guint64 bytes;	  /* atomic */
	guint generation; /* under lock: bumped by each new phase */
	guint drawn_generation;
	gint64 last_line;
	gboolean line_open; /* a bar is on the terminal's current line */
};

HostProgress *host_progress_new(HostContext *ctx)
{
	HostProgress *p = g_new0(HostProgress, 1);

	p->enabled = host_context_chatty(ctx);
	p->tty = ctx->tty;
	g_mutex_init(&p->lock);
	return p;
}

void host_progress_free(HostProgress *p)
{
	if (!p)
		return;
	g_mutex_clear(&p->lock);
	g_free(p->phase);
	g_free(p);
}

void host_progress_phase(HostProgress *p, const char *phase, guint64 total)
{
	g_mutex_lock(&p->lock);
	g_free(p->phase);
	p->phase = g_strdup(phase);
	p->total = total;
	p->phase_t0 = g_get_monotonic_time();
	p->generation++;
	p->bytes = 0;
	g_mutex_unlock(&p->lock);
}

void host_progress_bytes(HostProgress *p, guint64 bytes)
{
	__atomic_store_n(&p->bytes, bytes, __ATOMIC_RELAXED);
}

void host_progress_cb(guint64 bytes, gpointer progress)
{
	host_progress_bytes(progress, bytes);
}

static char *describe(HostProgress *p, gboolean bar)
{
	guint64 bytes = __atomic_load_n(&p->bytes, __ATOMIC_RELAXED);
	gint64 usec = g_get_monotonic_time() - p->phase_t0;
	g_autofree char *done = host_format_bytes(bytes);
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "%-13s ", p->phase);
	if (bar && p->total) {
		guint fill = (guint)MIN(BAR_WIDTH, bytes * BAR_WIDTH / p->total);

		g_string_append_c(s, '[');
		for (guint i = 0; i < BAR_WIDTH; i++)
			g_string_append_c(s, i < fill ? '#' : '.');
		g_string_append(s, "] ");
	}
	/* Phases that move no bytes (restoring, switching) show only their time. */
	if (bytes || p->total)
		g_string_append_printf(s, "%s, ", done);
	if (p->total) {
		g_autofree char *total = host_format_bytes(p->total);

		g_string_truncate(s, s->len - 2);
		g_string_append_printf(s, " of %s (%.0f%%), ", total, 100.0 * bytes / p->total);
	}
	if (bytes)
		g_string_append_printf(s, "%.1f MiB/s, ", host_mib_per_s(bytes, usec));
	g_string_append_printf(s, "%.1f s", usec / 1e6);
	return g_string_free(s, FALSE);
}

void host_progress_tick(HostProgress *p)
{
	g_autofree char *text = NULL;
	gint64 now = g_get_monotonic_time();
	gboolean new_phase;

	if (!p->enabled)
		return;
	g_mutex_lock(&p->lock);
	if (!p->phase) {
		g_mutex_unlock(&p->lock);
		return;
	}
	new_phase = p->generation != p->drawn_generation;
	if (p->tty) {
		/* The finished phase keeps its own line; the new one is redrawn below it. */
		if (new_phase && p->line_open)
			fputc('\n', stderr);
		text = describe(p, TRUE);
		fprintf(stderr, "\r\033[K%s", text);
		p->line_open = TRUE;
	} else if (new_phase || now - p->last_line >= PLAIN_EVERY_US) {
		text = describe(p, FALSE);
		fprintf(stderr, "%s\n", text);
		p->last_line = now;
	}
	p->drawn_generation = p->generation;
	g_mutex_unlock(&p->lock);
	fflush(stderr);
}

void host_progress_finish(HostProgress *p)
{
	host_progress_tick(p);
	if (p->enabled && p->tty && p->line_open)
		fputc('\n', stderr);
	p->line_open = FALSE;
}
