/* vmtap-bridge-helper — a drop-in for qemu-bridge-helper.
 *
 * QEMU runs it as `vmtap-bridge-helper --use-vnet --fd=N --br=BRIDGE` and
 * reads one byte with one tap fd (SCM_RIGHTS) from socket N.  With any
 * extension option it sends the extended reply instead (reply.h): a JSON
 * header with the tap's queue fds and vhost-net fds.
 *
 * The order below is the security argument: parse argv (pure); close every
 * inherited fd; open the device files while privileged; become the caller
 * with CAP_NET_ADMIN only and no_new_privs; read the ACL as the caller;
 * make the tap; drop every capability; only then talk to the peer.
 *
 * Broker mode comes first: when vmtapd answers on its socket, the daemon
 * does the privileged work under its own policy (bridge.conf is not read)
 * and this helper only relays, so it works without setuid or capabilities
 * at all.  The connect is made with the caller's effective ids, because
 * that is what the kernel records for the daemon (SO_PEERCRED), and the
 * helper drops every privilege for good before it sends the daemon a
 * byte.  Only "no daemon" (no socket, or nobody listening) falls through
 * to the privileged path; a daemon's refusal is final, and says it is
 * vmtapd's.  The admin turns broker mode off with VMTAP_NO_BROKER_FILE
 * (obtain.h): then bridge.conf decides even while vmtapd runs.
 *
 * A macvtap (--macvtap=DEV) comes only in broker mode: vmtapd deletes it
 * when a process exits, and this helper exits once it has sent the fds.
 * So the request names the process at the other end of --fd with a pidfd
 * (SO_PEERPIDFD: the process that made the socket pair — QEMU, or `vmtap
 * exec` that becomes QEMU), which vmtapd checks is the caller's and
 * watches.  Not getppid(): QEMU runs a helper command through /bin/sh -c,
 * and dash does not exec the last command, so the parent is a shell that
 * exits with the helper.  Without vmtapd it is refused: bridge.conf's
 * grammar (QEMU's) grants no macvtap, and nobody would delete it.
 *
 * Without the daemon, a bridge that does not exist is reported as missing
 * before the ACL is read: the cause first.  That tells the caller nothing
 * it cannot already see: every interface name in its network namespace is
 * readable by any user (/sys/class/net, if_nameindex()). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bridge/port.h"
#include "helper/core/acl.h"
#include "helper/core/fdpass.h"
#include "helper/core/field.h"
#include "helper/core/ifname.h"
#include "helper/bridge-helper/args.h"
#include "helper/core/priv.h"
#include "helper/core/provision.h"
#include "helper/core/reply.h"
#include "helper/wire/obtain.h"
#include "helper/wire/client.h"

static const char *prog = "vmtap-bridge-helper";

static void usage(void)
{
	char ext[2048];

	printf("Usage: %s --br=BRIDGE --fd=N [--use-vnet] [EXTENSIONS]\n"
	       "\n"
	       "Creates a tap device, makes it a port of BRIDGE and sends its file\n"
	       "descriptor over the AF_UNIX socket N.  QEMU runs it for\n"
	       "  -netdev bridge,br=BRIDGE,helper=%s\n"
	       "  -netdev tap,helper=\"%s --br=BRIDGE\"\n"
	       "and then it answers like qemu-bridge-helper: one byte, one tap fd.\n"
	       "\n"
	       "Access is decided by %s (QEMU's grammar:\n"
	       "allow NAME|all, deny NAME|all, include PATH; deny wins; default deny).\n"
	       "\n"
	       "Broker mode: when vmtapd answers on %s, the tap comes from\n"
	       "it, under its policy, and this helper needs no privilege at all.\n"
	       "\n"
	       "Extensions (any of them selects the extended reply: a JSON header plus\n"
	       "the tap fds, one per queue, then the vhost-net fds):\n"
	       "%s"
	       "\n"
	       "  --help             this text\n"
	       "  --version          the version\n",
	       prog, prog, prog, VMTAP_ACL_FILE, VMTAPD_SOCKET,
	       nic_field_help(FRONT_HELPER, (const char *const[]){ "bridge", NULL }, ext,
			      sizeof(ext)));
}

static int die(const struct vmtap_err *err, int r)
{
	fprintf(stderr, "%s: %s\n", prog, vmtap_err_text(err, r));
	return 1;
}

#ifdef VMTAP_TEST_HOOKS
#include <dirent.h>

/* Every open fd and what it is ("testhook[W]: fd 3 -> /dev/net/tun"), so a
 * test can see that nothing it leaked in survived priv_enter. */
