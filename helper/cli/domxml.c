/* domxml.c — libvirt domain XML (see domxml.h).
 *
 * Hardening, and why: libxml2 parses with XML_PARSE_NONET and without
 * NOENT, DTDLOAD, DTDATTR or HUGE, so it fetches nothing, substitutes no
 * entity and keeps its own size limits; on top of that the SAX
 * internalSubset callback stops the parser at the first <!DOCTYPE>, before
 * any declaration inside it is read, so neither an external entity nor a
 * "billion laughs" tree of internal ones can exist.  libvirt never sends a
 * DTD, so nothing legitimate is lost.
 *
 * Every parse has its own state (the first error, the DOCTYPE flag) in the
 * parser context's _private, so two threads may parse at once.
 *
 * Never: prints (libxml2's own error printing is off: its first error
 * comes back in our one line), loads anything from the network or the
 * file system. */
#include "helper/cli/domxml.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "helper/core/field.h"
#include "helper/core/ifname.h"
#include "helper/core/parse.h"

/* What one <interface> says that matters to a vmtap port.  Each value is
 * kept as text too, so a refusal can quote it. */
struct iface {
	char type[24];
	char dev[IFNAMSIZ];
	char managed[8];      /* "" when the attribute is absent */
	bool has_queues, has_mtu, has_mac;
	char queues[24];      /* <driver queues> */
	char mtu[24];         /* <mtu size> */
	char mac[24];         /* <mac address> */
	/* <bandwidth><inbound .../><outbound .../>: average, peak, burst
	 * (libvirt's units: KiB/s, KiB/s, KiB); [0] inbound, [1] outbound. */
	bool has_bw[2];
	char bw[2][3][24];
};

static const char *const bw_dir[2] = { "inbound", "outbound" };
static const char *const bw_attr[3] = { "average", "peak", "burst" };

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST name);
}

static const char *ns_of(const xmlNode *n)
{
	return n->ns && n->ns->href ? (const char *)n->ns->href : NULL;
}

static bool in_ns(const xmlNode *n)
{
	return ns_of(n) && !strcmp(ns_of(n), DOMXML_NS);
}

/* The first child element called name, in no namespace (libvirt's own
 * elements have none). */
static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (n = n->children; n; n = n->next)
		if (is(n, name) && !n->ns)
			return n;
	return NULL;
}

/* An attribute's value copied into buf; false when absent or too long.
 * A value too long leaves a prefix marked "..." for the message that
 * refuses it (so "present" is: true, or buf not empty). */
/* Room for an attribute's value: more than any valid one, so a long one
 * is refused whole, shown cut. */
#define DOMXML_ATTR_MAX 64

static bool attr(const xmlNode *n, const char *name, char *buf, size_t cap)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
	size_t len;

	buf[0] = '\0';
	if (!v)
		return false;
	len = strlen((const char *)v);
	if (len >= cap) {
		snprintf(buf, cap, "%.*s...", (int)(cap > 4 ? cap - 4 : 0), (const char *)v);
		xmlFree(v);
		return false;
	}
	memcpy(buf, v, len + 1);
	xmlFree(v);
	return true;
}

/* One parse's own state, in the parser context's _private. */
struct parse_state {
	bool doctype;
	bool have_error;
	int line;
	char msg[160];
};

/* The parser's first error: later ones are usually its consequences
 * ("premature end of data" after a tag left open).  libxml2 passes the
 * context's userData, which is the context itself. */
static void keep_first_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr c = data;
	struct parse_state *s = c ? c->_private : NULL;

	if (!s || s->have_error || !e || e->level < XML_ERR_ERROR)
		return;
	s->have_error = true;
	s->line = e->line;
	snprintf(s->msg, sizeof(s->msg), "%s", e->message ? e->message : "not well-formed");
	s->msg[strcspn(s->msg, "\r\n")] = '\0';
}

/* Messages libxml2 would print itself, bypassing the parser context. */
static void no_print(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static void no_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr c = ctx;
	struct parse_state *s = c->_private;

	(void)name;
	(void)ext;
	(void)sys;
	s->doctype = true;
	xmlStopParser(c);
}

