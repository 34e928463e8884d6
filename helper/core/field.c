/* field.c — the table of NIC fields and what every front end derives from
 * it (see field.h).  A row is data; the code below knows types, never
 * keys. */
#include "helper/core/field.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helper/core/ifname.h"
#include "helper/core/parse.h"

#define AT(m) offsetof(struct nic_spec, m)

/* NFT_WORD members are read and written as int. */
_Static_assert(sizeof(enum vhost_mode) == sizeof(int), "enum is an int");
_Static_assert(sizeof(enum qdisc_mode) == sizeof(int), "enum is an int");
_Static_assert(sizeof(enum nic_mode) == sizeof(int), "enum is an int");

static const struct nic_word vhost_words[] = {
	{ "on", VHOST_ON }, { "off", VHOST_OFF }, { "auto", VHOST_AUTO }, { NULL, 0 },
};
static const struct nic_word qdisc_words[] = {
	{ "noqueue", QDISC_NOQUEUE }, { "default", QDISC_KERNEL }, { NULL, 0 },
};
static const struct nic_word mode_words[] = {
	{ "tap", NIC_MODE_TAP }, { "tun", NIC_MODE_TUN }, { "bridge", NIC_MODE_BRIDGE },
	{ "vepa", NIC_MODE_VEPA }, { "private", NIC_MODE_PRIVATE },
	{ "passthru", NIC_MODE_PASSTHRU }, { NULL, 0 },
};

