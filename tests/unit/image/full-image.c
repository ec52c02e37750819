// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "full-image.h"

/* Objrefs of the shared objects. */
enum { MM_REF = 1, FILES_REF, FS_REF, SIGHAND_REF, SIGNAL_REF, EXE_REF, PIPE_REF, PIPE_FILE_REF };

static const char exe_path[] = "/bin/counter";
static const char fs_paths[] = "/\0/root";

void full_image_init(FullImage *f)
{
	memset(f, 0, sizeof(*f));
	f->container.nr_tasks = 1;
	strcpy(f->container.nodename, "box");
	strcpy(f->container.domainname, "(none)");
	f->container.vdso_csum = 0x1234abcd;
	f->container.vdso_size = 8192;

	f->task = (struct ckpt_rec_task){.pid = 1,
					 .tgid = 1,
					 .pgid = 1,
					 .sid = 1,
					 .exit_signal = 17,
					 .mm_ref = MM_REF,
					 .files_ref = FILES_REF,
					 .fs_ref = FS_REF,
					 .sighand_ref = SIGHAND_REF,
					 .signal_ref = SIGNAL_REF};
	f->begin = (struct ckpt_rec_task_begin){.task_index = 0, .pid = 1};

	f->exe_file = (struct ckpt_rec_file){.objref = EXE_REF,
					     .kind = CKPT_FILE_REG,
					     .i_mode = 0100755,
					     .path_len = sizeof(exe_path)};
	f->mm = (struct ckpt_rec_mm){.objref = MM_REF,
				     .nr_vmas = 1,
				     .start_code = 0x400000,
				     .end_code = 0x401000,
				     .start_brk = 0x600000,
				     .brk = 0x621000,
				     .start_stack = 0x7ffc0000f000,
				     .exe_path_len = sizeof(exe_path)};
	f->mm.saved_auxv[0] = 6; /* AT_PAGESZ */
	f->mm.saved_auxv[1] = FULL_PAGE;
	f->vma = (struct ckpt_rec_vma){.start = 0x400000,
				       .end = 0x402000,
				       .kind = CKPT_VMA_FILE_PRIVATE,
				       .prot = 5,
				       .file_ref = EXE_REF,
				       .nr_pages_recs = 1};
	f->pages = (struct ckpt_rec_pages){.addr = 0x400000, .nr_pages = 2};
	memset(f->page_data, 0xcc, sizeof(f->page_data));
	f->page_data_len = sizeof(f->page_data);

	f->pipe = (struct ckpt_rec_pipe){.objref = PIPE_REF, .buf_size = 65536, .data_len = 5};
	f->pipe_file = (struct ckpt_rec_file){.objref = PIPE_FILE_REF,
					      .kind = CKPT_FILE_PIPE,
					      .f_flags = 01,
					      .i_mode = 010600,
					      .pipe_ref = PIPE_REF};
	f->files = (struct ckpt_rec_files){.objref = FILES_REF, .nr_fds = 1};
	f->fd = (struct ckpt_rec_fd){
		.fd = 3, .flags = CKPT_FD_F_CLOEXEC, .file_ref = PIPE_FILE_REF};
	f->fs = (struct ckpt_rec_fs){.objref = FS_REF, .umask = 022, .root_len = 2, .cwd_len = 6};

	f->sighand.objref = SIGHAND_REF;
	f->sighand.action[14] = (struct ckpt_sigaction){.handler = 0x401100, .flags = 0x04000000};
	f->signal.objref = SIGNAL_REF;
	for (int i = 0; i < CKPT_RLIM_NLIMITS; i++)
		f->signal.rlim[i] = (struct ckpt_rlimit){~0ULL, ~0ULL};
	f->siginfo = (struct ckpt_rec_siginfo){.flags = CKPT_SIGINFO_SHARED, .signo = 10};
	f->creds = (struct ckpt_rec_creds){.ngroups = 1, .cap_bset = 0x1ffffffffff};

	f->cpu.regs.ip = 0x401234;
	f->cpu.regs.sp = 0x7ffc0000e000;
	f->cpu.regs.cs = 0x33;
	f->cpu.regs.ss = 0x2b;
	strcpy(f->cpu.comm, "counter");
	f->xsave = (struct ckpt_rec_xsave){.xfeatures = 3, .size = sizeof(f->xsave_area)};
	f->xsave_len = sizeof(f->xsave_area);
}

#define ADD(b, type, rec) image_builder_add(b, type, &(rec), sizeof(rec), NULL, 0)

GByteArray *full_image_write(const FullImage *f)
{
	ImageBuilder *b = image_builder_new();
	static const guint32 group = 0;

	image_builder_add_header(b);
	ADD(b, CKPT_REC_CONTAINER, f->container);
	ADD(b, CKPT_REC_TASK, f->task);
	ADD(b, CKPT_REC_TASK_BEGIN, f->begin);
	image_builder_add(b, CKPT_REC_FILE, &f->exe_file, sizeof(f->exe_file), exe_path,
			  sizeof(exe_path));
	image_builder_add(b, CKPT_REC_MM, &f->mm, sizeof(f->mm), exe_path, sizeof(exe_path));
	ADD(b, CKPT_REC_VMA, f->vma);
	image_builder_add(b, CKPT_REC_PAGES, &f->pages, sizeof(f->pages), f->page_data,
			  f->page_data_len);
	image_builder_add(b, CKPT_REC_PIPE, &f->pipe, sizeof(f->pipe), "hello", 5);
	ADD(b, CKPT_REC_FILE, f->pipe_file);
	ADD(b, CKPT_REC_FILES, f->files);
	ADD(b, CKPT_REC_FD, f->fd);
	image_builder_add(b, CKPT_REC_FS, &f->fs, sizeof(f->fs), fs_paths, sizeof(fs_paths));
	ADD(b, CKPT_REC_SIGHAND, f->sighand);
	ADD(b, CKPT_REC_SIGNAL, f->signal);
	ADD(b, CKPT_REC_SIGINFO, f->siginfo);
	image_builder_add(b, CKPT_REC_CREDS, &f->creds, sizeof(f->creds), &group, sizeof(group));
	ADD(b, CKPT_REC_CPU, f->cpu);
	image_builder_add(b, CKPT_REC_XSAVE, &f->xsave, sizeof(f->xsave), f->xsave_area,
			  f->xsave_len);
	return image_builder_finish(b);
}
