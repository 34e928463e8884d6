/* macvtap.h — a NIC on an uplink: a macvtap made on a parent device
 * instead of a tap on a bridge (README, "macvtap: a NIC on an uplink").
 *
 * Owns: what a macvtap spec may say (macvtap_spec_check), making one all
 * or nothing (provision_macvtap, which provision() calls for a spec that
 * names a parent), opening its character device safely where no udev
 * made /dev/tapN, and the mark that says whose it is (its alias).
 *
 * Why a mark: a tap goes with its last fd, a macvtap does not (the
 * character device's queues are not the link's owners), so a macvtap
 * that nobody deletes is left behind and its MAC then blocks the next
 * start ("Address already in use").  A macvtap made for a process is
 * marked "vmtap:macvtap:PID:START" (START: the process's start time, so
 * a reused pid is not taken for its owner); vmtapd watches that process
 * and deletes the macvtap when it exits, and at start deletes every
 * marked macvtap whose process is gone (macvtap_reap).  A persistent
 * macvtap (vmtap create) is marked VMTAP_ALIAS, like a persistent tap,
 * and is deleted by `vmtap delete`.
 *
 * In another network namespace (netns=, netns.h) the mark is the same;
 * vmtapd's watch keeps that namespace's fd and deletes it there.  At
 * start vmtapd reaps its own namespace only: it holds no fd of any
 * other after a restart, and a macvtap left in one goes with it.
 *
 * Must never: delete a macvtap it did not mark; open a device node that
 * is not the macvtap it just made (fstat's st_rdev against sysfs). */
#ifndef VMTAP_MACVTAP_H
#define VMTAP_MACVTAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

struct nl_sock;

#define MACVTAP_ALIAS_PREFIX "vmtap:macvtap:"

/* The rules of a spec that names a parent (called by nic_spec_check):
 * no bridge, a macvtap mode (tap, the default, is bridge), none of a
 * bridge port's fields, no owner or group (a macvtap's node has none),
 * mac equal to guest_mac when both are given.  netns= is allowed: the
 * macvtap is then made there, on that namespace's parent (netns.h). */
int macvtap_spec_check(const struct nic_spec *spec, struct vmtap_err *err);

/* The macvtap's MAC: guest_mac, else mac; false when neither. */
bool macvtap_spec_mac(const struct nic_spec *spec, uint8_t out[6]);

/* Makes the macvtap spec asks for, down, marked, then up, and opens its
 * character device spec->queues times into out->tapfd[] (each open is one
 * queue); out's vhost fds (nic_devs_open) stay.  owner: the process whose
 * exit deletes it (0: this one); ignored for a persistent spec, which gets
 * no fd (out->queues 0).  All or nothing: on any failure the link is
 * deleted and every fd of out closed.  as: as provision() (a caller
 * acting for a user may not pick an MTU above the parent's). */
int provision_macvtap(struct nl_sock *sk, const struct nic_spec *spec, uint32_t as,
		      pid_t owner, struct nic *out, struct vmtap_err *err);

/* provision_macvtap whose character device's MAJ:MIN is read under
 * sysfs, a sysfs root of sk's namespace (macvtap_sysfs_open), instead of
 * /sys (-1): for a macvtap made in another network namespace, whose
 * /sys/class/net is not this process's /sys. */
int provision_macvtap_at(struct nl_sock *sk, const struct nic_spec *spec, uint32_t as,
			 pid_t owner, int sysfs, struct nic *out, struct vmtap_err *err);

/* *fd: the root of a sysfs of the calling thread's network namespace,
 * mounted nowhere (fsopen + fsmount; closing it is the unmount).  Needs
 * CAP_SYS_ADMIN (netns.c's thread has it). */
int macvtap_sysfs_open(int *fd, struct vmtap_err *err);

/* The nic_mode of a MACVLAN_MODE_* (bridge for one vmtap does not know). */
enum nic_mode macvtap_nic_mode(uint32_t kernel_mode);

/* A process's start time (field 22 of /proc/PID/stat): 0 or -errno
 * (-ESRCH: no such process). */
int macvtap_proc_start(pid_t pid, unsigned long long *start);

/* The owner an alias marks: true for "vmtap:macvtap:PID:START". */
bool macvtap_alias_owner(const char *alias, pid_t *pid, unsigned long long *start);

/* Called by macvtap_reap for a marked macvtap whose owner lives. */
typedef void macvtap_alive_fn(int ifindex, const char *name, pid_t pid, void *arg);

/* Deletes every macvtap of sk's namespace marked for a process that is
 * gone (no such pid, or another start time), and calls alive for the
 * others (alive may be NULL).  *deleted: how many went. */
int macvtap_reap(struct nl_sock *sk, macvtap_alive_fn *alive, void *arg, unsigned *deleted,
		 struct vmtap_err *err);

/* Deletes link ifindex if it is still a macvtap marked for pid: what
 * vmtapd does when that process exits.  0 also when it is gone already. */
int macvtap_delete_owned(struct nl_sock *sk, int ifindex, pid_t pid, struct vmtap_err *err);

#endif
