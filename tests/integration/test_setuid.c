/* test_setuid.c — the helper installed setuid root, run by `nobody`, for
 * real: a root-owned 04755 copy of the test-hook build (whose hook prints
 * the process's Cap*, NoNewPrivs and Uid lines, and its open fds, to stderr
 * while it holds the tap) is run through
 *   setpriv --reuid=65534 --regid=65534 --clear-groups -- COPY ...
 * with a socketpair end inherited, exactly as an unprivileged QEMU runs it.
 *
 * The copy lives in a fresh mkdtemp directory under /tmp that nobody can
 * traverse, removed at the end, pass or fail.  Runs as root inside
 * tests/lib/sandbox.sh, which gives it a private network namespace and a
 * throwaway /etc for /etc/qemu/bridge.conf. */
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
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/core/fdpass.h"
#include "bridge/port.h"
#include "helper/core/reply.h"

/* VMTAP_TEST_B: the build under test, from make. */
#define HOOK VMTAP_TEST_B "/tests/vmtap-bridge-helper-testhook"
#define ACL "/etc/qemu/bridge.conf"
#define INC "/etc/qemu/nobody.conf"
#define NOBODY 65534
#define PREFIX "vmtap-bridge-helper: "
#define OVERLAYFS_MAGIC 0x794c7630
#define CAP_NET_ADMIN_MASK (1ULL << 12)

static char dir[] = "/tmp/vmtap-test-setuid-XXXXXX";
static bool dir_made, dir_mounted;
static char suid_copy[sizeof(dir) + 32], plain_copy[sizeof(dir) + 32];

/* ---- files ---------------------------------------------------------------- */

static void write_file(const char *path, const char *text, uid_t uid, gid_t gid, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchown(fd, uid, gid), 0);
	/* fchmod after fchown (chown clears set-id bits), and not the open
	 * mode: the umask must not decide the test. */
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void acl(const char *text)
{
	write_file(ACL, text, 0, 0, 0644);
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out, r = -1;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto out;
	if (n == 0 && fchown(out, 0, 0) == 0 && fchmod(out, mode) == 0)
		r = 0;
out:
	if (out >= 0 && close(out) < 0)
		r = -1;
	close(in);
	return r;
}

/* ---- running the copy as nobody ---------------------------------------- */

