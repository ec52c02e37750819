// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-host as a subprocess, the way an operator or a script runs it:
 * usage errors, --json output that parses, against the real ckpt-agent on
 * fake cgroups (what needs no module), and against fake agents that
 * stream (fake-agent.h) for checkpoint to a file with its sha256 file,
 * the store round trip (zstd, inspect, a flipped byte refused), and
 * two-phase migrate with its failures (B refuses, A's stream breaks): the
 * container is never lost. CKPT_HOST and CKPT_AGENT name the binaries.
 */
#include <errno.h>
#include <signal.h>
#include <sys/mount.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "fake-agent.h"
#include "full-image.h"

static const char *host_path;
static const char *agent_path;

typedef struct {
	char *tmp;
	char *store;
	char *ep_a, *ep_b; /* unix:PATH endpoints of the fake agents */
	FakeAgent *a, *b;
} Fixture;

typedef struct {
	int status;
	char *out, *err;
	JsonNode *json; /* stdout parsed, with --json */
} Run;

static void run_clear(Run *r)
{
	g_free(r->out);
	g_free(r->err);
	if (r->json)
		json_node_unref(r->json);
	memset(r, 0, sizeof(*r));
}

/* Runs ckpt-host with the NULL-terminated arguments; --json output must parse. */
static void run_host(Fixture *f, Run *r, const char *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	gboolean json = FALSE;
	va_list ap;

	memset(r, 0, sizeof(*r));
	g_ptr_array_add(argv, (char *)host_path);
	if (f) {
		g_ptr_array_add(argv, (char *)"--store-dir");
		g_ptr_array_add(argv, f->store);
	}
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		json |= strcmp(a, "--json") == 0;
		g_ptr_array_add(argv, (char *)a);
	}
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	p = g_subprocess_newv((const char *const *)argv->pdata,
			      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
			      &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(p, NULL, NULL, &r->out, &r->err, &error);
	g_assert_no_error(error);
	r->status = g_subprocess_get_exit_status(p);
	if (json && r->status != 2) {
		r->json = json_from_string(r->out, &error);
		if (!r->json || !JSON_NODE_HOLDS_OBJECT(r->json))
			g_error("--json output does not parse (%s): %s",
				error ? error->message : "", r->out);
	}
}

static JsonObject *obj(Run *r)
{
	g_assert_nonnull(r->json);
	return json_node_get_object(r->json);
}

static void assert_error_class(Run *r, const char *klass)
{
	JsonObject *e;

	g_test_message("expected failure: %s", r->err);
	if (r->status != 1)
		g_error("expected a failure (%s), got status %d: %s %s", klass, r->status, r->out,
			r->err);
	e = json_object_get_object_member(obj(r), "error");
	g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, klass);
}

static void assert_ok(Run *r)
{
	if (r->status != 0)
		g_error("ckpt-host failed (%d): %s %s", r->status, r->err, r->out);
}

static GBytes *valid_image(void)
{
	FullImage fi;
	GByteArray *b;

	full_image_init(&fi);
	b = full_image_write(&fi);
	return g_byte_array_free_to_bytes(b);
}

/* Several frames' worth of bytes that are not an image (transfers do not care). */
static GBytes *big_blob(gsize len, guint32 seed)
{
	guint8 *p = g_malloc(len);
	GRand *rand = g_rand_new_with_seed(seed);

	for (gsize i = 0; i < len; i++)
		p[i] = (guint8)g_rand_int(rand);
	g_rand_free(rand);
	return g_bytes_new_take(p, len);
}

