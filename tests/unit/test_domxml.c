/* test_domxml.c — the libvirt domain XML reader (helper/cli/domxml.c): the
 * ports a domain declares and what their interfaces say, and every way a
 * document is refused (each refusal names the bad value, in one line). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/cli/domxml.h"
#include "helper/core/field.h"

#define NS "xmlns:vmtap='urn:vmtap:libvirt:1'"

/* A domain with the given metadata and devices. */
static char *domain(const char *metadata, const char *devices)
{
	char *s;

	assert_true(asprintf(&s, "<domain type='qemu'><name>d</name>%s<devices>%s</devices>"
			     "</domain>", metadata, devices) > 0);
	return s;
}

static const char eth0[] =
	"<interface type='ethernet'><mac address='52:54:00:aa:bb:01'/>"
	"<target dev='vh0' managed='no'/><model type='virtio'/><driver queues='4'/>"
	"<mtu size='1400'/></interface>";
static const char eth1[] =
	"<interface type='ethernet'><target dev='vh1' managed='no'/></interface>";
static const char one_port[] =
	"<metadata><vmtap:net " NS "><vmtap:port dev='vh0' bridge='br0'/></vmtap:net></metadata>";

static void one_line(const char *msg)
{
	size_t i;

	assert_true(msg[0] != '\0');
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			fail_msg("message has control byte 0x%02x: \"%s\"", (unsigned char)msg[i], msg);
}

/* Runs domxml_ports on xml (freed here) and wants a failure whose one-line
 * message holds needle. */