struct run {
	int status;
	char err[16384];
	char msg[REPLY_MAX + 1];
	size_t len;
	int fds[FDPASS_MAX];
	unsigned nfds;
	int recv_r;
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

/* setpriv ... -- PROG --use-vnet --fd=N ARGS...; env: extra "K=V" or NULL. */
static void run_as_nobody(struct run *r, const char *prog, const char *const *env,
			  const char *const *args)
{
	char fdarg[32], *argv[32];
	int sv[2], errp[2];
	unsigned i, n = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(errp, O_CLOEXEC), 0);
	snprintf(fdarg, sizeof(fdarg), "--fd=%d", sv[1]);
	argv[n++] = "setpriv";
	argv[n++] = "--reuid=65534";
	argv[n++] = "--regid=65534";
	argv[n++] = "--clear-groups";
	argv[n++] = "--";
	argv[n++] = (char *)prog;
	argv[n++] = "--use-vnet";
	argv[n++] = fdarg;
	for (i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(errp[1], 2);
		fcntl(sv[1], F_SETFD, 0);
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		alarm(30);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(sv[1]);
	close(errp[1]);
	r->recv_r = fd_recv(sv[0], r->msg, REPLY_MAX, &r->len, r->fds, FDPASS_MAX, &r->nfds);
	r->msg[r->len] = '\0';
	while (waitpid(pid, &r->status, 0) < 0)
		assert_int_equal(errno, EINTR);
	read_all(errp[0], r->err, sizeof(r->err));
	close(sv[0]);
	close(errp[0]);
}

#define AS_NOBODY(r, prog, ...) \
	run_as_nobody((r), (prog), NULL, (const char *const[]){ __VA_ARGS__, NULL })

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

static void expect_ok(const struct run *r, unsigned nfds)
{
	if (!exited_ok(r) || r->recv_r < 0 || r->nfds != nfds)
		fail_msg("expected success with %u fds; status 0x%x, recv %d, %u fds; stderr:\n%s",
			 nfds, r->status, r->recv_r, r->nfds, r->err);
}

/* exit != 0, no fd, one line on stderr naming every needle. */
static void expect_fail_(const struct run *r, const char *const *needles)
{
	const char *nl = strchr(r->err, '\n');
	unsigned i;

	if (exited_ok(r) || !WIFEXITED(r->status) || WEXITSTATUS(r->status) == 127)
		fail_msg("expected the helper to fail, got status 0x%x; stderr:\n%s", r->status, r->err);
	if (r->recv_r != 0 || r->len || r->nfds)
		fail_msg("expected nothing on the socket; got recv %d, %zu bytes, %u fds", r->recv_r,
			 r->len, r->nfds);
	if (!nl || nl[1] != '\0' || strncmp(r->err, PREFIX, strlen(PREFIX)))
		fail_msg("expected exactly one \"%s...\" line on stderr, got:\n%s", PREFIX, r->err);
	for (i = 0; needles[i]; i++)
		if (!strstr(r->err, needles[i]))
			fail_msg("stderr does not name \"%s\":\n%s", needles[i], r->err);
}

#define expect_fail(r, ...) expect_fail_((r), (const char *const[]){ __VA_ARGS__, NULL })

/* The received fd is a tap that is a port of bridge. */
static void check_tap_on(const struct run *r, const char *bridge)
{
	struct ifreq ifr;
	char path[128], target[256];
	ssize_t n;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(r->fds[0], TUNGETIFF, &ifr) < 0)
		fail_msg("TUNGETIFF: %s", strerror(errno));
	assert_true(ifr.ifr_flags & IFF_TAP);
	assert_true(ifr.ifr_flags & IFF_VNET_HDR);
	snprintf(path, sizeof(path), "/sys/class/net/%.16s/master", ifr.ifr_name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		fail_msg("%s: %s", path, strerror(errno));
	target[n] = '\0';
	assert_string_equal(strrchr(target, '/') + 1, bridge);
}

/* The value of "testhook[working]: KEY:\tVALUE" in the helper's stderr. */
static const char *hook_value(const struct run *r, const char *key, char *out, size_t cap)
{
	char needle[64];
	const char *p;
	size_t n;

	snprintf(needle, sizeof(needle), "testhook[working]: %s:", key);
	p = strstr(r->err, needle);
	if (!p)
		fail_msg("no \"%s\" line from the hook; stderr:\n%s", needle, r->err);
	p += strlen(needle);
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static unsigned long long hook_caps(const struct run *r, const char *key)
{
	char v[64], *end;
	unsigned long long c;

	hook_value(r, key, v, sizeof(v));
	c = strtoull(v, &end, 16);
	if (end == v || *end)
		fail_msg("%s: \"%s\" is not a capability mask", key, v);
	return c;
}

/* What the setuid helper holds while it works. */
static void check_working_state(const struct run *r)
{
	static const char *const capsets[] = { "CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd" };
	char v[128];
	unsigned uid[4], i;
	const char *line;

	for (i = 0; i < 5; i++) {
		unsigned long long c = hook_caps(r, capsets[i]);

		if (c & ~CAP_NET_ADMIN_MASK)
			fail_msg("%s is %016llx: more than CAP_NET_ADMIN", capsets[i], c);
	}
	assert_true(hook_caps(r, "CapEff") == CAP_NET_ADMIN_MASK);
	assert_string_equal(hook_value(r, "NoNewPrivs", v, sizeof(v)), "1");
	hook_value(r, "Uid", v, sizeof(v));
	if (sscanf(v, "%u %u %u %u", &uid[0], &uid[1], &uid[2], &uid[3]) != 4)
		fail_msg("Uid line \"%s\"", v);
	/* Real, effective, saved and fs uid: all the caller's, so the
	 * helper holds no root identity besides CAP_NET_ADMIN. */
	for (i = 0; i < 4; i++)
		if (uid[i] != NOBODY)
			fail_msg("Uid: %s; expected %d everywhere", v, NOBODY);

	/* Nothing on stderr but the hook (no libnl debug output, no noise). */
	for (line = r->err; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, "testhook[", 9))
			fail_msg("unexpected stderr line in:\n%s", r->err);
		if (!strchr(line, '\n'))
			break;
	}
	/* Its fds: 0-2, the socket and the tun queue(s), nothing else. */
	for (line = strstr(r->err, "testhook[working]: fd "); line;
	     line = strstr(line + 1, "testhook[working]: fd ")) {
		int fd;
		char target[256];

		if (sscanf(line, "testhook[working]: fd %d -> %255s", &fd, target) != 2)
			fail_msg("cannot parse the hook's fd lines:\n%s", r->err);
		if (fd > 2 && strncmp(target, "socket:", 7) && strcmp(target, "/dev/net/tun"))
			fail_msg("fd %d (%s) is open in the helper", fd, target);
	}
}

