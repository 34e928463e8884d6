/* err.h — how library code reports a failure without printing.
 *
 * Every function returns 0 or a negative errno.  When the errno alone would
 * not tell a user what went wrong, the function also fills a vmtap_err with
 * one line that names the bad value and what was expected.  Only main (or
 * the daemon's request loop) prints it.
 */
#ifndef VMTAP_ERR_H
#define VMTAP_ERR_H

#include <stddef.h>

struct vmtap_err {
	char msg[320];
};

/* Record a message (the first one wins: the deepest cause is the most
 * precise) and return neg_errno, so callers can write
 *   return vmtap_fail(err, -ENODEV, "bridge %s does not exist", br);
 * err may be NULL. */
int vmtap_fail(struct vmtap_err *err, int neg_errno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The message, or strerror(-neg_errno) when none was recorded. */
const char *vmtap_err_text(const struct vmtap_err *err, int neg_errno);

#endif