static void refused(char *xml, bool interfaces, int want, const char *needle)
{
	struct domxml_port ports[DOMXML_MAX_PORTS];
	struct vmtap_err e = { "" };
	unsigned n = 99;
	int r;

	r = domxml_ports("test XML", xml, strlen(xml), interfaces, ports, &n, &e);
	free(xml);
	if (r >= 0)
		fail_msg("accepted; expected a refusal with \"%s\"", needle);
	if (want)
		assert_int_equal(r, want);
	assert_int_equal(n, 0);
	one_line(e.msg);
	if (!strstr(e.msg, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", e.msg, needle);
}

static unsigned ports_of(char *xml, bool interfaces, struct domxml_port *ports)
{
	struct vmtap_err e = { "" };
	unsigned n = 99;
	int r;

	r = domxml_ports("test XML", xml, strlen(xml), interfaces, ports, &n, &e);
	free(xml);
	if (r < 0)
		fail_msg("refused (%d): %s", r, e.msg);
	return n;
}

static void with_metadata(void **state)
{
	struct domxml_port p[DOMXML_MAX_PORTS];
	const uint8_t guest[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01 };

	(void)state;
	assert_int_equal(ports_of(domain(one_port, eth0), true, p), 1);
	assert_string_equal(p[0].spec.ifname, "vh0");
	assert_string_equal(p[0].spec.bridge, "br0");
	assert_int_equal(p[0].queues, 4);
	assert_int_equal(p[0].mtu, 1400);
	assert_true(p[0].has_mac);
	assert_memory_equal(p[0].mac, guest, 6);
}

static void without_metadata(void **state)
{
	struct domxml_port p[DOMXML_MAX_PORTS];

	(void)state;
	assert_int_equal(ports_of(domain("", eth0), true, p), 0);
	/* Someone else's metadata, even with a <port> of the same shape. */
	assert_int_equal(ports_of(domain("<metadata><o:net xmlns:o='urn:example:other'>"
					 "<o:port dev='vh0' bridge='br0'/></o:net></metadata>", eth0),
				  true, p), 0);
	assert_int_equal(ports_of(domain("<metadata/>", ""), true, p), 0);
	/* vmtap:net with no port: nothing declared. */
	assert_int_equal(ports_of(domain("<metadata><vmtap:net " NS "/></metadata>", ""), true, p), 0);
}

static void several_ports(void **state)
{
	struct domxml_port p[DOMXML_MAX_PORTS];
	char *xml, *devs;

	(void)state;
	/* Two <vmtap:net>s, a comment and text between ports, an ethernet
	 * interface not in the metadata (left alone), an interface of
	 * another type that no port names. */
	assert_true(asprintf(&devs, "<interface type='network'><source network='default'/>"
			     "</interface>%s%s<interface type='ethernet'><target dev='vh2' "
			     "managed='no'/><driver queues='1'/></interface><interface "
			     "type='ethernet'><target dev='other' managed='no'/></interface>",
			     eth0, eth1) > 0);
	xml = domain("<metadata><vmtap:net " NS "><vmtap:port dev='vh0' bridge='br0'/>"
		     "<!-- c --> text <vmtap:port dev='vh1' bridge='br1'/></vmtap:net>"
		     "<x:net xmlns:x='urn:vmtap:libvirt:1'><x:port dev='vh2' bridge='br0'/></x:net>"
		     "</metadata>", devs);
	free(devs);
	assert_int_equal(ports_of(xml, true, p), 3);
	assert_string_equal(p[0].spec.ifname, "vh0");
	assert_int_equal(p[0].queues, 4);
	/* The interface's MAC is the guest's: what mac_lock pins. */
	assert_true(p[0].spec.has_guest_mac);
	assert_memory_equal(p[0].spec.guest_mac, "\x52\x54\x00\xaa\xbb\x01", 6);
	assert_string_equal(p[1].spec.ifname, "vh1");
	assert_string_equal(p[1].spec.bridge, "br1");
	assert_int_equal(p[1].queues, 1); /* no <driver queues> */
	assert_int_equal(p[1].mtu, 0);    /* no <mtu>: the bridge's */
	assert_false(p[1].has_mac);
	assert_string_equal(p[2].spec.ifname, "vh2");
	assert_int_equal(p[2].queues, 1);
}

static void queues_from_driver(void **state)
{
	struct domxml_port p[DOMXML_MAX_PORTS];

	(void)state;
	assert_int_equal(ports_of(domain(one_port, "<interface type='ethernet'>"
					 "<target dev='vh0' managed='no'/><driver name='vhost' queues='64'/>"
					 "</interface>"), true, p), 1);
	assert_int_equal(p[0].queues, 64);
	assert_int_equal(ports_of(domain(one_port, "<interface type='ethernet'>"
					 "<target dev='vh0' managed='no'/><driver name='vhost'/>"
					 "</interface>"), true, p), 1);
	assert_int_equal(p[0].queues, 1);
}

/* At libvirt-hook's release the interfaces are not looked at: the
 * declared taps go whatever the devices say. */
static void ports_only(void **state)
{
	struct domxml_port p[DOMXML_MAX_PORTS];

	(void)state;
	assert_int_equal(ports_of(domain(one_port, "<interface type='bridge'>"
					 "<target dev='vh0'/><driver queues='0'/></interface>"), false, p), 1);
	assert_string_equal(p[0].spec.ifname, "vh0");
	assert_int_equal(p[0].queues, 1);
	assert_int_equal(ports_of(domain(one_port, ""), false, p), 1);
}

static void other_type(void **state)
{
	(void)state;
	refused(domain(one_port, "<interface type='bridge'><source bridge='br0'/>"
		       "<target dev='vh0' managed='no'/></interface>"), true, -EINVAL,
		"port vh0: its <interface> is type='bridge'; expected type='ethernet'");
	refused(domain(one_port, "<interface><target dev='vh0' managed='no'/></interface>"), true,
		-EINVAL, "type=''; expected type='ethernet'");
}

static void no_matching_interface(void **state)
{
	(void)state;
	refused(domain(one_port, eth1), true, -ENOENT,
		"metadata port vh0: no <interface> in <devices> has <target dev='vh0'/>");
	refused(domain(one_port, ""), true, -ENOENT, "port vh0: no <interface>");
	/* An <interface> in a namespace is not libvirt's. */
	refused(domain(one_port, "<o:interface xmlns:o='urn:x' type='ethernet'>"
		       "<target dev='vh0' managed='no'/></o:interface>"), true, -ENOENT, "vh0");
}

static void managed_not_no(void **state)
{
	(void)state;
	refused(domain(one_port, "<interface type='ethernet'><target dev='vh0' managed='yes'/>"
		       "</interface>"), true, -EINVAL, "managed='yes'>; expected managed='no'");
	refused(domain(one_port, "<interface type='ethernet'><target dev='vh0'/></interface>"),
		true, -EINVAL, "managed='(absent)'>; expected managed='no'");
	refused(domain(one_port, "<interface type='ethernet'><target dev='vh0' "
		       "managed='no-no-no-no'/></interface>"), true, -EINVAL, "managed='no-n...'");
}

static char *iface_with(const char *inner)
{
	char dev[512];

	snprintf(dev, sizeof(dev), "<interface type='ethernet'><target dev='vh0' managed='no'/>%s"
		 "</interface>", inner);
	return domain(one_port, dev);
}

static void bad_values(void **state)
{
	(void)state;
	refused(iface_with("<driver queues='0'/>"), true, -ERANGE,
		"port vh0: <driver queues>: expected 1..64, not '0'");
	refused(iface_with("<driver queues='65'/>"), true, -ERANGE, "not '65'");
	refused(iface_with("<driver queues='-1'/>"), true, -ERANGE, "not '-1'");
	refused(iface_with("<driver queues='4x'/>"), true, -ERANGE, "not '4x'");
	refused(iface_with("<driver queues=''/>"), true, -ERANGE, "not ''");
	refused(iface_with("<driver queues='99999999999999999999999999999'/>"), true, -ERANGE,
		"not '99999999999999999999...'");
	refused(iface_with("<mtu size='67'/>"), true, -ERANGE,
		"port vh0: <mtu size>: expected 68..65521, not '67'");
	refused(iface_with("<mtu size='65522'/>"), true, -ERANGE, "not '65522'");
	refused(iface_with("<mac address='zz:54:00:aa:bb:01'/>"), true, -EINVAL,
		"<mac address='zz:54:00:aa:bb:01'>: expected a unicast MAC");
	refused(iface_with("<mac address='01:00:5e:00:00:01'/>"), true, -EINVAL,
		"'01:00:5e:00:00:01'");
	/* The metadata's guest_mac may only repeat the interface's. */
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port dev='vh0' bridge='br0' "
		       "guest_mac='52:54:00:aa:bb:02'/></vmtap:net></metadata>", eth0), true,
		-EINVAL, "port vh0: guest_mac differs from the interface's <mac "
		"address='52:54:00:aa:bb:01'>");
	{
		struct domxml_port p[DOMXML_MAX_PORTS];

		assert_int_equal(ports_of(domain("<metadata><vmtap:net " NS "><vmtap:port "
						 "dev='vh0' bridge='br0' guest_mac='52:54:00:aa:bb:01'/>"
						 "</vmtap:net></metadata>", eth0), true, p), 1);
		assert_true(p[0].spec.has_guest_mac);
	}
}