/* ---- tests --------------------------------------------------------------- */

static void test_allowed_bridge_works(void **state)
{
	struct run r;

	(void)state;
	acl("allow br0\n");
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_ok(&r, 1);
	assert_int_equal(r.len, 1);
	check_tap_on(&r, "br0");
	check_working_state(&r);
	close_fds(&r);
}

static void test_multiqueue_as_nobody(void **state)
{
	struct run r;
	struct nic nic;
	struct vmtap_err e = { "" };

	(void)state;
	acl("allow br0\n");
	AS_NOBODY(&r, suid_copy, "--br=br0", "--queues=3", "--vhost=off");
	expect_ok(&r, 3);
	nic_init(&nic);
	if (reply_decode(r.msg, r.len, r.nfds, &nic, &e) < 0)
		fail_msg("reply_decode: %s", e.msg);
	assert_int_equal(nic.queues, 3);
	check_tap_on(&r, "br0");
	check_working_state(&r);
	close_fds(&r);
}

/* libnl reads NLDBG and NLCB before main; the caller of a setuid program
 * must not be able to turn on its message dumps. */
static void test_environment_ignored(void **state)
{
	static const char *const env[] = { "NLDBG=7", "NLCB=debug", "NLSYSCONFDIR=/nonexistent",
					   NULL };
	struct run r;

	(void)state;
	acl("allow br0\n");
	run_as_nobody(&r, suid_copy, env, (const char *const[]){ "--br=br0", NULL });
	expect_ok(&r, 1);
	check_tap_on(&r, "br0");
	check_working_state(&r);
	close_fds(&r);
}

static void test_denied_bridge(void **state)
{
	struct run r;

	(void)state;
	acl("allow br0\n");
	AS_NOBODY(&r, suid_copy, "--br=br1");
	expect_fail(&r, "br1", "65534", ACL);
	acl("deny br0\nallow all\n");
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_fail(&r, "br0", "65534", ACL);
	AS_NOBODY(&r, suid_copy, "--br=br1");
	expect_ok(&r, 1);
	check_tap_on(&r, "br1");
	close_fds(&r);
}

/* bridge.conf is QEMU's grammar and grants no VLAN, even under "allow
 * all": without vmtapd, a VLAN through the setuid helper is refused before
 * anything is made.  isolated and mac_lock need no grant, but the bridge
 * still must be allowed. */
static void test_vlan_not_granted_by_bridge_conf(void **state)
{
	struct run r;

	(void)state;
	acl("allow all\n");
	AS_NOBODY(&r, suid_copy, "--br=br0", "--vlan=10");
	expect_fail(&r, "vlan=10: VLANs are granted only by vmtapd's policy", ACL,
		    "vmtapd is not running");
	AS_NOBODY(&r, suid_copy, "--br=br0", "--trunk=20,30-39");
	expect_fail(&r, "trunk=20:30-39: VLANs are granted only by vmtapd's policy");
	AS_NOBODY(&r, suid_copy, "--br=br0", "--vlan=10", "--trunk=10");
	expect_fail(&r, "vlan=10 is also in trunk=10");
	acl("allow br0\n");
	AS_NOBODY(&r, suid_copy, "--br=br1", "--isolated=on");
	expect_fail(&r, "br1", "65534", ACL);
}