static void setup(Fixture *f, gconstpointer data)
{
	g_autofree char *pa = NULL;
	g_autofree char *pb = NULL;

	f->tmp = g_dir_make_tmp("ckpt-host-XXXXXX", NULL);
	f->store = g_build_filename(f->tmp, "store", NULL);
	pa = g_build_filename(f->tmp, "a.sock", NULL);
	pb = g_build_filename(f->tmp, "b.sock", NULL);
	f->a = fake_agent_new(pa);
	f->b = fake_agent_new(pb);
	f->ep_a = g_strconcat("unix:", pa, NULL);
	f->ep_b = g_strconcat("unix:", pb, NULL);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->tmp);

	fake_agent_free(f->a);
	fake_agent_free(f->b);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->tmp);
	g_free(f->store);
	g_free(f->ep_a);
	g_free(f->ep_b);
}

static void assert_state(FakeAgent *a, const char *name, const char *state)
{
	g_autofree char *s = fake_agent_state(a, name);

	g_assert_cmpstr(s, ==, state);
}

static void assert_image(FakeAgent *a, const char *name, GBytes *want)
{
	g_autoptr(GBytes) got = fake_agent_image(a, name);

	g_assert_nonnull(got);
	g_assert_true(g_bytes_equal(got, want));
}

static char *sha256_hex(GBytes *b)
{
	return g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, b);
}

/* --- usage -------------------------------------------------------------- */

static void test_usage(void)
{
	static const char *const bad[][7] = {
		{NULL},
		{"frobnicate", NULL},
		{"--bogus", "vms", NULL},
		{"--cid", "3", "--uds", "/x", "ping", NULL},
		{"checkpoint", "vmA", "web", NULL},
		{"checkpoint", "vmA", "web", "--store", "-o", NULL},
		{"checkpoint", "vmA", "web", "-o", "x", "--compress", NULL},
		{"migrate", "web", "--to", "vmB", NULL},
		{"images", "prune", NULL},
		{"images", "show", NULL},
		{"ping", NULL},
		{"run", "vmA", "web", NULL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GPtrArray) argv = g_ptr_array_new();
		g_autoptr(GSubprocess) p = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree char *err = NULL;

		g_ptr_array_add(argv, (char *)host_path);
		for (gsize j = 0; bad[i][j]; j++)
			g_ptr_array_add(argv, (char *)bad[i][j]);
		g_ptr_array_add(argv, NULL);
		p = g_subprocess_newv(
			(const char *const *)argv->pdata,
			G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
		g_assert_no_error(error);
		g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error);
		g_assert_no_error(error);
		if (g_subprocess_get_exit_status(p) != 2)
			g_error("case %zu: exit %d, expected 2 (usage): %s", i,
				g_subprocess_get_exit_status(p), err);
		g_assert_true(g_str_has_prefix(err, "ckpt-host"));
	}
}

/* --- the real agent ------------------------------------------------------- */