/* The interface's own <bandwidth>, in libvirt's units (KiB/s, KiB), is
 * the port's limits; bad values are refused naming the attribute. */
static void bandwidth(void **state)
{
	struct domxml_port ports[DOMXML_MAX_PORTS];

	(void)state;
	assert_int_equal(ports_of(iface_with("<bandwidth><inbound average='1250' peak='2500' "
					     "burst='64'/><outbound average='125'/></bandwidth>"),
				  true, ports), 1);
	assert_int_equal(ports[0].spec.inbound.rate, 1280000);
	assert_int_equal(ports[0].spec.inbound.peak, 2560000);
	assert_int_equal(ports[0].spec.inbound.burst, 65536);
	assert_int_equal(ports[0].spec.outbound.rate, 128000);
	assert_int_equal(ports[0].spec.outbound.peak, 0);
	assert_int_equal(ports_of(iface_with("<bandwidth/>"), true, ports), 1);
	assert_int_equal(ports[0].spec.inbound.rate, 0);
	assert_int_equal(ports[0].spec.outbound.rate, 0);
	/* Without interfaces (the metadata alone) nothing is read. */
	assert_int_equal(ports_of(iface_with("<bandwidth><inbound average='1'/></bandwidth>"),
				  false, ports), 1);
	assert_int_equal(ports[0].spec.inbound.rate, 0);

	refused(iface_with("<bandwidth><inbound peak='10'/></bandwidth>"), true, -EINVAL,
		"port vh0: <bandwidth><inbound> without average");
	refused(iface_with("<bandwidth><inbound average='0'/></bandwidth>"), true, -ERANGE,
		"<bandwidth><inbound average='0'>: expected 1..976562500 (KiB/s)");
	refused(iface_with("<bandwidth><outbound average='-5'/></bandwidth>"), true, -ERANGE,
		"<outbound average='-5'>");
	refused(iface_with("<bandwidth><outbound average='99999999999999999999'/></bandwidth>"),
		true, -ERANGE, "average='99999999999999999999'>");
	refused(iface_with("<bandwidth><inbound average='100' burst='1'/></bandwidth>"), true,
		-ERANGE, "burst='1'>: expected 2..4194303 (KiB)");
	refused(iface_with("<bandwidth><inbound average='100' peak='100'/></bandwidth>"), true,
		-EINVAL, "peak='100'>: expected above average='100'");
}

