// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one table of record types. To add a record type: define its struct
 * in proto/ckpt_image.h, list every field after the struct ckpt_rec here
 * (tests/unit/image/test-record-table.c fails if a byte of the struct is
 * left out or described twice), and add a validator to
 * ckpt-record-validators.c when the type has rules beyond the generic ones.
 */
#include "ckpt-record.h"
#include "ckpt-record-validators.h"

static const CkptValueName arch_names[] = {
	{CKPT_ARCH_X86_64, "x86_64"},
	{0, NULL},
};

static const CkptValueName csum_kind_names[] = {
	{CKPT_CSUM_XXH64, "xxh64"},
	{0, NULL},
};

static const CkptFieldDesc header_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_header, magic, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_header, version, CKPT_FIELD_U32),
	CKPT_ENUM_OF(struct ckpt_rec_header, arch, arch_names),
	CKPT_FIELD_OF(struct ckpt_rec_header, page_size, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_header, xsave_size, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_header, xsave_features, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_header, created_ns, CKPT_FIELD_TIME_NS),
	CKPT_FIELD_OF(struct ckpt_rec_header, flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_header, kernel_release, CKPT_FIELD_STRING),
	CKPT_FIELD_OF(struct ckpt_rec_header, reserved, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc trailer_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_trailer, nr_records, CKPT_FIELD_U32),
	CKPT_ENUM_OF(struct ckpt_rec_trailer, csum_kind, csum_kind_names),
	CKPT_FIELD_OF(struct ckpt_rec_trailer, stream_len, CKPT_FIELD_U64),
	CKPT_FIELD_OF(struct ckpt_rec_trailer, csum, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_trailer, reserved, CKPT_FIELD_RESERVED),
};

/* ---- container and tree ---- */

static const CkptFieldDesc container_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_container, nr_tasks, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_container, flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_container, nodename, CKPT_FIELD_STRING),
	CKPT_FIELD_OF(struct ckpt_rec_container, domainname, CKPT_FIELD_STRING),
	CKPT_FIELD_OF(struct ckpt_rec_container, pad, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_container, vdso_csum, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_container, vdso_size, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_container, pad2, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_container, reserved, CKPT_FIELD_RESERVED),
};

/*
 * The tree comes before the task sections, so its objrefs are forward
 * references: the mm, files... records that define them follow in the
 * sections.
 */
static const CkptFieldDesc task_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_task, pid, CKPT_FIELD_S32),
	CKPT_FIELD_OF(struct ckpt_rec_task, tgid, CKPT_FIELD_S32),
	CKPT_FIELD_OF(struct ckpt_rec_task, ppid, CKPT_FIELD_S32),
	CKPT_FIELD_OF(struct ckpt_rec_task, pgid, CKPT_FIELD_S32),
	CKPT_FIELD_OF(struct ckpt_rec_task, sid, CKPT_FIELD_S32),
	CKPT_FIELD_OF(struct ckpt_rec_task, flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_task, exit_signal, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_task, pad, CKPT_FIELD_RESERVED),
	CKPT_OBJREF_OF(struct ckpt_rec_task, mm_ref, CKPT_FIELD_OBJREF_FWD, CKPT_REC_MM),
	CKPT_OBJREF_OF(struct ckpt_rec_task, files_ref, CKPT_FIELD_OBJREF_FWD, CKPT_REC_FILES),
	CKPT_OBJREF_OF(struct ckpt_rec_task, fs_ref, CKPT_FIELD_OBJREF_FWD, CKPT_REC_FS),
	CKPT_OBJREF_OF(struct ckpt_rec_task, sighand_ref, CKPT_FIELD_OBJREF_FWD, CKPT_REC_SIGHAND),
	CKPT_OBJREF_OF(struct ckpt_rec_task, signal_ref, CKPT_FIELD_OBJREF_FWD, CKPT_REC_SIGNAL),
	CKPT_FIELD_OF(struct ckpt_rec_task, pad2, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_task, reserved, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc task_begin_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_task_begin, task_index, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_task_begin, pid, CKPT_FIELD_S32),
};

static const CkptFieldDesc creds_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_creds, uid, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, euid, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, suid, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, fsuid, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, gid, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, egid, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, sgid, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, fsgid, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, securebits, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_creds, ngroups, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_creds, cap_inheritable, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_creds, cap_permitted, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_creds, cap_effective, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_creds, cap_bset, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_creds, cap_ambient, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_creds, reserved, CKPT_FIELD_RESERVED),
};

/* ---- memory ---- */

