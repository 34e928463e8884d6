/* vmtap exec's --nic SPEC: every key, bad values, duplicates. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helper/cli/nic-opt.h"

static void bare_bridge(void **state)
{
	struct nic_opt o;
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(nic_opt_parse("br0", &o, &e), 0);
	assert_string_equal(o.spec.bridge, "br0");
	assert_int_equal(o.spec.queues, 1);
	assert_int_equal(o.spec.vhost, VHOST_AUTO);
	assert_int_equal(o.spec.qdisc, QDISC_NOQUEUE);
	assert_string_equal(o.model, "virtio-net-pci");
	assert_string_equal(o.id, "");
	assert_false(o.queues_auto);
	assert_false(o.has_guest_mac);
}

static void every_key(void **state)
{
	struct nic_opt o;
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(nic_opt_parse("bridge=br1,id=lan,queues=4,vhost=off,mac=52:54:00:01:02:03,"
				       "mtu=9000,model=e1000,qdisc=default", &o, &e), 0);
	assert_string_equal(o.spec.bridge, "br1");
	assert_string_equal(o.id, "lan");
	assert_int_equal(o.spec.queues, 4);
	assert_int_equal(o.spec.vhost, VHOST_OFF);
	assert_true(o.has_guest_mac);
	assert_memory_equal(o.guest_mac, "\x52\x54\x00\x01\x02\x03", 6);
	assert_int_equal(o.spec.mtu, 9000);
	assert_string_equal(o.model, "e1000");
	assert_int_equal(o.spec.qdisc, QDISC_KERNEL);

	assert_int_equal(nic_opt_parse("br0,queues=auto,vhost=on", &o, &e), 0);
	assert_string_equal(o.spec.bridge, "br0");
	assert_true(o.queues_auto);
	assert_int_equal(o.spec.vhost, VHOST_ON);
}

static void macs_guest_and_tap(void **state)
{
	struct nic_opt o;
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(nic_opt_parse("br0,mac=52:54:00:aa:bb:cc", &o, &e), 0);
	assert_int_equal(nic_opt_fill_macs(&o), 0);
	assert_memory_equal(o.spec.mac, "\xfe\x54\x00\xaa\xbb\xcc", 6);
	assert_true(o.spec.has_mac);
	/* The spec carries the guest's MAC too (what mac_lock pins). */
	assert_true(o.spec.has_guest_mac);
	assert_memory_equal(o.spec.guest_mac, "\x52\x54\x00\xaa\xbb\xcc", 6);

	assert_int_equal(nic_opt_parse("br0", &o, &e), 0);
	assert_int_equal(nic_opt_fill_macs(&o), 0);
	assert_memory_equal(o.guest_mac, "\x52\x54\x00", 3);
	assert_int_equal(o.spec.mac[0], 0xfe);
	assert_memory_equal(o.spec.mac + 1, o.guest_mac + 1, 5);
}

static void expect_error(const char *spec, const char *needle)
{
	struct nic_opt o;
	struct vmtap_err e = { "" };

	assert_true(nic_opt_parse(spec, &o, &e) < 0);
	if (!strstr(e.msg, needle))
		fail_msg("spec \"%s\": message \"%s\" does not contain \"%s\"", spec, e.msg, needle);
}

static void bad_values(void **state)
{
	(void)state;
	expect_error("", "empty NIC spec");
	expect_error("br0:1", "bridge=br0:1");
	expect_error("bridge=abcdefghijklmnop", "bridge=abcdefghijklmnop");
	expect_error("br0,queues=0", "queues=0: expected 1..64 or auto");
	expect_error("br0,queues=100000", "queues=100000");
	expect_error("br0,queues=-1", "queues=-1");
	expect_error("br0,vhost=yes", "vhost=yes: expected on, off or auto");
	expect_error("br0,mac=ff:ff:ff:ff:ff:ff", "mac=ff:ff:ff:ff:ff:ff");
	expect_error("br0,mac=52:54:00", "mac=52:54:00");
	expect_error("br0,mtu=67", "mtu=67");
	expect_error("br0,mtu=1e3", "mtu=1e3");
	expect_error("br0,model=virtio-net-pci,x=1", "unknown key \"x\"");
	expect_error("br0,model=e1000=x", "model=e1000=x");
	expect_error("br0,id=1net", "id=1net");
	expect_error("br0,id=a,b", "\"b\" is not KEY=VALUE");
	expect_error("br0,qdisc=fq", "qdisc=fq");
	expect_error("br0,", "empty field");
	expect_error("br0,,queues=2", "empty field");
	expect_error(",br0", "empty field");
	expect_error("queues=2", "no bridge");
	expect_error("br0,speed=10", "unknown key \"speed\"");
}

static void duplicates(void **state)
{
	(void)state;
	expect_error("br0,queues=2,queues=4", "queues given twice");
	expect_error("bridge=br0,bridge=br1", "bridge given twice");
	expect_error("br0,bridge=br1", "bridge given twice");
	expect_error("br0,mac=52:54:00:00:00:01,mac=52:54:00:00:00:02", "mac given twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bare_bridge),
		cmocka_unit_test(every_key),
		cmocka_unit_test(macs_guest_and_tap),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(duplicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
