/* An outbound limit's IFB (bridge/ifb.h): its name is a valid interface
 * name for every ifindex and never one vmtap gives a tap; its mark is read
 * back exactly, and anything else is no mark (nothing is deleted for it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bridge/ifb.h"
#include "helper/core/ifname.h"
#include "helper/core/tap.h"

static void name_fits_every_ifindex(void **state)
{
	static const int idx[] = { 1, 9, 10, 4096, 99999999, 999999999, 2147483647 };
	char name[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		ifb_name(idx[i], name);
		assert_int_equal(strncmp(name, IFB_NAME_PREFIX, strlen(IFB_NAME_PREFIX)), 0);
		assert_true(ifname_valid(name));
		assert_false(tap_name_is_chosen(name));
	}
	ifb_name(2147483647, name);
	assert_string_equal(name, "vmtib2147483647");
}

static void mark_read_back(void **state)
{
	char tap[16];
	int idx = 0;

	(void)state;
	assert_true(ifb_mark_owner("vmtap:ifb:12:vmt0a1b2c3d", &idx, tap));
	assert_int_equal(idx, 12);
	assert_string_equal(tap, "vmt0a1b2c3d");
	assert_true(ifb_mark_owner("vmtap:ifb:2147483647:vm1-net0", &idx, tap));
	assert_int_equal(idx, 2147483647);
}

static void not_a_mark(void **state)
{
	static const char *const bad[] = {
		"", "vmtap", "vmtap:ifb:", "vmtap:ifb:12", "vmtap:ifb:12:", "vmtap:ifb:0:tap0",
		"vmtap:ifb:-1:tap0", "vmtap:ifb:012:tap0", "vmtap:ifb:2147483648:tap0",
		"vmtap:ifb:x:tap0", "vmtap:ifb:12:a/b", "vmtap:ifb:12:abcdefghijklmnop",
		"vmtap:ifb:12:123", "vmtap:macvtap:12:34", "VMTAP:ifb:12:tap0", " vmtap:ifb:12:tap0",
	};
	char tap[16];
	int idx;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ifb_mark_owner(bad[i], &idx, tap))
			fail_msg("\"%s\" taken for a mark", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_fits_every_ifindex),
		cmocka_unit_test(mark_read_back),
		cmocka_unit_test(not_a_mark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
