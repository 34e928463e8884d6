/* test_field.c — the table of NIC fields (helper/core/field.c): every row
 * parses, under its own spelling, in every front end it claims (through
 * that front end's real parser), and is refused by every front end it does
 * not claim; what a front end sends comes back the same; the pool takes a
 * request only when every field it gives is one the table calls poolable,
 * and a row says so only when asked to. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helper/bridge-helper/args.h"
#include "helper/cli/create-opt.h"
#include "helper/cli/nic-opt.h"
#include "helper/core/field.h"
#include "helper/core/provision.h"
#include "helper/wire/proto.h"

static const unsigned fronts[] = { FRONT_HELPER, FRONT_SPEC, FRONT_CREATE, FRONT_NIC,
				   FRONT_PERSIST };

/* A value every front end that takes f accepts (for mode: tap, which
 * vmtapd also accepts). */
static const char *valid_value(const struct nic_field *f)
{
	switch (f->type) {
	case NFT_NAME:
		return "brx9";
	case NFT_UINT:
		return f->max >= 1500 ? "1500" : "2";
	case NFT_WORD:
		return f->words[0].word;
	case NFT_MAC:
		return "fe:54:00:12:34:56";
	case NFT_ID:
		return "100";
	case NFT_VLANS:
		return "10:20-29";
	case NFT_SWITCH:
		return "on";
	case NFT_NETNS:
		return "/proc/1/ns/net";
	case NFT_RATE:
		return "10mbit:20mbit:64kb";
	default:
		return "true";
	}
}

/* A value of f other than nic_spec_init's and other than s's, in s. */
static void give(struct nic_spec *s, const struct nic_field *f)
{
	struct vmtap_err e = { "" };
	struct nic_spec d;
	char now[64], dflt[64];
	const struct nic_word *w;
	const char *v = valid_value(f);

	if (f->type == NFT_UINT)
		v = f->min > 1 ? "1500" : "3";
	if (f->type == NFT_WORD || f->type == NFT_BOOL) {
		nic_spec_init(&d);
		assert_int_equal(nic_field_format(s, f, now, sizeof(now)), 1);
		assert_int_equal(nic_field_format(&d, f, dflt, sizeof(dflt)), 1);
		if (f->type == NFT_BOOL)
			v = strcmp(dflt, "true") ? "true" : "false";
		for (w = f->words; f->type == NFT_WORD && w->word; w++)
			if (strcmp(w->word, now) && strcmp(w->word, dflt))
				v = w->word;
	}
	assert_int_equal(nic_field_set(s, f, f->key, '=', v, &e), 0);
	assert_true(nic_field_given(s, f));
}

/* Parses KEY=VALUE (in front's spelling) through front's own parser,
 * beside what that front end needs besides. */
static int parse_in(unsigned front, const struct nic_field *f, const char *v,
		    struct vmtap_err *e)
{
	char name[NIC_FIELD_NAME_MAX], arg[128], json[256];
	const char *n = nic_field_name(f, front, name);
	bool is_bridge = !strcmp(n, "bridge") || !strcmp(n, "--br") || !strcmp(n, "--bridge");
	bool is_ifname = !strcmp(n, "ifname");

	switch (front) {
	case FRONT_HELPER: {
		struct helper_args a;
		char *argv[] = { "helper", "--fd=3", is_bridge ? "--fd=3" : "--br=br0", arg, NULL };

		if (f->type == NFT_BOOL)
			snprintf(arg, sizeof(arg), "%s", n);
		else
			snprintf(arg, sizeof(arg), "%s=%s", n, v);
		if (is_bridge) /* --fd twice is an error: drop one */
			argv[2] = arg, argv[3] = NULL;
		return helper_args_parse(is_bridge ? 3 : 4, argv, &a, e);
	}
	case FRONT_SPEC: {
		struct nic_opt o;

		snprintf(arg, sizeof(arg), is_bridge ? "%s=%s" : "br0,%s=%s", n, v);
		return nic_opt_parse(arg, &o, e);
	}
	case FRONT_CREATE: {
		struct create_args a;
		char *argv[] = { "create", "t1", "--bridge", "br0", arg, (char *)v, NULL };
		int argc = 6;

		snprintf(arg, sizeof(arg), "%s", n);
		if (f->type == NFT_BOOL)
			argc = 5;
		if (is_bridge) {
			argv[2] = arg, argv[3] = (char *)v;
			argc = 4;
		}
		return create_args_parse(argc, argv, &a, e);
	}
	default: {
		struct vmtapd_request req;
		char val[80];

		if (f->type == NFT_SWITCH && (!strcmp(v, "on") || !strcmp(v, "off")))
			snprintf(val, sizeof(val), "%s", strcmp(v, "on") ? "false" : "true");
		else if (f->type == NFT_UINT || f->type == NFT_ID || f->type == NFT_BOOL)
			snprintf(val, sizeof(val), "%s", v);
		else
			snprintf(val, sizeof(val), "\"%s\"", v);
		snprintf(json, sizeof(json), "{\"op\":\"%s\"%s%s,\"%s\":%s}",
			 front == FRONT_NIC ? "create-nic" : "create-persistent",
			 is_bridge ? "" : ",\"bridge\":\"br0\"",
			 front == FRONT_NIC || is_ifname ? "" : ",\"ifname\":\"t1\"", n, val);
		return vmtapd_request_decode(json, strlen(json), &req, e);
	}
	}
}