/* The document in buf, with a <domain> root; *out to xmlFreeDoc. */
static int parse(const char *what, const char *buf, size_t len, xmlDocPtr *out,
		 struct vmtap_err *err)
{
	struct parse_state st = { false, false, 0, "" };
	xmlStructuredErrorFunc old_serror;
	xmlGenericErrorFunc old_error;
	void *old_sctx, *old_ctx;
	xmlParserCtxtPtr c;
	xmlDocPtr doc;
	int r = 0;

	*out = NULL;
	if (len > DOMXML_MAX)
		return vmtap_fail(err, -EFBIG, "%s is larger than %u MiB (%zu bytes); expected a "
				  "domain definition", what, DOMXML_MAX >> 20, len);
	LIBXML_TEST_VERSION
	c = xmlNewParserCtxt();
	if (!c)
		return vmtap_fail(err, -ENOMEM, "cannot allocate an XML parser");
	c->sax->internalSubset = no_dtd;
	c->sax->serror = keep_first_error;
	c->_private = &st;
	/* Some errors (a byte the declared encoding cannot convert) are
	 * raised without the parser context and would go to stderr: for the
	 * parse, this thread's handlers take them too, then are put back. */
	old_serror = xmlStructuredError;
	old_sctx = xmlStructuredErrorContext;
	old_error = xmlGenericError;
	old_ctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(c, keep_first_error);
	xmlSetGenericErrorFunc(NULL, no_print);
	/* No XML_PARSE_NOENT (it would substitute entities), no DTDLOAD, no
	 * DTDATTR, no HUGE: libxml2's defaults keep its size limits. */
	doc = xmlCtxtReadMemory(c, buf, (int)len, what, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlSetGenericErrorFunc(old_ctx, old_error);
	if (st.doctype) {
		r = vmtap_fail(err, -EINVAL, "%s: has a DOCTYPE; expected plain domain XML "
			       "(libvirt never sends a DTD)", what);
	} else if (!doc || !c->wellFormed) {
		char at[32] = "";

		/* Errors outside the parser proper (encoding) have no line. */
		if (st.line > 0)
			snprintf(at, sizeof(at), " line %d", st.line);
		r = vmtap_fail(err, -EINVAL, "%s%s: %s; expected well-formed domain XML", what, at,
			       st.have_error ? st.msg : "not well-formed");
	} else if (!xmlDocGetRootElement(doc) || !is(xmlDocGetRootElement(doc), "domain")) {
		r = vmtap_fail(err, -EINVAL, "%s: the root element is not <domain> (it is <%s>)",
			       what, xmlDocGetRootElement(doc) ?
			       (const char *)xmlDocGetRootElement(doc)->name : "");
	}
	if (r < 0) {
		if (doc)
			xmlFreeDoc(doc);
	} else {
		*out = doc;
	}
	c->_private = NULL;
	xmlFreeParserCtxt(c);
	return r;
}

int domxml_read_fd(int fd, const char *what, char **buf, size_t *len, struct vmtap_err *err)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1);

	*buf = NULL;
	*len = 0;
	if (!b)
		return vmtap_fail(err, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t got;

		if (n == cap) {
			char *nb;

			if (cap > DOMXML_MAX) {
				free(b);
				return vmtap_fail(err, -EFBIG, "%s is larger than %u MiB; expected a "
						  "domain definition", what, DOMXML_MAX >> 20);
			}
			/* Up to one byte past the cap, which tells "too big". */
			cap = cap * 2 > DOMXML_MAX ? DOMXML_MAX + 1 : cap * 2;
			if (!(nb = realloc(b, cap + 1))) {
				free(b);
				return vmtap_fail(err, -ENOMEM, "out of memory");
			}
			b = nb;
		}
		got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = -errno;

			free(b);
			return vmtap_fail(err, e, "cannot read %s: %s", what, strerror(-e));
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* One <vmtap:port>: its NIC fields from its attributes, by the table
 * (field.h, FRONT_LIBVIRT).  Its name (dev=) comes first, for the other
 * refusals name the port by it; dev= and one of bridge= or macvtap= are
 * required, any other field may be absent.  libvirt opens a port as a tap
 * or a macvtap (its /dev/tapN), never as a tun device: mode='tun' is
 * refused here. */
static int read_port(const xmlNode *p, struct domxml_port *d, struct vmtap_err *err)
{
	const struct nic_field *dev = nic_field_by_key("ifname");
	char v[DOMXML_ATTR_MAX], name[NIC_FIELD_NAME_MAX], exp[NIC_FIELD_EXPECTED_MAX];
	unsigned i;

	memset(d, 0, sizeof(*d));
	nic_spec_init(&d->spec);
	d->queues = 1;
	for (i = 0; i <= nic_nfields; i++) {
		const struct nic_field *f = i == 0 ? dev : &nic_fields[i - 1];
		struct vmtap_err why = { "" };
		const char *a;
		bool has;

		if ((i > 0 && f == dev) || !(f->fronts & FRONT_LIBVIRT))
			continue;
		a = nic_field_name(f, FRONT_LIBVIRT, name);
		/* A name longer than a name can be is shown cut, as elsewhere. */
		has = attr(p, a, v, f->type == NFT_NAME ? IFNAMSIZ : sizeof(v));
		if (!has && !v[0] && f != dev)
			continue;
		if (has && nic_field_set(&d->spec, f, a, '=', v, &why) == 0)
			continue;
		if (f == dev)
			return vmtap_fail(err, -EINVAL, "metadata: <vmtap:port %s=\"%s\">: expected %s=%s",
					  a, v, a, nic_field_expected(f, exp));
		return vmtap_fail(err, -EINVAL, "metadata: port %s: %s=\"%s\": expected %s",
				  d->spec.ifname, a, v, nic_field_expected(f, exp));
	}
	if (!d->spec.bridge[0] && !d->spec.macvtap[0])
		return vmtap_fail(err, -EINVAL, "metadata: port %s: no bridge; expected "
				  "bridge=\"BR\" (or macvtap=\"DEV\" for a macvtap on uplink DEV)",
				  d->spec.ifname);
	if (d->spec.mode == NIC_MODE_TUN)
		return vmtap_fail(err, -EINVAL, "metadata: port %s: mode=\"tun\": libvirt opens a "
				  "port as a tap (or a macvtap); expected tap, or with macvtap= "
				  "bridge, vepa, private or passthru", d->spec.ifname);
	return 0;
}

/* The <vmtap:port> elements of the domain's metadata. */
static int read_ports(const xmlNode *domain, struct domxml_port *ports, unsigned *nports,
		      struct vmtap_err *err)
{
	const xmlNode *md = child(domain, "metadata"), *net, *p;
	unsigned i;
	int r;

	*nports = 0;
	if (!md)
		return 0;
	for (net = md->children; net; net = net->next) {
		if (net->type != XML_ELEMENT_NODE || !ns_of(net))
			continue;
		if (!in_ns(net)) {
			if (!strncmp(ns_of(net), DOMXML_NS_FAMILY, strlen(DOMXML_NS_FAMILY)))
				return vmtap_fail(err, -EINVAL, "metadata: <%s> in namespace \"%s\"; "
						  "expected namespace " DOMXML_NS,
						  (const char *)net->name, ns_of(net));
			continue; /* someone else's metadata */
		}
		if (!is(net, "net"))
			return vmtap_fail(err, -EINVAL, "metadata: <%s> in namespace " DOMXML_NS
					  "; expected <net>", (const char *)net->name);
		for (p = net->children; p; p = p->next) {
			struct domxml_port *d = &ports[*nports];

			if (p->type != XML_ELEMENT_NODE)
				continue;
			if (!in_ns(p) || !is(p, "port"))
				return vmtap_fail(err, -EINVAL, "metadata: <%s> inside <vmtap:net>; "
						  "expected <vmtap:port dev=\"X\" bridge=\"BR\"/>",
						  (const char *)p->name);
			if (*nports == DOMXML_MAX_PORTS)
				return vmtap_fail(err, -E2BIG, "metadata: more than %d <vmtap:port>s",
						  DOMXML_MAX_PORTS);
			if ((r = read_port(p, d, err)) < 0)
				return r;
			for (i = 0; i < *nports; i++)
				if (!strcmp(ports[i].spec.ifname, d->spec.ifname))
					return vmtap_fail(err, -EINVAL, "metadata: port %s is listed "
							  "twice", d->spec.ifname);
			(*nports)++;
		}
	}
	return 0;
}

static void read_iface(const xmlNode *n, struct iface *d)
{
	const xmlNode *c;

	memset(d, 0, sizeof(*d));
	attr(n, "type", d->type, sizeof(d->type));
	if ((c = child(n, "target"))) {
		attr(c, "dev", d->dev, sizeof(d->dev));
		attr(c, "managed", d->managed, sizeof(d->managed));
	}
	/* Values that are too long keep a "..." prefix, which check_iface
	 * refuses by name. */
	if ((c = child(n, "driver")))
		d->has_queues = attr(c, "queues", d->queues, sizeof(d->queues)) || d->queues[0];
	if ((c = child(n, "mac")))
		d->has_mac = attr(c, "address", d->mac, sizeof(d->mac)) || d->mac[0];
	if ((c = child(n, "mtu")))
		d->has_mtu = attr(c, "size", d->mtu, sizeof(d->mtu)) || d->mtu[0];
	if ((c = child(n, "bandwidth"))) {
		unsigned i, j;

		for (i = 0; i < 2; i++) {
			const xmlNode *b = child(c, bw_dir[i]);

			if (!b)
				continue;
			d->has_bw[i] = true;
			for (j = 0; j < 3; j++)
				attr(b, bw_attr[j], d->bw[i][j], sizeof(d->bw[i][j]));
		}
	}
}

/* One <bandwidth> direction in libvirt's units into r (bytes/s, bytes),
 * held to what the rate parser accepts (rate.h). */
static int read_bandwidth(const struct domxml_port *p, const struct iface *d, unsigned i,
			  struct nic_rate *r, struct vmtap_err *err)
{
	const unsigned long max[3] = { RATE_MAX / 1024, RATE_MAX / 1024, RATE_BURST_MAX / 1024 };
	const unsigned long min[3] = { 1, 1, RATE_BURST_MIN / 1024 };
	unsigned long v[3] = { 0, 0, 0 };
	unsigned j;

	if (!d->bw[i][0][0])
		return vmtap_fail(err, -EINVAL, "port %s: <bandwidth><%s> without average: "
				  "expected average='KiB/s'", p->spec.ifname, bw_dir[i]);
	for (j = 0; j < 3; j++)
		if (d->bw[i][j][0] && parse_uint(d->bw[i][j], min[j], max[j], &v[j]) < 0)
			return vmtap_fail(err, -ERANGE, "port %s: <bandwidth><%s %s='%s'>: expected "
					  "%lu..%lu (%s)", p->spec.ifname, bw_dir[i], bw_attr[j],
					  d->bw[i][j], min[j], max[j], j < 2 ? "KiB/s" : "KiB");
	if (v[1] && v[1] <= v[0])
		return vmtap_fail(err, -EINVAL, "port %s: <bandwidth><%s peak='%s'>: expected above "
				  "average='%s'", p->spec.ifname, bw_dir[i], d->bw[i][1], d->bw[i][0]);
	r->rate = (uint64_t)v[0] * 1024;
	r->peak = (uint64_t)v[1] * 1024;
	r->burst = (uint64_t)v[2] * 1024;
	return 0;
}

/* The <interface> in <devices> whose <target dev> is dev, or -ENOENT. */
static int find_iface(const xmlNode *domain, const char *dev, struct iface *out,
		      const xmlNode **node)
{
	const xmlNode *devs = child(domain, "devices"), *n;

	for (n = devs ? devs->children : NULL; n; n = n->next) {
		if (!is(n, "interface") || n->ns)
			continue;
		read_iface(n, out);
		if (!strcmp(out->dev, dev)) {
			if (node)
				*node = n;
			return 0;
		}
	}
	return -ENOENT;
}

/* What a declared port needs of its interface: type='ethernet', managed='no'
 * (else libvirt makes its own tap of that name), values in range; fills
 * the port's queues, mtu and mac. */
static int check_iface(struct domxml_port *p, const struct iface *d, struct vmtap_err *err)
{
	unsigned long v;
	int r;

	if (strcmp(d->type, "ethernet"))
		return vmtap_fail(err, -EINVAL, "port %s: its <interface> is type='%s'; expected "
				  "type='ethernet' (libvirt opens an existing tap only for those)",
				  p->spec.ifname, d->type);
	if (strcmp(d->managed, "no"))
		return vmtap_fail(err, -EINVAL, "port %s: <target dev='%s' managed='%s'>; expected "
				  "managed='no' (else libvirt makes a tap of that name itself)", p->spec.ifname,
				  p->spec.ifname, d->managed[0] ? d->managed : "(absent)");
	if (d->has_queues) {
		if (parse_uint(d->queues, 1, VMTAP_MAX_QUEUES, &v) < 0)
			return vmtap_fail(err, -ERANGE, "port %s: <driver queues>: expected 1..%d, "
					  "not '%s'", p->spec.ifname, VMTAP_MAX_QUEUES, d->queues);
		p->queues = (unsigned)v;
	}
	if (d->has_mtu) {
		if (parse_uint(d->mtu, VMTAP_MTU_MIN, VMTAP_MTU_MAX, &v) < 0)
			return vmtap_fail(err, -ERANGE, "port %s: <mtu size>: expected %d..%d, not "
					  "'%s'", p->spec.ifname, VMTAP_MTU_MIN, VMTAP_MTU_MAX, d->mtu);
		p->mtu = (unsigned)v;
	}
	if (d->has_mac) {
		if (parse_mac(d->mac, p->mac) < 0)
			return vmtap_fail(err, -EINVAL, "port %s: <mac address='%s'>: expected a "
					  "unicast MAC like 52:54:00:12:34:56", p->spec.ifname, d->mac);
		p->has_mac = true;
		/* The metadata's guest_mac may only say the same. */
		if (p->spec.has_guest_mac && memcmp(p->spec.guest_mac, p->mac, 6))
			return vmtap_fail(err, -EINVAL, "port %s: guest_mac differs from the "
					  "interface's <mac address='%s'>, which is the guest's; "
					  "leave guest_mac out", p->spec.ifname, d->mac);
		memcpy(p->spec.guest_mac, p->mac, 6);
		p->spec.has_guest_mac = true;
	}
	/* The interface's own <bandwidth>: the same limits vmtap makes in
	 * the one all-or-nothing step (README, "Bandwidth limits"). */
	if (d->has_bw[0] && (r = read_bandwidth(p, d, 0, &p->spec.inbound, err)) < 0)
		return r;
	if (d->has_bw[1] && (r = read_bandwidth(p, d, 1, &p->spec.outbound, err)) < 0)
		return r;
	return 0;
}

int domxml_ports(const char *what, const char *xml, size_t len, bool interfaces,
		 struct domxml_port *ports, unsigned *nports, struct vmtap_err *err)
{
	const xmlNode *root;
	struct iface d;
	xmlDocPtr doc;
	unsigned i;
	int r;

	*nports = 0;
	if ((r = parse(what, xml, len, &doc, err)) < 0)
		return r;
	root = xmlDocGetRootElement(doc);
	r = read_ports(root, ports, nports, err);
	/* Every port is checked before the caller makes any tap. */
	for (i = 0; r == 0 && interfaces && i < *nports; i++) {
		if (find_iface(root, ports[i].spec.ifname, &d, NULL) < 0)
			r = vmtap_fail(err, -ENOENT, "metadata port %s: no <interface> in <devices> "
				       "has <target dev='%s'/>", ports[i].spec.ifname, ports[i].spec.ifname);
		else
			r = check_iface(&ports[i], &d, err);
	}
	if (r < 0)
		*nports = 0;
	xmlFreeDoc(doc);
	return r;
}

int domxml_interface(const char *what, const char *xml, size_t len, const char *dev,
		     char **text, struct vmtap_err *err)
{
	const xmlNode *node;
	xmlBufferPtr b = NULL;
	struct iface d;
	xmlDocPtr doc;
	int r;

	*text = NULL;
	if ((r = parse(what, xml, len, &doc, err)) < 0)
		return r;
	r = find_iface(xmlDocGetRootElement(doc), dev, &d, &node);
	if (r < 0)
		r = vmtap_fail(err, -ENOENT, "%s: no <interface> has <target dev='%s'/>", what, dev);
	else if (strcmp(d.type, "ethernet"))
		r = vmtap_fail(err, -EINVAL, "%s: the interface on %s is type='%s'; expected "
			       "type='ethernet' (the only kind vmtap detaches)", what, dev, d.type);
	if (r == 0) {
		b = xmlBufferCreate();
		if (!b || xmlNodeDump(b, doc, (xmlNodePtr)node, 0, 0) < 0 ||
		    !(*text = strdup((const char *)xmlBufferContent(b))))
			r = vmtap_fail(err, -ENOMEM, "out of memory");
	}
	if (b)
		xmlBufferFree(b);
	xmlFreeDoc(doc);
	return r;
}
