/* Checked number and MAC parsers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helper/core/parse.h"

static void numbers_in_range(void **state)
{
	unsigned long v = 0;

	(void)state;
	assert_int_equal(parse_uint("4", 1, 64, &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(parse_uint("64", 1, 64, &v), 0);
	assert_int_equal(parse_uint("65", 1, 64, &v), -ERANGE);
	assert_int_equal(parse_uint("0", 1, 64, &v), -ERANGE);
	assert_int_equal(parse_uint("99999999999999999999999", 0, ~0UL, &v), -ERANGE);
}

static void numbers_malformed(void **state)
{
	unsigned long v = 7;

	(void)state;
	assert_int_equal(parse_uint("", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("3x", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_uint(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on error */
}

static void macs(void **state)
{
	uint8_t m[6];
	char buf[18];

	(void)state;
	assert_int_equal(parse_mac("fe:54:00:12:34:5A", m), 0);
	assert_string_equal(format_mac(m, buf), "fe:54:00:12:34:5a");
	assert_int_equal(parse_mac("01:00:5e:00:00:01", m), -EINVAL); /* multicast */
	assert_int_equal(parse_mac("00:00:00:00:00:00", m), -EINVAL);
	assert_int_equal(parse_mac("fe:54:00:12:34", m), -EINVAL);
	assert_int_equal(parse_mac("fe:54:00:12:34:56:78", m), -EINVAL);
	assert_int_equal(parse_mac("fe-54-00-12-34-56", m), -EINVAL);
	assert_int_equal(parse_mac("fe:54:00:12:34:5g", m), -EINVAL);
	assert_int_equal(parse_mac("fe:5:00:12:34:56", m), -EINVAL);
	assert_int_equal(parse_mac("", m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_in_range),
		cmocka_unit_test(numbers_malformed),
		cmocka_unit_test(macs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
