// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-domain: libvirt domain XML samples (as virDomainGetXMLDesc prints
 * them, trimmed) with and without a <vsock> device and our metadata, bad
 * attributes with the exact messages an operator will see, other
 * namespaces, other prefixes, and the metadata writer round trip.
 */
#include "ckpt-domain.h"

#define NS "urn:ckpt:libvirt:1"

/* A domain with `devices` inside <devices> and `metadata` inside <metadata> (NULL: none). */
static char *domain_xml(const char *devices, const char *metadata)
{
	return g_strdup_printf("<domain type='qemu' id='4'>\n"
			       "  <name>vmA</name>\n"
			       "  <uuid>6f0f4a5e-2c4b-4d0e-9a41-2f3cc1d7e8a1</uuid>\n"
			       "%s%s%s"
			       "  <memory unit='KiB'>524288</memory>\n"
			       "  <devices>\n"
			       "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
			       "%s"
			       "  </devices>\n"
			       "</domain>\n",
			       metadata ? "  <metadata>\n" : "", metadata ? metadata : "",
			       metadata ? "  </metadata>\n" : "", devices ? devices : "");
}

static const char *vsock3 = "    <vsock model='virtio'>\n"
			    "      <cid auto='no' address='3'/>\n"
			    "      <alias name='vsock0'/>\n"
			    "    </vsock>\n";

static const char *full_metadata =
	"    <ckpt:ckpt xmlns:ckpt='" NS "'>\n"
	"      <ckpt:agent port='7200'/>\n"
	"      <ckpt:vsockd uds='/run/ckpt-vsockd/vmA.vsock'\n"
	"                   vhost-user='/run/ckpt-vsockd/vmA.vhost' guest-cid='3' managed='yes'/>\n"
	"      <ckpt:push port='7201'/>\n"
	"      <ckpt:container name='web' snapshot-on-shutdown='yes' restore-on-start='yes'\n"
	"                      interval='600' keep='3'/>\n"
	"      <ckpt:container name='db.1'/>\n"
	"    </ckpt:ckpt>\n";

static CkptDomainConfig *parse_ok(const char *xml)
{
	g_autoptr(GError) error = NULL;
	CkptDomainConfig *c = ckpt_domain_config_parse(xml, &error);

	g_assert_no_error(error);
	g_assert_nonnull(c);
	return c;
}

static void test_vsock_only(void)
{
	g_autofree char *xml = domain_xml(vsock3, NULL);
	g_autoptr(CkptDomainConfig) c = parse_ok(xml);
	g_autoptr(GError) error = NULL;
	CkptEndpoint ep;

	g_assert_cmpstr(c->name, ==, "vmA");
	g_assert_cmpstr(c->uuid, ==, "6f0f4a5e-2c4b-4d0e-9a41-2f3cc1d7e8a1");
	g_assert_cmpuint(c->vsock_cid, ==, 3);
	g_assert_null(c->vsockd_uds);
	g_assert_cmpuint(c->agent_port, ==, 7100);
	g_assert_cmpuint(c->push_port, ==, 7101);
	g_assert_cmpuint(c->containers->len, ==, 0);
	g_assert_null(ckpt_domain_config_container(c, "web"));
	g_assert_true(ckpt_domain_config_endpoint(c, &ep, &error));
	g_assert_no_error(error);
	g_assert_cmpint(ep.kind, ==, CKPT_ENDPOINT_VSOCK);
	g_assert_cmpuint(ep.cid, ==, 3);
	ckpt_endpoint_clear(&ep);
}

static void test_metadata_only(void)
{
	g_autofree char *xml = domain_xml(NULL, full_metadata);
	g_autoptr(CkptDomainConfig) c = parse_ok(xml);
	const CkptContainerPolicy *web, *db;
	CkptEndpoint ep;

	g_assert_cmpuint(c->vsock_cid, ==, 0);
	g_assert_cmpstr(c->vsockd_uds, ==, "/run/ckpt-vsockd/vmA.vsock");
	g_assert_cmpstr(c->vsockd_vhost_user, ==, "/run/ckpt-vsockd/vmA.vhost");
	g_assert_cmpuint(c->vsockd_guest_cid, ==, 3);
	g_assert_true(c->vsockd_managed);
	g_assert_cmpuint(c->agent_port, ==, 7200);
	g_assert_cmpuint(c->push_port, ==, 7201);
	g_assert_cmpuint(c->containers->len, ==, 2);
	web = ckpt_domain_config_container(c, "web");
	g_assert_nonnull(web);
	g_assert_true(web->snapshot_on_shutdown);
	g_assert_true(web->restore_on_start);
	g_assert_cmpuint(web->interval_s, ==, 600);
	g_assert_cmpuint(web->keep, ==, 3);
	db = ckpt_domain_config_container(c, "db.1");
	g_assert_nonnull(db);
	g_assert_false(db->snapshot_on_shutdown);
	g_assert_false(db->restore_on_start);
	g_assert_cmpuint(db->interval_s, ==, 0);
	g_assert_cmpuint(db->keep, ==, 0);
	g_assert_true(ckpt_domain_config_endpoint(c, &ep, NULL));
	g_assert_cmpint(ep.kind, ==, CKPT_ENDPOINT_HYBRID);
	g_assert_cmpstr(ep.uds_path, ==, "/run/ckpt-vsockd/vmA.vsock");
	ckpt_endpoint_clear(&ep);
}