static void die_with_parent(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void test_real_agent(void)
{
	g_autofree char *tmp = g_dir_make_tmp("ckpt-host-agent-XXXXXX", NULL);
	g_autofree char *sock = g_build_filename(tmp, "agent.sock", NULL);
	g_autofree char *ep = g_strconcat("unix:", sock, NULL);
	g_autofree char *run_dir = g_build_filename(tmp, "run", NULL);
	g_autofree char *cg = g_build_filename(tmp, "cgroup", "ckpt", NULL);
	g_autofree char *out = g_build_filename(tmp, "web.img", NULL);
	g_autofree char *out_tmp = g_strconcat(out, ".tmp", NULL);
	g_autofree char *a_image_dir = g_strdup_printf("--image-dir=%s/images", tmp);
	g_autofree char *a_unix = g_strdup_printf("--unix=%s", sock);
	g_autofree char *a_run = g_strdup_printf("--run-dir=%s", run_dir);
	g_autofree char *a_cg = g_strdup_printf("--cgroup-dir=%s", cg);
	g_autofree char *a_dev = g_strdup_printf("--device=%s/no-device", tmp);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GSubprocess) agent = NULL;
	g_autoptr(GError) error = NULL;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	Run r;

	g_assert_cmpint(g_mkdir_with_parents(cg, 0755), ==, 0);
	g_subprocess_launcher_set_child_setup(l, die_with_parent, NULL, NULL);
	agent = g_subprocess_launcher_spawn(l, &error, agent_path, "--vsock-port=0", a_unix,
					    a_image_dir, a_run, a_cg, a_dev, "--fake-cgroup", NULL);
	g_assert_no_error(error);
	for (;;) {
		run_host(NULL, &r, "--json", "ping", ep, NULL);
		if (r.status == 0)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		run_clear(&r);
		g_usleep(50000);
	}
	g_assert_true(json_object_get_double_member(obj(&r), "ms") >= 0);
	g_assert_cmpstr(json_object_get_string_member(obj(&r), "endpoint"), ==, ep);
	run_clear(&r);

	run_host(NULL, &r, "--json", "info", ep, NULL);
	assert_ok(&r);
	g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(obj(&r), "agent"),
						   "protocol"),
			==, 1);
	run_clear(&r);
	run_host(NULL, &r, "info", ep, NULL);
	assert_ok(&r);
	g_assert_nonnull(strstr(r.out, "module:    not loaded"));
	run_clear(&r);

	run_host(NULL, &r, "--json", "ps", ep, NULL);
	assert_ok(&r);
	g_assert_cmpint(json_array_get_length(json_object_get_array_member(obj(&r), "containers")),
			==, 0);
	run_clear(&r);

	/* The agent's errors arrive with their class, and name the VM. */
	run_host(NULL, &r, "--json", "kill", ep, "web", NULL);
	assert_error_class(&r, "agent:not-found");
	g_assert_nonnull(strstr(r.err, ep));
	run_clear(&r);

	/* A refused checkpoint leaves no file behind. */
	run_host(NULL, &r, "--json", "checkpoint", ep, "web", "-o", out, NULL);
	assert_error_class(&r, "agent:not-found");
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(out_tmp, G_FILE_TEST_EXISTS));
	run_clear(&r);

	/* --endpoint works like an endpoint operand; a missing socket says so. */
	run_host(NULL, &r, "--json", "--endpoint", ep, "ping", "vmA", NULL);
	assert_ok(&r);
	g_assert_cmpstr(json_object_get_string_member(obj(&r), "vm"), ==, "vmA");
	run_clear(&r);

	g_subprocess_send_signal(agent, SIGTERM);
	g_subprocess_wait(agent, NULL, NULL);
	run_host(NULL, &r, "--json", "ping", ep, NULL);
	assert_error_class(&r, "transport:no-listener");
	g_assert_nonnull(strstr(r.err, "no agent listening"));
	run_clear(&r);
	g_assert_cmpint(system(cmd), ==, 0);
}

/* --- checkpoint and restore with a file ---------------------------------- */

