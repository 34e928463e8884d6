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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmtap_err err = { { 0 } };
	struct helper_args a;
	char *argv[FUZZ_MAX_ARGS + 2], *copy;
	int mark = promise_fd_mark(), argc, r;

	argc = fuzz_argv(data, size, "vmtap-bridge-helper", argv, &copy);
	if (argc < 0)
		return 0;
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
