/* test_brport.c — bridge/brport.c against the real kernel: isolated ports,
 * the MAC lock (locked + learning off + a static FDB entry), bridge VLANs,
 * and reading them back.
 *
 * MUST RUN AS ROOT IN ITS OWN, FRESH NETWORK NAMESPACE (tests/run runs it
 * through tests/lib/sandbox.sh; the test-host VM in one of its own).
 *
 * The taps' fds are the wire: a frame written on one is a frame a guest
 * sent; what the bridge forwards to a port is read from that port's fd; a
 * packet socket on the bridge sees what the bridge delivers to the host.
 * Frames are tagged with a private EtherType and a number, so the host's
 * own chatter (IPv6 on the bridge) is ignored.
 *
 * That a frame did NOT arrive is shown without a timeout: the process is
 * pinned to one CPU, so the frames it writes go through the bridge in the
 * order written, and a later frame that must arrive (a marker) is waited
 * for; whatever the earlier one produced is queued by then.  A flood is
 * one pass over the ports, so once one port has it, every port that was
 * going to get it has it.
 *
 * The VLAN traffic test needs a kernel with CONFIG_BRIDGE_VLAN_FILTERING
 * (the test-host VM's; not every build machine's): without it, it skips,
 * unless VMTAP_TEST_NEED_VLAN=1 (the VM sets it) makes that a failure. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bridge/port.h"
#include "helper/core/err.h"
#include "tests/helpers/test_frame.h"

#define BR         "br0"
#define BRV        "brv"

static struct nl_sock *sk;
static int br_ifindex;

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t GUEST1[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t GUEST2[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t SPOOF[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x66 };

/* ---- helpers ---------------------------------------------------------- */

struct fds {
	int n;
	int fd[64];
};

static int fds_setup(void **state)
{
	struct fds *f = calloc(1, sizeof(*f));

	*state = f;
	return f ? 0 : -1;
}

static int fds_teardown(void **state)
{
	struct fds *f = *state;

	while (f->n > 0)
		if (f->fd[--f->n] >= 0)
			close(f->fd[f->n]);
	free(f);
	return 0;
}

static void die(const char *what, int r, const struct vmtap_err *e)
{
	fail_msg("%s: %d %s", what, r, vmtap_err_text(e, r));
}

/* A tap (one queue, no vnet header: the bridge is under test here, not
 * vmtap's tap flags) made a port of the bridge by port_setup, as vmtap
 * does.  Its fd is non-blocking; *ifindex is the port's. */
static int port_open(struct fds *f, const char *name, int bridge, const char *brname,
		     unsigned mac_no, int *ifindex)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL };
	struct port_setup p = { .ifname = name, .bridge_ifindex = bridge, .bridge = brname };
	struct vmtap_err e = { "" };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK), r;

	assert_true(fd >= 0);
	f->fd[f->n++] = fd;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	p.ifindex = (int)if_nametoindex(name);
	assert_true(p.ifindex > 0);
	memcpy(p.mac, (uint8_t[6]){ 0xfe, 0x54, 0, 0, 0, (uint8_t)mac_no }, 6);
	if ((r = port_setup(sk, &p, &e)))
		die("port_setup", r, &e);
	*ifindex = p.ifindex;
	return fd;
}

static void apply(int ifindex, const char *name, const struct port_tenant *t)
{
	struct vmtap_err e = { "" };
	int r = port_tenant_apply(sk, ifindex, name, t, &e);

	if (r)
		die("port_tenant_apply", r, &e);
}

/* What the bridge hands the host: a packet socket on it. */
static int bridge_socket(struct fds *f, int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));

	assert_true(s >= 0);
	f->fd[f->n++] = s;
	assert_int_equal(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return s;
}

/* A test frame: DST, SRC, an 802.1Q tag when vid, our EtherType, "vt" and
 * TAG, padded to the Ethernet minimum. */
