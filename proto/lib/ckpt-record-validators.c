// SPDX-License-Identifier: GPL-2.0-only
/*
 * Semantic rules of each record type, beyond what the table's generic
 * checks (lengths, reserved fields, strings, objrefs) already enforce.
 */
#include "ckpt-image-error.h"
#include "ckpt-record-validators.h"

/* The smallest page any Linux architecture uses, and a sane upper bound. */
#define MIN_PAGE_SIZE 4096U
#define MAX_PAGE_SIZE (1U << 30)

gboolean ckpt_validate_header(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_header *hdr = (const void *)rec->data;
	guint64 magic = GUINT64_FROM_LE(hdr->magic);
	guint32 version = GUINT32_FROM_LE(hdr->version);
	guint32 arch = GUINT32_FROM_LE(hdr->arch);
	guint32 page_size = GUINT32_FROM_LE(hdr->page_size);
	guint64 flags = GUINT64_FROM_LE(hdr->flags);

	if (magic != CKPT_IMAGE_MAGIC) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_MAGIC,
			    "bad magic 0x%016" G_GINT64_MODIFIER "x (not a ckpt image)", magic);
		return FALSE;
	}
	if (version != CKPT_IMAGE_VERSION) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_VERSION,
			    "unsupported image version %u (this reader reads version %u)", version,
			    CKPT_IMAGE_VERSION);
		return FALSE;
	}
	if (arch != CKPT_ARCH_X86_64) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD, "unknown arch %u",
			    arch);
		return FALSE;
	}
	if (page_size < MIN_PAGE_SIZE || page_size > MAX_PAGE_SIZE ||
	    (page_size & (page_size - 1)) != 0) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "page_size %u is not a power of two between %u and %u", page_size,
			    MIN_PAGE_SIZE, MAX_PAGE_SIZE);
		return FALSE;
	}
	if (flags & ~(guint64)CKPT_IMAGE_F_ALL) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "flags 0x%" G_GINT64_MODIFIER "x has unknown bits 0x%" G_GINT64_MODIFIER
			    "x",
			    flags, flags & ~(guint64)CKPT_IMAGE_F_ALL);
		return FALSE;
	}
	if (hdr->kernel_release[0] == '\0') {
		g_set_error_literal(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
				    "kernel_release is empty");
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_validate_trailer(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_trailer *tr = (const void *)rec->data;
	guint32 nr_records = GUINT32_FROM_LE(tr->nr_records);
	guint32 csum_kind = GUINT32_FROM_LE(tr->csum_kind);
	guint64 stream_len = GUINT64_FROM_LE(tr->stream_len);
	guint64 csum = GUINT64_FROM_LE(tr->csum);

	if (csum_kind != CKPT_CSUM_XXH64) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "unknown checksum kind %u", csum_kind);
		return FALSE;
	}
	if (nr_records != ctx->nr_records) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_TRAILER,
			    "nr_records is %u, but %u records precede the trailer", nr_records,
			    ctx->nr_records);
		return FALSE;
	}
	if (stream_len != ctx->stream_len) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_TRAILER,
			    "stream_len is %" G_GUINT64_FORMAT
			    ", but the trailer starts at byte %" G_GUINT64_FORMAT,
			    stream_len, ctx->stream_len);
		return FALSE;
	}
	if (csum != ctx->csum) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_CHECKSUM,
			    "checksum mismatch (image 0x%016" G_GINT64_MODIFIER
			    "x, computed 0x%016" G_GINT64_MODIFIER "x)",
			    csum, ctx->csum);
		return FALSE;
	}
	return TRUE;
}

/* ---- container and tree ---- */

gboolean ckpt_validate_container(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_container *c = (const void *)rec->data;

	if (c->flags != 0) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "flags 0x%x, must be 0", GUINT32_FROM_LE(c->flags));
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_validate_task(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_task *t = (const void *)rec->data;
	gint32 pid = (gint32)GUINT32_FROM_LE(t->pid);
	gint32 tgid = (gint32)GUINT32_FROM_LE(t->tgid);
	guint32 flags = GUINT32_FROM_LE(t->flags);

	if (pid <= 0 || tgid <= 0) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "pid %d tgid %d: pids are positive", pid, tgid);
		return FALSE;
	}
	if (flags & ~CKPT_TASK_F_ALL) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "pid %d: flags 0x%x has unknown bits 0x%x", pid, flags,
			    flags & ~CKPT_TASK_F_ALL);
		return FALSE;
	}
	return TRUE;
}