static void every_row_in_every_front(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];

		for (j = 0; j < sizeof(fronts) / sizeof(fronts[0]); j++) {
			struct vmtap_err e = { "" };
			char name[NIC_FIELD_NAME_MAX];
			int r = parse_in(fronts[j], f, valid_value(f), &e);

			if (f->fronts & fronts[j]) {
				if (r != 0)
					fail_msg("%s in front %#x: %d %s", f->key, fronts[j], r, e.msg);
				assert_ptr_equal(nic_field_by_name(fronts[j],
								   nic_field_name(f, fronts[j], name)), f);
			} else {
				if (r == 0)
					fail_msg("%s taken by front %#x, which the table says not",
						 f->key, fronts[j]);
			}
		}
	}
}

/* A bad value is refused in every front end that takes the field, with the
 * table's words and the value named. */
static void bad_values_refused_with_the_tables_words(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		char expbuf[NIC_FIELD_EXPECTED_MAX];
		const char *exp = nic_field_expected(f, expbuf);

		if (f->type == NFT_BOOL)
			continue; /* a flag on vmtap create's line has no value */
		for (j = 0; j < sizeof(fronts) / sizeof(fronts[0]); j++) {
			struct vmtap_err e = { "" };
			/* no ID front end here names the group by name */
			const char *bad = f->type == NFT_ID ? "4294967295" : "zz:9";

			if (!(f->fronts & fronts[j]))
				continue;
			if (f->type == NFT_UINT || f->type == NFT_ID) {
				if (fronts[j] == FRONT_NIC || fronts[j] == FRONT_PERSIST)
					bad = "4294967295";
				else
					bad = "99999999999";
			}
			assert_true(parse_in(fronts[j], f, bad, &e) < 0);
			/* In JSON a switch is a boolean: a string is the wrong type. */
			if (f->type == NFT_SWITCH &&
			    (fronts[j] == FRONT_NIC || fronts[j] == FRONT_PERSIST)) {
				assert_non_null(strstr(e.msg, "is a string; expected true or false"));
				continue;
			}
			if (!strstr(e.msg, bad))
				fail_msg("%s, front %#x: \"%s\" does not name %s", f->key, fronts[j],
					 e.msg, bad);
			/* The NIC SPEC words the guest's MAC and queues=auto its own way. */
			if (fronts[j] == FRONT_SPEC && (!strcmp(f->key, "mac") ||
							!strcmp(f->key, "queues")))
				continue;
			/* vmtap create takes a user's or group's name too. */
			if (fronts[j] == FRONT_CREATE && f->type == NFT_ID)
				continue;
			/* A VLAN list's refusal names the bad item (vlanset.c). */
			if (f->type == NFT_VLANS) {
				if (!strstr(e.msg, "VLAN \"zz\": not a decimal number"))
					fail_msg("%s, front %#x: \"%s\"", f->key, fronts[j], e.msg);
				continue;
			}
			if (!strstr(e.msg, f->type == NFT_ID ? "4294967294" : exp))
				fail_msg("%s, front %#x: \"%s\" lacks \"%s\"", f->key, fronts[j], e.msg,
					 exp);
		}
	}
}

/* Set, formatted, set again: the same spec (what obtain.c sends the helper
 * and the client sends vmtapd). */