/* With both, the bridge wins: a kernel vsock device and ckpt-vsockd do not mix. */
static void test_both(void)
{
	g_autofree char *xml = domain_xml(vsock3, full_metadata);
	g_autoptr(CkptDomainConfig) c = parse_ok(xml);
	CkptEndpoint ep;

	g_assert_cmpuint(c->vsock_cid, ==, 3);
	g_assert_true(ckpt_domain_config_endpoint(c, &ep, NULL));
	g_assert_cmpint(ep.kind, ==, CKPT_ENDPOINT_HYBRID);
	ckpt_endpoint_clear(&ep);
}

static void test_neither(void)
{
	g_autofree char *xml = domain_xml(NULL, "    <other xmlns='urn:x'/>\n");
	g_autoptr(CkptDomainConfig) c = parse_ok(xml);
	g_autoptr(GError) error = NULL;
	CkptEndpoint ep;

	g_assert_false(ckpt_domain_config_endpoint(c, &ep, &error));
	g_assert_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_NO_ENDPOINT);
	g_assert_cmpstr(error->message, ==,
			"vmA: no way to reach its agent: no <vsock> device and no "
			"<ckpt:vsockd uds=...> metadata");
}

/* An inactive domain's <cid auto='yes'/> has no address yet. */
static void test_vsock_auto_cid(void)
{
	g_autofree char *xml = domain_xml("<vsock model='virtio'><cid auto='yes'/></vsock>", NULL);
	g_autoptr(CkptDomainConfig) c = parse_ok(xml);

	g_assert_cmpuint(c->vsock_cid, ==, 0);
}

typedef struct {
	const char
		*inner; /* inside <ckpt:ckpt>, or a whole <metadata> body if it starts with '!' */
	const char *devices;
	const char *message;
} BadCase;