/* The order is the order of every key list and of what encoders send. */
const struct nic_field nic_fields[] = {
	/* The pool is chosen by bridge and queues; provision_ready gives a
	 * pooled NIC its MAC and vhost fds; pool_take checks its MTU. */
	{ .key = "bridge", .type = NFT_NAME, .fronts = FRONT_ALL, .poolable = true,
	  .helper_opt = "--br", .off = AT(bridge),
	  .meta = "BRIDGE", .help = "the bridge the tap joins" },
	/* A NIC on an uplink (README, "macvtap"): never poolable, and granted
	 * by vmtapd's policy only (acl_check_nic).  The qemu hook makes one
	 * as root, persistent, for libvirt to open (managed='no'). */
	{ .key = "macvtap", .type = NFT_NAME,
	  .fronts = FRONT_HELPER | FRONT_SPEC | FRONT_CREATE | FRONT_NIC | FRONT_PERSIST |
		    FRONT_LIBVIRT,
	  .off = AT(macvtap),
	  .meta = "DEV", .help = "a macvtap on uplink DEV instead of a tap on a bridge" },
	/* vmtap create's and the hook's name is positional / the port's dev. */
	{ .key = "ifname", .type = NFT_NAME,
	  .fronts = FRONT_HELPER | FRONT_NIC | FRONT_PERSIST | FRONT_LIBVIRT,
	  .xml_attr = "dev", .off = AT(ifname),
	  .meta = "NAME", .help = "the tap's name (default vmt + 8 hex digits)" },
	{ .key = "queues", .type = NFT_UINT,
	  .fronts = FRONT_HELPER | FRONT_SPEC | FRONT_CREATE | FRONT_NIC | FRONT_PERSIST,
	  .poolable = true, .off = AT(queues), .min = 1, .max = VMTAP_MAX_QUEUES,
	  .meta = "N", .help = "tap queues, 1..64 (default 1); more than one makes it\n"
	  "                     IFF_MULTI_QUEUE" },
	/* A persistent device's opener brings its own vhost-net fds. */
	{ .key = "vhost", .type = NFT_WORD, .fronts = FRONT_HELPER | FRONT_SPEC | FRONT_NIC,
	  .poolable = true, .off = AT(vhost), .words = vhost_words,
	  .help = "vhost-net fds (default auto: when /dev/vhost-net opens)" },
	{ .key = "mac", .type = NFT_MAC,
	  .fronts = FRONT_HELPER | FRONT_SPEC | FRONT_CREATE | FRONT_NIC | FRONT_PERSIST,
	  .poolable = true, .off = AT(mac), .has_off = AT(has_mac),
	  .meta = "MAC", .help = "the tap's own MAC (default fe: + guest_mac's last five\n"
	  "                     bytes, or random)" },
	/* A NIC SPEC's mac= is the guest's already (nic-opt.c fills this from
	 * it); the hook's is <mac address=...> unless the metadata gives one.
	 * Poolable: provision_ready gives a pooled tap the MAC it implies. */
	{ .key = "guest_mac", .type = NFT_MAC,
	  .fronts = FRONT_HELPER | FRONT_CREATE | FRONT_NIC | FRONT_PERSIST | FRONT_LIBVIRT,
	  .poolable = true, .off = AT(guest_mac), .has_off = AT(has_guest_mac),
	  .meta = "MAC", .help = "the guest's MAC: what mac_lock lets in (and the tap's\n"
	  "                     MAC follows it when mac is not given)" },
	{ .key = "mtu", .type = NFT_UINT,
	  .fronts = FRONT_HELPER | FRONT_SPEC | FRONT_CREATE | FRONT_NIC | FRONT_PERSIST,
	  .poolable = true, .off = AT(mtu), .min = VMTAP_MTU_MIN, .max = VMTAP_MTU_MAX,
	  .meta = "N", .help = "the tap's MTU, 68..65521 (default the bridge's)" },
	{ .key = "qdisc", .type = NFT_WORD,
	  .fronts = FRONT_HELPER | FRONT_SPEC | FRONT_CREATE | FRONT_NIC | FRONT_PERSIST,
	  .off = AT(qdisc), .words = qdisc_words,
	  .help = "root qdisc: noqueue (default) or default (the kernel's)" },
	/* The helper's is QEMU's --use-vnet, which is no extension. */
	{ .key = "vnet_hdr", .type = NFT_BOOL, .fronts = FRONT_CREATE | FRONT_NIC | FRONT_PERSIST,
	  .off = AT(vnet_hdr),
	  .help = "create it with IFF_VNET_HDR" },
	/* vmtapd refuses tun (proto.c): its policy speaks of bridges.  The
	 * same key is a macvtap's mode; nic_spec_check matches the word to
	 * the kind of device.  The hook's ports refuse tun (domxml.c). */
	{ .key = "mode", .type = NFT_WORD, .fronts = FRONT_ALL,
	  .off = AT(mode), .words = mode_words,
	  .help = "tap (Ethernet, default) or tun (L3, no bridge); with\n"
	  "                     macvtap: bridge (default), vepa, private, passthru" },
	/* Through vmtapd the owner is always the caller. */
	{ .key = "owner", .type = NFT_ID, .fronts = FRONT_CREATE, .off = AT(owner),
	  .has_off = AT(has_owner),
	  .meta = "USER", .help = "this user may open it without CAP_NET_ADMIN" },
	{ .key = "group", .type = NFT_ID, .fronts = FRONT_CREATE | FRONT_PERSIST,
	  .off = AT(group), .has_off = AT(has_group), .gid = true,
	  .meta = "GROUP", .help = "members of this group may open it (with an owner too,\n"
	  "                     the kernel asks for both)" },
	/* Tenant networks (README): what a pooled NIC was made without, so
	 * never poolable; a VLAN is granted by vmtapd's policy only. */
	{ .key = "vlan", .type = NFT_UINT, .fronts = FRONT_ALL,
	  .audited = true, .off = AT(vlan), .min = VLAN_VID_MIN, .max = VLAN_VID_MAX,
	  .meta = "N", .help = "access VLAN 1..4094 (PVID, untagged); with trunk,\n"
	  "                     its native VLAN" },
	{ .key = "trunk", .type = NFT_VLANS, .fronts = FRONT_ALL, .audited = true, .off = AT(trunk),
	  .meta = "LIST", .help = "VLANs carried tagged, as 10:20-29 (',' works too,\n"
	  "                     but not in a NIC SPEC)" },
	{ .key = "isolated", .type = NFT_SWITCH, .fronts = FRONT_ALL, .off = AT(isolated),
	  .has_off = AT(has_isolated), .audited = true, .meta = "on|off",
	  .help = "no traffic with the bridge's other isolated ports" },
	{ .key = "mac_lock", .type = NFT_SWITCH, .fronts = FRONT_ALL, .off = AT(mac_lock),
	  .has_off = AT(has_mac_lock), .audited = true, .meta = "on|off",
	  .help = "only frames from the guest's MAC enter the bridge" },
	/* What mac_lock does but the lock: learning off and the guest's MAC
	 * as a static FDB entry, which an EVPN speaker (FRR) on the host
	 * advertises from the moment the NIC is plugged (README, "Across
	 * hosts"). */
	{ .key = "announce", .type = NFT_SWITCH, .fronts = FRONT_ALL, .off = AT(announce),
	  .has_off = AT(has_announce), .audited = true, .meta = "on|off",
	  .help = "the guest's MAC in the bridge's FDB from the start\n"
	  "                     (static: EVPN advertises it); learning off" },
	/* README, "NICs in another network namespace".  vmtapd never opens
	 * the text: the client sends an fd of the namespace with it
	 * (proto.h).  Not create-persistent (vmtapd's record of a device is
	 * by name and index in its own namespace: `vmtap create --netns`
	 * needs CAP_NET_ADMIN), nor the hook (libvirt's own namespace). */
	{ .key = "netns", .type = NFT_NETNS,
	  .fronts = FRONT_HELPER | FRONT_SPEC | FRONT_CREATE | FRONT_NIC,
	  .off = AT(netns), .meta = "NS",
	  .help = "make it in network namespace NS (a name under\n"
	  "                     /run/netns, or a path like /proc/PID/ns/net)" },
	/* Bandwidth limits: not poolable (a pooled NIC has noqueue).  The
	 * hook reads them from the interface's own <bandwidth> (domxml.c), so
	 * not from the metadata. */
	{ .key = "inbound", .type = NFT_RATE, .fronts = FRONT_ALL & ~FRONT_LIBVIRT,
	  .audited = true, .off = AT(inbound), .meta = "RATE",
	  .help = "limit to the guest, RATE[:PEAK][:BURST] (10mbit,\n"
	  "                     10mbit:20mbit:64kb; tc's units)" },
	{ .key = "outbound", .type = NFT_RATE, .fronts = FRONT_ALL & ~FRONT_LIBVIRT,
	  .audited = true, .off = AT(outbound), .meta = "RATE",
	  .help = "limit from the guest, RATE[:PEAK][:BURST] (policed, or\n"
	  "                     through an IFB where the kernel has no police)" },
	/* Set by the request (vmtap create, create-persistent, the hook), not
	 * by a key. */
	{ .key = "persist", .type = NFT_BOOL, .fronts = 0, .off = AT(persist) },
};
const unsigned nic_nfields = sizeof(nic_fields) / sizeof(nic_fields[0]);
_Static_assert(sizeof(nic_fields) / sizeof(nic_fields[0]) <= NIC_FIELDS_MAX, "NIC_FIELDS_MAX");

