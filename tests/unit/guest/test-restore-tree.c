// SPDX-License-Identifier: GPL-2.0-only
/*
 * The restart plan: who creates each task, in which order, and what it
 * does about its session and group; and the trees it must refuse.
 */
#include <string.h>

#include "ckpt-guest.h"
#include "tree-builder.h"

static CkptRestoreTree *parse(const TreeTask *tasks, guint n, GError **error)
{
	g_autoptr(GBytes) b = tree_build(tasks, n);
	gsize len;
	const guint8 *data = g_bytes_get_data(b, &len);

	return ckpt_restore_tree_parse(data, len, error);
}

static const CkptRestoreTask *task(const CkptRestoreTree *tree, gint32 pid)
{
	gint32 i = ckpt_restore_tree_find(tree, pid);

	g_assert_cmpint(i, >=, 0);
	return &tree->tasks[i];
}

/* The pids task pid creates, in clone order, as "2 3 7". */
static char *children(const CkptRestoreTree *tree, gint32 pid)
{
	const CkptRestoreTask *t = task(tree, pid);
	GString *s = g_string_new(NULL);

	for (guint32 i = 0; i < t->nr_children; i++)
		g_string_append_printf(s, "%s%d", i ? " " : "",
				       tree->tasks[tree->children[t->first_child + i]].rec.pid);
	return g_string_free(s, FALSE);
}

static void test_init_only(void)
{
	const TreeTask tasks[] = {{1, 1, 0, 1, 1}};
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptRestoreTree) tree = parse(tasks, 1, &error);
	g_autofree char *kids = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(tree->nr_tasks, ==, 1);
	g_assert_cmpuint(tree->nr_threads, ==, 0);
	g_assert_cmpint(tree->tasks[0].creator, ==, -1);
	g_assert_true(tree->tasks[0].do_setsid);
	g_assert_false(tree->tasks[0].do_pgrp_lead);
	g_assert_cmpstr(ckpt_restore_tree_get_nodename(tree), ==, "box");
	g_assert_cmpstr(ckpt_restore_tree_get_domainname(tree), ==, "example");
	kids = children(tree, 1);
	g_assert_cmpstr(kids, ==, "");
}

/*
 * init (session 1) has a group leader 2 with a member child 3, a session
 * leader 4 with child 5, and 6, which joins 2's group.
 */
static void test_sessions_and_groups(void)
{
	const TreeTask tasks[] = {
		{1, 1, 0, 1, 1}, {2, 2, 1, 2, 1}, {3, 3, 2, 2, 1},
		{4, 4, 1, 4, 4}, {5, 5, 4, 4, 4}, {6, 6, 1, 2, 1},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptRestoreTree) tree = parse(tasks, G_N_ELEMENTS(tasks), &error);
	g_autofree char *k1 = NULL, *k2 = NULL, *k4 = NULL;

	g_assert_no_error(error);
	g_assert_true(task(tree, 2)->do_pgrp_lead);
	g_assert_false(task(tree, 2)->do_setsid);
	g_assert_false(task(tree, 3)->do_pgrp_lead);
	g_assert_false(task(tree, 3)->do_pgrp_join);
	g_assert_cmpint(task(tree, 3)->inherit_pgid, ==, 2);
	g_assert_true(task(tree, 4)->do_setsid);
	g_assert_cmpint(task(tree, 5)->inherit_sid, ==, 4);
	g_assert_false(task(tree, 5)->do_pgrp_join);
	g_assert_true(task(tree, 6)->do_pgrp_join);
	g_assert_cmpint(task(tree, 6)->creator, ==, 0);
	k1 = children(tree, 1);
	k2 = children(tree, 2);
	k4 = children(tree, 4);
	g_assert_cmpstr(k1, ==, "2 4 6");
	g_assert_cmpstr(k2, ==, "3");
	g_assert_cmpstr(k4, ==, "5");
}

/* 2 left init's session after creating 3, which stayed in it. */
static void test_child_before_setsid(void)
{
	const TreeTask tasks[] = {
		{1, 1, 0, 1, 1},
		{2, 2, 1, 2, 2},
		{3, 3, 2, 1, 1},
		{4, 4, 2, 2, 2},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptRestoreTree) tree = parse(tasks, G_N_ELEMENTS(tasks), &error);
	g_autofree char *k2 = NULL;

	g_assert_no_error(error);
	g_assert_true(task(tree, 3)->early);
	g_assert_cmpint(task(tree, 3)->inherit_sid, ==, 1);
	g_assert_cmpint(task(tree, 3)->inherit_pgid, ==, 1);
	g_assert_false(task(tree, 3)->do_pgrp_join);
	g_assert_false(task(tree, 4)->early);
	/* Listed in tree order 3, 4; created 3 (early) then 4 either way. */
	k2 = children(tree, 2);
	g_assert_cmpstr(k2, ==, "3 4");
}