static const BadCase bad_cases[] = {
	{"<ckpt:container name='web' interval='x'/>", NULL,
	 "domain vmA: <ckpt:container name='web' interval='x'>: not a number"},
	{"<ckpt:container name='web' interval='-5'/>", NULL,
	 "domain vmA: <ckpt:container name='web' interval='-5'>: not a number"},
	{"<ckpt:container name='web' interval='99999999'/>", NULL,
	 "domain vmA: <ckpt:container name='web' interval='99999999'>: out of range (0-31622400)"},
	{"<ckpt:container name='web' keep='100001'/>", NULL,
	 "domain vmA: <ckpt:container name='web' keep='100001'>: out of range (0-100000)"},
	{"<ckpt:container name='web' snapshot-on-shutdown='true'/>", NULL,
	 "domain vmA: <ckpt:container name='web' snapshot-on-shutdown='true'>: expected yes or no"},
	{"<ckpt:container name='web' restore-on-start=''/>", NULL,
	 "domain vmA: <ckpt:container name='web' restore-on-start=''>: expected yes or no"},
	{"<ckpt:container name='web' snapshot-on-shutdwn='yes'/>", NULL,
	 "domain vmA: <ckpt:container name='web'>: attribute snapshot-on-shutdwn: unknown "
	 "attribute "
	 "(known: name, snapshot-on-shutdown, restore-on-start, interval, keep)"},
	{"<ckpt:container/>", NULL, "domain vmA: <ckpt:container>: attribute name: missing"},
	{"<ckpt:container name='-web'/>", NULL,
	 "domain vmA: <ckpt:container name='-web'>: not a container name (1-64 of A-Za-z0-9_.-, "
	 "starting with a letter or digit)"},
	{"<ckpt:container name='we/b'/>", NULL,
	 "domain vmA: <ckpt:container name='we/b'>: not a container name (1-64 of A-Za-z0-9_.-, "
	 "starting with a letter or digit)"},
	{"<ckpt:container "
	 "name='a123456789a123456789a123456789a123456789a123456789a123456789abcde'/>",
	 NULL,
	 "domain vmA: <ckpt:container "
	 "name='a123456789a123456789a123456789a123456789a123456789a123456789abcde'>: not a "
	 "container "
	 "name (1-64 of A-Za-z0-9_.-, starting with a letter or digit)"},
	{"<ckpt:container name='web'/><ckpt:container name='web' keep='2'/>", NULL,
	 "domain vmA: <ckpt:container name='web'> appears twice"},
	{"<ckpt:agent port='7100'/><ckpt:agent port='7200'/>", NULL,
	 "domain vmA: <ckpt:agent> appears twice"},
	{"<ckpt:agent port='0'/>", NULL,
	 "domain vmA: <ckpt:agent port='0'>: out of range (1-4294967294)"},
	{"<ckpt:push port='4294967295'/>", NULL,
	 "domain vmA: <ckpt:push port='4294967295'>: out of range (1-4294967294)"},
	{"<ckpt:agent port=' 7100'/>", NULL, "domain vmA: <ckpt:agent port=' 7100'>: not a number"},
	{"<ckpt:vsockd uds='run/vmA.vsock'/>", NULL,
	 "domain vmA: <ckpt:vsockd uds='run/vmA.vsock'>: not an absolute path"},
	{"<ckpt:vsockd vhost-user='/run/vmA.vhost'/>", NULL,
	 "domain vmA: <ckpt:vsockd>: attribute uds: missing"},
	{"<ckpt:vsockd uds='/run/vmA.vsock' managed='1'/>", NULL,
	 "domain vmA: <ckpt:vsockd managed='1'>: expected yes or no"},
	{"<ckpt:vsockd uds='/run/vmA.vsock' guest-cid='2'/>", NULL,
	 "domain vmA: <ckpt:vsockd guest-cid='2'>: out of range (3-4294967294)"},
	{"<ckpt:vsockd uds='/run/vmA.vsock' guest-cid='3' managed='yes'/>", NULL,
	 "domain vmA: <ckpt:vsockd>: attribute vhost-user: missing (required with managed='yes')"},
	{"<ckpt:vsockd uds='/run/vmA.vsock' vhost-user='/run/vmA.vhost' managed='yes'/>", NULL,
	 "domain vmA: <ckpt:vsockd>: attribute guest-cid: missing (required with managed='yes')"},
	{"<ckpt:vsockd "
	 "uds='/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'/>",
	 NULL,
	 "domain vmA: <ckpt:vsockd "
	 "uds='/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'>: too long for a Unix socket path "
	 "(max "
	 "107 bytes)"},
	{"<ckpt:bridge uds='/run/x'/>", NULL,
	 "domain vmA: <ckpt:bridge>: unknown element in the urn:ckpt:libvirt:1 metadata (known: "
	 "agent, vsockd, push, container)"},
	{"", "<vsock model='virtio'><cid auto='no' address='2'/></vsock>",
	 "domain vmA: <vsock><cid address='2'>: out of range (3-4294967294)"},
	{"", "<vsock model='virtio'><cid address='x3'/></vsock>",
	 "domain vmA: <vsock><cid address='x3'>: not a number"},
	{"", "<vsock><cid address='3'/></vsock><vsock><cid address='4'/></vsock>",
	 "domain vmA: more than one <vsock> device"},
	{"!<ckpt:ckpt xmlns:ckpt='" NS "'/><c2:ckpt xmlns:c2='" NS "'/>", NULL,
	 "domain vmA: more than one <ckpt:ckpt> element in <metadata>"},
};

static void test_bad_attributes(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		const BadCase *b = &bad_cases[i];
		g_autofree char *meta = NULL;
		g_autofree char *xml = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(CkptDomainConfig) c = NULL;

		if (b->inner[0] == '!')
			meta = g_strdup(b->inner + 1);
		else
			meta = g_strdup_printf("<ckpt:ckpt xmlns:ckpt='" NS "'>%s</ckpt:ckpt>",
					       b->inner);
		xml = domain_xml(b->devices, meta);
		c = ckpt_domain_config_parse(xml, &error);
		g_test_message("case %u: %s", i, b->inner);
		g_assert_null(c);
		g_assert_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_INVALID);
		g_assert_cmpstr(error->message, ==, b->message);
	}
}

