/* vmtap exec — start QEMU with NICs made by vmtap, without privileges.
 *
 *   vmtap exec [--socket PATH] [--helper PATH] --nic SPEC [--nic SPEC]...
 *              [--no-device] -- QEMU ARGV...
 *
 * Every NIC is obtained before QEMU starts (all or nothing: if one fails,
 * the ones already made are closed and vanish), then vmtap execve()s QEMU
 * itself — no fork — so QEMU's pid, signals and exit status are the
 * caller's.  Exactly the NIC fds are made inheritable; every fd vmtap
 * opened itself is CLOEXEC, and fds the caller gave vmtap pass through
 * untouched, as they would to QEMU. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper/cli/cmd.h"
#include "helper/cli/nic-opt.h"
#include "helper/wire/obtain.h"
#include "helper/cli/qemu-argv.h"

#define MAX_NICS 16

static void usage(void)
{
	char keys[4096];

	printf("Usage: vmtap exec [--socket PATH] [--helper PATH] --nic SPEC [--nic SPEC]...\n"
	       "                  [--no-device] -- QEMU ARGV...\n"
	       "\n"
	       "Makes one NIC per --nic (a multiqueue tap on a bridge, with vhost-net fds\n"
	       "when available), adds them to QEMU's command line as\n"
	       "  -netdev tap,id=ID,fds=a:b:...[,vhost=on,vhostfds=x:y:...]\n"
	       "  -device MODEL,netdev=ID,mac=MAC[,mq=on,vectors=2N+2]\n"
	       "and executes QEMU in its own place (same pid, signals, exit status).\n"
	       "\n"
	       "SPEC = BRIDGE[,KEY=VALUE...] | bridge=BRIDGE[,KEY=VALUE...], keys:\n"
	       "%s"
	       "\n"
	       "Options:\n"
	       "  --nic SPEC          a NIC to add (repeatable, at most %d)\n"
	       "  --no-device         add only -netdev; write your own -device\n"
	       "  --socket PATH       vmtapd's socket (default %s); used when it answers\n"
	       "  --helper PATH       vmtap-bridge-helper to run otherwise (default: next to\n"
	       "                      this program, else the installed one)\n"
	       "  --help              this text\n"
	       "\n"
	       "Example:\n"
	       "  vmtap exec --nic br0,queues=auto -- qemu-system-x86_64 -smp 4 -m 1G disk.img\n",
	       nic_opt_help(keys, sizeof(keys)), MAX_NICS, VMTAPD_SOCKET);
}

/* PATH lookup as execvp would do it, so a missing QEMU is reported before
 * any tap is made. */
