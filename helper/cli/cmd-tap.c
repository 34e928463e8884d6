/* vmtap create / delete / list — persistent tun/tap devices, the one-step
 * successor of tunctl, `ip tuntap add` and `openvpn --mktun`:
 *
 *   vmtap create NAME --bridge BR [--queues N] [--owner USER] [--group GROUP]
 *                [--mode tap|tun] [--mtu N] [--mac MAC] [--vnet-hdr] [--socket PATH]
 *   vmtap delete NAME... [--force] [--socket PATH]
 *   vmtap list [--json]
 *
 * A parser and a printer: create fills a nic_spec with persist set, and
 * create and delete go through ptap.h, which does it with CAP_NET_ADMIN
 * (effective) and without it asks vmtapd when its socket answers (the
 * daemon's policy decides by our uid, and the tap is always ours); with
 * neither they say so before touching anything.  list needs nothing.
 *
 * delete checks every name before deleting any: a typo deletes nothing
 * (vmtapd does the same for the names it is sent). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "helper/cli/cmd.h"
#include "helper/cli/create-opt.h"
#include "helper/cli/ptap.h"
#include "helper/core/field.h"
#include "helper/core/ifname.h"
#include "helper/wire/obtain.h"
#include "helper/core/parse.h"
#include "bridge/port.h"
#include "bridge/tcread.h"
#include "helper/core/provision.h"

/* ---- create ----------------------------------------------------------- */

static void create_usage(void)
{
	char opts[2048];

	printf("Usage: vmtap create NAME --bridge BR [OPTION]... [--socket PATH]\n"
	       "       vmtap create NAME --mode tun [--owner USER] [--group GROUP] [--mtu N]\n"
	       "\n"
	       "Makes a persistent tun/tap device that outlives this command, for a\n"
	       "program that opens it later by name (libvirt's <target dev=NAME\n"
	       "managed='no'/>, a VPN).  A tap becomes a port of BR as vmtap's own taps\n"
	       "are: MAC fe:..., the bridge's MTU, root qdisc noqueue, no IPv6, up.\n"
	       "The device gets the alias \"" VMTAP_ALIAS "\": `vmtap delete` removes only\n"
	       "devices that carry it.  Running it again on a device vmtap made, with\n"
	       "the same mode and multi-queue flag, brings it back to what is asked.\n"
	       "--queues N > 1 makes it IFF_MULTI_QUEUE, which whoever opens it must match.\n"
	       "\n"
	       "%s"
	       "  --socket PATH      vmtapd's socket (default %s)\n"
	       "\n"
	       "Needs CAP_NET_ADMIN.  Without it, vmtap asks vmtapd when its socket\n"
	       "answers: the daemon's policy must give you BR (and the queues), the tap\n"
	       "is owned by you (--owner may only name you, --group only a group of\n"
	       "yours), and tun mode is refused.\n",
	       nic_field_help(FRONT_CREATE, NULL, opts, sizeof(opts)), VMTAPD_SOCKET);
}