/* Early children go first even when the tree lists them later. */
static void test_early_first(void)
{
	const TreeTask tasks[] = {
		{1, 1, 0, 1, 1},
		{2, 2, 1, 2, 2},
		{3, 3, 2, 2, 2},
		{4, 4, 2, 1, 1},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptRestoreTree) tree = parse(tasks, G_N_ELEMENTS(tasks), &error);
	g_autofree char *k2 = NULL;

	g_assert_no_error(error);
	k2 = children(tree, 2);
	g_assert_cmpstr(k2, ==, "4 3");
}

static void test_threads(void)
{
	const TreeTask tasks[] = {
		{1, 1, 0, 1, 1}, {7, 1, 0, 1, 1}, {3, 3, 1, 1, 1}, {8, 1, 0, 1, 1}, {9, 3, 1, 1, 1},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptRestoreTree) tree = parse(tasks, G_N_ELEMENTS(tasks), &error);
	g_autofree char *k1 = NULL, *k3 = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(tree->nr_threads, ==, 3);
	g_assert_true(task(tree, 7)->thread);
	g_assert_true(task(tree, 7)->share_files);
	g_assert_true(task(tree, 7)->share_fs);
	g_assert_cmpint(task(tree, 9)->creator, ==, ckpt_restore_tree_find(tree, 3));
	/* Processes before threads: a thread never forks for its leader. */
	k1 = children(tree, 1);
	k3 = children(tree, 3);
	g_assert_cmpstr(k1, ==, "3 7 8");
	g_assert_cmpstr(k3, ==, "9");
}

typedef struct {
	const char *name;
	TreeTask tasks[6];
	guint n;
	const char *expect;
} BadTree;

static const BadTree bad_trees[] = {
	{"no-init", {{2, 2, 0, 2, 2}}, 1, "pid 2: the first task must be init"},
	{"twice", {{1, 1, 0, 1, 1}, {2, 2, 1, 1, 1}, {2, 2, 1, 1, 1}}, 3, "appears twice"},
	{"parent-later",
	 {{1, 1, 0, 1, 1}, {3, 3, 2, 1, 1}, {2, 2, 1, 1, 1}},
	 3,
	 "pid 3: parent 2 is not a task before it"},
	{"orphan-thread", {{1, 1, 0, 1, 1}, {5, 4, 1, 1, 1}}, 2, "pid 5: thread of 4"},
	{"second-init", {{1, 1, 0, 1, 1}, {2, 2, 0, 1, 1}}, 2, "only the first task is init"},
	{"lost-session",
	 {{1, 1, 0, 1, 1}, {2, 2, 1, 2, 2}, {3, 3, 2, 3, 9}},
	 3,
	 "pid 3: in session 9"},
	{"lost-group", {{1, 1, 0, 1, 1}, {2, 2, 1, 5, 1}}, 2, "pid 2: in process group 5"},
	{"leader-elsewhere",
	 {{1, 1, 0, 1, 1}, {2, 2, 1, 2, 2}, {3, 3, 1, 2, 1}},
	 3,
	 "group 2 is in session 2"},
	{"session-group", {{1, 1, 0, 1, 1}, {2, 2, 1, 1, 2}}, 2, "pid 2: leads session 2"},
	{"thread-session",
	 {{1, 1, 0, 1, 1}, {2, 2, 1, 2, 1}, {4, 2, 1, 1, 1}},
	 3,
	 "pid 4: thread in session 1 group 1"},
	{"shared-mm",
	 {{1, 1, 0, 1, 1}, {2, 2, 1, 1, 1, 0, 11}},
	 2,
	 "pid 2: shares its memory (objref 11) with process 1"},
	{"thread-own-mm",
	 {{1, 1, 0, 1, 1}, {2, 1, 0, 1, 1, 0, 99}},
	 2,
	 "pid 2: thread of 1 with its own memory"},
	{"bad-pid", {{1, 1, 0, 1, 1}, {-4, -4, 1, 1, 1}}, 2, "out of range"},
	{"bad-exit-signal", {{1, 1, 0, 1, 1}, {2, 2, 1, 1, 1, 65}}, 2, "exit_signal 65"},
};

