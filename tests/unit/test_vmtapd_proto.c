/* test_vmtapd_proto.c — vmtapd's wire protocol (helper/wire/proto.c):
 * requests decoded strictly (every bad input refused with one printable
 * line naming the key and the value), replies round-tripped, error replies
 * turned back into their errno and message, and a client that does not
 * trust what the daemon sent.  Every op: hello, create-nic, and the
 * persistent-tap ops create-persistent (tap mode only, no owner key) and
 * delete-persistent. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helper/wire/proto.h"

/* A message must be one line a terminal and a log take as it is. */
static void assert_clean_line(const char *msg)
{
	const char *p;

	assert_true(msg[0] != '\0');
	for (p = msg; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			fail_msg("message has byte 0x%02x: \"%s\"", (unsigned char)*p, msg);
}

static int decode(const char *json, struct vmtapd_request *req, struct vmtap_err *e)
{
	memset(e, 0, sizeof(*e));
	return vmtapd_request_decode(json, strlen(json), req, e);
}

static void refused(const char *json, int want, const char *needle)
{
	struct vmtapd_request req;
	struct vmtap_err e;
	int r = decode(json, &req, &e);

	if (r != want)
		fail_msg("%s: got %d (%s), want %d", json, r, e.msg, want);
	assert_clean_line(e.msg);
	if (!strstr(e.msg, needle))
		fail_msg("%s: message \"%s\" does not contain \"%s\"", json, e.msg, needle);
}

static void test_hello(void **state)
{
	struct vmtapd_request req;
	struct vmtap_err e;

	(void)state;
	assert_int_equal(decode("{\"op\":\"hello\"}", &req, &e), 0);
	assert_int_equal(req.op, VMTAPD_OP_HELLO);
	assert_int_equal(decode("{\"version\":1,\"op\":\"hello\"}", &req, &e), 0);
	refused("{\"op\":\"hello\",\"verbose\":true}", -EINVAL, "unknown key \"verbose\"");
}

static void test_create_defaults(void **state)
{
	struct vmtapd_request req;
	struct vmtap_err e;

	(void)state;
	assert_int_equal(decode("{\"op\":\"create-nic\",\"bridge\":\"br0\"}", &req, &e), 0);
	assert_int_equal(req.op, VMTAPD_OP_CREATE_NIC);
	assert_string_equal(req.spec.bridge, "br0");
	assert_int_equal(req.spec.queues, 1);
	assert_int_equal(req.spec.vhost, VHOST_AUTO);
	assert_int_equal(req.spec.qdisc, QDISC_NOQUEUE);
	assert_true(req.spec.vnet_hdr);
	assert_false(req.spec.has_mac);
	assert_int_equal(req.spec.mtu, 0);
	assert_string_equal(req.spec.ifname, "");
}

static void test_create_all_keys(void **state)
{
	static const char json[] =
		"{\"op\":\"create-nic\",\"version\":1,\"bridge\":\"virbr0\",\"queues\":8,"
		"\"vhost\":\"off\",\"mac\":\"fe:54:00:12:34:56\",\"mtu\":9000,\"ifname\":\"vm7-eth0\","
		"\"qdisc\":\"default\",\"vnet_hdr\":false}";
	struct vmtapd_request req;
	struct vmtap_err e;

	(void)state;
	assert_int_equal(decode(json, &req, &e), 0);
	assert_string_equal(req.spec.bridge, "virbr0");
	assert_int_equal(req.spec.queues, 8);
	assert_int_equal(req.spec.vhost, VHOST_OFF);
	assert_true(req.spec.has_mac);
	assert_memory_equal(req.spec.mac, "\xfe\x54\x00\x12\x34\x56", 6);
	assert_int_equal(req.spec.mtu, 9000);
	assert_string_equal(req.spec.ifname, "vm7-eth0");
	assert_int_equal(req.spec.qdisc, QDISC_KERNEL);
	assert_false(req.spec.vnet_hdr);
}

static void test_not_json(void **state)
{
	(void)state;
	/* truncated, empty, garbage, two objects, NUL inside a string */
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\"", -EPROTO, "not valid JSON");
	refused("", -EPROTO, "not valid JSON");
	refused("\x01\x02\xff", -EPROTO, "not valid JSON");
	refused("{\"op\":\"hello\"}{\"op\":\"hello\"}", -EPROTO, "not valid JSON");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br\\u00000\"}", -EPROTO, "not valid JSON");
	refused("{\"op\":\"hello\",\"op\":\"hello\"}", -EPROTO, "not valid JSON"); /* duplicate */
}

static void test_not_an_object(void **state)
{
	(void)state;
	refused("[\"hello\"]", -EPROTO, "request is an array; expected a JSON object");
	/* jansson takes only an object or an array at the top */
	refused("\"hello\"", -EPROTO, "not valid JSON");
	refused("42", -EPROTO, "not valid JSON");
}

static void test_op(void **state)
{
	(void)state;
	refused("{}", -EPROTO, "no \"op\"");
	refused("{\"bridge\":\"br0\"}", -EPROTO, "no \"op\"");
	refused("{\"op\":7}", -EINVAL, "\"op\" is an integer; expected a string");
	refused("{\"op\":\"destroy-host\"}", -EOPNOTSUPP, "unknown op \"destroy-host\"");
	refused("{\"op\":\"Hello\"}", -EOPNOTSUPP, "unknown op \"Hello\"");
	/* a hostile op is shown cleaned and cut, never raw */
	refused("{\"op\":\"x\\ny\\u001b[31m\"}", -EOPNOTSUPP, "unknown op \"x\\x0ay\\x1b[31m\"");
	refused("{\"op\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		-EOPNOTSUPP, "aaaa...\"");
}

static void test_version(void **state)
{
	(void)state;
	refused("{\"op\":\"hello\",\"version\":2}", -EPROTONOSUPPORT, "version 2 is not spoken here");
	refused("{\"op\":\"hello\",\"version\":\"1\"}", -EINVAL, "\"version\" is a string");
}

