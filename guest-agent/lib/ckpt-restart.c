// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ckpt-container-setup.h"
#include "ckpt-device.h"
#include "ckpt-guest-error.h"
#include "ckpt-raw.h"
#include "ckpt-restart.h"
#include "ckpt-restorer.h"

typedef struct {
	CkptContainerSetup setup;
	gint32 last_pid; /* the highest pid of the tree */
} RestartSetup;

/*
 * The pid namespace hands out pids after ns_last_pid: after the highest
 * restored one, as it did before the checkpoint (set_tid does not move
 * it). Written through the container's own /proc.
 */
static bool set_last_pid(gint32 pid, char *err, size_t err_len)
{
	static const char path[] = "/proc/sys/kernel/ns_last_pid";
	char text[16];
	CkptRawMsg m;
	long fd, n;

	ckpt_raw_msg_init(&m, text, sizeof(text));
	ckpt_raw_msg_int(&m, pid);
	fd = ckpt_raw_syscall4(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC, 0);
	n = fd < 0 ? fd : ckpt_raw_syscall3(SYS_write, fd, text, m.len);
	if (fd >= 0)
		ckpt_raw_syscall1(SYS_close, fd);
	if (n >= 0)
		return true;
	ckpt_raw_msg_init(&m, err, err_len);
	ckpt_raw_msg_str(&m, "write ");
	ckpt_raw_msg_str(&m, path);
	ckpt_raw_msg_errno(&m, n);
	return false;
}

static bool setup_init(void *data, char *err, size_t err_len)
{
	const RestartSetup *rs = data;

	return ckpt_container_setup_apply(&rs->setup, err, err_len) &&
	       set_last_pid(rs->last_pid, err, err_len);
}

/*
 * The last thing every new task does: hand itself to the module. On
 * success the ioctl returns into the checkpointed user context, never
 * here.
 */
static void restore_task(void *data, const CkptRestoreTask *task, char *err, size_t err_len)
{
	struct ckpt_ioc_restore_task arg = {
		.size = sizeof(arg),
		.errbuf = (guint64)(uintptr_t)err,
		.errbuf_len = (guint32)err_len,
	};
	long ret = ckpt_raw_syscall3(SYS_ioctl, (long)(intptr_t)data, CKPT_IOC_RESTORE_TASK, &arg);
	CkptRawMsg m;

	if (err[0])
		return;
	ckpt_raw_msg_init(&m, err, err_len);
	ckpt_raw_msg_str(&m, "CKPT_IOC_RESTORE_TASK");
	if (ret < 0)
		ckpt_raw_msg_errno(&m, ret);
	else
		ckpt_raw_msg_str(&m, " returned without restoring the task");
}

/* Kills whatever the restart created and removes the container. */
static void clean_up(CkptContainer *c, CkptRestorer *restorer, CkptDevice *dev)
{
	g_autoptr(GError) local = NULL;

	/* Before a release, closing the device makes the module kill the tasks. */
	if (dev)
		ckpt_device_close(dev);
	if (restorer)
		ckpt_restorer_kill(restorer);
	if (!ckpt_container_kill(c, CKPT_DEFAULT_TIMEOUT_MS, NULL, &local))
		g_warning("%s", local->message);
}