static void send_frame(int fd, const uint8_t dst[6], const uint8_t src[6], unsigned vid,
		       uint8_t tag)
{
	uint8_t b[FRAME_LEN + 4] = { 0 };
	size_t len = test_frame_build(b, dst, src, vid, tag);

	assert_int_equal(write(fd, b, len), (ssize_t)len);
}

/* Reads fd until the test frame TAG comes (waiting for it: it must come),
 * recording in *before every other tag read first (bit = tag).  Returns the
 * frame. */
static struct test_frame wait_for(int fd, int tag, unsigned *before)
{
	uint8_t b[2048];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	*before = 0;
	for (;;) {
		ssize_t n = read(fd, b, sizeof(b));
		struct test_frame g;

		if (n < 0 && errno == EAGAIN) {
			if (poll(&p, 1, 10000) != 1)
				fail_msg("frame %d never arrived", tag);
			continue;
		}
		assert_true(n > 0);
		g = test_frame_parse(b, n);
		if (g.tag == tag)
			return g;
		if (g.tag >= 0 && g.tag < 32)
			*before |= 1u << g.tag;
	}
}

/* The tags of every test frame already queued on fd (bit = tag), vid of
 * each in vids[tag] when vids. */
static unsigned drain(int fd, unsigned vids[32])
{
	uint8_t b[2048];
	unsigned seen = 0;
	ssize_t n;

	while ((n = read(fd, b, sizeof(b))) > 0) {
		struct test_frame g = test_frame_parse(b, n);

		if (g.tag >= 0 && g.tag < 32) {
			seen |= 1u << g.tag;
			if (vids)
				vids[g.tag] = g.vid;
		}
	}
	assert_true(n < 0 && errno == EAGAIN);
	return seen;
}