static void malformed(void **state)
{
	(void)state;
	refused(strdup("<domain>\n<metadata>\n</domain>"), true, -EINVAL,
		"test XML line 3: Opening and ending tag mismatch: metadata line 2 and domain; "
		"expected well-formed domain XML");
	refused(strdup(""), true, -EINVAL, "test XML line ");
	refused(strdup("<domain>"), false, -EINVAL, "expected well-formed domain XML");
	refused(strdup("<domain/><domain/>"), false, -EINVAL, "Extra content");
	refused(strdup("<domain a='1' a='2'/>"), false, -EINVAL, "Attribute a redefined");
	/* An entity that nothing declares: not well-formed, nothing loaded. */
	refused(strdup("<domain><name>&xxe;</name></domain>"), false, -EINVAL,
		"Entity 'xxe' not defined");
	refused(strdup("<network><name>n</name></network>"), false, -EINVAL,
		"the root element is not <domain> (it is <network>)");
	/* NUL inside the buffer: libxml2 stops there. */
	{
		static const char nul[] = "<domain>\0</domain>";
		struct domxml_port p[DOMXML_MAX_PORTS];
		struct vmtap_err e = { "" };
		unsigned n;

		assert_true(domxml_ports("test XML", nul, sizeof(nul) - 1, true, p, &n, &e) < 0);
		one_line(e.msg);
		assert_non_null(strstr(e.msg, "test XML line 1"));
	}
}

static void doctype(void **state)
{
	(void)state;
	/* Billion laughs: refused at the DOCTYPE, before any entity is
	 * declared, let alone expanded. */
	refused(strdup("<?xml version='1.0'?>\n<!DOCTYPE domain [\n"
		       " <!ENTITY a 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'>\n"
		       " <!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>\n"
		       " <!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>\n"
		       " <!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'>\n"
		       "]>\n<domain><name>&d;&d;&d;&d;</name></domain>"),
		false, -EINVAL, "test XML: has a DOCTYPE; expected plain domain XML");
	/* An external entity: never fetched. */
	refused(strdup("<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
		       "<domain><name>&x;</name></domain>"), false, -EINVAL, "has a DOCTYPE");
	refused(strdup("<!DOCTYPE domain SYSTEM 'http://192.0.2.1/domain.dtd'><domain/>"), false,
		-EINVAL, "has a DOCTYPE");
	refused(strdup("<!DOCTYPE domain><domain/>"), false, -EINVAL, "has a DOCTYPE");
	/* A parameter entity in the internal subset. */
	refused(strdup("<!DOCTYPE d [<!ENTITY % p SYSTEM 'file:///etc/passwd'> %p;]><domain/>"),
		false, -EINVAL, "has a DOCTYPE");
}

