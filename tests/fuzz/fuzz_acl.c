/* fuzz_acl.c — fuzz harness for the policy parser (helper/core/acl.c).
 *
 * Feeds any bytes to acl_parse_buffer, which is what acl_load runs after its
 * file checks, so the file system is touched only when the input has an
 * include line (those go through the same checked open as acl_load); an
 * include that may name a device is skipped (fuzz_policy_opens_devices).
 * Besides the sanitizers' own findings it aborts when a promise in acl.h is
 * broken: an error comes with a one-line message free of control bytes and
 * leaves no acl behind; success gives an acl; a name that is not an
 * interface name is never allowed. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/core/acl.h"
#include "promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const good[] = { "br0", "br1", "virbr0", "all", "deny", "abcdefghijklmno" };
	static const char *const bad[] = { "", "br0:1", "a/b", "..", "123", "abcdefghijklmnop" };
	struct vmtap_err err = { { 0 } };
	struct acl *acl = NULL;
	size_t i;
	int r;

	if (fuzz_policy_opens_devices(data, size))
		return 0;

	r = acl_parse_buffer("fuzz", (const char *)data, size, &acl, &err);
	if (r < 0) {
		if (acl)
			abort();
		promise_one_line(err.msg);
		return 0;
	}
	if (r != 0 || !acl)
		abort();
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		(void)acl_allows(acl, good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (acl_allows(acl, bad[i]))
			abort();
	acl_free(acl);
	return 0;
}