#define ID_MAX 0xfffffffeUL /* (uid_t)-1 means "none" to the kernel */

static void *member(struct nic_spec *s, size_t off)
{
	return (char *)s + off;
}

static const void *cmember(const struct nic_spec *s, size_t off)
{
	return (const char *)s + off;
}

static bool *has_flag(struct nic_spec *s, const struct nic_field *f)
{
	return member(s, f->has_off);
}

static bool chas_flag(const struct nic_spec *s, const struct nic_field *f)
{
	return *(const bool *)cmember(s, f->has_off);
}

/* A netns= value: a name as `ip netns` makes them under /run/netns, or an
 * absolute path; no "." or ".." part, nothing a NIC SPEC or a log would
 * split or hide (',', '=', spaces, control bytes). */
static int netns_text_check(const char *v)
{
	const char *p = v[0] == '/' ? v + 1 : v;
	size_t n = strlen(v), k;

	if (n == 0 || n >= VMTAP_NETNS_MAX || v[0] == '-')
		return -EINVAL;
	for (;;) { /* each part between '/' */
		k = strcspn(p, "/");
		if (k == 0 || (k == 1 && p[0] == '.') || (k == 2 && !strncmp(p, "..", 2)))
			return -EINVAL;
		for (size_t i = 0; i < k; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
			      (p[i] >= '0' && p[i] <= '9') || p[i] == '_' || p[i] == '-' ||
			      p[i] == '.'))
				return -EINVAL;
		if (!p[k])
			return 0;
		if (v[0] != '/')
			return -EINVAL; /* a name has no '/' */
		p += k + 1;
	}
}

static const char *dashed(const char *key, char buf[NIC_FIELD_NAME_MAX])
{
	size_t i;

	buf[0] = buf[1] = '-';
	for (i = 0; key[i] && i + 3 < NIC_FIELD_NAME_MAX; i++)
		buf[i + 2] = key[i] == '_' ? '-' : key[i];
	buf[i + 2] = '\0';
	return buf;
}

const char *nic_field_name(const struct nic_field *f, unsigned front,
			   char buf[NIC_FIELD_NAME_MAX])
{
	switch (front) {
	case FRONT_HELPER:
		return f->helper_opt ? f->helper_opt : dashed(f->key, buf);
	case FRONT_CREATE:
		return dashed(f->key, buf);
	case FRONT_LIBVIRT:
		return f->xml_attr ? f->xml_attr : f->key;
	default:
		return f->key;
	}
}

