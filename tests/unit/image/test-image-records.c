// SPDX-License-Identifier: GPL-2.0-only
/*
 * The container record types: a full one-task image decodes, and each
 * type's rules (validators, objrefs across the tree and the sections)
 * reject what they must, naming the record.
 */
#include <string.h>

#include "full-image.h"

/* Index and offset of the first record of type in a good image. */
static void locate(const GByteArray *img, guint32 type, guint *index, guint64 *offset)
{
	g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data(img->data, img->len, NULL);
	g_autoptr(CkptImageReader) reader = ckpt_image_reader_new(in);
	const CkptRecord *rec;

	while (ckpt_image_reader_next(reader, &rec, NULL, NULL) && rec) {
		if (rec->type == type) {
			*index = rec->index;
			*offset = rec->offset;
			return;
		}
	}
	g_error("type %u not in the image", type);
}

static void test_full_image_reads(void)
{
	FullImage f;
	g_autoptr(GByteArray) img = NULL;
	g_autoptr(GInputStream) in = NULL;
	g_autoptr(CkptImageReader) reader = NULL;
	g_autoptr(GError) error = NULL;
	const CkptRecord *rec;
	guint64 seen = 0;

	full_image_init(&f);
	img = full_image_write(&f);
	in = g_memory_input_stream_new_from_data(img->data, img->len, NULL);
	reader = ckpt_image_reader_new(in);
	while (ckpt_image_reader_next(reader, &rec, NULL, &error) && rec) {
		g_autoptr(GString) text = g_string_new(NULL);
		g_autoptr(JsonNode) json = ckpt_record_to_json(rec);
		g_autofree char *json_text = json_to_string(json, FALSE);
		g_autoptr(JsonNode) parsed = json_from_string(json_text, &error);

		g_assert_no_error(error);
		g_assert_true(json_node_equal(json, parsed));
		g_assert_nonnull(rec->desc);
		ckpt_record_format_fields(rec, text);
		g_test_message("%s:%s", rec->desc->name, text->str);
		if (rec->type < 64)
			seen |= G_GUINT64_CONSTANT(1) << rec->type;
		if (rec->type == CKPT_REC_FS)
			g_assert_nonnull(strstr(text->str, " paths=[\"/\",\"/root\"]"));
		if (rec->type == CKPT_REC_SIGHAND)
			g_assert_nonnull(strstr(text->str, "action={14:{handler=0x401100 "));
		if (rec->type == CKPT_REC_MM)
			g_assert_nonnull(strstr(text->str, " saved_auxv=[0x6,0x1000](+62 zero) "));
		if (rec->type == CKPT_REC_FILE && rec->index == 9)
			g_assert_true(g_str_has_suffix(text->str, " path_len=0 path=\"\""));
		if (rec->type == CKPT_REC_CPU)
			g_assert_nonnull(strstr(text->str, "regs={r15=0x0 "));
	}
	g_assert_no_error(error);
	g_assert_true(ckpt_image_reader_is_complete(reader));
	/* Every record type appeared. */
	for (guint32 type = CKPT_REC_CONTAINER; type < CKPT_REC_FIRST_UNUSED; type++)
		g_assert_true(seen & (G_GUINT64_CONSTANT(1) << type));
	g_assert_cmpuint(ckpt_image_reader_objref_type(reader, 1), ==, CKPT_REC_MM);
}

typedef void (*Damage)(FullImage *f);

