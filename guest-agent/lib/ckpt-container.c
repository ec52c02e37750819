// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt-container.h"
#include "ckpt-guest-error.h"
#include "ckpt-proc.h"

struct _CkptContainer {
	CkptPaths *paths;
	char *name;
	char *state_dir;
	char *cgroup_path;
	CkptCgroup *cgroup; /* opened on demand */
	int lock_fd;
};

gboolean ckpt_container_name_check(const char *name, GError **error)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > CKPT_CONTAINER_NAME_MAX) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
			    "container name '%s': must be 1 to %d characters", name ? name : "",
			    CKPT_CONTAINER_NAME_MAX);
		return FALSE;
	}
	if (!g_ascii_isalnum(name[0])) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
			    "container name '%s': must start with a letter or a digit", name);
		return FALSE;
	}
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && !strchr("_.-", name[i])) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
				    "container name '%s': character %zu is not one of "
				    "A-Z a-z 0-9 _ . -",
				    name, i + 1);
			return FALSE;
		}
	}
	return TRUE;
}

CkptContainer *ckpt_container_new(const CkptPaths *paths, const char *name, GError **error)
{
	CkptContainer *c;

	if (!ckpt_container_name_check(name, error))
		return NULL;
	c = g_new0(CkptContainer, 1);
	c->paths = ckpt_paths_copy(paths);
	c->name = g_strdup(name);
	c->state_dir = g_build_filename(paths->run_dir, name, NULL);
	c->cgroup_path = g_build_filename(paths->cgroup_dir, name, NULL);
	c->lock_fd = -1;
	return c;
}

void ckpt_container_free(CkptContainer *c)
{
	if (!c)
		return;
	ckpt_container_unlock(c);
	ckpt_cgroup_free(c->cgroup);
	ckpt_paths_free(c->paths);
	g_free(c->name);
	g_free(c->state_dir);
	g_free(c->cgroup_path);
	g_free(c);
}

const char *ckpt_container_get_name(const CkptContainer *c)
{
	return c->name;
}

const CkptPaths *ckpt_container_get_paths(const CkptContainer *c)
{
	return c->paths;
}

const char *ckpt_container_get_state_dir(const CkptContainer *c)
{
	return c->state_dir;
}

const char *ckpt_container_get_cgroup_path(const CkptContainer *c)
{
	return c->cgroup_path;
}

char *ckpt_container_get_log_path(const CkptContainer *c)
{
	return g_build_filename(c->state_dir, "log", NULL);
}

const char *ckpt_container_state_name(CkptContainerState state)
{
	switch (state) {
	case CKPT_CONTAINER_ABSENT:
		return "absent";
	case CKPT_CONTAINER_STOPPED:
		return "stopped";
	case CKPT_CONTAINER_RUNNING:
		return "running";
	case CKPT_CONTAINER_FREEZING:
		return "freezing";
	case CKPT_CONTAINER_FROZEN:
		return "frozen";
	}
	return "?";
}

/* "5 s" or "1500 ms": timeouts read the way the user gave them. */
static char *format_ms(gint64 ms)
{
	if (ms % 1000 == 0)
		return g_strdup_printf("%" G_GINT64_FORMAT " s", ms / 1000);
	return g_strdup_printf("%" G_GINT64_FORMAT " ms", ms);
}

gboolean ckpt_container_lock(CkptContainer *c, GError **error)
{
	g_autofree char *dir = g_build_filename(c->paths->run_dir, ".locks", NULL);
	g_autofree char *path = g_build_filename(dir, c->name, NULL);
	int fd;

	if (c->lock_fd >= 0)
		return TRUE;
	if (g_mkdir_with_parents(dir, 0700) < 0) {
		ckpt_set_error_errno(error, errno, "cannot create %s", dir);
		return FALSE;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ckpt_set_error_errno(error, errno, "cannot open lock %s", path);
		return FALSE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_BUSY,
				    "container %s: busy: another operation holds %s", c->name,
				    path);
			return FALSE;
		}
		ckpt_set_error_errno(error, e, "cannot lock %s", path);
		return FALSE;
	}
	c->lock_fd = fd;
	return TRUE;
}

void ckpt_container_unlock(CkptContainer *c)
{
	if (c->lock_fd >= 0) {
		close(c->lock_fd);
		c->lock_fd = -1;
	}
}

CkptCgroup *ckpt_container_get_cgroup(CkptContainer *c, GError **error)
{
	if (!c->cgroup) {
		c->cgroup = ckpt_cgroup_open(c->cgroup_path, error);
		if (!c->cgroup)
			return NULL;
	}
	return c->cgroup;
}

