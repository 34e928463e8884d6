/* vmtapd --pool values: what pool_cfg_parse takes and the one-line
 * refusals it gives (the pool itself is tested for real, with a daemon,
 * in tests/integration/test_vmtapd.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helper/daemon/pool.h"

static void accepted(void **state)
{
	struct pool_cfg c;
	struct vmtap_err err = { "" };

	(void)state;
	assert_int_equal(pool_cfg_parse("br0", &c, &err), 0);
	assert_string_equal(c.bridge, "br0");
	assert_int_equal(c.queues, 1);
	assert_int_equal(c.size, POOL_SIZE_DEFAULT);
	assert_int_equal(pool_cfg_parse("br-lan,queues=4,size=16", &c, &err), 0);
	assert_string_equal(c.bridge, "br-lan");
	assert_int_equal(c.queues, 4);
	assert_int_equal(c.size, 16);
	assert_int_equal(pool_cfg_parse("br0,size=256,queues=64", &c, &err), 0);
	assert_int_equal(c.queues, 64);
	assert_int_equal(c.size, 256);
}

static void refused(const char *arg, const char *needle)
{
	struct pool_cfg c;
	struct vmtap_err err = { "" };

	assert_true(pool_cfg_parse(arg, &c, &err) < 0);
	if (!strstr(err.msg, needle))
		fail_msg("--pool %s: \"%s\" does not name \"%s\"", arg, err.msg, needle);
	assert_null(strchr(err.msg, '\n'));
}

static void refusals(void **state)
{
	(void)state;
	refused("", "no bridge");
	refused("br0,size=0", "size=0: expected 1..256");
	refused("br0,size=257", "size=257: expected 1..256");
	refused("br0,size=x", "size=x");
	refused("br0,queues=65", "queues=65");
	refused("br0,queues=0", "queues=0");
	refused("br0,bogus=1", "unknown key \"bogus\"");
	refused("queues=4", "\"queues=4\" is out of place");
	refused("br0,br1", "\"br1\" is out of place");
	refused("br0,,queues=4", "an empty part");
	refused("br0,", "an empty part");
	refused("bad/name", "bad/name");
	refused("0123", "0123");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted),
		cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
