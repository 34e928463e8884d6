/* VLAN ID sets (helper/core/vlanset.c): the list grammar's refusals and
 * their one-line messages, the sets good lists make, format round trips,
 * the set arithmetic a policy check uses, and range walking. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helper/core/vlanset.h"

/* Parses s with seps; on refusal checks the errno and that the message
 * contains want (the bad item, quoted). */
static void refused(const char *s, const char *seps, int want_errno, const char *want)
{
	struct vlan_set set, before;
	struct vmtap_err err = { { 0 } };

	memset(&set, 0xa5, sizeof(set));
	before = set;
	assert_int_equal(vlan_set_parse(s, seps, &set, &err), want_errno);
	if (!strstr(err.msg, want))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err.msg, want);
	assert_non_null(strstr(err.msg, "expected"));
	assert_null(strchr(err.msg, '\n'));
	assert_memory_equal(&set, &before, sizeof(set)); /* untouched */
}

static struct vlan_set parsed(const char *s, const char *seps)
{
	struct vmtap_err err = { { 0 } };
	struct vlan_set set;

	if (vlan_set_parse(s, seps, &set, &err) < 0)
		fail_msg("\"%s\" refused: %s", s, err.msg);
	return set;
}

static const char *formatted(const struct vlan_set *set, char sep)
{
	static char buf[VLAN_SET_FORMAT_MAX];

	assert_int_equal(vlan_set_format(set, buf, sizeof(buf), sep), 0);
	return buf;
}

static void bad_lists(void **state)
{
	(void)state;
	refused("", ":", -EINVAL, "empty VLAN list");
	refused("1,,2", ",", -EINVAL, "\"1,,\": item 2 is empty");
	refused("1::2", ":", -EINVAL, "item 2 is empty");
	refused("1,", ",", -EINVAL, "\"1,\": item 2 is empty");
	refused(",1", ",", -EINVAL, "starts with a separator");
	refused(":", ":", -EINVAL, "starts with a separator");
	refused("10,20:", ",:", -EINVAL, "item 3 is empty");
}

static void bad_items(void **state)
{
	(void)state;
	refused("0", ":", -ERANGE, "VLAN \"0\": VIDs 0 and 4095 are reserved");
	refused("4095", ":", -ERANGE, "VLAN \"4095\": VIDs 0 and 4095 are reserved");
	refused("0-10", ":", -ERANGE, "\"0-10\": VIDs 0 and 4095");
	refused("4000-4095", ":", -ERANGE, "\"4000-4095\": VIDs 0 and 4095");
	refused("4096", ":", -ERANGE, "\"4096\": out of range");
	refused("65535", ":", -ERANGE, "\"65535\": out of range");
	refused("99999999999999999999", ":", -ERANGE, "\"99999999999999999999\": out of range");
	refused("1-99999999999999999999", ":", -ERANGE, "out of range");
	refused("10-5", ":", -EINVAL, "\"10-5\": the range runs backwards");
	refused("abc", ":", -EINVAL, "\"abc\": not a decimal number");
	refused("0x10", ":", -EINVAL, "\"0x10\": not a decimal number");
	refused("10a", ":", -EINVAL, "\"10a\"");
	refused("+10", ":", -EINVAL, "\"+10\": a sign is not allowed");
	refused("-10", ":", -EINVAL, "\"-10\": a sign is not allowed");
	refused("10-+20", ":", -EINVAL, "a sign is not allowed");
	refused("10--20", ":", -EINVAL, "\"10--20\": only one '-' is allowed");
	refused("1-2-3", ":", -EINVAL, "\"1-2-3\": only one '-' is allowed");
	refused("10-", ":", -EINVAL, "\"10-\": a bound of the range is missing");
	refused(" 10", ":", -EINVAL, "\" 10\": a space is not allowed");
	refused("10 ", ":", -EINVAL, "\"10 \": a space is not allowed");
	refused("10 -20", ":", -EINVAL, "a space is not allowed");
	refused("10- 20", ":", -EINVAL, "a space is not allowed");
	refused("1: 2", ":", -EINVAL, "\" 2\": a space");
	refused("010", ":", -EINVAL, "\"010\": a leading zero");
	refused("00", ":", -EINVAL, "leading zero");
	refused("5-010", ":", -EINVAL, "leading zero");
	/* A ',' is not a separator where the caller did not allow it. */
	refused("10,20", ":", -EINVAL, "\"10,20\": not a decimal number");
	refused("10:20", ",", -EINVAL, "\"10:20\"");
	/* The bad item is named even deep in a long list. */
	refused("1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:x17", ":", -EINVAL, "\"x17\"");
}

