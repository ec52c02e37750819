// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostd-socket-dir.h"
#include "hostd-vsockd.h"

#define POLL_MS 20
#define RESTART_DELAY_S 1
#define MAX_RESTARTS 5 /* within RESTART_WINDOW_S; then it stays down */
#define RESTART_WINDOW_S 60

struct _HostdVsockd {
	HostdJobTable *jobs;
	char *program, *vm, *vhost_user, *uds;
	guint32 guest_cid;
	GSubprocess *proc;
	int adopted_pid; /* a bridge an earlier ckpt-hostd started (not our child) */
	gboolean stopping;
	guint restart_id;
	gint64 window_start;
	guint restarts;
	/* the start in progress */
	guint poll_id;
	gint64 deadline;
	guint job;
	GPtrArray *waiters; /* Waiter* */
};

typedef struct {
	HostdVsockdReady done;
	gpointer user_data;
} Waiter;

static void start_process(HostdVsockd *v);

/* The pid of a ckpt-vsockd serving uds (its command line says so), or 0. */
static int find_bridge_pid(const char *uds)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const char *name;

	while (proc && (name = g_dir_read_name(proc))) {
		g_autofree char *path = NULL;
		g_autofree char *cmdline = NULL;
		gsize len = 0;
		gboolean prog = FALSE, serves = FALSE;

		if (!g_ascii_isdigit(name[0]))
			continue;
		path = g_strdup_printf("/proc/%s/cmdline", name);
		if (!g_file_get_contents(path, &cmdline, &len, NULL))
			continue;
		for (gsize off = 0; off < len; off += strlen(cmdline + off) + 1) {
			const char *arg = cmdline + off;
			const char *next = off + strlen(arg) + 1 < len ? arg + strlen(arg) + 1 : "";

			if (off == 0)
				prog = g_str_has_suffix(arg, "ckpt-vsockd");
			else if (g_str_equal(arg, "--uds") && g_str_equal(next, uds))
				serves = TRUE;
		}
		if (prog && serves)
			return atoi(name);
	}
	return 0;
}

HostdVsockd *hostd_vsockd_new(HostdJobTable *jobs, const char *program, const char *vm,
			      guint32 guest_cid, const char *vhost_user, const char *uds)
{
	HostdVsockd *v = g_new0(HostdVsockd, 1);

	v->jobs = jobs;
	v->program = g_strdup(program);
	v->vm = g_strdup(vm);
	v->guest_cid = guest_cid;
	v->vhost_user = g_strdup(vhost_user);
	v->uds = g_strdup(uds);
	v->waiters = g_ptr_array_new_with_free_func(g_free);
	return v;
}

gboolean hostd_vsockd_matches(HostdVsockd *v, guint32 guest_cid, const char *vhost_user,
			      const char *uds)
{
	return v->guest_cid == guest_cid && g_strcmp0(v->vhost_user, vhost_user) == 0 &&
	       g_strcmp0(v->uds, uds) == 0;
}

static void finish_waiters(HostdVsockd *v, GError *error)
{
	g_autoptr(GPtrArray) waiters = v->waiters;

	v->waiters = g_ptr_array_new_with_free_func(g_free);
	if (v->poll_id)
		g_source_remove(v->poll_id);
	v->poll_id = 0;
	if (v->job) {
		if (error) {
			hostd_job_fail(v->jobs, v->job, error);
		} else {
			JsonObject *r = json_object_new();

			json_object_set_string_member(r, "uds", v->uds);
			json_object_set_string_member(r, "vhost-user", v->vhost_user);
			if (v->proc)
				json_object_set_string_member(r, "pid",
							      g_subprocess_get_identifier(v->proc));
			hostd_job_done(v->jobs, v->job, r);
		}
		v->job = 0;
	}
	for (guint i = 0; i < waiters->len; i++) {
		Waiter *w = waiters->pdata[i];

		w->done(error, w->user_data);
	}
}

