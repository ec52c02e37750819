// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostd-socket-dir.h"

gid_t hostd_qemu_gid(void)
{
	struct group *g;

	if (getuid() != 0)
		return (gid_t)-1;
	g = getgrnam("kvm");
	return g ? g->gr_gid : (gid_t)-1;
}

void hostd_socket_dir_make(const char *path)
{
	g_autofree char *dir = g_path_get_dirname(path);
	gid_t gid;

	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return;
	if (g_mkdir_with_parents(dir, 0750) < 0) {
		g_warning("creating %s: %s", dir, g_strerror(errno));
		return;
	}
	gid = hostd_qemu_gid();
	if (gid != (gid_t)-1 && (chown(dir, 0, gid) < 0 || chmod(dir, 02750) < 0))
		g_warning("%s: giving it to group kvm: %s", dir, g_strerror(errno));
}
