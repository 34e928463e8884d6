/* fuzz_helper_args.c — fuzz harness for vmtap-bridge-helper's command line
 * (helper/bridge-helper/args.c), which a setuid helper parses from whatever its
 * caller passes.  The input is split into arguments on NUL and newline
 * bytes (at most 64; argv[0] is the helper's name).
 *
 * Besides the sanitizers' findings it aborts when a promise in
 * args.h is broken: a refusal comes with a one-line message; an
 * accepted command line (other than --help or --version) names a valid
 * bridge and an fd above 2; its queues, MTU and ifname are in range; QEMU's
 * plain form (no extension option; a macvtap's MAC is none) asks for one
 * queue and no vhost, with a vnet header exactly when --use-vnet was
 * given; the extended form
 * always has a vnet header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/bridge-helper/args.h"
#include "helper/core/ifname.h"
#include "promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmtap_err err = { { 0 } };
	struct helper_args a;
	char *argv[MAX_ARGS + 2];
	char *copy = malloc(size + 1);
	int argc = 0, mark = promise_fd_mark(), r;
	size_t i, start = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = "vmtap-bridge-helper";
	for (i = 0; i <= size && argc <= MAX_ARGS; i++) {
		if (i == size || copy[i] == '\0' || copy[i] == '\n') {
			copy[i] = '\0';
			/* A trailing separator ends the list rather than adding "". */
			if (i < size || start < size)
				argv[argc++] = copy + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;

	r = helper_args_parse(argc, argv, &a, &err);
	if (r < 0) {
		promise_one_line(err.msg);
	} else if (!a.help && !a.version) {
		const struct nic_spec *s = &a.spec;

		/* A NIC is a tap on a bridge or a macvtap on a parent. */
		if (!(ifname_valid(s->bridge) || ifname_valid(s->macvtap)) || a.fd <= 2)
			abort();
		if (s->queues < 1 || s->queues > VMTAP_MAX_QUEUES)
			abort();
		if (s->mtu && (s->mtu < VMTAP_MTU_MIN || s->mtu > VMTAP_MTU_MAX))
			abort();
		if (s->ifname[0] && !ifname_valid(s->ifname))
			abort();
		if (s->has_mac && (s->mac[0] & 1))
			abort();
		if (!a.extended && (s->queues != 1 || s->vhost != VHOST_OFF ||
				    s->vnet_hdr != a.use_vnet || s->ifname[0] ||
				    (s->has_mac && !s->macvtap[0]) || s->mtu))
			abort();
		if (a.extended && !s->vnet_hdr)
			abort();
	}
	free(copy);
	if (promise_fd_mark() != mark)
		abort();
	return 0;
}
