// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "ckpt-cgroup.h"
#include "ckpt-guest-error.h"

/* Re-read cgroup.events at least this often, whatever poll() says. */
#define CGROUP_POLL_MS 100

struct _CkptCgroup {
	char *path;
	int dirfd;
};

static CkptCgroup *cgroup_new(const char *path, int dirfd)
{
	CkptCgroup *cg = g_new0(CkptCgroup, 1);

	cg->path = g_strdup(path);
	cg->dirfd = dirfd;
	return cg;
}

CkptCgroup *ckpt_cgroup_open(const char *path, GError **error)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_NOT_FOUND,
				    "cgroup %s does not exist", path);
		else
			ckpt_set_error_errno(error, e, "cannot open cgroup %s", path);
		return NULL;
	}
	return cgroup_new(path, fd);
}

static gboolean check_cgroup2_mount(const char *dir, GError **error)
{
	struct statfs sfs;

	if (statfs(dir, &sfs) < 0) {
		ckpt_set_error_errno(error, errno, "cannot statfs %s", dir);
		return FALSE;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_FAILED,
			    "%s is not a cgroup v2 mount (mount -t cgroup2 none %s)", dir, dir);
		return FALSE;
	}
	return TRUE;
}

CkptCgroup *ckpt_cgroup_create(const char *path, gboolean check_cgroup2, GError **error)
{
	g_autofree char *parent = g_path_get_dirname(path);

	if (check_cgroup2) {
		g_autofree char *mount = g_path_get_dirname(parent);

		if (!check_cgroup2_mount(mount, error))
			return NULL;
	}
	if (mkdir(parent, 0755) < 0 && errno != EEXIST) {
		ckpt_set_error_errno(error, errno, "cannot create cgroup %s", parent);
		return NULL;
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		ckpt_set_error_errno(error, errno, "cannot create cgroup %s", path);
		return NULL;
	}
	return ckpt_cgroup_open(path, error);
}

void ckpt_cgroup_free(CkptCgroup *cg)
{
	if (!cg)
		return;
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	g_free(cg->path);
	g_free(cg);
}

const char *ckpt_cgroup_get_path(const CkptCgroup *cg)
{
	return cg->path;
}

int ckpt_cgroup_get_fd(const CkptCgroup *cg)
{
	return cg->dirfd;
}

/* Reads a small interface file whole. */
static char *read_file_at(CkptCgroup *cg, const char *name, GError **error)
{
	g_autoptr(GString) text = g_string_new(NULL);
	char buf[4096];
	int fd = openat(cg->dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		ckpt_set_error_errno(error, errno, "cannot open %s/%s", cg->path, name);
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ckpt_set_error_errno(error, errno, "cannot read %s/%s", cg->path, name);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		g_string_append_len(text, buf, n);
	}
	close(fd);
	return g_string_free(g_steal_pointer(&text), FALSE);
}

static gboolean write_file_at(CkptCgroup *cg, const char *name, const char *value, GError **error)
{
	size_t len = strlen(value);
	int fd = openat(cg->dirfd, name, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		ckpt_set_error_errno(error, errno, "cannot open %s/%s", cg->path, name);
		return FALSE;
	}
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len) {
		ckpt_set_error_errno(error, n < 0 ? errno : EIO, "cannot write '%s' to %s/%s",
				     value, cg->path, name);
		close(fd);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

gboolean ckpt_cgroup_parse_events(const char *text, CkptCgroupEvents *events, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gboolean have_populated = FALSE, have_frozen = FALSE;

	memset(events, 0, sizeof(*events));
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) kv = NULL;
		gboolean *field;
		gboolean *seen;

		if (!**l)
			continue;
		kv = g_strsplit(*l, " ", 2);
		if (g_strcmp0(kv[0], "populated") == 0) {
			field = &events->populated;
			seen = &have_populated;
		} else if (g_strcmp0(kv[0], "frozen") == 0) {
			field = &events->frozen;
			seen = &have_frozen;
		} else {
			continue; /* a key a newer kernel added */
		}
		if (!kv[1] || (strcmp(kv[1], "0") != 0 && strcmp(kv[1], "1") != 0)) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_FAILED,
				    "cgroup.events: bad line '%s'", *l);
			return FALSE;
		}
		*field = kv[1][0] == '1';
		*seen = TRUE;
	}
	if (!have_populated || !have_frozen) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_FAILED,
			    "cgroup.events: no '%s' line (kernel without the cgroup v2 freezer?)",
			    have_populated ? "frozen" : "populated");
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_cgroup_read_events(CkptCgroup *cg, CkptCgroupEvents *events, GError **error)
{
	g_autofree char *text = read_file_at(cg, "cgroup.events", error);

	if (!text)
		return FALSE;
	if (!ckpt_cgroup_parse_events(text, events, error)) {
		g_prefix_error(error, "%s: ", cg->path);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_cgroup_get_freeze(CkptCgroup *cg, gboolean *freeze, GError **error)
{
	g_autofree char *text = read_file_at(cg, "cgroup.freeze", error);

	if (!text)
		return FALSE;
	g_strstrip(text);
	if (strcmp(text, "0") != 0 && strcmp(text, "1") != 0) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_FAILED,
			    "%s/cgroup.freeze: unexpected '%s'", cg->path, text);
		return FALSE;
	}
	*freeze = text[0] == '1';
	return TRUE;
}

