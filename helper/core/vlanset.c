/* vlanset.c — VLAN ID sets and their list grammar (see vlanset.h). */
#include "helper/core/jsonkind.h"
#include "helper/core/vlanset.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "helper/core/parse.h"

#define WORDS (sizeof(((struct vlan_set *)0)->w) / sizeof(uint64_t))
#define BITS (WORDS * 64)

static const char EXPECTED[] = "expected a VID 1..4094 or a range N-M of them (N <= M), "
			       "in digits only";

/* An item quoted in a refusal: at most SHOW_MAX bytes of it, then "...",
 * so that a long input still leaves room for what was expected; shown as
 * every token of a peer's is (vmtap_show, quoted: controls, quotes and
 * non-ASCII bytes escaped). */
#define SHOW_MAX 32
#define SHOW_BUF (3 + 4 * SHOW_MAX + 4)

static const char *show(char out[SHOW_BUF], const char *p, size_t n)
{
	size_t k = n > SHOW_MAX ? SHOW_MAX : n;

	vmtap_show(out, SHOW_BUF - 3, p, k, VMTAP_SHOW_QUOTED);
	if (n > SHOW_MAX)
		strcat(out, "...");
	return out;
}

/* The n bytes before end, the last SHOW_MAX of them after "...": where in
 * a long list an empty item is. */
static const char *show_tail(char out[SHOW_BUF], const char *p, size_t n)
{
	size_t k = n > SHOW_MAX ? SHOW_MAX : n;

	strcpy(out, n > SHOW_MAX ? "..." : "");
	vmtap_show(out + strlen(out), SHOW_BUF - 3, p + n - k, k, VMTAP_SHOW_QUOTED);
	return out;
}

/* One VID, the n bytes at p.  NULL on success, else why it is refused and
 * *e is the errno. */
static const char *vid_parse(const char *p, size_t n, unsigned *out, int *e)
{
	char buf[8];
	unsigned long v;
	size_t i;

	*e = -EINVAL;
	if (!n)
		return "a bound of the range is missing";
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return p[i] == '+' || p[i] == '-' ? "a sign is not allowed"
			       : p[i] == ' ' || p[i] == '\t' ? "a space is not allowed"
			       : "not a decimal number";
	if (n > 1 && p[0] == '0')
		return "a leading zero is not allowed (it reads as octal to some tools)";
	*e = -ERANGE;
	/* Digits with no leading zero and this long are past 4094 already
	 * (and might overflow a long). */
	if (n >= sizeof(buf))
		return "out of range";
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (parse_uint(buf, VLAN_VID_MIN, VLAN_VID_MAX, &v) < 0)
		return n == 1 || !strcmp(buf, "4095") ? "VIDs 0 and 4095 are reserved"
						      : "out of range";
	*out = (unsigned)v;
	return NULL;
}

/* One ITEM, the n bytes at p (no separator in them). */
static const char *item_parse(const char *p, size_t n, unsigned *lo, unsigned *hi, int *e)
{
	const char *dash = memchr(p, '-', n), *why;

	if (!n) {
		*e = -EINVAL;
		return "it is empty";
	}
	if (!dash || dash == p) {
		/* A leading '-' is a sign, not a range with no start. */
		why = vid_parse(p, n, lo, e);
		*hi = *lo;
		return why;
	}
	why = vid_parse(p, (size_t)(dash - p), lo, e);
	if (!why && memchr(dash + 1, '-', n - (size_t)(dash - p) - 1)) {
		*e = -EINVAL;
		return "only one '-' is allowed";
	}
	if (!why)
		why = vid_parse(dash + 1, n - (size_t)(dash - p) - 1, hi, e);
	if (!why && *lo > *hi) {
		*e = -EINVAL;
		return "the range runs backwards";
	}
	return why;
}

/* Sets bits lo..hi a word at a time, so that a list of many wide
 * overlapping ranges still costs a bounded amount per item. */