/* Quoted input is cut, so the line stays short and says what was expected. */
static void long_items_cut(void **state)
{
	char s[1000], *p;
	unsigned v;

	(void)state;
	memset(s, '7', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	refused(s, ":", -ERANGE, "\"77777777777777777777777777777777...\": out of range");
	/* An empty item deep in a long list is shown by the text before it. */
	p = s;
	for (v = 1; v <= 100; v++)
		p += sprintf(p, "%u:", v);
	strcpy(p, ":101");
	refused(s, ":", -EINVAL, "VLAN list \"...91:92:93:94:95:96:97:98:99:100::\": item 101 is empty");
}

static void bad_seps(void **state)
{
	(void)state;
	refused("1", "", -EINVAL, "separators");
	refused("1", "-", -EINVAL, "separators");
	refused("1", ":5", -EINVAL, "separators");
}

static void good_lists(void **state)
{
	struct vlan_set s;

	(void)state;
	s = parsed("1", ":");
	assert_int_equal(vlan_set_count(&s), 1);
	assert_true(vlan_set_has(&s, 1));
	s = parsed("4094", ":");
	assert_true(vlan_set_has(&s, 4094));
	assert_int_equal(vlan_set_count(&s), 1);
	s = parsed("10:20-29", ":");
	assert_int_equal(vlan_set_count(&s), 11);
	assert_true(vlan_set_has(&s, 10));
	assert_false(vlan_set_has(&s, 11));
	assert_false(vlan_set_has(&s, 19));
	assert_true(vlan_set_has(&s, 20));
	assert_true(vlan_set_has(&s, 29));
	assert_false(vlan_set_has(&s, 30));
	s = parsed("1-4094", ":");
	assert_int_equal(vlan_set_count(&s), 4094);
	assert_false(vlan_set_has(&s, 0));
	assert_false(vlan_set_has(&s, 4095));
	s = parsed("7-7", ":");
	assert_int_equal(vlan_set_count(&s), 1);
	assert_string_equal(formatted(&s, ':'), "7");
	/* Both separators when the caller allows both. */
	s = parsed("10,20:30", ",:");
	assert_string_equal(formatted(&s, ','), "10,20,30");
	/* Word boundaries of the bitmap. */
	s = parsed("63-64:127:128:4031-4094", ":");
	assert_string_equal(formatted(&s, ':'), "63-64:127-128:4031-4094");
	assert_int_equal(vlan_set_count(&s), 2 + 2 + 64);
}

/* Overlaps and repeats are the union. */
static void overlaps(void **state)
{
	struct vlan_set s;

	(void)state;
	s = parsed("10-20:15", ":");
	assert_int_equal(vlan_set_count(&s), 11);
	assert_string_equal(formatted(&s, ':'), "10-20");
	s = parsed("10:10:10", ":");
	assert_string_equal(formatted(&s, ':'), "10");
	s = parsed("30-40:10-35:41", ":");
	assert_string_equal(formatted(&s, ':'), "10-41");
	s = parsed("100-199,150,1-4094", ",");
	assert_int_equal(vlan_set_count(&s), 4094);
}

static void format_round_trip(void **state)
{
	static const char *const lists[] = {
		"1", "4094", "1-4094", "10:20-29", "1:3:5:7", "1-2:4-5",
		"100-199:300:4000-4093",
	};
	struct vlan_set s, again;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		s = parsed(lists[i], ":");
		assert_string_equal(formatted(&s, ':'), lists[i]);
		again = parsed(formatted(&s, ','), ",");
		assert_memory_equal(&s, &again, sizeof(s));
	}
	memset(&s, 0, sizeof(s));
	assert_string_equal(formatted(&s, ':'), "");
}

