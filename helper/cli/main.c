/* vmtap — the command-line front end.  Dispatches to a subcommand; each
 * subcommand (cmd-*.c) is a main of its own. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "helper/cli/cmd.h"
#include "helper/core/priv.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	/* One line per command, in the order `vmtap --help` lists them. */
	{ "exec", cmd_exec, "start QEMU with NICs made by vmtap" },
	{ "doctor", cmd_doctor, "check this host: tun, vhost-net, helper, policy, bridges" },
	{ "hotplug", cmd_hotplug, "plug a NIC into a running QEMU (QMP)" },
	{ "unplug", cmd_unplug, "unplug a NIC from a running QEMU (QMP)" },
	{ "create", cmd_create, "make a persistent tun/tap device (libvirt, VPNs)" },
	{ "delete", cmd_delete, "delete persistent devices vmtap made" },
	{ "list", cmd_list, "list tun/tap devices: mode, queues, owner, bridge, state" },
	{ "libvirt-hook", cmd_libvirt_hook, "libvirt's qemu hook: taps for <vmtap:port> metadata" },
	{ "attach", cmd_attach, "hot-plug a NIC into a libvirt domain" },
	{ "detach", cmd_detach, "hot-unplug a NIC from a libvirt domain, delete its tap" },
};

static void usage(void)
{
	size_t i;

	printf("Usage: vmtap COMMAND [OPTIONS]   (vmtap COMMAND --help for each)\n"
	       "\n"
	       "The host side of a VM's network card: multiqueue taps on a bridge, with\n"
	       "vhost-net fds, handed to QEMU without giving QEMU privileges.\n"
	       "\n"
	       "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-14s %s\n", commands[i].name, commands[i].summary);
	printf("\n"
	       "  --help         this text\n"
	       "  --version      the version\n");
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
	size_t i;

	if (priv_std_fds() < 0)
		return 1;
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage();
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmtap %s\n", VMTAP_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return cmd_fail(2, "unknown command \"%s\"; see vmtap --help", argv[1]);
}
