/* The one interface-name validator: what it must reject, never truncate. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper/core/ifname.h"

static void accepts_ordinary_names(void **state)
{
	(void)state;
	assert_int_equal(ifname_check("br0"), 0);
	assert_int_equal(ifname_check("vmt1a2b3c4d"), 0);
	assert_int_equal(ifname_check("a"), 0);
	assert_int_equal(ifname_check("br-lan_1.10"), 0);
	assert_int_equal(ifname_check("0x1"), 0);
}

static void length_limit_is_15_bytes(void **state)
{
	(void)state;
	assert_int_equal(ifname_check("abcdefghijklmno"), 0);                       /* 15 */
	assert_int_equal(ifname_check("abcdefghijklmnop"), -EINVAL);                /* 16 */
	assert_int_equal(ifname_check("abcdefghijklmnopqrstuvwxyzabcdefghijklmn"), -EINVAL); /* 40 */
	assert_int_equal(ifname_check(""), -EINVAL);
	assert_int_equal(ifname_check(NULL), -EINVAL);
}

static void rejects_path_and_alias_characters(void **state)
{
	(void)state;
	assert_int_equal(ifname_check("a/b"), -EINVAL);
	assert_int_equal(ifname_check("br0:1"), -EINVAL);
	assert_int_equal(ifname_check("tap%d"), -EINVAL);
	assert_int_equal(ifname_check("."), -EINVAL);
	assert_int_equal(ifname_check(".."), -EINVAL);
	assert_int_equal(ifname_check("..."), 0); /* odd but harmless */
}

static void rejects_all_digit_names(void **state)
{
	(void)state;
	assert_int_equal(ifname_check("123"), -EINVAL);
	assert_int_equal(ifname_check("0"), -EINVAL);
}

static void rejects_whitespace_control_and_non_ascii(void **state)
{
	(void)state;
	assert_int_equal(ifname_check("br 0"), -EINVAL);
	assert_int_equal(ifname_check(" br0"), -EINVAL);
	assert_int_equal(ifname_check("br0\t"), -EINVAL);
	assert_int_equal(ifname_check("br0\n"), -EINVAL);
	assert_int_equal(ifname_check("br\x7f"), -EINVAL);
	assert_int_equal(ifname_check("br\xc3\xa9"), -EINVAL);      /* UTF-8 e-acute */
	assert_int_equal(ifname_check("\xe2\x82\xac"), -EINVAL);    /* UTF-8 euro sign */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_ordinary_names),
		cmocka_unit_test(length_limit_is_15_bytes),
		cmocka_unit_test(rejects_path_and_alias_characters),
		cmocka_unit_test(rejects_all_digit_names),
		cmocka_unit_test(rejects_whitespace_control_and_non_ascii),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
