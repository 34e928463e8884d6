/* helper-args.c — vmtap-bridge-helper's command line (see helper-args.h).
 *
 * Hand-written rather than getopt_long: getopt_long accepts abbreviations
 * ("--b=x") and permutes argv, neither of which a setuid program's
 * interface should do.  Both "--opt=value" and "--opt value" are taken. */
#include "helper-args.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "ifname.h"
#include "parse.h"

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

static int name_opt(const char *opt, const char *v, char out[IFNAMSIZ], struct vmtap_err *err)
{
	if (ifname_check(v) < 0)
		return vmtap_fail(err, -EINVAL,
				  "%s=%s: expected an interface name of 1-15 bytes, no '/', ':', "
				  "'%%', whitespace or non-ASCII, not all digits", opt, v);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int apply(struct helper_args *a, enum opt o, const char *v, struct vmtap_err *err)
{
	struct nic_spec *s = &a->spec;
	unsigned long n;

	switch (o) {
	case O_BR:
		return name_opt("--br", v, s->bridge, err);
	case O_IFNAME:
		return name_opt("--ifname", v, s->ifname, err);
	case O_FD:
		/* "-1" and "3x" fail here; whether the number is an open
		 * AF_UNIX socket is checked once privileges are sorted out. */
		if (parse_uint(v, 0, INT_MAX, &n) < 0 || n <= 2)
			return vmtap_fail(err, -EINVAL, "--fd=%s: expected a socket fd number above 2", v);
		a->fd = (int)n;
		return 0;
	case O_QUEUES:
		if (parse_uint(v, 1, VMTAP_MAX_QUEUES, &n) < 0)
			return vmtap_fail(err, -ERANGE, "--queues=%s: expected 1..%d", v, VMTAP_MAX_QUEUES);
		s->queues = (unsigned)n;
		return 0;
	case O_MTU:
		if (parse_uint(v, 68, 65521, &n) < 0)
			return vmtap_fail(err, -ERANGE, "--mtu=%s: expected 68..65521", v);
		s->mtu = (unsigned)n;
		return 0;
	case O_VHOST:
		if (vhost_mode_parse(v, &s->vhost) < 0)
			return vmtap_fail(err, -EINVAL, "--vhost=%s: expected on, off or auto", v);
		return 0;
	case O_QDISC:
		if (qdisc_mode_parse(v, &s->qdisc) < 0)
			return vmtap_fail(err, -EINVAL, "--qdisc=%s: expected noqueue or default", v);
		return 0;
	case O_MAC:
		if (parse_mac(v, s->mac) < 0)
			return vmtap_fail(err, -EINVAL,
					  "--mac=%s: expected a unicast MAC like fe:54:00:12:34:56", v);
		s->has_mac = true;
		return 0;
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