static void format_round_trip(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		struct nic_spec a, b;
		struct vmtap_err e = { "" };
		char text[64];

		nic_spec_init(&a);
		nic_spec_init(&b);
		give(&a, f);
		assert_int_equal(nic_field_format(&a, f, text, sizeof(text)), 1);
		assert_int_equal(nic_field_set(&b, f, f->key, '=', text, &e), 0);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_int_equal(nic_field_format(&a, f, text, 1), -ENOSPC);
	}
}

/* Every request vmtap sends vmtapd, for every field given, decodes to the
 * spec it was made from. */
static void client_encoding_round_trip(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		struct vmtapd_request in, out;
		struct vmtap_err e = { "" };
		char buf[VMTAPD_REQUEST_MAX];
		size_t len;

		memset(&in, 0, sizeof(in));
		in.op = VMTAPD_OP_CREATE_NIC;
		nic_spec_init(&in.spec);
		in.spec.vhost = VHOST_AUTO;
		strcpy(in.spec.bridge, "br0");
		if (!(f->fronts & FRONT_NIC))
			continue;
		give(&in.spec, f);
		assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
		if (vmtapd_request_decode(buf, len, &out, &e) < 0)
			fail_msg("%s: %s: %s", f->key, buf, e.msg);
		assert_memory_equal(&out.spec, &in.spec, sizeof(in.spec));
	}
}

static void pool_fit_defaults_to_no(void **state)
{
	static const char *const poolable[] = { "bridge", "queues", "vhost", "mac", "guest_mac",
						"mtu" };
	struct nic_field blank = { .key = "new" };
	struct nic_spec s;
	unsigned i, j;

	(void)state;
	/* A row that says nothing is not poolable. */
	assert_false(blank.poolable);
	nic_spec_init(&s);
	assert_true(nic_spec_poolable(&s));
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		bool listed = false;

		for (j = 0; j < sizeof(poolable) / sizeof(poolable[0]); j++)
			listed |= !strcmp(poolable[j], f->key);
		/* A row made poolable is a decision: it is named here too. */
		assert_int_equal(f->poolable, listed);
		nic_spec_init(&s);
		give(&s, f);
		if (nic_spec_poolable(&s) != f->poolable)
			fail_msg("%s given: pool fit %d, expected %d", f->key, !f->poolable,
				 f->poolable);
	}
}

static void names_and_lists(void **state)
{
	char buf[256], name[NIC_FIELD_NAME_MAX];

	(void)state;
	assert_string_equal(nic_field_name(nic_field_by_key("bridge"), FRONT_HELPER, name), "--br");
	assert_string_equal(nic_field_name(nic_field_by_key("vnet_hdr"), FRONT_CREATE, name),
			    "--vnet-hdr");
	assert_string_equal(nic_field_name(nic_field_by_key("ifname"), FRONT_LIBVIRT, name), "dev");
	assert_null(nic_field_by_name(FRONT_HELPER, "--bridge"));
	assert_null(nic_field_by_name(FRONT_SPEC, "persist"));
	assert_null(nic_field_by_key("speed"));
	assert_string_equal(nic_field_keys(FRONT_CREATE, NULL, buf, sizeof(buf)),
			    "--bridge, --macvtap, --queues, --mac, --guest-mac, --mtu, --qdisc, --vnet-hdr, "
			    "--mode, --owner, --group, --vlan, --trunk, --isolated, --mac-lock, "
			    "--announce, --netns, --inbound or --outbound");
	assert_string_equal(nic_field_keys(FRONT_LIBVIRT, NULL, buf, sizeof(buf)),
			    "bridge, macvtap, dev, guest_mac, mode, vlan, trunk, isolated, mac_lock or "
			    "announce");
	assert_string_equal(nic_field_keys(FRONT_SPEC, (const char *const[]){ "id", NULL }, buf,
					   sizeof(buf)),
			    "bridge, macvtap, queues, vhost, mac, mtu, qdisc, mode, vlan, trunk, isolated, "
			    "mac_lock, announce, netns, inbound, outbound or id");
	assert_string_equal(nic_field_name(nic_field_by_key("mac_lock"), FRONT_HELPER, name),
			    "--mac-lock");
	assert_string_equal(nic_field_name(nic_field_by_key("mac_lock"), FRONT_SPEC, name),
			    "mac_lock");
	assert_string_equal(nic_field_expected(nic_field_by_key("vhost"), buf), "on, off or auto");
	assert_string_equal(nic_field_expected(nic_field_by_key("mtu"), buf), "68..65521");
}