static void oversize(void **state)
{
	struct domxml_port p[DOMXML_MAX_PORTS];
	struct vmtap_err e = { "" };
	size_t len = DOMXML_MAX + 1;
	char *big = malloc(len), *buf;
	unsigned n;
	int fd;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', len);
	memcpy(big, "<domain>", 8);
	memcpy(big + len - 9, "</domain>", 9);
	assert_int_equal(domxml_ports("test XML", big, len, false, p, &n, &e), -EFBIG);
	one_line(e.msg);
	assert_non_null(strstr(e.msg, "test XML is larger than 4 MiB (4194305 bytes)"));

	/* Through a file descriptor: a byte over the cap is refused, the cap
	 * itself is read. */
	fd = memfd_create("domxml", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(domxml_read_fd(fd, "stdin", &buf, &len, &e), -EFBIG);
	assert_null(buf);
	assert_non_null(strstr(e.msg, "stdin is larger than 4 MiB"));
	assert_int_equal(ftruncate(fd, DOMXML_MAX - 9), 0);
	assert_int_equal(lseek(fd, DOMXML_MAX - 9, SEEK_SET), DOMXML_MAX - 9);
	assert_int_equal(write(fd, "</domain>", 9), 9);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(domxml_read_fd(fd, "stdin", &buf, &len, &e), 0);
	assert_int_equal(len, DOMXML_MAX);
	assert_int_equal(buf[len], '\0');
	assert_int_equal(domxml_ports("stdin", buf, len, true, p, &n, &e), 0);
	assert_int_equal(n, 0);
	free(buf);
	close(fd);
	free(big);
}

static char *port_named(const char *dev, const char *bridge)
{
	char md[512];

	snprintf(md, sizeof(md), "<metadata><vmtap:net " NS "><vmtap:port dev=\"%s\" "
		 "bridge=\"%s\"/></vmtap:net></metadata>", dev, bridge);
	return domain(md, "");
}

static void bad_names(void **state)
{
	static const struct {
		const char *dev, *shown;
	} bad[] = {
		{ "vh0-much-too-long", "dev=\"vh0-much-too...\"" },
		{ "", "dev=\"\"" },
		{ "a/b", "dev=\"a/b\"" },
		{ "a:b", "dev=\"a:b\"" },
		{ "tap%d", "dev=\"tap%d\"" },
		{ "a b", "dev=\"a b\"" },
		{ "..", "dev=\"..\"" },
		{ "123", "dev=\"123\"" },
		{ "v\xc3\xa9", "dev=\"v\xc3\xa9\"" },
		/* A newline character reference: the message stays one line,
		 * the byte is shown escaped. */
		{ "a&#10;b", "dev=\"a\\x0ab\"" },
		{ "a&#9;b", "dev=\"a\\x09b\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(port_named(bad[i].dev, "br0"), false, -EINVAL, bad[i].shown);
	refused(port_named("vh0", "br/0"), false, -EINVAL,
		"metadata: port vh0: bridge=\"br/0\": expected an interface name");
	refused(port_named("vh0", ""), false, -EINVAL, "bridge=\"\"");
	refused(port_named("vh0", "bridge-name-too-long"), false, -EINVAL,
		"bridge=\"bridge-name-...\"");
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port bridge='br0'/></vmtap:net>"
		       "</metadata>", ""), false, -EINVAL, "<vmtap:port dev=\"\">");
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port dev='vh0'/></vmtap:net>"
		       "</metadata>", ""), false, -EINVAL,
		"port vh0: no bridge; expected bridge=\"BR\" (or macvtap=\"DEV\"");
}