gboolean ckpt_container_restart(CkptContainer *c, int image_fd, const CkptRestartOptions *o,
				CkptRestartResult *result, GCancellable *cancellable,
				GError **error)
{
	const char *name = ckpt_container_get_name(c);
	gint64 timeout = o->timeout_ms > 0 ? o->timeout_ms : CKPT_DEFAULT_TIMEOUT_MS;
	g_autoptr(CkptDevice) dev = NULL;
	g_autoptr(CkptRestoreTree) tree = NULL;
	g_autoptr(CkptRestorer) restorer = NULL;
	g_autoptr(CkptContainerConfig) config = ckpt_container_config_new();
	g_autofree guint8 *tree_buf = NULL;
	g_autofree char *log_path = ckpt_container_get_log_path(c);
	g_autoptr(GError) local = NULL;
	RestartSetup setup;
	CkptRestorerConfig rc;
	CkptContainerStatus st;
	CkptCgroup *cg;
	gsize tree_len;
	gint64 t0;

	memset(result, 0, sizeof(*result));
	if (!ckpt_container_get_status(c, &st, error)) {
		ckpt_prefix_container(error, name);
		return FALSE;
	}
	if (st.state >= CKPT_CONTAINER_RUNNING) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_EXISTS,
			    "container %s: already %s (init pid %d); kill it first", name,
			    ckpt_container_state_name(st.state), (int)st.init_pid);
		return FALSE;
	}
	if (o->rootfs &&
	    (!g_path_is_absolute(o->rootfs) || !g_file_test(o->rootfs, G_FILE_TEST_IS_DIR))) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
			    "container %s: rootfs '%s' is not an absolute path to a directory",
			    name, o->rootfs);
		return FALSE;
	}

	dev = ckpt_device_open(ckpt_container_get_paths(c)->device, error);
	if (!dev || !ckpt_device_require(dev, CKPT_FEAT_RESTORE, error))
		goto fail_early;
	if (!ckpt_device_restore_begin(dev, image_fd, &tree_buf, &tree_len, error))
		goto fail_early;
	tree = ckpt_restore_tree_parse(tree_buf, tree_len, error);
	if (!tree)
		goto fail_early;
	result->nr_tasks = tree->nr_tasks;
	result->nr_threads = tree->nr_threads;

	config->hostname = g_strdup(ckpt_restore_tree_get_nodename(tree));
	config->rootfs = g_strdup(o->rootfs);
	config->log = o->log;
	config->image = g_strdup(o->image_name);
	if (!ckpt_container_create(c, config, error))
		return FALSE;
	cg = ckpt_container_get_cgroup(c, &local);
	if (!cg)
		goto fail;

	setup = (RestartSetup){
		.setup =
			{
				.rootfs = o->rootfs,
				.hostname = ckpt_restore_tree_get_nodename(tree),
				.domainname = ckpt_restore_tree_get_domainname(tree),
				.log_path = o->rootfs && o->log ? log_path : NULL,
			},
	};
	for (guint32 i = 0; i < tree->nr_tasks; i++)
		setup.last_pid = MAX(setup.last_pid, tree->tasks[i].rec.pid);
	rc = (CkptRestorerConfig){
		.tree = tree,
		.ns_flags = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS,
		.cgroup_fd = ckpt_cgroup_get_fd(cg),
		.setup = setup_init,
		.setup_data = &setup,
		.finish = restore_task,
		.finish_data = (void *)(intptr_t)ckpt_device_get_fd(dev),
		.park_syscall = SYS_ioctl,
	};
	t0 = g_get_monotonic_time();
	restorer = ckpt_restorer_spawn(&rc, &local);
	if (!restorer || !ckpt_restorer_wait_ready(restorer, timeout, cancellable, &local))
		goto fail;
	result->rebuild_us = g_get_monotonic_time() - t0;

	t0 = g_get_monotonic_time();
	if (o->frozen) {
		/*
		 * The tasks wait in the kernel for the release; freezing now
		 * stops each one on its way back to user space.
		 */
		if (!ckpt_device_restore_wait(dev, FALSE, NULL, &local) ||
		    !ckpt_cgroup_set_freeze(cg, TRUE, &local))
			goto fail;
	}
	/*
	 * Every task is in the module by now: the first failure it saw is
	 * the one to report, whatever the tasks say after it ("the restart
	 * failed elsewhere").
	 */
	if (!ckpt_device_restore_wait(dev, TRUE, &result->bytes, &local))
		goto fail;
	result->restore_us = g_get_monotonic_time() - t0;
	result->init_pid = ckpt_restorer_get_init_pid(restorer);
	/* From here on the container is the module's success: keep it. */
	ckpt_device_close(dev);
	if (o->frozen && !ckpt_cgroup_wait(cg, CKPT_CGROUP_FROZEN, timeout, NULL, error)) {
		g_prefix_error(error, "container %s: restarted, but not frozen: ", name);
		return FALSE;
	}
	return ckpt_container_set_init_pid(c, result->init_pid, error);

fail:
	clean_up(c, restorer, dev);
	g_propagate_error(error, g_steal_pointer(&local));
fail_early:
	g_prefix_error(error, "container %s: restart: ", name);
	return FALSE;
}
