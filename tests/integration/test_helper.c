/* test_helper.c — build/vmtap-bridge-helper driven exactly as QEMU drives
 * it: socketpair, fork, exec `HELPER --use-vnet --fd=N --br=BR`, recvmsg,
 * waitpid.  What it hands over is checked through the kernel (TUNGETIFF on
 * the fds, sysfs, /proc/sys, tc), never through the helper's own library.
 *
 * Every failure case must give exit != 0, exactly one line on stderr that
 * names the bad value, no fd, and leave the namespace's link list as it was.
 *
 * Runs as root inside tests/lib/sandbox.sh (a private network + mount
 * namespace whose /etc is a throwaway overlay): it writes
 * /etc/qemu/bridge.conf, the helper's compiled-in ACL, and makes bridges. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/core/fdpass.h"
#include "helper/core/nic.h"
#include "bridge/port.h"
#include "helper/core/reply.h"

/* VMTAP_TEST_B: the build under test, from make (build, or build/asan). */
#define HELPER VMTAP_TEST_B "/vmtap-bridge-helper"
#define HOOK VMTAP_TEST_B "/tests/vmtap-bridge-helper-testhook"
#define ACL "/etc/qemu/bridge.conf"
#define VHOST_DEV "/dev/vhost-net"
#define PREFIX "vmtap-bridge-helper: "
#define OVERLAYFS_MAGIC 0x794c7630

static char links_at_start[4096], links_saved[4096];
static bool have_vhost;

/* ---- running the helper ------------------------------------------------ */

struct run {
	int status;               /* from waitpid */
	char out[16384];          /* its stdout */
	char err[16384];          /* its stderr */
	char msg[REPLY_MAX + 1];  /* the bytes that came with the fds */
	size_t len;
	int fds[FDPASS_MAX];
	unsigned nfds;
	int recv_r;               /* fd_recv's return */
};

struct how {
	const char *prog;         /* HELPER unless set */
	bool sh;                  /* QEMU's form for a helper with arguments */
	int sock_at;              /* > 0: the child's socket end is this fd */
	int keep;                 /* > 0: an fd of ours the child inherits */
	int leak[4][2];           /* {from, to}: dup2'd into the child, no CLOEXEC */
	unsigned nleak;
	unsigned closed;          /* bit n: fd n (0-2) closed in the child */
	unsigned nofile;          /* > 0: the child's RLIMIT_NOFILE */
};

static void read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t k;

	while (n + 1 < cap && ((k = read(fd, buf + n, cap - 1 - n)) > 0 || (k < 0 && errno == EINTR)))
		if (k > 0)
			n += (size_t)k;
	buf[n] = '\0';
}

/* Replace every "@FD" in s with fd. */
static char *subst(const char *s, int fd)
{
	char num[16], *out = malloc(strlen(s) * 4 + 16), *o = out;
	const char *p;

	assert_non_null(out);
	snprintf(num, sizeof(num), "%d", fd);
	for (p = s; *p;) {
		if (!strncmp(p, "@FD", 3)) {
			o = stpcpy(o, num);
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* args: NULL-terminated, "@FD" standing for the child's socket number. */
static void run_how(struct run *r, const struct how *how, const char *const *args)
{
	const char *prog = how->prog ? how->prog : HELPER;
	char *argv[32], cmd[2048] = "";
	int sv[2], outp[2], errp[2], sockfd;
	unsigned i, n = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(outp, O_CLOEXEC), 0);
	assert_int_equal(pipe2(errp, O_CLOEXEC), 0);
	sockfd = how->sock_at > 0 ? how->sock_at : sv[1];

	argv[n++] = (char *)prog;
	for (i = 0; args[i]; i++) {
		assert_true(n < 30);
		argv[n++] = subst(args[i], sockfd);
	}
	argv[n] = NULL;
	if (how->sh) {
		/* net/tap.c: "%s %s %s %s", helper-with-args, "--use-vnet",
		 * "--fd=N", "" (the --br is in the helper string) -> sh -c. */
		for (i = 1; i < n; i++) {
			strcat(cmd, i > 1 ? " " : "");
			strcat(cmd, argv[i]);
		}
	}

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* dup2 leaves the new fd without CLOEXEC: exactly what the
		 * helper is meant to get (and, for leaks, to get rid of). */
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		if (how->sock_at > 0)
			dup2(sv[1], how->sock_at);
		else
			fcntl(sv[1], F_SETFD, 0);
		if (how->keep > 0)
			fcntl(how->keep, F_SETFD, 0);
		for (i = 0; i < how->nleak; i++)
			dup2(how->leak[i][0], how->leak[i][1]);
		for (i = 0; i < 3; i++)
			if (how->closed & (1u << i))
				close((int)i);
		/* Our other fds are CLOEXEC: after exec the limit counts only
		 * what the helper has. */
		if (how->nofile &&
		    setrlimit(RLIMIT_NOFILE, &(struct rlimit){ how->nofile, how->nofile }) < 0)
			_exit(126);
		/* A helper that hangs dies, and the test sees EOF. */
		alarm(30);
		if (how->sh)
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		else
			execv(prog, argv);
		_exit(127);
	}
	close(sv[1]);
	close(outp[1]);
	close(errp[1]);
	for (i = 1; i < n; i++)
		free(argv[i]);

	r->recv_r = fd_recv(sv[0], r->msg, REPLY_MAX, &r->len, r->fds, FDPASS_MAX, &r->nfds);
	r->msg[r->len] = '\0';
	while (waitpid(pid, &r->status, 0) < 0)
		assert_int_equal(errno, EINTR);
	read_all(outp[0], r->out, sizeof(r->out));
	read_all(errp[0], r->err, sizeof(r->err));
	close(sv[0]);
	close(outp[0]);
	close(errp[0]);
}

static void run_args(struct run *r, const char *const *args)
{
	struct how how = { 0 };

	run_how(r, &how, args);
}

#define RUN(r, ...) run_args((r), (const char *const[]){ __VA_ARGS__, NULL })

static bool exited_ok(const struct run *r)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

static void close_fds(struct run *r)
{
	unsigned i;

	for (i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	r->nfds = 0;
}

/* ---- the namespace ------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The namespace's links, sorted, space-separated. */
static void link_list(char *buf, size_t cap)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	const char *names[512];
	size_t n = 0, i;

	assert_non_null(ni);
	for (p = ni; p->if_index && n < 512; p++)
		names[n++] = p->if_name;
	qsort(names, n, sizeof(names[0]), cmp_str);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		strncat(buf, names[i], cap - strlen(buf) - 2);
		strcat(buf, " ");
	}
	if_freenameindex(ni);
}

