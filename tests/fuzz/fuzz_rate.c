/* fuzz_rate.c — fuzz harness for the bandwidth-limit parser
 * (helper/core/rate.c), what inbound=/outbound= in every front end and a
 * policy's `limit`/`default` lines hand it.  The input, up to its first
 * NUL byte, is the text.
 *
 * Besides the sanitizers' findings it aborts when a promise is broken: a
 * refusal comes with a one-line message and leaves the value untouched; an
 * accepted value has a rate in RATE_MIN..RATE_MAX, a peak of none or above
 * the rate and at most RATE_MAX, a burst of none or in
 * RATE_BURST_MIN..RATE_BURST_MAX, and nic_rate_burst gives the kernel a
 * burst of at least 64 KiB or the one asked; written out it fits
 * RATE_FORMAT_MAX and parses back to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/core/rate.h"
#include "promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nic_rate r = { 7, 7, 7 }, again;
	struct vmtap_err err = { "" };
	char *s = malloc(size + 1), buf[RATE_FORMAT_MAX];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (nic_rate_parse(s, &r, &err) < 0) {
		promise_one_line(err.msg);
		if (r.rate != 7 || r.peak != 7 || r.burst != 7)
			abort();
		free(s);
		return 0;
	}
	if (r.rate < RATE_MIN || r.rate > RATE_MAX || (r.peak && (r.peak <= r.rate ||
								 r.peak > RATE_MAX)) ||
	    (r.burst && (r.burst < RATE_BURST_MIN || r.burst > RATE_BURST_MAX)))
		abort();
	if (r.burst ? nic_rate_burst(&r) != r.burst : nic_rate_burst(&r) < 65536)
		abort();
	if (nic_rate_format(&r, buf, sizeof(buf)) < 0 || nic_rate_parse(buf, &again, &err) < 0 ||
	    memcmp(&r, &again, sizeof(r)))
		abort();
	free(s);
	return 0;
}
