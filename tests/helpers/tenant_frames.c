/* tenant_frames.c — VLANs through vmtap's front ends, checked frame by
 * frame on the NICs' own fds (the fd is the wire: a frame written on it is
 * a frame a guest sent; what the bridge forwards to the port is read from
 * it).  Run by the test-host VM (tests/hostvm/inside.sh), whose kernel has
 * bridge VLAN filtering; the build machine's has not.
 *
 *   tenant_frames vlans SOCKET SPEC10 SPECTRUNK IFNAME20 [ARGS...]
 *       Four ports of one vlan_filtering bridge, each from another front
 *       end:
 *         acc10a  the first `-netdev tap,...,fds=N` in ARGS: the NIC
 *                 `vmtap exec --nic BR,vlan=10,mac_lock=on,mac=52:54:00:10:00:0a
 *                 -- tenant_frames ...` made (the MAC lock in a VLAN)
 *         acc10b  create-nic SPEC10 (a NIC SPEC, e.g. "brv,vlan=10") sent
 *                 to vmtapd at SOCKET
 *         trunk   create-nic SPECTRUNK ("brv,trunk=10:20") likewise
 *         acc20   the persistent tap IFNAME20 (`vmtap create IFNAME20
 *                 --bridge brv --vlan 20`), opened by name
 *       and checks that frames stay in their VLAN, the trunk sees them
 *       tagged with the right VID, a tag written on an access port does
 *       not leak into that VLAN, and acc10a's lock lets only its guest's
 *       MAC into VLAN 10.
 *
 *   tenant_frames refuse SOCKET SPEC NEEDLE
 *       create-nic SPEC must be refused with EPERM and a message that
 *       contains NEEDLE, and bring no fd.
 *
 * Prints one "PASS: LABEL" or "FAIL: LABEL" line per check; exits 0 iff
 * every check passed (2: could not run).
 *
 * That a frame did NOT arrive is shown without a timeout, as in
 * tests/integration/test_brport.c: the process is pinned to one CPU, so
 * the frames it writes go through the bridge in the order written; a later
 * frame that must arrive (a marker) is waited for, and whatever the
 * earlier one produced is queued by then.  A flood is one pass over the
 * ports.  Frames carry a private EtherType and a number, so the kernel's
 * own chatter is ignored. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "helper/cli/nic-opt.h"
#include "helper/core/err.h"
#include "helper/core/nic.h"
#include "helper/wire/client.h"
#include "tests/helpers/test_frame.h"

#define VNET_MAX  32

static int failed;

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t SRC_A[6] = { 0x52, 0x54, 0x00, 0x10, 0x00, 0x0a };
static const uint8_t SRC_B[6] = { 0x52, 0x54, 0x00, 0x10, 0x00, 0x0b };
static const uint8_t SRC_T[6] = { 0x52, 0x54, 0x00, 0x10, 0x00, 0x0e };
static const uint8_t SRC_C[6] = { 0x52, 0x54, 0x00, 0x20, 0x00, 0x0c };
static const uint8_t SPOOF[6] = { 0x52, 0x54, 0x00, 0x10, 0x00, 0x66 };

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failed = 1;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(2);
}

/* One queue of a port: its fd (non-blocking) and the vnet header the
 * kernel puts before every frame (0 without IFF_VNET_HDR). */
struct port {
	const char *name;
	int fd;
	int vnet;
};