/* Damages a full image, which then fails at the first record of type. */
static void assert_damage(Damage damage, guint32 type, gint code, const char *cause)
{
	FullImage f;
	g_autoptr(GByteArray) good = NULL;
	g_autoptr(GByteArray) bad = NULL;
	g_autoptr(GError) error = NULL;
	const CkptRecordDesc *d = ckpt_record_table_lookup(ckpt_record_table_default(), type);
	g_autofree char *message = NULL;
	guint index;
	guint64 offset;

	full_image_init(&f);
	good = full_image_write(&f);
	locate(good, type, &index, &offset);
	damage(&f);
	bad = full_image_write(&f);
	message = g_strdup_printf("record %u (%s) at byte %" G_GUINT64_FORMAT ": %s", index,
				  d->name, offset, cause);
	g_assert_false(image_read(bad, NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, code);
	g_assert_cmpstr(error->message, ==, message);
}

static void vma_empty(FullImage *f)
{
	f->vma.end = f->vma.start;
}

static void vma_unaligned(FullImage *f)
{
	f->vma.end += 12;
}

static void vma_kind(FullImage *f)
{
	f->vma.kind = 9;
}

static void pages_short(FullImage *f)
{
	f->page_data_len = FULL_PAGE + 8;
}

static void pipe_data_len(FullImage *f)
{
	f->pipe.data_len = 6;
}

static void xsave_size(FullImage *f)
{
	f->xsave.size = 512;
}

static void task_flags(FullImage *f)
{
	f->task.flags = 0x10;
}

static void task_mm_undefined(FullImage *f)
{
	f->task.mm_ref = 99;
}

static void task_mm_wrong_type(FullImage *f)
{
	f->task.mm_ref = f->files.objref;
}

static void fd_before_file(FullImage *f)
{
	f->fd.file_ref = 42;
}

static void fd_wrong_type(FullImage *f)
{
	f->fd.file_ref = f->pipe.objref;
}

static void file_objref_reused(FullImage *f)
{
	f->pipe_file.objref = f->exe_file.objref;
}

static void container_flags(FullImage *f)
{
	f->container.flags = 1;
}

static void container_pad(FullImage *f)
{
	f->container.pad[3] = 7;
}

static void siginfo_signo(FullImage *f)
{
	f->siginfo.signo = 65;
}

static void cpu_comm(FullImage *f)
{
	memset(f->cpu.comm, 'x', sizeof(f->cpu.comm));
}

static void cpu_task_flags(FullImage *f)
{
	f->cpu.task_flags = 6;
}

static void fd_flags(FullImage *f)
{
	f->fd.flags = 2;
}

static void test_rules(void)
{
	assert_damage(vma_empty, CKPT_REC_VMA, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "end 0x400000 <= start 0x400000");
	assert_damage(vma_unaligned, CKPT_REC_VMA, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "0x400000-0x40200c is not aligned to the 4096-byte page");
	assert_damage(vma_kind, CKPT_REC_VMA, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "0x400000: unknown vma kind 9");
	assert_damage(pages_short, CKPT_REC_PAGES, CKPT_IMAGE_ERROR_BAD_LEN,
		      "2 pages at 0x400000 needs a 8192-byte tail, the record has 4104");
	assert_damage(pipe_data_len, CKPT_REC_PIPE, CKPT_IMAGE_ERROR_BAD_LEN,
		      "data_len 6 needs a 6-byte tail, the record has 5");
	assert_damage(xsave_size, CKPT_REC_XSAVE, CKPT_IMAGE_ERROR_BAD_LEN,
		      "size 512 needs a 512-byte tail, the record has 576");
	assert_damage(task_flags, CKPT_REC_TASK, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "pid 1: flags 0x10 has unknown bits 0x10");
	assert_damage(task_mm_undefined, CKPT_REC_TASK, CKPT_IMAGE_ERROR_BAD_ORDER,
		      "mm_ref refers to objref 99, which no record of the image defines");
	assert_damage(task_mm_wrong_type, CKPT_REC_TASK, CKPT_IMAGE_ERROR_BAD_ORDER,
		      "mm_ref refers to objref 2 of type files, expected type mm");
	assert_damage(fd_before_file, CKPT_REC_FD, CKPT_IMAGE_ERROR_BAD_ORDER,
		      "file_ref refers to objref 42, which no earlier record defines");
	assert_damage(fd_wrong_type, CKPT_REC_FD, CKPT_IMAGE_ERROR_BAD_ORDER,
		      "file_ref refers to objref 7 of type pipe, expected type file");
	assert_damage(fd_flags, CKPT_REC_FD, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "fd 3: flags 0x2 has unknown bits 0x2");
	assert_damage(container_flags, CKPT_REC_CONTAINER, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "flags 0x1, must be 0");
	assert_damage(container_pad, CKPT_REC_CONTAINER, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "pad is not zero (byte 149 of the record is 0x07)");
	assert_damage(siginfo_signo, CKPT_REC_SIGINFO, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "signo 65 is not a signal (1..64)");
	assert_damage(cpu_comm, CKPT_REC_CPU, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "comm is not NUL-terminated within its 16 bytes");
	assert_damage(cpu_task_flags, CKPT_REC_CPU, CKPT_IMAGE_ERROR_BAD_FIELD,
		      "task_flags 0x6 has unknown bits 0x6");
}

/* The second file reusing the first one's objref fails at the second. */
static void test_objref_reused(void)
{
	FullImage f;
	g_autoptr(GByteArray) img = NULL;
	g_autoptr(GError) error = NULL;

	full_image_init(&f);
	file_objref_reused(&f);
	img = full_image_write(&f);
	g_assert_false(image_read(img, NULL, &error));
	g_assert_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_ORDER);
	g_assert_true(g_regex_match_simple("^record 9 \\(file\\) at byte [0-9]+: objref 6 is "
					   "already defined \\(by a record of type file\\)$",
					   error->message, 0, 0));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/image/records/full-image-reads", test_full_image_reads);
	g_test_add_func("/image/records/rules", test_rules);
	g_test_add_func("/image/records/objref-reused", test_objref_reused);
	return g_test_run();
}
