// SPDX-License-Identifier: GPL-2.0-only
/*
 * FILE objects: one open file description (struct file), written once and
 * then referred to by objref from every fd and mapping that holds it.
 *
 * Kinds: regular files and directories on real filesystems, the char
 * devices /dev/null, zero, full, random and urandom (stateless: the
 * path and the device number say all), FIFOs (by path) and ends of
 * anonymous pipes; the last two refer to a PIPE object (ckpt_pipe.c).
 * Anything else is refused before the checkpoint writes a byte.
 *
 * Restart opens regular files, directories, devices and FIFOs by path,
 * relative to current's root, with the saved open flags, after checking
 * that the path still names an inode of the same type (and device), and
 * puts the offset back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <net/sock.h>

#include "ckpt_cr.h"
#include "ckpt_file.h"
#include "ckpt_pipe.h"

/*
 * Open flags a FILE record may carry: what open(2) leaves in f_flags and
 * that reopening restores. O_CREAT, O_EXCL, O_NOCTTY and O_TRUNC never
 * stay in f_flags; O_CLOEXEC is an fd flag (CKPT_FD_F_CLOEXEC).
 */
#define CKPT_FILE_FLAGS							\
	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | __O_SYNC |	\
	 O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |	\
	 O_PATH)

/* With O_PATH, open(2) keeps only these (O_PATH_FLAGS in fs/open.c). */
#define CKPT_FILE_PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW)

/*
 * Dropped at checkpoint: open-time-only and kernel-internal bits. An
 * O_TMPFILE file that still has a name (linkat()) is an ordinary file
 * now; reopening it with O_TMPFILE would make a new one.
 */
#define CKPT_FILE_FLAGS_DROPPED						\
	(O_CLOEXEC | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |		\
	 __FMODE_EXEC | __FMODE_NONOTIFY)

/* ---- checkpoint ------------------------------------------------------------ */

/* Filesystems whose files are views of kernel state, not data. */
static const char *const ckpt_pseudo_fs[] = {
	"aio", "anon_inodefs", "apparmorfs", "autofs", "bdev", "binder",
	"binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs",
	"devpts", "dmabuf", "efivarfs", "fusectl", "hugetlbfs", "mqueue",
	"nfsd", "nsfs", "pipefs", "proc", "pstore", "resctrl", "rpc_pipefs",
	"secretmem", "securityfs", "selinuxfs", "smackfs", "sockfs", "sysfs",
	"tracefs", "xenfs",
};

static bool ckpt_fs_is_pseudo(struct super_block *sb)
{
	const char *name = sb->s_type->name;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ckpt_pseudo_fs); i++)
		if (!strcmp(name, ckpt_pseudo_fs[i]))
			return true;
	return false;
}

static bool ckpt_chr_allowed(dev_t rdev)
{
	return rdev == MKDEV(MEM_MAJOR, 3) ||	/* null */
	       rdev == MKDEV(MEM_MAJOR, 5) ||	/* zero */
	       rdev == MKDEV(MEM_MAJOR, 7) ||	/* full */
	       rdev == MKDEV(MEM_MAJOR, 8) ||	/* random */
	       rdev == MKDEV(MEM_MAJOR, 9);	/* urandom */
}

static bool ckpt_chr_is_tty(struct inode *inode)
{
	unsigned int major = MAJOR(inode->i_rdev);

	return inode->i_sb->s_magic == DEVPTS_SUPER_MAGIC ||
	       major == TTY_MAJOR || major == TTYAUX_MAJOR ||
	       (major >= UNIX98_PTY_MASTER_MAJOR &&
		major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT);
}

static const char *ckpt_family_name(int family)
{
	switch (family) {
	case AF_UNIX:
		return "AF_UNIX";
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	case AF_NETLINK:
		return "AF_NETLINK";
	case AF_PACKET:
		return "AF_PACKET";
	case AF_VSOCK:
		return "AF_VSOCK";
	case AF_ALG:
		return "AF_ALG";
	case AF_KEY:
		return "AF_KEY";
	default:
		return NULL;
	}
}

