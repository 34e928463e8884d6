/* fuzz_acl.c — fuzz harness for the policy parser (helper/core/acl.c).
 *
 * Feeds any bytes to acl_parse_buffer, which is what acl_load runs after its
 * file checks, so the file system is touched only when the input has an
 * include line (those go through the same checked open as acl_load).  The
 * fuzzer runs as root here and open() is all it takes for some devices to
 * act (a watchdog starts, a tape rewinds), so inputs that include anything
 * and name dev, proc or sys anywhere are skipped: the file checks reject
 * such files without reading them anyway, and the unit tests cover that.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool contains(const uint8_t *data, size_t size, const char *word)
{
	size_t n = strlen(word), i;

	for (i = 0; n <= size && i <= size - n; i++)
		if (!memcmp(data + i, word, n))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const good[] = { "br0", "br1", "virbr0", "all", "deny", "abcdefghijklmno" };
	static const char *const bad[] = { "", "br0:1", "a/b", "..", "123", "abcdefghijklmnop" };
	struct vmtap_err err = { { 0 } };
	struct acl *acl = NULL;
	size_t i;
	int r;

	if (contains(data, size, "include") &&
	    (contains(data, size, "dev") || contains(data, size, "proc") ||
	     contains(data, size, "sys")))
		return 0;

	r = acl_parse_buffer("fuzz", (const char *)data, size, &acl, &err);
	if (r < 0) {
		if (acl || !err.msg[0])
			abort();
		for (i = 0; err.msg[i]; i++)
			if ((unsigned char)err.msg[i] < 0x20 || err.msg[i] == 0x7f)
				abort();
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