const struct nic_field *nic_field_by_name(unsigned front, const char *name)
{
	char buf[NIC_FIELD_NAME_MAX];
	unsigned i;

	for (i = 0; i < nic_nfields; i++)
		if ((nic_fields[i].fronts & front) &&
		    !strcmp(nic_field_name(&nic_fields[i], front, buf), name))
			return &nic_fields[i];
	return NULL;
}

const struct nic_field *nic_field_by_key(const char *key)
{
	unsigned i;

	for (i = 0; i < nic_nfields; i++)
		if (!strcmp(nic_fields[i].key, key))
			return &nic_fields[i];
	return NULL;
}

/* "a, b or c" of the words (or keys) in list, n of them. */
static const char *join(const char *const *list, size_t n, char *buf, size_t cap)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < cap; i++) {
		int k = snprintf(buf + off, cap - off, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
				 list[i]);

		if (k < 0)
			break;
		off += (size_t)k;
	}
	return buf;
}

const char *nic_field_expected(const struct nic_field *f, char buf[NIC_FIELD_EXPECTED_MAX])
{
	const char *words[8];
	size_t n;

	switch (f->type) {
	case NFT_NAME:
		return IFNAME_EXPECTED;
	case NFT_UINT:
		snprintf(buf, NIC_FIELD_EXPECTED_MAX, "%lu..%lu", f->min, f->max);
		return buf;
	case NFT_WORD:
		for (n = 0; f->words[n].word && n < 8; n++)
			words[n] = f->words[n].word;
		return join(words, n, buf, NIC_FIELD_EXPECTED_MAX);
	case NFT_MAC:
		return "a unicast MAC like fe:54:00:12:34:56";
	case NFT_ID:
		snprintf(buf, NIC_FIELD_EXPECTED_MAX, "0..%lu", ID_MAX);
		return buf;
	case NFT_VLANS:
		return "a VLAN list like 10:20-29 (VLANs 1..4094)";
	case NFT_SWITCH:
		return "on or off";
	case NFT_NETNS:
		return "a name under /run/netns or an absolute path like /proc/PID/ns/net";
	case NFT_RATE:
		return RATE_EXPECTED;
	default:
		return "true or false";
	}
}

int nic_field_set(struct nic_spec *s, const struct nic_field *f, const char *as, char sep,
		  const char *v, struct vmtap_err *err)
{
	char exp[NIC_FIELD_EXPECTED_MAX];
	const struct nic_word *w;
	unsigned long n;

	if (!v && f->type != NFT_BOOL)
		return vmtap_fail(err, -EINVAL, "%s: missing value; expected %s", as,
				  nic_field_expected(f, exp));
	switch (f->type) {
	case NFT_NAME:
		if (ifname_check(v) < 0)
			break;
		memcpy(member(s, f->off), v, strlen(v) + 1);
		return 0;
	case NFT_NETNS:
		if (netns_text_check(v) < 0)
			break;
		memcpy(member(s, f->off), v, strlen(v) + 1);
		return 0;
	case NFT_UINT:
		if (parse_uint(v, f->min, f->max, &n) < 0)
			return vmtap_fail(err, -ERANGE, "%s%c%s: expected %s", as, sep, v,
					  nic_field_expected(f, exp));
		*(unsigned *)member(s, f->off) = (unsigned)n;
		return 0;
	case NFT_WORD:
		for (w = f->words; w->word; w++)
			if (!strcmp(v, w->word)) {
				*(int *)member(s, f->off) = w->value;
				return 0;
			}
		break;
	case NFT_MAC:
		if (parse_mac(v, member(s, f->off)) < 0)
			break;
		*has_flag(s, f) = true;
		return 0;
	case NFT_ID:
		if (parse_uint(v, 0, ID_MAX, &n) < 0)
			return vmtap_fail(err, -ERANGE, "%s%c%s: expected %s", as, sep, v,
					  nic_field_expected(f, exp));
		*(uint32_t *)member(s, f->off) = (uint32_t)n;
		*has_flag(s, f) = true;
		return 0;
	case NFT_VLANS: {
		struct vlan_set set;
		struct vmtap_err why = { "" };
		int r = vlan_set_parse(v, ",:", &set, &why);

		if (r < 0)
			return vmtap_fail(err, r, "%s%c%.40s%s: %s", as, sep, v,
					  strlen(v) > 40 ? "..." : "", why.msg);
		*nic_field_vlans(s, f) = set;
		return 0;
	}
	case NFT_RATE: {
		struct vmtap_err why = { "" };
		int r = nic_rate_parse(v, member(s, f->off), &why);

		if (r < 0)
			return vmtap_fail(err, r, "%s%c%.40s%s: %s; expected " RATE_EXPECTED, as,
					  sep, v, strlen(v) > 40 ? "..." : "", why.msg);
		return 0;
	}
	case NFT_SWITCH:
		if (v && strcmp(v, "on") && strcmp(v, "off"))
			break;
		*(bool *)member(s, f->off) = !v || !strcmp(v, "on");
		*has_flag(s, f) = true;
		return 0;
	case NFT_BOOL:
		if (!v || !strcmp(v, "true")) {
			*(bool *)member(s, f->off) = true;
			return 0;
		}
		if (!strcmp(v, "false")) {
			*(bool *)member(s, f->off) = false;
			return 0;
		}
		break;
	}
	return vmtap_fail(err, -EINVAL, "%s%c%s: expected %s", as, sep, v,
			  nic_field_expected(f, exp));
}

