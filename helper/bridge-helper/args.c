/* args.c — vmtap-bridge-helper's command line (see args.h).
 *
 * Hand-written rather than getopt_long: getopt_long accepts abbreviations
 * ("--b=x") and permutes argv, neither of which a setuid program's
 * interface should do.  Both "--opt=value" and "--opt value" are taken. */
#include "helper/bridge-helper/args.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "helper/core/parse.h"
#include "helper/core/spec-set.h"

enum opt {
	O_BR, O_FD, O_QUEUES, O_VHOST, O_MAC, O_MTU, O_IFNAME, O_QDISC,
	O_USE_VNET, O_HELP, O_VERSION, O_COUNT
};

static const struct {
	const char *name;
	bool has_value;
	bool extension;
} opts[O_COUNT] = {
	[O_BR] = { "--br", true, false },
	[O_FD] = { "--fd", true, false },
	[O_QUEUES] = { "--queues", true, true },
	[O_VHOST] = { "--vhost", true, true },
	[O_MAC] = { "--mac", true, true },
	[O_MTU] = { "--mtu", true, true },
	[O_IFNAME] = { "--ifname", true, true },
	[O_QDISC] = { "--qdisc", true, true },
	[O_USE_VNET] = { "--use-vnet", false, false },
	[O_HELP] = { "--help", false, false },
	[O_VERSION] = { "--version", false, false },
};

static int apply(struct helper_args *a, enum opt o, const char *v, struct vmtap_err *err)
{
	struct nic_spec *s = &a->spec;
	unsigned long n;

	switch (o) {
	case O_BR:
		return nic_spec_set(s, "bridge", "--br", v, err);
	case O_FD:
		/* "-1" and "3x" fail here; whether the number is an open
		 * AF_UNIX socket is checked once privileges are sorted out. */
		if (parse_uint(v, 0, INT_MAX, &n) < 0 || n <= 2)
			return vmtap_fail(err, -EINVAL, "--fd=%s: expected a socket fd number above 2", v);
		a->fd = (int)n;
		return 0;
	case O_IFNAME:
	case O_QUEUES:
	case O_VHOST:
	case O_MAC:
	case O_MTU:
	case O_QDISC:
		return nic_spec_set(s, opts[o].name + 2, opts[o].name, v, err);
	case O_USE_VNET:
		a->use_vnet = true;
		return 0;
	case O_HELP:
		a->help = true;
		return 0;
	case O_VERSION:
		a->version = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int helper_args_parse(int argc, char **argv, struct helper_args *a, struct vmtap_err *err)
{
	bool seen[O_COUNT] = { false };
	int i, r;

	memset(a, 0, sizeof(*a));
	nic_spec_init(&a->spec);
	a->fd = -1;
	a->spec.vhost = VHOST_AUTO;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *val = NULL;
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		enum opt o;

		for (o = 0; o < O_COUNT; o++)
			if (strlen(opts[o].name) == len && !strncmp(arg, opts[o].name, len))
				break;
		if (o == O_COUNT)
			return vmtap_fail(err, -EINVAL, "unknown argument \"%s\"; see --help", arg);
		if (seen[o])
			return vmtap_fail(err, -EINVAL, "%s given twice", opts[o].name);
		seen[o] = true;
		if (opts[o].has_value) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
				val = argv[++i];
			else
				return vmtap_fail(err, -EINVAL, "%s: missing value", opts[o].name);
		} else if (eq) {
			return vmtap_fail(err, -EINVAL, "%s takes no value (got \"%s\")", opts[o].name, arg);
		}
		if ((r = apply(a, o, val, err)) < 0)
			return r;
		if (opts[o].extension)
			a->extended = true;
	}
	if (a->help || a->version)
		return 0;
	if (!seen[O_BR])
		return vmtap_fail(err, -EINVAL, "missing --br=BRIDGE");
	if (!seen[O_FD])
		return vmtap_fail(err, -EINVAL, "missing --fd=N (the unix socket to send the tap on)");
	if (!a->extended) {
		/* Plain QEMU call: one queue, and QEMU opens vhost-net
		 * itself when asked to (vhost=on on its side). */
		a->spec.vhost = VHOST_OFF;
		a->spec.vnet_hdr = a->use_vnet;
	} else {
		/* fds= taps are always used by QEMU with a vnet header. */
		a->spec.vnet_hdr = true;
	}
	return 0;
}
