/* doctor-overlay.c — what `vmtap doctor` says about a BGP EVPN / VXLAN
 * overlay on this host (README, "Across hosts"): for every VXLAN device
 * that is a bridge port, its VNI, its learning, the MTU headroom of the
 * underlay, and once, whether an FRR with EVPN answers.
 *
 * Promises: the same shape as doctor.c's checks (ok / warn with a fix of
 * one command or one sentence), and no change to anything: links are read
 * with one RTM_GETLINK dump, addresses with getifaddrs(), and FRR is only
 * asked `show` commands through vtysh, which is killed when it has not
 * answered within VTYSH_TIMEOUT_MS.  A host without any VXLAN port gets no
 * line at all (the overlay is optional).
 *
 * Never: runs vtysh's configuration commands, or anything but vtysh; looks
 * at FRR's files; prints. */
#include "helper/cli/doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <jansson.h>

#include "bridge/link.h"
#include "bridge/rtnl.h"

/* vtysh answers in milliseconds; a zebra that is wedged must not hang the
 * doctor. */
#define VTYSH_TIMEOUT_MS 5000
/* Outer Ethernet + IP + UDP + VXLAN headers on the underlay. */
#define VXLAN_OVERHEAD_V4 50
#define VXLAN_OVERHEAD_V6 70

static const struct link_detail *by_index(const struct link_detail *v, size_t n, int ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].st.ifindex == ifindex)
			return &v[i];
	return NULL;
}

/* The link that holds the VXLAN device's local address, or NULL. */
static const struct link_detail *by_address(const struct link_detail *v, size_t n,
					    const struct vxlan_state *vx)
{
	const struct link_detail *found = NULL;
	struct ifaddrs *ifa, *a;

	if (!vx->local_family || getifaddrs(&ifa) < 0)
		return NULL;
	for (a = ifa; a && !found; a = a->ifa_next) {
		const void *addr;
		unsigned i;

		if (!a->ifa_addr || a->ifa_addr->sa_family != vx->local_family)
			continue;
		addr = vx->local_family == AF_INET
			       ? (const void *)&((struct sockaddr_in *)a->ifa_addr)->sin_addr
			       : (const void *)&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
		if (memcmp(addr, vx->local, vx->local_family == AF_INET ? 4 : 16))
			continue;
		i = if_nametoindex(a->ifa_name);
		found = i ? by_index(v, n, (int)i) : NULL;
	}
	freeifaddrs(ifa);
	return found;
}

static void vni_check(struct doctor_report *rep, const struct link_detail *x,
		      const struct link_detail *br)
{
	const struct vxlan_state *vx = &x->vx;
	char name[32], local[INET6_ADDRSTRLEN] = "", what[96], fix[320];

	snprintf(name, sizeof(name), "vxlan %.15s", x->name);
	if (vx->local_family)
		inet_ntop(vx->local_family, vx->local, local, sizeof(local));
	if (vx->external)
		snprintf(what, sizeof(what), "external (VNIs per VLAN%s)",
			 vx->vnifilter ? ", vnifilter: bridge vni show" : "");
	else
		snprintf(what, sizeof(what), "VNI %u", vx->vni);
	if (!(x->st.flags & IFF_UP)) {
		snprintf(fix, sizeof(fix), "ip link set %.15s up", x->name);
		doctor_add(rep, name, DOCTOR_WARN, fix, "%s: %s on bridge %s, local %s, UDP port %u, "
			   "down: nothing crosses the overlay", x->name, what, br->name,
			   local[0] ? local : "any", vx->port);
		return;
	}
	doctor_add(rep, name, DOCTOR_OK, NULL, "%s: %s on bridge %s, local %s, UDP port %u, up",
		   x->name, what, br->name, local[0] ? local : "any", vx->port);
}

/* With EVPN the control plane says where a MAC is: a VXLAN device or its
 * bridge port that learns from frames fights it (and moves a MAC back to
 * a stale VTEP). */