static void forget_cgroup(CkptContainer *c)
{
	g_clear_pointer(&c->cgroup, ckpt_cgroup_free);
}

static gboolean pid_in(GArray *pids, pid_t pid)
{
	for (guint i = 0; i < pids->len; i++)
		if (g_array_index(pids, pid_t, i) == pid)
			return TRUE;
	return FALSE;
}

/*
 * The init pid the state directory recorded, if it is still in the cgroup;
 * else the task that is pid 1 of its namespace (the file may be missing
 * for a moment while `ckpt run` starts the container).
 */
static pid_t find_init(CkptContainer *c, GArray *procs)
{
	g_autofree char *path = g_build_filename(c->state_dir, "init.pid", NULL);
	g_autofree char *text = NULL;
	guint64 v;

	if (g_file_get_contents(path, &text, NULL, NULL) &&
	    g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, G_MAXINT32, &v, NULL) &&
	    pid_in(procs, (pid_t)v))
		return (pid_t)v;
	for (guint i = 0; i < procs->len; i++) {
		CkptProcTask t;

		if (ckpt_proc_read_task(g_array_index(procs, pid_t, i), &t, NULL) && t.ns_pid == 1)
			return t.pid;
	}
	return 0;
}

gboolean ckpt_container_get_status(CkptContainer *c, CkptContainerStatus *status, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GArray) procs = NULL;
	g_autoptr(GArray) threads = NULL;
	CkptCgroupEvents ev;
	gboolean freeze;
	CkptCgroup *cg;

	memset(status, 0, sizeof(*status));
	/* The cgroup may have been removed and made again since we opened it. */
	forget_cgroup(c);
	cg = ckpt_container_get_cgroup(c, &local);
	if (!cg) {
		if (!g_error_matches(local, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		status->state = g_file_test(c->state_dir, G_FILE_TEST_IS_DIR)
					? CKPT_CONTAINER_STOPPED
					: CKPT_CONTAINER_ABSENT;
		return TRUE;
	}
	if (!ckpt_cgroup_read_events(cg, &ev, error))
		return FALSE;
	if (!ev.populated) {
		status->state = CKPT_CONTAINER_STOPPED;
		return TRUE;
	}
	if (!ckpt_cgroup_get_freeze(cg, &freeze, error))
		return FALSE;
	procs = ckpt_cgroup_read_pids(cg, "cgroup.procs", error);
	if (!procs)
		return FALSE;
	threads = ckpt_cgroup_read_pids(cg, "cgroup.threads", error);
	if (!threads)
		return FALSE;
	if (ev.frozen)
		status->state = CKPT_CONTAINER_FROZEN;
	else if (freeze)
		status->state = CKPT_CONTAINER_FREEZING;
	else
		status->state = CKPT_CONTAINER_RUNNING;
	status->nr_processes = procs->len;
	status->nr_tasks = threads->len;
	status->init_pid = find_init(c, procs);
	return TRUE;
}

gint64 ckpt_container_get_memory(CkptContainer *c)
{
	g_autoptr(GArray) procs = NULL;
	CkptCgroup *cg = ckpt_container_get_cgroup(c, NULL);
	gint64 total = -1;

	if (cg)
		procs = ckpt_cgroup_read_pids(cg, "cgroup.procs", NULL);
	for (guint i = 0; procs && i < procs->len; i++) {
		gint64 pss = ckpt_proc_read_pss(g_array_index(procs, pid_t, i));

		if (pss >= 0)
			total = (total < 0 ? 0 : total) + pss;
	}
	return total;
}

gboolean ckpt_container_require(CkptContainer *c, CkptContainerStatus *status, GError **error)
{
	if (!ckpt_container_get_status(c, status, error)) {
		ckpt_prefix_container(error, c->name);
		return FALSE;
	}
	if (status->state == CKPT_CONTAINER_ABSENT) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_NOT_FOUND,
			    "container %s: no such container (neither %s nor %s exists)", c->name,
			    c->state_dir, c->cgroup_path);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_container_require_live(CkptContainer *c, CkptContainerStatus *status, GError **error)
{
	if (!ckpt_container_require(c, status, error))
		return FALSE;
	if (status->state == CKPT_CONTAINER_STOPPED) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_STATE,
			    "container %s: not running (no task in cgroup %s)", c->name,
			    c->cgroup_path);
		return FALSE;
	}
	return TRUE;
}

CkptContainerConfig *ckpt_container_load_config(CkptContainer *c, GError **error)
{
	g_autofree char *path = g_build_filename(c->state_dir, "config", NULL);

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return NULL;
	return ckpt_container_config_load(path, error);
}