/* A port on an uplink: macvtap= instead of bridge=, with a macvtap's mode;
 * mode='tun' is refused (libvirt opens a port as a tap or a macvtap). */
static void macvtap_port(void **state)
{
	struct domxml_port p[DOMXML_MAX_PORTS];

	(void)state;
	assert_int_equal(ports_of(domain("<metadata><vmtap:net " NS "><vmtap:port dev='mv0' "
					 "macvtap='eth0' mode='vepa'/></vmtap:net></metadata>", ""),
				  false, p), 1);
	assert_string_equal(p[0].spec.ifname, "mv0");
	assert_string_equal(p[0].spec.macvtap, "eth0");
	assert_string_equal(p[0].spec.bridge, "");
	assert_int_equal(p[0].spec.mode, NIC_MODE_VEPA);
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port dev='mv0' macvtap='eth/0'/>"
		       "</vmtap:net></metadata>", ""), false, -EINVAL,
		"metadata: port mv0: macvtap=\"eth/0\": expected an interface name");
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port dev='vh0' bridge='br0' "
		       "mode='tun'/></vmtap:net></metadata>", ""), false, -EINVAL,
		"metadata: port vh0: mode=\"tun\": libvirt opens a port as a tap");
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port dev='mv0' macvtap='eth0' "
		       "mode='bridges'/></vmtap:net></metadata>", ""), false, -EINVAL,
		"metadata: port mv0: mode=\"bridges\": expected");
}

/* The attributes of <vmtap:port> are the table's (field.h): each field
 * that claims FRONT_LIBVIRT is read from its attribute and refused with the
 * table's words when bad; an attribute of a field that does not claim it
 * is someone else's and is left alone, as before. */
static void port_attributes_from_the_table(void **state)
{
	struct domxml_port p[DOMXML_MAX_PORTS];
	char md[512], name[NIC_FIELD_NAME_MAX];
	unsigned i;

	(void)state;
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		const char *a = nic_field_name(f, FRONT_LIBVIRT, name);
		bool base = !strcmp(a, "dev") || !strcmp(a, "bridge");

		/* The tenant-network rows are read below. */
		if (f->type != NFT_NAME && (f->fronts & FRONT_LIBVIRT) &&
		    strcmp(f->key, "vlan") && strcmp(f->key, "trunk") &&
		    strcmp(f->key, "isolated") && strcmp(f->key, "mac_lock") &&
		    strcmp(f->key, "announce") && strcmp(f->key, "guest_mac") &&
		    strcmp(f->key, "mode"))
			fail_msg("%s: a non-name libvirt field needs a case here", f->key);
		if (base)
			continue;
		/* A valid value in the attribute of a field that does not claim
		 * it: the port is read as if it were not there. */
		snprintf(md, sizeof(md), "<metadata><vmtap:net " NS "><vmtap:port dev='vh0' "
			 "bridge='br0' %s='zz:9'/></vmtap:net></metadata>", a);
		if (f->fronts & FRONT_LIBVIRT)
			refused(domain(md, ""), false, -EINVAL, "zz:9");
		else
			assert_int_equal(ports_of(domain(md, ""), false, p), 1);
	}
	snprintf(md, sizeof(md), "<metadata><vmtap:net " NS "><vmtap:port dev='vh7' "
		 "bridge='br7'/></vmtap:net></metadata>");
	assert_int_equal(ports_of(domain(md, ""), false, p), 1);
	assert_string_equal(p[0].spec.ifname, "vh7");
	assert_string_equal(p[0].spec.bridge, "br7");
	assert_int_equal(p[0].spec.queues, 1); /* the rest: nic_spec_init's */
	assert_int_equal(p[0].spec.vlan, 0);
	assert_false(p[0].spec.has_isolated || p[0].spec.has_mac_lock || p[0].spec.has_announce);
	/* Tenant networks: a trunk takes ',' or ':' here. */
	snprintf(md, sizeof(md), "<metadata><vmtap:net " NS "><vmtap:port dev='vh7' "
		 "bridge='br7' vlan='10' trunk='20,30-39:4094' isolated='on' mac_lock='off'"
		 " announce='on'/>"
		 "</vmtap:net></metadata>");
	assert_int_equal(ports_of(domain(md, ""), false, p), 1);
	assert_int_equal(p[0].spec.vlan, 10);
	assert_int_equal(vlan_set_count(&p[0].spec.trunk), 12);
	assert_true(vlan_set_has(&p[0].spec.trunk, 4094));
	assert_true(p[0].spec.has_isolated && p[0].spec.isolated);
	assert_true(p[0].spec.has_mac_lock && !p[0].spec.mac_lock);
	assert_true(p[0].spec.has_announce && p[0].spec.announce);
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port dev='vh7' bridge='br7' "
		       "vlan='4095'/></vmtap:net></metadata>", ""), false, -EINVAL,
		"port vh7: vlan=\"4095\": expected 1..4094");
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port dev='vh7' bridge='br7' "
		       "isolated='yes'/></vmtap:net></metadata>", ""), false, -EINVAL,
		"port vh7: isolated=\"yes\": expected on or off");
}

