/* create-opt.h — vmtap create's command line:
 *
 *   vmtap create NAME [--socket PATH] [--help] [--KEY VALUE | --KEY=VALUE]...
 *
 * where every --KEY is a NIC field of the table that vmtap create takes
 * (field.h, FRONT_CREATE; a bool is a bare flag such as --vnet-hdr), and
 * a user's or group's id field takes a name too.
 * Pure parsing: what goes together (tun and a bridge) and whether to ask
 * vmtapd is cmd-tap.c's. */
#ifndef VMTAP_CREATE_OPT_H
#define VMTAP_CREATE_OPT_H

#include <stdbool.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

struct create_args {
	struct nic_spec spec;              /* persist, vnet_hdr off unless asked */
	const char *name, *sock;           /* NAME not checked yet */
	const char *owner_arg, *group_arg; /* as typed, "" when not given */
	bool help;                         /* --help: nothing after it is read */
};

int create_args_parse(int argc, char **argv, struct create_args *a, struct vmtap_err *err);

#endif