static void test_wrong_types(void **state)
{
	(void)state;
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"queues\":\"4\"}", -EINVAL,
		"\"queues\" is a string; expected an integer");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"queues\":4.0}", -EINVAL,
		"\"queues\" is a real number; expected an integer");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"mtu\":null}", -EINVAL,
		"\"mtu\" is null; expected an integer");
	refused("{\"op\":\"create-nic\",\"bridge\":[\"br0\"]}", -EINVAL,
		"\"bridge\" is an array; expected a string");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"vhost\":true}", -EINVAL,
		"\"vhost\" is a boolean; expected a string");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"vnet_hdr\":1}", -EINVAL,
		"\"vnet_hdr\" is an integer; expected true or false");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"mac\":{}}", -EINVAL,
		"\"mac\" is an object; expected a string");
}

static void test_bad_values(void **state)
{
	(void)state;
	/* The command line's own words (spec-set.c). */
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"queues\":0}", -ERANGE,
		"queues=0: expected 1..64");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"queues\":100000000000}", -ERANGE,
		"queues=100000000000: expected 1..64");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"queues\":-1}", -ERANGE, "queues=-1");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"mtu\":67}", -ERANGE, "mtu=67: expected 68..");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"vhost\":\"yes\"}", -EINVAL,
		"vhost=yes: expected on, off or auto");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"qdisc\":\"fq\"}", -EINVAL,
		"qdisc=fq: expected noqueue or default");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"mac\":\"01:00:5e:00:00:01\"}", -EINVAL,
		"mac=01:00:5e:00:00:01: expected a unicast MAC");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0:1\"}", -EINVAL, "bridge=br0:1: expected");
	refused("{\"op\":\"create-nic\",\"bridge\":\"abcdefghijklmnop\"}", -EINVAL,
		"bridge=abcdefghijklmnop: expected"); /* never truncated */
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"ifname\":\"../x\"}", -EINVAL, "ifname=../x");
	/* control bytes and long values are shown cleaned, never raw */
	refused("{\"op\":\"create-nic\",\"bridge\":\"br\\n0\"}", -EINVAL, "bridge=\"br\\x0a0\"");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br\\u00e90\"}", -EINVAL, "bridge=\"br\\xc3\\xa90\"");
}

static void test_missing_and_unknown(void **state)
{
	(void)state;
	refused("{\"op\":\"create-nic\"}", -EINVAL, "missing \"bridge\"");
	refused("{\"op\":\"create-nic\",\"queues\":2}", -EINVAL, "missing \"bridge\"");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"speed\":10}", -EINVAL,
		"unknown key \"speed\"; expected bridge, macvtap, ifname, queues, vhost, mac, guest_mac, "
		"mtu, qdisc, vnet_hdr, mode, vlan, trunk, isolated, mac_lock, announce, netns, inbound or "
		"outbound");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"uid\":0}", -EINVAL, "unknown key \"uid\"");
}

static void test_request_round_trip(void **state)
{
	struct vmtapd_request in = { .op = VMTAPD_OP_CREATE_NIC }, out;
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REQUEST_MAX];
	size_t len;

	(void)state;
	nic_spec_init(&in.spec);
	strcpy(in.spec.bridge, "br0");
	strcpy(in.spec.ifname, "tap-x");
	in.spec.queues = 4;
	in.spec.vhost = VHOST_ON;
	in.spec.mtu = 1400;
	in.spec.has_mac = true;
	memcpy(in.spec.mac, "\xfe\x00\x00\x00\x00\x07", 6);
	in.spec.qdisc = QDISC_KERNEL;
	in.spec.vnet_hdr = false;
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	assert_int_equal(strlen(buf), len);
	assert_int_equal(vmtapd_request_decode(buf, len, &out, &e), 0);
	assert_int_equal(out.op, VMTAPD_OP_CREATE_NIC);
	assert_memory_equal(&out.spec, &in.spec, sizeof(in.spec));

	in.op = VMTAPD_OP_HELLO;
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	assert_int_equal(vmtapd_request_decode(buf, len, &out, &e), 0);
	assert_int_equal(out.op, VMTAPD_OP_HELLO);
}

/* "watch":"pidfd": a macvtap's, decoded into req.watch and encoded back;
 * anything else, or with a bridge, or on another op, refused. */
static void test_watch(void **state)
{
	struct vmtapd_request in = { .op = VMTAPD_OP_CREATE_NIC, .watch = true }, out;
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REQUEST_MAX];
	size_t len;

	(void)state;
	assert_int_equal(decode("{\"op\":\"create-nic\",\"macvtap\":\"eth0\",\"watch\":\"pidfd\"}",
				&out, &e), 0);
	assert_true(out.watch);
	assert_string_equal(out.spec.macvtap, "eth0");
	assert_int_equal(decode("{\"op\":\"create-nic\",\"macvtap\":\"eth0\"}", &out, &e), 0);
	assert_false(out.watch);

	nic_spec_init(&in.spec);
	strcpy(in.spec.macvtap, "eth0");
	in.spec.mode = NIC_MODE_VEPA;
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	assert_non_null(strstr(buf, "\"watch\":\"pidfd\""));
	assert_int_equal(vmtapd_request_decode(buf, len, &out, &e), 0);
	assert_true(out.watch);
	assert_memory_equal(&out.spec, &in.spec, sizeof(in.spec));
	/* Without it the encoder says nothing of it. */
	in.watch = false;
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	assert_null(strstr(buf, "watch"));

	refused("{\"op\":\"create-nic\",\"macvtap\":\"eth0\",\"watch\":true}", -EINVAL,
		"\"watch\" is a boolean; expected \"pidfd\"");
	refused("{\"op\":\"create-nic\",\"macvtap\":\"eth0\",\"watch\":\"pid\"}", -EINVAL,
		"watch=\"pid\": expected \"pidfd\"");
	refused("{\"op\":\"create-nic\",\"macvtap\":\"eth0\",\"watch\":\"p\\u0001d\"}", -EINVAL,
		"expected \"pidfd\"");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"watch\":\"pidfd\"}", -EINVAL,
		"\"watch\" with bridge=br0: only a macvtap is deleted when a process exits");
	refused("{\"op\":\"create-nic\",\"watch\":\"pidfd\"}", -EINVAL, "missing \"bridge\"");
	refused("{\"op\":\"create-persistent\",\"ifname\":\"t1\",\"bridge\":\"br0\","
		"\"watch\":\"pidfd\"}", -EINVAL, "unknown key \"watch\"");
	refused("{\"op\":\"hello\",\"watch\":\"pidfd\"}", -EINVAL, "unknown key \"watch\"");
}