static void format_no_space(void **state)
{
	struct vlan_set s = parsed("10:20-29", ":");
	char buf[9] = "xxxxxxxx";

	(void)state;
	assert_int_equal(vlan_set_format(&s, buf, sizeof(buf), ':'), 0);
	assert_string_equal(buf, "10:20-29");
	/* One byte short: nothing, not "10" (which would read as less). */
	assert_int_equal(vlan_set_format(&s, buf, 8, ':'), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(vlan_set_format(&s, buf, 3, ':'), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(vlan_set_format(&s, buf, 0, ':'), -ENOSPC);
}

/* The longest text: every VID not a multiple of 3 (pairs with gaps). */
static void format_worst_case(void **state)
{
	struct vlan_set s = { { 0 } }, again;
	char *buf = malloc(VLAN_SET_FORMAT_MAX);
	unsigned v;

	(void)state;
	assert_non_null(buf);
	for (v = 1; v <= VLAN_VID_MAX; v++)
		if (v % 3)
			assert_int_equal(vlan_set_add(&s, v), 0);
	assert_int_equal(vlan_set_format(&s, buf, VLAN_SET_FORMAT_MAX, ':'), 0);
	assert_int_equal(strlen(buf), VLAN_SET_FORMAT_MAX - 1);
	assert_int_equal(vlan_set_format(&s, buf, VLAN_SET_FORMAT_MAX - 1, ':'), -ENOSPC);
	/* Lone VIDs (every other one) are shorter. */
	memset(&s, 0, sizeof(s));
	for (v = 1; v <= VLAN_VID_MAX; v += 2)
		vlan_set_add(&s, v);
	assert_int_equal(vlan_set_format(&s, buf, VLAN_SET_FORMAT_MAX, ':'), 0);
	again = parsed(buf, ":");
	assert_memory_equal(&s, &again, sizeof(s));
	free(buf);
}

/* 4094 separate entries, in any order, parse to the full set; so does the
 * full set written as ranges, and a list of every VID in descending order
 * with 4094 overlapping wide ranges. */
static void all_vids(void **state)
{
	char *buf = malloc(4094 * 16), *p;
	struct vlan_set s;
	unsigned v;

	(void)state;
	assert_non_null(buf);
	p = buf;
	for (v = 1; v <= VLAN_VID_MAX; v++)
		p += sprintf(p, "%s%u", v > 1 ? ":" : "", v);
	s = parsed(buf, ":");
	assert_int_equal(vlan_set_count(&s), 4094);
	assert_string_equal(formatted(&s, ':'), "1-4094");

	p = buf;
	for (v = VLAN_VID_MAX; v >= 1; v--)
		p += sprintf(p, "%u%s", v, v > 1 ? "," : "");
	s = parsed(buf, ",");
	assert_int_equal(vlan_set_count(&s), 4094);

	/* Every VID: the pairs 1-2, 4-5, ..., 4093-4094, then the VIDs between. */
	p = buf;
	for (v = 1; v <= VLAN_VID_MAX; v += 3)
		p += sprintf(p, "%u-%u:", v, v + 1);
	for (v = 3; v <= VLAN_VID_MAX; v += 3)
		p += sprintf(p, "%u:", v);
	p[-1] = '\0';
	s = parsed(buf, ":");
	assert_int_equal(vlan_set_count(&s), 4094);

	p = buf;
	for (v = 1; v <= VLAN_VID_MAX; v++)
		p += sprintf(p, "%s%u-4094", v > 1 ? "," : "", v);
	s = parsed(buf, ",");
	assert_int_equal(vlan_set_count(&s), 4094);
	free(buf);
}

static void subset(void **state)
{
	struct vlan_set granted = parsed("100-199:300", ":"), want, none = { { 0 } };

	(void)state;
	want = parsed("100:150-160:199", ":");
	assert_true(vlan_set_is_subset(&want, &granted));
	assert_int_equal(vlan_set_first_not_in(&want, &granted), 0);
	want = parsed("150:200-210:99", ":");
	assert_false(vlan_set_is_subset(&want, &granted));
	assert_int_equal(vlan_set_first_not_in(&want, &granted), 99);
	want = parsed("300-301", ":");
	assert_int_equal(vlan_set_first_not_in(&want, &granted), 301);
	want = parsed("4094", ":");
	assert_int_equal(vlan_set_first_not_in(&want, &granted), 4094);
	assert_true(vlan_set_is_subset(&none, &granted));
	assert_true(vlan_set_is_subset(&none, &none));
	assert_false(vlan_set_is_subset(&granted, &none));
	assert_int_equal(vlan_set_first_not_in(&granted, &none), 100);
	assert_true(vlan_set_is_subset(&granted, &granted));
}

static void add_has_empty(void **state)
{
	struct vlan_set s = { { 0 } }, before;

	(void)state;
	assert_true(vlan_set_empty(&s));
	assert_int_equal(vlan_set_count(&s), 0);
	before = s;
	assert_int_equal(vlan_set_add(&s, 0), -ERANGE);
	assert_int_equal(vlan_set_add(&s, 4095), -ERANGE);
	assert_int_equal(vlan_set_add(&s, 70000), -ERANGE);
	assert_int_equal(vlan_set_add_range(&s, 10, 5), -ERANGE);
	assert_int_equal(vlan_set_add_range(&s, 0, 5), -ERANGE);
	assert_int_equal(vlan_set_add_range(&s, 4000, 4095), -ERANGE);
	assert_memory_equal(&s, &before, sizeof(s));
	assert_true(vlan_set_empty(&s));
	assert_int_equal(vlan_set_add(&s, 4094), 0);
	assert_false(vlan_set_empty(&s));
	assert_true(vlan_set_has(&s, 4094));
	assert_false(vlan_set_has(&s, 0));
	assert_false(vlan_set_has(&s, 4095));
	assert_false(vlan_set_has(&s, 100000));
	assert_int_equal(vlan_set_add_range(&s, 1, 3), 0);
	assert_string_equal(formatted(&s, ':'), "1-3:4094");
}

static void ranges(void **state)
{
	struct vlan_set s = parsed("1:5-9:64-127:4094", ":"), none = { { 0 } };
	unsigned from = VLAN_VID_MIN, lo = 0, hi = 0;

	(void)state;
	assert_true(vlan_set_next_range(&s, &from, &lo, &hi));
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 1);
	assert_int_equal(from, 2);
	assert_true(vlan_set_next_range(&s, &from, &lo, &hi));
	assert_int_equal(lo, 5);
	assert_int_equal(hi, 9);
	assert_true(vlan_set_next_range(&s, &from, &lo, &hi));
	assert_int_equal(lo, 64);
	assert_int_equal(hi, 127);
	assert_true(vlan_set_next_range(&s, &from, &lo, &hi));
	assert_int_equal(lo, 4094);
	assert_int_equal(hi, 4094);
	assert_int_equal(from, 4095);
	assert_false(vlan_set_next_range(&s, &from, &lo, &hi));
	/* From inside a run: the rest of it. */
	from = 7;
	assert_true(vlan_set_next_range(&s, &from, &lo, &hi));
	assert_int_equal(lo, 7);
	assert_int_equal(hi, 9);
	from = 0;
	assert_true(vlan_set_next_range(&s, &from, &lo, &hi));
	assert_int_equal(lo, 1);
	from = 100000;
	assert_false(vlan_set_next_range(&s, &from, &lo, &hi));
	from = VLAN_VID_MIN;
	assert_false(vlan_set_next_range(&none, &from, &lo, &hi));
	s = parsed("1-4094", ":");
	from = VLAN_VID_MIN;
	assert_true(vlan_set_next_range(&s, &from, &lo, &hi));
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 4094);
	assert_false(vlan_set_next_range(&s, &from, &lo, &hi));
}