/* The kernel removes a tap on its last close before close() returns; a
 * short grace keeps this from depending on it. */
static bool links_back_to_start(char *now, size_t cap)
{
	int i;

	for (i = 0; i < 200; i++) {
		link_list(now, cap);
		if (!strcmp(now, links_at_start))
			return true;
		usleep(10000);
	}
	return false;
}

static void assert_no_new_links(void)
{
	char now[4096];

	if (!links_back_to_start(now, sizeof(now)))
		fail_msg("links left behind: before \"%s\", now \"%s\"", links_at_start, now);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchown(fd, 0, 0), 0);
	/* fchmod, not the open mode: the umask must not decide the test. */
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void acl(const char *text)
{
	write_file(ACL, text, 0644);
}

static bool read_line(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)cap, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static unsigned long sys_num(const char *ifname, const char *attr)
{
	char path[128], buf[64], *end;
	unsigned long v;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	if (!read_line(path, buf, sizeof(buf)))
		fail_msg("cannot read %s", path);
	v = strtoul(buf, &end, 0);
	if (end == buf || *end)
		fail_msg("%s: \"%s\" is not a number", path, buf);
	return v;
}

static void sys_str(const char *ifname, const char *attr, char *buf, size_t cap)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	if (!read_line(path, buf, cap))
		fail_msg("cannot read %s", path);
}

static void master_of(const char *ifname, char *out, size_t cap)
{
	char path[128], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", ifname);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		out[0] = '\0';
		return;
	}
	target[n] = '\0';
	snprintf(out, cap, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
}

static unsigned count_rx_queues(const char *ifname)
{
	char path[128];
	unsigned n = 0;
	struct stat st;

	for (;;) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%u", ifname, n);
		if (stat(path, &st) < 0)
			return n;
		n++;
	}
}

