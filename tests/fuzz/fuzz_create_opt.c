/* fuzz_create_opt.c — fuzz harness for vmtap create's command line
 * (helper/cli/create-opt.c), whose options are the table's NIC fields
 * (helper/core/field.c).  The input is split into arguments on NUL and
 * newline bytes (at most 64; argv[0] is "create").
 *
 * Besides the sanitizers' findings it aborts when a promise is broken: a
 * refusal comes with a one-line message; an accepted command line keeps
 * every field in the table's range (a bridge that is a valid name, queues
 * and MTU in range, a unicast MAC), is persistent, and gives no field
 * vmtap create does not take (ifname, vhost). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/cli/create-opt.h"
#include "helper/core/field.h"
#include "helper/core/ifname.h"
#include "promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmtap_err err = { { 0 } };
	struct create_args a;
	char *argv[FUZZ_MAX_ARGS + 2], *copy;
	int mark = promise_fd_mark(), argc, r;

	argc = fuzz_argv(data, size, "create", argv, &copy);
	if (argc < 0)
		return 0;
	r = create_args_parse(argc, argv, &a, &err);
	if (r < 0) {
		promise_one_line(err.msg);
	} else if (!a.help) {
		const struct nic_spec *s = &a.spec;
		unsigned j;

		if (!s->persist || s->ifname[0] || s->vhost != VHOST_OFF)
			abort();
		if (s->bridge[0] && !ifname_valid(s->bridge))
			abort();
		if (s->queues < 1 || s->queues > VMTAP_MAX_QUEUES)
			abort();
		if (s->mtu && (s->mtu < VMTAP_MTU_MIN || s->mtu > VMTAP_MTU_MAX))
			abort();
		if (s->has_mac && (s->mac[0] & 1))
			abort();
		/* Only fields vmtap create takes are given. */
		for (j = 0; j < nic_nfields; j++)
			if (!(nic_fields[j].fronts & FRONT_CREATE) &&
			    strcmp(nic_fields[j].key, "persist") &&
			    nic_field_given(s, &nic_fields[j]))
				abort();
	}
	free(copy);
	if (promise_fd_mark() != mark)
		abort();
	return 0;
}