static void test_checkpoint_file(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) image = big_blob(3 * 1024 * 1024 + 5, 1);
	g_autofree char *out = g_build_filename(f->tmp, "web.img", NULL);
	g_autofree char *sha_path = g_strconcat(out, ".sha256", NULL);
	g_autofree char *hex = sha256_hex(image);
	g_autofree char *want_line = g_strdup_printf("%s  web.img\n", hex);
	g_autofree char *line = NULL;
	g_autofree char *content = NULL;
	g_autofree char *check =
		g_strdup_printf("cd '%s' && sha256sum -c --quiet web.img.sha256", f->tmp);
	gsize len;
	Run r;

	fake_agent_add(f->a, "web", image);
	run_host(f, &r, "--json", "checkpoint", f->ep_a, "web", "-o", out, NULL);
	assert_ok(&r);
	g_assert_cmpstr(json_object_get_string_member(obj(&r), "sha256"), ==, hex);
	g_assert_cmpint(json_object_get_int_member(obj(&r), "bytes"), ==, g_bytes_get_size(image));
	g_assert_cmpstr(json_object_get_string_member(obj(&r), "sha256-file"), ==, sha_path);
	run_clear(&r);
	/* The default mode stops the container once the image is safe. */
	assert_state(f->a, "web", NULL);
	g_assert_true(g_file_get_contents(out, &content, &len, NULL));
	g_assert_true(len == g_bytes_get_size(image) &&
		      memcmp(content, g_bytes_get_data(image, NULL), len) == 0);
	g_assert_true(g_file_get_contents(sha_path, &line, NULL, NULL));
	g_assert_cmpstr(line, ==, want_line);
	g_assert_cmpint(system(check), ==, 0);

	/* An existing file is refused before the container is touched. */
	fake_agent_add(f->a, "web", image);
	run_host(f, &r, "--json", "checkpoint", f->ep_a, "web", "-o", out, NULL);
	assert_error_class(&r, "exists");
	run_clear(&r);
	assert_state(f->a, "web", "running");
	run_host(f, &r, "-q", "checkpoint", f->ep_a, "web", "-o", out, "--force", "--leave-running",
		 NULL);
	assert_ok(&r);
	g_assert_cmpstr(r.out, ==, "");
	run_clear(&r);
	assert_state(f->a, "web", "running");

	/* Restore it into the other VM, verified against web.img.sha256. */
	run_host(f, &r, "--json", "restore", f->ep_b, out, NULL);
	assert_ok(&r);
	g_assert_true(json_object_get_boolean_member(
		json_object_get_object_member(obj(&r), "agent"), "verified"));
	run_clear(&r);
	assert_image(f->b, "web", image);
	assert_state(f->b, "web", "running");

	/* One flipped byte: refused, nothing restored. */
	content[1000] ^= 0x20;
	g_assert_true(g_file_set_contents(out, content, (gssize)len, NULL));
	run_host(f, &r, "--json", "restore", f->ep_b, out, "--name", "web2", "--frozen", NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "sha256"));
	run_clear(&r);
	assert_state(f->b, "web2", NULL);
	g_assert_cmpuint(fake_agent_refused_restores(f->b), ==, 1);
}

/* --- the store ------------------------------------------------------------ */

static char *checkpoint_to_store(Fixture *f, const char *name, gboolean zstd)
{
	Run r;
	char *id;

	if (zstd)
		run_host(f, &r, "--json", "checkpoint", f->ep_a, name, "--store", "--compress",
			 "zstd", "--leave-running", NULL);
	else
		run_host(f, &r, "--json", "checkpoint", f->ep_a, name, "--store", "--leave-running",
			 NULL);
	assert_ok(&r);
	id = g_strdup(json_object_get_string_member(json_object_get_object_member(obj(&r), "image"),
						    "id"));
	g_assert_cmpstr(json_object_get_string_member(
				json_object_get_object_member(obj(&r), "image"), "compression"),
			==, zstd ? "zstd" : "none");
	run_clear(&r);
	return id;
}