static bool has_vlan_filtering(void)
{
	struct bridge_vlan_state v;
	struct vmtap_err e = { "" };
	int r = bridge_vlan_filtering(sk, br_ifindex, BR, &v, &e);

	if (r)
		die("bridge_vlan_filtering", r, &e);
	return v.supported;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ---- isolated --------------------------------------------------------- */

/* Two isolated ports do not reach each other, neither by broadcast nor by
 * unicast to the other's guest MAC; both reach a plain port and the host. */
static void test_isolated(void **state)
{
	struct fds *f = *state;
	struct port_tenant iso = { .isolated = true };
	struct port_tenant_state st;
	struct vmtap_err e = { "" };
	int i1, i2, n3, x1, x2, x3, hs;
	unsigned before;

	i1 = port_open(f, "iso1", br_ifindex, BR, 1, &x1);
	i2 = port_open(f, "iso2", br_ifindex, BR, 2, &x2);
	n3 = port_open(f, "plain3", br_ifindex, BR, 3, &x3);
	hs = bridge_socket(f, br_ifindex);
	apply(x1, "iso1", &iso);
	apply(x2, "iso2", &iso);

	assert_int_equal(port_tenant_read(sk, x1, "iso1", &st, &e), 0);
	assert_true(st.isolated);
	assert_false(st.locked);
	assert_true(st.learning);
	assert_int_equal(st.master, br_ifindex);
	assert_int_equal(port_tenant_read(sk, x3, "plain3", &st, &e), 0);
	assert_false(st.isolated);

	/* The bridge learns GUEST2 behind iso2 (the plain port sees it). */
	send_frame(i2, BCAST, GUEST2, 0, 1);
	wait_for(n3, 1, &before);
	assert_int_equal(drain(i1, NULL) & (1u << 1), 0);

	/* A broadcast from iso1: the plain port and the host get it, iso2 not. */
	send_frame(i1, BCAST, GUEST1, 0, 2);
	wait_for(n3, 2, &before);
	wait_for(hs, 2, &before);
	assert_int_equal(drain(i2, NULL) & (1u << 2), 0);

	/* A unicast from iso1 to iso2's guest, then a marker broadcast. */
	send_frame(i1, GUEST2, GUEST1, 0, 3);
	send_frame(i1, BCAST, GUEST1, 0, 4);
	wait_for(n3, 4, &before);
	assert_int_equal(drain(i2, NULL) & (1u << 3), 0);

	/* The plain port reaches both. */
	send_frame(n3, BCAST, SPOOF, 0, 5);
	wait_for(i1, 5, &before);
	wait_for(i2, 5, &before);
}

/* ---- the MAC lock ------------------------------------------------------ */

static void test_locked_static_fdb(void **state)
{
	struct fds *f = *state;
	struct port_tenant lock = { .locked = true, .learning_off = true };
	struct port_tenant_state st;
	struct vmtap_err e = { "" };
	struct fdb_entry fe;
	int l1, n2, x1, x2, hs, r;
	unsigned before;

	l1 = port_open(f, "lock1", br_ifindex, BR, 11, &x1);
	n2 = port_open(f, "plain2", br_ifindex, BR, 12, &x2);
	hs = bridge_socket(f, br_ifindex);
	apply(x1, "lock1", &lock);
	if ((r = fdb_add_static(sk, x1, "lock1", GUEST1, 0, &e)))
		die("fdb_add_static", r, &e);

	assert_int_equal(port_tenant_read(sk, x1, "lock1", &st, &e), 0);
	assert_true(st.locked);
	assert_false(st.learning);
	assert_false(st.isolated);

	/* static, on the port: not permanent (the bridge's own, and local). */
	assert_int_equal(fdb_lookup(sk, x1, GUEST1, 0, &fe, &e), 0);
	assert_int_equal(fe.port, x1);
	assert_int_equal(fe.state, NUD_NOARP);
	if (system("command -v bridge >/dev/null 2>&1") == 0) {
		char line[256] = "";
		FILE *p = popen("bridge fdb show dev lock1 | grep -i 52:54:00:00:00:01", "r");

		assert_non_null(p);
		if (!fgets(line, sizeof(line), p))
			line[0] = '\0';
		pclose(p);
		if (!strstr(line, " static") || strstr(line, "permanent"))
			fail_msg("bridge fdb show: %s", line);
	}

	/* A spoofed source, then the guest's own: only the latter passes, to
	 * the other port and to the host. */
	send_frame(l1, BCAST, SPOOF, 0, 1);
	send_frame(l1, BCAST, GUEST1, 0, 2);
	wait_for(n2, 2, &before);
	assert_int_equal(before & (1u << 1), 0);
	wait_for(hs, 2, &before);
	assert_int_equal(before & (1u << 1), 0);
	assert_int_equal(drain(n2, NULL) & (1u << 1), 0);

	/* Nothing was learned from the spoofed frame. */
	assert_int_equal(fdb_lookup(sk, x1, SPOOF, 0, &fe, &e), -ENOENT);

	/* Unicast to the guest's MAC reaches it. */
	send_frame(n2, GUEST1, GUEST2, 0, 3);
	wait_for(l1, 3, &before);
}

/* A MAC is never taken from another port; the entry goes with its port. */
static void test_fdb_exclusive_and_gone_with_port(void **state)
{
	struct fds *f = *state;
	struct vmtap_err e = { "" };
	struct fdb_entry fe;
	int x1, x2, r;

	port_open(f, "fdb1", br_ifindex, BR, 21, &x1);
	port_open(f, "fdb2", br_ifindex, BR, 22, &x2);
	assert_int_equal(fdb_add_static(sk, x1, "fdb1", GUEST1, 0, &e), 0);

	r = fdb_add_static(sk, x2, "fdb2", GUEST1, 0, &e);
	assert_int_equal(r, -EEXIST);
	assert_string_equal(e.msg,
			    "MAC 52:54:00:00:00:01 is already in the FDB of the bridge of fdb2");
	assert_int_equal(fdb_lookup(sk, x2, GUEST1, 0, &fe, &e), 0);
	assert_int_equal(fe.port, x1);

	/* Closing the tap (the caller's undo) removes port and entry. */
	close(f->fd[0]);
	f->fd[0] = -1;
	assert_int_equal(fdb_lookup(sk, x2, GUEST1, 0, &fe, &e), -ENOENT);

	memset(&e, 0, sizeof(e));
	assert_int_equal(fdb_add_static(sk, x2, "fdb2", GUEST1, 0, &e), 0);
	assert_int_equal(fdb_del_static(sk, x2, "fdb2", GUEST1, 0, &e), 0);
	assert_int_equal(fdb_lookup(sk, x2, GUEST1, 0, &fe, &e), -ENOENT);
}

/* Asking nothing sends nothing, and a contradiction is refused before any
 * request. */
static void test_apply_refusals(void **state)
{
	struct fds *f = *state;
	struct port_tenant t = { .has_pvid = true, .pvid = 10 };
	struct port_tenant none = { 0 };
	struct vmtap_err e = { "" };
	int x;

	port_open(f, "ref1", br_ifindex, BR, 31, &x);
	assert_int_equal(port_tenant_apply(sk, x, "ref1", &none, &e), 0);
	vlan_set_add(&t.tagged, 10);
	assert_int_equal(port_tenant_apply(sk, x, "ref1", &t, &e), -EINVAL);
	assert_string_equal(e.msg, "VLAN 10 of ref1 is asked both untagged and tagged");
	memset(&e, 0, sizeof(e));
	assert_int_equal(port_tenant_apply(sk, 0, "ref1", &none, &e), -EINVAL);

	/* VLANs without the bridge's VLAN state: never sent blind. */
	vlan_set_add(&t.tagged, 11);
	t.has_pvid = false;
	memset(&e, 0, sizeof(e));
	assert_int_equal(port_tenant_apply(sk, x, "ref1", &t, &e), -EINVAL);
	assert_string_equal(e.msg, "VLANs asked of ref1 without its bridge's VLAN state");
}

/* ---- VLANs ------------------------------------------------------------- */

static bool vlan_set_equal(const struct vlan_set *a, const struct vlan_set *b)
{
	return vlan_set_is_subset(a, b) && vlan_set_is_subset(b, a);
}

static void expect_vlans(int ifindex, const char *name, bool has_pvid, unsigned pvid,
			 const char *untagged, const char *tagged)
{
	struct port_tenant_state st;
	struct vlan_set u = { 0 }, t = { 0 };
	struct vmtap_err e = { "" };
	char a[64], b[64];

	if (*untagged)
		assert_int_equal(vlan_set_parse(untagged, ",", &u, &e), 0);
	if (*tagged)
		assert_int_equal(vlan_set_parse(tagged, ",", &t, &e), 0);
	assert_int_equal(port_tenant_read(sk, ifindex, name, &st, &e), 0);
	vlan_set_format(&st.untagged, a, sizeof(a), ',');
	vlan_set_format(&st.tagged, b, sizeof(b), ',');
	if (st.has_pvid != has_pvid || (has_pvid && st.pvid != pvid) ||
	    !vlan_set_equal(&st.untagged, &u) || !vlan_set_equal(&st.tagged, &t))
		fail_msg("%s: pvid %s%u untagged [%s] tagged [%s]; expected pvid %s%u [%s] [%s]",
			 name, st.has_pvid ? "" : "none/", st.pvid, a, b, has_pvid ? "" : "none/",
			 pvid, untagged, tagged);
}

/* VLANs asked of a bridge without vlan_filtering: refused before any
 * request, naming the fix (the port keeps its default VLAN 1), or, on a
 * kernel that cannot filter, the kernel option. */
static void test_vlan_refused_without_filtering(void **state)
{
	struct fds *f = *state;
	struct bridge_vlan_state v, forged = { .supported = true, .filtering = true,
					       .default_pvid = 1 };
	struct port_tenant t = { .has_pvid = true, .pvid = 10, .bridge_vlan = &v, .bridge = BR };
	struct vmtap_err e = { "" };
	int x, r;

	port_open(f, "vl1", br_ifindex, BR, 41, &x);
	assert_int_equal(bridge_vlan_filtering(sk, br_ifindex, BR, &v, &e), 0);
	assert_false(v.filtering);
	r = port_tenant_apply(sk, x, "vl1", &t, &e);
	assert_int_equal(r, -EOPNOTSUPP);
	if (v.supported) {
		assert_string_equal(e.msg, "VLAN asked of bridge br0, which has no vlan_filtering: "
				    "ip link set br0 type bridge vlan_filtering 1");
		expect_vlans(x, "vl1", true, 1, "1", "");
		return;
	}
	assert_string_equal(e.msg, "VLAN asked of bridge br0, but the kernel has no bridge VLAN "
			    "filtering (CONFIG_BRIDGE_VLAN_FILTERING)");

	/* Past the check (a state that says the kernel filters), the kernel's
	 * own refusal is worded the same way. */
	t.bridge_vlan = &forged;
	memset(&e, 0, sizeof(e));
	r = port_tenant_apply(sk, x, "vl1", &t, &e);
	assert_int_equal(r, -EOPNOTSUPP);
	assert_string_equal(e.msg, "cannot put bridge port vl1 in VLANs: the kernel has no "
			    "bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)");
}

/* Access ports in VLANs 10, 10 and 20, a trunk with 10 and 20, a native +
 * trunk port: frames stay in their VLAN, the trunk sees them tagged, a tag
 * written on an access port does not leak into that VLAN, VLAN 1 is gone. */
static void test_vlan_traffic(void **state)
{
	struct fds *f = *state;
	struct bridge_vlan_state v;
#define ON_BRV .bridge_vlan = &v, .bridge = BRV
	struct port_tenant acc10 = { .has_pvid = true, .pvid = 10, ON_BRV };
	struct port_tenant acc20 = { .has_pvid = true, .pvid = 20, ON_BRV };
	struct port_tenant trunk = { ON_BRV }, native = { .has_pvid = true, .pvid = 30, ON_BRV };
	struct port_tenant lock10 = { .has_pvid = true, .pvid = 10, .locked = true,
				      .learning_off = true, ON_BRV };
#undef ON_BRV
	struct vmtap_err e = { "" };
	int a1, a2, a3, tr, l5, xa1, xa2, xa3, xtr, xn, xl5, brv, r;
	unsigned before, vids[32] = { 0 };
	struct test_frame g;

	if (!has_vlan_filtering()) {
		if (getenv("VMTAP_TEST_NEED_VLAN"))
			fail_msg("this kernel has no bridge VLAN filtering, and this host must");
		print_message("skipped: the kernel has no CONFIG_BRIDGE_VLAN_FILTERING\n");
		skip();
	}
	assert_int_equal(system("ip link add " BRV " type bridge vlan_filtering 1 && "
				"ip link set " BRV " up"), 0);
	brv = (int)if_nametoindex(BRV);
	assert_true(brv > 0);
	assert_int_equal(bridge_vlan_filtering(sk, brv, BRV, &v, &e), 0);
	assert_true(v.supported && v.filtering);
	assert_int_equal(v.default_pvid, 1);
	assert_int_equal(bridge_vlan_check(&v, BRV, &e), 0);

	a1 = port_open(f, "acc10a", brv, BRV, 51, &xa1);
	a2 = port_open(f, "acc10b", brv, BRV, 52, &xa2);
	a3 = port_open(f, "acc20", brv, BRV, 53, &xa3);
	tr = port_open(f, "trunk", brv, BRV, 54, &xtr);
	port_open(f, "native", brv, BRV, 55, &xn);
	l5 = port_open(f, "lock10", brv, BRV, 56, &xl5);
	vlan_set_add(&trunk.tagged, 10);
	vlan_set_add(&trunk.tagged, 20);
	vlan_set_add_range(&native.tagged, 40, 42);
	vlan_set_add(&native.tagged, 44);
	apply(xa1, "acc10a", &acc10);
	apply(xa2, "acc10b", &acc10);
	apply(xa3, "acc20", &acc20);
	apply(xtr, "trunk", &trunk);
	apply(xn, "native", &native);
	apply(xl5, "lock10", &lock10);
	if ((r = fdb_add_static(sk, xl5, "lock10", GUEST1, 10, &e)))
		die("fdb_add_static", r, &e);

	/* What the bridge says: VLAN 1 gone everywhere. */
	expect_vlans(xa1, "acc10a", true, 10, "10", "");
	expect_vlans(xa3, "acc20", true, 20, "20", "");
	expect_vlans(xtr, "trunk", false, 0, "", "10,20");
	expect_vlans(xn, "native", true, 30, "30", "40-42,44");

	/* A broadcast on a VLAN-10 access port: the other one gets it
	 * untagged, the trunk tagged 10, the VLAN-20 port nothing. */
	send_frame(a1, BCAST, GUEST2, 0, 1);
	g = wait_for(a2, 1, &before);
	assert_int_equal(g.vid, 0);
	g = wait_for(tr, 1, &before);
	assert_int_equal(g.vid, 10);
	assert_int_equal(drain(a3, NULL) & (1u << 1), 0);

	/* A frame tagged 20 written on the VLAN-10 access port, then a
	 * marker: the tagged one reaches no one. */
	send_frame(a1, BCAST, GUEST2, 20, 2);
	send_frame(a1, BCAST, GUEST2, 0, 3);
	wait_for(a2, 3, &before);
	assert_int_equal(before & (1u << 2), 0);
	wait_for(tr, 3, &before);
	assert_int_equal(before & (1u << 2), 0);
	assert_int_equal(drain(a3, NULL) & (1u << 2), 0);

	/* From the trunk, tagged 20: the VLAN-20 port gets it untagged, the
	 * VLAN-10 ports nothing. */
	send_frame(tr, BCAST, GUEST2, 20, 4);
	g = wait_for(a3, 4, &before);
	assert_int_equal(g.vid, 0);
	assert_int_equal(drain(a1, NULL) & (1u << 4), 0);
	assert_int_equal(drain(a2, NULL) & (1u << 4), 0);

	/* The MAC lock in a VLAN: the entry is in VLAN 10, static. */
	{
		struct fdb_entry fe;

		assert_int_equal(fdb_lookup(sk, xl5, GUEST1, 10, &fe, &e), 0);
		assert_int_equal(fe.port, xl5);
		assert_int_equal(fe.state, NUD_NOARP);
	}
	/* vid 0 on a port with VLANs: the kernel puts the entry in each. */
	{
		static const uint8_t g3[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x03 };
		struct fdb_entry fe;

		if ((r = fdb_add_static(sk, xtr, "trunk", g3, 0, &e)))
			die("fdb_add_static", r, &e);
		assert_int_equal(fdb_lookup(sk, xtr, g3, 10, &fe, &e), 0);
		assert_int_equal(fe.port, xtr);
		assert_int_equal(fe.state, NUD_NOARP);
		assert_int_equal(fdb_lookup(sk, xtr, g3, 20, &fe, &e), 0);
		assert_int_equal(fe.port, xtr);
		assert_int_equal(fe.state, NUD_NOARP);
	}
	send_frame(l5, BCAST, SPOOF, 0, 5);
	send_frame(l5, BCAST, GUEST1, 0, 6);
	wait_for(a2, 6, &before);
	assert_int_equal(before & (1u << 5), 0);
	g = wait_for(tr, 6, &before);
	assert_int_equal(g.vid, 10);
	assert_int_equal(before & (1u << 5), 0);
	(void)vids;
}

/* ---- cost (reported, not asserted) ------------------------------------ */

/* N NICs on bridge BR_IFINDEX: the time of tap open + port_setup, and of
 * port_tenant_apply(t) + fdb_add_static in VLAN vid. */
static void cost(struct fds *f, const char *prefix, int bridge, const char *brname,
		 const struct port_tenant *t, unsigned vid)
{
	struct vmtap_err e = { "" };
	double t0, plain = 0, tenant = 0;
	int i, x, r, n = 24;
	char name[16];

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		t0 = now_us();
		port_open(f, name, bridge, brname, 100 + i, &x);
		plain += now_us() - t0;
		t0 = now_us();
		apply(x, name, t);
		if ((r = fdb_add_static(sk, x, name,
					(uint8_t[6]){ 0x52, 0x54, 0, 1, (uint8_t)vid, (uint8_t)i },
					vid, &e)))
			die("fdb_add_static", r, &e);
		tenant += now_us() - t0;
	}
	print_message("cost per NIC over %d: tap open + port_setup %.0f us; "
		      "port_tenant_apply (isolated, locked, learning off%s) + fdb_add_static "
		      "%.0f us\n", n, plain / n, vid ? ", access VLAN" : "", tenant / n);
}