static int find_program(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return -errno;
		snprintf(out, cap, "%s", name);
		return 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n > 0 && (size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name) <
				     sizeof(buf) &&
		    access(buf, X_OK) == 0) {
			snprintf(out, cap, "%s", buf);
			return 0;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

int cmd_exec(int argc, char **argv)
{
	struct obtain_opts oo = { NULL, NULL };
	struct vmtap_err said = { "" };
	struct nic_opt opts[MAX_NICS];
	struct nic nics[MAX_NICS];
	char netdev[MAX_NICS][1024], device[MAX_NICS][256], ids[MAX_NICS][NIC_ID_MAX];
	char qemu[PATH_MAX];
	char **qargv, **nargv;
	int nnic = 0, made = 0, qargc, i, j, r, status = 1;
	bool no_device = false;
	unsigned vcpus;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *v;

		if (!strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else if (!strcmp(argv[i], "--no-device")) {
			no_device = true;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--socket"))) {
			oo.socket_path = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--helper"))) {
			oo.helper_path = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--nic"))) {
			struct vmtap_err err = { "" };

			if (nnic == MAX_NICS)
				return cmd_fail(2, "too many --nic options; at most %d", MAX_NICS);
			if (nic_opt_parse(v, &opts[nnic], &err) < 0)
				return cmd_fail(2, "--nic %s: %s", v, err.msg);
			nnic++;
		} else if (argv[i][0] != '-') {
			/* The usual slip: QEMU's argv with no -- before it. */
			return cmd_fail(2, "exec: \"%s\" is not an option of vmtap exec; put -- before "
					"QEMU's argv: vmtap exec --nic SPEC -- %s ...", argv[i], argv[i]);
		} else {
			return cmd_fail(2, "exec: unknown or incomplete option \"%s\"; see vmtap exec --help",
					argv[i]);
		}
	}
	if (i >= argc || i + 1 >= argc)
		return cmd_fail(2, "exec: expected -- QEMU ARGV...; see vmtap exec --help");
	if (nnic == 0)
		return cmd_fail(2, "exec: expected at least one --nic SPEC");
	qargv = argv + i + 1;
	qargc = argc - i - 1;
	if ((r = find_program(qargv[0], qemu, sizeof(qemu))) < 0)
		return cmd_fail(1, "QEMU binary \"%s\": %s", qargv[0],
				r == -ENOENT && !strchr(qargv[0], '/') ? "not found in PATH" : strerror(-r));

	vcpus = qemu_smp_vcpus(qargc + 1, qargv - 1);
	for (i = 0; i < nnic; i++) {
		if (opts[i].queues_auto)
			opts[i].spec.queues = vcpus < NIC_AUTO_QUEUES_MAX ? vcpus : NIC_AUTO_QUEUES_MAX;
		if (opts[i].id[0])
			snprintf(ids[i], sizeof(ids[i]), "%s", opts[i].id);
		else
			snprintf(ids[i], sizeof(ids[i]), "net%d", i);
		for (j = 0; j < i; j++)
			if (!strcmp(ids[i], ids[j]))
				return cmd_fail(2, "--nic: id %s used twice", ids[i]);
		if (nic_opt_fill_macs(&opts[i]) < 0)
			return cmd_fail(1, "cannot pick a random MAC");
	}

	for (made = 0; made < nnic; made++) {
		struct vmtap_err err = { "" }, warn = { "" };

		if ((r = nic_obtain(&oo, &opts[made].spec, &nics[made], &warn, &err)) < 0) {
			cmd_fail(1, "%s", vmtap_err_text(&err, r));
			goto out;
		}
		/* Kept until every NIC exists (a failure is one line), and said
		 * once, not once per NIC. */
		if (warn.msg[0])
			said = warn;
		if (qemu_netdev_arg(&nics[made], ids[made], netdev[made], sizeof(netdev[made])) < 0 ||
		    qemu_device_arg(&nics[made], ids[made], opts[made].model, opts[made].guest_mac,
				    device[made], sizeof(device[made])) < 0) {
			made++;
			cmd_fail(1, "internal: QEMU argument too long");
			goto out;
		}
	}

	nargv = calloc((size_t)qargc + 4 * (size_t)nnic + 1, sizeof(char *));
	if (!nargv) {
		cmd_fail(1, "out of memory");
		goto out;
	}
	for (i = 0; i < qargc; i++)
		nargv[i] = qargv[i];
	for (j = 0; j < nnic; j++) {
		unsigned q;

		nargv[i++] = "-netdev";
		nargv[i++] = netdev[j];
		if (!no_device) {
			nargv[i++] = "-device";
			nargv[i++] = device[j];
		}
		for (q = 0; q < nics[j].queues; q++)
			fcntl(nics[j].tapfd[q], F_SETFD, 0);
		for (q = 0; q < nics[j].nvhost; q++)
			fcntl(nics[j].vhostfd[q], F_SETFD, 0);
	}
	nargv[i] = NULL;
	if (said.msg[0])
		fprintf(stderr, "vmtap: %s\n", said.msg);
	execv(qemu, nargv);
	cmd_fail(1, "cannot execute %s: %s", qemu, strerror(errno));
	free(nargv);
out:
	for (i = 0; i < made; i++)
		nic_close(&nics[i]);
	return status;
}