static void test_store(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) image = valid_image();
	g_autoptr(GBytes) blob = big_blob(2 * 1024 * 1024, 2);
	g_autofree char *id_z = NULL;
	g_autofree char *id_plain = NULL;
	g_autofree char *img_path = NULL;
	g_autofree char *content = NULL;
	gsize len;
	Run r;

	fake_agent_add(f->a, "web", image);
	fake_agent_add(f->a, "db", blob);
	id_z = checkpoint_to_store(f, "web", TRUE);
	id_plain = checkpoint_to_store(f, "db", FALSE);
	assert_state(f->a, "web", "running");

	run_host(f, &r, "--json", "images", NULL);
	assert_ok(&r);
	g_assert_cmpint(json_array_get_length(json_object_get_array_member(obj(&r), "images")), ==,
			2);
	run_clear(&r);
	run_host(f, &r, "--json", "images", "list", "--container", "db", NULL);
	assert_ok(&r);
	g_assert_cmpint(json_array_get_length(json_object_get_array_member(obj(&r), "images")), ==,
			1);
	run_clear(&r);
	run_host(f, &r, "--json", "images", "show", id_z, NULL);
	assert_ok(&r);
	g_assert_cmpstr(json_object_get_string_member(
				json_object_get_object_member(obj(&r), "image"), "kernel"),
			==, "6.1.0-fake-amd64");
	run_clear(&r);

	/* inspect decodes the (decompressed) image with the proto/ library. */
	run_host(f, &r, "--json", "inspect", id_z, NULL);
	assert_ok(&r);
	g_assert_true(json_object_get_boolean_member(obj(&r), "valid"));
	g_assert_cmpint(json_object_get_int_member(obj(&r), "bytes"), ==, g_bytes_get_size(image));
	run_clear(&r);
	run_host(f, &r, "inspect", id_z, NULL);
	assert_ok(&r);
	g_assert_nonnull(strstr(r.out, "valid:    yes"));
	run_clear(&r);

	/* zstd round trip into the other VM. */
	run_host(f, &r, "--json", "restore", f->ep_b, id_z, NULL);
	assert_ok(&r);
	run_clear(&r);
	assert_image(f->b, "web", image);

	/* A flipped byte in a stored image: both the reader and the agent refuse. */
	run_host(f, &r, "--json", "images", "show", id_plain, NULL);
	assert_ok(&r);
	img_path =
		g_build_filename(f->store, "images",
				 json_object_get_string_member(
					 json_object_get_object_member(obj(&r), "image"), "file"),
				 NULL);
	run_clear(&r);
	g_assert_true(g_file_get_contents(img_path, &content, &len, NULL));
	content[len / 2] ^= 0x01;
	g_assert_true(g_file_set_contents(img_path, content, (gssize)len, NULL));
	run_host(f, &r, "--json", "restore", f->ep_b, id_plain, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "sha256 mismatch"));
	run_clear(&r);
	assert_state(f->b, "db", NULL);
	run_host(f, &r, "--json", "inspect", id_plain, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_false(json_object_get_boolean_member(obj(&r), "valid"));
	run_clear(&r);

	/* prune keeps the newest N per VM and container; rm removes one. */
	g_free(checkpoint_to_store(f, "web", FALSE));
	run_host(f, &r, "--json", "images", "prune", "--keep", "1", NULL);
	assert_ok(&r);
	g_assert_cmpint(json_array_get_length(json_object_get_array_member(obj(&r), "removed")), ==,
			1);
	g_assert_cmpstr(json_object_get_string_member(
				json_array_get_object_element(
					json_object_get_array_member(obj(&r), "removed"), 0),
				"id"),
			==, id_z);
	run_clear(&r);
	run_host(f, &r, "--json", "images", "rm", id_plain, NULL);
	assert_ok(&r);
	run_clear(&r);
	run_host(f, &r, "--json", "images", "show", id_plain, NULL);
	assert_error_class(&r, "store:not-found");
	run_clear(&r);
}

/* The fake agent rolls back when it notices the host went away: give it a moment. */
static void wait_state(FakeAgent *a, const char *name, const char *state)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	for (;;) {
		g_autofree char *s = fake_agent_state(a, name);

		if (g_strcmp0(s, state) == 0)
			return;
		if (g_get_monotonic_time() > deadline)
			g_error("container %s: state %s, expected %s", name, s, state);
		g_usleep(20000);
	}
}