static const CkptFieldDesc mm_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_mm, objref, CKPT_FIELD_OBJREF_NEW),
	CKPT_FIELD_OF(struct ckpt_rec_mm, nr_vmas, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_mm, start_code, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, end_code, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, start_data, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, end_data, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, start_brk, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, brk, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, start_stack, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, arg_start, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, arg_end, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, env_start, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, env_end, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, vdso, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, def_flags, CKPT_FIELD_HEX),
	CKPT_ARRAY_OF(struct ckpt_rec_mm, saved_auxv, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_mm, exe_path_len, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_mm, pad, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_mm, reserved, CKPT_FIELD_RESERVED),
};

static const CkptValueName vma_kind_names[] = {
	{CKPT_VMA_ANON, "anon"},
	{CKPT_VMA_FILE_PRIVATE, "file_private"},
	{CKPT_VMA_SHARED_ANON, "shared_anon"},
	{CKPT_VMA_VDSO, "vdso"},
	{CKPT_VMA_VVAR, "vvar"},
	{0, NULL},
};

/* shm_ref names the shared memory the first VMA using it brings: no record defines it. */
static const CkptFieldDesc vma_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_vma, start, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_vma, end, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_vma, pgoff, CKPT_FIELD_U64),
	CKPT_ENUM_OF(struct ckpt_rec_vma, kind, vma_kind_names),
	CKPT_FIELD_OF(struct ckpt_rec_vma, prot, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_vma, flags, CKPT_FIELD_HEX),
	CKPT_OBJREF_OF(struct ckpt_rec_vma, file_ref, CKPT_FIELD_OBJREF, CKPT_REC_FILE),
	CKPT_FIELD_OF(struct ckpt_rec_vma, shm_ref, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_vma, nr_pages_recs, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_vma, reserved, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc pages_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_pages, addr, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_pages, nr_pages, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_pages, pad, CKPT_FIELD_RESERVED),
};

/* ---- files ---- */

static const CkptValueName file_kind_names[] = {
	{CKPT_FILE_REG, "reg"},	  {CKPT_FILE_DIR, "dir"},   {CKPT_FILE_CHR, "chr"},
	{CKPT_FILE_FIFO, "fifo"}, {CKPT_FILE_PIPE, "pipe"}, {0, NULL},
};

static const CkptFieldDesc file_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_file, objref, CKPT_FIELD_OBJREF_NEW),
	CKPT_ENUM_OF(struct ckpt_rec_file, kind, file_kind_names),
	CKPT_FIELD_OF(struct ckpt_rec_file, f_flags, CKPT_FIELD_OCT),
	CKPT_FIELD_OF(struct ckpt_rec_file, i_mode, CKPT_FIELD_OCT),
	CKPT_FIELD_OF(struct ckpt_rec_file, pos, CKPT_FIELD_U64),
	CKPT_FIELD_OF(struct ckpt_rec_file, rdev, CKPT_FIELD_HEX),
	CKPT_OBJREF_OF(struct ckpt_rec_file, pipe_ref, CKPT_FIELD_OBJREF, CKPT_REC_PIPE),
	CKPT_FIELD_OF(struct ckpt_rec_file, path_len, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_file, pad, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_file, reserved, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc pipe_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_pipe, objref, CKPT_FIELD_OBJREF_NEW),
	CKPT_FIELD_OF(struct ckpt_rec_pipe, buf_size, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_pipe, data_len, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_pipe, pad, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_pipe, reserved, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc files_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_files, objref, CKPT_FIELD_OBJREF_NEW),
	CKPT_FIELD_OF(struct ckpt_rec_files, nr_fds, CKPT_FIELD_U32),
};

static const CkptFieldDesc fd_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_fd, fd, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_fd, flags, CKPT_FIELD_HEX),
	CKPT_OBJREF_OF(struct ckpt_rec_fd, file_ref, CKPT_FIELD_OBJREF, CKPT_REC_FILE),
	CKPT_FIELD_OF(struct ckpt_rec_fd, pad, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc fs_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_fs, objref, CKPT_FIELD_OBJREF_NEW),
	CKPT_FIELD_OF(struct ckpt_rec_fs, umask, CKPT_FIELD_OCT),
	CKPT_FIELD_OF(struct ckpt_rec_fs, root_len, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_fs, cwd_len, CKPT_FIELD_U32),
};

/* ---- signals ---- */

static const CkptFieldDesc sigaction_fields[] = {
	CKPT_FIELD_OF(struct ckpt_sigaction, handler, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_sigaction, flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_sigaction, restorer, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_sigaction, mask, CKPT_FIELD_HEX),
};

