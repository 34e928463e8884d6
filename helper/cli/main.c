/* vmtap — the command-line front end.  Dispatches to a subcommand; each
 * subcommand (cmd-*.c) is a main of its own. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "helper/cli/cmd.h"
#include "helper/core/field.h"
#include "helper/core/priv.h"

/* One line per command, in the order `vmtap --help` lists them.  opts are
 * the command's options as its parser takes them ("--x=" takes a value),
 * with fields the table's rows that it takes too (field.h): what
 * `vmtap completion bash` offers.  --help is every command's. */
const struct cmd_entry cmd_table[] = {
	{ "exec", cmd_exec, "start QEMU with NICs made by vmtap",
	  "--nic= --no-device --socket= --helper=", 0 },
	{ "doctor", cmd_doctor, "check this host: tun, vhost-net, helper, policy, bridges",
	  "--json --vhost-selftest --helper= --socket= --user=", 0 },
	{ "hotplug", cmd_hotplug, "plug a NIC into a running QEMU (QMP)",
	  "--qmp= --nic= --bus= --timeout= --json --socket= --helper=", 0 },
	{ "unplug", cmd_unplug, "unplug a NIC from a running QEMU (QMP)",
	  "--qmp= --id= --release= --timeout= --json --socket=", 0 },
	{ "create", cmd_create, "make a persistent tun/tap device (libvirt, VPNs)",
	  "--socket=", FRONT_CREATE },
	{ "delete", cmd_delete, "delete persistent devices vmtap made", "--force --socket=", 0 },
	{ "list", cmd_list, "list tun/tap devices: mode, queues, owner, bridge, state", "--json", 0 },
	{ "libvirt-hook", cmd_libvirt_hook, "libvirt's qemu hook: taps for <vmtap:port> metadata",
	  "--owner= --group=", 0 },
	{ "attach", cmd_attach, "hot-plug a NIC into a libvirt domain",
	  "--connect= --domain= --nic= --dev= --owner= --group= --json --socket=", 0 },
	{ "detach", cmd_detach, "hot-unplug a NIC from a libvirt domain, delete its tap",
	  "--connect= --domain= --dev= --socket=", 0 },
	{ "completion", cmd_completion, "print the bash completion script (from these tables)",
	  "", 0 },
};
const unsigned cmd_count = sizeof(cmd_table) / sizeof(cmd_table[0]);

static void usage(void)
{
	unsigned i;

	printf("Usage: vmtap COMMAND [OPTIONS]   (vmtap COMMAND --help for each)\n"
	       "\n"
	       "The host side of a VM's network card: multiqueue taps on a bridge, with\n"
	       "vhost-net fds, handed to QEMU without giving QEMU privileges.\n"
	       "\n"
	       "Commands:\n");
	for (i = 0; i < cmd_count; i++)
		printf("  %-14s %s\n", cmd_table[i].name, cmd_table[i].summary);
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
	unsigned i;

	if (priv_std_fds() < 0)
		return 1;
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		/* vmtap help COMMAND: that command's own help. */
		if (argc > 2) {
			for (i = 0; i < cmd_count; i++)
				if (!strcmp(argv[2], cmd_table[i].name))
					return cmd_table[i].run(2, (char *[]){ argv[2], "--help", NULL });
			return cmd_fail(2, "help: unknown command \"%s\"; see vmtap --help", argv[2]);
		}
		usage();
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmtap %s\n", VMTAP_VERSION);
		return 0;
	}
	for (i = 0; i < cmd_count; i++)
		if (!strcmp(argv[1], cmd_table[i].name))
			return cmd_table[i].run(argc - 1, argv + 1);
	return cmd_fail(2, "unknown command \"%s\"; see vmtap --help", argv[1]);
}