int cmd_create(int argc, char **argv)
{
	struct vmtap_err err = { "" };
	struct create_args a;
	struct nic_spec spec;
	struct ptap p;
	const char *name, *sock, *owner_arg, *group_arg;
	char made_name[IFNAMSIZ];
	bool made;
	int r;

	if ((r = create_args_parse(argc, argv, &a, &err)) < 0)
		return cmd_fail(2, "%s", vmtap_err_text(&err, r));
	if (a.help) {
		create_usage();
		return 0;
	}
	spec = a.spec;
	name = a.name;
	sock = a.sock;
	owner_arg = a.owner_arg;
	group_arg = a.group_arg;
	if (!name)
		return cmd_fail(2, "create: expected NAME; see vmtap create --help");
	if (ifname_check_err(name, "NAME", &err) < 0)
		return cmd_fail(2, "create: %s", err.msg);
	snprintf(spec.ifname, sizeof(spec.ifname), "%s", name);
	if (spec.mode == NIC_MODE_TAP && !spec.bridge[0] && !spec.macvtap[0])
		return cmd_fail(2, "create: a tap needs --bridge BR (or --mode tun for an L3 device, "
				"or --macvtap DEV)");
	if (spec.mode == NIC_MODE_TUN && spec.bridge[0])
		return cmd_fail(2, "create: --mode tun makes an L3 device with no bridge; drop "
				"--bridge %s", spec.bridge);
	if (spec.mode == NIC_MODE_TUN && (spec.has_mac || spec.queues > 1 || spec.vnet_hdr))
		return cmd_fail(2, "create: --mac, --queues and --vnet-hdr are for taps, not --mode tun");
	if ((r = nic_spec_check(&spec, &err)) < 0)
		return cmd_fail(2, "create: %s", vmtap_err_text(&err, r));
	if ((r = ptap_init(&p, "vmtap create", sock, &err)) < 0 ||
	    (r = ptap_make(&p, &spec, owner_arg, group_arg, made_name, &made, &err)) < 0)
		return cmd_fail(1, "%s", vmtap_err_text(&err, r));
	return 0;
}

/* ---- delete ----------------------------------------------------------- */

int cmd_delete(int argc, char **argv)
{
	struct vmtap_err err = { "" };
	struct ptap p;
	const char *sock = VMTAPD_SOCKET, *v;
	const char **names;
	bool force = false;
	int i, n = 0, r, status = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("Usage: vmtap delete NAME... [--force] [--socket PATH]\n"
			       "\n"
			       "Deletes persistent tun/tap devices that vmtap made (alias \"" VMTAP_ALIAS
			       "\").  Every NAME is\n"
			       "checked first; if one is missing or not vmtap's, none is deleted.\n"
			       "A QEMU still holding the device keeps valid, detached fds.\n"
			       "\n"
			       "  --force         also delete tun/tap devices vmtap did not make\n"
			       "  --socket PATH   vmtapd's socket (default %s)\n"
			       "\n"
			       "Needs CAP_NET_ADMIN.  Without it, vmtap asks vmtapd when its socket\n"
			       "answers, which deletes only taps vmtap made that you own (uid 0: any\n"
			       "vmtap made), and never forces.\n", VMTAPD_SOCKET);
			return 0;
		}
	}
	/* argc bounds the names; argv[0] is the command's own. */
	names = calloc((size_t)argc, sizeof(*names));
	if (!names)
		return cmd_fail(1, "out of memory");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force")) {
			force = true;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--socket"))) {
			sock = v;
		} else if (argv[i][0] == '-') {
			status = cmd_fail(2, "delete: unknown or incomplete option \"%s\"; see vmtap "
					  "delete --help", argv[i]);
			goto out;
		} else {
			names[n++] = argv[i];
		}
	}
	if (!n) {
		status = cmd_fail(2, "delete: expected NAME...; see vmtap delete --help");
		goto out;
	}
	if ((r = ptap_init(&p, "vmtap delete", sock, &err)) < 0 ||
	    (r = ptap_delete(&p, names, (unsigned)n, force, &err)) < 0)
		status = cmd_fail(1, "%s", vmtap_err_text(&err, r));
out:
	free(names);
	return status;
}

/* ---- list ------------------------------------------------------------- */

static const char *user_name(bool has, uint32_t id, char buf[16])
{
	struct passwd *pw;

	if (!has)
		return "-";
	if ((pw = getpwuid(id)))
		return pw->pw_name;
	snprintf(buf, 16, "%u", id);
	return buf;
}

static const char *group_name(bool has, uint32_t id, char buf[16])
{
	struct group *gr;

	if (!has)
		return "-";
	if ((gr = getgrgid(id)))
		return gr->gr_name;
	snprintf(buf, 16, "%u", id);
	return buf;
}