static struct nic sample(void)
{
	struct nic n;

	nic_init(&n);
	strcpy(n.ifname, "vmt0a1b2c3d");
	n.ifindex = 42;
	n.mtu = 1500;
	memcpy(n.mac, "\xfe\x54\x00\x12\x34\x56", 6);
	n.queues = 4;
	n.nvhost = 0;
	return n;
}

static void test_nic_reply(void **state)
{
	struct nic in = sample(), out;
	struct vmtap_err e = { "" }, w = { "" };
	char buf[VMTAPD_REPLY_MAX];
	size_t len;

	(void)state;
	/* No warning: exactly the helper's extended header. */
	assert_int_equal(vmtapd_nic_encode(&in, NULL, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "{\"version\":1,\"ifname\":\"vmt0a1b2c3d\",\"ifindex\":42,"
				 "\"mtu\":1500,\"mac\":\"fe:54:00:12:34:56\",\"queues\":4,\"vhost\":0}");
	assert_int_equal(vmtapd_nic_decode(buf, len, 4, &out, &w, &e), 0);
	assert_string_equal(out.ifname, "vmt0a1b2c3d");
	assert_int_equal(out.queues, 4);
	assert_string_equal(w.msg, "");

	assert_int_equal(vmtapd_nic_encode(&in, "no vhost here", buf, sizeof(buf), &len), 0);
	assert_non_null(strstr(buf, "\"warning\":\"no vhost here\""));
	assert_int_equal(vmtapd_nic_decode(buf, len, 4, &out, &w, &e), 0);
	assert_string_equal(w.msg, "no vhost here");

	/* The fd count must match the header. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_nic_decode(buf, len, 3, &out, &w, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "3 fds received, header says 4"));
}

static void test_error_reply(void **state)
{
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REPLY_MAX], big[1000];
	struct nic out;
	size_t len;

	(void)state;
	assert_int_equal(vmtapd_error_encode(-EPERM, "bridge br1 is not allowed for uid 65534",
					     buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "{\"version\":1,\"error\":{\"code\":\"EPERM\","
				 "\"message\":\"bridge br1 is not allowed for uid 65534\"}}");
	assert_int_equal(vmtapd_nic_decode(buf, len, 0, &out, NULL, &e), -EPERM);
	assert_string_equal(e.msg, "bridge br1 is not allowed for uid 65534");

	/* Every errno the daemon sends comes back as itself. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_error_encode(-EDQUOT, "limit", buf, sizeof(buf), &len), 0);
	assert_int_equal(vmtapd_nic_decode(buf, len, 0, &out, NULL, &e), -EDQUOT);

	/* A long message is cut, not refused. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(vmtapd_error_encode(-EINVAL, big, buf, sizeof(buf), &len), 0);

	/* A daemon's message with control bytes does not reach the terminal raw. */
	memset(&e, 0, sizeof(e));
	static const char evil[] = "{\"error\":{\"code\":\"EPERM\",\"message\":\"a\\nb\\u001b\"}}";
	assert_int_equal(vmtapd_nic_decode(evil, strlen(evil), 0, &out, NULL, &e), -EPERM);
	assert_string_equal(e.msg, "a\\x0ab\\x1b");

	/* An unknown code is EIO; a malformed error is a protocol error. */
	memset(&e, 0, sizeof(e));
	static const char odd[] = "{\"error\":{\"code\":\"EWHAT\",\"message\":\"m\"}}";
	assert_int_equal(vmtapd_nic_decode(odd, strlen(odd), 0, &out, NULL, &e), -EIO);
	memset(&e, 0, sizeof(e));
	static const char bad[] = "{\"error\":\"denied\"}";
	assert_int_equal(vmtapd_nic_decode(bad, strlen(bad), 0, &out, NULL, &e), -EPROTO);
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_nic_decode("[1]", 3, 0, &out, NULL, &e), -EPROTO);
}

static void test_hello_reply(void **state)
{
	struct vmtapd_hello in = { .version = 1, .uid = 65534, .gid = 65534, .max_queues = 4,
				   .max_nics = VMTAPD_NO_LIMIT, .max_connections = 64 }, out;
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REPLY_MAX];
	size_t len;

	(void)state;
	strcpy(in.server, "vmtapd 9.9");
	assert_int_equal(vmtapd_hello_encode(&in, buf, sizeof(buf), &len), 0);
	assert_non_null(strstr(buf, "\"versions\":[1]"));
	assert_non_null(strstr(buf, "\"ops\":[\"hello\",\"create-nic\",\"create-persistent\","
				    "\"delete-persistent\",\"release-nic\"]"));
	assert_non_null(strstr(buf, "\"nics\":null"));
	assert_int_equal(vmtapd_hello_decode(buf, len, &out, &e), 0);
	assert_string_equal(out.server, "vmtapd 9.9");
	assert_int_equal(out.uid, 65534);
	assert_int_equal(out.max_queues, 4);
	assert_int_equal(out.max_nics, VMTAPD_NO_LIMIT);
	assert_int_equal(out.max_connections, 64);

	static const char v2[] = "{\"version\":2,\"server\":\"x\",\"uid\":0,\"gid\":0,\"limits\":{}}";
	assert_int_equal(vmtapd_hello_decode(v2, strlen(v2), &out, &e), -EPROTO);
}

/* hello says what the client may do: its grants (bridge, untagged, VLANs,
 * requires; "all" for any other bridge) and its usage now. */