/* The kind of the root qdisc, as tc prints it. */
static void root_qdisc(const char *ifname, char *kind, size_t cap)
{
	char cmd[128], line[512], k[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tc qdisc show dev %s root 2>&1", ifname);
	p = popen(cmd, "re");
	assert_non_null(p);
	if (fgets(line, sizeof(line), p) && sscanf(line, "qdisc %63s", k) != 1)
		k[0] = '\0';
	pclose(p);
	if (!k[0])
		fail_msg("`%s` printed \"%s\"", cmd, line);
	snprintf(kind, cap, "%s", k);
}

/* ---- checking what arrived -------------------------------------------- */

static void tun_iff(int fd, char name[IFNAMSIZ], short *flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		fail_msg("TUNGETIFF on received fd %d: %s", fd, strerror(errno));
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	*flags = ifr.ifr_flags;
}

struct want {
	unsigned queues;
	bool vnet_hdr;
	const char *bridge;
	unsigned mtu;
	const char *mac;        /* exact, or NULL for "fe:" + random */
	const char *qdisc;      /* exact kind, or NULL for "not noqueue" */
	const char *ifname;     /* exact, or NULL for "vmt" + 8 hex digits */
};

/* Checks every received tap fd and the interface behind them; returns the
 * interface's name in name. */
static void check_tap(const struct run *r, const struct want *w, char name[IFNAMSIZ])
{
	char other[IFNAMSIZ], buf[256];
	short flags, f2;
	unsigned i;

	assert_true(r->nfds >= w->queues);
	tun_iff(r->fds[0], name, &flags);
	for (i = 1; i < w->queues; i++) {
		tun_iff(r->fds[i], other, &f2);
		assert_string_equal(other, name);
		assert_int_equal(f2, flags);
	}
	if (w->ifname) {
		assert_string_equal(name, w->ifname);
	} else {
		assert_int_equal(strlen(name), 11);
		assert_memory_equal(name, VMTAP_IFNAME_PREFIX, 3);
		assert_int_equal(strspn(name + 3, "0123456789abcdef"), 8);
	}
	assert_true(flags & IFF_TAP);
	assert_false(flags & IFF_TUN);
	assert_true(flags & IFF_NO_PI);
	assert_false(flags & IFF_PERSIST); /* else it would outlive its fds */
	if (w->vnet_hdr)
		assert_true(flags & IFF_VNET_HDR);
	else
		assert_false(flags & IFF_VNET_HDR);
	if (w->queues > 1)
		assert_true(flags & IFF_MULTI_QUEUE);
	else
		assert_false(flags & IFF_MULTI_QUEUE);
	assert_int_equal(count_rx_queues(name), w->queues);

	master_of(name, buf, sizeof(buf));
	assert_string_equal(buf, w->bridge);
	assert_int_equal(sys_num(name, "mtu"), w->mtu);
	assert_true(sys_num(name, "flags") & IFF_UP);
	sys_str(name, "address", buf, sizeof(buf));
	if (w->mac)
		assert_string_equal(buf, w->mac);
	else
		assert_memory_equal(buf, "fe:", 3);

	root_qdisc(name, buf, sizeof(buf));
	if (w->qdisc)
		assert_string_equal(buf, w->qdisc);
	else if (!strcmp(buf, "noqueue"))
		fail_msg("qdisc=default: %s has root qdisc noqueue", name);

	snprintf(buf, sizeof(buf), "/proc/sys/net/ipv6/conf/%s/addr_gen_mode", name);
	if (access("/proc/sys/net/ipv6", F_OK) == 0) {
		char mode[16];

		if (!read_line(buf, mode, sizeof(mode)))
			fail_msg("cannot read %s", buf);
		assert_string_equal(mode, "1"); /* IN6_ADDR_GEN_MODE_NONE */
	}
}

static void assert_gone(const char *name)
{
	int i;

	for (i = 0; i < 200 && if_nametoindex(name); i++)
		usleep(10000);
	if (if_nametoindex(name))
		fail_msg("%s still exists after its fds were closed", name);
}

static void expect_ok(const struct run *r)
{
	if (!exited_ok(r) || r->recv_r < 0)
		fail_msg("helper failed (status 0x%x, recv %d); stderr:\n%s", r->status, r->recv_r,
			 r->err);
}

/* Plain QEMU protocol: one byte, one fd. */
static void expect_plain_ok(const struct run *r)
{
	expect_ok(r);
	if (r->len != 1 || r->nfds != 1 || r->err[0])
		fail_msg("expected 1 byte, 1 fd and a quiet stderr; got %zu bytes, %u fds, stderr:\n%s",
			 r->len, r->nfds, r->err);
}

/* A failure: exit != 0, nothing sent, exactly one line on stderr naming
 * each of the needles, and the link list as it was. */
static void expect_fail_(const struct run *r, const char *const *needles)
{
	const char *nl = strchr(r->err, '\n');
	unsigned i;

	if (exited_ok(r) || !WIFEXITED(r->status))
		fail_msg("expected a plain non-zero exit, got status 0x%x; stderr:\n%s", r->status, r->err);
	if (r->recv_r != 0 || r->len || r->nfds)
		fail_msg("expected nothing on the socket; got recv %d, %zu bytes, %u fds", r->recv_r,
			 r->len, r->nfds);
	if (!nl || nl[1] != '\0')
		fail_msg("expected exactly one line on stderr, got:\n%s", r->err);
	if (strncmp(r->err, PREFIX, strlen(PREFIX)))
		fail_msg("stderr does not start with \"%s\":\n%s", PREFIX, r->err);
	for (i = 0; needles[i]; i++)
		if (!strstr(r->err, needles[i]))
			fail_msg("stderr does not name \"%s\":\n%s", needles[i], r->err);
	assert_no_new_links();
}

#define expect_fail(r, ...) expect_fail_((r), (const char *const[]){ __VA_ARGS__, NULL })

/* ---- success: the QEMU protocol ---------------------------------------- */

static void test_qemu_call(void **state)
{
	struct want w = { .queues = 1, .vnet_hdr = true, .bridge = "br0", .mtu = 9000,
			  .qdisc = "noqueue" };
	struct run r;
	char name[IFNAMSIZ];

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0");
	expect_plain_ok(&r);
	check_tap(&r, &w, name);
	/* The port of br0 goes when its one fd does. */
	close_fds(&r);
	assert_gone(name);
	assert_no_new_links();
}

static void test_qemu_call_other_order(void **state)
{
	struct want w = { .queues = 1, .vnet_hdr = true, .bridge = "br0", .mtu = 9000,
			  .qdisc = "noqueue" };
	struct run r;
	char name[IFNAMSIZ];

	(void)state;
	RUN(&r, "--br=br0", "--fd=@FD", "--use-vnet");
	expect_plain_ok(&r);
	check_tap(&r, &w, name);
	close_fds(&r);
	assert_gone(name);
}

static void test_no_vnet_hdr(void **state)
{
	struct want w = { .queues = 1, .vnet_hdr = false, .bridge = "br0", .mtu = 9000,
			  .qdisc = "noqueue" };
	struct run r;
	char name[IFNAMSIZ];

	(void)state;
	RUN(&r, "--fd=@FD", "--br=br0");
	expect_plain_ok(&r);
	check_tap(&r, &w, name);
	close_fds(&r);
	assert_gone(name);
}

/* -netdev tap,helper="HELPER --br=br0": QEMU runs it through /bin/sh. */
static void test_qemu_sh_form(void **state)
{
	struct how how = { .sh = true };
	struct want w = { .queues = 1, .vnet_hdr = true, .bridge = "br0", .mtu = 9000,
			  .qdisc = "noqueue" };
	struct run r;
	char name[IFNAMSIZ];

	(void)state;
	run_how(&r, &how, (const char *const[]){ HELPER " --br=br0", "--use-vnet", "--fd=@FD", "",
						 NULL });
	expect_plain_ok(&r);
	check_tap(&r, &w, name);
	close_fds(&r);
	assert_gone(name);
}

static void test_second_bridge_its_mtu(void **state)
{
	struct want w = { .queues = 1, .vnet_hdr = true, .bridge = "br1", .mtu = 1500,
			  .qdisc = "noqueue" };
	struct run r;
	char name[IFNAMSIZ];

	(void)state;
	acl("allow br0\nallow br1\n");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br1");
	expect_plain_ok(&r);
	check_tap(&r, &w, name);
	close_fds(&r);
	assert_gone(name);
}

/* ---- success: the extensions ------------------------------------------- */

static void decode(const struct run *r, struct nic *nic)
{
	struct vmtap_err e = { "" };

	nic_init(nic);
	if (reply_decode(r->msg, r->len, r->nfds, nic, &e) < 0)
		fail_msg("reply_decode(\"%s\", %u fds): %s", r->msg, r->nfds, e.msg);
}

static void check_vhost_stderr(const struct run *r, unsigned nvhost, unsigned queues)
{
	if (have_vhost) {
		assert_int_equal(nvhost, queues);
		assert_string_equal(r->err, "");
	} else {
		const char *nl = strchr(r->err, '\n');

		assert_int_equal(nvhost, 0);
		/* auto: one line saying it goes on without. */
		if (!nl || nl[1] || !strstr(r->err, VHOST_DEV) || !strstr(r->err, "without"))
			fail_msg("vhost=auto without %s: expected one line saying so, got:\n%s",
				 VHOST_DEV, r->err);
	}
}

static void test_queues_4(void **state)
{
	struct want w = { .queues = 4, .vnet_hdr = true, .bridge = "br0", .mtu = 9000,
			  .qdisc = "noqueue" };
	struct run r;
	struct nic nic;
	char name[IFNAMSIZ], mac[32], sysmac[32];
	unsigned i;

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--queues=4");
	expect_ok(&r);
	decode(&r, &nic);
	assert_int_equal(nic.queues, 4);
	check_vhost_stderr(&r, nic.nvhost, 4);
	assert_int_equal(r.nfds, nic.queues + nic.nvhost);
	check_tap(&r, &w, name);

	/* The header tells the truth. */
	assert_string_equal(nic.ifname, name);
	assert_int_equal(nic.ifindex, (int)if_nametoindex(name));
	assert_int_equal(nic.mtu, 9000);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", nic.mac[0], nic.mac[1],
		 nic.mac[2], nic.mac[3], nic.mac[4], nic.mac[5]);
	sys_str(name, "address", sysmac, sizeof(sysmac));
	assert_string_equal(mac, sysmac);

	/* A multiqueue tap lives while any queue is open.  The tap fds come
	 * first; the vhost fds after them (when vhost-net exists) hold no
	 * queue. */
	for (i = 0; i + 1 < nic.queues; i++)
		close(r.fds[i]);
	assert_true(if_nametoindex(name) > 0);
	for (; i < r.nfds; i++)
		close(r.fds[i]);
	r.nfds = 0;
	assert_gone(name);
	assert_no_new_links();
}