/* A VLAN set as the NIC SPEC writes it ("10:20-29"), or JSON null. */
static json_t *vlans_json(bool port, const struct vlan_set *set)
{
	char buf[VLAN_SET_FORMAT_MAX];

	if (!port || vlan_set_empty(set) || vlan_set_format(set, buf, sizeof(buf), ':') < 0)
		return json_null();
	return json_string(buf);
}

static json_t *port_bool(bool port, bool v)
{
	return port ? json_boolean(v) : json_null();
}

/* A port's tenant fields, named as a request names them (vlan, trunk,
 * isolated, mac_lock), and what the kernel reports besides: locked and
 * learning are mac_lock's two halves, untagged the VLANs sent untagged.
 * null for a device that is no bridge port. */
static int add_port(json_t *o, const struct tun_info *t)
{
	bool p = t->is_port;

	return json_object_set_new(o, "vlan", p && t->has_pvid ? json_integer(t->pvid)
							      : json_null()) |
	       json_object_set_new(o, "trunk", vlans_json(p, &t->tagged)) |
	       json_object_set_new(o, "untagged", vlans_json(p, &t->untagged)) |
	       json_object_set_new(o, "isolated", port_bool(p, t->isolated)) |
	       json_object_set_new(o, "mac_lock", port_bool(p, t->locked && !t->learning)) |
	       json_object_set_new(o, "locked", port_bool(p, t->locked)) |
	       json_object_set_new(o, "learning", port_bool(p, t->learning));
}

/* The mode as the field table words it (tap, tun, or a macvtap's mode). */
static const char *mode_word(enum nic_mode m)
{
	static const char *const w[] = {
		[NIC_MODE_TAP] = "tap", [NIC_MODE_TUN] = "tun", [NIC_MODE_BRIDGE] = "bridge",
		[NIC_MODE_VEPA] = "vepa", [NIC_MODE_PRIVATE] = "private",
		[NIC_MODE_PASSTHRU] = "passthru",
	};

	return (unsigned)m < sizeof(w) / sizeof(w[0]) ? w[m] : "?";
}

/* A limit in a request's words ("10mbit", "10mbit:20mbit"), or "-"
 * (none, or one that cannot be worded). */
static const char *limit_text(const struct nic_rate *r, char buf[RATE_FORMAT_MAX])
{
	if (!r->rate || nic_rate_format(r, buf, RATE_FORMAT_MAX) < 0)
		return "-";
	return buf;
}

static json_t *limit_json(const struct nic_rate *r)
{
	char buf[RATE_FORMAT_MAX];
	const char *t = limit_text(r, buf);

	return strcmp(t, "-") ? json_string(t) : json_null();
}

static int list_json(const struct tun_info *v, const struct tc_limits *lim, size_t n)
{
	json_t *arr = json_array();
	char mac[18];
	size_t i;
	int r;

	if (!arr)
		return cmd_fail(1, "out of memory");
	for (i = 0; i < n; i++) {
		const struct tun_info *t = &v[i];
		json_t *o = json_pack("{s:s, s:s, s:o, s:b, s:b, s:b, s:b, s:o, s:o, s:o, s:s, s:i, s:o, s:i}",
				      "name", t->name,
				      "mode", mode_word(t->mode),
				      "macvtap", t->parent[0] ? json_string(t->parent) : json_null(),
				      "multi_queue", t->multi_queue,
				      "persist", t->persist,
				      "vnet_hdr", t->vnet_hdr,
				      "vmtap", t->by_vmtap,
				      "owner", t->has_owner ? json_integer(t->owner) : json_null(),
				      "group", t->has_group ? json_integer(t->group) : json_null(),
				      "bridge", t->bridge[0] ? json_string(t->bridge) : json_null(),
				      "state", t->state,
				      "mtu", (int)t->mtu,
				      "mac", t->mode != NIC_MODE_TUN ? json_string(format_mac(t->mac, mac))
								     : json_null(),
				      "queues", (int)t->queues);

		/* json_array_append_new takes o, also when it fails. */
		if (o && (add_port(o, t) < 0 ||
			  json_object_set_new(o, "inbound", limit_json(&lim[i].inbound)) < 0 ||
			  json_object_set_new(o, "outbound", limit_json(&lim[i].outbound)) < 0)) {
			json_decref(o);
			o = NULL;
		}
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return cmd_fail(1, "out of memory");
		}
	}
	r = json_dumpf(arr, stdout, JSON_INDENT(2)) < 0 ? 1 : 0;
	putchar('\n');
	json_decref(arr);
	return r;
}

