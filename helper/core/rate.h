/* rate.h — a NIC's bandwidth limit, as users type it and as the kernel
 * takes it (README, "Bandwidth limits").
 *
 * Text: RATE[:PEAK][:BURST], ':' between the parts (a NIC SPEC splits keys
 * at ','); an empty PEAK is none ("10mbit::64kb").
 *   RATE, PEAK  a decimal number (a fraction allowed) and one of tc's rate
 *               units, spelt as tc spells them and, like tc, in any case:
 *               bit kbit mbit gbit tbit (powers of 1000, bits/s), kibit
 *               mibit gibit tibit (powers of 1024), bps kbps mbps gbps tbps
 *               (BYTES/s, powers of 1000: tc's "kbps" is kilobytes), kibps
 *               mibps gibps tibps.  Unlike tc, a bare number is refused: tc
 *               reads it as bits/s, a trap.
 *   BURST       bytes: a number and tc's size units b, k/kb, m/mb, g/gb
 *               (powers of 1024), kbit mbit gbit (those, in bits); a bare
 *               number is bytes, as in tc.
 * Kept as bytes/s and bytes, the kernel's units (tc_ratespec's rate64,
 * tbf's burst).  A rate rounds down to whole bytes/s.
 *
 * Pure: no printing, no kernel. */
#ifndef VMTAP_RATE_H
#define VMTAP_RATE_H

#include <stddef.h>
#include <stdint.h>

#include "helper/core/err.h"

/* 1 byte/s (8bit) .. 1e12 bytes/s (8tbit): beyond any NIC, and far from
 * u64's end so burst and limit arithmetic cannot overflow. */
#define RATE_MIN 1ULL
#define RATE_MAX 1000000000000ULL
/* A burst holds one full frame of the largest MTU a tap takes, at least;
 * the kernel keeps it in a u32. */
#define RATE_BURST_MIN 2048ULL
#define RATE_BURST_MAX 0xffffffffULL

/* rate 0 is "no limit" (then peak and burst are 0 too). */
struct nic_rate {
	uint64_t rate;  /* bytes/s */
	uint64_t peak;  /* bytes/s, 0 = none; above rate */
	uint64_t burst; /* bytes (<= 4gb), 0 = nic_rate_burst's default; u64: no padding */
};

#define RATE_EXPECTED "RATE[:PEAK][:BURST] like 10mbit, 10mbit:20mbit:64kb or 10mbit::64kb " \
	"(tc's units)"

/* Parses text.  -EINVAL (not a rate, no unit, an unknown unit, peak not
 * above rate) or -ERANGE (zero, below 8bit, above 8tbit, a burst out of
 * 2kb..4gb), with a message naming the part and what was expected. */
int nic_rate_parse(const char *text, struct nic_rate *out, struct vmtap_err *err);

/* A single rate or size alone (a policy's "limit inbound 100mbit"). */
int rate_parse_one(const char *text, uint64_t *bytes_per_s, struct vmtap_err *err);

/* Writes r in the text form nic_rate_parse reads back to the same value
 * ("10mbit", "10mbit:20mbit:64kb").  -ENOSPC for a short buf. */
#define RATE_FORMAT_MAX 64
int nic_rate_format(const struct nic_rate *r, char *buf, size_t cap);
/* One rate: "10mbit", "1500bps" (whole bits when exact). */
const char *rate_format_one(uint64_t bytes_per_s, char buf[32]);

/* The burst the kernel is given: r->burst, or 10 ms at the rate but at
 * least 64 KiB (a few full-size GSO frames; tbf splits anything larger). */
uint32_t nic_rate_burst(const struct nic_rate *r);

#endif