/* Issue 11 item 10: out of fds, every step that needs one fails with
 * EMFILE, and the one line says so.  if_nametoindex needs a socket of its
 * own, so its EMFILE once read "vmtXXXXXXXX vanished after creation".
 * The helper starts with fds 0-3 (stdio and --fd=3); from one fd more than
 * that, one more at a time, each limit fails at the next step that opens
 * one, until one is enough. */
static void test_fd_exhaustion_says_emfile(void **state)
{
	struct how how = { .sock_at = 3 };
	unsigned failures = 0;
	struct run r;

	(void)state;
	for (how.nofile = 5; how.nofile < 64; how.nofile++) {
		run_how(&r, &how, (const char *const[]){ "--use-vnet", "--fd=@FD", "--br=br0",
							 "--queues=4", NULL });
		if (exited_ok(&r))
			break;
		if (strstr(r.err, "vanished"))
			fail_msg("RLIMIT_NOFILE %u: the tap did not vanish, fds ran out:\n%s",
				 how.nofile, r.err);
		expect_fail(&r, "Too many open files");
		failures++;
	}
	expect_ok(&r);
	/* Enough limits failed to reach past the tun fds to the lookups after
	 * the tap is made: fds 0-3, 4 queues, the netlink socket, one more. */
	assert_true(failures >= 9 - 5 + 1);
	close_fds(&r);
	assert_no_new_links();
}