/* The tenant-network rows (vlan, trunk, isolated, mac_lock, announce) in every
 * front end at once, each with its own list separator. */
static void expect_tenant(const struct nic_spec *s)
{
	assert_int_equal(s->vlan, 10);
	assert_int_equal(vlan_set_count(&s->trunk), 11);
	assert_true(vlan_set_has(&s->trunk, 20) && vlan_set_has(&s->trunk, 39));
	assert_false(vlan_set_has(&s->trunk, 10));
	assert_true(s->has_isolated && s->isolated);
	assert_true(s->has_mac_lock && !s->mac_lock);
	assert_true(s->has_announce && s->announce);
}

static void tenant_fields_in_every_front(void **state)
{
	char *hargv[] = { "helper", "--fd=3", "--br=br0", "--vlan=10", "--trunk=20,30-39",
			  "--isolated=on", "--mac-lock=off", "--announce=on", NULL };
	char *cargv[] = { "create", "t1", "--bridge", "br0", "--vlan", "10", "--trunk",
			  "20:30-39", "--isolated", "on", "--mac-lock", "off", "--announce", "on",
			  NULL };
	static const char json[] = "{\"op\":\"create-nic\",\"bridge\":\"br0\",\"vlan\":10,"
				   "\"trunk\":[20,\"30-39\"],\"isolated\":true,\"mac_lock\":false,"
				   "\"announce\":true}";
	struct vmtap_err e = { "" };
	struct helper_args h;
	struct create_args c;
	struct vmtapd_request req;
	struct nic_opt o;

	(void)state;
	assert_int_equal(helper_args_parse(8, hargv, &h, &e), 0);
	expect_tenant(&h.spec);
	assert_true(h.extended);
	assert_int_equal(nic_opt_parse("br0,vlan=10,trunk=20:30-39,isolated=on,mac_lock=off,announce=on",
				       &o, &e), 0);
	expect_tenant(&o.spec);
	assert_int_equal(create_args_parse(14, cargv, &c, &e), 0);
	expect_tenant(&c.spec);
	assert_int_equal(vmtapd_request_decode(json, strlen(json), &req, &e), 0);
	expect_tenant(&req.spec);
	/* Absent is neither on nor off. */
	assert_int_equal(nic_opt_parse("br0", &o, &e), 0);
	assert_false(o.spec.has_isolated || o.spec.has_mac_lock || o.spec.has_announce ||
		     o.spec.vlan);
	assert_true(vlan_set_empty(&o.spec.trunk));
}

static void tenant_bad_values(void **state)
{
	static const struct {
		const char *spec;
		int r;
		const char *msg;
	} bad[] = {
		{ "br0,vlan=0", -ERANGE, "vlan=0: expected 1..4094" },
		{ "br0,vlan=4095", -ERANGE, "vlan=4095: expected 1..4094" },
		{ "br0,vlan=10:20", -ERANGE, "vlan=10:20: expected 1..4094" },
		{ "br0,trunk=10-5", -EINVAL, "trunk=10-5: VLAN \"10-5\"" },
		{ "br0,trunk=0", -ERANGE, "trunk=0: VLAN \"0\"" },
		{ "br0,trunk=4095", -ERANGE, "trunk=4095: " },
		{ "br0,trunk=1::2", -EINVAL, "trunk=1::2: " },
		{ "br0,trunk=", -EINVAL, "trunk" },
		{ "br0,isolated=yes", -EINVAL, "isolated=yes: expected on or off" },
		{ "br0,mac_lock=true", -EINVAL, "mac_lock=true: expected on or off" },
		{ "br0,announce=1", -EINVAL, "announce=1: expected on or off" },
	};
	struct vmtap_err e = { "" };
	struct nic_opt o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r;

		e.msg[0] = '\0'; /* the first message stays: a fresh one each */
		r = nic_opt_parse(bad[i].spec, &o, &e);

		if (r != bad[i].r || !strstr(e.msg, bad[i].msg))
			fail_msg("%s: %d \"%s\", expected %d \"%s\"", bad[i].spec, r, e.msg,
				 bad[i].r, bad[i].msg);
	}
	/* In a NIC SPEC ',' separates keys: a trunk's ',' starts a key. */
	e.msg[0] = '\0';
	assert_true(nic_opt_parse("br0,trunk=10,20", &o, &e) < 0);
	assert_non_null(strstr(e.msg, "\"20\" is not KEY=VALUE"));
}