static const CkptFieldDesc sighand_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_sighand, objref, CKPT_FIELD_OBJREF_NEW),
	CKPT_FIELD_OF(struct ckpt_rec_sighand, pad, CKPT_FIELD_RESERVED),
	CKPT_STRUCT_OF(struct ckpt_rec_sighand, action, struct ckpt_sigaction, sigaction_fields),
};

static const CkptFieldDesc rlimit_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rlimit, cur, CKPT_FIELD_U64),
	CKPT_FIELD_OF(struct ckpt_rlimit, max, CKPT_FIELD_U64),
};

static const CkptFieldDesc signal_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_signal, objref, CKPT_FIELD_OBJREF_NEW),
	CKPT_FIELD_OF(struct ckpt_rec_signal, nr_shared_pending, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_signal, it_real_value_ns, CKPT_FIELD_U64),
	CKPT_FIELD_OF(struct ckpt_rec_signal, it_real_incr_ns, CKPT_FIELD_U64),
	CKPT_STRUCT_OF(struct ckpt_rec_signal, rlim, struct ckpt_rlimit, rlimit_fields),
	CKPT_FIELD_OF(struct ckpt_rec_signal, reserved, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc siginfo_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_siginfo, flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_siginfo, signo, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_siginfo, info, CKPT_FIELD_BYTES),
};

/* ---- cpu ---- */

#define REG(r) CKPT_FIELD_OF(struct ckpt_x86_64_regs, r, CKPT_FIELD_HEX)
static const CkptFieldDesc x86_64_regs_fields[] = {
	REG(r15),     REG(r14),	    REG(r13), REG(r12), REG(bp),    REG(bx), REG(r11),
	REG(r10),     REG(r9),	    REG(r8),  REG(ax),	REG(cx),    REG(dx), REG(si),
	REG(di),      REG(orig_ax), REG(ip),  REG(cs),	REG(flags), REG(sp), REG(ss),
	REG(fs_base), REG(gs_base), REG(ds),  REG(es),	REG(fs),    REG(gs),
};
#undef REG

static const CkptValueName restart_kind_names[] = {
	{CKPT_RESTART_NONE, "none"},
	{CKPT_RESTART_NANOSLEEP, "nanosleep"},
	{CKPT_RESTART_POLL, "poll"},
	{CKPT_RESTART_FUTEX, "futex"},
	{0, NULL},
};

static const CkptFieldDesc cpu_fields[] = {
	CKPT_STRUCT_OF(struct ckpt_rec_cpu, regs, struct ckpt_x86_64_regs, x86_64_regs_fields),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, blocked, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, sas_ss_sp, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, sas_ss_size, CKPT_FIELD_U64),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, sas_ss_flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, nr_pending, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, clear_child_tid, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, robust_list, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, robust_list_len, CKPT_FIELD_U64),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, personality, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, pdeath_signal, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, comm, CKPT_FIELD_STRING),
	CKPT_ENUM_OF(struct ckpt_rec_cpu, restart_kind, restart_kind_names),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, restart_clockid, CKPT_FIELD_S32),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, restart_remaining_ns, CKPT_FIELD_U64),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, restart_rmtp, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, restart_type, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, pad, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, rseq, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, rseq_len, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, rseq_sig, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, task_flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, pad2, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, restart_uaddr, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, restart_arg, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, restart_flags, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, restart_bitset, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, pad3, CKPT_FIELD_RESERVED),
	CKPT_FIELD_OF(struct ckpt_rec_cpu, reserved, CKPT_FIELD_RESERVED),
};

static const CkptFieldDesc xsave_fields[] = {
	CKPT_FIELD_OF(struct ckpt_rec_xsave, xfeatures, CKPT_FIELD_HEX),
	CKPT_FIELD_OF(struct ckpt_rec_xsave, size, CKPT_FIELD_U32),
	CKPT_FIELD_OF(struct ckpt_rec_xsave, pad, CKPT_FIELD_RESERVED),
};

/* A record without a tail: len is exactly sizeof(stype). */
#define CKPT_RECORD(type_id, type_name, stype, field_list, validator)                              \
	{                                                                                          \
		.type = (type_id), .name = (type_name), .fixed_len = sizeof(stype),                \
		.tail = CKPT_TAIL_NONE, .fields = (field_list),                                    \
		.n_fields = G_N_ELEMENTS(field_list), .validate = (validator),                     \
	}

