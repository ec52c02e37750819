// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/close_range.h>

#include "ckpt-container-run.h"
#include "ckpt-container-setup.h"
#include "ckpt-guest-error.h"
#include "ckpt-raw.h"

#define RUN_ERR_MAX 1024

/* Everything the child needs, prepared before the clone: it allocates nothing. */
typedef struct {
	CkptContainerSetup setup;
	char **candidates; /* paths to try for argv[0], in order */
	char **argv;
	char **envp;
	const char *out_path; /* stdout and stderr */
	gboolean out_append;
	int err_fd; /* write end of the error pipe, close-on-exec */
} RunChild;

static void report(const RunChild *rc, const char *msg)
{
	ssize_t n = write(rc->err_fd, msg, strlen(msg));

	(void)n;
	_exit(127);
}

static void report_errno(const RunChild *rc, const char *what, const char *path, int err)
{
	char buf[RUN_ERR_MAX];
	CkptRawMsg m;

	ckpt_raw_msg_init(&m, buf, sizeof(buf));
	ckpt_raw_msg_str(&m, what);
	if (path) {
		ckpt_raw_msg_str(&m, " ");
		ckpt_raw_msg_str(&m, path);
	}
	ckpt_raw_msg_errno(&m, -err);
	report(rc, buf);
}

/* Puts fd at target; fd is then closed unless it is one of 0..2. */
static void install_fd(const RunChild *rc, int fd, int target, const char *path)
{
	if (fd != target && dup2(fd, target) < 0)
		report_errno(rc, "dup2", path, errno);
}

static void setup_stdio(const RunChild *rc)
{
	int in = open("/dev/null", O_RDWR);
	int out;

	if (in < 0)
		report_errno(rc, "open", "/dev/null", errno);
	install_fd(rc, in, STDIN_FILENO, "/dev/null");
	out = open(rc->out_path, O_WRONLY | (rc->out_append ? O_APPEND : 0));
	if (out < 0)
		report_errno(rc, "open", rc->out_path, errno);
	install_fd(rc, out, STDOUT_FILENO, rc->out_path);
	install_fd(rc, out, STDERR_FILENO, rc->out_path);
	if (in > STDERR_FILENO)
		close(in);
	if (out > STDERR_FILENO)
		close(out);
}

static int run_child(void *arg)
{
	const RunChild *rc = arg;
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	char err[RUN_ERR_MAX];
	sigset_t none;
	int exec_err = ENOENT;

	/* The command starts with a clean slate of signals, as after boot. */
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (setsid() < 0)
		report_errno(rc, "setsid", NULL, errno);
	if (!ckpt_container_setup_apply(&rc->setup, err, sizeof(err)))
		report(rc, err);
	setup_stdio(rc);
	umask(022);
	/* Not the caller's directory: the container starts at its root. */
	if (chdir("/") < 0)
		report_errno(rc, "chdir", "/", errno);
	/* Nothing of the caller's leaks into the container. */
	if (close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		report_errno(rc, "close_range", NULL, errno);

	for (char **c = rc->candidates; *c; c++) {
		execve(*c, rc->argv, rc->envp);
		/* Like execvp: a file found but not runnable beats "not found". */
		if (errno != ENOENT && errno != ENOTDIR)
			exec_err = errno;
	}
	report_errno(rc, "cannot execute", rc->argv[0], exec_err);
	return 127;
}

static gboolean check_options(const CkptRunOptions *o, GError **error)
{
	if (!o->argv || !o->argv[0] || !o->argv[0][0]) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID, "no command given");
		return FALSE;
	}
	for (char **e = o->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (!eq || eq == *e) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
				    "environment entry '%s' is not KEY=VALUE", *e);
			return FALSE;
		}
	}
	if (o->hostname && (strlen(o->hostname) == 0 || strlen(o->hostname) > 64)) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
			    "hostname '%s' must be 1 to 64 characters", o->hostname);
		return FALSE;
	}
	if (o->rootfs &&
	    (!g_path_is_absolute(o->rootfs) || !g_file_test(o->rootfs, G_FILE_TEST_IS_DIR))) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
			    "rootfs '%s' is not an absolute path to a directory", o->rootfs);
		return FALSE;
	}
	return TRUE;
}