static void testhook_fds(const char *when)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[64], target[256];
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		fprintf(stderr, "testhook[%s]: fd %ld -> %s\n", when, fd, target);
	}
	closedir(d);
}

/* Test builds only (never installed): show the test what this process
 * holds while it works. */
static void testhook_status(const char *when)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) ||
		    !strncmp(line, "Uid", 3))
			fprintf(stderr, "testhook[%s]: %s", when, line);
	fclose(f);
	testhook_fds(when);
}
#else
static void testhook_status(const char *when)
{
	(void)when;
}
#endif

static int send_nic(int fd, bool extended, const struct nic *nic)
{
	int fds[NIC_FDS_MAX];
	char hdr[REPLY_MAX];
	size_t len;
	int r;

	if (!extended)
		return fd_send(fd, "", 1, &nic->tapfd[0], 1);
	if ((r = reply_encode(nic, hdr, sizeof(hdr), &len)) < 0)
		return r;
	return fd_send(fd, hdr, len, fds, nic_fds_flatten(nic, fds));
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

/* A pidfd of the process that holds the other end of the --fd socket
 * (for a socket pair, the one that made it): the one that receives the
 * fds, so the one whose exit is to delete a macvtap. */
static int receiver_pidfd(int fd, int *out, struct vmtap_err *err)
{
	socklen_t len = sizeof(int);

	*out = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, out, &len) < 0) {
		*out = -1;
		return vmtap_fail(err, -errno, "--macvtap: cannot get a pidfd of the process on "
				  "--fd=%d (SO_PEERPIDFD, Linux 6.5): %s; vmtapd deletes the macvtap "
				  "when that process exits", fd, strerror(errno));
	}
	return 0;
}

/* -ENOENT or -ECONNREFUSED, with no message, when no daemon answers. */
static int from_daemon(const struct priv *p, int fd, const struct nic_spec *spec,
		       struct nic *nic, struct vmtap_err *warn, struct vmtap_err *err)
{
	struct vmtap_err cerr = { "" };
	struct vmtapd_client *c = NULL;
	int r, back, pidfd = -1;

	if ((r = priv_as_caller(p, err)) < 0)
		return r;
	r = vmtapd_client_open(VMTAPD_SOCKET, &c, &cerr);
	if ((back = priv_as_self(p, err)) < 0) {
		vmtapd_client_close(c);
		return back;
	}
	if (r == -ENOENT || r == -ECONNREFUSED)
		return r;
	if (r < 0)
		return vmtap_fail(err, r, "%s", cerr.msg);
	if ((r = priv_drop_to_caller(p, err)) == 0 && spec->macvtap[0])
		r = receiver_pidfd(fd, &pidfd, err);
	if (r == 0) {
		testhook_status("broker");
		r = vmtapd_client_create_nic_watched(c, spec, pidfd, nic, err);
	}
	if (r == 0 && vmtapd_client_warning(c)[0])
		vmtap_fail(warn, 0, "%s", vmtapd_client_warning(c));
	if (pidfd >= 0)
		close(pidfd);
	vmtapd_client_close(c);
	return r;
}

/* vmtapd's refusal, saying whose policy it is and why bridge.conf was not
 * asked. */
static int broker_refused(struct vmtap_err *err, int r)
{
	char why[sizeof(err->msg)];

	snprintf(why, sizeof(why), "%s", err->msg);
	err->msg[0] = '\0'; /* vmtap_fail keeps a first message: this one replaces it */
	return vmtap_fail(err, r,
			  "refused by vmtapd's policy (broker mode): %s; %s does not apply while "
			  "vmtapd answers on %s (%s turns broker mode off)", why, VMTAP_ACL_FILE,
			  VMTAPD_SOCKET, VMTAP_NO_BROKER_FILE);
}

