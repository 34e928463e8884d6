/* vmtap — the command-line front end.  Dispatches to a subcommand; each
 * subcommand (cmd-*.c) is a main of its own. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static void usage(void)
{
	printf("Usage: vmtap COMMAND [OPTIONS]\n"
	       "\n"
	       "The host side of a VM's network card: multiqueue taps on a bridge, with\n"
	       "vhost-net fds, handed to QEMU without giving QEMU privileges.\n"
	       "\n"
	       "Commands:\n"
	       "  exec     start QEMU with NICs made by vmtap (vmtap exec --help)\n"
	       "\n"
	       "  --help       this text\n"
	       "  --version    the version\n");
}

int cmd_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("vmtap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(), 2;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage();
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmtap %s\n", VMTAP_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "exec"))
		return cmd_exec(argc - 1, argv + 1);
	return cmd_fail(2, "unknown command \"%s\"; see vmtap --help", argv[1]);
}