static void wrong_namespace(void **state)
{
	(void)state;
	refused(domain("<metadata><vmtap:net xmlns:vmtap='urn:vmtap:libvirt:2'>"
		       "<vmtap:port dev='vh0' bridge='br0'/></vmtap:net></metadata>", eth0),
		false, -EINVAL, "<net> in namespace \"urn:vmtap:libvirt:2\"; expected namespace "
		"urn:vmtap:libvirt:1");
	refused(domain("<metadata><v:net xmlns:v='urn:vmtap:libvirt'/></metadata>", ""), false,
		-EINVAL, "\"urn:vmtap:libvirt\"");
	/* Our namespace, a wrong element. */
	refused(domain("<metadata><vmtap:nets " NS "/></metadata>", ""), false, -EINVAL,
		"<nets> in namespace urn:vmtap:libvirt:1; expected <net>");
	refused(domain("<metadata><vmtap:net " NS "><vmtap:ports dev='vh0' bridge='br0'/>"
		       "</vmtap:net></metadata>", ""), false, -EINVAL,
		"<ports> inside <vmtap:net>; expected <vmtap:port");
	/* A <port> in no namespace inside ours. */
	refused(domain("<metadata><vmtap:net " NS "><port dev='vh0' bridge='br0'/>"
		       "</vmtap:net></metadata>", ""), false, -EINVAL, "<port> inside <vmtap:net>");
}

static void duplicates_and_limits(void **state)
{
	char md[DOMXML_MAX_PORTS * 64 + 256];
	size_t o;
	int i;

	(void)state;
	refused(domain("<metadata><vmtap:net " NS "><vmtap:port dev='vh0' bridge='br0'/>"
		       "<vmtap:port dev='vh0' bridge='br1'/></vmtap:net></metadata>", ""),
		false, -EINVAL, "metadata: port vh0 is listed twice");

	o = (size_t)snprintf(md, sizeof(md), "<metadata><vmtap:net " NS ">");
	for (i = 0; i <= DOMXML_MAX_PORTS; i++)
		o += (size_t)snprintf(md + o, sizeof(md) - o,
				      "<vmtap:port dev='vh%d' bridge='br0'/>", i);
	snprintf(md + o, sizeof(md) - o, "</vmtap:net></metadata>");
	refused(domain(md, ""), false, -E2BIG, "more than 64 <vmtap:port>s");
}