/* A store (or a file) on a full disk: a clear error, no image, the container runs on. */
static void test_store_full(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) image = big_blob(2 * 1024 * 1024, 7);
	g_autofree char *mnt = g_build_filename(f->tmp, "small", NULL);
	g_autofree char *store = g_build_filename(mnt, "store", NULL);
	g_autofree char *images = g_build_filename(store, "images", NULL);
	g_autofree char *out = g_build_filename(mnt, "web.img", NULL);
	g_autoptr(GDir) dir = NULL;
	const char *leftover;
	Run r;

	g_assert_cmpint(g_mkdir_with_parents(mnt, 0700), ==, 0);
	if (mount("ckpt-test", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,mode=0700") < 0) {
		g_autofree char *why =
			g_strdup_printf("cannot mount a tmpfs: %s", g_strerror(errno));

		g_test_skip(why);
		return;
	}
	fake_agent_add(f->a, "web", image);
	run_host(NULL, &r, "--store-dir", store, "--json", "checkpoint", f->ep_a, "web", "--store",
		 NULL);
	assert_error_class(&r, "io:no-space");
	g_assert_nonnull(strstr(r.err, "no space left"));
	run_clear(&r);
	wait_state(f->a, "web", "running");
	dir = g_dir_open(images, 0, NULL);
	g_assert_nonnull(dir);
	while ((leftover = g_dir_read_name(dir)))
		g_error("%s left in the store after a failed write", leftover);
	g_clear_pointer(&dir, g_dir_close);

	run_host(NULL, &r, "--json", "checkpoint", f->ep_a, "web", "-o", out, NULL);
	g_assert_cmpint(r.status, ==, 1);
	run_clear(&r);
	wait_state(f->a, "web", "running");
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	g_assert_cmpint(umount(mnt), ==, 0);
}

/* --- migrate ---------------------------------------------------------------- */

static void test_migrate(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) image = big_blob(5 * 1024 * 1024 + 17, 3);
	g_autofree char *hex = sha256_hex(image);
	JsonObject *o;
	Run r;

	fake_agent_add(f->a, "web", image);
	run_host(f, &r, "--json", "migrate", "--from", f->ep_a, "--to", f->ep_b, "web", NULL);
	assert_ok(&r);
	o = obj(&r);
	g_assert_cmpstr(json_object_get_string_member(o, "mode"), ==, "move");
	g_assert_cmpstr(json_object_get_string_member(o, "sha256"), ==, hex);
	g_assert_cmpint(json_object_get_int_member(o, "bytes"), ==, g_bytes_get_size(image));
	g_assert_cmpint(json_object_get_int_member(o, "downtime-ms"), >=,
			json_object_get_int_member(o, "restore-ms"));
	g_assert_true(json_object_has_member(o, "transfer-ms"));
	g_assert_true(json_object_has_member(o, "mib-per-s"));
	run_clear(&r);
	assert_state(f->a, "web", NULL);
	assert_state(f->b, "web", "running");
	assert_image(f->b, "web", image);

	/* And back, cloning: both run. */
	run_host(f, &r, "migrate", "--from", f->ep_b, "--to", f->ep_a, "web", "--keep-source",
		 NULL);
	assert_ok(&r);
	g_assert_nonnull(strstr(r.out, "downtime"));
	run_clear(&r);
	assert_state(f->a, "web", "running");
	assert_state(f->b, "web", "running");

	/* A target that has one of that name already is refused up front. */
	run_host(f, &r, "--json", "migrate", "--from", f->ep_a, "--to", f->ep_b, "web", NULL);
	assert_error_class(&r, "migrate");
	g_assert_nonnull(strstr(r.err, "exists there already"));
	run_clear(&r);
	assert_state(f->a, "web", "running");
}

