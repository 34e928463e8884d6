/* test_quota.c — vmtapd's record of NICs by uid and its refusal-line
 * budget (helper/daemon/quota.c), without root: the kernel's answer to
 * "is ifindex still a device?" is a table here (the one stand-in; the
 * integration test asks the real kernel). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helper/daemon/quota.h"

static bool alive_tab[64];

static bool fake_alive(void *ctx, int ifindex)
{
	(void)ctx;
	return ifindex >= 0 && ifindex < 64 && alive_tab[ifindex];
}

static void make(struct quota *q, uid_t uid, int ifindex)
{
	alive_tab[ifindex] = true;
	assert_int_equal(quota_add(q, uid, ifindex), 0);
}

static void test_limit_counts_alive_nics(void **state)
{
	struct quota q;
	unsigned live;

	(void)state;
	memset(alive_tab, 0, sizeof(alive_tab));
	quota_init(&q, fake_alive, NULL);
	assert_true(quota_admits(&q, 1000, 2, &live));
	assert_int_equal(live, 0);
	make(&q, 1000, 5);
	make(&q, 1000, 6);
	make(&q, 2000, 7);
	assert_false(quota_admits(&q, 1000, 2, &live));
	assert_int_equal(live, 2);
	/* another uid's NICs are not 1000's */
	assert_true(quota_admits(&q, 2000, 2, &live));
	assert_int_equal(live, 1);
	/* a NIC whose last fd closed frees its place */
	alive_tab[5] = false;
	assert_true(quota_admits(&q, 1000, 2, &live));
	assert_int_equal(live, 1);
	/* no limit: always, whatever is alive */
	make(&q, 1000, 8);
	assert_true(quota_admits(&q, 1000, UINT_MAX, &live));
	quota_free(&q);
}

/* The record counts a device once, against the uid that made it through
 * the daemon; whoever the kernel says owns it now does not enter. */
static void test_counted_against_maker(void **state)
{
	struct quota q;
	unsigned live;

	(void)state;
	memset(alive_tab, 0, sizeof(alive_tab));
	quota_init(&q, fake_alive, NULL);
	make(&q, 0, 9); /* root made it; its owner may be anyone now */
	assert_true(quota_counted(&q, 9));
	assert_false(quota_counted(&q, 10));
	assert_true(quota_admits(&q, 65534, 1, &live));
	assert_int_equal(live, 0);
	assert_int_equal(quota_live(&q, 0, UINT_MAX), 1);
	quota_free(&q);
}

/* Dead NICs are pruned before the record grows: it stays as large as what
 * is alive, and nothing alive is forgotten. */
static void test_record_prunes(void **state)
{
	struct quota q;
	int i;

	(void)state;
	memset(alive_tab, 0, sizeof(alive_tab));
	quota_init(&q, fake_alive, NULL);
	for (i = 0; i < 64; i++)
		make(&q, 1, i);
	for (i = 0; i < 64; i++)
		alive_tab[i] = i < 3;
	assert_int_equal(quota_add(&q, 1, 3), 0);
	alive_tab[3] = true;
	assert_int_equal(q.n, 4);
	assert_int_equal(q.cap, 64);
	assert_int_equal(quota_live(&q, 1, UINT_MAX), 4);
	quota_free(&q);
}

/* The server's callback answers "alive" on any error but ENODEV: the
 * record then keeps the NIC counted, so an error cannot lift a limit. */
static bool always_alive(void *ctx, int ifindex)
{
	(void)ctx;
	(void)ifindex;
	return true;
}

static void test_unknown_stays_counted(void **state)
{
	struct quota q;
	unsigned live;

	(void)state;
	quota_init(&q, always_alive, NULL);
	assert_int_equal(quota_add(&q, 7, 1000), 0);
	assert_false(quota_admits(&q, 7, 1, &live));
	quota_free(&q);
}

static void test_loglimit_burst_then_summary(void **state)
{
	static struct loglimit l;
	unsigned unsaid, i, logged = 0;
	uid_t who;

	(void)state;
	memset(&l, 0, sizeof(l));
	for (i = 0; i < 1000; i++) {
		logged += loglimit_allow(&l, 1000, 5000 + i, &unsaid, &who);
		assert_int_equal(unsaid, 0);
	}
	assert_int_equal(logged, LOGLIMIT_BURST);
	/* another uid has its own budget */
	assert_true(loglimit_allow(&l, 2000, 5500, &unsaid, &who));
	/* the next window: the first line comes with the count left out */
	assert_true(loglimit_allow(&l, 1000, 5000 + LOGLIMIT_WINDOW_MS, &unsaid, &who));
	assert_int_equal(unsaid, 1000 - LOGLIMIT_BURST);
	assert_int_equal(who, 1000);
	assert_true(loglimit_allow(&l, 1000, 5001 + LOGLIMIT_WINDOW_MS, &unsaid, &who));
	assert_int_equal(unsaid, 0);
}

/* More uids than the table holds: the oldest slot goes, and what it had
 * left out is said then, naming its uid. */
static void test_loglimit_table_full(void **state)
{
	static struct loglimit l;
	unsigned unsaid, i;
	uid_t who;

	(void)state;
	memset(&l, 0, sizeof(l));
	for (i = 0; i <= LOGLIMIT_BURST; i++)
		loglimit_allow(&l, 1, 100, &unsaid, &who);
	for (i = 0; i < LOGLIMIT_UIDS - 1; i++) {
		assert_true(loglimit_allow(&l, 100 + i, 200 + i, &unsaid, &who));
		assert_int_equal(unsaid, 0);
	}
	assert_true(loglimit_allow(&l, 5000, 300, &unsaid, &who));
	assert_int_equal(unsaid, 1);
	assert_int_equal(who, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_counts_alive_nics),
		cmocka_unit_test(test_counted_against_maker),
		cmocka_unit_test(test_record_prunes),
		cmocka_unit_test(test_unknown_stays_counted),
		cmocka_unit_test(test_loglimit_burst_then_summary),
		cmocka_unit_test(test_loglimit_table_full),
	};

	return cmocka_run_group_tests_name("quota", tests, NULL, NULL);
}