/* ---- memory ---- */

static guint64 page_size(const CkptImageContext *ctx)
{
	return GUINT32_FROM_LE(ctx->header->page_size);
}

gboolean ckpt_validate_vma(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_vma *v = (const void *)rec->data;
	guint64 start = GUINT64_FROM_LE(v->start);
	guint64 end = GUINT64_FROM_LE(v->end);
	guint32 kind = GUINT32_FROM_LE(v->kind);
	guint32 flags = GUINT32_FROM_LE(v->flags);
	guint64 mask = page_size(ctx) - 1;

	if (end <= start) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "end 0x%" G_GINT64_MODIFIER "x <= start 0x%" G_GINT64_MODIFIER "x", end,
			    start);
		return FALSE;
	}
	if ((start | end) & mask) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER
			    "x is not aligned to the %" G_GUINT64_FORMAT "-byte page",
			    start, end, mask + 1);
		return FALSE;
	}
	if (kind < CKPT_VMA_ANON || kind > CKPT_VMA_VVAR) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "0x%" G_GINT64_MODIFIER "x: unknown vma kind %u", start, kind);
		return FALSE;
	}
	if (flags & ~CKPT_VMA_F_ALL) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "0x%" G_GINT64_MODIFIER "x: flags 0x%x has unknown bits 0x%x", start,
			    flags, flags & ~CKPT_VMA_F_ALL);
		return FALSE;
	}
	return TRUE;
}

/* The tail must hold exactly what the record's count says. */
static gboolean check_tail_len(const CkptRecord *rec, guint64 want, const char *what,
			       GError **error)
{
	gsize tail_len;

	ckpt_record_tail(rec, &tail_len);
	if (tail_len != want) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_LEN,
			    "%s needs a %" G_GUINT64_FORMAT
			    "-byte tail, the record has %" G_GSIZE_FORMAT,
			    what, want, tail_len);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_validate_pages(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_pages *p = (const void *)rec->data;
	guint64 addr = GUINT64_FROM_LE(p->addr);
	guint32 nr = GUINT32_FROM_LE(p->nr_pages);
	g_autofree char *what = NULL;

	if (nr == 0 || addr & (page_size(ctx) - 1)) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "%u pages at 0x%" G_GINT64_MODIFIER
			    "x: need at least one page at a page-aligned address",
			    nr, addr);
		return FALSE;
	}
	what = g_strdup_printf("%u pages at 0x%" G_GINT64_MODIFIER "x", nr, addr);
	return check_tail_len(rec, (guint64)nr * page_size(ctx), what, error);
}

/* ---- files ---- */

gboolean ckpt_validate_pipe(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_pipe *p = (const void *)rec->data;
	g_autofree char *what = g_strdup_printf("data_len %u", GUINT32_FROM_LE(p->data_len));

	return check_tail_len(rec, GUINT32_FROM_LE(p->data_len), what, error);
}

gboolean ckpt_validate_fd(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_fd *fd = (const void *)rec->data;
	guint32 flags = GUINT32_FROM_LE(fd->flags);

	if (flags & ~CKPT_FD_F_ALL) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "fd %u: flags 0x%x has unknown bits 0x%x", GUINT32_FROM_LE(fd->fd),
			    flags, flags & ~CKPT_FD_F_ALL);
		return FALSE;
	}
	return TRUE;
}

/* ---- signals and cpu ---- */

gboolean ckpt_validate_siginfo(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_siginfo *si = (const void *)rec->data;
	guint32 signo = GUINT32_FROM_LE(si->signo);
	guint32 flags = GUINT32_FROM_LE(si->flags);

	if (signo < 1 || signo > CKPT_NSIG) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "signo %u is not a signal (1..%u)", signo, CKPT_NSIG);
		return FALSE;
	}
	if (flags & ~(guint32)CKPT_SIGINFO_SHARED) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "signal %u: flags 0x%x has unknown bits", signo, flags);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_validate_cpu(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_cpu *cpu = (const void *)rec->data;
	guint32 flags = GUINT32_FROM_LE(cpu->task_flags);

	if (flags & ~CKPT_CPU_F_ALL) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "task_flags 0x%x has unknown bits 0x%x", flags,
			    flags & ~CKPT_CPU_F_ALL);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_validate_xsave(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_xsave *x = (const void *)rec->data;
	g_autofree char *what = g_strdup_printf("size %u", GUINT32_FROM_LE(x->size));

	return check_tail_len(rec, GUINT32_FROM_LE(x->size), what, error);
}
