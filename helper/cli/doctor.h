/* doctor.h — what `vmtap doctor` finds out about a host: can vmtap make
 * fast NICs here, and if not, what exactly to do about it.
 *
 * Each check ends as ok, warn (vmtap works, but less well or not for
 * everyone) or fail (something vmtap needs is broken), with one line
 * saying what was found and, unless ok, one line saying how to fix it.
 * The checks only look: they open device files and sockets, read files
 * and ask the kernel, and change nothing on the host.  The vhost self-test
 * is separate because it makes things: a network namespace of its own, a
 * bridge and a NIC inside it, all gone when it returns.
 *
 * Never prints (cmd-doctor.c does). */
#ifndef VMTAP_DOCTOR_H
#define VMTAP_DOCTOR_H

#include "helper/core/err.h"
#include "vhost/selftest.h"

/* vmtapd's policy: the Makefile's VMTAPD_CONF, as vmtapd reads it. */
#ifdef VMTAPD_CONF
#define VMTAPD_POLICY_FILE VMTAPD_CONF
#else
#define VMTAPD_POLICY_FILE "/etc/vmtap/vmtapd.conf"
#endif

/* The bridge the self-test makes inside its own namespace. */
#define DOCTOR_SELFTEST_BRIDGE "vmtst0"

enum doctor_status {
	DOCTOR_OK,
	DOCTOR_WARN,
	DOCTOR_FAIL,
};

struct doctor_check {
	char name[32];          /* "tun", "vhost-net", "bridge br0", ... */
	enum doctor_status status;
	char detail[320];       /* what was found */
	char fix[320];          /* "" when ok */
};

/* Enough for the fixed checks, DOCTOR_MAX_BRIDGES bridges and three
 * checks for each of DOCTOR_MAX_VXLAN VXLAN ports, and FRR's. */
#define DOCTOR_MAX_BRIDGES 64
#define DOCTOR_MAX_VXLAN 32
#define DOCTOR_MAX_CHECKS (20 + DOCTOR_MAX_BRIDGES + 3 * DOCTOR_MAX_VXLAN + 2)

struct doctor_report {
	unsigned n;
	struct doctor_check check[DOCTOR_MAX_CHECKS];
};

struct doctor_opts {
	const char *helper_path;  /* NULL: helper_default_path() */
	const char *socket_path;  /* NULL: VMTAPD_SOCKET */
	const char *acl_path;     /* NULL: VMTAP_ACL_FILE */
	const char *policy_path;  /* NULL: VMTAPD_POLICY_FILE */
	const char *user;         /* whose policy to report (name or uid); NULL: the caller */
};

/* One check into rep (nothing once it is full): fix is dropped when st is
 * DOCTOR_OK.  The one way checks are added, here and in doctor-overlay.c. */
struct doctor_check *doctor_add(struct doctor_report *rep, const char *name,
				enum doctor_status st, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The overlay's checks (doctor-overlay.c): for each VXLAN device that is a
 * bridge port, "vxlan NAME" (VNI, up), "vxlan NAME learning" (device and
 * port learning off, neigh_suppress), "vxlan NAME mtu" (bridge MTU +50,
 * +70 over IPv6, fits the underlay), then one "evpn" (FRR through vtysh
 * in PATH: knows each VNI, has an established EVPN peer).  Nothing when
 * there is no VXLAN port. */
void doctor_overlay(struct doctor_report *rep);

/* Runs every check, in a fixed order, into rep. */
void doctor_run(const struct doctor_opts *o, struct doctor_report *rep);

/* The worst status in rep. */
enum doctor_status doctor_worst(const struct doctor_report *rep);

/* "ok", "warn", "fail". */
const char *doctor_status_name(enum doctor_status s);

/* The vhost data-path self-test (vhost/selftest.h) where it cannot touch
 * the host's network: a child process unshares a network namespace, makes
 * bridge DOCTOR_SELFTEST_BRIDGE in it, gets a one-queue NIC with vhost=on
 * from provision(), runs the test and exits, taking the namespace and
 * everything in it along.  0 when tx and rx both held; else -errno with
 * one line in err (and what is known in res).  Needs root. */
int doctor_vhost_selftest(struct vhost_selftest_result *res, struct vmtap_err *err);

#endif
