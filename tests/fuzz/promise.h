/* promise.h — the checks fuzz harnesses make of every parser's promises
 * (err.h): a refusal comes with one line that a terminal shows as it is
 * (no C0 control byte, no DEL, no UTF-8 encoded C1 control), and a call
 * leaves no fd open behind it.  Each broken promise aborts, which
 * libFuzzer and the replay driver report as a crash. */
#ifndef VMTAP_FUZZ_PROMISE_H
#define VMTAP_FUZZ_PROMISE_H

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static inline void promise_one_line(const char *msg)
{
	const unsigned char *m = (const unsigned char *)msg;
	size_t i;

	if (!m[0])
		abort();
	for (i = 0; m[i]; i++)
		if (m[i] < 0x20 || m[i] == 0x7f || (m[i] == 0xc2 && m[i + 1] >= 0x80 && m[i + 1] <= 0x9f))
			abort();
}

/* The lowest free fd number: the same before and after a call when the
 * call closed everything it opened. */
static inline int promise_fd_mark(void)
{
	int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

#endif