static void fill(struct vlan_set *s, unsigned lo, unsigned hi)
{
	unsigned a = lo / 64, b = hi / 64, i;
	uint64_t lm = ~0ULL << (lo % 64), hm = ~0ULL >> (63 - hi % 64);

	if (a == b) {
		s->w[a] |= lm & hm;
		return;
	}
	s->w[a] |= lm;
	for (i = a + 1; i < b; i++)
		s->w[i] = ~0ULL;
	s->w[b] |= hm;
}

int vlan_set_parse(const char *s, const char *seps, struct vlan_set *out,
		   struct vmtap_err *err)
{
	struct vlan_set set = { { 0 } };
	char shown[SHOW_BUF];
	const char *p, *why;
	unsigned lo, hi, item = 1;
	size_t n;
	int e;

	if (!seps || !*seps || strpbrk(seps, "-0123456789"))
		return vmtap_fail(err, -EINVAL, "VLAN list separators \"%s\": expected bytes other "
				  "than digits and '-'", seps ? seps : "(null)");
	if (!s || !*s)
		return vmtap_fail(err, -EINVAL, "empty VLAN list; %s, separated by one of \"%s\"",
				  EXPECTED, seps);
	for (p = s;; p += n + 1, item++) {
		n = strcspn(p, seps);
		if (!n && item == 1)
			return vmtap_fail(err, -EINVAL, "VLAN list \"%s\" starts with a separator; "
					  "%s, one separator between items",
					  show(shown, s, strlen(s)), EXPECTED);
		if (!n)
			return vmtap_fail(err, -EINVAL, "VLAN list \"%s\": item %u is empty; %s, "
					  "one separator between items and none at the end",
					  show_tail(shown, s, (size_t)(p - s) + (p[0] != '\0')),
					  item, EXPECTED);
		why = item_parse(p, n, &lo, &hi, &e);
		if (why)
			return vmtap_fail(err, e, "VLAN \"%s\": %s; %s", show(shown, p, n), why,
					  EXPECTED);
		fill(&set, lo, hi);
		if (!p[n])
			break;
	}
	*out = set;
	return 0;
}

int vlan_set_add_json(struct vlan_set *set, const struct json_t *v, struct vmtap_err *err)
{
	struct vlan_set add = { { 0 } };
	char shown[SHOW_BUF];
	const char *why, *str;
	unsigned lo, hi;
	json_int_t n;
	size_t i, len;
	json_t *m;
	int e, r;

	if (json_is_string(v)) {
		str = json_string_value(v);
		/* A "\u0000" inside would end the C string early and hide the rest. */
		if (strlen(str) != json_string_length(v))
			return vmtap_fail(err, -EINVAL, "VLAN list string holds a NUL byte; %s",
					  EXPECTED);
		r = vlan_set_parse(str, ",:", &add, err);
		if (r < 0)
			return r;
		goto out;
	}
	if (!json_is_array(v))
		return vmtap_fail(err, -EINVAL, "VLAN list is %s; expected an array of VIDs 1..4094 "
				  "and \"N-M\" strings, or a string \"N,N-M\"", json_kind(v));
	if (!json_array_size(v))
		return vmtap_fail(err, -EINVAL, "empty VLAN list []; expected an array of VIDs "
				  "1..4094 and \"N-M\" strings");
	json_array_foreach(v, i, m) {
		if (json_is_integer(m)) {
			n = json_integer_value(m);
			if (n < VLAN_VID_MIN || n > VLAN_VID_MAX)
				return vmtap_fail(err, -ERANGE, "VLAN list element %zu is %" JSON_INTEGER_FORMAT
						  "; %s", i, n, EXPECTED);
			lo = hi = (unsigned)n;
		} else if (json_is_string(m)) {
			str = json_string_value(m);
			len = json_string_length(m);
			why = item_parse(str, len, &lo, &hi, &e);
			if (why)
				return vmtap_fail(err, e, "VLAN list element %zu \"%s\": %s; %s "
						  "(one item per string)", i, show(shown, str, len),
						  why, EXPECTED);
		} else {
			return vmtap_fail(err, -EINVAL, "VLAN list element %zu is %s; expected an "
					  "integer 1..4094 or a string \"N-M\"", i, json_kind(m));
		}
		fill(&add, lo, hi);
	}
out:
	for (i = 0; i < WORDS; i++)
		set->w[i] |= add.w[i];
	return 0;
}