static void test_migrate_failures(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) image = big_blob(4 * 1024 * 1024, 4);
	Run r;

	fake_agent_add(f->a, "web", image);

	/* B refuses the restore: nothing left on B, web runs on A. */
	fake_agent_fail_restore(f->b, TRUE);
	run_host(f, &r, "--json", "migrate", "--from", f->ep_a, "--to", f->ep_b, "web", NULL);
	assert_error_class(&r, "migrate");
	g_assert_nonnull(strstr(r.err, "module refused"));
	g_assert_nonnull(strstr(r.err, "runs on"));
	run_clear(&r);
	assert_state(f->a, "web", "running");
	assert_state(f->b, "web", NULL);
	fake_agent_fail_restore(f->b, FALSE);

	/* A's stream breaks mid-way: B drops what it got, web runs on A. */
	fake_agent_drop_checkpoint_after(f->a, 1024 * 1024);
	run_host(f, &r, "--json", "migrate", "--from", f->ep_a, "--to", f->ep_b, "web", NULL);
	assert_error_class(&r, "migrate");
	run_clear(&r);
	assert_state(f->a, "web", "running");
	assert_state(f->b, "web", NULL);
	g_assert_cmpuint(fake_agent_refused_restores(f->b), ==, 1);
	fake_agent_drop_checkpoint_after(f->a, 0);

	/* B goes away mid-stream (its VM destroyed): A stops streaming and thaws. */
	fake_agent_drop_restore_after(f->b, 1024 * 1024);
	run_host(f, &r, "--json", "migrate", "--from", f->ep_a, "--to", f->ep_b, "web", NULL);
	assert_error_class(&r, "migrate");
	g_assert_nonnull(strstr(r.err, "runs on"));
	run_clear(&r);
	assert_state(f->a, "web", "running");
	assert_state(f->b, "web", NULL);
	fake_agent_drop_restore_after(f->b, 0);

	/* Through the store: same result, and the image stays there. */
	run_host(f, &r, "--json", "migrate", "--from", f->ep_a, "--to", f->ep_b, "web",
		 "--via-store", "--compress", "zstd", NULL);
	assert_ok(&r);
	g_assert_cmpstr(json_object_get_string_member(obj(&r), "via"), ==, "store");
	g_assert_cmpstr(json_object_get_string_member(
				json_object_get_object_member(obj(&r), "image"), "reason"),
			==, "migrate");
	run_clear(&r);
	assert_state(f->a, "web", NULL);
	assert_image(f->b, "web", image);
}

/* SIGINT in the middle of a migration: the same rollback as a failure. */
static void test_migrate_interrupted(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) image = big_blob(4 * 1024 * 1024, 6);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autoptr(JsonNode) json = NULL;
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	fake_agent_add(f->a, "web", image);
	fake_agent_stall_checkpoint_after(f->a, 1024 * 1024);
	p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
			     &error, host_path, "--store-dir", f->store, "--json", "migrate",
			     "--from", f->ep_a, "--to", f->ep_b, "web", NULL);
	g_assert_no_error(error);
	while (!fake_agent_stalled(f->a)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(20000);
	}
	assert_state(f->a, "web", "frozen");
	g_subprocess_send_signal(p, SIGINT);
	g_subprocess_communicate_utf8(p, NULL, NULL, &out, &err, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 1);
	json = json_from_string(out, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(json_object_get_string_member(
				json_object_get_object_member(json_node_get_object(json), "error"),
				"class"),
			==, "interrupted");
	g_assert_nonnull(strstr(err, "runs on"));
	assert_state(f->a, "web", "running");
	assert_state(f->b, "web", NULL);
}

/* --- libvirt (its test driver, with our metadata naming the fake agents) --- */

static char *write_node_xml(Fixture *f)
{
	g_autofree char *path = g_build_filename(f->tmp, "node.xml", NULL);
	g_autofree char *xml = g_strdup_printf(
		"<node>\n"
		"  <domain type='test'><name>vmA</name><memory>65536</memory>"
		"<os><type>hvm</type></os><metadata>"
		"<ckpt:ckpt xmlns:ckpt='urn:ckpt:libvirt:1'><ckpt:vsockd uds='%s'/></ckpt:ckpt>"
		"</metadata></domain>\n"
		"  <domain type='test'><name>vmB</name><memory>65536</memory>"
		"<os><type>hvm</type></os><metadata>"
		"<x:ckpt xmlns:x='urn:ckpt:libvirt:1'><x:vsockd uds='%s'/><x:agent port='7200'/>"
		"</x:ckpt></metadata></domain>\n"
		"  <domain type='test'><name>vmC</name><memory>65536</memory>"
		"<os><type>hvm</type></os></domain>\n"
		"</node>\n",
		f->ep_a + 5, f->ep_b + 5);

	g_assert_true(g_file_set_contents(path, xml, -1, NULL));
	return g_strconcat("test://", path, NULL);
}

