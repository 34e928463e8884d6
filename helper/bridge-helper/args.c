/* args.c — vmtap-bridge-helper's command line (see args.h).
 *
 * Hand-written rather than getopt_long: getopt_long accepts abbreviations
 * ("--b=x") and permutes argv, neither of which a setuid program's
 * interface should do.  Both "--opt=value" and "--opt value" are taken.
 * The NIC's fields are the table's (field.h); only QEMU's --fd and
 * --use-vnet, and --help and --version, are this file's own. */
#include "helper/bridge-helper/args.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "helper/core/field.h"
#include "helper/core/parse.h"

enum opt { O_FD, O_USE_VNET, O_HELP, O_VERSION, O_COUNT };

static const struct {
	const char *name;
	bool has_value;
} opts[O_COUNT] = {
	[O_FD] = { "--fd", true },
	[O_USE_VNET] = { "--use-vnet", false },
	[O_HELP] = { "--help", false },
	[O_VERSION] = { "--version", false },
};

static int apply(struct helper_args *a, enum opt o, const char *v, struct vmtap_err *err)
{
	unsigned long n;

	switch (o) {
	case O_FD:
		/* "-1" and "3x" fail here; whether the number is an open
		 * AF_UNIX socket is checked once privileges are sorted out. */
		if (parse_uint(v, 0, INT_MAX, &n) < 0 || n <= 2)
			return vmtap_fail(err, -EINVAL, "--fd=%s: expected a socket fd number above 2", v);
		a->fd = (int)n;
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
	bool seen_opt[O_COUNT] = { false }, seen_field[NIC_FIELDS_MAX] = { false };
	const struct nic_field *bridge = nic_field_by_key("bridge");
	const struct nic_field *macvtap = nic_field_by_key("macvtap");
	const struct nic_field *mode = nic_field_by_key("mode");
	const struct nic_field *mac = nic_field_by_key("mac");
	const struct nic_field *guest_mac = nic_field_by_key("guest_mac");
	bool no_bridge = false, mac_given = false;
	int i, r;

	memset(a, 0, sizeof(*a));
	nic_spec_init(&a->spec);
	a->fd = -1;
	a->spec.vhost = VHOST_AUTO;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *val = NULL;
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		char name[NIC_FIELD_NAME_MAX];
		const struct nic_field *f = NULL;
		bool *seen, has_value;
		enum opt o;

		for (o = 0; o < O_COUNT; o++)
			if (strlen(opts[o].name) == len && !strncmp(arg, opts[o].name, len))
				break;
		if (o == O_COUNT && len < sizeof(name)) {
			memcpy(name, arg, len);
			name[len] = '\0';
			f = nic_field_by_name(FRONT_HELPER, name);
		}
		if (o == O_COUNT && !f)
			return vmtap_fail(err, -EINVAL, "unknown argument \"%s\"; see --help", arg);
		seen = f ? &seen_field[f - nic_fields] : &seen_opt[o];
		if (*seen)
			return vmtap_fail(err, -EINVAL, "%.*s given twice", (int)len, arg);
		*seen = true;
		has_value = f ? f->type != NFT_BOOL : opts[o].has_value;
		if (has_value) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
				val = argv[++i];
			else
				return vmtap_fail(err, -EINVAL, "%.*s: missing value", (int)len, arg);
		} else if (eq) {
			return vmtap_fail(err, -EINVAL, "%.*s takes no value (got \"%s\")", (int)len,
					  arg, arg);
		}
		if (f == bridge && !*val) {
			/* "--br=": no bridge.  QEMU adds --br=br0 to a helper
			 * command that has no "--br=" of its own, so a command
			 * for a macvtap says this (checked below). */
			no_bridge = true;
			r = 0;
		} else if (f) {
			char as[NIC_FIELD_NAME_MAX];

			r = nic_field_set(&a->spec, f, nic_field_name(f, FRONT_HELPER, as), '=', val,
					  err);
			/* QEMU's own call names the bridge, or (-netdev
			 * tap,helper="HELPER --macvtap=DEV --br=") a parent,
			 * its mode and its MAC (the guest's, which a macvtap
			 * must have): QEMU reads one byte and one fd. */
			if (f == mac || f == guest_mac)
				mac_given = true;
			else if (f != bridge && f != macvtap && f != mode)
				a->extended = true;
		} else {
			r = apply(a, o, val, err);
		}
		if (r < 0)
			return r;
	}
	if (a->help || a->version)
		return 0;
	if (mac_given && !a->spec.macvtap[0])
		a->extended = true;
	if (no_bridge && !a->spec.macvtap[0])
		return vmtap_fail(err, -EINVAL, "--br=: expected a bridge name (empty only with "
				  "--macvtap=DEV)");
	/* --macvtap=DEV names no bridge. */
	if ((!seen_field[bridge - nic_fields] || no_bridge) && !a->spec.macvtap[0])
		return vmtap_fail(err, -EINVAL, "missing --br=BRIDGE");
	if (!seen_opt[O_FD])
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