static void test_bad_tree(gconstpointer data)
{
	const BadTree *b = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptRestoreTree) tree = parse(b->tasks, b->n, &error);

	g_assert_null(tree);
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE);
	if (!strstr(error->message, b->expect))
		g_error("'%s' does not contain '%s'", error->message, b->expect);
}

static const TreeTask two[] = {{1, 1, 0, 1, 1}, {2, 2, 1, 1, 1}};

static void add_stray(GByteArray *buf)
{
	static const guint8 junk[8] = {1};

	g_byte_array_append(buf, junk, sizeof(junk));
}

static void drop_last(GByteArray *buf)
{
	g_byte_array_set_size(buf, buf->len - sizeof(struct ckpt_rec_task));
}

static void bad_type(GByteArray *buf)
{
	struct ckpt_rec *h = (void *)(buf->data + sizeof(struct ckpt_rec_container));

	h->type = CKPT_REC_TASK_BEGIN;
}

static void bad_len(GByteArray *buf)
{
	struct ckpt_rec *h = (void *)(buf->data + sizeof(struct ckpt_rec_container));

	h->len += 8;
}

static void reserved_set(GByteArray *buf)
{
	struct ckpt_rec_task *t = (void *)(buf->data + sizeof(struct ckpt_rec_container));

	t->reserved[1] = 1;
}

static void no_tasks(GByteArray *buf)
{
	((struct ckpt_rec_container *)buf->data)->nr_tasks = 0;
}

static void unterminated_name(GByteArray *buf)
{
	struct ckpt_rec_container *c = (void *)buf->data;

	memset(c->nodename, 'x', sizeof(c->nodename));
}

typedef struct {
	const char *name;
	void (*edit)(GByteArray *buf);
	const char *expect;
} BadBuffer;

static const BadBuffer bad_buffers[] = {
	{"stray-bytes", add_stray, "8 stray bytes after the 2 tasks"},
	{"truncated", drop_last, "record 2 at byte 264: tree ends"},
	{"wrong-type", bad_type, "record 1 at byte 184: type 18, expected 17 (task)"},
	{"wrong-len", bad_len, "record 1 (task) at byte 184: len 88, expected 80"},
	{"reserved", reserved_set, "record 1 (task) at byte 184: reserved"},
	{"no-tasks", no_tasks, "nr_tasks 0"},
	{"nodename", unterminated_name, "record 0 (container) at byte 0: nodename"},
};

static void test_bad_buffer(gconstpointer data)
{
	const BadBuffer *b = data;
	g_autoptr(GBytes) bytes = tree_build_edit(two, G_N_ELEMENTS(two), b->edit);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptRestoreTree) tree = NULL;
	gsize len;
	const guint8 *p = g_bytes_get_data(bytes, &len);

	tree = ckpt_restore_tree_parse(p, len, &error);
	g_assert_null(tree);
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_IMAGE);
	if (!strstr(error->message, b->expect))
		g_error("'%s' does not contain '%s'", error->message, b->expect);
}

/* A wide tree and a deep one parse in reasonable time and shape. */
static void test_large(void)
{
	const guint n = 4000;
	g_autofree TreeTask *tasks = g_new0(TreeTask, n);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptRestoreTree) tree = NULL;

	for (guint i = 0; i < n; i++) {
		gint32 pid = (gint32)i + 1;

		/* Half a chain, half children of init. */
		tasks[i] = (TreeTask){pid, pid, i == 0 ? 0 : i < n / 2 ? pid - 1 : 1, 1, 1};
	}
	tree = parse(tasks, n, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tree->nr_tasks, ==, n);
	g_assert_cmpuint(task(tree, 1)->nr_children, ==, n / 2 + 1);
	g_assert_cmpuint(task(tree, 1000)->nr_children, ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/restore-tree/init-only", test_init_only);
	g_test_add_func("/restore-tree/sessions-and-groups", test_sessions_and_groups);
	g_test_add_func("/restore-tree/child-before-setsid", test_child_before_setsid);
	g_test_add_func("/restore-tree/early-first", test_early_first);
	g_test_add_func("/restore-tree/threads", test_threads);
	g_test_add_func("/restore-tree/large", test_large);
	for (guint i = 0; i < G_N_ELEMENTS(bad_trees); i++) {
		g_autofree char *path = g_strdup_printf("/restore-tree/bad/%s", bad_trees[i].name);

		g_test_add_data_func(path, &bad_trees[i], test_bad_tree);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_buffers); i++) {
		g_autofree char *path =
			g_strdup_printf("/restore-tree/bad-buffer/%s", bad_buffers[i].name);

		g_test_add_data_func(path, &bad_buffers[i], test_bad_buffer);
	}
	return g_test_run();
}
