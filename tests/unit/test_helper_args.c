/* vmtap-bridge-helper's command line: QEMU's form, the extensions, and
 * every way it can be wrong (each error names the bad value). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helper/bridge-helper/args.h"

#define ARGV(...) ((char *[]){ "vmtap-bridge-helper", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "x", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(a, e, ...) helper_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), a, e)

static void qemu_form_any_order(void **state)
{
	struct helper_args a;
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(PARSE(&a, &e, "--use-vnet", "--fd=5", "--br=br0"), 0);
	assert_string_equal(a.spec.bridge, "br0");
	assert_int_equal(a.fd, 5);
	assert_true(a.use_vnet);
	assert_true(a.spec.vnet_hdr);
	assert_false(a.extended);
	assert_int_equal(a.spec.queues, 1);
	assert_int_equal(a.spec.vhost, VHOST_OFF); /* QEMU opens vhost itself */

	assert_int_equal(PARSE(&a, &e, "--br=br1", "--fd=3"), 0);
	assert_false(a.spec.vnet_hdr);
	assert_int_equal(PARSE(&a, &e, "--br", "br1", "--fd", "7", "--use-vnet"), 0);
	assert_int_equal(a.fd, 7);
	assert_string_equal(a.spec.bridge, "br1");
}

static void expect_error(const char *needle, int rc, struct vmtap_err *e)
{
	assert_true(rc < 0);
	if (!strstr(e->msg, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", e->msg, needle);
	memset(e, 0, sizeof(*e));
}

static void extensions(void **state)
{
	struct helper_args a;
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(PARSE(&a, &e, "--br=br0", "--fd=4", "--queues=4", "--vhost=on",
			       "--mac=fe:00:00:00:00:01", "--mtu=9000", "--ifname=vm1",
			       "--qdisc=default"), 0);
	assert_true(a.extended);
	assert_int_equal(a.spec.queues, 4);
	assert_int_equal(a.spec.vhost, VHOST_ON);
	assert_true(a.spec.has_mac);
	assert_int_equal(a.spec.mac[5], 1);
	assert_int_equal(a.spec.mtu, 9000);
	assert_string_equal(a.spec.ifname, "vm1");
	assert_int_equal(a.spec.qdisc, QDISC_KERNEL);
	assert_true(a.spec.vnet_hdr);

	assert_int_equal(PARSE(&a, &e, "--br=br0", "--fd=4", "--queues=2"), 0);
	assert_int_equal(a.spec.vhost, VHOST_AUTO); /* the extension's default */
	assert_int_equal(a.spec.qdisc, QDISC_NOQUEUE);
}


/* QEMU's form for a macvtap: -netdev tap,helper="HELPER --macvtap=DEV --br="
 * (QEMU adds --br=br0 unless the command has "--br="): QEMU's one byte and
 * one fd, so not the extended reply; "--br=" only with --macvtap. */
static void macvtap_qemu_form(void **state)
{
	struct helper_args a;
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(PARSE(&a, &e, "--macvtap=veth0", "--br=", "--use-vnet", "--fd=5"), 0);
	assert_string_equal(a.spec.macvtap, "veth0");
	assert_string_equal(a.spec.bridge, "");
	assert_false(a.extended);
	assert_int_equal(a.spec.queues, 1);
	assert_int_equal(a.spec.vhost, VHOST_OFF);
	assert_true(a.spec.vnet_hdr);
	assert_int_equal(PARSE(&a, &e, "--macvtap=veth0", "--mode=vepa", "--mac=52:54:00:00:00:01",
			       "--br", "", "--fd=5"), 0);
	assert_false(a.extended);
	assert_int_equal(a.spec.mode, NIC_MODE_VEPA);
	assert_true(a.spec.has_mac);
	/* A tap's MAC is an extension, as it always was. */
	assert_int_equal(PARSE(&a, &e, "--br=br0", "--mac=fe:00:00:00:00:01", "--fd=5"), 0);
	assert_true(a.extended);
	/* vmtap exec's form: extended, as any other extension makes it. */
	assert_int_equal(PARSE(&a, &e, "--macvtap=veth0", "--fd=5", "--queues=2"), 0);
	assert_true(a.extended);
	expect_error("--br=: expected a bridge name (empty only with --macvtap=DEV)",
		     PARSE(&a, &e, "--br=", "--fd=5"), &e);
	expect_error("--br given twice", PARSE(&a, &e, "--macvtap=veth0", "--br=", "--br=",
						 "--fd=5"), &e);
}

static void bad_fd_values(void **state)
{
	struct helper_args a;
	struct vmtap_err e = { "" };

	(void)state;
	expect_error("--fd=-1", PARSE(&a, &e, "--br=br0", "--fd=-1"), &e);
	expect_error("--fd=2", PARSE(&a, &e, "--br=br0", "--fd=2"), &e);
	expect_error("--fd=0", PARSE(&a, &e, "--br=br0", "--fd=0"), &e);
	expect_error("--fd=3x", PARSE(&a, &e, "--br=br0", "--fd=3x"), &e);
	expect_error("--fd=", PARSE(&a, &e, "--br=br0", "--fd="), &e);
	expect_error("--fd=99999999999", PARSE(&a, &e, "--br=br0", "--fd=99999999999"), &e);
	/* A large number is a well-formed fd number; that it is no open
	 * AF_UNIX socket is found later (priv_check_unix_fd, tested for
	 * real in the integration test). */
	assert_int_equal(PARSE(&a, &e, "--br=br0", "--fd=99999"), 0);
	assert_int_equal(a.fd, 99999);
	expect_error("missing --fd", PARSE(&a, &e, "--br=br0"), &e);
}

static void bad_names(void **state)
{
	struct helper_args a;
	struct vmtap_err e = { "" };

	(void)state;
	expect_error("--br=br0:1", PARSE(&a, &e, "--br=br0:1", "--fd=3"), &e);
	expect_error("--br=abcdefghijklmnop", PARSE(&a, &e, "--br=abcdefghijklmnop", "--fd=3"), &e);
	expect_error("--br=a/b", PARSE(&a, &e, "--br=a/b", "--fd=3"), &e);
	expect_error("--br=..", PARSE(&a, &e, "--br=..", "--fd=3"), &e);
	expect_error("--br=123", PARSE(&a, &e, "--br=123", "--fd=3"), &e);
	expect_error("--ifname=x y", PARSE(&a, &e, "--br=br0", "--fd=3", "--ifname=x y"), &e);
	expect_error("missing --br", PARSE(&a, &e, "--fd=3"), &e);
	expect_error("--br: missing value", PARSE(&a, &e, "--fd=3", "--br"), &e);
	expect_error("--br: missing value", PARSE(&a, &e, "--br", "--fd=3"), &e);
}

static void bad_extension_values(void **state)
{
	struct helper_args a;
	struct vmtap_err e = { "" };

	(void)state;
	expect_error("--queues=0", PARSE(&a, &e, "--br=b", "--fd=3", "--queues=0"), &e);
	expect_error("--queues=65", PARSE(&a, &e, "--br=b", "--fd=3", "--queues=65"), &e);
	expect_error("--queues=100000", PARSE(&a, &e, "--br=b", "--fd=3", "--queues=100000"), &e);
	expect_error("--queues=two", PARSE(&a, &e, "--br=b", "--fd=3", "--queues=two"), &e);
	expect_error("--vhost=yes", PARSE(&a, &e, "--br=b", "--fd=3", "--vhost=yes"), &e);
	expect_error("--mtu=67", PARSE(&a, &e, "--br=b", "--fd=3", "--mtu=67"), &e);
	expect_error("--mac=01:00:00:00:00:01",
		     PARSE(&a, &e, "--br=b", "--fd=3", "--mac=01:00:00:00:00:01"), &e);
	expect_error("--qdisc=fq", PARSE(&a, &e, "--br=b", "--fd=3", "--qdisc=fq"), &e);
}

static void bad_shapes(void **state)
{
	struct helper_args a;
	struct vmtap_err e = { "" };

	(void)state;
	expect_error("unknown argument \"--bridge=br0\"", PARSE(&a, &e, "--bridge=br0", "--fd=3"), &e);
	expect_error("unknown argument \"--b=br0\"", PARSE(&a, &e, "--b=br0", "--fd=3"), &e);
	expect_error("unknown argument \"br0\"", PARSE(&a, &e, "br0"), &e);
	expect_error("--br given twice", PARSE(&a, &e, "--br=a", "--br=b", "--fd=3"), &e);
	expect_error("--use-vnet takes no value",
		     PARSE(&a, &e, "--use-vnet=1", "--br=a", "--fd=3"), &e);
}

static void help_and_version_need_nothing_else(void **state)
{
	struct helper_args a;
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(PARSE(&a, &e, "--help"), 0);
	assert_true(a.help);
	assert_int_equal(PARSE(&a, &e, "--version"), 0);
	assert_true(a.version);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qemu_form_any_order),
		cmocka_unit_test(extensions),
		cmocka_unit_test(macvtap_qemu_form),
		cmocka_unit_test(bad_fd_values),
		cmocka_unit_test(bad_names),
		cmocka_unit_test(bad_extension_values),
		cmocka_unit_test(bad_shapes),
		cmocka_unit_test(help_and_version_need_nothing_else),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