static void test_hello_grants(void **state)
{
	static struct vmtapd_hello in, out;
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REPLY_MAX], vlans[64];
	size_t len;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.version = 1;
	in.max_queues = 8;
	in.max_nics = 2;
	in.max_connections = 64;
	in.used_nics = 1;
	in.used_connections = 3;
	strcpy(in.server, "vmtapd 9.9");
	in.nbridges = 3;
	strcpy(in.bridges[0].bridge, "br0");
	in.bridges[0].untagged = true;
	strcpy(in.bridges[1].bridge, "br1");
	assert_int_equal(vlan_set_parse("10,20-29", ",", &in.bridges[1].vlans, &e), 0);
	in.bridges[1].isolated = true;
	in.bridges[1].mac_lock = true;
	strcpy(in.bridges[2].bridge, "all");
	in.bridges[2].untagged = true;
	assert_int_equal(vmtapd_hello_encode(&in, buf, sizeof(buf), &len), 0);
	assert_non_null(strstr(buf, "\"bridges\":[{\"bridge\":\"br0\",\"untagged\":true,"
				    "\"vlans\":\"\",\"require\":[]},{\"bridge\":\"br1\","
				    "\"untagged\":false,\"vlans\":\"10,20-29\",\"require\":"
				    "[\"isolated\",\"mac_lock\"]},{\"bridge\":\"all\""));
	assert_non_null(strstr(buf, "\"bridges_truncated\":false"));
	assert_non_null(strstr(buf, "\"usage\":{\"nics\":1,\"connections\":3}"));
	assert_int_equal(vmtapd_hello_decode(buf, len, &out, &e), 0);
	assert_true(out.has_bridges);
	assert_false(out.bridges_truncated);
	assert_int_equal(out.nbridges, 3);
	assert_string_equal(out.bridges[0].bridge, "br0");
	assert_true(out.bridges[0].untagged);
	assert_true(vlan_set_empty(&out.bridges[0].vlans));
	assert_string_equal(out.bridges[1].bridge, "br1");
	assert_false(out.bridges[1].untagged);
	assert_int_equal(vlan_set_format(&out.bridges[1].vlans, vlans, sizeof(vlans), ','), 0);
	assert_string_equal(vlans, "10,20-29");
	assert_true(out.bridges[1].isolated && out.bridges[1].mac_lock);
	assert_string_equal(out.bridges[2].bridge, "all");
	assert_int_equal(out.used_nics, 1);
	assert_int_equal(out.used_connections, 3);
	assert_int_equal(out.max_nics, 2);

	/* A daemon from before the list: still a hello, nothing said. */
	static const char old[] = "{\"version\":1,\"server\":\"vmtapd 0.1\",\"uid\":5,\"gid\":5,"
				  "\"limits\":{\"queues\":8,\"nics\":null,\"connections\":64}}";
	assert_int_equal(vmtapd_hello_decode(old, strlen(old), &out, &e), 0);
	assert_false(out.has_bridges);
	assert_int_equal(out.nbridges, 0);
	assert_int_equal(out.used_nics, VMTAPD_NO_LIMIT);
	assert_int_equal(out.used_connections, VMTAPD_NO_LIMIT);

	/* A list that does not fit the reply every client sizes for is cut,
	 * and says so: every VID not a multiple of 3, on each of 32 bridges. */
	in.nbridges = VMTAPD_HELLO_BRIDGES;
	for (unsigned i = 0; i < VMTAPD_HELLO_BRIDGES; i++) {
		snprintf(in.bridges[i].bridge, sizeof(in.bridges[i].bridge), "br%u", i);
		memset(&in.bridges[i].vlans, 0, sizeof(in.bridges[i].vlans));
		for (unsigned v = 1; v <= 200; v++)
			if (v % 3)
				vlan_set_add(&in.bridges[i].vlans, v);
	}
	assert_int_equal(vmtapd_hello_encode(&in, buf, sizeof(buf), &len), 0);
	assert_true(len < VMTAPD_REPLY_MAX);
	assert_non_null(strstr(buf, "\"bridges_truncated\":true"));
	assert_int_equal(vmtapd_hello_decode(buf, len, &out, &e), 0);
	assert_true(out.bridges_truncated);
	assert_true(out.nbridges > 0 && out.nbridges < VMTAPD_HELLO_BRIDGES);
	assert_string_equal(out.bridges[0].bridge, "br0");

	/* A client trusts no entry it cannot read. */
	static const char *const bad[] = {
		"[{\"bridge\":\"a/b\",\"untagged\":true,\"vlans\":\"\",\"require\":[]}]",
		"[{\"bridge\":\"br0\",\"untagged\":1,\"vlans\":\"\",\"require\":[]}]",
		"[{\"bridge\":\"br0\",\"untagged\":true,\"vlans\":\"0-5\",\"require\":[]}]",
		"[{\"bridge\":\"br0\",\"untagged\":true,\"vlans\":\"\"}]",
		"[\"br0\"]",
		"{\"br0\":true}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), "{\"version\":1,\"server\":\"x\",\"uid\":5,\"gid\":5,"
			 "\"limits\":{\"queues\":8,\"nics\":null,\"connections\":64},\"bridges\":%s}",
			 bad[i]);
		memset(&e, 0, sizeof(e));
		if (vmtapd_hello_decode(msg, strlen(msg), &out, &e) != -EPROTO)
			fail_msg("accepted %s", bad[i]);
		assert_clean_line(e.msg);
		assert_non_null(strstr(e.msg, "bridges"));
	}
}

/* hello says the bandwidth policy that applies to the client: per
 * direction the maximum and what a NIC asking for no limit gets, in a
 * request's words; null for none; absent from an older daemon. */