int main(int argc, char **argv)
{
	struct vmtap_err err = { "" }, vhost_skipped = { "" };
	struct helper_args a;
	struct priv p;
	struct nic nic;
	struct acl *acl = NULL;
	struct nl_sock *sk = NULL;
	int r;

	if (priv_std_fds() < 0)
		return 1;
	if ((r = helper_args_parse(argc, argv, &a, &err)) < 0)
		return die(&err, r);
	if (a.help) {
		usage();
		return 0;
	}
	if (a.version) {
		printf("%s %s\n", prog, VMTAP_VERSION);
		return 0;
	}
	if ((r = priv_enter_unchecked(&p, a.fd, &err)) < 0)
		return die(&err, r);
	/* Nothing here needs the environment, and what a caller of a setuid
	 * program puts there is not to be trusted. */
	clearenv();
	if ((r = priv_check_unix_fd(a.fd, &err)) < 0 ||
	    (r = nic_spec_check(&a.spec, &err)) < 0)
		return die(&err, r);

	if ((r = broker_mode_off(&err)) < 0)
		return die(&err, r);
	/* A macvtap only through vmtapd (the top). */
	if (r && a.spec.macvtap[0])
		return die(&err, vmtap_fail(&err, -EPERM, "--macvtap=%s: macvtap NICs are granted "
					    "only by vmtapd's policy, and broker mode is off (%s)",
					    a.spec.macvtap, VMTAP_NO_BROKER_FILE));
	r = r ? -ENOENT : from_daemon(&p, a.fd, &a.spec, &nic, &vhost_skipped, &err);
	if (r == 0) {
		if (vhost_skipped.msg[0])
			fprintf(stderr, "%s: %s\n", prog, vhost_skipped.msg);
		goto send;
	}
	if (r == -EPERM || r == -EACCES)
		return die(&err, broker_refused(&err, r));
	if (r != -ENOENT && r != -ECONNREFUSED)
		return die(&err, r);
	if (a.spec.macvtap[0])
		return die(&err, vmtap_fail(&err, -EPERM, "--macvtap=%s: macvtap NICs are granted "
					    "only by vmtapd's policy, and none answers at "
					    VMTAPD_SOCKET " (vmtapd deletes the macvtap when QEMU "
					    "exits; %s grants no macvtap)", a.spec.macvtap,
					    VMTAP_ACL_FILE));
	/* Plain mode would open the namespace as root for its caller; only
	 * vmtapd judges an fd the caller opened itself (netns.h). */
	if (a.spec.netns[0])
		return die(&err, vmtap_fail(&err, -EPERM, "--netns=%s: only through vmtapd (none "
					    "answers at " VMTAPD_SOCKET "), which checks that the "
					    "namespace is yours", a.spec.netns));
	r = a.spec.bridge[0] ? ifname_index(a.spec.bridge, &(int){ 0 }) : 0;
	if (r == -ENODEV)
		return die(&err, vmtap_fail(&err, r,
					    "bridge %s does not exist (ip link add %s type bridge "
					    "makes it)", a.spec.bridge, a.spec.bridge));
	if (r < 0)
		return die(&err, vmtap_fail(&err, r, "cannot look up bridge %s: %s",
					    a.spec.bridge, strerror(-r)));
	if ((r = priv_check_net_admin(&err)) < 0)
		return die(&err, r);

	if ((r = nic_devs_open(&a.spec, &nic, &vhost_skipped, &err)) < 0)
		return die(&err, r);
	if ((r = priv_keep_net_admin(&p, &err)) < 0)
		goto fail_nic;

	if ((r = acl_load(VMTAP_ACL_FILE, &acl, &err)) < 0)
		goto fail_nic;
	/* bridge.conf grants no VLAN: only vmtapd's policy does. */
	r = acl_check_nic(acl, NULL, &a.spec, p.uid, &err);
	acl_free(acl);
	if (r < 0)
		goto fail_nic;

	if ((r = rtnl_open(&sk, &err)) < 0)
		goto fail_nic;
	/* As the real user: a user may not lower the bridge's MTU. */
	r = provision(sk, &a.spec, p.uid, &nic, &err);
	rtnl_close(sk);
	if (r < 0)
		return die(&err, r);
	/* Said only once the NIC exists: on failure the one line is the error. */
	if (vhost_skipped.msg[0])
		fprintf(stderr, "%s: %s; going on without vhost-net\n", prog, vhost_skipped.msg);
	testhook_status("working");

	if ((r = priv_drop_all(&err)) < 0)
		goto fail_nic;
send:
	if ((r = send_nic(a.fd, a.extended, &nic)) < 0) {
		r = vmtap_fail(&err, r, "cannot send the tap on --fd=%d: %s", a.fd, strerror(-r));
		goto fail_nic;
	}
	nic_close(&nic);
	return 0;

fail_nic:
	nic_close(&nic);
	return die(&err, r);
}
