/* test_port.c — bridge/ (rtnl.c, link.c, port.c, bridge.c) against the
 * real kernel.
 *
 * MUST RUN AS ROOT IN ITS OWN, FRESH NETWORK NAMESPACE:
 *     unshare --net --mount ./test_port
 * It creates bridges, veths and over a thousand taps, and it refuses to
 * start unless the namespace holds nothing but lo, so it can never touch
 * the host's network.
 *
 * Every fact is read back from the kernel (RTM_GETLINK, tc, /proc/sys and
 * /proc/net, which follow the caller's namespace), never from /sys, which
 * shows the namespace it was mounted in. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/socket.h>

#include "helper/core/err.h"
#include "bridge/bridge.h"
#include "bridge/link.h"
#include "bridge/port.h"
#include "bridge/rtnl.h"

#define BR      "br0"
#define BR_MTU  9000

static struct nl_sock *sk;
static int br_ifindex;

/* ---- helpers ---------------------------------------------------------- */

/* The fds a test opened; its teardown closes them whatever happened. */
struct taps {
	int n;
	int fd[BRIDGE_MAX_PORTS + 8];
};

static int taps_setup(void **state)
{
	struct taps *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	*state = t;
	return 0;
}

static void taps_close(struct taps *t)
{
	while (t->n > 0)
		close(t->fd[--t->n]);
}

static int taps_teardown(void **state)
{
	taps_close(*state);
	free(*state);
	return 0;
}

/* A tap the way vmtap makes one: IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, our own
 * name, exclusive creation, one fd per queue. */
static int tap_open(struct taps *t, const char *name, int queues)
{
	int q;

	for (q = 0; q < queues; q++) {
		struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		t->fd[t->n++] = fd;
		if (queues > 1)
			ifr.ifr_flags |= IFF_MULTI_QUEUE;
		if (q == 0)
			ifr.ifr_flags |= IFF_TUN_EXCL;
		strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
		if (ioctl(fd, TUNSETIFF, &ifr) < 0)
			return -errno;
	}
	return 0;
}

/* SIOCSIFFLAGS / SIOCSIFMTU: REQ is one of them, with ifr filled in. */
static int if_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int r = 0, s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(s, req, ifr) < 0)
		r = -errno;
	close(s);
	return r;
}

static int if_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int r = if_ioctl(name, SIOCGIFFLAGS, &ifr);

	ifr.ifr_flags |= IFF_UP;
	return r ? r : if_ioctl(name, SIOCSIFFLAGS, &ifr);
}

static int if_set_mtu(const char *name, int mtu)
{
	struct ifreq ifr = { .ifr_mtu = mtu };

	return if_ioctl(name, SIOCSIFMTU, &ifr);
}

/* The first line of `tc qdisc show dev NAME`. */
static void root_qdisc(const char *name, char *buf, size_t n)
{
	char cmd[80];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "tc qdisc show dev %s 2>&1", name);
	f = popen(cmd, "r");
	assert_non_null(f);
	if (!fgets(buf, (int)n, f))
		buf[0] = '\0';
	while (fgetc(f) != EOF)
		;
	assert_int_equal(pclose(f), 0);
}

static int read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)n, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool have_ipv6(void)
{
	return access("/proc/net/if_inet6", R_OK) == 0;
}