static void test_hello_bandwidth(void **state)
{
	static struct vmtapd_hello in, out;
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REPLY_MAX];
	size_t len;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.version = 1;
	in.max_queues = 8;
	in.max_nics = in.max_connections = VMTAPD_NO_LIMIT;
	strcpy(in.server, "vmtapd 9.9");
	in.has_bandwidth = true;
	in.bandwidth[0].max.rate = 100000000 / 8;
	in.bandwidth[0].dflt = (struct nic_rate){ 10000000 / 8, 20000000 / 8, 65536 };
	assert_int_equal(vmtapd_hello_encode(&in, buf, sizeof(buf), &len), 0);
	assert_non_null(strstr(buf, "\"bandwidth\":{\"inbound\":{\"max\":\"100mbit\","
				    "\"default\":\"10mbit:20mbit:64kb\"},\"outbound\":{\"max\":null,"
				    "\"default\":null}}"));
	assert_int_equal(vmtapd_hello_decode(buf, len, &out, &e), 0);
	assert_true(out.has_bandwidth);
	assert_int_equal(out.bandwidth[0].max.rate, 100000000 / 8);
	assert_int_equal(out.bandwidth[0].dflt.rate, 10000000 / 8);
	assert_int_equal(out.bandwidth[0].dflt.peak, 20000000 / 8);
	assert_int_equal(out.bandwidth[0].dflt.burst, 65536);
	assert_int_equal(out.bandwidth[1].max.rate, 0);
	assert_int_equal(out.bandwidth[1].dflt.rate, 0);

	/* Without it (a daemon before it): not said, not an error. */
	in.has_bandwidth = false;
	assert_int_equal(vmtapd_hello_encode(&in, buf, sizeof(buf), &len), 0);
	assert_null(strstr(buf, "bandwidth"));
	assert_int_equal(vmtapd_hello_decode(buf, len, &out, &e), 0);
	assert_false(out.has_bandwidth);

	/* A client trusts no rate it cannot read. */
	static const char *const bad[] = {
		"[]",
		"{\"inbound\":{\"max\":null,\"default\":null}}",
		"{\"inbound\":{\"max\":100,\"default\":null},\"outbound\":{\"max\":null,\"default\":null}}",
		"{\"inbound\":{\"max\":\"fast\",\"default\":null},\"outbound\":{\"max\":null,\"default\":null}}",
		"{\"inbound\":{\"default\":null},\"outbound\":{\"max\":null,\"default\":null}}",
		"{\"inbound\":\"10mbit\",\"outbound\":{\"max\":null,\"default\":null}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), "{\"version\":1,\"server\":\"x\",\"uid\":5,\"gid\":5,"
			 "\"limits\":{\"queues\":8,\"nics\":null,\"connections\":64},"
			 "\"bandwidth\":%s}", bad[i]);
		memset(&e, 0, sizeof(e));
		if (vmtapd_hello_decode(msg, strlen(msg), &out, &e) != -EPROTO)
			fail_msg("accepted %s", bad[i]);
		assert_clean_line(e.msg);
		assert_non_null(strstr(e.msg, "bandwidth"));
	}
}

static void test_errno_names(void **state)
{
	(void)state;
	assert_string_equal(vmtapd_errno_name(-EPERM), "EPERM");
	assert_string_equal(vmtapd_errno_name(EMFILE), "EMFILE");
	assert_string_equal(vmtapd_errno_name(-99999), "EIO");
	assert_int_equal(vmtapd_errno_parse("ENODEV"), -ENODEV);
	assert_int_equal(vmtapd_errno_parse("EMSGSIZE"), -EMSGSIZE);
	assert_int_equal(vmtapd_errno_parse("nonsense"), -EIO);
	assert_int_equal(vmtapd_errno_parse(""), -EIO);
}

/* ---- create-persistent ------------------------------------------------- */

static void test_persistent_defaults(void **state)
{
	struct vmtapd_request req;
	struct vmtap_err e;

	(void)state;
	assert_int_equal(decode("{\"op\":\"create-persistent\",\"ifname\":\"t1\","
				"\"bridge\":\"br1\"}", &req, &e), 0);
	assert_int_equal(req.op, VMTAPD_OP_CREATE_PERSISTENT);
	assert_true(req.spec.persist);
	assert_string_equal(req.spec.ifname, "t1");
	assert_string_equal(req.spec.bridge, "br1");
	assert_int_equal(req.spec.queues, 1);
	assert_int_equal(req.spec.mode, NIC_MODE_TAP);
	/* as vmtap create: no vnet header unless asked, no vhost fds */
	assert_false(req.spec.vnet_hdr);
	assert_int_equal(req.spec.vhost, VHOST_OFF);
	assert_int_equal(req.spec.qdisc, QDISC_NOQUEUE);
	/* the daemon, not the client, sets the owner */
	assert_false(req.spec.has_owner);
	assert_false(req.spec.has_group);
	assert_false(req.spec.has_mac);
	assert_int_equal(req.spec.mtu, 0);
}

static void test_persistent_all_keys(void **state)
{
	static const char json[] =
		"{\"op\":\"create-persistent\",\"version\":1,\"ifname\":\"vm1-net0\","
		"\"bridge\":\"br0\",\"queues\":4,\"mac\":\"fe:54:00:12:34:56\",\"mtu\":9000,"
		"\"qdisc\":\"default\",\"vnet_hdr\":true,\"group\":100,\"mode\":\"tap\"}";
	struct vmtapd_request req;
	struct vmtap_err e;

	(void)state;
	assert_int_equal(decode(json, &req, &e), 0);
	assert_int_equal(req.op, VMTAPD_OP_CREATE_PERSISTENT);
	assert_string_equal(req.spec.ifname, "vm1-net0");
	assert_string_equal(req.spec.bridge, "br0");
	assert_int_equal(req.spec.queues, 4);
	assert_true(req.spec.has_mac);
	assert_memory_equal(req.spec.mac, "\xfe\x54\x00\x12\x34\x56", 6);
	assert_int_equal(req.spec.mtu, 9000);
	assert_int_equal(req.spec.qdisc, QDISC_KERNEL);
	assert_true(req.spec.vnet_hdr);
	assert_true(req.spec.has_group);
	assert_int_equal(req.spec.group, 100);
	assert_int_equal(req.spec.mode, NIC_MODE_TAP);
	assert_false(req.spec.has_owner);
}

#define CP "{\"op\":\"create-persistent\","