gboolean ckpt_cgroup_set_freeze(CkptCgroup *cg, gboolean freeze, GError **error)
{
	return write_file_at(cg, "cgroup.freeze", freeze ? "1" : "0", error);
}

gboolean ckpt_cgroup_kill(CkptCgroup *cg, GError **error)
{
	return write_file_at(cg, "cgroup.kill", "1", error);
}

GArray *ckpt_cgroup_read_pids(CkptCgroup *cg, const char *file, GError **error)
{
	g_autofree char *text = read_file_at(cg, file, error);
	g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	g_auto(GStrv) lines = NULL;

	if (!text)
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		guint64 v;
		pid_t pid;

		if (!**l)
			continue;
		if (!g_ascii_string_to_unsigned(*l, 10, 1, G_MAXINT32, &v, NULL)) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_FAILED,
				    "%s/%s: bad pid '%s'", cg->path, file, *l);
			return NULL;
		}
		pid = (pid_t)v;
		g_array_append_val(pids, pid);
	}
	return g_steal_pointer(&pids);
}

static gboolean condition_holds(const CkptCgroupEvents *ev, CkptCgroupCondition cond)
{
	switch (cond) {
	case CKPT_CGROUP_FROZEN:
		return ev->frozen;
	case CKPT_CGROUP_THAWED:
		return !ev->frozen;
	case CKPT_CGROUP_EMPTY:
		return !ev->populated;
	}
	return FALSE;
}

static const char *condition_name(CkptCgroupCondition cond)
{
	switch (cond) {
	case CKPT_CGROUP_FROZEN:
		return "frozen";
	case CKPT_CGROUP_THAWED:
		return "thawed";
	case CKPT_CGROUP_EMPTY:
		return "empty";
	}
	return "?";
}

gboolean ckpt_cgroup_wait(CkptCgroup *cg, CkptCgroupCondition cond, gint64 timeout_ms,
			  GCancellable *cancellable, GError **error)
{
	gint64 deadline = timeout_ms < 0 ? G_MAXINT64 : g_get_monotonic_time() + timeout_ms * 1000;
	g_autofree char *events_path = g_build_filename(cg->path, "cgroup.events", NULL);
	struct pollfd pfd[2] = {{.fd = -1}, {.fd = -1}};
	gboolean ok = FALSE;
	GPollFD cfd;

	/*
	 * kernfs signals a change of cgroup.events with POLLPRI|POLLERR on an
	 * fd that read it; the fd must be re-read from offset 0 each time.
	 */
	pfd[0].fd = openat(cg->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (pfd[0].fd < 0) {
		ckpt_set_error_errno(error, errno, "cannot open %s", events_path);
		return FALSE;
	}
	pfd[0].events = POLLPRI;
	if (cancellable && g_cancellable_make_pollfd(cancellable, &cfd)) {
		pfd[1].fd = cfd.fd;
		pfd[1].events = POLLIN;
	}

	for (;;) {
		CkptCgroupEvents ev;
		char buf[512];
		ssize_t n;
		gint64 now, wait_ms;

		n = pread(pfd[0].fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			ckpt_set_error_errno(error, errno, "cannot read %s", events_path);
			break;
		}
		buf[n] = '\0';
		if (!ckpt_cgroup_parse_events(buf, &ev, error)) {
			g_prefix_error(error, "%s: ", cg->path);
			break;
		}
		if (condition_holds(&ev, cond)) {
			ok = TRUE;
			break;
		}
		if (g_cancellable_set_error_if_cancelled(cancellable, error))
			break;
		now = g_get_monotonic_time();
		if (now >= deadline) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT,
				    "cgroup %s not %s after %" G_GINT64_FORMAT " ms", cg->path,
				    condition_name(cond), timeout_ms);
			break;
		}
		wait_ms = MIN((deadline - now + 999) / 1000, CGROUP_POLL_MS);
		if (poll(pfd, pfd[1].fd >= 0 ? 2 : 1, (int)wait_ms) < 0 && errno != EINTR) {
			ckpt_set_error_errno(error, errno, "poll on %s", events_path);
			break;
		}
	}
	if (pfd[1].fd >= 0)
		g_cancellable_release_fd(cancellable);
	close(pfd[0].fd);
	return ok;
}

gboolean ckpt_cgroup_remove(CkptCgroup *cg, GError **error)
{
	if (rmdir(cg->path) < 0 && errno != ENOENT) {
		ckpt_set_error_errno(error, errno, "cannot remove cgroup %s", cg->path);
		return FALSE;
	}
	return TRUE;
}