static void test_bad_xml(void)
{
	static const struct {
		const char *xml, *message;
	} cases[] = {
		{"<domain><name>vmA</name>", "domain XML: not well-formed at line 1: "},
		{"", "domain XML: not well-formed at line "},
		{"<domainsnapshot><name>s1</name></domainsnapshot>",
		 "domain XML: the root element is <domainsnapshot>, not <domain>"},
		{"<domain type='kvm'><uuid>x</uuid></domain>", "domain XML: no <name>"},
		{"<domain><name>  </name></domain>", "domain XML: no <name>"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CkptDomainConfig) c = ckpt_domain_config_parse(cases[i].xml, &error);

		g_assert_null(c);
		g_assert_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_XML);
		g_assert_true(g_str_has_prefix(error->message, cases[i].message));
	}
}

/* An entity must not be expanded from a file (the XML may come from a guest owner). */
static void test_no_external_entities(void)
{
	const char *xml = "<?xml version='1.0'?>\n"
			  "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/hostname'>]>\n"
			  "<domain><name>vm&x;</name></domain>";
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptDomainConfig) c = ckpt_domain_config_parse(xml, &error);

	if (c)
		g_assert_cmpstr(c->name, ==, "vm");
	else
		g_assert_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_XML);
}

/* Other namespaces, inside <metadata> and inside our element, are not ours to judge. */
static void test_other_namespaces_ignored(void)
{
	const char *meta = "    <app1:foo xmlns:app1='http://example.org/app1/'>\n"
			   "      <app1:container name='!!' interval='never'/>\n"
			   "    </app1:foo>\n"
			   "    <ckpt:ckpt xmlns:ckpt='" NS "' xmlns:x='urn:x'>\n"
			   "      <x:agent port='nonsense'/>\n"
			   "      <ckpt:container name='web' x:color='blue' keep='2'/>\n"
			   "      <!-- a comment --> text\n"
			   "    </ckpt:ckpt>\n"
			   "    <ckpt:ckpt xmlns:ckpt='urn:ckpt:libvirt:2'><ckpt:agent "
			   "port='x'/></ckpt:ckpt>\n";
	g_autofree char *xml = domain_xml(vsock3, meta);
	g_autoptr(CkptDomainConfig) c = parse_ok(xml);

	g_assert_cmpuint(c->agent_port, ==, 7100);
	g_assert_cmpuint(c->containers->len, ==, 1);
	g_assert_cmpuint(ckpt_domain_config_container(c, "web")->keep, ==, 2);
}

/* The namespace decides, not the prefix: libvirt keeps whatever prefix was set. */
static void test_other_prefix(void)
{
	const char *prefixed = "<lab:ckpt xmlns:lab='" NS "'><lab:agent port='9000'/>"
			       "<lab:container name='web' keep='5'/></lab:ckpt>";
	const char *default_ns = "<ckpt xmlns='" NS "'><push port='9001'/>"
				 "<vsockd uds='/run/b.vsock'/></ckpt>";
	g_autofree char *xml1 = domain_xml(NULL, prefixed);
	g_autofree char *xml2 = domain_xml(NULL, default_ns);
	g_autoptr(CkptDomainConfig) c1 = parse_ok(xml1);
	g_autoptr(CkptDomainConfig) c2 = parse_ok(xml2);
	g_autoptr(GError) error = NULL;
	g_autofree char *bad =
		domain_xml(NULL, "<z:ckpt xmlns:z='" NS "'><z:agent port='x'/></z:ckpt>");

	g_assert_cmpuint(c1->agent_port, ==, 9000);
	g_assert_cmpuint(ckpt_domain_config_container(c1, "web")->keep, ==, 5);
	g_assert_cmpuint(c2->push_port, ==, 9001);
	g_assert_cmpstr(c2->vsockd_uds, ==, "/run/b.vsock");
	g_assert_false(c2->vsockd_managed);
	/* Messages use the canonical prefix whatever the document's is. */
	g_assert_null(ckpt_domain_config_parse(bad, &error));
	g_assert_cmpstr(error->message, ==, "domain vmA: <ckpt:agent port='x'>: not a number");
}