/*
 * A record with a variable tail after sizeof(stype): opaque bytes in
 * multiples of unit (CKPT_TAIL_BYTES), or one NUL-terminated string
 * (CKPT_TAIL_STRING), shown as tail_label.
 */
#define CKPT_RECORD_TAIL(type_id, type_name, stype, field_list, validator, tail_kind, tail_label,  \
			 unit)                                                                     \
	{                                                                                          \
		.type = (type_id), .name = (type_name), .fixed_len = sizeof(stype),                \
		.tail = (tail_kind), .tail_name = (tail_label), .tail_unit = (unit),               \
		.fields = (field_list), .n_fields = G_N_ELEMENTS(field_list),                      \
		.validate = (validator),                                                           \
	}

static const CkptRecordDesc record_descs[] = {
	CKPT_RECORD(CKPT_REC_HEADER, "header", struct ckpt_rec_header, header_fields,
		    ckpt_validate_header),
	CKPT_RECORD(CKPT_REC_TRAILER, "trailer", struct ckpt_rec_trailer, trailer_fields,
		    ckpt_validate_trailer),
	CKPT_RECORD(CKPT_REC_CONTAINER, "container", struct ckpt_rec_container, container_fields,
		    ckpt_validate_container),
	CKPT_RECORD(CKPT_REC_TASK, "task", struct ckpt_rec_task, task_fields, ckpt_validate_task),
	CKPT_RECORD(CKPT_REC_TASK_BEGIN, "task_begin", struct ckpt_rec_task_begin,
		    task_begin_fields, NULL),
	CKPT_RECORD_TAIL(CKPT_REC_CREDS, "creds", struct ckpt_rec_creds, creds_fields, NULL,
			 CKPT_TAIL_BYTES, "groups", 4),
	CKPT_RECORD_TAIL(CKPT_REC_MM, "mm", struct ckpt_rec_mm, mm_fields, NULL, CKPT_TAIL_STRING,
			 "exe_path", 0),
	CKPT_RECORD(CKPT_REC_VMA, "vma", struct ckpt_rec_vma, vma_fields, ckpt_validate_vma),
	CKPT_RECORD_TAIL(CKPT_REC_PAGES, "pages", struct ckpt_rec_pages, pages_fields,
			 ckpt_validate_pages, CKPT_TAIL_BYTES, "data", 0),
	CKPT_RECORD_TAIL(CKPT_REC_FILE, "file", struct ckpt_rec_file, file_fields, NULL,
			 CKPT_TAIL_STRING, "path", 0),
	CKPT_RECORD_TAIL(CKPT_REC_PIPE, "pipe", struct ckpt_rec_pipe, pipe_fields,
			 ckpt_validate_pipe, CKPT_TAIL_BYTES, "data", 0),
	CKPT_RECORD(CKPT_REC_FILES, "files", struct ckpt_rec_files, files_fields, NULL),
	CKPT_RECORD(CKPT_REC_FD, "fd", struct ckpt_rec_fd, fd_fields, ckpt_validate_fd),
	CKPT_RECORD_TAIL(CKPT_REC_FS, "fs", struct ckpt_rec_fs, fs_fields, NULL, CKPT_TAIL_STRINGS,
			 "paths", 0),
	CKPT_RECORD(CKPT_REC_SIGHAND, "sighand", struct ckpt_rec_sighand, sighand_fields, NULL),
	CKPT_RECORD(CKPT_REC_SIGNAL, "signal", struct ckpt_rec_signal, signal_fields, NULL),
	CKPT_RECORD(CKPT_REC_SIGINFO, "siginfo", struct ckpt_rec_siginfo, siginfo_fields,
		    ckpt_validate_siginfo),
	CKPT_RECORD(CKPT_REC_CPU, "cpu", struct ckpt_rec_cpu, cpu_fields, ckpt_validate_cpu),
	CKPT_RECORD_TAIL(CKPT_REC_XSAVE, "xsave", struct ckpt_rec_xsave, xsave_fields,
			 ckpt_validate_xsave, CKPT_TAIL_BYTES, "area", 0),
};

static const CkptRecordTable default_table = {
	.descs = record_descs,
	.n_descs = G_N_ELEMENTS(record_descs),
};

const CkptRecordTable *ckpt_record_table_default(void)
{
	return &default_table;
}

const CkptRecordDesc *ckpt_record_table_lookup(const CkptRecordTable *table, guint32 type)
{
	/* A few dozen types: a linear scan beats any index in clarity. */
	for (gsize i = 0; i < table->n_descs; i++) {
		if (table->descs[i].type == type)
			return &table->descs[i];
	}
	return NULL;
}