static void learning_check(struct doctor_report *rep, const struct link_detail *x)
{
	char name[32], fix[320], ns[160];
	bool dev = x->vx.learning, port = x->port.learning;
	int off;

	snprintf(name, sizeof(name), "vxlan %.15s learning", x->name);
	if (x->port.has_neigh_suppress && x->port.neigh_suppress)
		snprintf(ns, sizeof(ns), "neigh_suppress on");
	else
		snprintf(ns, sizeof(ns), "neigh_suppress off (ARP and ND requests cross the overlay; "
			 "bridge link set dev %.15s neigh_suppress on answers them here)", x->name);
	if (!dev && !port) {
		doctor_add(rep, name, DOCTOR_OK, NULL, "%s: learning off (device and bridge port): "
			   "remote MACs come from EVPN only; %s", x->name, ns);
		return;
	}
	off = 0;
	if (dev)
		off = snprintf(fix, sizeof(fix), "ip link set %.15s type vxlan nolearning%s", x->name,
			       port ? " && " : "");
	if (port)
		snprintf(fix + off, sizeof(fix) - (size_t)off,
			 "bridge link set dev %.15s learning off neigh_suppress on", x->name);
	doctor_add(rep, name, DOCTOR_WARN, fix,
		   "%s: %s remote MACs from the frames that arrive, which with EVPN competes "
		   "with the routes FRR installs (only flood and learn without EVPN needs it); "
		   "%s", x->name,
		   dev && port ? "the VXLAN device and its bridge port learn"
		   : dev       ? "the VXLAN device learns"
			       : "its bridge port learns", ns);
}

/* A guest's frame of the bridge's MTU must fit the VXLAN device, and the
 * VXLAN device's packet (+50 bytes, +70 over IPv6) the underlay: a 1500-
 * byte guest MTU needs a 1550-byte underlay. */
static void mtu_check(struct doctor_report *rep, const struct link_detail *v, size_t n,
		      const struct link_detail *x, const struct link_detail *br)
{
	const struct link_detail *ul = x->vx.link ? by_index(v, n, x->vx.link) : by_address(v, n, &x->vx);
	unsigned over = x->vx.local_family == AF_INET6 ? VXLAN_OVERHEAD_V6 : VXLAN_OVERHEAD_V4;
	unsigned need = br->st.mtu + over;
	char name[32], fix[320];

	snprintf(name, sizeof(name), "vxlan %.15s mtu", x->name);
	if (x->st.mtu < br->st.mtu) {
		snprintf(fix, sizeof(fix), "ip link set %.15s mtu %u (with an underlay MTU of %u)",
			 x->name, br->st.mtu, need);
		doctor_add(rep, name, DOCTOR_WARN, fix, "%s: MTU %u, below bridge %s's %u: the "
			   "bridge drops larger frames on their way into the overlay", x->name,
			   x->st.mtu, br->name, br->st.mtu);
		return;
	}
	if (!ul) {
		snprintf(fix, sizeof(fix), "make sure every underlay link carries %u-byte packets "
			 "(ip link set UNDERLAY mtu %u), or name it: ip link add ... type vxlan "
			 "dev UNDERLAY", need, need);
		doctor_add(rep, name, DOCTOR_WARN, fix, "bridge %s MTU %u, %s MTU %u; its underlay "
			   "device is not known here (no dev, and no interface holds its local "
			   "address), so the headroom of %u bytes cannot be checked", br->name,
			   br->st.mtu, x->name, x->st.mtu, over);
		return;
	}
	if (ul->st.mtu < need) {
		unsigned fit = ul->st.mtu > over ? ul->st.mtu - over : 0;

		snprintf(fix, sizeof(fix), "ip link set %.15s mtu %u (and the same on the underlay "
			 "network), or give the guests %u: ip link set %.15s mtu %u && ip link set "
			 "%.15s mtu %u", ul->name, need, fit, x->name, fit, br->name, fit);
		doctor_add(rep, name, DOCTOR_WARN, fix, "bridge %s MTU %u, %s MTU %u, underlay %s MTU "
			   "%u: %u bytes of headroom where VXLAN needs %u; a guest's full-size "
			   "frame is fragmented or dropped on the underlay", br->name, br->st.mtu,
			   x->name, x->st.mtu, ul->name, ul->st.mtu,
			   ul->st.mtu > br->st.mtu ? ul->st.mtu - br->st.mtu : 0, over);
		return;
	}
	if (br->st.mtu < 1500) {
		snprintf(fix, sizeof(fix), "raise the underlay to %u and %.15s and %.15s to 1500, or "
			 "tell every guest its MTU is %u", 1500 + over, x->name, br->name, br->st.mtu);
		doctor_add(rep, name, DOCTOR_WARN, fix, "bridge %s MTU %u (underlay %s MTU %u): "
			   "guests assume 1500 unless told, and their larger frames are dropped",
			   br->name, br->st.mtu, ul->name, ul->st.mtu);
		return;
	}
	doctor_add(rep, name, DOCTOR_OK, NULL, "bridge %s MTU %u, %s MTU %u, underlay %s MTU %u: "
		   "%u bytes of headroom, VXLAN needs %u", br->name, br->st.mtu, x->name, x->st.mtu,
		   ul->name, ul->st.mtu, ul->st.mtu - br->st.mtu, over);
}

