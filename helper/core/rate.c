/* rate.c — the bandwidth-limit parser and formatter (see rate.h).
 * Integer arithmetic only (no strtod: no locale, no rounding surprise),
 * every product checked for overflow. */
#include "helper/core/rate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	uint64_t num, den; /* bytes = value * num / den */
};

/* tc_util.c's rate suffixes, in bytes/s. */
static const struct unit rate_units[] = {
	{ "bit", 1, 8 },
	{ "kbit", 1000, 8 }, { "mbit", 1000000, 8 }, { "gbit", 1000000000, 8 },
	{ "tbit", 1000000000000ULL, 8 },
	{ "kibit", 1024, 8 }, { "mibit", 1ULL << 20, 8 }, { "gibit", 1ULL << 30, 8 },
	{ "tibit", 1ULL << 40, 8 },
	{ "bps", 1, 1 },
	{ "kbps", 1000, 1 }, { "mbps", 1000000, 1 }, { "gbps", 1000000000, 1 },
	{ "tbps", 1000000000000ULL, 1 },
	{ "kibps", 1024, 1 }, { "mibps", 1ULL << 20, 1 }, { "gibps", 1ULL << 30, 1 },
	{ "tibps", 1ULL << 40, 1 },
	{ NULL, 0, 0 },
};

/* tc_util.c's size suffixes, in bytes; "" is bytes. */
static const struct unit size_units[] = {
	{ "", 1, 1 }, { "b", 1, 1 },
	{ "k", 1024, 1 }, { "kb", 1024, 1 }, { "m", 1ULL << 20, 1 }, { "mb", 1ULL << 20, 1 },
	{ "g", 1ULL << 30, 1 }, { "gb", 1ULL << 30, 1 },
	{ "kbit", 1024, 8 }, { "mbit", 1ULL << 20, 8 }, { "gbit", 1ULL << 30, 8 },
	{ NULL, 0, 0 },
};

/* DIGITS[.DIGITS]UNIT, len bytes of s: the value in bytes (rounded down).
 * -EINVAL for the shape, -ERANGE for a value past u64. */
static int scaled(const char *s, size_t len, const struct unit *units, uint64_t *out,
		  bool *no_unit)
{
	uint64_t whole = 0, frac = 0, fscale = 1, v, f;
	size_t i = 0, ulen;
	const struct unit *u;

	*no_unit = false;
	if (!len || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, (uint64_t)(s[i] - '0'), &whole))
			return -ERANGE;
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return -EINVAL;
		/* Nine digits of fraction count; more are cut. */
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (fscale < 1000000000ULL) {
				frac = frac * 10 + (uint64_t)(s[i] - '0');
				fscale *= 10;
			}
	}
	ulen = len - i;
	for (u = units; u->name; u++)
		if (strlen(u->name) == ulen && !strncasecmp(u->name, s + i, ulen))
			break;
	if (!u->name) {
		*no_unit = ulen == 0;
		return -EINVAL;
	}
	if (__builtin_mul_overflow(whole, u->num, &v))
		return -ERANGE;
	/* frac < fscale <= 1e9 and num <= 1e12: split so no product passes
	 * fscale * max(num, fscale) < 2^64. */
	if (u->num >= fscale)
		f = frac * (u->num / fscale) + frac * (u->num % fscale) / fscale;
	else
		f = frac * u->num / fscale;
	if (__builtin_add_overflow(v, f, &v))
		return -ERANGE;
	*out = v / u->den;
	return 0;
}

static int rate_part(const char *what, const char *s, size_t len, uint64_t *out,
		     struct vmtap_err *err)
{
	bool no_unit;
	int r = scaled(s, len, rate_units, out, &no_unit);

	if (r == -EINVAL && no_unit)
		return vmtap_fail(err, r, "%s %.*s has no unit (kbit, mbit, gbit; kbps "
				  "is kilobytes/s)", what, (int)len, s);
	if (r == -EINVAL)
		return vmtap_fail(err, r, "%s %.*s is not a number and one of tc's units "
				  "(bit, kbit, mbit, gbit, kibit, bps, kbps, ...)", what, (int)len, s);
	if (r == 0 && *out == 0)
		return vmtap_fail(err, -ERANGE, "%s %.*s: expected above zero (at least 8bit); "
				  "leave the key out for no limit", what, (int)len, s);
	if (r < 0 || *out > RATE_MAX)
		return vmtap_fail(err, -ERANGE, "%s %.*s: expected at most 8tbit", what,
				  (int)len, s);
	return 0;
}