static void test_persistent_refused(void **state)
{
	(void)state;
	/* missing fields */
	refused(CP "\"bridge\":\"br1\"}", -EINVAL, "create-persistent: missing \"ifname\"");
	refused(CP "\"ifname\":\"t1\"}", -EINVAL, "create-persistent: missing \"bridge\"");
	refused("{\"op\":\"create-persistent\"}", -EINVAL, "missing \"ifname\"");
	/* tun mode: not through the daemon, and said why */
	refused(CP "\"ifname\":\"vpn0\",\"mode\":\"tun\"}", -EOPNOTSUPP,
		"mode=tun is not offered by vmtapd: a tun device has no bridge");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"mode\":\"tun\"}", -EOPNOTSUPP,
		"mode=tun is not offered");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"mode\":\"tab\"}", -EINVAL,
		"mode=tab: expected tap, tun, bridge, vepa, private or passthru");
	/* the owner is never the client's to choose */
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"owner\":0}", -EINVAL,
		"\"owner\" cannot be chosen");
	/* no vhost fds for a device opened later */
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"vhost\":\"on\"}", -EINVAL,
		"create-persistent: unknown key \"vhost\"; expected bridge, macvtap, ifname, queues, mac, guest_mac, "
		"mtu, qdisc, vnet_hdr, mode, group, vlan, trunk, isolated, mac_lock, announce, inbound or "
		"outbound");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"persist\":true}", -EINVAL,
		"unknown key \"persist\"");
	/* wrong types */
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"queues\":\"2\"}", -EINVAL,
		"create-persistent: \"queues\" is a string; expected an integer");
	refused(CP "\"ifname\":7,\"bridge\":\"br1\"}", -EINVAL,
		"create-persistent: \"ifname\" is an integer; expected a string");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"group\":\"users\"}", -EINVAL,
		"\"group\" is a string; expected an integer");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"mode\":1}", -EINVAL,
		"\"mode\" is an integer");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"vnet_hdr\":\"yes\"}", -EINVAL,
		"\"vnet_hdr\" is a string; expected true or false");
	/* bad values */
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"group\":-1}", -ERANGE,
		"group=-1: expected 0..4294967294");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"group\":4294967295}", -ERANGE,
		"group=4294967295");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"queues\":65}", -ERANGE,
		"queues=65: expected 1..64");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"mtu\":65522}", -ERANGE,
		"mtu=65522");
	/* bad names: never truncated, never shown raw */
	refused(CP "\"ifname\":\"../x\",\"bridge\":\"br1\"}", -EINVAL, "ifname=../x: expected");
	refused(CP "\"ifname\":\"abcdefghijklmnop\",\"bridge\":\"br1\"}", -EINVAL,
		"ifname=abcdefghijklmnop: expected");
	refused(CP "\"ifname\":\"\",\"bridge\":\"br1\"}", -EINVAL, "ifname=: expected");
	refused(CP "\"ifname\":\"1234\",\"bridge\":\"br1\"}", -EINVAL, "ifname=1234");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1:0\"}", -EINVAL, "bridge=br1:0: expected");
	refused(CP "\"ifname\":\"t\\u001b1\",\"bridge\":\"br1\"}", -EINVAL, "ifname=\"t\\x1b1\"");
	refused(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"version\":2}", -EPROTONOSUPPORT,
		"version 2");
}

/* ---- delete-persistent ------------------------------------------------- */

#define DP "{\"op\":\"delete-persistent\","

/* Tenant networks: vlan an integer, trunk an array of VIDs and ranges or
 * a string, isolated and mac_lock booleans; off asked for is kept apart
 * from absent (a policy's require needs to tell). */
static void test_tenant_keys(void **state)
{
	struct vmtapd_request req;
	struct vmtap_err e;

	(void)state;
	assert_int_equal(decode("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"vlan\":10,"
				"\"trunk\":[20,\"30-39\"],\"isolated\":true,\"mac_lock\":false}",
				&req, &e), 0);
	assert_int_equal(req.spec.vlan, 10);
	assert_int_equal(vlan_set_count(&req.spec.trunk), 11);
	assert_true(vlan_set_has(&req.spec.trunk, 20) && vlan_set_has(&req.spec.trunk, 39));
	assert_true(req.spec.has_isolated && req.spec.isolated);
	assert_true(req.spec.has_mac_lock && !req.spec.mac_lock);
	assert_int_equal(decode(CP "\"ifname\":\"t1\",\"bridge\":\"br1\",\"trunk\":\"20,30:31\"}",
				&req, &e), 0);
	assert_int_equal(vlan_set_count(&req.spec.trunk), 3);
	assert_int_equal(req.spec.vlan, 0);
	assert_false(req.spec.has_isolated || req.spec.has_mac_lock);
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"vlan\":0}", -ERANGE,
		"vlan=0: expected 1..4094");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"vlan\":4095}", -ERANGE,
		"vlan=4095: expected 1..4094");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"vlan\":\"10\"}", -EINVAL,
		"\"vlan\" is a string; expected an integer");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"trunk\":[0]}", -ERANGE,
		"create-nic: \"trunk\": VLAN list element 0");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"trunk\":[]}", -EINVAL,
		"create-nic: \"trunk\": empty VLAN list");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"trunk\":\"10-5\"}", -EINVAL,
		"create-nic: trunk=\"10-5\": VLAN \"10-5\"");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"trunk\":\"1\\n2\"}", -EINVAL,
		"trunk=\"1\\x0a2\"");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"trunk\":7}", -EINVAL,
		"create-nic: \"trunk\": VLAN list is");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"isolated\":\"on\"}", -EINVAL,
		"\"isolated\" is a string; expected true or false");
	refused("{\"op\":\"create-nic\",\"bridge\":\"br0\",\"mac_lock\":1}", -EINVAL,
		"\"mac_lock\" is an integer; expected true or false");
}

static void test_delete(void **state)
{
	struct vmtapd_request req;
	struct vmtap_err e;

	(void)state;
	assert_int_equal(decode(DP "\"ifnames\":[\"t1\",\"vm1-net0\"],\"version\":1}", &req, &e),
			 0);
	assert_int_equal(req.op, VMTAPD_OP_DELETE_PERSISTENT);
	assert_int_equal(req.nnames, 2);
	assert_string_equal(req.names[0], "t1");
	assert_string_equal(req.names[1], "vm1-net0");
}