static void test_ifname_mac_mtu(void **state)
{
	struct want w = { .queues = 2, .vnet_hdr = true, .bridge = "br0", .mtu = 1400,
			  .mac = "52:54:00:12:34:56", .qdisc = "noqueue", .ifname = "vm-a.0" };
	struct run r;
	struct nic nic;
	char name[IFNAMSIZ];

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--queues=2", "--vhost=off",
	    "--ifname=vm-a.0", "--mac=52:54:00:12:34:56", "--mtu=1400");
	expect_ok(&r);
	assert_string_equal(r.err, "");
	decode(&r, &nic);
	assert_int_equal(r.nfds, 2);
	assert_int_equal(nic.nvhost, 0);
	assert_string_equal(nic.ifname, "vm-a.0");
	assert_int_equal(nic.mtu, 1400);
	assert_memory_equal(nic.mac, "\x52\x54\x00\x12\x34\x56", 6);
	check_tap(&r, &w, name);
	close_fds(&r);
	assert_gone(name);
}

/* An extension alone (no --use-vnet) still gets a vnet header: QEMU uses
 * fds= taps with one. */
static void test_extension_single_queue(void **state)
{
	struct want w = { .queues = 1, .vnet_hdr = true, .bridge = "br0", .mtu = 9000,
			  .qdisc = "noqueue" };
	struct run r;
	struct nic nic;
	char name[IFNAMSIZ];

	(void)state;
	RUN(&r, "--fd=@FD", "--br=br0", "--vhost=off");
	expect_ok(&r);
	assert_string_equal(r.err, "");
	decode(&r, &nic);
	assert_int_equal(nic.queues, 1);
	assert_int_equal(r.nfds, 1);
	check_tap(&r, &w, name);
	close_fds(&r);
	assert_gone(name);
}

static void test_qdisc_default(void **state)
{
	struct want w1 = { .queues = 1, .vnet_hdr = true, .bridge = "br0", .mtu = 9000 };
	struct want w4 = { .queues = 4, .vnet_hdr = true, .bridge = "br0", .mtu = 9000,
			   .qdisc = "mq" };
	struct run r;
	char name[IFNAMSIZ];

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--qdisc=default", "--vhost=off");
	expect_ok(&r);
	check_tap(&r, &w1, name);
	close_fds(&r);
	assert_gone(name);

	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--qdisc=default", "--vhost=off",
	    "--queues=4");
	expect_ok(&r);
	check_tap(&r, &w4, name);
	close_fds(&r);
	assert_gone(name);
}

static void test_vhost_auto(void **state)
{
	struct run r;
	struct nic nic;

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--vhost=auto", "--queues=2");
	expect_ok(&r);
	decode(&r, &nic);
	check_vhost_stderr(&r, nic.nvhost, 2);
	assert_int_equal(r.nfds, 2 + nic.nvhost);
	close_fds(&r);
	assert_gone(nic.ifname);
}

static void test_vhost_on(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--vhost=on", "--queues=2");
	if (have_vhost) {
		struct nic nic;

		expect_ok(&r);
		decode(&r, &nic);
		assert_int_equal(nic.nvhost, 2);
		close_fds(&r);
		assert_gone(nic.ifname);
		return;
	}
	expect_fail(&r, VHOST_DEV, "vhost=on");
	/* The diagnosis is doctor's (vhost_missing_fix): on a kernel with no
	 * modules directory it never says "load the module". */
	{
		struct utsname u;
		char moddir[128];

		assert_int_equal(uname(&u), 0);
		snprintf(moddir, sizeof(moddir), "/lib/modules/%.64s", u.release);
		if (access(moddir, F_OK) < 0 && access("/sys/module/vhost_net", F_OK) < 0) {
			assert_non_null(strstr(r.err, "has no vhost_net module"));
			assert_null(strstr(r.err, "is not loaded"));
		}
	}
}

/* ---- the helper's own fds ---------------------------------------------- */

/* Fds the caller leaks (no CLOEXEC), below and above --fd, must be closed
 * before the helper does anything; the test-hook build lists its fds while
 * it holds the tap. */
