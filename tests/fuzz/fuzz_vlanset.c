/* fuzz_vlanset.c — fuzz harness for the VLAN list parser
 * (helper/core/vlanset.c), what a NIC SPEC's vlan=/trunk=, a policy line's
 * `vlan LIST` and a vmtapd request hand it.  The input, up to its first NUL
 * byte, is the list; it is parsed twice, with the NIC SPEC's separators
 * (":") and with the policy file's (",:"), and once more as a JSON string.
 *
 * Besides the sanitizers' findings it aborts when a promise is broken: a
 * refusal comes with a one-line message and leaves the set untouched; an
 * accepted list holds only digits, '-' and separators, makes a non-empty
 * set of VIDs 1..4094 equal to the one a plain reference reading of its
 * items makes; a list ":" accepts, ",:" accepts as the same set, and so
 * does the JSON string form; the set written out (with either separator)
 * fits VLAN_SET_FORMAT_MAX and parses back to the same set; and its ranges,
 * count, subset and first-not-in answers agree with each other. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/core/vlanset.h"
#include "promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The set an accepted list means, read the simplest way (the parser has
 * already vouched for the shape: digits, at most one '-' per item). */
static void reference(const char *s, const char *seps, struct vlan_set *out)
{
	unsigned long lo, hi, v;
	char *end;

	memset(out, 0, sizeof(*out));
	for (;;) {
		lo = strtoul(s, &end, 10);
		hi = *end == '-' ? strtoul(end + 1, &end, 10) : lo;
		if (lo < VLAN_VID_MIN || hi > VLAN_VID_MAX || lo > hi)
			abort();
		for (v = lo; v <= hi; v++)
			out->w[v / 64] |= 1ULL << (v % 64);
		if (!*end)
			return;
		if (!strchr(seps, *end))
			abort();
		s = end + 1;
	}
}

static void check_set(const struct vlan_set *s)
{
	static char buf[VLAN_SET_FORMAT_MAX];
	struct vmtap_err err = { { 0 } };
	struct vlan_set again, none = { { 0 } };
	unsigned from = VLAN_VID_MIN, lo, hi, prev_hi = 0, n = 0, v;

	if (vlan_set_empty(s) || (s->w[0] & 1) || (s->w[63] >> 63))
		abort();
	while (vlan_set_next_range(s, &from, &lo, &hi)) {
		/* Maximal runs, ascending, each of members only. */
		if (lo > hi || hi > VLAN_VID_MAX || (prev_hi && lo <= prev_hi + 1) ||
		    from != hi + 1 || !vlan_set_has(s, lo) || !vlan_set_has(s, hi) ||
		    vlan_set_has(s, lo - 1) || vlan_set_has(s, hi + 1))
			abort();
		n += hi - lo + 1;
		prev_hi = hi;
	}
	if (n != vlan_set_count(s) || !n)
		abort();
	for (v = 0, n = 0; v < 4096; v++)
		n += vlan_set_has(s, v);
	if (n != vlan_set_count(s))
		abort();
	if (!vlan_set_is_subset(s, s) || vlan_set_first_not_in(s, s) ||
	    vlan_set_is_subset(s, &none) || !vlan_set_is_subset(&none, s) ||
	    !vlan_set_has(s, vlan_set_first_not_in(s, &none)))
		abort();

	if (vlan_set_format(s, buf, sizeof(buf), ':') < 0 ||
	    vlan_set_parse(buf, ":", &again, &err) < 0 || memcmp(s, &again, sizeof(again)))
		abort();
	if (vlan_set_format(s, buf, sizeof(buf), ',') < 0 ||
	    vlan_set_parse(buf, ",:", &again, &err) < 0 || memcmp(s, &again, sizeof(again)))
		abort();
}

/* Parses list with seps; returns 1 and fills *out when accepted. */
static int parse_checked(const char *list, const char *seps, struct vlan_set *out)
{
	struct vmtap_err err = { { 0 } };
	struct vlan_set before;
	struct vlan_set ref;
	size_t i;

	memset(out, 0x5a, sizeof(*out));
	before = *out;
	if (vlan_set_parse(list, seps, out, &err) < 0) {
		promise_one_line(err.msg);
		if (memcmp(out, &before, sizeof(before)))
			abort();
		return 0;
	}
	for (i = 0; list[i]; i++)
		if (!((list[i] >= '0' && list[i] <= '9') || list[i] == '-' ||
		      strchr(seps, list[i])))
			abort();
	reference(list, seps, &ref);
	if (memcmp(out, &ref, sizeof(ref)))
		abort();
	check_set(out);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmtap_err err = { { 0 } };
	struct vlan_set colon, both, js = { { 0 } };
	size_t len = strnlen((const char *)data, size);
	char *list = malloc(len + 1);
	int mark = promise_fd_mark(), ok_colon, ok_both, r;
	json_t *v;

	if (!list)
		return 0;
	memcpy(list, data, len);
	list[len] = '\0';
	ok_colon = parse_checked(list, ":", &colon);
	ok_both = parse_checked(list, ",:", &both);
	if (ok_colon && (!ok_both || memcmp(&colon, &both, sizeof(both))))
		abort();

	/* Not valid UTF-8: jansson will not make it a string, nothing to test. */
	v = json_stringn(list, len);
	if (v) {
		r = vlan_set_add_json(&js, v, &err);
		if (r < 0)
			promise_one_line(err.msg);
		if ((r == 0) != ok_both || (ok_both && memcmp(&js, &both, sizeof(both))))
			abort();
		json_decref(v);
	}
	free(list);
	if (promise_fd_mark() != mark)
		abort();
	return 0;
}