static int ckpt_refuse_socket(struct ckpt_ctx *ctx, struct socket *sock)
{
	int family = sock->sk ? READ_ONCE(sock->sk->sk_family) :
		     sock->ops ? sock->ops->family : AF_UNSPEC;
	const char *name = ckpt_family_name(family);

	if (name)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"%s socket not supported", name);
	return ckpt_err(ctx->err, -EOPNOTSUPP,
			"socket of address family %d not supported", family);
}

/*
 * Anonymous inodes are named after what they are: "[eventfd]" -> "eventfd",
 * "inotify", "[io_uring]"...; epoll calls itself "[eventpoll]".
 */
static int ckpt_refuse_anon(struct ckpt_ctx *ctx, struct file *file)
{
	const char *name = file->f_path.dentry->d_name.name;
	size_t len = strlen(name);

	if (!strcmp(name, "[eventpoll]"))
		return ckpt_err(ctx->err, -EOPNOTSUPP, "epoll not supported");
	if (len >= 2 && name[0] == '[' && name[len - 1] == ']')
		return ckpt_err(ctx->err, -EOPNOTSUPP, "%.*s not supported",
				(int)len - 2, name + 1);
	return ckpt_err(ctx->err, -EOPNOTSUPP, "%s not supported", name);
}

/* flock(), fcntl() record locks and leases taken through file. */
static bool ckpt_file_has_locks(struct file *file)
{
	struct file_lock_context *flctx = locks_inode_context(file_inode(file));
	struct file_lock *fl;
	bool found = false;

	if (!flctx)
		return false;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(fl, &flctx->flc_flock, fl_list)
		found |= fl->fl_file == file;
	list_for_each_entry(fl, &flctx->flc_posix, fl_list)
		found |= fl->fl_file == file;
	list_for_each_entry(fl, &flctx->flc_lease, fl_list)
		found |= fl->fl_file == file;
	spin_unlock(&flctx->flc_lock);
	return found;
}

/* The pipe of a pipe end or an open FIFO: fifo_open() makes them agree. */
static struct pipe_inode_info *ckpt_file_pipe(struct file *file)
{
	struct pipe_inode_info *pipe = file_inode(file)->i_pipe;

	return pipe && file->private_data == pipe ? pipe : NULL;
}

/*
 * Refusals that need the file's name. name is a buffer of CKPT_PATH_MAX
 * bytes for it.
 */
static int ckpt_file_check_named(struct ckpt_ctx *ctx, struct file *file,
				 char *name)
{
	struct inode *inode = file_inode(file);
	struct super_block *sb = inode->i_sb;
	const char *path;

	path = d_path(&file->f_path, name, CKPT_PATH_MAX);
	if (IS_ERR(path))
		path = "(unnamed)";

	if (file->f_path.mnt->mnt_flags & MNT_INTERNAL) {
		if (!strncmp(file->f_path.dentry->d_name.name, "memfd:", 6))
			return ckpt_err(ctx->err, -EOPNOTSUPP, "memfd %s not supported",
					file->f_path.dentry->d_name.name + 6);
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"file %s of the kernel's internal %s mount not supported",
				path, sb->s_type->name);
	}
	if (ckpt_fs_is_pseudo(sb))
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"file %s on %s not supported", path, sb->s_type->name);

	switch (inode->i_mode & S_IFMT) {
	case S_IFCHR:
		if (ckpt_chr_is_tty(inode))
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"tty %s (%u:%u) not supported", path,
					MAJOR(inode->i_rdev), MINOR(inode->i_rdev));
		if (!ckpt_chr_allowed(inode->i_rdev))
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"char device %s (%u:%u) not supported", path,
					MAJOR(inode->i_rdev), MINOR(inode->i_rdev));
		break;
	case S_IFBLK:
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"block device %s not supported", path);
	case S_IFLNK:
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"O_PATH symbolic link %s not supported", path);
	case S_IFSOCK:
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"O_PATH socket file %s not supported", path);
	}
	if (ckpt_file_has_locks(file))
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"file %s holds a file lock (flock, fcntl or lease): not supported",
				path);
	return 0;
}

/*
 * What file is, or a refusal. *pipe is set for kinds that have one (an
 * O_PATH FIFO has none).
 */
