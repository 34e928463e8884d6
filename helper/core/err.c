/* err.c — one-line failure messages for main to print (see err.h).
 *
 * Messages quote untrusted values (argv, file lines, XML attributes, JSON
 * strings), so the one place that stores them keeps the one-line promise:
 * control bytes (and C1 controls in UTF-8) are shown as \xNN, never
 * written raw to a terminal or a log. */
#include "helper/core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Bytes of raw at i that must not reach a terminal: a C0 control or DEL
 * (1), a UTF-8 encoded C1 control, U+0080..U+009F (2), else 0. */
static size_t control_at(const unsigned char *raw, size_t i)
{
	if (raw[i] < 0x20 || raw[i] == 0x7f)
		return 1;
	if (raw[i] == 0xc2 && raw[i + 1] >= 0x80 && raw[i + 1] <= 0x9f)
		return 2;
	return 0;
}

int vmtap_fail(struct vmtap_err *err, int neg_errno, const char *fmt, ...)
{
	unsigned char raw[sizeof(err->msg)];
	size_t i, o = 0, n;
	va_list ap;

	if (!err || err->msg[0])
		return neg_errno;
	va_start(ap, fmt);
	vsnprintf((char *)raw, sizeof(raw), fmt, ap);
	va_end(ap);
	for (i = 0; raw[i]; i += n ? n : 1) {
		n = control_at(raw, i);
		if (!n) {
			if (o + 1 >= sizeof(err->msg))
				break;
			err->msg[o++] = (char)raw[i];
			continue;
		}
		/* Shown whole or not at all: a cut escape would mislead. */
		if (o + 4 * n >= sizeof(err->msg))
			break;
		o += (size_t)snprintf(err->msg + o, sizeof(err->msg) - o, "\\x%02x", raw[i]);
		if (n == 2)
			o += (size_t)snprintf(err->msg + o, sizeof(err->msg) - o, "\\x%02x", raw[i + 1]);
	}
	err->msg[o] = '\0';
	return neg_errno;
}

const char *vmtap_err_text(const struct vmtap_err *err, int neg_errno)
{
	if (err && err->msg[0])
		return err->msg;
	return strerror(neg_errno < 0 ? -neg_errno : neg_errno);
}