/* Any IPv6 address on NAME (/proc/net/if_inet6 ends each line with it). */
static bool has_ipv6_address(const char *name)
{
	char line[256], dev[IFNAMSIZ + 1];
	bool found = false;
	FILE *f = fopen("/proc/net/if_inet6", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %*s %16s", dev) == 1 && !strcmp(dev, name))
			found = true;
	fclose(f);
	return found;
}

static void make_mac(uint8_t mac[6], unsigned i)
{
	mac[0] = 0xfe;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

static int ports_of(int bridge_ifindex)
{
	struct if_nameindex *all = if_nameindex(), *i;
	int n = 0;

	assert_non_null(all);
	for (i = all; i->if_index; i++) {
		struct link_state st;
		struct vmtap_err e = { "" };

		if (link_get(sk, i->if_name, &st, &e) == 0 && st.master == bridge_ifindex)
			n++;
	}
	if_freenameindex(all);
	return n;
}

/* port_setup on a fresh tap NAME with QUEUES queues, then every promise
 * checked through the kernel. */
static void attach_and_check(struct taps *t, const char *name, int queues, bool noqueue,
			     unsigned mac_no)
{
	struct port_setup p = {
		.ifname = name, .bridge_ifindex = br_ifindex, .bridge = BR,
		.mtu = BR_MTU, .noqueue = noqueue,
	};
	struct vmtap_err e = { "" };
	struct link_state st;
	char buf[256], path[96];
	int r;

	make_mac(p.mac, mac_no);
	assert_int_equal(tap_open(t, name, queues), 0);
	p.ifindex = (int)if_nametoindex(name);
	assert_true(p.ifindex > 0);

	r = port_setup(sk, &p, &e);
	if (r)
		fail_msg("port_setup: %d %s", r, vmtap_err_text(&e, r));

	assert_int_equal(link_get(sk, name, &st, &e), 0);
	assert_int_equal(st.ifindex, p.ifindex);
	assert_int_equal(st.master, br_ifindex);
	assert_int_equal(st.mtu, BR_MTU);
	assert_memory_equal(st.mac, p.mac, 6);
	assert_true(st.flags & IFF_UP);
	assert_string_equal(st.kind, "tap");

	root_qdisc(name, buf, sizeof(buf));
	if (noqueue) {
		if (!strstr(buf, "qdisc noqueue ") || !strstr(buf, " root "))
			fail_msg("root qdisc of %s: %s", name, buf);
	} else if (strstr(buf, "noqueue")) {
		fail_msg("%s got noqueue without asking: %s", name, buf);
	}

	if (have_ipv6()) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/addr_gen_mode", name);
		assert_int_equal(read_line(path, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "1");
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
		assert_int_equal(read_line(path, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "1");
		assert_false(has_ipv6_address(name));
	}
}

/* ---- the namespace ---------------------------------------------------- */

static int group_setup(void **state)
{
	struct if_nameindex *all = if_nameindex();
	struct vmtap_err e = { "" };
	struct bridge_info bi;
	int r;

	(void)state;
	if (!all) {
		print_error("cannot list interfaces: %s\n", strerror(errno));
		return -1;
	}
	if (!all[0].if_index || all[1].if_index || strcmp(all[0].if_name, "lo")) {
		if_freenameindex(all);
		print_error("refusing to run: this network namespace has interfaces besides lo; "
			    "run as root in a fresh one: unshare --net --mount ./test_port\n");
		return -1;
	}
	if_freenameindex(all);
	if (if_up("lo") < 0) {
		print_error("cannot bring lo up (not root?)\n");
		return -1;
	}
	r = rtnl_open(&sk, &e);
	if (r == 0)
		r = bridge_create(sk, BR, BR_MTU, &e);
	if (r == 0)
		r = bridge_lookup(sk, BR, &bi, &e);
	/* Not a bridge, for the error cases (its peer is veth0). */
	if (r == 0)
		r = link_create(sk, "vx0", "veth", 0, &e);
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

/* ---- rtnl_open -------------------------------------------------------- */

static void test_socket_cloexec(void **state)
{
	int fl = fcntl(nl_socket_get_fd(sk), F_GETFD);

	(void)state;
	assert_true(fl >= 0 && (fl & FD_CLOEXEC));
}

/* libnl picks its default callbacks from NLCB and its debug level from
 * NLDBG in a constructor; with NLCB=debug a socket from nl_socket_alloc()
 * dumps every message.  A copy of this test run in that environment must
 * print nothing. */
static int quiet_child(void)
{
	struct vmtap_err e = { "" };
	struct bridge_info bi;
	struct link_state st;

	if (rtnl_open(&sk, &e))
		return 2;
	if (link_get(sk, "lo", &st, &e) || bridge_lookup(sk, "nosuchbr", &bi, &e) != -ENODEV)
		return 3;
	rtnl_close(sk);
	return 0;
}

static void test_environment_cannot_turn_on_dumps(void **state)
{
	char out[512], self[4096];
	ssize_t n, got = 0;
	int p[2], status;
	pid_t pid;

	(void)state;
	/* readlink, not exec of /proc/self/exe: under valgrind that is
	 * valgrind itself, while readlink gives this program. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0 && n < (ssize_t)sizeof(self) - 1);
	self[n] = '\0';
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "test_port", "--quiet-child", NULL };
		char *envp[] = { "NLCB=debug", "NLDBG=7", NULL };

		dup2(p[1], 1);
		dup2(p[1], 2);
		execve(self, argv, envp);
		_exit(127);
	}
	close(p[1]);
	/* Read it all, keep the start: a child blocked on a full pipe
	 * would never exit. */
	for (;;) {
		char more[512];

		n = read(p[0], more, sizeof(more));
		if (n <= 0)
			break;
		if (got < (ssize_t)sizeof(out) - 1) {
			size_t k = (size_t)n < sizeof(out) - 1 - (size_t)got ?
				   (size_t)n : sizeof(out) - 1 - (size_t)got;

			memcpy(out + got, more, k);
			got += (ssize_t)k;
		}
	}
	close(p[0]);
	out[got] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (got)
		fail_msg("with NLCB=debug NLDBG=7 libnl printed: %.200s", out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- bridge_lookup ---------------------------------------------------- */

static void test_lookup_bridge(void **state)
{
	struct vmtap_err e = { "" };
	struct bridge_info bi;

	(void)state;
	assert_int_equal(bridge_lookup(sk, BR, &bi, &e), 0);
	assert_int_equal(bi.ifindex, (int)if_nametoindex(BR));
	assert_int_equal(bi.mtu, BR_MTU);
}

static void test_lookup_missing(void **state)
{
	struct vmtap_err e = { "" };
	struct bridge_info bi;

	(void)state;
	assert_int_equal(bridge_lookup(sk, "nosuchbr", &bi, &e), -ENODEV);
	assert_string_equal(e.msg, "bridge nosuchbr does not exist");
}

static void test_lookup_invalid_name(void **state)
{
	struct vmtap_err e = { "" };
	struct bridge_info bi;

	(void)state;
	assert_int_equal(bridge_lookup(sk, "br0/../x", &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "bad interface name \"br0/../x\"; expected"));
	e.msg[0] = '\0';
	assert_int_equal(bridge_lookup(sk, "averyveryverylongname", &bi, &e), -EINVAL);
}

static void test_lookup_not_a_bridge(void **state)
{
	struct taps *t = *state;
	struct vmtap_err e = { "" };
	struct bridge_info bi;

	assert_int_equal(bridge_lookup(sk, "vx0", &bi, &e), -EINVAL);
	assert_string_equal(e.msg, "vx0 is not a bridge (it is a veth)");

	e.msg[0] = '\0';
	assert_int_equal(bridge_lookup(sk, "lo", &bi, &e), -EINVAL);
	assert_string_equal(e.msg, "lo is not a bridge (it is a device)");

	assert_int_equal(tap_open(t, "vmtlook", 1), 0);
	e.msg[0] = '\0';
	assert_int_equal(bridge_lookup(sk, "vmtlook", &bi, &e), -EINVAL);
	assert_string_equal(e.msg, "vmtlook is not a bridge (it is a tap)");
}

/* ---- port_setup ------------------------------------------------------- */

static void test_port_single_queue(void **state)
{
	struct taps *t = *state;

	attach_and_check(t, "vmt1", 1, true, 1);
	assert_int_equal(ports_of(br_ifindex), 1);
	taps_close(t);
	assert_int_equal(if_nametoindex("vmt1"), 0);
	assert_int_equal(ports_of(br_ifindex), 0);
}

static void test_port_multiqueue(void **state)
{
	struct taps *t = *state;

	attach_and_check(t, "vmt1234", 4, true, 2);
	assert_int_equal(t->n, 4);
	assert_int_equal(ports_of(br_ifindex), 1);
	taps_close(t);
	assert_int_equal(if_nametoindex("vmt1234"), 0);
	assert_int_equal(ports_of(br_ifindex), 0);
}

static void test_port_default_qdisc(void **state)
{
	struct taps *t = *state;

	attach_and_check(t, "vmtdflt", 1, false, 3);
	taps_close(t);
	assert_int_equal(if_nametoindex("vmtdflt"), 0);
}

/* A tap with an MTU below 1280 has no IPv6 device, so the kernel refuses
 * addr_gen_mode with EAFNOSUPPORT, as it does on a kernel without IPv6:
 * port_setup must go on without it. */
static void test_port_without_ipv6(void **state)
{
	struct taps *t = *state;
	struct vmtap_err e = { "" };
	struct port_setup p = { .ifname = "vmtnov6", .bridge = "brsmall", .mtu = 1000,
				.noqueue = true };
	struct bridge_info bi;
	struct link_state st;
	char path[96];

	make_mac(p.mac, 4);
	assert_int_equal(bridge_create(sk, "brsmall", 1000, &e), 0);
	assert_int_equal(bridge_lookup(sk, "brsmall", &bi, &e), 0);
	assert_int_equal(tap_open(t, "vmtnov6", 1), 0);
	assert_int_equal(if_set_mtu("vmtnov6", 1000), 0);
	p.ifindex = (int)if_nametoindex("vmtnov6");
	p.bridge_ifindex = bi.ifindex;
	if (port_setup(sk, &p, &e))
		fail_msg("port_setup: %s", e.msg);
	assert_int_equal(link_get(sk, "vmtnov6", &st, &e), 0);
	assert_int_equal(st.master, bi.ifindex);
	assert_memory_equal(st.mac, p.mac, 6);
	assert_true(st.flags & IFF_UP);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s", "vmtnov6");
	assert_int_not_equal(access(path, F_OK), 0);
	assert_false(has_ipv6_address("vmtnov6"));
	taps_close(t);
	assert_int_equal(link_delete(sk, "brsmall", &e), 0);
}

static void test_port_to_non_bridge(void **state)
{
	struct taps *t = *state;
	struct vmtap_err e = { "" };
	struct port_setup p = { .ifname = "vmtnb", .bridge = "vx0", .mtu = BR_MTU };
	int r;

	make_mac(p.mac, 5);
	assert_int_equal(tap_open(t, "vmtnb", 1), 0);
	p.ifindex = (int)if_nametoindex("vmtnb");
	p.bridge_ifindex = (int)if_nametoindex("vx0");
	assert_true(p.bridge_ifindex > 0);
	r = port_setup(sk, &p, &e);
	assert_int_equal(r, -EOPNOTSUPP);
	if (strncmp(e.msg, "cannot attach vmtnb to vx0", 26))
		fail_msg("message: %s", e.msg);
}

static void test_port_bad_mtu(void **state)
{
	struct taps *t = *state;
	struct vmtap_err e = { "" };
	struct port_setup p = { .ifname = "vmtmtu", .bridge = BR, .mtu = 70000,
				.bridge_ifindex = br_ifindex };

	make_mac(p.mac, 6);
	assert_int_equal(tap_open(t, "vmtmtu", 1), 0);
	p.ifindex = (int)if_nametoindex("vmtmtu");
	assert_int_equal(port_setup(sk, &p, &e), -EINVAL);
	if (strncmp(e.msg, "cannot attach vmtmtu to br0", 27) || !strstr(e.msg, "Invalid argument"))
		fail_msg("message: %s", e.msg);
}

/* MTU 0 leaves the tap at 1500; the bridge keeps the MTU it was created
 * with instead of following its smallest port. */
static void test_port_keeps_mtu(void **state)
{
	struct taps *t = *state;
	struct vmtap_err e = { "" };
	struct port_setup p = { .ifname = "vmtkeep", .bridge = "brmtu", .noqueue = true };
	struct bridge_info bi;
	struct link_state st;

	make_mac(p.mac, 7);
	assert_int_equal(bridge_create(sk, "brmtu", 9000, &e), 0);
	assert_int_equal(bridge_lookup(sk, "brmtu", &bi, &e), 0);
	assert_int_equal(tap_open(t, "vmtkeep", 1), 0);
	p.ifindex = (int)if_nametoindex("vmtkeep");
	p.bridge_ifindex = bi.ifindex;
	if (port_setup(sk, &p, &e))
		fail_msg("port_setup: %s", e.msg);
	assert_int_equal(link_get(sk, "vmtkeep", &st, &e), 0);
	assert_int_equal(st.master, bi.ifindex);
	assert_int_equal(st.mtu, 1500);
	assert_int_equal(bridge_lookup(sk, "brmtu", &bi, &e), 0);
	assert_int_equal(bi.mtu, 9000);
	taps_close(t);
	assert_int_equal(link_delete(sk, "brmtu", &e), 0);
}

/* A bridge numbers its ports with 10 bits and keeps 0: the 1024th port is
 * EXFULL.  The taps go in one interface group and are deleted with one
 * RTM_DELLINK: closing 1024 taps one by one would take ~20 s. */
static void test_bridge_full(void **state)
{
	struct taps *t = *state;
	struct vmtap_err e = { "" };
	struct bridge_info bi;
	struct port_setup p = { .bridge = "brfull", .mtu = 1500, .noqueue = true,
				.group = 4242 };
	struct link_state st;
	char name[IFNAMSIZ];
	int i, r;

	assert_int_equal(bridge_create(sk, "brfull", 0, &e), 0);
	assert_int_equal(bridge_lookup(sk, "brfull", &bi, &e), 0);
	p.bridge_ifindex = bi.ifindex;
	for (i = 1; i <= BRIDGE_MAX_PORTS + 1; i++) {
		snprintf(name, sizeof(name), "vmtf%d", i);
		assert_int_equal(tap_open(t, name, 1), 0);
		p.ifname = name;
		p.ifindex = (int)if_nametoindex(name);
		make_mac(p.mac, 0x10000u + (unsigned)i);
		r = port_setup(sk, &p, &e);
		if (i <= BRIDGE_MAX_PORTS && r)
			fail_msg("port %d: %s", i, vmtap_err_text(&e, r));
	}
	assert_int_equal(r, -EXFULL);
	assert_string_equal(e.msg, "bridge brfull is full (1023 ports)");
	assert_int_equal(link_get(sk, "vmtf1023", &st, &e), 0);
	assert_int_equal(st.master, bi.ifindex);
	assert_int_equal(link_get(sk, name, &st, &e), 0);
	assert_int_equal(st.master, 0);

	assert_int_equal(link_delete_group(sk, 4242, &e), 0);
	assert_int_equal(if_nametoindex("vmtf1"), 0);
	assert_int_equal(if_nametoindex(name), 0);
	assert_int_equal(ports_of(bi.ifindex), 0);
	taps_close(t);
	assert_int_equal(link_delete(sk, "brfull", &e), 0);
}

static void test_delete_group_errors(void **state)
{
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(link_delete_group(sk, 0, &e), -EINVAL);
	e.msg[0] = '\0';
	assert_int_equal(link_delete_group(sk, 4243, &e), -ENODEV);
	assert_string_equal(e.msg, "no link in group 4243");
}

/* ---- link_get_detail, link_dump_detail, bridge_list, link_set_mac ---- */

/* The one parser read through a lookup and through the dump: both say the
 * same of a multiqueue tap that is a port, and bridge_list counts it. */
static void test_detail_lookup_and_dump_agree(void **state)
{
	struct taps *t = *state;
	struct bridge_summary brs[8];
	struct link_detail d, *all = NULL;
	struct vmtap_err e = { "" };
	const struct link_detail *row = NULL;
	struct link_state st;
	uint8_t mac[6];
	unsigned nbr = 0;
	size_t n = 0, j;

	attach_and_check(t, "vmtdet", 2, true, 4);
	assert_int_equal(link_get_detail(sk, "vmtdet", &d, &e), 0);
	assert_string_equal(d.name, "vmtdet");
	assert_string_equal(d.st.kind, "tap");
	assert_int_equal(d.st.master, br_ifindex);
	assert_int_equal(d.st.mtu, BR_MTU);
	assert_true(d.is_tun);
	assert_false(d.tun.tun);
	assert_true(d.tun.vnet_hdr && d.tun.multi_queue && !d.tun.pi && !d.tun.persist);
	assert_int_equal(d.tun.queues, 2);

	assert_int_equal(link_dump_detail(sk, &all, &n, &e), 0);
	for (j = 0; j < n; j++)
		if (!strcmp(all[j].name, "vmtdet"))
			row = &all[j];
	assert_non_null(row);
	assert_int_equal(row->st.ifindex, d.st.ifindex);
	assert_int_equal(row->st.master, d.st.master);
	assert_int_equal(row->st.mtu, d.st.mtu);
	assert_memory_equal(row->st.mac, d.st.mac, 6);
	assert_string_equal(row->st.kind, d.st.kind);
	assert_true(row->is_tun && row->tun.multi_queue && row->tun.queues == 2);
	free(all);

	assert_int_equal(bridge_list(sk, brs, 8, &nbr, &e), 0);
	assert_int_equal(nbr, 1);
	assert_string_equal(brs[0].name, BR);
	assert_int_equal(brs[0].ifindex, br_ifindex);
	assert_int_equal(brs[0].mtu, BR_MTU);
	assert_int_equal(brs[0].ports, 1);

	/* A port's MAC changed alone (vmtapd's pool). */
	make_mac(mac, 5);
	assert_int_equal(link_set_mac(sk, d.st.ifindex, "vmtdet", mac, &e), 0);
	assert_int_equal(link_get(sk, "vmtdet", &st, &e), 0);
	assert_memory_equal(st.mac, mac, 6);
	assert_int_equal(st.master, br_ifindex);
	taps_close(t);
}

/* A tun device (no port): alias, MTU and up in one request, read back. */
static void test_setup_plain(void **state)
{
	struct taps *t = *state;
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	struct vmtap_err e = { "" };
	struct link_detail d;
	int fd, ifindex;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	t->fd[t->n++] = fd;
	strcpy(ifr.ifr_name, "vmttun");
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	ifindex = (int)if_nametoindex("vmttun");
	assert_true(ifindex > 0);

	assert_int_equal(link_setup_plain(sk, 0, "vmttun", NULL, 0, &e), -EINVAL);
	assert_string_equal(e.msg, "cannot set up vmttun: no interface index");
	e.msg[0] = '\0';
	assert_int_equal(link_setup_plain(sk, ifindex, "vmttun", "vmtap-test", 1400, &e), 0);
	assert_int_equal(link_get_detail(sk, "vmttun", &d, &e), 0);
	assert_string_equal(d.st.kind, "tun");
	assert_true(d.is_tun && d.tun.tun);
	assert_true(d.st.flags & IFF_UP);
	assert_int_equal(d.st.mtu, 1400);
	assert_string_equal(d.alias, "vmtap-test");
	taps_close(t);
}

/* The kernel's errno and its extended-ack text both reach the message,
 * behind the operation's own words. */
static void test_kernel_reason(void **state)
{
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(link_create(sk, "vmtx0", "nosuchkind", 0, &e), -EOPNOTSUPP);
	assert_string_equal(e.msg, "cannot create nosuchkind vmtx0: Operation not supported "
				   "(kernel: Unknown device type)");
}

/* ---- bridge_create, link_delete --------------------------------------- */

static void test_create_and_delete(void **state)
{
	struct vmtap_err e = { "" };

	(void)state;
	assert_int_equal(bridge_create(sk, BR, 0, &e), -EEXIST);
	assert_non_null(strstr(e.msg, "cannot create bridge br0: File exists"));

	e.msg[0] = '\0';
	assert_int_equal(bridge_create(sk, "brtmp", 0, &e), 0);
	assert_true(if_nametoindex("brtmp") > 0);
	assert_int_equal(link_delete(sk, "brtmp", &e), 0);
	assert_int_equal(if_nametoindex("brtmp"), 0);

	assert_int_equal(link_delete(sk, "brtmp", &e), -ENODEV);
	assert_string_equal(e.msg, "link brtmp does not exist");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_cloexec),
		cmocka_unit_test(test_environment_cannot_turn_on_dumps),
		cmocka_unit_test(test_lookup_bridge),
		cmocka_unit_test(test_lookup_missing),
		cmocka_unit_test(test_lookup_invalid_name),
		cmocka_unit_test_setup_teardown(test_lookup_not_a_bridge, taps_setup, taps_teardown),
		cmocka_unit_test_setup_teardown(test_port_single_queue, taps_setup, taps_teardown),
		cmocka_unit_test_setup_teardown(test_port_multiqueue, taps_setup, taps_teardown),
		cmocka_unit_test_setup_teardown(test_port_default_qdisc, taps_setup, taps_teardown),
		cmocka_unit_test_setup_teardown(test_port_without_ipv6, taps_setup, taps_teardown),
		cmocka_unit_test_setup_teardown(test_port_to_non_bridge, taps_setup, taps_teardown),
		cmocka_unit_test_setup_teardown(test_port_bad_mtu, taps_setup, taps_teardown),
		cmocka_unit_test_setup_teardown(test_port_keeps_mtu, taps_setup, taps_teardown),
		cmocka_unit_test_setup_teardown(test_bridge_full, taps_setup, taps_teardown),
		cmocka_unit_test(test_delete_group_errors),
		cmocka_unit_test_setup_teardown(test_detail_lookup_and_dump_agree, taps_setup,
						taps_teardown),
		cmocka_unit_test_setup_teardown(test_setup_plain, taps_setup, taps_teardown),
		cmocka_unit_test(test_kernel_reason),
		cmocka_unit_test(test_create_and_delete),
	};

	if (argc == 2 && !strcmp(argv[1], "--quiet-child"))
		return quiet_child();
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
