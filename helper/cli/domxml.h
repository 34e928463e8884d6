/* domxml.h — libvirt domain XML, as vmtap reads it: the taps a domain's
 * metadata declares,
 *
 *   <metadata><vmtap:net xmlns:vmtap="urn:vmtap:libvirt:1">
 *     <vmtap:port dev="X" bridge="BR"/>...</vmtap:net></metadata>
 *
 * and what the <interface type='ethernet'> with <target dev='X'
 * managed='no'/> says about each (queues, MTU, guest MAC, and its
 * <bandwidth>'s inbound and outbound average/peak/burst, in KiB/s and KiB,
 * into the spec's limits).
 *
 * Domain XML is untrusted: at most DOMXML_MAX bytes, parsed without network
 * access and without loading or applying any DTD; a document with a
 * DOCTYPE at all is refused, so no entity is ever declared or expanded.
 *
 * Every function returns 0 or a negative errno with one line in err naming
 * the bad value and what was expected.  Never prints; never talks to
 * libvirt or the kernel.  libxml2 stays inside domxml.c: callers need not
 * include its headers (only programs that call these link it). */
#ifndef VMTAP_DOMXML_H
#define VMTAP_DOMXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

/* The namespace of vmtap's metadata.  Another "urn:vmtap:..." URI is
 * refused, not ignored: it is a typo or a version this vmtap does not
 * know, and skipping it would leave the domain's taps unmade. */
#define DOMXML_NS "urn:vmtap:libvirt:1"
#define DOMXML_NS_FAMILY "urn:vmtap:"
/* libvirt's domain XML is a few KiB; the cap only bounds a hostile one. */
#define DOMXML_MAX (4u << 20)
#define DOMXML_MAX_PORTS 64

struct domxml_port {
	/* From <vmtap:port>'s attributes: every NIC field the table lets the
	 * libvirt metadata carry (field.h, FRONT_LIBVIRT): dev= is ifname,
	 * bridge= the bridge; both are required.  With the interfaces
	 * checked, spec.guest_mac is the interface's <mac address> (a
	 * guest_mac attribute may only say the same). */
	struct nic_spec spec;
	/* From the port's <interface> (only when domxml_ports was asked to
	 * check the interfaces; else 1, 0, false). */
	unsigned queues;   /* <driver queues='N'>; 1 when absent */
	unsigned mtu;      /* <mtu size='N'>; 0 when absent (the bridge's) */
	bool has_mac;      /* <mac address='...'>: the guest's MAC */
	uint8_t mac[6];
};

/* Reads fd to its end into *buf (malloc'ed, NUL-terminated; *len without
 * the NUL).  -EFBIG past DOMXML_MAX bytes.  what names the input in
 * messages ("the domain XML on stdin"). */
int domxml_read_fd(int fd, const char *what, char **buf, size_t *len, struct vmtap_err *err);

/* The ports of the domain's metadata: names valid (ifname.h), none twice,
 * at most DOMXML_MAX_PORTS; *nports is 0 when there is no vmtap metadata.
 * With interfaces set (libvirt-hook's prepare) every port must also have
 * its <interface> in <devices>: type='ethernet', managed='no', queues in
 * 1..VMTAP_MAX_QUEUES, MTU in VMTAP_MTU_MIN..MAX, a unicast guest MAC; and
 * the port's queues, mtu and mac are filled from it.  ports has room for
 * DOMXML_MAX_PORTS. */
int domxml_ports(const char *what, const char *xml, size_t len, bool interfaces,
		 struct domxml_port *ports, unsigned *nports, struct vmtap_err *err);

/* The <interface> whose <target dev> is dev, serialised into *text
 * (malloc'ed), as virDomainDetachDeviceFlags wants it.  -ENOENT when no
 * interface has that target, -EINVAL when it is not type='ethernet'. */
int domxml_interface(const char *what, const char *xml, size_t len, const char *dev,
		     char **text, struct vmtap_err *err);

#endif