static void test_leaked_fds_closed(void **state)
{
	struct how how = { .prog = HOOK, .sock_at = 10, .nleak = 3 };
	struct run r;
	int p[2], s;
	char *line;
	unsigned n = 0;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	how.leak[0][0] = p[1], how.leak[0][1] = 5;
	how.leak[1][0] = p[0], how.leak[1][1] = 11;
	how.leak[2][0] = s, how.leak[2][1] = 200;
	run_how(&r, &how, (const char *const[]){ "--use-vnet", "--fd=@FD", "--br=br0", NULL });
	close(p[0]);
	close(p[1]);
	close(s);
	expect_ok(&r);
	assert_int_equal(r.nfds, 1);

	for (line = strstr(r.err, "testhook[working]: fd "); line;
	     line = strstr(line + 1, "testhook[working]: fd ")) {
		int fd;
		char target[256];

		if (sscanf(line, "testhook[working]: fd %d -> %255s", &fd, target) != 2)
			fail_msg("cannot parse hook line in:\n%s", r.err);
		n++;
		if (fd <= 2)
			continue;
		if (fd == 10 && !strncmp(target, "socket:", 7))
			continue;
		if (!strcmp(target, "/dev/net/tun"))
			continue;
		fail_msg("fd %d (%s) is open in the helper; stderr:\n%s", fd, target, r.err);
	}
	if (n < 4)
		fail_msg("the hook listed %u fds; stderr:\n%s", n, r.err);
	close_fds(&r);
	assert_no_new_links();
}

/* Started with stdin and stdout closed (`helper 0<&- 1>&-`), the helper
 * still hands over its tap, and while it works fds 0 and 1 are /dev/null:
 * nothing it opened (the netlink socket, /dev/net/tun) took their place.
 * With all three closed it still hands over the tap. */
static void test_stdio_closed(void **state)
{
	struct how how = { .prog = HOOK, .sock_at = 10, .closed = 3 };
	const char *const args[] = { "--use-vnet", "--fd=@FD", "--br=br0", NULL };
	struct run r;

	(void)state;
	run_how(&r, &how, args);
	expect_ok(&r);
	assert_int_equal(r.nfds, 1);
	if (!strstr(r.err, "testhook[working]: fd 0 -> /dev/null\n") ||
	    !strstr(r.err, "testhook[working]: fd 1 -> /dev/null\n"))
		fail_msg("fds 0 and 1 are not /dev/null in the helper; stderr:\n%s", r.err);
	close_fds(&r);

	how.prog = HELPER;
	how.closed = 7;
	run_how(&r, &how, args);
	expect_plain_ok(&r);
	assert_int_equal(r.nfds, 1);
	close_fds(&r);
	assert_no_new_links();
}

/* ---- failures ------------------------------------------------------------ */

static void test_bridge_missing(void **state)
{
	struct run r;

	(void)state;
	acl("allow all\n");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=nosuchbr0");
	expect_fail(&r, "nosuchbr0");
}

static void test_not_a_bridge(void **state)
{
	struct run r;

	(void)state;
	acl("allow all\n");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=vmtv0");
	expect_fail(&r, "vmtv0", "not a bridge");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=lo");
	expect_fail(&r, "lo is not a bridge");
	RUN(&r, "--fd=@FD", "--br=vmtv0", "--queues=3", "--vhost=off");
	expect_fail(&r, "vmtv0", "not a bridge");
}

static void test_acl_deny(void **state)
{
	struct run r;

	(void)state;
	acl("deny br0\nallow all\n");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0");
	expect_fail(&r, "br0", ACL);
	acl("allow all\ndeny br0\n");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--queues=2", "--vhost=off");
	expect_fail(&r, "br0", ACL);
	/* Others are still allowed. */
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br1");
	expect_plain_ok(&r);
	close_fds(&r);
	assert_no_new_links();
}

static void test_acl_default_deny(void **state)
{
	struct run r;

	(void)state;
	acl("");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0");
	expect_fail(&r, "br0", ACL);
	acl("# only comments\n\nallow br1\n");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0");
	expect_fail(&r, "br0", ACL);
}

static void test_acl_missing(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(unlink(ACL), 0);
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0");
	expect_fail(&r, ACL);
}

static void test_acl_writable(void **state)
{
	static const mode_t modes[] = { 0664, 0646, 0666, 0620 };
	struct run r;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_file(ACL, "allow br0\n", modes[i]);
		RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0");
		expect_fail(&r, ACL);
	}
	/* And an include that is. */
	write_file("/etc/qemu/inc.conf", "allow br0\n", 0666);
	acl("include /etc/qemu/inc.conf\n");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0");
	expect_fail(&r, "/etc/qemu/inc.conf");
	unlink("/etc/qemu/inc.conf");
}

static void test_acl_not_root_owned(void **state)
{
	struct run r;

	(void)state;
	acl("allow br0\n");
	assert_int_equal(chown(ACL, 65534, 0), 0);
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0");
	expect_fail(&r, ACL);
}

