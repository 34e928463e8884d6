/* fuzz_domxml.c — fuzz harness for the libvirt domain XML reader
 * (helper/cli/domxml.c): any bytes as the XML libvirt's hook gets on stdin,
 * read both as the hook reads it at prepare (ports and their interfaces)
 * and at release (ports only), and as detach reads the live XML (the
 * <interface> on vh0).
 *
 * Besides the sanitizers' findings it aborts when a promise in domxml.h is
 * broken: a refusal comes with a one-line message and no ports; accepted
 * ports have valid, distinct names, a bridge or a macvtap parent (a valid
 * name each), no mode tun, queues in 1..VMTAP_MAX_QUEUES, an MTU
 * of 0 or in range and a unicast MAC; whatever prepare accepts, release
 * accepts with the same ports; an interface found is an <interface>
 * element; no fd is left open. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/cli/domxml.h"
#include "helper/core/ifname.h"
#include "promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ports(const struct domxml_port *p, unsigned n, bool interfaces)
{
	unsigned i, j;

	if (n > DOMXML_MAX_PORTS)
		abort();
	for (i = 0; i < n; i++) {
		/* A bridge or a macvtap's parent, each a valid name if given;
		 * never a tun device (libvirt opens a port as a tap). */
		if (!ifname_valid(p[i].spec.ifname) ||
		    (!p[i].spec.bridge[0] && !p[i].spec.macvtap[0]) ||
		    (p[i].spec.bridge[0] && !ifname_valid(p[i].spec.bridge)) ||
		    (p[i].spec.macvtap[0] && !ifname_valid(p[i].spec.macvtap)) ||
		    p[i].spec.mode == NIC_MODE_TUN)
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(p[i].spec.ifname, p[j].spec.ifname))
				abort();
		if (p[i].queues < 1 || p[i].queues > VMTAP_MAX_QUEUES)
			abort();
		if (p[i].mtu && (p[i].mtu < VMTAP_MTU_MIN || p[i].mtu > VMTAP_MTU_MAX))
			abort();
		if (p[i].has_mac && (p[i].mac[0] & 1))
			abort();
		if (!interfaces && (p[i].queues != 1 || p[i].mtu || p[i].has_mac))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domxml_port prep[DOMXML_MAX_PORTS], rel[DOMXML_MAX_PORTS];
	struct vmtap_err err = { { 0 } };
	const char *xml = (const char *)data;
	unsigned nprep = 99, nrel = 99;
	int mark = promise_fd_mark(), r, rr;
	char *text = (char *)1;

	r = domxml_ports("fuzz", xml, size, true, prep, &nprep, &err);
	if (r < 0) {
		promise_one_line(err.msg);
		if (nprep != 0)
			abort();
	} else {
		check_ports(prep, nprep, true);
	}

	memset(&err, 0, sizeof(err));
	rr = domxml_ports("fuzz", xml, size, false, rel, &nrel, &err);
	if (rr < 0) {
		promise_one_line(err.msg);
		if (nrel != 0 || r == 0)
			abort();
	} else {
		check_ports(rel, nrel, false);
		if (r == 0) {
			unsigned i;

			if (nrel != nprep)
				abort();
			for (i = 0; i < nrel; i++)
				if (strcmp(rel[i].spec.ifname, prep[i].spec.ifname) || strcmp(rel[i].spec.bridge, prep[i].spec.bridge))
					abort();
		}
	}

	memset(&err, 0, sizeof(err));
	r = domxml_interface("fuzz", xml, size, "vh0", &text, &err);
	if (r < 0) {
		promise_one_line(err.msg);
		if (text)
			abort();
	} else {
		if (!text || strncmp(text, "<interface", 10))
			abort();
		free(text);
	}
	if (promise_fd_mark() != mark)
		abort();
	return 0;
}