/* Removes the state directory: it holds only files we wrote. */
static gboolean remove_state_dir(CkptContainer *c, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(c->state_dir, 0, NULL);
	const char *name;

	if (!dir)
		return TRUE;
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *path = g_build_filename(c->state_dir, name, NULL);

		if (unlink(path) < 0 && errno != ENOENT) {
			ckpt_set_error_errno(error, errno, "cannot remove %s", path);
			return FALSE;
		}
	}
	if (rmdir(c->state_dir) < 0 && errno != ENOENT) {
		ckpt_set_error_errno(error, errno, "cannot remove %s", c->state_dir);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_container_destroy(CkptContainer *c, GError **error)
{
	g_autoptr(CkptCgroup) cg = ckpt_cgroup_open(c->cgroup_path, NULL);

	forget_cgroup(c);
	if (cg) {
		CkptCgroupEvents ev;

		if (!ckpt_cgroup_read_events(cg, &ev, error))
			goto fail;
		if (ev.populated) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_STATE,
				    "still running (cgroup %s has tasks)", c->cgroup_path);
			goto fail;
		}
		if (!ckpt_cgroup_remove(cg, error))
			goto fail;
	}
	if (!remove_state_dir(c, error))
		goto fail;
	return TRUE;
fail:
	ckpt_prefix_container(error, c->name);
	return FALSE;
}

gboolean ckpt_container_create(CkptContainer *c, const CkptContainerConfig *config, GError **error)
{
	g_autofree char *log = ckpt_container_get_log_path(c);
	g_autofree char *config_path = g_build_filename(c->state_dir, "config", NULL);
	CkptContainerStatus st;
	int fd;

	if (!ckpt_container_get_status(c, &st, error))
		goto fail;
	if (st.state >= CKPT_CONTAINER_RUNNING) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_EXISTS,
			    "container %s: already %s (init pid %d)", c->name,
			    ckpt_container_state_name(st.state), (int)st.init_pid);
		return FALSE;
	}
	if (st.state == CKPT_CONTAINER_STOPPED && !ckpt_container_destroy(c, error))
		return FALSE;
	if (g_mkdir_with_parents(c->paths->run_dir, 0755) < 0 ||
	    (mkdir(c->state_dir, 0700) < 0 && errno != EEXIST)) {
		ckpt_set_error_errno(error, errno, "cannot create %s", c->state_dir);
		goto fail;
	}
	/*
	 * The log exists from the start, even when unused: a restarted
	 * container's fds find their files by path, and the log is one.
	 */
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		ckpt_set_error_errno(error, errno, "cannot create %s", log);
		goto fail;
	}
	close(fd);
	if (config && !ckpt_container_config_save(config, config_path, error))
		goto fail;
	c->cgroup = ckpt_cgroup_create(c->cgroup_path, c->paths->check_cgroup2, error);
	if (!c->cgroup)
		goto fail;
	return TRUE;
fail:
	ckpt_prefix_container(error, c->name);
	return FALSE;
}

gboolean ckpt_container_set_init_pid(CkptContainer *c, pid_t pid, GError **error)
{
	g_autofree char *path = g_build_filename(c->state_dir, "init.pid", NULL);
	g_autofree char *text = g_strdup_printf("%d\n", (int)pid);

	if (!g_file_set_contents(path, text, -1, error)) {
		ckpt_prefix_container(error, c->name);
		return FALSE;
	}
	return TRUE;
}

/* "pid 12 (sleep): state D in msleep; pid 13 (...)...": tasks not frozen. */
static char *describe_unfrozen(CkptCgroup *cg)
{
	g_autoptr(GArray) threads = ckpt_cgroup_read_pids(cg, "cgroup.threads", NULL);
	g_autoptr(GString) s = g_string_new(NULL);
	guint listed = 0, more = 0;

	if (!threads)
		return g_strdup("(cannot list its tasks)");
	for (guint i = 0; i < threads->len; i++) {
		CkptProcTask t;
		g_autofree char *d = NULL;

		if (!ckpt_proc_read_task(g_array_index(threads, pid_t, i), &t, NULL) ||
		    ckpt_proc_task_in_freezer(&t))
			continue;
		if (listed == 8) {
			more++;
			continue;
		}
		d = ckpt_proc_describe(&t);
		g_string_append_printf(s, "%s%s still running", listed ? "; " : "", d);
		listed++;
	}
	if (more)
		g_string_append_printf(s, "; and %u more", more);
	if (!listed)
		g_string_append(s, "no task is visibly running (they may be freezing now)");
	return g_string_free(g_steal_pointer(&s), FALSE);
}