static void test_metadata_xml_round_trip(void)
{
	g_autoptr(CkptDomainConfig) c = ckpt_domain_config_new("vm<&>B");
	g_autoptr(CkptDomainConfig) back = NULL;
	g_autofree char *meta = NULL;
	g_autofree char *xml = NULL;
	CkptContainerPolicy *p;

	c->vsockd_uds = g_strdup("/run/ckpt vsockd/vm'B\".vsock");
	c->vsockd_vhost_user = g_strdup("/run/ckpt-vsockd/vmB&.vhost");
	c->vsockd_guest_cid = 4;
	c->vsockd_managed = TRUE;
	c->push_port = 9101;
	p = ckpt_container_policy_new("web");
	p->snapshot_on_shutdown = TRUE;
	p->interval_s = 60;
	p->keep = 7;
	g_ptr_array_add(c->containers, p);
	p = ckpt_container_policy_new("db");
	p->restore_on_start = TRUE;
	g_ptr_array_add(c->containers, p);

	meta = ckpt_domain_config_metadata_xml(c);
	g_test_message("%s", meta);
	g_assert_true(g_str_has_prefix(meta, "<ckpt:ckpt xmlns:ckpt=\"" NS "\">"));
	/* Defaults are left out. */
	g_assert_null(strstr(meta, "ckpt:agent"));
	xml = g_strdup_printf(
		"<domain><name>vm&lt;&amp;&gt;B</name><metadata>%s</metadata></domain>", meta);
	back = parse_ok(xml);
	g_assert_cmpstr(back->name, ==, c->name);
	g_assert_cmpstr(back->vsockd_uds, ==, c->vsockd_uds);
	g_assert_cmpstr(back->vsockd_vhost_user, ==, c->vsockd_vhost_user);
	g_assert_cmpuint(back->vsockd_guest_cid, ==, 4);
	g_assert_true(back->vsockd_managed);
	g_assert_cmpuint(back->agent_port, ==, 7100);
	g_assert_cmpuint(back->push_port, ==, 9101);
	g_assert_cmpuint(back->containers->len, ==, 2);
	for (guint i = 0; i < 2; i++) {
		const CkptContainerPolicy *a = g_ptr_array_index(c->containers, i);
		const CkptContainerPolicy *b = g_ptr_array_index(back->containers, i);

		g_assert_cmpstr(a->name, ==, b->name);
		g_assert_cmpint(a->snapshot_on_shutdown, ==, b->snapshot_on_shutdown);
		g_assert_cmpint(a->restore_on_start, ==, b->restore_on_start);
		g_assert_cmpuint(a->interval_s, ==, b->interval_s);
		g_assert_cmpuint(a->keep, ==, b->keep);
	}
}

static void test_container_names(void)
{
	g_assert_true(ckpt_domain_container_name_valid("w"));
	g_assert_true(ckpt_domain_container_name_valid("9web_1.x-y"));
	g_assert_false(ckpt_domain_container_name_valid(""));
	g_assert_false(ckpt_domain_container_name_valid(NULL));
	g_assert_false(ckpt_domain_container_name_valid(".web"));
	g_assert_false(ckpt_domain_container_name_valid("_web"));
	g_assert_false(ckpt_domain_container_name_valid("we b"));
	g_assert_true(ckpt_domain_container_name_valid(
		"a123456789a123456789a123456789a123456789a123456789a123456789abcd"));
}

static gpointer parse_many(gpointer data)
{
	const char *xml = data;

	for (guint i = 0; i < 200; i++) {
		g_autoptr(CkptDomainConfig) c = ckpt_domain_config_parse(xml, NULL);

		g_assert_nonnull(c);
		g_assert_cmpuint(c->containers->len, ==, 2);
	}
	return NULL;
}

/* ckpt-hostd parses hook XML on worker threads. */
static void test_threads(void)
{
	g_autofree char *xml = domain_xml(vsock3, full_metadata);
	GThread *threads[4];

	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("parse", parse_many, xml);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/domain/vsock-only", test_vsock_only);
	g_test_add_func("/domain/metadata-only", test_metadata_only);
	g_test_add_func("/domain/both", test_both);
	g_test_add_func("/domain/neither", test_neither);
	g_test_add_func("/domain/vsock-auto-cid", test_vsock_auto_cid);
	g_test_add_func("/domain/bad-attributes", test_bad_attributes);
	g_test_add_func("/domain/bad-xml", test_bad_xml);
	g_test_add_func("/domain/no-external-entities", test_no_external_entities);
	g_test_add_func("/domain/other-namespaces-ignored", test_other_namespaces_ignored);
	g_test_add_func("/domain/other-prefix", test_other_prefix);
	g_test_add_func("/domain/metadata-xml-round-trip", test_metadata_xml_round_trip);
	g_test_add_func("/domain/container-names", test_container_names);
	g_test_add_func("/domain/threads", test_threads);
	return g_test_run();
}
