/* The one-of-each helpers of helper/core/: the sanitiser (err.h), the
 * monotonic clock, the user/group rule and membership test (ids.h), the
 * bad-name message (ifname.h), the host-MAC rule and the fd wire order
 * (nic.h), and the policy-file rule (filesafe.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/core/clock.h"
#include "helper/core/err.h"
#include "helper/core/filesafe.h"
#include "helper/core/ids.h"
#include "helper/core/ifname.h"
#include "helper/core/nic.h"

/* ---- vmtap_show ------------------------------------------------------- */

static void show_escapes_controls_and_keeps_text(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(vmtap_show(out, sizeof(out), "a\nb\x1b[31m\x7f", SIZE_MAX, 0),
			    "a\\x0ab\\x1b[31m\\x7f");
	/* UTF-8 C1 (U+009B, CSI) escaped; other UTF-8 kept without the flag. */
	assert_string_equal(vmtap_show(out, sizeof(out), "x\xc2\x9by \xc3\xa9", SIZE_MAX, 0),
			    "x\\xc2\\x9by \xc3\xa9");
	/* Quotes and backslashes stay as they are in a whole line. */
	assert_string_equal(vmtap_show(out, sizeof(out), "say \"hi\" \\", SIZE_MAX, 0),
			    "say \"hi\" \\");
	assert_string_equal(vmtap_show(out, sizeof(out), NULL, 0, 0), "(null)");
}

static void show_token_escapes_quotes_and_non_ascii(void **state)
{
	char out[VMTAP_SHOW_CAP];

	(void)state;
	assert_string_equal(VMTAP_SHOW_TOKEN(out, "a\"b\\c"), "a\\x22b\\x5cc");
	/* "br" + Cyrillic a: a look-alike must show as what it is. */
	assert_string_equal(VMTAP_SHOW_TOKEN(out, "br\xd0\xb0"), "br\\xd0\\xb0");
}

static void show_stops_at_len_and_cuts_whole(void **state)
{
	char out[12];

	(void)state;
	/* len bounds the input even without a NUL. */
	assert_string_equal(vmtap_show(out, sizeof(out), "abcdef", 3, 0), "abc");
	/* Exactly fits: no "...". */
	assert_string_equal(vmtap_show(out, sizeof(out), "abcdefghijk", SIZE_MAX, 0),
			    "abcdefghijk");
	/* One more: cut, with room for "..." and the NUL. */
	assert_string_equal(vmtap_show(out, sizeof(out), "abcdefghijkl", SIZE_MAX, 0),
			    "abcdefgh...");
	/* An escape is shown whole or not at all. */
	assert_string_equal(vmtap_show(out, sizeof(out), "abcdef\n\n\n", SIZE_MAX, 0),
			    "abcdef...");
}

static void text_clean_is_the_same_rule(void **state)
{
	(void)state;
	assert_true(vmtap_text_clean("/etc/qemu/a b\xc3\xa9.conf", SIZE_MAX));
	assert_false(vmtap_text_clean("/etc/a\nb", SIZE_MAX));
	assert_false(vmtap_text_clean("/etc/\x7f", SIZE_MAX));
	assert_false(vmtap_text_clean("/etc/\xc2\x85", SIZE_MAX));
	assert_true(vmtap_text_clean("ab\n", 2)); /* len bounds it */
}

static void fail_message_goes_through_show(void **state)
{
	struct vmtap_err err = { "" };

	(void)state;
	assert_int_equal(vmtap_fail(&err, -EINVAL, "bad \"%s\"", "x\ny"), -EINVAL);
	assert_string_equal(err.msg, "bad \"x\\x0ay\"");
}

/* ---- mono_ms ---------------------------------------------------------- */

static void mono_ms_never_goes_back(void **state)
{
	uint64_t a, b;

	(void)state;
	a = mono_ms();
	b = mono_ms();
	assert_true(b >= a);
	assert_true(a > 0);
}

/* ---- ids --------------------------------------------------------------- */

static void id_resolve_names_then_numbers(void **state)
{
	struct vmtap_err err = { "" };
	unsigned id = 7;

	(void)state;
	/* root and its group exist on every system the tests run on. */
	assert_int_equal(id_resolve(false, "root", &id, &err), 0);
	assert_int_equal(id, 0);
	assert_int_equal(id_resolve(true, "root", &id, &err), 0);
	assert_int_equal(id, 0);
	/* A number no account has is still an id. */
	assert_int_equal(id_resolve(false, "4000123", &id, &err), 0);
	assert_int_equal(id, 4000123);
	assert_int_equal(id_resolve(true, "0", &id, &err), 0);
	assert_int_equal(id, 0);
	/* (uid_t)-1 is "no change", never an id. */
	assert_int_equal(id_resolve(false, "4294967295", &id, &err), -ENOENT);
	assert_string_equal(err.msg, "no user \"4294967295\"; expected a user name or a numeric uid");
	err.msg[0] = '\0';
	assert_int_equal(id_resolve(true, "no-such-group-vmtap\n", &id, &err), -ENOENT);
	assert_string_equal(err.msg, "no group \"no-such-group-vmtap\\x0a\"; expected a group "
			    "name or a numeric gid");
}

static void id_in_groups_primary_or_supplementary(void **state)
{
	const gid_t sup[] = { 10, 20, 30 };

	(void)state;
	assert_true(id_in_groups(5, 5, NULL, 0));
	assert_true(id_in_groups(30, 5, sup, 3));
	assert_false(id_in_groups(31, 5, sup, 3));
	assert_false(id_in_groups(30, 5, sup, 2)); /* n bounds the list */
	assert_true(id_self_in_group((uint32_t)getegid()));
}