int nic_field_format(const struct nic_spec *s, const struct nic_field *f, char *buf, size_t cap)
{
	const struct nic_word *w;
	char mac[18];
	const char *t = NULL;
	unsigned long n = 0;
	int k;

	switch (f->type) {
	case NFT_NAME:
	case NFT_NETNS:
		t = cmember(s, f->off);
		if (!*t)
			return 0;
		break;
	case NFT_UINT:
		n = *(const unsigned *)cmember(s, f->off);
		if (!n)
			return 0;
		break;
	case NFT_WORD:
		for (w = f->words; w->word; w++)
			if (w->value == *(const int *)cmember(s, f->off))
				t = w->word;
		if (!t)
			return -EINVAL;
		break;
	case NFT_MAC:
		if (!chas_flag(s, f))
			return 0;
		t = format_mac(cmember(s, f->off), mac);
		break;
	case NFT_ID:
		if (!chas_flag(s, f))
			return 0;
		n = *(const uint32_t *)cmember(s, f->off);
		break;
	case NFT_BOOL:
		t = *(const bool *)cmember(s, f->off) ? "true" : "false";
		break;
	case NFT_VLANS:
		if (vlan_set_empty(cmember(s, f->off)))
			return 0;
		/* ':' is what every front end takes, a NIC SPEC too. */
		return vlan_set_format(cmember(s, f->off), buf, cap, ':') < 0 ? -ENOSPC : 1;
	case NFT_RATE:
		if (!((const struct nic_rate *)cmember(s, f->off))->rate)
			return 0;
		return nic_rate_format(cmember(s, f->off), buf, cap) < 0 ? -ENOSPC : 1;
	case NFT_SWITCH:
		if (!chas_flag(s, f))
			return 0;
		t = *(const bool *)cmember(s, f->off) ? "on" : "off";
		break;
	}
	k = t ? snprintf(buf, cap, "%s", t) : snprintf(buf, cap, "%lu", n);
	return k >= 0 && (size_t)k < cap ? 1 : -ENOSPC;
}

bool nic_field_given(const struct nic_spec *s, const struct nic_field *f)
{
	struct nic_spec d;

	nic_spec_init(&d);
	switch (f->type) {
	case NFT_NAME:
	case NFT_NETNS:
		return strcmp(cmember(s, f->off), cmember(&d, f->off)) != 0;
	case NFT_UINT:
		return *(const unsigned *)cmember(s, f->off) != *(const unsigned *)cmember(&d, f->off);
	case NFT_WORD:
		return *(const int *)cmember(s, f->off) != *(const int *)cmember(&d, f->off);
	case NFT_MAC:
	case NFT_ID:
	case NFT_SWITCH:
		return chas_flag(s, f);
	case NFT_VLANS:
		return !vlan_set_empty(cmember(s, f->off));
	case NFT_RATE:
		return ((const struct nic_rate *)cmember(s, f->off))->rate != 0;
	default:
		return *(const bool *)cmember(s, f->off) != *(const bool *)cmember(&d, f->off);
	}
}

bool nic_spec_poolable(const struct nic_spec *s)
{
	unsigned i;

	for (i = 0; i < nic_nfields; i++)
		if (!nic_fields[i].poolable && nic_field_given(s, &nic_fields[i]))
			return false;
	return true;
}