/* ---- FRR ----------------------------------------------------------------- */

static bool find_in_path(const char *prog, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p)
			continue;
		if ((size_t)snprintf(out, cap, "%.*s/%s", (int)(end - p), p, prog) >= cap)
			continue;
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* `VTYSH -c CMD`, stdin /dev/null, stderr dropped, stdout into buf (cut
 * at cap - 1, NUL-terminated).  Its exit status (0..255), -ETIMEDOUT after
 * VTYSH_TIMEOUT_MS (it is killed), or -errno. */
static int vtysh(const char *path, const char *cmd, char *buf, size_t cap)
{
	long long deadline = now_ms() + VTYSH_TIMEOUT_MS;
	size_t got = 0;
	int p[2], status, r = 0;
	pid_t pid;

	buf[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 2) < 0 || dup2(p[1], 1) < 0)
			_exit(127);
		execl(path, "vtysh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		long long left = deadline - now_ms();
		char sink[512];
		ssize_t k;

		if (left <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got + 1 < cap)
			k = read(p[0], buf + got, cap - 1 - got);
		else
			k = read(p[0], sink, sizeof(sink));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (got + 1 < cap)
			got += (size_t)k;
	}
	buf[got] = '\0';
	close(p[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Established EVPN peers of `show bgp l2vpn evpn summary json`: -1 when
 * bgpd did not answer in JSON. */
static int evpn_peers(const char *path, unsigned *total)
{
	static char out[65536];
	json_t *root, *peers, *p;
	const char *key;
	int up = 0;

	*total = 0;
	if (vtysh(path, "show bgp l2vpn evpn summary json", out, sizeof(out)) != 0 ||
	    !(root = json_loads(out, 0, NULL)))
		return -1;
	peers = json_object_get(root, "peers");
	json_object_foreach(peers, key, p) {
		const char *st = json_string_value(json_object_get(p, "state"));

		(*total)++;
		up += st && !strcmp(st, "Established");
	}
	json_decref(root);
	return up;
}

/* What FRR's zebra knows of the VNIs (`show evpn vni json`, an object
 * keyed by VNI), against the VXLAN ports found. */
static void frr_check(struct doctor_report *rep, const struct link_detail *v, size_t n)
{
	static char out[65536];
	char path[4096], missing[160] = "", fix[320], known[200] = "";
	unsigned total, i;
	json_t *root;
	int r, peers;
	size_t off = 0, koff = 0;

	if (!find_in_path("vtysh", path, sizeof(path))) {
		doctor_add(rep, "evpn", DOCTOR_WARN,
			   "with EVPN: apt install frr, bgpd=yes in /etc/frr/daemons, and the "
			   "stanza of examples/evpn/frr.conf",
			   "no vtysh in PATH: no FRR here to advertise this host's MACs; NICs work on "
			   "this host, and other hosts learn their MACs by flooding");
		return;
	}
	r = vtysh(path, "show evpn vni json", out, sizeof(out));
	if (r != 0) {
		doctor_add(rep, "evpn", DOCTOR_WARN,
			   "start FRR (systemctl start frr), or run vmtap doctor as root or in group "
			   "frrvty",
			   "%s -c 'show evpn vni' %s as uid %u: FRR does not answer; NICs work on "
			   "this host, and other hosts learn their MACs by flooding", path,
			   r == -ETIMEDOUT ? "timed out" : "failed", (unsigned)getuid());
		return;
	}
	root = json_loads(out, 0, NULL);
	for (i = 0; i < n; i++) {
		char key[16];
		json_t *e;

		if (!v[i].is_vxlan || v[i].vx.external || !v[i].is_brport)
			continue;
		snprintf(key, sizeof(key), "%u", v[i].vx.vni);
		e = root ? json_object_get(root, key) : NULL;
		if (!e) {
			off += (size_t)snprintf(missing + off, sizeof(missing) - off, "%s%u",
						off ? ", " : "", v[i].vx.vni);
			if (off >= sizeof(missing))
				off = sizeof(missing) - 1;
			continue;
		}
		koff += (size_t)snprintf(known + koff, sizeof(known) - koff, "%sVNI %u (%lld "
					 "remote VTEP%s)", koff ? ", " : "", v[i].vx.vni,
					 json_integer_value(json_object_get(e, "numRemoteVteps")),
					 json_integer_value(json_object_get(e, "numRemoteVteps")) ==
							 1 ? "" : "s");
		if (koff >= sizeof(known))
			koff = sizeof(known) - 1;
	}
	json_decref(root);
	if (missing[0]) {
		doctor_add(rep, "evpn", DOCTOR_WARN,
			   "in FRR's router bgp: address-family l2vpn evpn / advertise-all-vni "
			   "(examples/evpn/frr.conf)",
			   "FRR answers but does not know VNI %s: its MACs are not advertised, other "
			   "hosts learn them by flooding", missing);
		return;
	}
	peers = evpn_peers(path, &total);
	if (peers <= 0) {
		snprintf(fix, sizeof(fix), "%s", peers < 0 ? "start bgpd (bgpd=yes in "
			 "/etc/frr/daemons)" : "check the neighbours of address-family l2vpn evpn: "
			 "vtysh -c 'show bgp l2vpn evpn summary'");
		doctor_add(rep, "evpn", DOCTOR_WARN, fix, "FRR knows %s, but %s: nothing is "
			   "advertised to other hosts", known,
			   peers < 0 ? "bgpd does not answer" : "no EVPN peer is established");
		return;
	}
	doctor_add(rep, "evpn", DOCTOR_OK, NULL, "FRR knows %s; %d of %u EVPN peer%s established: "
		   "NICs with announce=on or mac_lock=on are advertised when plugged", known, peers,
		   total, total == 1 ? "" : "s");
}

void doctor_overlay(struct doctor_report *rep)
{
	struct vmtap_err err = { "" };
	struct link_detail *v = NULL;
	struct nl_sock *sk = NULL;
	size_t n = 0, i;
	unsigned ports = 0;
	int r;

	if ((r = rtnl_open(&sk, &err)) < 0 || (r = link_dump_detail(sk, &v, &n, &err)) < 0) {
		doctor_add(rep, "overlay", DOCTOR_FAIL, "check that rtnetlink works here",
			   "cannot list links: %s", vmtap_err_text(&err, r));
		rtnl_close(sk);
		return;
	}
	rtnl_close(sk);
	for (i = 0; i < n; i++) {
		const struct link_detail *br;

		if (!v[i].is_vxlan || !v[i].is_brport)
			continue;
		br = by_index(v, n, v[i].st.master);
		if (!br || !br->is_bridge)
			continue;
		if (++ports > DOCTOR_MAX_VXLAN) {
			doctor_add(rep, "overlay", DOCTOR_OK, NULL, "and more VXLAN ports not shown");
			break;
		}
		vni_check(rep, &v[i], br);
		learning_check(rep, &v[i]);
		mtu_check(rep, v, n, &v[i], br);
	}
	if (ports)
		frr_check(rep, v, n);
	free(v);
}