int rate_parse_one(const char *text, uint64_t *bps, struct vmtap_err *err)
{
	return rate_part("rate", text, strlen(text), bps, err);
}

int nic_rate_parse(const char *text, struct nic_rate *out, struct vmtap_err *err)
{
	const char *p[3] = { text, NULL, NULL };
	size_t len[3] = { 0, 0, 0 };
	struct nic_rate r = { 0, 0, 0 };
	uint64_t b;
	bool no_unit;
	unsigned n = 1, i;
	const char *c;
	int k;

	for (c = text; *c; c++)
		if (*c == ':') {
			if (n == 3)
				return vmtap_fail(err, -EINVAL, "%s: too many ':'; expected "
						  RATE_EXPECTED, text);
			p[n++] = c + 1;
		}
	for (i = 0; i < n; i++)
		len[i] = (i + 1 < n ? (size_t)(p[i + 1] - p[i]) - 1 : strlen(p[i]));
	if ((k = rate_part("rate", p[0], len[0], &r.rate, err)) < 0)
		return k;
	if (n > 1 && len[1]) {
		if ((k = rate_part("peak", p[1], len[1], &r.peak, err)) < 0)
			return k;
		if (r.peak <= r.rate)
			return vmtap_fail(err, -EINVAL, "peak %.*s: expected above the rate %.*s",
					  (int)len[1], p[1], (int)len[0], p[0]);
	}
	if (n > 2) {
		k = scaled(p[2], len[2], size_units, &b, &no_unit);
		if (k == -EINVAL)
			return vmtap_fail(err, k, "burst %.*s: expected a size like 64kb (b, kb, "
					  "mb, gb, kbit, mbit)", (int)len[2], p[2]);
		if (k < 0 || b < RATE_BURST_MIN || b > RATE_BURST_MAX)
			return vmtap_fail(err, -ERANGE, "burst %.*s: expected 2kb..4gb",
					  (int)len[2], p[2]);
		r.burst = b;
	}
	*out = r;
	return 0;
}

const char *rate_format_one(uint64_t bps, char buf[32])
{
	static const struct { const char *name; uint64_t bits; } big[] = {
		{ "tbit", 1000000000000ULL }, { "gbit", 1000000000 }, { "mbit", 1000000 },
		{ "kbit", 1000 },
	};
	uint64_t bits = bps * 8; /* bps <= RATE_MAX: no overflow */
	size_t i;

	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		if (bits % big[i].bits == 0) {
			snprintf(buf, 32, "%llu%s", (unsigned long long)(bits / big[i].bits),
				 big[i].name);
			return buf;
		}
	snprintf(buf, 32, "%llubit", (unsigned long long)bits);
	return buf;
}

int nic_rate_format(const struct nic_rate *r, char *buf, size_t cap)
{
	char a[32], p[32], b[32] = "";
	int k;

	if (r->burst)
		snprintf(b, sizeof(b), r->burst % 1024 ? "%lub" : "%lukb",
			 r->burst % 1024 ? (unsigned long)r->burst : (unsigned long)r->burst / 1024);
	k = snprintf(buf, cap, "%s%s%s%s%s", rate_format_one(r->rate, a), r->peak || r->burst ?
		     ":" : "", r->peak ? rate_format_one(r->peak, p) : "", r->burst ? ":" : "", b);
	return k >= 0 && (size_t)k < cap ? 0 : -ENOSPC;
}

uint32_t nic_rate_burst(const struct nic_rate *r)
{
	uint64_t b = r->rate / 100;

	if (r->burst)
		return (uint32_t)r->burst;
	if (b < 65536)
		b = 65536;
	return b > RATE_BURST_MAX ? (uint32_t)RATE_BURST_MAX : (uint32_t)b;
}