static void test_bad_bridge_name(void **state)
{
	struct run r;

	(void)state;
	acl("allow all\n");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0:1");
	expect_fail(&r, "br0:1");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=abcdefghijklmnop"); /* 16 bytes */
	expect_fail(&r, "abcdefghijklmnop");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=abcdefghijklmno0123456789abcdef");
	expect_fail(&r, "abcdefghijklmno0123456789abcdef");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=../br0");
	expect_fail(&r, "../br0");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=");
	expect_fail(&r, "--br=");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--ifname=a b");
	expect_fail(&r, "a b");
}

static void test_fd_not_open(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "--use-vnet", "--fd=99999", "--br=br0");
	expect_fail(&r, "99999");
}

static void test_fd_bad_values(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "--use-vnet", "--fd=-1", "--br=br0");
	expect_fail(&r, "-1");
	RUN(&r, "--use-vnet", "--fd=2", "--br=br0");
	expect_fail(&r, "--fd=2");
	RUN(&r, "--use-vnet", "--fd=3x", "--br=br0");
	expect_fail(&r, "3x");
	RUN(&r, "--use-vnet", "--br=br0");
	expect_fail(&r, "--fd");
}

static void test_fd_is_a_pipe(void **state)
{
	struct run r;
	struct how how = { 0 };
	int p[2];
	char arg[32];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	how.keep = p[0];
	snprintf(arg, sizeof(arg), "--fd=%d", p[0]);
	run_how(&r, &how, (const char *const[]){ "--use-vnet", arg, "--br=br0", NULL });
	close(p[0]);
	close(p[1]);
	expect_fail(&r, arg, "socket");
}

static void test_fd_is_not_unix(void **state)
{
	struct run r;
	struct how how = { 0 };
	int s;
	char arg[32];

	(void)state;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		skip();
	how.keep = s;
	snprintf(arg, sizeof(arg), "--fd=%d", s);
	run_how(&r, &how, (const char *const[]){ "--use-vnet", arg, "--br=br0", NULL });
	close(s);
	expect_fail(&r, arg, "AF_UNIX");
}

static void test_ifname_exists(void **state)
{
	struct run r, held;
	struct nic nic;

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--ifname=br1", "--vhost=off");
	expect_fail(&r, "br1");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--ifname=vmtv1", "--vhost=off");
	expect_fail(&r, "vmtv1");

	/* A tap somebody else holds: IFF_TUN_EXCL, not a second queue on it. */
	RUN(&held, "--use-vnet", "--fd=@FD", "--br=br0", "--ifname=vmheld0", "--vhost=off");
	expect_ok(&held);
	decode(&held, &nic);
	link_list(links_at_start, sizeof(links_at_start));
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--ifname=vmheld0", "--vhost=off");
	expect_fail(&r, "vmheld0");
	close_fds(&held);
	assert_gone("vmheld0");
}

static void test_queues_out_of_range(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--queues=100000");
	expect_fail(&r, "100000");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--queues=0");
	expect_fail(&r, "--queues=0");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--queues=65");
	expect_fail(&r, "--queues=65");
}

static void test_bad_extension_values(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--mtu=67");
	expect_fail(&r, "--mtu=67");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--mac=01:00:5e:00:00:01");
	expect_fail(&r, "01:00:5e:00:00:01");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--vhost=maybe");
	expect_fail(&r, "maybe");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--qdisc=fq");
	expect_fail(&r, "fq");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--bridge=br0");
	expect_fail(&r, "--bridge=br0");
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--br=br1");
	expect_fail(&r, "--br");
}

/* The top of --mtu's range is tun's own maximum. */
static void test_mtu_max(void **state)
{
	struct want w = { .queues = 1, .vnet_hdr = true, .bridge = "br0", .mtu = 65521,
			  .qdisc = "noqueue", .ifname = "vmbig0" };
	struct run r;
	char name[IFNAMSIZ];

	(void)state;
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=br0", "--mtu=65521", "--vhost=off", "--ifname=vmbig0");
	expect_ok(&r);
	check_tap(&r, &w, name);
	/* A port's MTU does not change a bridge whose MTU was set. */
	assert_int_equal(sys_num("br0", "mtu"), 9000);
	close_fds(&r);
	assert_gone(name);
}

/* bridge/port.c's bridge_create(), which the demo and later front ends use
 * to make a bridge of a given MTU: that MTU must stay when the bridge's
 * last port goes.  (An MTU given only in RTM_NEWLINK does not count as set
 * by the user, and the kernel then resets the bridge to 1500 as soon as it
 * has no port.) */
static void test_bridge_create_mtu_sticks(void **state)
{
	struct want w = { .queues = 1, .vnet_hdr = true, .bridge = "brm0", .mtu = 9000,
			  .qdisc = "noqueue" };
	struct vmtap_err e = { "" };
	struct nl_sock *sk = NULL;
	struct run r;
	char name[IFNAMSIZ];
	int rc;

	(void)state;
	assert_int_equal(rtnl_open(&sk, &e), 0);
	rc = bridge_create(sk, "brm0", 9000, &e);
	if (rc < 0)
		fail_msg("bridge_create(brm0, 9000): %s", vmtap_err_text(&e, rc));
	acl("allow brm0\n");
	assert_int_equal(sys_num("brm0", "mtu"), 9000);
	RUN(&r, "--use-vnet", "--fd=@FD", "--br=brm0");
	expect_plain_ok(&r);
	check_tap(&r, &w, name);
	close_fds(&r);
	assert_gone(name);
	rc = (int)sys_num("brm0", "mtu");
	assert_int_equal(link_delete(sk, "brm0", &e), 0);
	rtnl_close(sk);
	if (rc != 9000)
		fail_msg("bridge_create(brm0, 9000) made a bridge whose MTU fell to %d when its "
			 "last port went", rc);
}

