/* err.c — one-line failure messages for main to print (see err.h).
 *
 * Messages quote untrusted values (argv, file lines, XML attributes, JSON
 * strings), so the one place that stores them keeps the one-line promise:
 * control bytes (and C1 controls in UTF-8) are shown as \xNN, never
 * written raw to a terminal or a log.  vmtap_show() is that rule, the one
 * sanitiser every message and log line uses. */
#include "helper/core/err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Bytes at s[i] that must not reach a terminal: a C0 control or DEL (1), a
 * UTF-8 encoded C1 control, U+0080..U+009F (2), else 0.  avail is how many
 * bytes s holds from i on. */
static size_t control_at(const unsigned char *s, size_t i, size_t avail)
{
	if (s[i] < 0x20 || s[i] == 0x7f)
		return 1;
	if (s[i] == 0xc2 && avail >= 2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
		return 2;
	return 0;
}

/* How many bytes of out the byte(s) at s[i] take, and in *n how many of s
 * they are. */
static size_t shown_len(const unsigned char *s, size_t i, size_t avail, unsigned flags,
			size_t *n)
{
	*n = control_at(s, i, avail);
	if (!*n && (flags & VMTAP_SHOW_QUOTED) && (s[i] == '"' || s[i] == '\\' || s[i] >= 0x80))
		*n = 1;
	if (*n)
		return 4 * *n;
	*n = 1;
	return 1;
}

const char *vmtap_show(char *out, size_t cap, const char *s, size_t len, unsigned flags)
{
	const unsigned char *in;
	size_t i, o = 0, n, k, w, total = 0, room;

	if (!cap)
		return out;
	if (!s) {
		s = "(null)";
		len = SIZE_MAX;
	}
	in = (const unsigned char *)s;
	for (i = 0; i < len && in[i]; i += n)
		total += shown_len(in, i, len - i, flags, &n);
	/* All of it, or as much as leaves room for "...". */
	room = total < cap ? cap - 1 : (cap > 4 ? cap - 4 : 0);
	for (i = 0; i < len && in[i]; i += n) {
		w = shown_len(in, i, len - i, flags, &n);
		if (o + w > room)
			break; /* an escape is shown whole or not at all */
		if (w == 1) {
			out[o++] = (char)in[i];
			continue;
		}
		for (k = 0; k < n; k++)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", in[i + k]);
	}
	if (total >= cap && cap > 4) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

bool vmtap_text_clean(const char *s, size_t len)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < len && in[i]; i++)
		if (control_at(in, i, len - i))
			return false;
	return true;
}

int vmtap_fail(struct vmtap_err *err, int neg_errno, const char *fmt, ...)
{
	char raw[sizeof(err->msg)];
	va_list ap;

	if (!err || err->msg[0])
		return neg_errno;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	vmtap_show(err->msg, sizeof(err->msg), raw, sizeof(raw), 0);
	return neg_errno;
}

const char *vmtap_err_text(const struct vmtap_err *err, int neg_errno)
{
	if (err && err->msg[0])
		return err->msg;
	return strerror(neg_errno < 0 ? -neg_errno : neg_errno);
}