static void test_delete_refused(void **state)
{
	char json[VMTAPD_REQUEST_MAX];
	size_t n;
	int i;

	(void)state;
	refused("{\"op\":\"delete-persistent\"}", -EINVAL,
		"delete-persistent: missing \"ifnames\"; expected an array");
	refused(DP "\"ifnames\":\"t1\"}", -EINVAL, "\"ifnames\" is a string; expected an array");
	refused(DP "\"ifnames\":{}}", -EINVAL, "\"ifnames\" is an object");
	refused(DP "\"ifnames\":[]}", -ERANGE, "\"ifnames\" has 0 names; expected 1..64");
	refused(DP "\"ifnames\":[\"t1\",7]}", -EINVAL, "ifnames[1] is an integer; expected a string");
	refused(DP "\"ifnames\":[null]}", -EINVAL, "ifnames[0] is null");
	refused(DP "\"ifnames\":[\"t1\",\"a/b\"]}", -EINVAL, "ifnames[1]: bad interface name \"a/b\"; expected an interface name");
	refused(DP "\"ifnames\":[\"abcdefghijklmnop\"]}", -EINVAL, "ifnames[0]: bad interface name \"abcdefghijklmnop\"");
	refused(DP "\"ifnames\":[\"..\"]}", -EINVAL, "ifnames[0]: bad interface name \"..\"");
	refused(DP "\"ifnames\":[\"\"]}", -EINVAL, "ifnames[0]: bad interface name \"\"");
	refused(DP "\"ifnames\":[\"t\\n1\"]}", -EINVAL, "ifnames[0]: bad interface name \"t\\x0a1\"");
	refused(DP "\"ifnames\":[\"t1\",\"t2\",\"t1\"]}", -EINVAL, "\"t1\" is named twice");
	/* no forcing through the daemon */
	refused(DP "\"ifnames\":[\"t1\"],\"force\":true}", -EINVAL,
		"delete-persistent: unknown key \"force\"; expected ifnames");

	/* 65 names: one more than a request takes */
	n = (size_t)snprintf(json, sizeof(json), DP "\"ifnames\":[");
	for (i = 0; i < VMTAPD_DELETE_MAX + 1; i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n, "%s\"t%d\"", i ? "," : "", i);
	snprintf(json + n, sizeof(json) - n, "]}");
	refused(json, -ERANGE, "has 65 names; expected 1..64");
}

/* release-nic: one name, checked as every name is; nothing else. */
static void test_release(void **state)
{
	struct vmtapd_request in = { .op = VMTAPD_OP_RELEASE_NIC, .nnames = 1 }, out;
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REQUEST_MAX];
	unsigned n;
	size_t len;

	(void)state;
	assert_int_equal(decode("{\"op\":\"release-nic\",\"ifname\":\"vmt5e6f7a8b\","
				"\"version\":1}", &out, &e), 0);
	assert_int_equal(out.op, VMTAPD_OP_RELEASE_NIC);
	assert_int_equal(out.nnames, 1);
	assert_string_equal(out.names[0], "vmt5e6f7a8b");

	strcpy(in.names[0], "vmt1");
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "{\"op\":\"release-nic\",\"version\":1,\"ifname\":\"vmt1\"}");
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_request_decode(buf, len, &out, &e), 0);
	assert_int_equal(out.op, VMTAPD_OP_RELEASE_NIC);
	assert_string_equal(out.names[0], "vmt1");

	/* Its reply is delete-persistent's, with the one name. */
	assert_int_equal(vmtapd_deleted_encode(&in, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "{\"version\":1,\"deleted\":[\"vmt1\"]}");
	assert_int_equal(vmtapd_deleted_decode("delete-persistent", buf, len, 0, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(vmtapd_error_encode(-EPERM, "release-nic: macvtap vmt1 was made for uid "
					     "1000, not for uid 1001", buf, sizeof(buf), &len), 0);
	assert_int_equal(vmtapd_deleted_decode("delete-persistent", buf, len, 0, &n, &e), -EPERM);
	assert_string_equal(e.msg, "release-nic: macvtap vmt1 was made for uid 1000, not for uid 1001");
}

static void test_release_refused(void **state)
{
	(void)state;
	refused("{\"op\":\"release-nic\"}", -EINVAL,
		"release-nic: missing \"ifname\"; expected the name of a macvtap");
	refused("{\"op\":\"release-nic\",\"ifname\":7}", -EINVAL,
		"release-nic: \"ifname\" is an integer; expected the name of a macvtap");
	refused("{\"op\":\"release-nic\",\"ifname\":[\"vmt1\"]}", -EINVAL,
		"\"ifname\" is an array");
	refused("{\"op\":\"release-nic\",\"ifname\":\"a/b\"}", -EINVAL,
		"release-nic: bad interface name \"a/b\"");
	refused("{\"op\":\"release-nic\",\"ifname\":\"abcdefghijklmnop\"}", -EINVAL,
		"bad interface name \"abcdefghijklmnop\"");
	refused("{\"op\":\"release-nic\",\"ifname\":\"\"}", -EINVAL, "bad interface name \"\"");
	refused("{\"op\":\"release-nic\",\"ifname\":\"t\\n1\"}", -EINVAL,
		"bad interface name \"t\\x0a1\"");
	/* One name, never a list, and nothing that widens it. */
	refused("{\"op\":\"release-nic\",\"ifnames\":[\"vmt1\"]}", -EINVAL,
		"release-nic: unknown key \"ifnames\"; expected ifname");
	refused("{\"op\":\"release-nic\",\"ifname\":\"vmt1\",\"netns\":\"x\"}", -EINVAL,
		"release-nic: unknown key \"netns\"");
	refused("{\"op\":\"release-nic\",\"ifname\":\"vmt1\",\"ifname\":\"vmt2\"}", -EPROTO,
		"not valid JSON");
}

/* ---- round trips of the new requests and replies ------------------------ */

static void test_persistent_round_trip(void **state)
{
	struct vmtapd_request in = { .op = VMTAPD_OP_CREATE_PERSISTENT }, out;
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REQUEST_MAX];
	size_t len;

	(void)state;
	nic_spec_init(&in.spec);
	in.spec.persist = true;
	in.spec.vhost = VHOST_OFF;
	strcpy(in.spec.bridge, "br1");
	strcpy(in.spec.ifname, "t1");
	in.spec.queues = 2;
	in.spec.mtu = 1400;
	in.spec.has_mac = true;
	memcpy(in.spec.mac, "\xfe\x00\x00\x00\x00\x07", 6);
	in.spec.has_group = true;
	in.spec.group = 100;
	in.spec.vnet_hdr = true;
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	assert_null(strstr(buf, "owner"));
	assert_int_equal(vmtapd_request_decode(buf, len, &out, &e), 0);
	assert_int_equal(out.op, VMTAPD_OP_CREATE_PERSISTENT);
	assert_memory_equal(&out.spec, &in.spec, sizeof(in.spec));

	/* An owner in the spec is never sent: the daemon decides it. */
	in.spec.has_owner = true;
	in.spec.owner = 0;
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	assert_null(strstr(buf, "owner"));

	/* A tun spec goes as asked, for the daemon to refuse. */
	in.spec.mode = NIC_MODE_TUN;
	in.spec.bridge[0] = '\0';
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_request_decode(buf, len, &out, &e), -EOPNOTSUPP);

	memset(&in, 0, sizeof(in));
	in.op = VMTAPD_OP_DELETE_PERSISTENT;
	in.nnames = 2;
	strcpy(in.names[0], "t1");
	strcpy(in.names[1], "t2");
	assert_int_equal(vmtapd_request_encode(&in, buf, sizeof(buf), &len), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_request_decode(buf, len, &out, &e), 0);
	assert_int_equal(out.op, VMTAPD_OP_DELETE_PERSISTENT);
	assert_int_equal(out.nnames, 2);
	assert_string_equal(out.names[1], "t2");
}