/* TRUE if something accepts on the unix socket path. */
static gboolean socket_alive(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;
	gboolean ok;

	if (strlen(path) >= sizeof(sa.sun_path))
		return FALSE;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return FALSE;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static gboolean is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static gboolean poll_sockets(gpointer data)
{
	HostdVsockd *v = data;
	g_autoptr(GError) error = NULL;

	/*
	 * The vhost-user socket is not probed by connecting: ckpt-vsockd
	 * serves one QEMU session and a probe would be taken for one.
	 */
	if (is_socket(v->vhost_user) && is_socket(v->uds)) {
		v->poll_id = 0;
		finish_waiters(v, NULL);
		return G_SOURCE_REMOVE;
	}
	if (!v->proc) {
		g_set_error(&error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "domain %s: ckpt-vsockd exited before creating %s and %s", v->vm,
			    v->vhost_user, v->uds);
	} else if (g_get_monotonic_time() > v->deadline) {
		g_set_error(&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
			    "domain %s: ckpt-vsockd (pid %s) did not create %s and %s in time",
			    v->vm, g_subprocess_get_identifier(v->proc), v->vhost_user, v->uds);
	} else {
		return G_SOURCE_CONTINUE;
	}
	v->poll_id = 0;
	finish_waiters(v, error);
	return G_SOURCE_REMOVE;
}

static gboolean restart_cb(gpointer data)
{
	HostdVsockd *v = data;

	v->restart_id = 0;
	if (!v->stopping && !v->proc) {
		v->job = hostd_job_start(v->jobs, "bridge-restart", v->vm, NULL);
		v->deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
		start_process(v);
		if (v->proc && !v->poll_id)
			v->poll_id = g_timeout_add(POLL_MS, poll_sockets, v);
	}
	return G_SOURCE_REMOVE;
}

static void process_exited(GObject *source, GAsyncResult *res, gpointer data)
{
	HostdVsockd *v = data;
	g_autoptr(GSubprocess) proc = G_SUBPROCESS(source); /* the wait's reference */
	gint64 now = g_get_monotonic_time();

	g_subprocess_wait_finish(proc, res, NULL);
	if (v->proc == proc)
		g_clear_object(&v->proc);
	if (v->stopping) {
		if (!v->proc) {
			g_message("domain %s: ckpt-vsockd stopped", v->vm);
			finish_waiters(v, NULL);
			g_ptr_array_unref(v->waiters);
			g_free(v->program);
			g_free(v->vm);
			g_free(v->vhost_user);
			g_free(v->uds);
			g_free(v);
		}
		return;
	}
	g_warning("domain %s: ckpt-vsockd exited (%s %d) while the domain is defined", v->vm,
		  g_subprocess_get_if_signaled(proc) ? "signal" : "status",
		  g_subprocess_get_if_signaled(proc) ? g_subprocess_get_term_sig(proc)
						     : g_subprocess_get_exit_status(proc));
	if (now - v->window_start > RESTART_WINDOW_S * G_USEC_PER_SEC) {
		v->window_start = now;
		v->restarts = 0;
	}
	if (++v->restarts > MAX_RESTARTS) {
		g_warning("domain %s: ckpt-vsockd died %u times within %d s: not restarting it "
			  "(the next prepare of the domain tries again)",
			  v->vm, v->restarts - 1, RESTART_WINDOW_S);
		return;
	}
	if (!v->restart_id)
		v->restart_id = g_timeout_add_seconds(RESTART_DELAY_S, restart_cb, v);
}

static void child_setup(gpointer data)
{
	gid_t gid = (gid_t)GPOINTER_TO_UINT(data);

	/* As ckpt-vsockd@.service: group kvm, umask 007, so QEMU may connect. */
	if (gid != (gid_t)-1 && setgid(gid) < 0)
		_exit(126);
	umask(0007);
}

static void start_process(HostdVsockd *v)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autofree char *cid = g_strdup_printf("%u", v->guest_cid);
	g_autoptr(GError) error = NULL;
	gid_t gid = hostd_qemu_gid();
	GSubprocess *proc;

	/*
	 * Files left by a dead daemon would look ready before the new one
	 * has bound them; its uds is dead, so both are (one process).
	 */
	if (is_socket(v->uds) && !socket_alive(v->uds)) {
		unlink(v->uds);
		if (is_socket(v->vhost_user))
			unlink(v->vhost_user);
	}
	hostd_socket_dir_make(v->uds);
	hostd_socket_dir_make(v->vhost_user);
	g_subprocess_launcher_set_child_setup(l, child_setup, GUINT_TO_POINTER(gid), NULL);
	proc = g_subprocess_launcher_spawn(l, &error, v->program, "--guest-cid", cid, "--socket",
					   v->vhost_user, "--uds", v->uds, NULL);
	if (!proc) {
		g_prefix_error(&error, "domain %s: starting %s: ", v->vm, v->program);
		finish_waiters(v, error);
		return;
	}
	v->proc = proc;
	g_message("domain %s: ckpt-vsockd started (pid %s): %s, %s", v->vm,
		  g_subprocess_get_identifier(proc), v->vhost_user, v->uds);
	g_subprocess_wait_async(g_object_ref(proc), NULL, process_exited, v);
}

void hostd_vsockd_start(HostdVsockd *v, guint timeout_ms, HostdVsockdReady done, gpointer user_data)
{
	Waiter *w = g_new0(Waiter, 1);

	w->done = done;
	w->user_data = user_data;
	g_ptr_array_add(v->waiters, w);
	if (v->poll_id)
		return; /* a start is under way: wait for it too */
	v->stopping = FALSE;
	v->deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	if (!v->proc && socket_alive(v->uds) && is_socket(v->vhost_user)) {
		/* A bridge left by an earlier ckpt-hostd still serves the VM. */
		v->adopted_pid = find_bridge_pid(v->uds);
		g_message("domain %s: ckpt-vsockd (pid %d) already serves %s: using it", v->vm,
			  v->adopted_pid, v->uds);
		finish_waiters(v, NULL);
		return;
	}
	v->job = hostd_job_start(v->jobs, "bridge", v->vm, NULL);
	if (!v->proc) {
		start_process(v);
		if (!v->waiters->len)
			return; /* it failed and the waiters were told */
	}
	v->poll_id = g_timeout_add(POLL_MS, poll_sockets, v);
}

void hostd_vsockd_stop_and_free(HostdVsockd *v)
{
	g_autoptr(GError) error =
		g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "domain %s: bridge stopped", v->vm);

	v->stopping = TRUE;
	if (v->restart_id)
		g_source_remove(v->restart_id);
	v->restart_id = 0;
	finish_waiters(v, error);
	if (v->proc) {
		/* freed by process_exited */
		g_subprocess_send_signal(v->proc, SIGTERM);
		return;
	}
	if (v->adopted_pid > 0 && find_bridge_pid(v->uds) == v->adopted_pid) {
		g_message("domain %s: stopping ckpt-vsockd (pid %d, started before us)", v->vm,
			  v->adopted_pid);
		kill(v->adopted_pid, SIGTERM);
	}
	g_ptr_array_unref(v->waiters);
	g_free(v->program);
	g_free(v->vm);
	g_free(v->vhost_user);
	g_free(v->uds);
	g_free(v);
}
