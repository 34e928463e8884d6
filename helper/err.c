/* err.c — one-line failure messages for main to print (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int vmtap_fail(struct vmtap_err *err, int neg_errno, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->msg[0])
		return neg_errno;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return neg_errno;
}

const char *vmtap_err_text(const struct vmtap_err *err, int neg_errno)
{
	if (err && err->msg[0])
		return err->msg;
	return strerror(neg_errno < 0 ? -neg_errno : neg_errno);
}
