/* bench.c — what a NIC costs, measured against anchors in the same run.
 *
 * Run by tests/bench/run inside a sandbox (its own network namespace) with a
 * bridge "bbr0" and an ACL allowing it.  Every figure is per NIC, and every
 * method runs on the same bridge, one after another, with all NICs of a
 * method alive until the method's teardown:
 *
 *   floor-1q        the raw-syscall floor: open /dev/net/tun, TUNSETIFF
 *                   (name chosen, IFF_TUN_EXCL), SIOCBRADDIF, SIOCSIFFLAGS up
 *   floor-4q        the same with 4 queues and the kernel's default qdisc
 *   helper-1q/4q    build/vmtap-bridge-helper forked as QEMU forks it
 *                   (socketpair, fork, exec, recvmsg, waitpid)
 *   qbh-1q          QEMU's qemu-bridge-helper, driven the same way
 *   iproute2-1q     `ip tuntap add` + `ip link set master up`, as scripts do
 *   vmtapd-4q       a request to a running vmtapd over one connection
 *   vmtapd-4q/tenant  the same with isolated=on,mac_lock=on and a guest MAC
 *                   (one more bridge-port message and an FDB entry per NIC;
 *                   README "Tenant networks"); no VLAN: the build machines'
 *                   kernels have no bridge VLAN filtering.  Made alternately
 *                   with plain ones ("vmtapd-4q/ab"), its anchor
 *   vmtapd-4q/macvtap  the same request for a macvtap on an uplink
 *                   (macvtap=PARENT, a veth: README "macvtap") instead of
 *                   a tap on the bridge: one RTM_NEWLINK, one RTM_SETLINK,
 *                   and its /dev/tapN opened once per queue.  Made
 *                   alternately with plain tap NICs ("vmtapd-4q/mvab"), its
 *                   anchor.  A macvtap does not go with its fds: the
 *                   teardown deletes it by name (ip link del, as iproute2's)
 *   vmtapd-4q/pool  the same to a vmtapd started with --pool for that bridge
 *                   and 4 queues (NICs made before the request; pool.h):
 *                   requests PACE_MS apart ("/pool"), and back to back
 *                   ("/pool-burst", which outruns the pool's thread)
 *
 * The pool rows come from a second run of this program (--pool-vmtapd),
 * after the first has torn all its NICs down, so that the pool's own ports
 * are on the bridge for those rows only.
 *
 * Output: one line per method (p50/p99 create, mean teardown by closing the
 * fds), the kernel memory per 4-queue NIC (Slab and MemAvailable deltas over
 * many NICs), and the scaling run (1000 NICs on one bridge: p50 of the last
 * 100 against the first 100).  A data file for gnuplot is written too.
 * Nothing here asserts: figures are for people, as ratios in tests/bench/run. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper/core/fdpass.h"
#include "helper/core/nic.h"
#include "helper/core/reply.h"
#include "helper/wire/client.h"

#define MAXN 1000

struct held {
	int fd[VMTAP_MAX_QUEUES];
	unsigned nfd;
	char name[IFNAMSIZ]; /* persistent (iproute2) taps: deleted by name */
};

static const char *helper = "build/vmtap-bridge-helper";
static const char *qbh = "/usr/lib/qemu/qemu-bridge-helper";
static const char *vmtapd_sock, *pool_sock;
/* Requests of the paced pool rows are this far apart (200 NICs a second,
 * far more than VMs start on one host); the wait is not part of a sample. */
#define PACE_MS 5
static unsigned pace_ms;
/* Where NICs go: "bbr0", a default bridge; --quiet-bridge names a second
 * one set up for many ports (tests/bench/run says how), for a second
 * scaling row. */