/* The rules between the rows, which no single row's parser can see. */
static void tenant_rules_between_fields(void **state)
{
	struct vmtap_err e = { "" };
	struct nic_spec s;

	(void)state;
	nic_spec_init(&s);
	strcpy(s.bridge, "br0");
	assert_int_equal(nic_spec_check_port(&s, &e), 0);
	assert_false(nic_spec_has_port_fields(&s));
	s.vlan = 20;
	assert_int_equal(vlan_set_parse("10:20-29", ":", &s.trunk, &e), 0);
	assert_true(nic_spec_has_port_fields(&s));
	assert_int_equal(nic_spec_check_port(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "vlan=20 is also in trunk=10:20-29"));
	e.msg[0] = '\0';
	s.vlan = 30;
	assert_int_equal(nic_spec_check_port(&s, &e), 0);
	/* A port's fields need a port: a tap on a bridge. */
	s.bridge[0] = '\0';
	assert_int_equal(nic_spec_check_port(&s, &e), -EINVAL);
	e.msg[0] = '\0';
	nic_spec_init(&s);
	s.persist = true;
	s.mode = NIC_MODE_TUN;
	s.has_mac_lock = s.mac_lock = true;
	assert_int_equal(nic_spec_check_port(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "mode=tap"));
	/* off asked for is no port field */
	nic_spec_init(&s);
	s.has_isolated = true;
	s.has_announce = true;
	assert_false(nic_spec_has_port_fields(&s));
	/* mac_lock pins the guest's MAC: without one it is refused. */
	e.msg[0] = '\0';
	nic_spec_init(&s);
	strcpy(s.bridge, "br0");
	s.has_mac_lock = s.mac_lock = true;
	assert_int_equal(nic_spec_check_port(&s, &e), -EINVAL);
	assert_string_equal(e.msg, "mac_lock=on needs the guest's MAC (guest_mac=...)");
	assert_int_equal(nic_spec_set(&s, "guest_mac", "guest_mac", "52:54:00:01:02:03", &e), 0);
	assert_int_equal(nic_spec_check_port(&s, &e), 0);
	/* mac_lock=off needs none. */
	s.has_guest_mac = s.mac_lock = false;
	assert_int_equal(nic_spec_check_port(&s, &e), 0);
	/* announce pins the guest's MAC, so it needs one; a NIC SPEC always
	 * has one (mac=, or the random one it makes). */
	nic_spec_init(&s);
	strcpy(s.bridge, "br0");
	s.has_announce = s.announce = true;
	e.msg[0] = '\0';
	assert_true(nic_spec_has_port_fields(&s));
	assert_int_equal(nic_spec_check_port(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "announce=on needs the guest's MAC (guest_mac=...)"));
	s.has_guest_mac = true;
	memcpy(s.guest_mac, "\x52\x54\x00\x00\x00\x0a", 6);
	assert_int_equal(nic_spec_check_port(&s, &e), 0);
}

/* A pooled NIC was made without VLANs and flags: a request that gives any
 * of them, even off, takes the usual path, never a pooled NIC. */
static void tenant_fields_never_pooled(void **state)
{
	static const char *const specs[] = {
		"br0,vlan=10", "br0,trunk=10", "br0,isolated=on", "br0,mac_lock=on",
		"br0,isolated=off", "br0,mac_lock=off", "br0,announce=on", "br0,announce=off",
	};
	struct vmtap_err e = { "" };
	struct nic_opt o;
	size_t i;

	(void)state;
	assert_int_equal(nic_opt_parse("br0,queues=2,mtu=1500", &o, &e), 0);
	assert_true(nic_spec_poolable(&o.spec));
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		assert_int_equal(nic_opt_parse(specs[i], &o, &e), 0);
		if (nic_spec_poolable(&o.spec))
			fail_msg("%s: poolable", specs[i]);
	}
}

/* nic_spec_check with a fresh message (the first one written stays). */
static int spec_check(const struct nic_spec *s, struct vmtap_err *e)
{
	e->msg[0] = '\0';
	return nic_spec_check(s, e);
}

/* The one key mode: its words are checked against the kind of device
 * (nic_spec_check), and a macvtap takes none of a bridge port's fields. */