static void test_libvirt(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) image = big_blob(1024 * 1024 + 3, 5);
	g_autofree char *uri = write_node_xml(f);
	JsonArray *vms;
	Run r;

	fake_agent_add(f->a, "web", image);
	run_host(f, &r, "--connect", uri, "--json", "vms", NULL);
	assert_ok(&r);
	vms = json_object_get_array_member(obj(&r), "vms");
	g_assert_cmpint(json_array_get_length(vms), ==, 3);
	for (guint i = 0; i < 3; i++) {
		JsonObject *v = json_array_get_object_element(vms, i);
		const char *name = json_object_get_string_member(v, "name");
		gboolean answers = json_object_get_boolean_member(v, "answers");

		g_assert_cmpint(answers, ==, strcmp(name, "vmC") != 0);
		if (!answers)
			g_assert_nonnull(strstr(json_object_get_string_member(v, "problem"),
						"vmC: no way to reach its agent"));
	}
	run_clear(&r);

	run_host(f, &r, "--connect", uri, "--json", "ping", "vmC", NULL);
	assert_error_class(&r, "domain-config");
	run_clear(&r);
	run_host(f, &r, "--connect", uri, "--json", "ping", "vmZ", NULL);
	assert_error_class(&r, "no-domain");
	g_assert_nonnull(strstr(r.err, "vmZ: no such domain"));
	run_clear(&r);

	run_host(f, &r, "--connect", uri, "--json", "logs", "vmA", "web", "--tail-bytes", "16",
		 NULL);
	assert_ok(&r);
	g_assert_cmpstr(json_object_get_string_member(obj(&r), "log"), ==, "count 2\ncount 3\n");
	g_assert_cmpint(json_object_get_int_member(obj(&r), "size"), ==, 24);
	run_clear(&r);
	run_host(f, &r, "--connect", uri, "logs", "vmA", "web", NULL);
	assert_ok(&r);
	g_assert_cmpstr(r.out, ==, "count 1\ncount 2\ncount 3\n");
	run_clear(&r);

	/* By name, as the operator types it. */
	run_host(f, &r, "--connect", uri, "--json", "migrate", "--from", "vmA", "--to", "vmB",
		 "web", NULL);
	assert_ok(&r);
	g_assert_cmpstr(json_object_get_string_member(obj(&r), "from"), ==, "vmA");
	run_clear(&r);
	assert_state(f->a, "web", NULL);
	assert_image(f->b, "web", image);
	run_host(f, &r, "--connect", uri, "--json", "checkpoint", "vmB", "web", "--store",
		 "--leave-running", NULL);
	assert_ok(&r);
	g_assert_cmpstr(json_object_get_string_member(
				json_object_get_object_member(obj(&r), "image"), "vm"),
			==, "vmB");
	run_clear(&r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* The fake agents write to hosts that went away, as the real one must survive. */
	signal(SIGPIPE, SIG_IGN);
	host_path = g_getenv("CKPT_HOST");
	agent_path = g_getenv("CKPT_AGENT");
	g_assert_nonnull(host_path);
	g_assert_nonnull(agent_path);
	g_test_add_func("/host/usage", test_usage);
	g_test_add_func("/host/real-agent", test_real_agent);
	g_test_add("/host/checkpoint-file", Fixture, NULL, setup, test_checkpoint_file, teardown);
	g_test_add("/host/store", Fixture, NULL, setup, test_store, teardown);
	g_test_add("/host/store-full", Fixture, NULL, setup, test_store_full, teardown);
	g_test_add("/host/migrate", Fixture, NULL, setup, test_migrate, teardown);
	g_test_add("/host/migrate-failures", Fixture, NULL, setup, test_migrate_failures, teardown);
	g_test_add("/host/migrate-interrupted", Fixture, NULL, setup, test_migrate_interrupted,
		   teardown);
	g_test_add("/host/libvirt", Fixture, NULL, setup, test_libvirt, teardown);
	return g_test_run();
}
