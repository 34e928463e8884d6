/* fuzz_vmtapd_proto.c — fuzz harness for vmtapd's wire protocol
 * (helper/wire/proto.c): any bytes as a request (what the daemon does
 * with every packet a client sends), and the same bytes as a create-nic,
 * hello, create-persistent and delete-persistent reply (what a client does
 * with what the daemon sent).
 * Besides the sanitizers' findings it aborts when a promise is broken: a
 * refused request comes with a one-line message free of control bytes; an
 * accepted create-nic names a valid bridge (or macvtap parent) and a queue count in range, and
 * has "watch" only with a macvtap; an
 * accepted create-persistent is a persistent tap with valid names and no
 * owner of the client's choosing; an accepted delete-persistent holds
 * 1..VMTAPD_DELETE_MAX valid names, an accepted release-nic exactly one;
 * a decoded reply's counts match the fds
 * it came with; a decoded hello lists at most VMTAPD_HELLO_BRIDGES grants,
 * each of a valid bridge name or "all". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/core/ifname.h"
#include "promise.h"
#include "helper/wire/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal or a warning keeps err.h's promise (promise.h): one line with
 * no control byte.  Text from the peer may be UTF-8, shown as it is. */
static void clean_line(const char *msg)
{
	promise_one_line(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmtap_err err = { { 0 } }, warn = { { 0 } };
	struct vmtapd_request req;
	struct vmtapd_hello h;
	struct vmtapd_persistent p;
	struct nic nic;
	unsigned i, n;
	int r;

	r = vmtapd_request_decode((const char *)data, size, &req, &err);
	if (r < 0) {
		clean_line(err.msg);
	} else if (req.watch && req.op != VMTAPD_OP_CREATE_NIC) {
		abort();
	} else if (req.op == VMTAPD_OP_CREATE_NIC) {
		if ((!ifname_valid(req.spec.bridge) && !ifname_valid(req.spec.macvtap)) ||
		    req.spec.queues < 1 ||
		    req.spec.queues > VMTAP_MAX_QUEUES ||
		    (req.spec.ifname[0] && !ifname_valid(req.spec.ifname)) ||
		    (req.watch && !ifname_valid(req.spec.macvtap)))
			abort();
	} else if (req.op == VMTAPD_OP_CREATE_PERSISTENT) {
		if (!req.spec.persist || req.spec.mode == NIC_MODE_TUN || req.spec.has_owner ||
		    (!ifname_valid(req.spec.bridge) && !ifname_valid(req.spec.macvtap)) ||
		    !ifname_valid(req.spec.ifname) ||
		    req.spec.queues < 1 || req.spec.queues > VMTAP_MAX_QUEUES)
			abort();
	} else if (req.op == VMTAPD_OP_DELETE_PERSISTENT) {
		if (req.nnames < 1 || req.nnames > VMTAPD_DELETE_MAX)
			abort();
		for (i = 0; i < req.nnames; i++)
			if (!ifname_valid(req.names[i]))
				abort();
	} else if (req.op == VMTAPD_OP_RELEASE_NIC) {
		if (req.nnames != 1 || !ifname_valid(req.names[0]))
			abort();
	} else if (req.op != VMTAPD_OP_HELLO) {
		abort();
	}

	memset(&err, 0, sizeof(err));
	nic_init(&nic);
	r = vmtapd_nic_decode((const char *)data, size, 4, &nic, &warn, &err);
	if (r < 0)
		clean_line(err.msg);
	else if (nic.queues + nic.nvhost != 4 || !ifname_valid(nic.ifname))
		abort();
	if (warn.msg[0])
		clean_line(warn.msg);

	memset(&err, 0, sizeof(err));
	if (vmtapd_hello_decode((const char *)data, size, &h, &err) < 0) {
		clean_line(err.msg);
	} else {
		if (h.nbridges > VMTAPD_HELLO_BRIDGES || (h.nbridges && !h.has_bridges))
			abort();
		for (i = 0; i < h.nbridges; i++)
			if (strcmp(h.bridges[i].bridge, "all") && !ifname_valid(h.bridges[i].bridge))
				abort();
	}

	memset(&err, 0, sizeof(err));
	r = vmtapd_persistent_decode((const char *)data, size, 0, &p, &err);
	if (r < 0)
		clean_line(err.msg);
	else if (!ifname_valid(p.ifname))
		abort();

	memset(&err, 0, sizeof(err));
	if (vmtapd_deleted_decode("release-nic", (const char *)data, size, 0, &n, &err) < 0)
		clean_line(err.msg);
	return 0;
}
