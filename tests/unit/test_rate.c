/* Bandwidth limits (helper/core/rate.c): tc's units and their values,
 * the refusals (no unit, zero, negative, overflow, peak not above rate,
 * burst out of range) with the part they name, and format round trips. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helper/core/rate.h"

static void ok(const char *s, uint64_t rate, uint64_t peak, uint64_t burst)
{
	struct vmtap_err e = { "" };
	struct nic_rate r;

	if (nic_rate_parse(s, &r, &e) < 0)
		fail_msg("%s refused: %s", s, e.msg);
	if (r.rate != rate || r.peak != peak || r.burst != burst)
		fail_msg("%s: %llu:%llu:%llu, expected %llu:%llu:%llu", s,
			 (unsigned long long)r.rate, (unsigned long long)r.peak,
			 (unsigned long long)r.burst, (unsigned long long)rate,
			 (unsigned long long)peak, (unsigned long long)burst);
}

static void refused(const char *s, int want, const char *words)
{
	struct vmtap_err e = { "" };
	struct nic_rate r = { 7, 7, 7 };

	assert_int_equal(nic_rate_parse(s, &r, &e), want);
	if (!strstr(e.msg, words))
		fail_msg("%s: \"%s\" lacks \"%s\"", s, e.msg, words);
	assert_int_equal(r.rate, 7); /* untouched on refusal */
}

static void units(void **state)
{
	(void)state;
	ok("10mbit", 1250000, 0, 0);
	ok("10MBIT", 1250000, 0, 0);      /* any case, as tc */
	ok("100kbit", 12500, 0, 0);
	ok("1gbit", 125000000, 0, 0);
	ok("1tbit", 125000000000ULL, 0, 0);
	ok("1kibit", 128, 0, 0);
	ok("1mibit", 131072, 0, 0);
	ok("8bit", 1, 0, 0);
	ok("1bps", 1, 0, 0);
	ok("1kbps", 1000, 0, 0);          /* tc's kbps: kilobytes/s */
	ok("1KiBps", 1024, 0, 0);
	ok("2.5mbit", 312500, 0, 0);
	ok("0.5gbit", 62500000, 0, 0);
	ok("12bit", 1, 0, 0);             /* rounds down to whole bytes/s */
	ok("8tbit", 1000000000000ULL, 0, 0);
	ok("10mbit:20mbit", 1250000, 2500000, 0);
	ok("10mbit:20mbit:64kb", 1250000, 2500000, 65536);
	ok("10mbit::64kb", 1250000, 0, 65536);
	ok("10mbit::3000", 1250000, 0, 3000); /* a bare size is bytes, as tc */
	ok("10mbit::1m", 1250000, 0, 1048576);
	ok("10mbit::512kbit", 1250000, 0, 65536);
	ok("10mbit::4095m", 1250000, 0, 4095ULL << 20);
}

static void refusals(void **state)
{
	(void)state;
	refused("10", -EINVAL, "has no unit");
	refused("", -EINVAL, "rate  is not a number");
	refused("mbit", -EINVAL, "is not a number");
	refused("-10mbit", -EINVAL, "rate -10mbit");
	refused("+10mbit", -EINVAL, "rate +10mbit");
	refused(" 10mbit", -EINVAL, "is not a number");
	refused("10 mbit", -EINVAL, "is not a number");
	refused("10mbits", -EINVAL, "is not a number");
	refused("1.mbit", -EINVAL, "is not a number");
	refused("0mbit", -ERANGE, "above zero");
	refused("0.0001bit", -ERANGE, "above zero");
	refused("7bit", -ERANGE, "above zero");
	refused("9tbit", -ERANGE, "at most 8tbit");
	refused("99999999999999999999bit", -ERANGE, "at most 8tbit");
	refused("18446744073709551615tbps", -ERANGE, "at most 8tbit");
	refused("10mbit:10mbit", -EINVAL, "peak 10mbit: expected above the rate 10mbit");
	refused("10mbit:5mbit", -EINVAL, "above the rate");
	refused("10mbit:0mbit", -ERANGE, "peak 0mbit");
	refused("10mbit:20", -EINVAL, "peak 20 has no unit");
	refused("10mbit::1kb", -ERANGE, "burst 1kb: expected 2kb..4gb");
	refused("10mbit::4g", -ERANGE, "burst 4g");
	refused("10mbit::99999999999999999999", -ERANGE, "burst");
	refused("10mbit::64parsecs", -EINVAL, "burst 64parsecs: expected a size");
	refused("10mbit::", -EINVAL, "burst : expected a size");
	refused("10mbit:20mbit:64kb:1", -EINVAL, "too many ':'");
	refused(":20mbit", -EINVAL, "rate  is not");
}

static void round_trip(const char *s, const char *want)
{
	struct vmtap_err e = { "" };
	struct nic_rate a, b;
	char buf[RATE_FORMAT_MAX];

	assert_int_equal(nic_rate_parse(s, &a, &e), 0);
	assert_int_equal(nic_rate_format(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	assert_int_equal(nic_rate_parse(buf, &b, &e), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void formats(void **state)
{
	char small[4];
	struct nic_rate r = { 1250000, 0, 0 };

	(void)state;
	round_trip("10mbit", "10mbit");
	round_trip("10000kbit", "10mbit");
	round_trip("1kbps", "8kbit");
	round_trip("1KiBps", "8192bit");
	round_trip("10mbit:20mbit:64kb", "10mbit:20mbit:64kb");
	round_trip("10mbit::3000", "10mbit::3000b");
	round_trip("2.5gbit::1m", "2500mbit::1024kb");
	assert_int_equal(nic_rate_format(&r, small, sizeof(small)), -ENOSPC);
}

static void default_burst(void **state)
{
	struct nic_rate r = { 1250000, 0, 0 };

	(void)state;
	assert_int_equal(nic_rate_burst(&r), 65536);   /* at least 64 KiB */
	r.rate = 125000000;                            /* 1gbit: 10 ms */
	assert_int_equal(nic_rate_burst(&r), 1250000);
	r.rate = RATE_MAX;
	assert_int_equal(nic_rate_burst(&r), 0xffffffffu);
	r.burst = 3000;
	assert_int_equal(nic_rate_burst(&r), 3000);
}

static void one_rate(void **state)
{
	struct vmtap_err e = { "" };
	uint64_t v;

	(void)state;
	assert_int_equal(rate_parse_one("100mbit", &v, &e), 0);
	assert_int_equal(v, 12500000);
	assert_int_equal(rate_parse_one("100mbit:200mbit", &v, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(units),
		cmocka_unit_test(refusals),
		cmocka_unit_test(formats),
		cmocka_unit_test(default_burst),
		cmocka_unit_test(one_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