static void test_acl_writable_by_others(void **state)
{
	struct run r;

	(void)state;
	write_file(ACL, "allow br0\n", 0, 0, 0666);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_fail(&r, ACL);
	write_file(ACL, "allow br0\n", 0, 0, 0664);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_fail(&r, ACL);
	/* Owned by the caller: not root's policy. */
	write_file(ACL, "allow br0\n", NOBODY, NOBODY, 0644);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_fail(&r, ACL);
}

/* The policy is read as the caller, which is how QEMU's per-user rules
 * work (README): an include the caller may not read is someone else's and
 * is skipped, so its allow does not apply and the bridge is refused; one
 * the caller can read applies, including a root:GROUP 0640 file for the
 * caller's group.  Any other failing include is an error naming it. */
static void test_include_read_as_caller(void **state)
{
	struct run r;

	(void)state;
	acl("include " INC "\n");
	write_file(INC, "allow br0\n", 0, 0, 0600);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_fail(&r, "br0", "65534");

	write_file(INC, "allow br0\n", 0, 0, 0644);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_ok(&r, 1);
	check_tap_on(&r, "br0");
	close_fds(&r);

	write_file(INC, "allow br0\n", 0, NOBODY, 0640);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_ok(&r, 1);
	check_tap_on(&r, "br0");
	check_working_state(&r);
	close_fds(&r);

	/* Not a per-user skip: a missing include, or one not root-owned. */
	write_file(INC, "allow br0\n", NOBODY, NOBODY, 0600);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_fail(&r, INC);
	unlink(INC);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_fail(&r, INC);
}

/* The top file itself unreadable by the caller. */
static void test_acl_unreadable(void **state)
{
	struct run r;

	(void)state;
	write_file(ACL, "allow br0\n", 0, 0, 0600);
	AS_NOBODY(&r, suid_copy, "--br=br0");
	expect_fail(&r, ACL);
}

static unsigned long sys_mtu(const char *ifname)
{
	char path[96], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifname);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	return strtoul(buf, NULL, 10);
}

/* The kernel sizes a bridge to its smallest port: a user's --mtu=68 would
 * drop all of br0 to 68 while the fd is held (and delete the host's IPv6
 * addresses on it).  Refused; at the bridge's MTU is fine. */
static void test_user_cannot_lower_bridge_mtu(void **state)
{
	struct run r;

	(void)state;
	acl("allow br0\n");
	assert_int_equal(sys_mtu("br0"), 1500);
	AS_NOBODY(&r, suid_copy, "--br=br0", "--mtu=68");
	expect_fail(&r, "mtu=68: below br0's MTU 1500");
	assert_int_equal(sys_mtu("br0"), 1500);
	AS_NOBODY(&r, suid_copy, "--br=br0", "--mtu=1499");
	expect_fail(&r, "mtu=1499: below br0's MTU 1500");

	/* vhost off: the test-host VM has /dev/vhost-net, and with it the
	 * extended reply would carry a vhost fd too. */
	AS_NOBODY(&r, suid_copy, "--br=br0", "--mtu=1500", "--vhost=off");
	expect_ok(&r, 1);
	check_tap_on(&r, "br0");
	assert_int_equal(sys_mtu("br0"), 1500);
	close_fds(&r);
}

/* A non-dumpable process's /proc/self files are root-owned and not
 * writable, so they passed the policy file check; their text is the
 * caller's: a setuid helper reached through a symlink named "allow br0"
 * has that comm, and `include /proc/self/comm` turned it into a rule.
 * Files on procfs (and sysfs and the like) are refused, by file system. */
static void test_include_on_procfs(void **state)
{
	char link[sizeof(dir) + 32];
	struct run r;

	(void)state;
	snprintf(link, sizeof(link), "%s/allow br0", dir);
	assert_int_equal(symlink(suid_copy, link), 0);
	acl("include /proc/self/comm\n");
	AS_NOBODY(&r, link, "--br=br0");
	unlink(link);
	close_fds(&r);
	expect_fail(&r, "/proc/self/comm", "procfs");
}