/* The table's FLAGS: isolated, and mac_lock (locked, learning off) or
 * its halves when only one is on; "-" for none or no port. */
static const char *port_flags(const struct tun_info *t, char buf[32])
{
	const char *lock = t->locked && !t->learning ? "mac_lock" : t->locked ? "locked" :
			   !t->learning ? "nolearning" : NULL;

	if (!t->is_port || (!t->isolated && !lock))
		return "-";
	snprintf(buf, 32, "%s%s%s", t->isolated ? "isolated" : "", t->isolated && lock ? "," : "",
		 lock ? lock : "");
	return buf;
}

/* The padded columns; TRUNK, the last, is printed as it is. */
#define LIST_COLS 12

struct list_row {
	char cell[LIST_COLS][64]; /* user and group names stop at 32 bytes */
};

/* The table, each column as wide as its widest cell (a long owner name
 * moves the columns after it instead of running into them). */
static int list_table(const struct tun_info *v, const struct tc_limits *lim, size_t n)
{
	static const char *const head[LIST_COLS] = { "NAME",  "MODE",	"MULTI_QUEUE", "OWNER",
						     "GROUP", "BRIDGE", "STATE",       "VMTAP",
						     "VLAN",  "FLAGS",	"INBOUND",     "OUTBOUND" };
	struct list_row *rows = calloc(n + 1, sizeof(*rows));
	size_t w[LIST_COLS] = { 0 }, i, c;
	char *trunk = malloc(VLAN_SET_FORMAT_MAX);

	if (!rows || !trunk) {
		free(rows);
		free(trunk);
		return cmd_fail(1, "out of memory");
	}
	for (c = 0; c < LIST_COLS; c++)
		snprintf(rows[0].cell[c], sizeof(rows[0].cell[c]), "%s", head[c]);
	for (i = 0; i < n; i++) {
		char (*cell)[64] = rows[i + 1].cell;
		char ob[16], gb[16], flags[32], rate[RATE_FORMAT_MAX];

		snprintf(cell[0], sizeof(cell[0]), "%s", v[i].name);
		snprintf(cell[1], sizeof(cell[1]), "%s", mode_word(v[i].mode));
		snprintf(cell[2], sizeof(cell[2]), "%s", v[i].multi_queue ? "yes" : "no");
		snprintf(cell[3], sizeof(cell[3]), "%s", user_name(v[i].has_owner, v[i].owner, ob));
		snprintf(cell[4], sizeof(cell[4]), "%s", group_name(v[i].has_group, v[i].group, gb));
		snprintf(cell[5], sizeof(cell[5]), "%s%s", v[i].parent[0] ? "macvtap:" : "",
			 v[i].parent[0] ? v[i].parent : v[i].bridge[0] ? v[i].bridge : "-");
		snprintf(cell[6], sizeof(cell[6]), "%s", v[i].state);
		snprintf(cell[7], sizeof(cell[7]), "%s", v[i].by_vmtap ? "yes" : "no");
		if (v[i].is_port && v[i].has_pvid)
			snprintf(cell[8], sizeof(cell[8]), "%u", v[i].pvid);
		else
			snprintf(cell[8], sizeof(cell[8]), "-");
		snprintf(cell[9], sizeof(cell[9]), "%s", port_flags(&v[i], flags));
		snprintf(cell[10], sizeof(cell[10]), "%s", limit_text(&lim[i].inbound, rate));
		snprintf(cell[11], sizeof(cell[11]), "%s", limit_text(&lim[i].outbound, rate));
	}
	for (i = 0; i <= n; i++)
		for (c = 0; c < LIST_COLS; c++)
			if (strlen(rows[i].cell[c]) > w[c])
				w[c] = strlen(rows[i].cell[c]);
	for (i = 0; i <= n; i++) {
		const struct tun_info *t = i ? &v[i - 1] : NULL;

		for (c = 0; c < LIST_COLS; c++)
			printf("%-*s ", (int)w[c], rows[i].cell[c]);
		if (!t)
			snprintf(trunk, VLAN_SET_FORMAT_MAX, "TRUNK");
		else if (!t->is_port || vlan_set_empty(&t->tagged) ||
			 vlan_set_format(&t->tagged, trunk, VLAN_SET_FORMAT_MAX, ':') < 0)
			snprintf(trunk, VLAN_SET_FORMAT_MAX, "-");
		printf("%s\n", trunk);
	}
	free(rows);
	free(trunk);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct vmtap_err err = { "" };
	struct nl_sock *sk = NULL;
	struct tun_info *v = NULL;
	struct tc_limits *lim = NULL;
	int *ifindex = NULL;
	bool json = false;
	size_t n = 0, i;
	int r;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("Usage: vmtap list [--json]\n"
			       "\n"
			       "Every tun/tap device and macvtap of this network namespace: name, mode\n"
			       "(a macvtap's: bridge, vepa, private or passthru; its BRIDGE is\n"
			       "macvtap:PARENT), multi-queue\n"
			       "flag, owner, group, bridge, state (up, no-carrier = up with nobody\n"
			       "attached, down), whether vmtap made it (VMTAP yes: it carries the\n"
			       "alias \"" VMTAP_ALIAS "\", or the name vmtap picks for the taps the\n"
			       "helper and vmtapd make, " VMTAP_IFNAME_PREFIX " and 8 hex digits, or a macvtap's\n"
			       "owner mark), and a bridge port's tenant settings:\n"
			       "VLAN (its PVID), FLAGS (isolated; mac_lock = locked with learning off)\n"
			       "and TRUNK (the VLANs it carries tagged), and its bandwidth limits as\n"
			       "the kernel has them: INBOUND (to the guest: a tbf root qdisc's rate)\n"
			       "and OUTBOUND (from the guest: the police rate of an ingress filter, or\n"
			       "the tbf rate of the IFB it redirects to).  --json names them as a\n"
			       "request does (vlan, trunk, isolated, mac_lock, inbound, outbound; a\n"
			       "limit null when none) and adds untagged, locked and learning.\n");
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			return cmd_fail(2, "list: unknown argument \"%s\"; see vmtap list --help",
					argv[i]);
		}
	}
	if ((r = rtnl_open(&sk, &err)) == 0 && (r = tun_list(sk, &v, &n, &err)) == 0) {
		/* One more than n: calloc(0) may be NULL. */
		lim = calloc(n + 1, sizeof(*lim));
		ifindex = calloc(n + 1, sizeof(*ifindex));
		if (!lim || !ifindex)
			r = vmtap_fail(&err, -ENOMEM, "out of memory");
		for (i = 0; r == 0 && i < n; i++)
			ifindex[i] = v[i].ifindex;
		if (r == 0)
			r = tc_limits_read(sk, ifindex, n, lim, &err);
	}
	rtnl_close(sk);
	free(ifindex);
	if (r == 0)
		r = json ? list_json(v, lim, n) : list_table(v, lim, n);
	else
		r = cmd_fail(1, "%s", vmtap_err_text(&err, r));
	free(lim);
	free(v);
	return r;
}