static int ckpt_file_classify(struct ckpt_ctx *ctx, struct file *file,
			      u32 *kind, struct pipe_inode_info **pipe)
{
	struct inode *inode = file_inode(file);
	u32 flags = file->f_flags & ~CKPT_FILE_FLAGS_DROPPED;
	bool opath = file->f_mode & FMODE_PATH;
	struct socket *sock;
	char *name;
	int err;

	*pipe = NULL;
	sock = sock_from_file(file);
	if (sock)
		return ckpt_refuse_socket(ctx, sock);
	if (inode->i_sb->s_magic == ANON_INODE_FS_MAGIC)
		return ckpt_refuse_anon(ctx, file);
	if (flags & FASYNC)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"signal-driven I/O (O_ASYNC) not supported");
	if (flags & ~(CKPT_FILE_FLAGS | __O_TMPFILE))
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"open flags 0%o not supported",
				flags & ~(CKPT_FILE_FLAGS | __O_TMPFILE));

	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		*kind = CKPT_FILE_REG;
		break;
	case S_IFDIR:
		*kind = CKPT_FILE_DIR;
		break;
	case S_IFCHR:
		*kind = CKPT_FILE_CHR;
		break;
	case S_IFIFO:
		*kind = inode->i_sb->s_magic == PIPEFS_MAGIC ? CKPT_FILE_PIPE :
			CKPT_FILE_FIFO;
		if (opath && *kind == CKPT_FILE_PIPE)
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"O_PATH open of a pipe not supported");
		if (opath)
			break;
		*pipe = ckpt_file_pipe(file);
		if (!*pipe)
			return ckpt_err(ctx->err, -EOPNOTSUPP,
					"pipe file without pipe state not supported");
		err = ckpt_pipe_precheck(ctx, *pipe);
		if (err)
			return err;
		if (*kind == CKPT_FILE_PIPE)
			return 0;
		break;
	default:
		/* Refused with a name below. */
		*kind = 0;
		break;
	}

	name = kmalloc(CKPT_PATH_MAX, GFP_KERNEL);
	if (!name)
		return ckpt_err(ctx->err, -ENOMEM, "no memory for a path");
	err = ckpt_file_check_named(ctx, file, name);
	kfree(name);
	return err;
}

int ckpt_file_precheck(struct ckpt_ctx *ctx, struct file *file)
{
	struct pipe_inode_info *pipe;
	u32 kind;
	char *path;
	int err;

	err = ckpt_file_classify(ctx, file, &kind, &pipe);
	if (err || kind == CKPT_FILE_PIPE)
		return err;
	path = ckpt_container_path(ctx, &file->f_path, "file");
	if (IS_ERR(path))
		return PTR_ERR(path);
	kfree(path);
	return 0;
}

/* Open flags as the FILE record carries them. */
static u32 ckpt_file_saved_flags(struct file *file)
{
	u32 flags = file->f_flags & ~CKPT_FILE_FLAGS_DROPPED;

	if (flags & __O_TMPFILE)
		flags &= ~O_TMPFILE;
	return flags;
}

int ckpt_file_checkpoint_ref(struct ckpt_ctx *ctx, struct file *file,
			     u32 *objref)
{
	struct inode *inode = file_inode(file);
	struct ckpt_rec_file rec = {};
	struct pipe_inode_info *pipe;
	char *path = NULL;
	bool first;
	int err;

	rec.objref = ckpt_obj_checkpoint(ctx, file, CKPT_OBJ_FILE, &first);
	if (!rec.objref)
		return -ENOMEM;
	*objref = rec.objref;
	if (!first)
		return 0;

	/* Mappings reach here without the fd table's precheck. */
	err = ckpt_file_classify(ctx, file, &rec.kind, &pipe);
	if (err)
		return err;
	rec.f_flags = ckpt_file_saved_flags(file);
	rec.i_mode = inode->i_mode;
	if (rec.kind == CKPT_FILE_REG || rec.kind == CKPT_FILE_DIR)
		rec.pos = READ_ONCE(file->f_pos);
	if (rec.kind == CKPT_FILE_CHR)
		rec.rdev = new_encode_dev(inode->i_rdev);
	/* The PIPE record comes first: objects precede their references. */
	if (pipe) {
		err = ckpt_pipe_checkpoint_ref(ctx, pipe, &rec.pipe_ref);
		if (err)
			return err;
	}
	if (rec.kind != CKPT_FILE_PIPE) {
		path = ckpt_container_path(ctx, &file->f_path, "file");
		if (IS_ERR(path))
			return PTR_ERR(path);
		rec.path_len = strlen(path) + 1;
	}
	err = ckpt_write_rec_tail(ctx, CKPT_REC_FILE, &rec, sizeof(rec), path,
				  rec.path_len);
	kfree(path);
	return err;
}

