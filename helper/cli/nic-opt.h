/* nic-opt.h — the NIC SPEC that front ends take on their command line:
 *
 *   BRIDGE[,KEY=VALUE]...
 *   bridge=BRIDGE[,KEY=VALUE]...
 *
 * KEY: id=ID, model=DEV, and every NIC field of the table that claims
 * FRONT_SPEC (field.h; nic_opt_help lists them), with queues=auto too.
 *
 * The keys but id and model are the table's NIC fields (field.h) that
 * vmtap's NIC SPEC takes; mac is the guest's MAC (as in libvirt's <mac address=…>); the tap's own
 * MAC is derived from it (nic_opt_tap_mac). */
#ifndef VMTAP_NIC_OPT_H
#define VMTAP_NIC_OPT_H

#include <stdbool.h>
#include <stdint.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

#define NIC_ID_MAX 32
#define NIC_MODEL_MAX 64
#define NIC_AUTO_QUEUES_MAX 8

struct nic_opt {
	struct nic_spec spec;  /* spec.mac is unused here: see guest_mac */
	char id[NIC_ID_MAX];   /* "" = net0, net1, ... */
	char model[NIC_MODEL_MAX];
	bool queues_auto;
	bool has_guest_mac;
	uint8_t guest_mac[6];
};

int nic_opt_parse(const char *s, struct nic_opt *o, struct vmtap_err *err);

/* The SPEC's own keys, which are no field of the table: "id", "model",
 * NULL. */
extern const char *const nic_opt_own_keys[];

/* The SPEC's keys for --help, one "  KEY=VALUE  what" line each, into buf:
 * the table's (field.h) and the SPEC's own. */
const char *nic_opt_help(char *buf, size_t cap);

/* Guest MAC: the given one, or 52:54:00:xx:xx:xx (QEMU's prefix) at
 * random.  Tap MAC: fe + the guest MAC's last five bytes, as libvirt does —
 * never the guest's own MAC, or the bridge would take the guest's frames
 * for its own. */
int nic_opt_fill_macs(struct nic_opt *o);

#endif