static void macvtap_mode_and_kind(void **state)
{
	struct vmtap_err e = { "" };
	struct nic_spec s;

	(void)state;
	nic_spec_init(&s);
	snprintf(s.macvtap, sizeof(s.macvtap), "eth0");
	assert_int_equal(spec_check(&s, &e), 0); /* tap, the default: bridge */
	s.mode = NIC_MODE_PASSTHRU;
	assert_int_equal(spec_check(&s, &e), 0);
	s.mode = NIC_MODE_TUN;
	assert_int_equal(spec_check(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "mode=tun with macvtap=eth0"));
	s.mode = NIC_MODE_BRIDGE;
	snprintf(s.bridge, sizeof(s.bridge), "br0");
	assert_int_equal(spec_check(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "a NIC is a macvtap on a parent or a tap on a bridge"));
	s.bridge[0] = '\0';
	s.has_isolated = s.isolated = true;
	assert_int_equal(spec_check(&s, &e), -EINVAL);
	s.has_isolated = s.isolated = false;
	s.has_announce = s.announce = true;
	assert_int_equal(spec_check(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "announce are a bridge port's"));
	s.has_announce = s.announce = false;
	/* in another namespace, on its parent (netns.h): allowed */
	snprintf(s.netns, sizeof(s.netns), "pod1");
	assert_int_equal(spec_check(&s, &e), 0);
	s.netns[0] = '\0';
	s.has_owner = true;
	assert_int_equal(spec_check(&s, &e), -EINVAL);
	s.has_owner = false;
	s.has_mac = s.has_guest_mac = true;
	memcpy(s.mac, "\x52\x54\x00\x01\x02\x03", 6);
	memcpy(s.guest_mac, "\x52\x54\x00\x01\x02\x04", 6);
	assert_int_equal(spec_check(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "a macvtap's MAC is the guest's"));
	memcpy(s.guest_mac, s.mac, 6);
	assert_int_equal(spec_check(&s, &e), 0);
	/* a tap with a macvtap's mode */
	nic_spec_init(&s);
	snprintf(s.bridge, sizeof(s.bridge), "br0");
	s.mode = NIC_MODE_VEPA;
	assert_int_equal(spec_check(&s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "mode=vepa is a macvtap's"));
	/* never from the pool */
	nic_spec_init(&s);
	snprintf(s.macvtap, sizeof(s.macvtap), "eth0");
	assert_false(nic_spec_poolable(&s));
}

/* netns= (issue 15): a name under /run/netns or an absolute path, in
 * every front end that takes it; never pooled; refused with the words of
 * the table. */
static void netns_values(void **state)
{
	static const char *const good[] = {
		"pod1", "cni-1a2b-3c4d", "a.b_c", "/proc/1234/ns/net", "/run/netns/pod1",
		"/var/run/netns/cni-1a2b",
	};
	static const char *const bad[] = {
		"", ".", "..", "-n", "a/b", "/", "/proc/../etc/x", "/proc/./1", "//x", "/x/",
		"a b", "a,b", "a=b", "pod\n1", "br\xc3\xa9",
		"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	const struct nic_field *f = nic_field_by_key("netns");
	struct vmtap_err e = { "" };
	struct nic_spec s;
	size_t i;

	(void)state;
	assert_non_null(f);
	assert_false(f->poolable);
	assert_false(f->fronts & FRONT_LIBVIRT);
	assert_false(f->fronts & FRONT_PERSIST);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		nic_spec_init(&s);
		assert_int_equal(nic_field_set(&s, f, "netns", '=', good[i], &e), 0);
		assert_string_equal(s.netns, good[i]);
		assert_true(nic_field_given(&s, f));
		assert_false(nic_spec_poolable(&s));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vmtap_err why = { "" };

		nic_spec_init(&s);
		if (nic_field_set(&s, f, "netns", '=', bad[i], &why) != -EINVAL)
			fail_msg("netns=%s accepted", bad[i]);
		assert_non_null(strstr(why.msg, "expected a name under /run/netns or an absolute path"));
		assert_string_equal(s.netns, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_row_in_every_front),
		cmocka_unit_test(bad_values_refused_with_the_tables_words),
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(client_encoding_round_trip),
		cmocka_unit_test(pool_fit_defaults_to_no),
		cmocka_unit_test(names_and_lists),
		cmocka_unit_test(tenant_fields_in_every_front),
		cmocka_unit_test(tenant_bad_values),
		cmocka_unit_test(tenant_rules_between_fields),
		cmocka_unit_test(tenant_fields_never_pooled),
		cmocka_unit_test(macvtap_mode_and_kind),
		cmocka_unit_test(netns_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
