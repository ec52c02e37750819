/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Open file descriptions (struct file) as image objects, for every kind
 * that holds files: the fd table (ckpt_files.c) and private file mappings
 * (ckpt_mm.c).
 *
 * A struct file is one FILE object, whoever holds it: two fds, two
 * processes after fork, or an fd and a mapping all refer to one objref, so
 * the restored file is one struct file again and keeps one shared offset.
 * A file that is an end of a pipe, or an open FIFO, also refers to the PIPE
 * object of its pipe (ckpt_pipe.c), which carries the buffered data.
 *
 * Paths in the image are relative to the container's root: the root of its
 * init at checkpoint, the root the restart coordinator gives every task
 * before it restores (kinds that open files restore before ckpt_fs_kind,
 * which may move a task's root).
 */
#ifndef CKPT_FILE_H
#define CKPT_FILE_H

#include <linux/types.h>

#include "ckpt_cr.h"

struct file;
struct path;

/* ---- checkpoint ------------------------------------------------------------ */

/*
 * Refuse a file that cannot be restored faithfully: sockets, anonymous
 * inodes (eventfd, epoll, signalfd, timerfd, inotify, fanotify, pidfd,
 * io_uring...), ttys, other char and block devices than /dev/null, zero,
 * full, random and urandom, deleted files and memfds, files on pseudo
 * filesystems (proc, sysfs, cgroup...) or outside the container's root,
 * O_ASYNC, file locks. Records "AF_INET socket not supported" (no location: the caller
 * adds "pid 7 fd 4" with ckpt_err_prefix()) and returns an error; 0 if the
 * file is fine.
 */
int ckpt_file_precheck(struct ckpt_ctx *ctx, struct file *file);

/*
 * The objref of file. The first time file is seen, its records are written
 * now (a PIPE record if its pipe is new, then the FILE record), so call it
 * before writing the record that refers to the objref. Runs the precheck
 * too. On failure the error is recorded without location, as above.
 */
int ckpt_file_checkpoint_ref(struct ckpt_ctx *ctx, struct file *file,
			     u32 *objref);

/*
 * The path of path relative to the container's root, kmalloc'ed, or an
 * ERR_PTR after recording why (outside the root, deleted, too long).
 * what names the object in that message ("cwd", "file").
 */
char *ckpt_container_path(struct ckpt_ctx *ctx, const struct path *path,
			  const char *what);

/* ---- restart ---------------------------------------------------------------- */

/*
 * Read every FILE and PIPE record that comes next in the stream and define
 * their objrefs. Objects precede their first reference, so a kind calls
 * this before reading the record that may refer to new files (an FD, a
 * VMA); with no such record next it reads nothing.
 */
int ckpt_file_restore_objects(struct ckpt_ctx *ctx);

/*
 * The struct file defined by objref (a FILE object), reading the records
 * that define it first if they come next. The object hash owns the
 * reference until the operation ends; a caller that keeps the file takes
 * its own (get_file(), or vm_mmap(), which does). ERR_PTR after recording
 * the error.
 */
struct file *ckpt_file_restore_ref(struct ckpt_ctx *ctx, u32 objref);

#endif /* CKPT_FILE_H */