gboolean ckpt_container_freeze(CkptContainer *c, gint64 timeout_ms, GCancellable *cancellable,
			       GError **error)
{
	g_autoptr(GError) local = NULL;
	CkptContainerStatus st;
	CkptCgroup *cg;

	if (!ckpt_container_require_live(c, &st, error))
		return FALSE;
	if (st.state == CKPT_CONTAINER_FROZEN)
		return TRUE;
	cg = ckpt_container_get_cgroup(c, error);
	if (!cg || !ckpt_cgroup_set_freeze(cg, TRUE, error))
		goto fail;
	if (ckpt_cgroup_wait(cg, CKPT_CGROUP_FROZEN, timeout_ms, cancellable, &local))
		return TRUE;

	/* Never leave a half-frozen container behind. */
	if (g_error_matches(local, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT)) {
		g_autofree char *who = describe_unfrozen(cg);
		g_autofree char *t = format_ms(timeout_ms);

		g_clear_error(&local);
		g_set_error(&local, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT,
			    "freeze timed out after %s: %s", t, who);
	}
	if (!ckpt_cgroup_set_freeze(cg, FALSE, NULL))
		g_prefix_error(&local, "(and thawing failed too) ");
	g_propagate_error(error, g_steal_pointer(&local));
fail:
	ckpt_prefix_container(error, c->name);
	return FALSE;
}

gboolean ckpt_container_thaw(CkptContainer *c, GError **error)
{
	CkptContainerStatus st;
	CkptCgroup *cg;

	if (!ckpt_container_require_live(c, &st, error))
		return FALSE;
	cg = ckpt_container_get_cgroup(c, error);
	if (!cg || !ckpt_cgroup_set_freeze(cg, FALSE, error) ||
	    !ckpt_cgroup_wait(cg, CKPT_CGROUP_THAWED, CKPT_DEFAULT_TIMEOUT_MS, NULL, error)) {
		ckpt_prefix_container(error, c->name);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_container_signal(CkptContainer *c, int signo, GError **error)
{
	CkptContainerStatus st;

	if (!ckpt_container_require_live(c, &st, error))
		return FALSE;
	if (!st.init_pid) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_STATE,
			    "container %s: its init is gone (no pid 1 in cgroup %s)", c->name,
			    c->cgroup_path);
		return FALSE;
	}
	if (kill(st.init_pid, signo) < 0) {
		ckpt_set_error_errno(error, errno, "container %s: cannot send signal %d to init %d",
				     c->name, signo, (int)st.init_pid);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_container_kill(CkptContainer *c, gint64 timeout_ms, GCancellable *cancellable,
			     GError **error)
{
	g_autoptr(GError) local = NULL;
	CkptContainerStatus st;
	CkptCgroup *cg;

	if (!ckpt_container_require(c, &st, error))
		return FALSE;
	if (st.state >= CKPT_CONTAINER_RUNNING) {
		cg = ckpt_container_get_cgroup(c, error);
		if (!cg || !ckpt_cgroup_kill(cg, error))
			goto fail;
		if (!ckpt_cgroup_wait(cg, CKPT_CGROUP_EMPTY, timeout_ms, cancellable, &local)) {
			if (g_error_matches(local, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT)) {
				g_autofree char *t = format_ms(timeout_ms);

				g_clear_error(&local);
				g_set_error(&local, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT,
					    "tasks still alive %s after SIGKILL", t);
			}
			g_propagate_error(error, g_steal_pointer(&local));
			goto fail;
		}
	}
	return ckpt_container_destroy(c, error);
fail:
	ckpt_prefix_container(error, c->name);
	return FALSE;
}

static void add_names(GHashTable *names, const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (!d)
		return;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (ckpt_container_name_check(name, NULL) && g_file_test(path, G_FILE_TEST_IS_DIR))
			g_hash_table_add(names, g_strdup(name));
	}
}

static gint compare_containers(gconstpointer a, gconstpointer b)
{
	const CkptContainer *ca = *(CkptContainer *const *)a;
	const CkptContainer *cb = *(CkptContainer *const *)b;

	return strcmp(ca->name, cb->name);
}

GPtrArray *ckpt_container_list(const CkptPaths *paths, GError **error)
{
	g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)ckpt_container_free);
	GHashTableIter it;
	gpointer key;

	add_names(names, paths->run_dir);
	add_names(names, paths->cgroup_dir);
	g_hash_table_iter_init(&it, names);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(list, ckpt_container_new(paths, key, NULL));
	g_ptr_array_sort(list, compare_containers);
	return list;
}
