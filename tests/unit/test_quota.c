/* test_quota.c — vmtapd's decisions without root: the record of NICs by
 * uid and the refusal-line budget (helper/daemon/quota.c), and the policy
 * and quota decisions a request passes before anything is made
 * (helper/daemon/handlers.c: decide_*).  The kernel's answer to "is
 * ifindex still a device?" is a table here (the one stand-in; the
 * integration test asks the real kernel). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helper/daemon/handlers.h"
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

/* A uid refused no more: what it had left out is due once its window has
 * ended, and said once. */
static void test_loglimit_due(void **state)
{
	static struct loglimit l;
	unsigned unsaid, i;
	uid_t who;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(loglimit_next(&l), UINT64_MAX);
	for (i = 0; i < LOGLIMIT_BURST; i++)
		loglimit_allow(&l, 7, 1000, &unsaid, &who);
	/* all said: nothing is due */
	assert_int_equal(loglimit_next(&l), UINT64_MAX);
	for (i = 0; i < 5; i++)
		assert_false(loglimit_allow(&l, 7, 1000 + i, &unsaid, &who));
	assert_int_equal(loglimit_next(&l), 1000 + LOGLIMIT_WINDOW_MS);
	assert_false(loglimit_due(&l, 1000 + LOGLIMIT_WINDOW_MS - 1, &who, &unsaid));
	assert_true(loglimit_due(&l, 1000 + LOGLIMIT_WINDOW_MS, &who, &unsaid));
	assert_int_equal(who, 7);
	assert_int_equal(unsaid, 5);
	assert_false(loglimit_due(&l, 1000 + LOGLIMIT_WINDOW_MS, &who, &unsaid));
	assert_int_equal(loglimit_next(&l), UINT64_MAX);
	/* its next refusal opens a new window with nothing left to say */
	assert_true(loglimit_allow(&l, 7, 2000 + LOGLIMIT_WINDOW_MS, &unsaid, &who));
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

/* ---- policy decisions ---------------------------------------------------- */

static const char policy[] =
	"allow br1 user 1000\n"
	"allow br2 group 100\n"
	"deny br2 user 2000\n"
	"limit queues 2 user 1000\n"
	"limit nics 1 user 1000\n";

static struct acl *load(void)
{
	struct vmtap_err err = { "" };
	struct acl *acl = NULL;

	if (acl_parse_buffer_daemon("vmtapd.conf", policy, sizeof(policy) - 1, &acl, &err) < 0)
		fail_msg("policy: %s", err.msg);
	return acl;
}

static void spec_on(struct nic_spec *s, const char *bridge, unsigned queues)
{
	nic_spec_init(s);
	strcpy(s->bridge, bridge);
	s->queues = queues;
}

static void expect(int r, int want, const struct vmtap_err *err, const char *text)
{
	assert_int_equal(r, want);
	if (want && strcmp(err->msg, text))
		fail_msg("message \"%s\", expected \"%s\"", err->msg, text);
}

static void test_decide_bridge_queues(void **state)
{
	static const gid_t users[] = { 100 };
	struct acl_peer u1000 = { .uid = 1000, .gid = 1000 };
	struct acl_peer u2000 = { .uid = 2000, .gid = 2000, .groups = users, .ngroups = 1 };
	struct acl_peer u3000 = { .uid = 3000, .gid = 100 };
	struct acl *acl = load();
	struct nic_spec spec;
	struct vmtap_err err;

	(void)state;
	spec_on(&spec, "br1", 2);
	memset(&err, 0, sizeof(err));
	expect(decide_bridge_queues(acl, "vmtapd.conf", &spec, &u1000, &err), 0, &err, "");
	spec.queues = 3;
	expect(decide_bridge_queues(acl, "vmtapd.conf", &spec, &u1000, &err), -EPERM, &err,
	       "queues=3: vmtapd.conf allows uid 1000 at most 2 queues per NIC");
	spec_on(&spec, "br0", 1);
	memset(&err, 0, sizeof(err));
	expect(decide_bridge_queues(acl, "vmtapd.conf", &spec, &u1000, &err), -EPERM, &err,
	       "bridge br0 is not allowed for uid 1000 by vmtapd.conf");
	/* by group (primary here), and deny wins over the group's allow */
	spec_on(&spec, "br2", 8);
	memset(&err, 0, sizeof(err));
	expect(decide_bridge_queues(acl, "vmtapd.conf", &spec, &u3000, &err), 0, &err, "");
	expect(decide_bridge_queues(acl, "vmtapd.conf", &spec, &u2000, &err), -EPERM, &err,
	       "bridge br2 is not allowed for uid 2000 by vmtapd.conf");
	acl_free(acl);
}

static void test_decide_group(void **state)
{
	static const gid_t groups[] = { 100, 27 };
	struct acl_peer peer = { .uid = 1000, .gid = 1000, .groups = groups, .ngroups = 2 };
	struct nic_spec spec;
	struct vmtap_err err;

	(void)state;
	spec_on(&spec, "br1", 1);
	memset(&err, 0, sizeof(err));
	expect(decide_group(&spec, &peer, &err), 0, &err, "");
	spec.has_group = true;
	spec.group = 1000;
	expect(decide_group(&spec, &peer, &err), 0, &err, "");
	spec.group = 27;
	expect(decide_group(&spec, &peer, &err), 0, &err, "");
	spec.group = 0;
	expect(decide_group(&spec, &peer, &err), -EPERM, &err,
	       "group=0: uid 1000 is not in group 0; through vmtapd a device gets only a group "
	       "of its client's");
}

static void test_decide_nics(void **state)
{
	struct acl_peer u1000 = { .uid = 1000, .gid = 1000 };
	struct acl_peer u2000 = { .uid = 2000, .gid = 2000 };
	struct acl *acl = load();
	struct vmtap_err err;
	struct quota q;

	(void)state;
	memset(alive_tab, 0, sizeof(alive_tab));
	quota_init(&q, fake_alive, NULL);
	memset(&err, 0, sizeof(err));
	expect(decide_nics(&q, acl, "vmtapd.conf", &u1000, false, &err), 0, &err, "");
	make(&q, 1000, 11);
	expect(decide_nics(&q, acl, "vmtapd.conf", &u1000, false, &err), -EDQUOT, &err,
	       "uid 1000 has 1 NICs alive; vmtapd.conf allows at most 1");
	memset(&err, 0, sizeof(err));
	expect(decide_nics(&q, acl, "vmtapd.conf", &u1000, true, &err), -EDQUOT, &err,
	       "uid 1000 has 1 NICs alive (persistent taps count); vmtapd.conf allows at most 1");
	/* no limit for 2000, whatever it has */
	make(&q, 2000, 12);
	make(&q, 2000, 13);
	memset(&err, 0, sizeof(err));
	expect(decide_nics(&q, acl, "vmtapd.conf", &u2000, false, &err), 0, &err, "");
	/* the NIC's last fd closed: its place is free */
	alive_tab[11] = false;
	expect(decide_nics(&q, acl, "vmtapd.conf", &u1000, false, &err), 0, &err, "");
	quota_free(&q);
	acl_free(acl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_counts_alive_nics),
		cmocka_unit_test(test_counted_against_maker),
		cmocka_unit_test(test_record_prunes),
		cmocka_unit_test(test_unknown_stays_counted),
		cmocka_unit_test(test_loglimit_burst_then_summary),
		cmocka_unit_test(test_loglimit_due),
		cmocka_unit_test(test_loglimit_table_full),
		cmocka_unit_test(test_decide_bridge_queues),
		cmocka_unit_test(test_decide_group),
		cmocka_unit_test(test_decide_nics),
	};

	return cmocka_run_group_tests_name("quota and policy decisions", tests, NULL, NULL);
}
