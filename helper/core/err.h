/* err.h — how library code reports a failure without printing.
 *
 * Every function returns 0 or a negative errno.  When the errno alone would
 * not tell a user what went wrong, the function also fills a vmtap_err with
 * one line that names the bad value and what was expected.  Only main (or
 * the daemon's request loop) prints it.
 */
#ifndef VMTAP_ERR_H
#define VMTAP_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmtap_err {
	char msg[320];
};

/* Record a message (the first one wins: the deepest cause is the most
 * precise) and return neg_errno, so callers can write
 *   return vmtap_fail(err, -ENODEV, "bridge %s does not exist", br);
 * err may be NULL. */
int vmtap_fail(struct vmtap_err *err, int neg_errno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* (It stores the formatted line through vmtap_show(), unquoted.) */

/* Untrusted text made safe for a one-line message or log line — the one
 * sanitiser (messages, logs, peer text).  Shows s (its first len bytes, or
 * up to its NUL; pass SIZE_MAX for a C string; NULL shows "(null)") in out:
 *   - a C0 control (< 0x20), DEL (0x7f) or UTF-8 encoded C1 control
 *     (U+0080..U+009F, bytes c2 80..c2 9f) becomes \xNN per byte;
 *   - with VMTAP_SHOW_QUOTED (a token shown between quotes to say what is
 *     wrong with it), '"', '\\' and every byte >= 0x80 also become \xNN:
 *     it must not close its quotes or fake an escape, and a non-ASCII
 *     look-alike ("br" + Cyrillic "a") must show as what it is;
 *   - every other byte is kept (without the flag, UTF-8 stays readable).
 * When it does not fit in cap bytes it is cut, an escape never in half,
 * and ends in "...".  out is always NUL-terminated (cap >= 1).  Returns out.
 * Validation (refusing such text) is the caller's business, not this one. */
#define VMTAP_SHOW_QUOTED 1u
/* A buffer for showing a token in a message: cut at about 60 bytes. */
#define VMTAP_SHOW_CAP 64
const char *vmtap_show(char *out, size_t cap, const char *s, size_t len, unsigned flags);
/* True when s (len bytes, or up to its NUL) holds nothing vmtap_show()
 * would escape unquoted: no control byte of the rule above.  For callers
 * that refuse such text rather than show it. */
bool vmtap_text_clean(const char *s, size_t len);
/* The common case: C string tok, to go between quotes, into array buf. */
#define VMTAP_SHOW_TOKEN(buf, tok) \
	vmtap_show((buf), sizeof(buf), (tok), SIZE_MAX, VMTAP_SHOW_QUOTED)

/* The message, or strerror(-neg_errno) when none was recorded. */
const char *vmtap_err_text(const struct vmtap_err *err, int neg_errno);

#endif
