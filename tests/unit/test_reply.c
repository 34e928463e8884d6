/* The extended reply header: round trip, and a client that does not trust
 * what the helper sent. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helper/core/reply.h"

static struct nic sample(void)
{
	struct nic n;

	nic_init(&n);
	strcpy(n.ifname, "vmt0a1b2c3d");
	n.ifindex = 42;
	n.mtu = 9000;
	memcpy(n.mac, "\xfe\x54\x00\x12\x34\x56", 6);
	n.queues = 4;
	n.nvhost = 4;
	return n;
}

static void round_trip(void **state)
{
	struct nic in = sample(), out;
	struct vmtap_err e = { "" };
	char buf[REPLY_MAX];
	size_t len;

	(void)state;
	assert_int_equal(reply_encode(&in, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "{\"version\":1,\"ifname\":\"vmt0a1b2c3d\",\"ifindex\":42,"
				 "\"mtu\":9000,\"mac\":\"fe:54:00:12:34:56\",\"queues\":4,\"vhost\":4}");
	nic_init(&out);
	assert_int_equal(reply_decode(buf, len, 8, &out, &e), 0);
	assert_string_equal(out.ifname, "vmt0a1b2c3d");
	assert_int_equal(out.ifindex, 42);
	assert_int_equal(out.mtu, 9000);
	assert_memory_equal(out.mac, in.mac, 6);
	assert_int_equal(out.queues, 4);
	assert_int_equal(out.nvhost, 4);
	assert_int_equal(out.tapfd[0], -1); /* fds are the caller's business */
}

static void rejects(const char *json, unsigned nfds, const char *needle)
{
	struct nic out;
	struct vmtap_err e = { "" };

	nic_init(&out);
	assert_int_equal(reply_decode(json, strlen(json), nfds, &out, &e), -EPROTO);
	if (!strstr(e.msg, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", e.msg, needle);
}

#define GOOD_TAIL "\"ifindex\":3,\"mtu\":1500,\"mac\":\"fe:00:00:00:00:01\""

static void bad_headers(void **state)
{
	(void)state;
	rejects("", 1, "not a JSON object");
	rejects("{\"version\":1,", 1, "not a JSON object");
	rejects("[1,2]", 1, "not a JSON object");
	rejects("{\"version\":2,\"ifname\":\"t\"," GOOD_TAIL ",\"queues\":1,\"vhost\":0}", 1, "\"version\" is 2");
	rejects("{\"version\":1,\"ifname\":\"a/b\"," GOOD_TAIL ",\"queues\":1,\"vhost\":0}", 1, "ifname");
	rejects("{\"version\":1,\"ifname\":\"t\"," GOOD_TAIL ",\"queues\":\"1\",\"vhost\":0}", 1, "\"queues\" missing or not an integer");
	rejects("{\"version\":1,\"ifname\":\"t\"," GOOD_TAIL ",\"queues\":65,\"vhost\":0}", 65, "\"queues\" is 65");
	rejects("{\"version\":1,\"ifname\":\"t\"," GOOD_TAIL ",\"queues\":2,\"vhost\":1}", 3, "1 vhost fds for 2 queues");
	rejects("{\"version\":1,\"ifname\":\"t\"," GOOD_TAIL ",\"queues\":2,\"vhost\":2}", 3, "3 fds received, header says 4");
	rejects("{\"version\":1,\"ifname\":\"t\",\"ifindex\":3,\"mtu\":1500,\"mac\":\"ff:ff:ff:ff:ff:ff\",\"queues\":1,\"vhost\":0}", 1, "\"mac\"");
	rejects("{\"version\":1,\"version\":1}", 0, "not a JSON object"); /* duplicate key */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(bad_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
