/* promise.h — the checks fuzz harnesses make of every parser's promises
 * (err.h): a refusal comes with one line that a terminal shows as it is
 * (no C0 control byte, no DEL, no UTF-8 encoded C1 control), and a call
 * leaves no fd open behind it.  Each broken promise aborts, which
 * libFuzzer and the replay driver report as a crash. */
#ifndef VMTAP_FUZZ_PROMISE_H
#define VMTAP_FUZZ_PROMISE_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

/* Whether a policy input would make the parser open a file that may be a
 * device: an include line naming dev, proc or sys anywhere.  The fuzzers
 * run as root, and open() is all it takes for some devices to act (a
 * watchdog starts, a tape rewinds); the file checks refuse such files
 * without reading them anyway, and the unit tests cover that. */
static inline bool fuzz_policy_opens_devices(const uint8_t *data, size_t size)
{
	static const char *const words[] = { "include", "dev", "proc", "sys" };
	bool has[4] = { false };
	size_t w, i, n;

	for (w = 0; w < 4; w++)
		for (n = strlen(words[w]), i = 0; !has[w] && n <= size && i <= size - n; i++)
			has[w] = !memcmp(data + i, words[w], n);
	return has[0] && (has[1] || has[2] || has[3]);
}

/* The most arguments fuzz_argv makes (argv[0] besides). */
#define FUZZ_MAX_ARGS 64

/* A command line from a fuzzer's input: argv[0] is name, the rest the
 * input split on NUL and newline bytes (a trailing separator ends the
 * list rather than adding ""), at most FUZZ_MAX_ARGS of them; argv needs
 * FUZZ_MAX_ARGS + 2 slots.  Returns argc, or -1 when out of memory; the
 * strings live in *copy, which the caller frees. */
static inline int fuzz_argv(const uint8_t *data, size_t size, char *name, char **argv,
			    char **copy)
{
	size_t i, start = 0;
	int argc = 0;

	if (!(*copy = malloc(size + 1)))
		return -1;
	memcpy(*copy, data, size);
	(*copy)[size] = '\0';
	argv[argc++] = name;
	for (i = 0; i <= size && argc <= FUZZ_MAX_ARGS; i++) {
		if (i == size || (*copy)[i] == '\0' || (*copy)[i] == '\n') {
			(*copy)[i] = '\0';
			if (i < size || start < size)
				argv[argc++] = *copy + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	return argc;
}

#endif