static void test_persistent_reply(void **state)
{
	struct vmtapd_persistent in = { .ifname = "t1", .ifindex = 9, .mtu = 1500,
					.multi_queue = true, .owner = 65534 }, out;
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REPLY_MAX];
	size_t len;

	(void)state;
	memcpy(in.mac, "\xfe\x54\x00\x12\x34\x56", 6);
	assert_int_equal(vmtapd_persistent_encode(&in, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "{\"version\":1,\"ifname\":\"t1\",\"ifindex\":9,\"mtu\":1500,"
				 "\"mac\":\"fe:54:00:12:34:56\",\"multi_queue\":true,\"owner\":65534,"
				 "\"group\":null}");
	assert_int_equal(vmtapd_persistent_decode(buf, len, 0, &out, &e), 0);
	assert_string_equal(out.ifname, "t1");
	assert_int_equal(out.ifindex, 9);
	assert_int_equal(out.mtu, 1500);
	assert_memory_equal(out.mac, in.mac, 6);
	assert_true(out.multi_queue);
	assert_int_equal(out.owner, 65534);
	assert_false(out.has_group);

	in.has_group = true;
	in.group = 100;
	assert_int_equal(vmtapd_persistent_encode(&in, buf, sizeof(buf), &len), 0);
	assert_int_equal(vmtapd_persistent_decode(buf, len, 0, &out, &e), 0);
	assert_true(out.has_group);
	assert_int_equal(out.group, 100);

	/* fds with it, an error reply, a field out of range */
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_persistent_decode(buf, len, 1, &out, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "sent 1 fds with its create-persistent reply; expected none"));
	assert_int_equal(vmtapd_error_encode(-EPERM, "tap t1 has owner uid 0, not uid 65534", buf,
					     sizeof(buf), &len), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_persistent_decode(buf, len, 0, &out, &e), -EPERM);
	assert_string_equal(e.msg, "tap t1 has owner uid 0, not uid 65534");
	static const char bad[] = "{\"version\":1,\"ifname\":\"t/1\",\"ifindex\":9,\"mtu\":1500,"
				  "\"mac\":\"fe:54:00:12:34:56\",\"multi_queue\":true,\"owner\":1,"
				  "\"group\":null}";
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_persistent_decode(bad, strlen(bad), 0, &out, &e), -EPROTO);
	assert_clean_line(e.msg);
	static const char noowner[] = "{\"version\":1,\"ifname\":\"t1\",\"ifindex\":9,\"mtu\":1500,"
				      "\"mac\":\"fe:54:00:12:34:56\",\"multi_queue\":true,\"group\":null}";
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_persistent_decode(noowner, strlen(noowner), 0, &out, &e), -EPROTO);
}

static void test_deleted_reply(void **state)
{
	struct vmtapd_request req = { .op = VMTAPD_OP_DELETE_PERSISTENT, .nnames = 2 };
	struct vmtap_err e = { "" };
	char buf[VMTAPD_REPLY_MAX];
	unsigned n;
	size_t len;

	(void)state;
	strcpy(req.names[0], "t1");
	strcpy(req.names[1], "t2");
	assert_int_equal(vmtapd_deleted_encode(&req, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "{\"version\":1,\"deleted\":[\"t1\",\"t2\"]}");
	assert_int_equal(vmtapd_deleted_decode("delete-persistent", buf, len, 0, &n, &e), 0);
	assert_int_equal(n, 2);

	assert_int_equal(vmtapd_error_encode(-ENODEV, "link t3 does not exist", buf, sizeof(buf),
					     &len), 0);
	assert_int_equal(vmtapd_deleted_decode("delete-persistent", buf, len, 0, &n, &e), -ENODEV);
	assert_string_equal(e.msg, "link t3 does not exist");
	memset(&e, 0, sizeof(e));
	static const char odd[] = "{\"version\":1,\"deleted\":[1]}";
	assert_int_equal(vmtapd_deleted_decode("release-nic", odd, strlen(odd), 0, &n, &e), -EPROTO);
	memset(&e, 0, sizeof(e));
	static const char none[] = "{\"version\":1}";
	assert_int_equal(vmtapd_deleted_decode("release-nic", none, strlen(none), 0, &n, &e), -EPROTO);
	memset(&e, 0, sizeof(e));
	assert_int_equal(vmtapd_deleted_decode("release-nic", "{\"version\":1,\"deleted\":[]}", 27, 2,
					       &n, &e),
			 -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_create_defaults),
		cmocka_unit_test(test_create_all_keys),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_op),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_missing_and_unknown),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_nic_reply),
		cmocka_unit_test(test_error_reply),
		cmocka_unit_test(test_hello_reply),
		cmocka_unit_test(test_hello_grants),
		cmocka_unit_test(test_hello_bandwidth),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_tenant_keys),
		cmocka_unit_test(test_persistent_defaults),
		cmocka_unit_test(test_persistent_all_keys),
		cmocka_unit_test(test_persistent_refused),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_delete_refused),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_release_refused),
		cmocka_unit_test(test_persistent_round_trip),
		cmocka_unit_test(test_persistent_reply),
		cmocka_unit_test(test_deleted_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