static char **build_env(const CkptRunOptions *o)
{
	char **env = g_new0(char *, 1);

	env = g_environ_setenv(env, "PATH", CKPT_RUN_DEFAULT_PATH, TRUE);
	env = g_environ_setenv(env, "HOME", "/root", TRUE);
	env = g_environ_setenv(env, "container", "ckpt", TRUE);
	for (char **e = o->env; e && *e; e++) {
		g_autofree char *key = g_strndup(*e, strchr(*e, '=') - *e);

		env = g_environ_setenv(env, key, strchr(*e, '=') + 1, TRUE);
	}
	return env;
}

/* Where execve will look for argv[0], resolved inside the container. */
static char **exec_candidates(const char *cmd, char **env)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new();
	const char *path = g_environ_getenv(env, "PATH");
	g_auto(GStrv) dirs = NULL;

	if (strchr(cmd, '/') || !path) {
		g_ptr_array_add(list, g_strdup(cmd));
	} else {
		dirs = g_strsplit(path, ":", -1);
		for (char **d = dirs; *d; d++)
			g_ptr_array_add(list, g_build_filename(**d ? *d : ".", cmd, NULL));
	}
	g_ptr_array_add(list, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&list), FALSE);
}

/* A pipe whose ends are above 2, so the child's stdio cannot land on them. */
static gboolean error_pipe(int fds[2], GError **error)
{
	if (pipe2(fds, O_CLOEXEC) < 0) {
		ckpt_set_error_errno(error, errno, "pipe2");
		return FALSE;
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i] <= STDERR_FILENO) {
			int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);

			close(fds[i]);
			fds[i] = fd;
		}
	}
	return TRUE;
}

static char *read_all(int fd)
{
	GString *s = g_string_new(NULL);
	char buf[256];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		g_string_append_len(s, buf, n);
	}
	return g_string_free(s, FALSE);
}

pid_t ckpt_container_run(CkptContainer *c, const CkptRunOptions *o, GError **error)
{
	const char *name = ckpt_container_get_name(c);
	g_autoptr(CkptContainerConfig) config = ckpt_container_config_new();
	g_autofree char *log_path = ckpt_container_get_log_path(c);
	g_auto(GStrv) env = NULL;
	g_auto(GStrv) candidates = NULL;
	g_autofree char *msg = NULL;
	RunChild rc = {0};
	struct clone_args args = {0};
	CkptCgroup *cg;
	int fds[2] = {-1, -1};
	long pid;

	if (!check_options(o, error)) {
		ckpt_prefix_container(error, name);
		return 0;
	}
	config->hostname = g_strdup(o->hostname ? o->hostname : name);
	config->rootfs = g_strdup(o->rootfs);
	config->log = o->log;
	config->command = g_strdupv(o->argv);
	if (!ckpt_container_create(c, config, error))
		return 0;
	cg = ckpt_container_get_cgroup(c, error);
	if (!cg || !error_pipe(fds, error))
		goto fail;

	env = build_env(o);
	candidates = exec_candidates(o->argv[0], env);
	rc = (RunChild){
		.setup =
			{
				.rootfs = o->rootfs,
				.hostname = config->hostname,
				.log_path = o->rootfs && o->log ? log_path : NULL,
			},
		.candidates = candidates,
		.argv = o->argv,
		.envp = env,
		.out_path = o->log ? log_path : "/dev/null",
		.out_append = o->log,
		.err_fd = fds[1],
	};
	args.flags = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS | CLONE_INTO_CGROUP;
	args.exit_signal = SIGCHLD;
	args.cgroup = (guint64)ckpt_cgroup_get_fd(cg);
	pid = ckpt_raw_clone3_run(&args, sizeof(args), run_child, &rc);
	close(fds[1]);
	fds[1] = -1;
	if (pid < 0) {
		ckpt_set_error_errno(error, (int)-pid, "clone3 of its init");
		goto fail;
	}
	/* EOF without a word: the command was executed (close-on-exec). */
	msg = read_all(fds[0]);
	if (msg[0]) {
		waitpid((pid_t)pid, NULL, 0);
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_FAILED, "%s", msg);
		goto fail;
	}
	close(fds[0]);
	if (!ckpt_container_set_init_pid(c, (pid_t)pid, error)) {
		ckpt_container_kill(c, CKPT_DEFAULT_TIMEOUT_MS, NULL, NULL);
		return 0;
	}
	return (pid_t)pid;

fail:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	ckpt_prefix_container(error, name);
	ckpt_container_destroy(c, NULL);
	return 0;
}