/* Reported, not asserted. */
static void test_cost(void **state)
{
	struct port_tenant t = { .isolated = true, .locked = true, .learning_off = true };
	struct bridge_vlan_state v;
	struct vmtap_err e = { "" };
	int brc;

	cost(*state, "cost", br_ifindex, BR, &t, 0);
	if (!has_vlan_filtering())
		return;
	assert_int_equal(system("ip link add brc type bridge vlan_filtering 1 && "
				"ip link set brc up"), 0);
	brc = (int)if_nametoindex("brc");
	assert_int_equal(bridge_vlan_filtering(sk, brc, "brc", &v, &e), 0);
	t.has_pvid = true;
	t.pvid = 10;
	t.bridge_vlan = &v;
	t.bridge = "brc";
	cost(*state, "vcost", brc, "brc", &t, 10);
}

/* ---- the namespace ---------------------------------------------------- */

static int group_setup(void **state)
{
	struct if_nameindex *all = if_nameindex();
	struct vmtap_err e = { "" };
	struct bridge_info bi;
	cpu_set_t one;
	int r, cpu = sched_getcpu();

	(void)state;
	if (!all || !all[0].if_index || all[1].if_index || strcmp(all[0].if_name, "lo")) {
		if (all)
			if_freenameindex(all);
		print_error("refusing to run: this network namespace has interfaces besides lo; "
			    "run as root in a fresh one (tests/lib/sandbox.sh)\n");
		return -1;
	}
	if_freenameindex(all);
	/* One CPU: frames written go through the bridge in order (see the
	 * top of this file). */
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0) {
		print_error("cannot pin to one CPU: %s\n", strerror(errno));
		return -1;
	}
	r = rtnl_open(&sk, &e);
	if (r == 0)
		r = bridge_create(sk, BR, 0, &e);
	if (r == 0)
		r = bridge_lookup(sk, BR, &bi, &e);
	if (r) {
		print_error("setting up: %s\n", vmtap_err_text(&e, r));
		return -1;
	}
	br_ifindex = bi.ifindex;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rtnl_close(sk);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_isolated, fds_setup, fds_teardown),
		cmocka_unit_test_setup_teardown(test_locked_static_fdb, fds_setup, fds_teardown),
		cmocka_unit_test_setup_teardown(test_fdb_exclusive_and_gone_with_port, fds_setup,
						fds_teardown),
		cmocka_unit_test_setup_teardown(test_apply_refusals, fds_setup, fds_teardown),
		cmocka_unit_test_setup_teardown(test_vlan_refused_without_filtering, fds_setup,
						fds_teardown),
		cmocka_unit_test_setup_teardown(test_vlan_traffic, fds_setup, fds_teardown),
		cmocka_unit_test_setup_teardown(test_cost, fds_setup, fds_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