/* Library code never prints: libxml2's own messages (some of which it
 * raises outside the parser context, such as a byte the declared encoding
 * cannot convert) come back in the one line, and nothing reaches stderr. */
static void nothing_printed(void **state)
{
	static const char *const bad[] = {
		"<?xml version='1.0' encoding='ISO-2022-JP'?><domain>\xd2she</domain>",
		"<?xml version='1.0' encoding='no-such-charset'?><domain/>",
		"<domain><a></b></domain>",
		"<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain>&x;</domain>",
		"<domain xmlns:v='urn:vmtap:libvirt:1'><metadata><v:net><v:port dev='\xff' "
		"bridge='br0'/></v:net></metadata></domain>",
	};
	struct domxml_port p[DOMXML_MAX_PORTS];
	struct vmtap_err e;
	unsigned n;
	size_t i;
	int saved, cap;

	(void)state;
	cap = memfd_create("stderr", MFD_CLOEXEC);
	assert_true(cap >= 0);
	saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(cap, 2), 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_true(domxml_ports("test XML", bad[i], strlen(bad[i]), true, p, &n, &e) < 0);
		one_line(e.msg);
	}
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_int_equal(lseek(cap, 0, SEEK_END), 0);
	close(cap);

	memset(&e, 0, sizeof(e));
	assert_true(domxml_ports("test XML", bad[0], strlen(bad[0]), true, p, &n, &e) < 0);
	if (!strstr(e.msg, "test XML: input conversion failed") || !strstr(e.msg, "0xD2"))
		fail_msg("message \"%s\" does not name the unconvertible byte", e.msg);
}

static void interface_text(void **state)
{
	struct vmtap_err e = { "" };
	char *devs, *all, *text;

	(void)state;
	assert_true(asprintf(&devs, "<interface type='bridge'><target dev='vnet0'/></interface>%s",
			     eth0) > 0);
	all = domain(one_port, devs);
	free(devs);
	assert_int_equal(domxml_interface("dom", all, strlen(all), "vh0", &text, &e), 0);
	assert_non_null(strstr(text, "<interface type=\"ethernet\">"));
	assert_non_null(strstr(text, "<target dev=\"vh0\" managed=\"no\"/>"));
	assert_non_null(strstr(text, "<driver queues=\"4\"/>"));
	assert_null(strstr(text, "vnet0"));
	free(text);

	assert_int_equal(domxml_interface("dom", all, strlen(all), "vh9", &text, &e), -ENOENT);
	assert_null(text);
	assert_non_null(strstr(e.msg, "no <interface> has <target dev='vh9'/>"));
	memset(&e, 0, sizeof(e));
	assert_int_equal(domxml_interface("dom", all, strlen(all), "vnet0", &text, &e), -EINVAL);
	assert_null(text);
	assert_non_null(strstr(e.msg, "the interface on vnet0 is type='bridge'"));
	memset(&e, 0, sizeof(e));
	assert_int_equal(domxml_interface("dom", "<x", 2, "vh0", &text, &e), -EINVAL);
	assert_null(text);
	one_line(e.msg);
	free(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(with_metadata),
		cmocka_unit_test(without_metadata),
		cmocka_unit_test(several_ports),
		cmocka_unit_test(queues_from_driver),
		cmocka_unit_test(ports_only),
		cmocka_unit_test(other_type),
		cmocka_unit_test(no_matching_interface),
		cmocka_unit_test(managed_not_no),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(bandwidth),
		cmocka_unit_test(malformed),
		cmocka_unit_test(doctype),
		cmocka_unit_test(oversize),
		cmocka_unit_test(bad_names),
		cmocka_unit_test(macvtap_port),
		cmocka_unit_test(port_attributes_from_the_table),
		cmocka_unit_test(wrong_namespace),
		cmocka_unit_test(duplicates_and_limits),
		cmocka_unit_test(nothing_printed),
		cmocka_unit_test(interface_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