const char *nic_field_keys(unsigned front, const char *const *extra, char *buf, size_t cap)
{
	char names[sizeof(nic_fields) / sizeof(nic_fields[0]) + 8][NIC_FIELD_NAME_MAX];
	const char *list[sizeof(nic_fields) / sizeof(nic_fields[0]) + 8];
	size_t n = 0, i;

	for (i = 0; i < nic_nfields; i++)
		if (nic_fields[i].fronts & front) {
			list[n] = nic_field_name(&nic_fields[i], front, names[n]);
			n++;
		}
	for (i = 0; extra && extra[i] && i < 8; i++)
		list[n++] = extra[i];
	return join(list, n, buf, cap);
}

const char *nic_field_help_line(const struct nic_field *f, unsigned front, const char *left,
				const char *help, char *buf, size_t cap)
{
	char name[NIC_FIELD_NAME_MAX], l[NIC_FIELD_NAME_MAX + 80];
	const struct nic_word *w;
	size_t n;

	if (!left) {
		n = (size_t)snprintf(l, sizeof(l), "%s", nic_field_name(f, front, name));
		if (f->meta)
			snprintf(l + n, sizeof(l) - n, "%c%s", front == FRONT_CREATE ? ' ' : '=',
				 f->meta);
		else if (f->type == NFT_WORD)
			for (w = f->words; w->word && n + 1 < sizeof(l); w++)
				n += (size_t)snprintf(l + n, sizeof(l) - n, "%c%s",
						      w == f->words ? (front == FRONT_CREATE ? ' ' :
								       '=') : '|', w->word);
		left = l;
	}
	/* Help in column 21; a long left part has it on the next line. */
	snprintf(buf, cap, strlen(left) > 18 ? "  %s\n                     %s\n" : "  %-18s %s\n",
		 left, help ? help : f->help ? f->help : "");
	return buf;
}

const char *nic_field_help(unsigned front, const char *const *skip, char *buf, size_t cap)
{
	size_t off = 0, j;
	unsigned i;
	char line[256];

	buf[0] = '\0';
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		bool skipped = false;

		for (j = 0; skip && skip[j]; j++)
			skipped |= !strcmp(skip[j], f->key);
		if (!(f->fronts & front) || skipped)
			continue;
		nic_field_help_line(f, front, NULL, NULL, line, sizeof(line));
		if (off + strlen(line) + 1 > cap)
			break;
		memcpy(buf + off, line, strlen(line) + 1);
		off += strlen(line);
	}
	return buf;
}

struct vlan_set *nic_field_vlans(struct nic_spec *s, const struct nic_field *f)
{
	return f->type == NFT_VLANS ? member(s, f->off) : NULL;
}

bool nic_spec_has_port_fields(const struct nic_spec *s)
{
	return s->vlan || !vlan_set_empty(&s->trunk) || s->isolated || s->mac_lock ||
	       s->announce;
}

int nic_spec_check_port(const struct nic_spec *s, struct vmtap_err *err)
{
	char list[VLAN_SET_FORMAT_MAX];

	if (!nic_spec_has_port_fields(s))
		return 0;
	if (s->mode == NIC_MODE_TUN || !s->bridge[0])
		return vmtap_fail(err, -EINVAL, "vlan, trunk, isolated, mac_lock and announce are "
				  "a bridge port's: expected a tap (mode=tap) on a bridge");
	if (s->mac_lock && !s->has_guest_mac)
		return vmtap_fail(err, -EINVAL, "mac_lock=on needs the guest's MAC (guest_mac=...)");
	if (s->announce && !s->has_guest_mac)
		return vmtap_fail(err, -EINVAL, "announce=on needs the guest's MAC (guest_mac=...)");
	if (s->vlan && vlan_set_has(&s->trunk, s->vlan)) {
		vlan_set_format(&s->trunk, list, sizeof(list), ':');
		return vmtap_fail(err, -EINVAL, "vlan=%u is also in trunk=%s; expected the native "
				  "VLAN (untagged) outside the tagged list", s->vlan, list);
	}
	return 0;
}

int nic_spec_set(struct nic_spec *s, const char *key, const char *as, const char *value,
		 struct vmtap_err *err)
{
	const struct nic_field *f = nic_field_by_key(key);

	return f ? nic_field_set(s, f, as, '=', value, err) : -ENOENT;
}