static void test_not_setuid_fails(void **state)
{
	struct run r;

	(void)state;
	acl("allow br0\n");
	AS_NOBODY(&r, plain_copy, "--br=br0");
	/* It names itself: which copy lacks the privilege. */
	expect_fail(&r, "no CAP_NET_ADMIN: ", plain_copy, " is not setuid root");
}

/* ---- setup ---------------------------------------------------------------- */

static void remove_dir(void)
{
	if (!dir_made)
		return;
	unlink(suid_copy);
	unlink(plain_copy);
	if (dir_mounted) {
		umount2(dir, MNT_DETACH);
		dir_mounted = false;
	}
	rmdir(dir);
	dir_made = false;
}

static int group_setup(void **state)
{
	struct vmtap_err e = { "" };
	struct nl_sock *sk = NULL;
	struct statvfs sv;
	struct stat st;
	int r;

	(void)state;
	if ((r = rtnl_open(&sk, &e)) < 0 || (r = bridge_create(sk, "br0", 0, &e)) < 0 ||
	    (r = bridge_create(sk, "br1", 0, &e)) < 0) {
		fprintf(stderr, "setup: %s\n", vmtap_err_text(&e, r));
		rtnl_close(sk);
		return -1;
	}
	rtnl_close(sk);
	if ((mkdir("/etc/qemu", 0755) < 0 && errno != EEXIST) || chown("/etc/qemu", 0, 0) < 0 ||
	    chmod("/etc/qemu", 0755) < 0) {
		fprintf(stderr, "setup: /etc/qemu: %s\n", strerror(errno));
		return -1;
	}

	if (!mkdtemp(dir)) {
		fprintf(stderr, "setup: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	dir_made = true;
	atexit(remove_dir);
	if (statvfs(dir, &sv) < 0) {
		fprintf(stderr, "setup: statvfs %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (sv.f_flag & ST_NOSUID) {
		/* /tmp is nosuid here: a tmpfs of our own, in the sandbox's
		 * private mount namespace, honours the setuid bit. */
		if (mount("vmtap-setuid", dir, "tmpfs", MS_NODEV, "mode=0755") < 0) {
			fprintf(stderr, "setup: %s is on a nosuid file system and a tmpfs "
				"cannot be mounted there: %s\n", dir, strerror(errno));
			return -1;
		}
		dir_mounted = true;
	}
	if (chmod(dir, 0755) < 0)
		return -1;
	snprintf(suid_copy, sizeof(suid_copy), "%s/vmtap-bridge-helper", dir);
	snprintf(plain_copy, sizeof(plain_copy), "%s/vmtap-bridge-helper-nosuid", dir);
	if (copy_file(HOOK, suid_copy, 04755) < 0 || copy_file(HOOK, plain_copy, 0755) < 0) {
		fprintf(stderr, "setup: cannot copy %s into %s: %s\n", HOOK, dir, strerror(errno));
		return -1;
	}
	if (stat(suid_copy, &st) < 0 || st.st_uid != 0 || (st.st_mode & 07777) != 04755) {
		fprintf(stderr, "setup: %s is not root-owned 04755\n", suid_copy);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	remove_dir();
	return 0;
}

int main(void)
{
	struct statfs sf;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed_bridge_works),
		cmocka_unit_test(test_multiqueue_as_nobody),
		cmocka_unit_test(test_environment_ignored),
		cmocka_unit_test(test_denied_bridge),
		cmocka_unit_test(test_vlan_not_granted_by_bridge_conf),
		cmocka_unit_test(test_acl_writable_by_others),
		cmocka_unit_test(test_include_read_as_caller),
		cmocka_unit_test(test_acl_unreadable),
		cmocka_unit_test(test_user_cannot_lower_bridge_mtu),
		cmocka_unit_test(test_include_on_procfs),
		cmocka_unit_test(test_not_setuid_fails),
	};

	if (!getenv("SANDBOX_INSIDE") || strcmp(getenv("SANDBOX_INSIDE"), "1") ||
	    statfs("/etc", &sf) < 0 || sf.f_type != OVERLAYFS_MAGIC || geteuid() != 0) {
		fprintf(stderr, "test_setuid: run me as root through tests/lib/sandbox.sh\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("setuid", tests, group_setup, group_teardown);
}