/* ---- --help, --version -------------------------------------------------- */

static void test_help_version(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "--help");
	assert_true(exited_ok(&r));
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "Usage: vmtap-bridge-helper"));
	assert_non_null(strstr(r.out, "--br=BRIDGE"));
	assert_non_null(strstr(r.out, "--queues"));
	assert_non_null(strstr(r.out, ACL));
	assert_int_equal(r.nfds, 0);

	RUN(&r, "--version");
	assert_true(exited_ok(&r));
	assert_string_equal(r.err, "");
	assert_string_equal(r.out, "vmtap-bridge-helper " VMTAP_VERSION "\n");
	assert_int_equal(r.nfds, 0);

	RUN(&r, "--frobnicate");
	expect_fail(&r, "--frobnicate");
	assert_string_equal(r.out, "");
}

/* ---- setup ---------------------------------------------------------------- */

static int each_setup(void **state)
{
	(void)state;
	acl("allow br0\n");
	return 0;
}

/* A test that failed half way may hold taps: close every tun fd so the
 * next test starts from the same link list. */
static int each_teardown(void **state)
{
	char path[64], target[64];
	int fd;

	(void)state;
	for (fd = 3; fd < 1024; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, "/dev/net/tun") || !strcmp(target, VHOST_DEV))
			close(fd);
	}
	memcpy(links_at_start, links_saved, sizeof(links_at_start));
	return 0;
}

static int group_setup(void **state)
{
	struct vmtap_err e = { "" };
	struct nl_sock *sk = NULL;
	int r;

	(void)state;
	if ((r = rtnl_open(&sk, &e)) < 0 || (r = bridge_create(sk, "br0", 0, &e)) < 0 ||
	    (r = bridge_create(sk, "br1", 0, &e)) < 0) {
		fprintf(stderr, "setup: %s\n", vmtap_err_text(&e, r));
		rtnl_close(sk);
		return -1;
	}
	rtnl_close(sk);
	/* The MTU set the way an admin sets it (RTM_SETLINK), so that the
	 * bridge keeps it when its last port goes; and not a bridge: a veth
	 * pair (its peer is one more name to clash with). */
	if (system("ip link set dev br0 mtu 9000 && "
		   "ip link add vmtv0 type veth peer name vmtv1") != 0) {
		fprintf(stderr, "setup: ip link failed\n");
		return -1;
	}
	if (mkdir("/etc/qemu", 0755) < 0 && errno != EEXIST)
		return -1;
	if (chown("/etc/qemu", 0, 0) < 0 || chmod("/etc/qemu", 0755) < 0)
		return -1;
	have_vhost = access(VHOST_DEV, F_OK) == 0;
	link_list(links_at_start, sizeof(links_at_start));
	memcpy(links_saved, links_at_start, sizeof(links_saved));
	return 0;
}

int main(void)
{
	struct statfs sf;
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
		T(test_qemu_call),
		T(test_qemu_call_other_order),
		T(test_no_vnet_hdr),
		T(test_qemu_sh_form),
		T(test_second_bridge_its_mtu),
		T(test_queues_4),
		T(test_fd_exhaustion_says_emfile),
		T(test_ifname_mac_mtu),
		T(test_extension_single_queue),
		T(test_qdisc_default),
		T(test_vhost_auto),
		T(test_vhost_on),
		T(test_leaked_fds_closed),
		T(test_stdio_closed),
		T(test_bridge_missing),
		T(test_not_a_bridge),
		T(test_acl_deny),
		T(test_acl_default_deny),
		T(test_acl_missing),
		T(test_acl_writable),
		T(test_acl_not_root_owned),
		T(test_bad_bridge_name),
		T(test_fd_not_open),
		T(test_fd_bad_values),
		T(test_fd_is_a_pipe),
		T(test_fd_is_not_unix),
		T(test_ifname_exists),
		T(test_queues_out_of_range),
		T(test_bad_extension_values),
		T(test_mtu_max),
		T(test_help_version),
		T(test_bridge_create_mtu_sticks),
#undef T
	};

	/* It makes interfaces and writes /etc/qemu: only ever in a sandbox. */
	if (!getenv("SANDBOX_INSIDE") || strcmp(getenv("SANDBOX_INSIDE"), "1") ||
	    statfs("/etc", &sf) < 0 || sf.f_type != OVERLAYFS_MAGIC || geteuid() != 0) {
		fprintf(stderr, "test_helper: run me as root through tests/lib/sandbox.sh\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("helper", tests, group_setup, NULL);
}