/* The first bit at or after from that is 1 (want_set) or 0, or BITS. */
static unsigned next_bit(const struct vlan_set *s, unsigned from, bool want_set)
{
	unsigned i = from / 64;
	uint64_t w;

	if (from >= BITS)
		return BITS;
	w = (want_set ? s->w[i] : ~s->w[i]) & (~0ULL << (from % 64));
	while (!w) {
		if (++i == WORDS)
			return BITS;
		w = want_set ? s->w[i] : ~s->w[i];
	}
	return i * 64 + (unsigned)__builtin_ctzll(w);
}

bool vlan_set_next_range(const struct vlan_set *set, unsigned *from, unsigned *lo,
			 unsigned *hi)
{
	unsigned a = next_bit(set, *from, true);

	if (a > VLAN_VID_MAX)
		return false;
	/* Bit 4095 is never set, so a run always ends inside the bitmap. */
	*lo = a;
	*hi = next_bit(set, a, false) - 1;
	*from = *hi + 1;
	return true;
}

int vlan_set_format(const struct vlan_set *set, char *buf, size_t len, char sep)
{
	unsigned from = VLAN_VID_MIN, lo, hi;
	size_t o = 0;
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	while (vlan_set_next_range(set, &from, &lo, &hi)) {
		if (o)
			n = lo == hi ? snprintf(buf + o, len - o, "%c%u", sep, lo)
				     : snprintf(buf + o, len - o, "%c%u-%u", sep, lo, hi);
		else
			n = lo == hi ? snprintf(buf + o, len - o, "%u", lo)
				     : snprintf(buf + o, len - o, "%u-%u", lo, hi);
		if (n < 0 || (size_t)n >= len - o) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		o += (size_t)n;
	}
	return 0;
}

int vlan_set_add(struct vlan_set *set, unsigned vid)
{
	return vlan_set_add_range(set, vid, vid);
}

int vlan_set_add_range(struct vlan_set *set, unsigned lo, unsigned hi)
{
	if (lo < VLAN_VID_MIN || hi > VLAN_VID_MAX || lo > hi)
		return -ERANGE;
	fill(set, lo, hi);
	return 0;
}

bool vlan_set_has(const struct vlan_set *set, unsigned vid)
{
	if (vid < VLAN_VID_MIN || vid > VLAN_VID_MAX)
		return false;
	return set->w[vid / 64] >> (vid % 64) & 1;
}

bool vlan_set_empty(const struct vlan_set *set)
{
	size_t i;

	for (i = 0; i < WORDS; i++)
		if (set->w[i])
			return false;
	return true;
}

unsigned vlan_set_count(const struct vlan_set *set)
{
	unsigned c = 0;
	size_t i;

	for (i = 0; i < WORDS; i++)
		c += (unsigned)__builtin_popcountll(set->w[i]);
	return c;
}

bool vlan_set_is_subset(const struct vlan_set *a, const struct vlan_set *b)
{
	return vlan_set_first_not_in(a, b) == 0;
}

unsigned vlan_set_first_not_in(const struct vlan_set *a, const struct vlan_set *b)
{
	size_t i;

	for (i = 0; i < WORDS; i++)
		if (a->w[i] & ~b->w[i])
			return (unsigned)(i * 64) + (unsigned)__builtin_ctzll(a->w[i] & ~b->w[i]);
	return 0;
}