static int add_json(const char *text, struct vlan_set *s, struct vmtap_err *err)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	int r;

	if (!v)
		fail_msg("bad test JSON %s", text);
	r = vlan_set_add_json(s, v, err);
	json_decref(v);
	return r;
}

static void json_forms(void **state)
{
	struct vlan_set s = { { 0 } };
	struct vmtap_err err = { { 0 } };

	(void)state;
	assert_int_equal(add_json("[10, \"20-29\"]", &s, &err), 0);
	assert_string_equal(formatted(&s, ':'), "10:20-29");
	/* Adds to what is there. */
	assert_int_equal(add_json("[\"30\", 11]", &s, &err), 0);
	assert_string_equal(formatted(&s, ':'), "10-11:20-30");
	memset(&s, 0, sizeof(s));
	assert_int_equal(add_json("\"10,20-29:40\"", &s, &err), 0);
	assert_string_equal(formatted(&s, ','), "10,20-29,40");
	assert_int_equal(add_json("[1, 4094, \"1-4094\"]", &s, &err), 0);
	assert_int_equal(vlan_set_count(&s), 4094);
}

static void json_refused(const char *text, int want_errno, const char *want)
{
	struct vlan_set s = { { 0 } };
	struct vmtap_err err = { { 0 } };

	vlan_set_add(&s, 7);
	assert_int_equal(add_json(text, &s, &err), want_errno);
	if (!strstr(err.msg, want))
		fail_msg("%s: message \"%s\" lacks \"%s\"", text, err.msg, want);
	assert_non_null(strstr(err.msg, "expected"));
	assert_string_equal(formatted(&s, ':'), "7"); /* untouched */
}