static void port_init(struct port *p, const char *name, int fd)
{
	struct ifreq ifr = { 0 };
	int fl;

	p->name = name;
	p->fd = fd;
	p->vnet = 0;
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		die("%s: fd %d is not a tap queue: %s", name, fd, strerror(errno));
	if (ifr.ifr_flags & IFF_VNET_HDR) {
		if (ioctl(fd, TUNGETVNETHDRSZ, &p->vnet) < 0 || p->vnet < 0 || p->vnet > VNET_MAX)
			die("%s: TUNGETVNETHDRSZ: %s", name, strerror(errno));
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("%s: O_NONBLOCK: %s", name, strerror(errno));
}

/* DST, SRC, an 802.1Q tag when vid, our EtherType, "vt" and TAG, padded to
 * the Ethernet minimum, after a zero vnet header (no offloads). */
static void send_frame(const struct port *p, const uint8_t src[6], unsigned vid, uint8_t tag)
{
	uint8_t b[VNET_MAX + FRAME_LEN + 4] = { 0 };
	size_t len = (size_t)p->vnet + test_frame_build(b + p->vnet, BCAST, src, vid, tag);

	if (write(p->fd, b, len) != (ssize_t)len)
		die("%s: writing frame %u: %s", p->name, tag, strerror(errno));
}

static ssize_t read_frame(const struct port *p, uint8_t *b, size_t cap, struct test_frame *g)
{
	ssize_t n = read(p->fd, b, cap);

	if (n < 0)
		return -errno;
	if (n < p->vnet)
		die("%s: a read of %zd bytes, shorter than the vnet header", p->name, n);
	*g = test_frame_parse(b + p->vnet, n - p->vnet);
	return n;
}

/* Reads p until test frame TAG comes (it must: waited for up to 10 s, a
 * bound on a hang, not a timed assertion), recording every other tag read
 * first in *before (bit = tag).  *vid: the tag's VID.  False if it never
 * came. */
static bool wait_for(const struct port *p, int tag, unsigned *before, unsigned *vid)
{
	uint8_t b[4096];
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	*before = 0;
	for (;;) {
		struct test_frame g;
		ssize_t n = read_frame(p, b, sizeof(b), &g);

		if (n == -EAGAIN) {
			if (poll(&pfd, 1, 10000) != 1)
				return false;
			continue;
		}
		if (n < 0)
			die("%s: read: %s", p->name, strerror((int)-n));
		if (g.tag == tag) {
			*vid = g.vid;
			return true;
		}
		if (g.tag >= 0 && g.tag < 32)
			*before |= 1u << g.tag;
	}
}

/* The tags of every test frame queued on p now (bit = tag). */
static unsigned drain(const struct port *p)
{
	uint8_t b[4096];
	unsigned seen = 0;
	struct test_frame g;
	ssize_t n;

	while ((n = read_frame(p, b, sizeof(b), &g)) > 0)
		if (g.tag >= 0 && g.tag < 32)
			seen |= 1u << g.tag;
	if (n != -EAGAIN)
		die("%s: read: %s", p->name, n < 0 ? strerror((int)-n) : "end of file");
	return seen;
}

/* Frame TAG must reach p with VID (0: untagged), after none of the tags in
 * not_before. */
static void expect(const struct port *p, int tag, unsigned vid, unsigned not_before,
		   const char *what)
{
	unsigned before = 0, got_vid = 0;

	if (!wait_for(p, tag, &before, &got_vid)) {
		check(false, "%s: frame %d never reached %s", what, tag, p->name);
		return;
	}
	char how[16] = "untagged";

	if (vid)
		snprintf(how, sizeof(how), "tagged %u", vid);
	check(got_vid == vid && !(before & not_before), "%s: %s gets it %s%s", what, p->name, how,
	      (before & not_before) ? " (and a frame it must not get)" : "");
	if (got_vid != vid)
		printf("  %s: VID %u, expected %u\n", p->name, got_vid, vid);
}

static void expect_none(const struct port *p, int tag, const char *what)
{
	check(!(drain(p) & (1u << tag)), "%s: %s does not get it", what, p->name);
}

/* The tap fd of the first "-netdev tap,...,fds=N[:...]" in args: the NIC
 * `vmtap exec` made and left open for us. */
static int exec_nic_fd(int argc, char **argv)
{
	for (int i = 0; i + 1 < argc; i++) {
		const char *f;
		char *end;
		long fd;

		if (strcmp(argv[i], "-netdev") || strncmp(argv[i + 1], "tap,", 4))
			continue;
		f = strstr(argv[i + 1], ",fds=");
		if (!f)
			die("-netdev %s has no fds=", argv[i + 1]);
		errno = 0;
		fd = strtol(f + 5, &end, 10);
		if (errno || fd < 3 || fd > 1 << 20 || (*end && *end != ':' && *end != ','))
			die("-netdev %s: bad fds=", argv[i + 1]);
		return (int)fd;
	}
	die("no -netdev tap,...,fds= in the arguments (run under vmtap exec)");
}

/* create-nic SPEC through vmtapd at sock: 0 and *out, or -errno and the
 * daemon's message in err. */
static int from_vmtapd(const char *sock, const char *spec_text, struct nic *out,
		       struct vmtap_err *err)
{
	struct vmtapd_client *c;
	struct nic_opt o;
	int r;

	nic_init(out);
	if ((r = nic_opt_parse(spec_text, &o, err)) < 0)
		die("NIC SPEC %s: %s", spec_text, vmtap_err_text(err, r));
	if ((r = nic_opt_fill_macs(&o)) < 0)
		die("random MAC: %s", strerror(-r));
	if ((r = vmtapd_client_open(sock, &c, err)) < 0)
		die("vmtapd at %s: %s", sock, vmtap_err_text(err, r));
	r = vmtapd_client_create_nic(c, &o.spec, out, err);
	vmtapd_client_close(c);
	return r;
}

/* A persistent tap opened by name, as whoever opens it later does (one
 * queue; `vmtap create` makes it without a vnet header by default). */
static int open_tap(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("/dev/net/tun: %s", strerror(errno));
	if (strlen(name) >= IFNAMSIZ)
		die("interface name %s too long", name);
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("opening tap %s: %s", name, strerror(errno));
	return fd;
}

static void pin_one_cpu(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		die("cannot pin to one CPU: %s", strerror(errno));
}

static int cmd_vlans(int argc, char **argv)
{
	struct nic nb, nt;
	struct vmtap_err e = { "" };
	struct port a, b, t, c;
	int r;

	pin_one_cpu();
	port_init(&a, "acc10a (vmtap exec)", exec_nic_fd(argc, argv));
	if ((r = from_vmtapd(argv[2], argv[3], &nb, &e)) < 0)
		die("create-nic %s: %s", argv[3], vmtap_err_text(&e, r));
	port_init(&b, "acc10b (vmtapd create-nic)", nb.tapfd[0]);
	memset(&e, 0, sizeof(e));
	if ((r = from_vmtapd(argv[2], argv[4], &nt, &e)) < 0)
		die("create-nic %s: %s", argv[4], vmtap_err_text(&e, r));
	port_init(&t, "trunk (vmtapd create-nic)", nt.tapfd[0]);
	port_init(&c, "acc20 (vmtap create)", open_tap(argv[5]));
	printf("ports: exec fd %d, vmtapd %s and %s, opened %s\n", a.fd, nb.ifname, nt.ifname,
	       argv[5]);

	/* The vmtapd NICs may have more queues: only queue 0 is read, so
	 * the others go (a flood picks one queue per frame by hash; one
	 * queue keeps every frame where we read). */
	for (unsigned q = 1; q < nb.queues; q++)
		close(nb.tapfd[q]), nb.tapfd[q] = -1;
	for (unsigned q = 1; q < nt.queues; q++)
		close(nt.tapfd[q]), nt.tapfd[q] = -1;
	drain(&a), drain(&b), drain(&t), drain(&c);

	/* A broadcast on one VLAN-10 access port: the other gets it
	 * untagged, the trunk tagged 10, the VLAN-20 port nothing. */
	send_frame(&a, SRC_A, 0, 1);
	expect(&b, 1, 0, 0, "VLAN 10 broadcast from the exec NIC");
	expect(&t, 1, 10, 0, "VLAN 10 broadcast from the exec NIC");
	expect_none(&c, 1, "VLAN 10 broadcast from the exec NIC");

	/* And the other way, from the vmtapd NIC. */
	send_frame(&b, SRC_B, 0, 2);
	expect(&a, 2, 0, 0, "VLAN 10 broadcast from the vmtapd NIC");
	expect(&t, 2, 10, 0, "VLAN 10 broadcast from the vmtapd NIC");
	expect_none(&c, 2, "VLAN 10 broadcast from the vmtapd NIC");

	/* A frame tagged 20 written on a VLAN-10 access port, then an
	 * untagged marker: the tagged one reaches no one. */
	send_frame(&a, SRC_A, 20, 3);
	send_frame(&a, SRC_A, 0, 4);
	expect(&b, 4, 0, 1u << 3, "tag 20 written on the VLAN-10 exec port, then a marker");
	expect(&t, 4, 10, 1u << 3, "tag 20 written on the VLAN-10 exec port, then a marker");
	expect_none(&c, 3, "tag 20 written on the VLAN-10 exec port");
	/* Nor does a tag 10 frame double-tag its way in. */
	send_frame(&b, SRC_B, 20, 5);
	send_frame(&b, SRC_B, 0, 6);
	expect(&a, 6, 0, 1u << 5, "tag 20 written on the VLAN-10 vmtapd port, then a marker");
	expect(&t, 6, 10, 1u << 5, "tag 20 written on the VLAN-10 vmtapd port, then a marker");
	expect_none(&c, 5, "tag 20 written on the VLAN-10 vmtapd port");

	/* From the trunk tagged 20: the VLAN-20 port gets it untagged, the
	 * VLAN-10 ports nothing. */
	send_frame(&t, SRC_T, 20, 7);
	expect(&c, 7, 0, 0, "tagged 20 from the trunk");
	expect_none(&a, 7, "tagged 20 from the trunk");
	expect_none(&b, 7, "tagged 20 from the trunk");

	/* From the trunk tagged 10: the VLAN-10 ports, untagged. */
	send_frame(&t, SRC_T, 10, 8);
	expect(&a, 8, 0, 0, "tagged 10 from the trunk");
	expect(&b, 8, 0, 0, "tagged 10 from the trunk");
	expect_none(&c, 8, "tagged 10 from the trunk");

	/* Untagged from the trunk: it has no PVID, so no one gets it (the
	 * marker tagged 20 comes after it). */
	send_frame(&t, SRC_T, 0, 9);
	send_frame(&t, SRC_T, 20, 10);
	expect(&c, 10, 0, 1u << 9, "untagged from the trunk (no PVID), then a marker");
	expect_none(&a, 9, "untagged from the trunk (no PVID)");
	expect_none(&b, 9, "untagged from the trunk (no PVID)");

	/* From the VLAN-20 port (vmtap create): the trunk gets it tagged 20,
	 * the VLAN-10 ports nothing. */
	send_frame(&c, SRC_C, 0, 11);
	expect(&t, 11, 20, 0, "VLAN 20 broadcast from the vmtap create port");
	expect_none(&a, 11, "VLAN 20 broadcast from the vmtap create port");
	expect_none(&b, 11, "VLAN 20 broadcast from the vmtap create port");

	/* acc10a is locked to SRC_A in VLAN 10: a frame from another MAC
	 * reaches no one; the guest's own (the marker) does. */
	send_frame(&a, SPOOF, 0, 12);
	send_frame(&a, SRC_A, 0, 13);
	expect(&b, 13, 0, 1u << 12, "a spoofed source MAC on the locked VLAN-10 port, then its own");
	expect(&t, 13, 10, 1u << 12, "a spoofed source MAC on the locked VLAN-10 port, then its own");
	expect_none(&c, 12, "a spoofed source MAC on the locked VLAN-10 port");

	nic_close(&nb);
	nic_close(&nt);
	close(a.fd);
	close(c.fd);
	return failed;
}

static int cmd_refuse(char **argv)
{
	struct vmtap_err e = { "" };
	struct nic n;
	int r = from_vmtapd(argv[2], argv[3], &n, &e);

	if (r == 0) {
		check(false, "create-nic %s was granted (%s), must be refused", argv[3], n.ifname);
		nic_close(&n);
		return 1;
	}
	check(r == -EPERM && strstr(e.msg, argv[4]) && n.queues == 0 && n.tapfd[0] < 0,
	      "create-nic %s refused: %s (%s)", argv[3], vmtap_err_text(&e, r), strerror(-r));
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "vlans"))
		return cmd_vlans(argc, argv);
	if (argc == 5 && !strcmp(argv[1], "refuse"))
		return cmd_refuse(argv);
	fprintf(stderr, "usage: tenant_frames vlans SOCKET SPEC10 SPECTRUNK IFNAME20 [ARGS...]\n"
			"       tenant_frames refuse SOCKET SPEC NEEDLE\n");
	return 2;
}