static const char *bridge = "bbr0", *quiet_bridge;
/* --macvtap-parent: the uplink of the macvtap row (none: no such row). */
static const char *macvtap_parent;
static int ctl = -1;       /* an AF_INET socket for the bridge ioctls */
static unsigned counter;
static double samples[MAXN];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, unsigned n, double p)
{
	double s[MAXN];
	unsigned i;

	memcpy(s, v, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	i = (unsigned)(p * (n - 1) + 0.5);
	return s[i];
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- the floor: raw syscalls ------------------------------------------ */

static int floor_make(unsigned queues, struct held *h)
{
	struct ifreq ifr;
	unsigned i;

	snprintf(h->name, sizeof(h->name), "bf%u", counter++);
	for (i = 0; i < queues; i++) {
		h->fd[i] = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (h->fd[i] < 0)
			return -errno;
		h->nfd++;
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
				(queues > 1 ? IFF_MULTI_QUEUE : 0) | (i == 0 ? IFF_TUN_EXCL : 0);
		strcpy(ifr.ifr_name, h->name);
		if (ioctl(h->fd[i], TUNSETIFF, &ifr) < 0)
			return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, bridge);
	ifr.ifr_ifindex = (int)if_nametoindex(h->name);
	if (ioctl(ctl, SIOCBRADDIF, &ifr) < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, h->name);
	ifr.ifr_flags = IFF_UP;
	if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	h->name[0] = '\0'; /* not persistent: goes with its fds */
	return 0;
}

static int floor_1q(struct held *h) { return floor_make(1, h); }
static int floor_4q(struct held *h) { return floor_make(4, h); }

/* ---- helpers driven as QEMU drives them --------------------------------- */

static int run_helper(const char *path, unsigned queues, bool extended, struct held *h)
{
	char a_fd[32], a_q[32], a_br[32], hdr[REPLY_MAX];
	int sv[2], status, r;
	size_t len;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		fcntl(sv[1], F_SETFD, 0);
		dup2(devnull, 2); /* vhost=auto's warning is not a figure */
		snprintf(a_fd, sizeof(a_fd), "--fd=%d", sv[1]);
		snprintf(a_q, sizeof(a_q), "--queues=%u", queues);
		snprintf(a_br, sizeof(a_br), "--br=%s", bridge);
		if (extended)
			execl(path, path, "--use-vnet", a_br, a_fd, a_q, (char *)NULL);
		else
			execl(path, path, "--use-vnet", a_br, a_fd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	r = fd_recv(sv[0], hdr, sizeof(hdr), &len, h->fd, VMTAP_MAX_QUEUES * 2, &h->nfd);
	close(sv[0]);
	waitpid(pid, &status, 0);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || h->nfd == 0)
		return -EIO;
	return 0;
}

static int helper_1q(struct held *h) { return run_helper(helper, 1, false, h); }
static int helper_4q(struct held *h) { return run_helper(helper, 4, true, h); }
static int qbh_1q(struct held *h) { return run_helper(qbh, 1, false, h); }

/* ---- iproute2, as shell scripts do it ------------------------------------ */

static int sh(const char *cmd)
{
	int st = system(cmd);

	return st == 0 ? 0 : -EIO;
}

static int iproute2_1q(struct held *h)
{
	char cmd[256];

	snprintf(h->name, sizeof(h->name), "bi%u", counter++);
	snprintf(cmd, sizeof(cmd), "ip tuntap add dev %s mode tap vnet_hdr && "
		 "ip link set dev %s master %s up", h->name, h->name, bridge);
	return sh(cmd);
}

/* ---- vmtapd ------------------------------------------------------------- */

static struct vmtapd_client *vc;

/* What a vmtapd NIC carries besides the plain 4 queues.  tenant:
 * isolated=on and mac_lock=on, with a guest MAC of its own per NIC (the
 * static FDB entry the lock adds); no VLAN, since the bench's kernel may
 * have no bridge VLAN filtering.  bw: the bandwidth-limit row, both
 * limits (outbound policed, or through an IFB where the kernel has no
 * police action), or inbound alone on a kernel that has neither way (the
 * row's name says which). */
enum vd_kind { VD_PLAIN, VD_TENANT, VD_BW, VD_MACVTAP };

static bool bw_inbound_only;

static int vmtapd_make(struct held *h, enum vd_kind kind)
{
	struct nic_spec spec;
	struct nic nic;
	struct vmtap_err err = { "" };
	unsigned i;
	int r;

	nic_spec_init(&spec);
	if (kind == VD_MACVTAP)
		snprintf(spec.macvtap, sizeof(spec.macvtap), "%s", macvtap_parent);
	else
		strcpy(spec.bridge, bridge);
	spec.queues = 4;
	spec.vhost = VHOST_AUTO;
	if (kind == VD_BW) {
		spec.inbound.rate = 12500000; /* 100mbit */
		if (!bw_inbound_only)
			spec.outbound.rate = 12500000;
	}
	if (kind == VD_TENANT) {
		unsigned c = counter++;

		spec.has_isolated = spec.isolated = true;
		spec.has_mac_lock = spec.mac_lock = true;
		spec.has_guest_mac = true;
		memcpy(spec.guest_mac, (uint8_t[6]){ 0x52, 0x54, 0x00, (uint8_t)(c >> 16),
						     (uint8_t)(c >> 8), (uint8_t)c }, 6);
	}
	if ((r = vmtapd_client_create_nic(vc, &spec, &nic, &err)) < 0) {
		fprintf(stderr, "bench: vmtapd: %s\n", vmtap_err_text(&err, r));
		return r;
	}
	for (i = 0; i < nic.queues; i++)
		h->fd[h->nfd++] = nic.tapfd[i];
	for (i = 0; i < nic.nvhost; i++)
		h->fd[h->nfd++] = nic.vhostfd[i];
	if (kind == VD_MACVTAP) /* deleted by name at the teardown */
		snprintf(h->name, sizeof(h->name), "%s", nic.ifname);
	return 0;
}

static int vmtapd_4q(struct held *h) { return vmtapd_make(h, VD_PLAIN); }
static int vmtapd_4q_tenant(struct held *h) { return vmtapd_make(h, VD_TENANT); }
static int vmtapd_4q_bw(struct held *h) { return vmtapd_make(h, VD_BW); }
static int vmtapd_4q_macvtap(struct held *h) { return vmtapd_make(h, VD_MACVTAP); }

/* ---- measuring ---------------------------------------------------------- */

struct method {
	const char *name;
	int (*make)(struct held *h);
	const char *what;
};

static struct held held[MAXN];

static double teardown(unsigned n)
{
	double t0 = now_ms();
	unsigned i, k;
	char cmd[64];

	for (i = 0; i < n; i++) {
		for (k = 0; k < held[i].nfd; k++)
			close(held[i].fd[k]);
		if (held[i].name[0]) {
			snprintf(cmd, sizeof(cmd), "ip link del dev %s", held[i].name);
			sh(cmd);
		}
		memset(&held[i], 0, sizeof(held[i]));
	}
	return n ? (now_ms() - t0) / n : 0;
}

static int make_n(const struct method *m, unsigned n)
{
	unsigned i;
	int r;

	for (i = 0; i < n; i++) {
		double t0 = now_ms();

		memset(&held[i], 0, sizeof(held[i]));
		if ((r = m->make(&held[i])) < 0) {
			fprintf(stderr, "bench: %s: NIC %u failed: %s\n", m->name, i, strerror(-r));
			teardown(i + 1);
			return r;
		}
		samples[i] = now_ms() - t0;
		if (pace_ms)
			usleep(pace_ms * 1000);
	}
	return 0;
}

static long meminfo(const char *key)
{
	char line[128];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Kernel memory per NIC: the deltas of Slab and MemAvailable over n NICs
 * (MiB per NIC).  Many NICs, so that noise averages out. */
static void memory(const struct method *m, unsigned n, FILE *dat)
{
	long slab0, avail0, slab1, avail1;

	sync();
	slab0 = meminfo("Slab");
	avail0 = meminfo("MemAvailable");
	if (make_n(m, n) < 0)
		return;
	slab1 = meminfo("Slab");
	avail1 = meminfo("MemAvailable");
	teardown(n);
	printf("memory %-12s %4u NICs: Slab %+.3f MiB/NIC, MemAvailable %+.3f MiB/NIC\n", m->name,
	       n, (slab1 - slab0) / 1024.0 / n, (avail0 - avail1) / 1024.0 / n);
	fprintf(dat, "memory %s %.4f %.4f\n", m->name, (slab1 - slab0) / 1024.0 / n,
		(avail0 - avail1) / 1024.0 / n);
}

static void latency(const struct method *m, unsigned n, FILE *dat)
{
	double td;

	if (make_n(m, n) < 0) {
		printf("latency %-14s failed (see above)\n", m->name);
		return;
	}
	td = teardown(n);
	printf("latency %-14s n=%-4u p50 %7.3f ms  p99 %7.3f ms  teardown %7.3f ms/NIC   (%s)\n",
	       m->name, n, pct(samples, n, 0.5), pct(samples, n, 0.99), td, m->what);
	fprintf(dat, "latency %s %.4f %.4f %.4f\n", m->name, pct(samples, n, 0.5),
		pct(samples, n, 0.99), td);
}

/* Two methods' latencies, their NICs made alternately (a, b, a, b, ...)
 * on the same bridge and all alive until the teardown: on a shared
 * machine, drift (another load, the bridge filling) then weighs on both
 * alike, which one after the other it would not.  Rows a->name and
 * b->name; the teardown is the mean over both. */
static double samples_b[MAXN];

static void latency_ab(const struct method *a, const struct method *b, unsigned n, FILE *dat)
{
	const struct method *m[2] = { a, b };
	double *out[2] = { samples, samples_b }, td;
	unsigned i, k;
	int r;

	for (i = 0; i < 2 * n; i++) {
		double t0 = now_ms();

		k = i & 1;
		memset(&held[i], 0, sizeof(held[i]));
		if ((r = m[k]->make(&held[i])) < 0) {
			fprintf(stderr, "bench: %s: NIC %u failed: %s\n", m[k]->name, i, strerror(-r));
			teardown(i + 1);
			printf("latency %-14s failed (see above)\n", m[k]->name);
			return;
		}
		out[k][i / 2] = now_ms() - t0;
	}
	td = teardown(2 * n);
	for (k = 0; k < 2; k++) {
		printf("latency %-14s n=%-4u p50 %7.3f ms  p99 %7.3f ms  teardown %7.3f ms/NIC   "
		       "(%s; made alternately with %s)\n", m[k]->name, n, pct(out[k], n, 0.5),
		       pct(out[k], n, 0.99), td, m[k]->what, m[!k]->name);
		fprintf(dat, "latency %s %.4f %.4f %.4f\n", m[k]->name, pct(out[k], n, 0.5),
			pct(out[k], n, 0.99), td);
	}
}

static void scaling(const struct method *m, unsigned n, FILE *dat)
{
	double first, last, td;

	if (make_n(m, n) < 0) {
		printf("scaling %-26s failed (see above)\n", m->name);
		return;
	}
	first = pct(samples, 100, 0.5);
	last = pct(samples + n - 100, 100, 0.5);
	td = teardown(n);
	printf("scaling %-26s %u NICs alive on one bridge: p50 of NICs 1-100 %.3f ms, of NICs "
	       "%u-%u %.3f ms, ratio %.2f; teardown %.3f ms/NIC\n",
	       m->name, n, first, n - 99, n, last, last / first, td);
	fprintf(dat, "scaling %s %.4f %.4f %.4f %.4f\n", m->name, first, last, last / first, td);
}

/* The rows of a vmtapd with --pool on both bridges (see the top). */
static void pool_rows(unsigned n, FILE *dat)
{
	/* [bridge][paced, burst] */
	static const char *const names[2][2] = {
		{ "vmtapd-4q/pool", "vmtapd-4q/pool-burst" },
		{ "vmtapd-4q/pool/tuned", "vmtapd-4q/pool-burst/tuned" },
	};
	struct vmtap_err err = { "" };
	struct method m = { NULL, vmtapd_4q, "vmtapd --pool, requests 5 ms apart" };
	unsigned b;

	if (vmtapd_client_open(pool_sock, &vc, &err) < 0) {
		printf("latency vmtapd-4q/pool skipped: %s\n", err.msg);
		return;
	}
	m.name = names[0][0];
	pace_ms = PACE_MS;
	latency(&m, n, dat);
	for (b = 0; b < 2; b++) {
		if (b == 1 && !quiet_bridge)
			break;
		if (b == 1)
			bridge = quiet_bridge;
		m.name = names[b][0];
		pace_ms = PACE_MS;
		scaling(&m, MAXN, dat);
		m.name = names[b][1];
		pace_ms = 0;
		scaling(&m, MAXN, dat);
	}
	vmtapd_client_close(vc);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 16384, 16384 };
	unsigned n = 200;
	const char *out = "build/bench/bench.dat";
	FILE *dat;
	int i;
	const struct method floor1 = { "floor-1q", floor_1q, "raw syscalls, 1 queue" },
			    floor4 = { "floor-4q", floor_4q, "raw syscalls, 4 queues, default qdisc" },
			    help1 = { "helper-1q", helper_1q, "vmtap-bridge-helper, fork+exec" },
			    help4 = { "helper-4q", helper_4q, "vmtap-bridge-helper, fork+exec" },
			    qbh1 = { "qbh-1q", qbh_1q, "qemu-bridge-helper, fork+exec" },
			    ip1 = { "iproute2-1q", iproute2_1q, "ip tuntap add + ip link set" };

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--n=", 4))
			n = (unsigned)atoi(argv[i] + 4);
		else if (!strncmp(argv[i], "--helper=", 9))
			helper = argv[i] + 9;
		else if (!strncmp(argv[i], "--vmtapd=", 9))
			vmtapd_sock = argv[i] + 9;
		else if (!strncmp(argv[i], "--pool-vmtapd=", 14))
			pool_sock = argv[i] + 14;
		else if (!strncmp(argv[i], "--macvtap-parent=", 17))
			macvtap_parent = argv[i] + 17;
		else if (!strncmp(argv[i], "--quiet-bridge=", 15))
			quiet_bridge = argv[i] + 15;
		else if (!strncmp(argv[i], "--out=", 6))
			out = argv[i] + 6;
	}
	if (n < 100 || n > MAXN)
		n = 200;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
	ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0)
		die("socket");
	dat = fopen(out, pool_sock ? "ae" : "we");
	if (!dat)
		die(out);
	if (pool_sock) {
		pool_rows(n, dat);
		fclose(dat);
		return 0;
	}

	latency(&floor1, n, dat);
	latency(&floor4, n, dat);
	latency(&help1, n, dat);
	latency(&help4, n, dat);
	if (access(qbh, X_OK) == 0)
		latency(&qbh1, n, dat);
	else
		printf("latency qbh-1q       skipped: %s not installed\n", qbh);
	latency(&ip1, n / 2, dat);

	/* vmtap's own path for memory and scaling: vmtapd when it runs, else
	 * the helper. */
	const struct method *vm = &help4;
	struct vmtap_err err = { "" };
	static const struct method vd4 = { "vmtapd-4q", vmtapd_4q, "vmtapd request, one connection" },
				   vd4ab = { "vmtapd-4q/ab", vmtapd_4q, "vmtapd, plain" },
				   vd4t = { "vmtapd-4q/tenant", vmtapd_4q_tenant,
					    "vmtapd, isolated=on,mac_lock=on" };

	if (vmtapd_sock && vmtapd_client_open(vmtapd_sock, &vc, &err) == 0) {
		static struct method vbw = { "vmtapd-4q-bw", vmtapd_4q_bw,
					     "vmtapd, inbound+outbound 100mbit" };
		struct held probe = { 0 };

		latency(&vd4, n, dat);
		/* A macvtap against tap NICs made in turn with it (n/2 each),
		 * as the tenant row below. */
		if (macvtap_parent) {
			static const struct method vmv = { "vmtapd-4q/macvtap", vmtapd_4q_macvtap,
							   "vmtapd, a macvtap on an uplink" },
						   vmvab = { "vmtapd-4q/mvab", vmtapd_4q,
							     "vmtapd, a tap on the bridge" };

			latency_ab(&vmvab, &vmv, n / 2, dat);
		}
		/* The tenant flags' cost: against plain NICs made in turn with
		 * them (n/2 each: 200 NICs alive, as in the other rows). */
		latency_ab(&vd4ab, &vd4t, n / 2, dat);
		vm = &vd4;
		/* One NIC first: can this kernel limit outbound at all? */
		if (vmtapd_4q_bw(&probe) < 0) {
			bw_inbound_only = true;
			vbw.name = "vmtapd-4q-in";
			vbw.what = "vmtapd, inbound 100mbit (no outbound limit here)";
		} else {
			held[0] = probe;
			teardown(1);
		}
		latency(&vbw, n, dat);
		memory(&vbw, 100, dat);
	} else {
		printf("latency vmtapd-4q    skipped: %s\n", vmtapd_sock ? err.msg : "no --vmtapd=SOCKET");
	}
	memory(vm, 100, dat);
	memory(&floor4, 100, dat);
	/* The kernel's own growth with the bridge's port count, as the anchor
	 * for vmtap's. */
	scaling(&floor1, MAXN, dat);
	scaling(vm, MAXN, dat);
	if (quiet_bridge) {
		static struct method qfloor1, qvm;

		/* The same on a bridge set up for many ports: the kernel's
		 * per-port cost grows less with the port count there. */
		bridge = quiet_bridge;
		qfloor1 = floor1;
		qfloor1.name = "floor-1q/tuned";
		qvm = *vm;
		qvm.name = vm == &help4 ? "helper-4q/tuned" : "vmtapd-4q/tuned";
		scaling(&qfloor1, MAXN, dat);
		scaling(&qvm, MAXN, dat);
	}
	fclose(dat);
	return 0;
}