static void json_bad(void **state)
{
	(void)state;
	json_refused("[]", -EINVAL, "empty VLAN list");
	json_refused("\"\"", -EINVAL, "empty VLAN list");
	json_refused("[0]", -ERANGE, "element 0 is 0");
	json_refused("[10, 4095]", -ERANGE, "element 1 is 4095");
	json_refused("[-1]", -ERANGE, "element 0 is -1");
	json_refused("[10, 9223372036854775807]", -ERANGE, "9223372036854775807");
	json_refused("[10.0]", -EINVAL, "element 0 is a real number");
	json_refused("[true]", -EINVAL, "element 0 is a boolean");
	json_refused("[null]", -EINVAL, "element 0 is null");
	json_refused("[[10]]", -EINVAL, "element 0 is an array");
	json_refused("[\"10-5\"]", -EINVAL, "element 0 \"10-5\": the range runs backwards");
	json_refused("[\"\"]", -EINVAL, "element 0 \"\": it is empty");
	json_refused("[\"10,20\"]", -EINVAL, "element 0 \"10,20\": not a decimal number");
	json_refused("[\" 10\"]", -EINVAL, "a space is not allowed");
	json_refused("[\"10\\u000020\"]", -EINVAL, "not a decimal number");
	json_refused("\"10\\u0000,20\"", -EINVAL, "NUL byte");
	json_refused("\"10,,20\"", -EINVAL, "item 2 is empty");
	json_refused("10", -EINVAL, "VLAN list is an integer");
	json_refused("{}", -EINVAL, "VLAN list is an object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_lists),
		cmocka_unit_test(bad_items),
		cmocka_unit_test(long_items_cut),
		cmocka_unit_test(bad_seps),
		cmocka_unit_test(good_lists),
		cmocka_unit_test(overlaps),
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(format_no_space),
		cmocka_unit_test(format_worst_case),
		cmocka_unit_test(all_vids),
		cmocka_unit_test(subset),
		cmocka_unit_test(add_has_empty),
		cmocka_unit_test(ranges),
		cmocka_unit_test(json_forms),
		cmocka_unit_test(json_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