/* ---- ifname_check_err -------------------------------------------------- */

static void ifname_message_is_one_wording(void **state)
{
	struct vmtap_err err = { "" };

	(void)state;
	assert_int_equal(ifname_check_err("br0", "bridge name", &err), 0);
	assert_string_equal(err.msg, "");
	assert_int_equal(ifname_check_err("a/b", NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "bad interface name \"a/b\"; expected " IFNAME_EXPECTED);
	err.msg[0] = '\0';
	assert_int_equal(ifname_check_err("x\n\"", "--dev", &err), -EINVAL);
	assert_string_equal(err.msg, "bad --dev \"x\\x0a\\x22\"; expected " IFNAME_EXPECTED);
}

/* ---- nic_host_mac, nic_fds_flatten / nic_fds_take ---------------------- */

static void host_mac_is_fe_and_last_five(void **state)
{
	const uint8_t guest[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	uint8_t mac[6], same[6] = { 1, 2, 3, 4, 5, 6 };

	(void)state;
	nic_host_mac(mac, guest);
	assert_memory_equal(mac, "\xfe\x54\x00\x12\x34\x56", 6);
	nic_host_mac(same, same); /* in place */
	assert_memory_equal(same, "\xfe\x02\x03\x04\x05\x06", 6);
}

/* The tap's MAC: mac when given, else fe + guest_mac's last five, else
 * none (the caller picks one at random). */
static void spec_tap_mac(void **state)
{
	struct nic_spec s;
	uint8_t mac[6];

	(void)state;
	nic_spec_init(&s);
	assert_false(nic_spec_tap_mac(&s, mac));
	s.has_guest_mac = true;
	memcpy(s.guest_mac, "\x52\x54\x00\x12\x34\x56", 6);
	assert_true(nic_spec_tap_mac(&s, mac));
	assert_memory_equal(mac, "\xfe\x54\x00\x12\x34\x56", 6);
	s.has_mac = true;
	memcpy(s.mac, "\x02\x00\x00\x00\x00\x07", 6);
	assert_true(nic_spec_tap_mac(&s, mac));
	assert_memory_equal(mac, "\x02\x00\x00\x00\x00\x07", 6);
}

static void fds_flatten_and_take_are_inverse(void **state)
{
	struct nic a, b;
	int fds[NIC_FDS_MAX];
	unsigned n;

	(void)state;
	nic_init(&a);
	a.queues = 3;
	a.nvhost = 3;
	a.tapfd[0] = 10, a.tapfd[1] = 11, a.tapfd[2] = 12;
	a.vhostfd[0] = 20, a.vhostfd[1] = 21, a.vhostfd[2] = 22;
	n = nic_fds_flatten(&a, fds);
	assert_int_equal(n, 6);
	assert_memory_equal(fds, ((int[]){ 10, 11, 12, 20, 21, 22 }), sizeof(int) * 6);
	nic_init(&b);
	b.queues = 3;
	b.nvhost = 3;
	nic_fds_take(&b, fds);
	assert_memory_equal(b.tapfd, a.tapfd, sizeof(int) * 3);
	assert_memory_equal(b.vhostfd, a.vhostfd, sizeof(int) * 3);
	a.nvhost = 0; /* vhost off: taps only */
	assert_int_equal(nic_fds_flatten(&a, fds), 3);
}

/* ---- file_safe_check ---------------------------------------------------- */

static enum file_fault judge(const char *path, int *r, struct vmtap_err *err)
{
	enum file_fault why = FILE_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	assert_true(fd >= 0);
	err->msg[0] = '\0';
	*r = file_safe_check(fd, path, NULL, &why, err);
	close(fd);
	return why;
}

static void file_rule_root_owned_not_writable(void **state)
{
	char dir[] = "/tmp/vmtap-test-shared-XXXXXX", path[64];
	struct vmtap_err err = { "" };
	int fd, r;

	(void)state;
	if (geteuid() != 0) {
		skip(); /* chown to root needs root */
		return;
	}
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(judge(path, &r, &err), FILE_OK);
	assert_int_equal(r, 0);

	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(judge(path, &r, &err), FILE_WRITABLE);
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(err.msg, "writable by group or others (mode 0664)"));

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chown(path, 1, 0), 0);
	assert_int_equal(judge(path, &r, &err), FILE_NOT_ROOT);
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(err.msg, "owned by uid 1"));

	assert_int_equal(judge(dir, &r, &err), FILE_NOT_REGULAR);
	assert_int_equal(r, -EINVAL);
	/* root-owned, read-only, and its text is the process's to choose. */
	assert_int_equal(judge("/proc/self/cmdline", &r, &err), FILE_PSEUDO_FS);
	assert_int_equal(r, -EPERM);

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(show_escapes_controls_and_keeps_text),
		cmocka_unit_test(show_token_escapes_quotes_and_non_ascii),
		cmocka_unit_test(show_stops_at_len_and_cuts_whole),
		cmocka_unit_test(text_clean_is_the_same_rule),
		cmocka_unit_test(fail_message_goes_through_show),
		cmocka_unit_test(mono_ms_never_goes_back),
		cmocka_unit_test(id_resolve_names_then_numbers),
		cmocka_unit_test(id_in_groups_primary_or_supplementary),
		cmocka_unit_test(ifname_message_is_one_wording),
		cmocka_unit_test(host_mac_is_fe_and_last_five),
		cmocka_unit_test(spec_tap_mac),
		cmocka_unit_test(fds_flatten_and_take_are_inverse),
		cmocka_unit_test(file_rule_root_owned_not_writable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
