/* args.h — vmtap-bridge-helper's command line.
 *
 * QEMU calls the helper as `HELPER --use-vnet --fd=N --br=BRIDGE` (in any
 * order).  Any extension option — every NIC field of the table that the
 * helper takes (field.h, FRONT_HELPER) but the bridge, and for a macvtap
 * its parent, mode and MAC: --queues, --vhost, ... — switches the reply to
 * the extended one (reply.h).  A macvtap for QEMU itself is
 * `-netdev tap,helper="HELPER --macvtap=DEV --br="`: an empty --br= stops
 * QEMU adding --br=br0, and is taken only with --macvtap.
 * Pure parsing: no fd is looked at here. */
#ifndef VMTAP_HELPER_ARGS_H
#define VMTAP_HELPER_ARGS_H

#include <stdbool.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

struct helper_args {
	struct nic_spec spec;
	int fd;          /* --fd, -1 if not given */
	bool use_vnet;
	bool extended;   /* an extension option was given */
	bool help;
	bool version;
};

int helper_args_parse(int argc, char **argv, struct helper_args *a, struct vmtap_err *err);

#endif