/* ---- restart ---------------------------------------------------------------- */

static const char *ckpt_type_name(umode_t type)
{
	switch (type) {
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFCHR:
		return "char device";
	case S_IFBLK:
		return "block device";
	case S_IFIFO:
		return "FIFO";
	case S_IFLNK:
		return "symbolic link";
	case S_IFSOCK:
		return "socket";
	default:
		return "file of unknown type";
	}
}

/* inode must be of type (and rdev, for a char device). */
static int ckpt_file_check_inode(struct ckpt_ctx *ctx, const char *path,
				 struct inode *inode, umode_t type, dev_t rdev)
{
	if ((inode->i_mode & S_IFMT) != type)
		return ckpt_rec_err(ctx, -ENOENT,
				    "%s is a %s now; the image has a %s", path,
				    ckpt_type_name(inode->i_mode & S_IFMT),
				    ckpt_type_name(type));
	if (type == S_IFCHR && inode->i_rdev != rdev)
		return ckpt_rec_err(ctx, -ENOENT,
				    "%s is device %u:%u now; the image has %u:%u",
				    path, MAJOR(inode->i_rdev), MINOR(inode->i_rdev),
				    MAJOR(rdev), MINOR(rdev));
	return 0;
}

struct file *ckpt_file_open_path(struct ckpt_ctx *ctx, const char *path,
				 u32 f_flags, umode_t type, dev_t rdev)
{
	unsigned int lookup = f_flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW;
	struct file *file;
	struct path p;
	int err;

	/* Look before opening: opening a device can have side effects. */
	err = kern_path(path, lookup, &p);
	if (err) {
		ckpt_rec_err(ctx, err, "%s: cannot look it up (error %d)", path, err);
		return ERR_PTR(err);
	}
	err = ckpt_file_check_inode(ctx, path, d_backing_inode(p.dentry), type,
				    rdev);
	/* A checkpoint never names one; opening some has side effects. */
	if (!err && ckpt_fs_is_pseudo(p.dentry->d_sb))
		err = ckpt_rec_err(ctx, -EINVAL, "%s is on %s", path,
				   p.dentry->d_sb->s_type->name);
	path_put(&p);
	if (err)
		return ERR_PTR(err);

	/* O_NOCTTY: a tty never becomes the restorer's controlling tty. */
	file = filp_open(path, (f_flags & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		ckpt_rec_err(ctx, PTR_ERR(file), "%s: cannot open it with flags 0%o (error %ld)",
			     path, f_flags, PTR_ERR(file));
		return file;
	}
	/* It may have changed between the lookup and the open. */
	err = ckpt_file_check_inode(ctx, path, file_inode(file), type, rdev);
	if (err) {
		fput(file);
		return ERR_PTR(err);
	}
	return file;
}

static const umode_t ckpt_kind_type[] = {
	[CKPT_FILE_REG] = S_IFREG,
	[CKPT_FILE_DIR] = S_IFDIR,
	[CKPT_FILE_CHR] = S_IFCHR,
	[CKPT_FILE_FIFO] = S_IFIFO,
	[CKPT_FILE_PIPE] = S_IFIFO,
};

/* Everything a FILE record says, checked before anything is opened. */
static int ckpt_file_check_rec(struct ckpt_ctx *ctx, struct ckpt_rec_file *rec,
			       u32 tail)
{
	bool opath = rec->f_flags & O_PATH;
	u32 kind = rec->kind;
	bool has_path;
	int err;

	err = ckpt_check_zero(ctx, &rec->pad, sizeof(rec->pad), "pad") ?:
	      ckpt_check_zero(ctx, rec->reserved, sizeof(rec->reserved),
			      "reserved");
	if (err)
		return err;
	if (!rec->objref || ckpt_obj_known(ctx, rec->objref))
		return ckpt_rec_err(ctx, -EINVAL, "objref %u is %s", rec->objref,
				    rec->objref ? "defined twice" : "zero");
	if (kind < CKPT_FILE_REG || kind > CKPT_FILE_PIPE)
		return ckpt_rec_err(ctx, -EINVAL, "unknown kind %u", kind);
	if (rec->f_flags & ~CKPT_FILE_FLAGS)
		return ckpt_rec_err(ctx, -EINVAL, "unknown open flags 0%o",
				    rec->f_flags & ~CKPT_FILE_FLAGS);
	if ((rec->f_flags & O_ACCMODE) == O_ACCMODE)
		return ckpt_rec_err(ctx, -EINVAL, "access mode 3 is not one open(2) gives");
	if (opath && (kind == CKPT_FILE_PIPE ||
		      (rec->f_flags & ~CKPT_FILE_PATH_FLAGS)))
		return ckpt_rec_err(ctx, -EINVAL,
				    "open flags 0%o are not O_PATH flags of a path",
				    rec->f_flags);
	if (kind == CKPT_FILE_DIR && (rec->f_flags & O_ACCMODE) != O_RDONLY)
		return ckpt_rec_err(ctx, -EINVAL, "directory open for writing");
	if (kind != CKPT_FILE_DIR && (rec->f_flags & O_DIRECTORY))
		return ckpt_rec_err(ctx, -EINVAL, "O_DIRECTORY on a %s",
				    ckpt_type_name(ckpt_kind_type[kind]));
	if ((rec->i_mode & S_IFMT) != ckpt_kind_type[kind] ||
	    (rec->i_mode & ~(S_IFMT | 07777)))
		return ckpt_rec_err(ctx, -EINVAL, "i_mode 0%o does not fit kind %u",
				    rec->i_mode, kind);
	if (kind == CKPT_FILE_CHR ?
	    !ckpt_chr_allowed(new_decode_dev(rec->rdev)) : rec->rdev)
		return ckpt_rec_err(ctx, -EINVAL, "rdev 0x%x not allowed here",
				    rec->rdev);
	if ((kind == CKPT_FILE_PIPE || (kind == CKPT_FILE_FIFO && !opath)) !=
	    !!rec->pipe_ref)
		return ckpt_rec_err(ctx, -EINVAL, "pipe_ref %u not expected here",
				    rec->pipe_ref);
	if ((kind == CKPT_FILE_REG || kind == CKPT_FILE_DIR) ?
	    rec->pos > LLONG_MAX : rec->pos)
		return ckpt_rec_err(ctx, -EINVAL, "pos %llu out of range",
				    rec->pos);
	has_path = kind != CKPT_FILE_PIPE;
	if (rec->path_len != tail || has_path != !!rec->path_len)
		return ckpt_rec_err(ctx, -EINVAL,
				    "path_len %u with %u bytes following, for kind %u",
				    rec->path_len, tail, kind);
	return 0;
}

static void ckpt_file_release(void *ptr)
{
	fput(ptr);
}

static struct file *ckpt_file_open_rec(struct ckpt_ctx *ctx,
				       struct ckpt_rec_file *rec,
				       const char *path)
{
	umode_t type = ckpt_kind_type[rec->kind];

	if (rec->kind == CKPT_FILE_PIPE)
		return ckpt_pipe_open_end(ctx, rec->pipe_ref, rec->f_flags);
	if (rec->kind == CKPT_FILE_FIFO && rec->pipe_ref)
		return ckpt_pipe_open_fifo(ctx, rec->pipe_ref, path, rec->f_flags);
	return ckpt_file_open_path(ctx, path, rec->f_flags, type,
				   new_decode_dev(rec->rdev));
}

/* Read one FILE record and define its objref as the reopened file. */
static int ckpt_file_restore_rec(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_file rec;
	struct file *file;
	char *path = NULL;
	loff_t pos;
	u32 tail;
	int err;

	err = ckpt_read_rec_tail(ctx, CKPT_REC_FILE, &rec, sizeof(rec), &tail) ?:
	      ckpt_file_check_rec(ctx, &rec, tail);
	if (err)
		return err;
	if (rec.path_len) {
		path = ckpt_read_path(ctx, rec.path_len);
		if (IS_ERR(path))
			return PTR_ERR(path);
		if (path[0] != '/') {
			kfree(path);
			return ckpt_rec_err(ctx, -EINVAL, "path is not absolute");
		}
	}
	err = ckpt_read_rec_end(ctx);
	if (err) {
		kfree(path);
		return err;
	}

	file = ckpt_file_open_rec(ctx, &rec, path);
	kfree(path);
	if (IS_ERR(file))
		return PTR_ERR(file);

	/*
	 * Through the file's own llseek: a directory's offset is a cookie
	 * (a hash on ext4, a cursor on tmpfs) that only it can place.
	 */
	if (rec.pos && !(file->f_mode & FMODE_PATH)) {
		pos = vfs_llseek(file, rec.pos, SEEK_SET);
		if (pos != rec.pos) {
			fput(file);
			return ckpt_rec_err(ctx, pos < 0 ? pos : -EINVAL,
					    "cannot restore offset %llu (got %lld)",
					    rec.pos, pos);
		}
	}
	/* On failure ckpt_obj_add() drops the file itself. */
	return ckpt_obj_add(ctx, rec.objref, CKPT_OBJ_FILE, file,
			    ckpt_file_release);
}

/*
 * The type of the next record, without consuming it; 0 at the end of the
 * stream, which the read that follows reports. ckpt_cr.h has no peek, and
 * objects precede their references, so a reader cannot otherwise tell
 * whether a FILE comes before the FD or VMA that refers to it. This fills
 * the stream's own read buffer exactly as its reader does (the bytes stay
 * in it, unchecksummed, for that reader). An optional record (a newer
 * writer's) ends a run of objects here; none is written before v2.
 */
static int ckpt_file_peek_type(struct ckpt_ctx *ctx, u32 *type)
{
	struct ckpt_stream *s = &ctx->stream;
	struct file *f = s->file;
	struct ckpt_rec h;

	while (s->buf_fill - s->buf_pos < sizeof(h)) {
		ssize_t n;

		memmove(s->buf, s->buf + s->buf_pos, s->buf_fill - s->buf_pos);
		s->buf_fill -= s->buf_pos;
		s->buf_pos = 0;
		n = kernel_read(f, s->buf + s->buf_fill,
				s->buf_size - s->buf_fill,
				(f->f_mode & FMODE_STREAM) ? NULL : &f->f_pos);
		if (n == -EINTR || n == -ERESTARTSYS || fatal_signal_pending(current))
			return ckpt_err(ctx->err, -EINTR,
					"reading the image at byte %llu: interrupted",
					s->offset);
		if (n < 0)
			return ckpt_err(ctx->err, n,
					"reading the image at byte %llu: error %zd",
					s->offset, n);
		if (!n) {
			*type = 0;
			return 0;
		}
		s->buf_fill += n;
	}
	memcpy(&h, s->buf + s->buf_pos, sizeof(h));
	*type = h.type;
	return 0;
}

int ckpt_file_restore_objects(struct ckpt_ctx *ctx)
{
	u32 type;
	int err;

	for (;;) {
		err = ckpt_file_peek_type(ctx, &type);
		if (err)
			return err;
		if (type == CKPT_REC_PIPE)
			err = ckpt_pipe_restore(ctx);
		else if (type == CKPT_REC_FILE)
			err = ckpt_file_restore_rec(ctx);
		else
			return 0;
		if (err)
			return err;
	}
}

struct file *ckpt_file_restore_ref(struct ckpt_ctx *ctx, u32 objref)
{
	int err;

	if (objref && !ckpt_obj_known(ctx, objref)) {
		err = ckpt_file_restore_objects(ctx);
		if (err)
			return ERR_PTR(err);
	}
	return ckpt_obj_fetch(ctx, objref, CKPT_OBJ_FILE);
}
