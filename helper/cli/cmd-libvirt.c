/* vmtap libvirt-hook / attach / detach — vmtap's taps under libvirt.
 *
 *   vmtap libvirt-hook [--owner USER] [--group GROUP] DOMAIN OP SUBOP EXTRA
 *       libvirt's qemu hook (/etc/libvirt/hooks/qemu.d/vmtap), the domain
 *       XML on stdin.  "prepare begin" makes every port the domain's
 *       metadata declares,
 *         <metadata><vmtap:net xmlns:vmtap="urn:vmtap:libvirt:1">
 *           <vmtap:port dev="X" bridge="BR"/></vmtap:net></metadata>
 *       as a persistent tap for its <interface type='ethernet'> with
 *       <target dev='X' managed='no'/> (queues from <driver queues='N'/>,
 *       MAC fe + the guest MAC's last five bytes, MTU from <mtu size='N'/>);
 *       a port with macvtap="DEV" (and mode=) instead of bridge= is a
 *       persistent macvtap on uplink DEV with the guest's MAC, which libvirt
 *       opens as root (its /dev/tapN, once per queue);
 *       "release end" deletes them; every other operation does nothing.
 *   vmtap attach [--connect URI] --domain NAME --nic SPEC [--dev X] [--json]
 *       make a tap (or, as root, a macvtap: macvtap=DEV), then
 *       virDomainAttachDeviceFlags an ethernet interface on it
 *       (managed='no', virtio, queues) into the running domain.
 *   vmtap detach [--connect URI] --domain NAME --dev X
 *       virDomainDetachDeviceFlags that interface, wait until the guest has
 *       let it go, delete the tap.
 * attach and detach make and delete the tap as vmtap create and delete
 * do (ptap.h): themselves with CAP_NET_ADMIN, else through vmtapd, for a
 * user whose own libvirt (qemu:///session) runs the domain.  A tap attach
 * made is deleted the same way when libvirt refuses it.
 *
 * The hook must never call back into libvirt (libvirt holds the domain's
 * lock while it runs the hook: a call back deadlocks), so it knows only
 * what is on stdin.  It is fast (no fork, no tc: provision()'s netlink
 * messages), and a failure is one line on stderr and a non-zero exit,
 * which libvirt logs and which aborts the domain's start.
 *
 * Domain XML is untrusted input: helper/cli/domxml.c reads it (size cap, no
 * network, no DTD, no entity); this file keeps the commands' logic.
 *
 * libvirt's own error printing is turned off: its messages come back
 * through virGetLastErrorMessage() into our one line. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>
#include <jansson.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <linux/capability.h>

#include "helper/cli/cmd.h"
#include "helper/cli/domxml.h"
#include "helper/core/ids.h"
#include "helper/core/ifname.h"
#include "helper/cli/nic-opt.h"
#include "helper/cli/ptap.h"
#include "helper/wire/obtain.h"
#include "helper/core/parse.h"
#include "bridge/port.h"
#include "helper/core/provision.h"
#include "vhost/vhost.h"

/* How long detach waits for the guest to release the device. */
#define DETACH_WAIT_MS 30000

/* ---- privilege, owner ---------------------------------------------------- */

static int need_net_admin(const char *cmd)
{
	capng_get_caps_process();
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN))
		return 0;
	return cmd_fail(1, "%s needs CAP_NET_ADMIN (run it as root)", cmd);
}

struct owner {
	bool has_owner, has_group;
	unsigned uid, gid;
	const char *owner_arg, *group_arg; /* as typed, for messages */
};

/* "--owner USER" / "--group GROUP"; 1 when argv[*i] was one of them, 0
 * when not, < 0 (an exit status, negated) after saying what is wrong. */
static int owner_opt(int argc, char **argv, int *i, struct owner *o)
{
	struct vmtap_err err = { "" };
	const char *v = NULL;
	int group;

	if (!strcmp(argv[*i], "--owner") || !strcmp(argv[*i], "--group")) {
		if (*i + 1 >= argc)
			return -cmd_fail(2, "%s: expected a value", argv[*i]);
		v = argv[*i + 1];
	} else if (!strncmp(argv[*i], "--owner=", 8) || !strncmp(argv[*i], "--group=", 8)) {
		v = argv[*i] + 8;
	} else {
		return 0;
	}
	group = argv[*i][2] == 'g';
	if (id_resolve(group, v, group ? &o->gid : &o->uid, &err) < 0)
		return -cmd_fail(2, "--%s %s: %s", group ? "group" : "owner", v, err.msg);
	if (group) {
		o->has_group = true;
		o->group_arg = v;
	} else {
		o->has_owner = true;
		o->owner_arg = v;
	}
	if (argv[*i][7] != '=')
		++*i;
	return 1;
}

static void spec_for_port(struct nic_spec *spec, const struct domxml_port *p,
			  const struct owner *o)
{
	/* The metadata's fields (field.h), then the <interface>'s; its <mac
	 * address> is in spec->guest_mac already (domxml.c), and the tap's
	 * MAC follows it (nic_spec_tap_mac). */
	*spec = p->spec;
	spec->persist = true;
	spec->queues = p->queues;
	spec->mtu = p->mtu;
	/* A macvtap's /dev/tapN has no owner the kernel checks: libvirt, as
	 * root, opens it and hands QEMU the fds, whoever QEMU runs as. */
	if (spec->macvtap[0])
		return;
	spec->has_owner = o->has_owner;
	spec->owner = o->uid;
	spec->has_group = o->has_group;
	spec->group = o->gid;
}

/* ---- vmtap libvirt-hook -------------------------------------------------- */

static void hook_usage(void)
{
	printf("Usage: vmtap libvirt-hook [--owner USER] [--group GROUP] DOMAIN OP SUBOP EXTRA\n"
	       "\n"
	       "libvirt's qemu hook; the domain XML comes on stdin.  Install it as\n"
	       "/etc/libvirt/hooks/qemu.d/vmtap (see examples/libvirt/).\n"
	       "\n"
	       "  prepare begin   make every port of the domain's metadata\n"
	       "                    <vmtap:net xmlns:vmtap=\"" DOMXML_NS "\">\n"
	       "                      <vmtap:port dev=\"X\" bridge=\"BR\"/>\n"
	       "                    </vmtap:net>\n"
	       "                  as a persistent tap on BR for the <interface type='ethernet'>\n"
	       "                  with <target dev='X' managed='no'/>: queues from\n"
	       "                  <driver queues='N'/>, MTU from <mtu size='N'/>, MAC fe + the\n"
	       "                  guest MAC's last five bytes.  A matching tap vmtap made is\n"
	       "                  reused.  <vmtap:port dev=\"X\" macvtap=\"DEV\" mode=\"M\"/>\n"
	       "                  makes a persistent macvtap on uplink DEV instead (mode\n"
	       "                  bridge, vepa, private or passthru; the guest's MAC; no\n"
	       "                  owner: libvirt opens it as root); one of that name is\n"
	       "                  refused.  If one port fails, those made by this run are\n"
	       "                  deleted, and the domain does not start.\n"
	       "  release end     delete those taps and macvtaps (missing ones are fine)\n"
	       "  anything else   nothing\n"
	       "\n"
	       "  --owner USER    owner of the taps: the user libvirt runs QEMU as (default\n"
	       "                  root, i.e. none set)\n"
	       "  --group GROUP   group of the taps\n"
	       "\n"
	       "Never calls libvirt (that would deadlock).  Needs CAP_NET_ADMIN for\n"
	       "domains that declare ports.\n");
}

/* The ports were checked, every one, before this makes any tap. */
static int hook_prepare(const char *domain, const struct domxml_port *ports, unsigned nports,
			const struct owner *o)
{
	struct vmtap_err err = { "" };
	bool made[DOMXML_MAX_PORTS] = { false };
	char name[IFNAMSIZ];
	struct ptap p;
	unsigned i, j;
	int r;

	/* libvirt runs the hook as root: never through vmtapd. */
	if (need_net_admin("vmtap libvirt-hook") ||
	    ptap_init(&p, "vmtap libvirt-hook", VMTAPD_SOCKET, NULL) < 0)
		return 1;
	for (i = 0; i < nports; i++) {
		struct nic_spec spec;

		spec_for_port(&spec, &ports[i], o);
		if ((r = ptap_make(&p, &spec, NULL, NULL, name, &made[i], &err)) < 0) {
			for (j = 0; j < i; j++)
				if (made[j])
					ptap_delete(&p, (const char *const[]){ ports[j].spec.ifname }, 1,
						    false, NULL);
			return cmd_fail(1, "domain %s: port %s: %s", domain, ports[i].spec.ifname,
					vmtap_err_text(&err, r));
		}
	}
	return 0;
}

static int hook_release(const char *domain, const struct domxml_port *ports, unsigned nports)
{
	struct vmtap_err err = { "" };
	struct nl_sock *sk = NULL;
	unsigned i;
	int r, status = 0;

	if (need_net_admin("vmtap libvirt-hook"))
		return 1;
	if ((r = rtnl_open(&sk, &err)) < 0)
		return cmd_fail(1, "domain %s: %s", domain, vmtap_err_text(&err, r));
	/* Every port is tried: one that fails does not keep the others. */
	for (i = 0; i < nports; i++) {
		struct vmtap_err e = { "" };

		r = persistent_delete(sk, ports[i].spec.ifname, PROVISION_ROOT, false, &e);
		if (r < 0 && r != -ENODEV)
			status = cmd_fail(1, "domain %s: port %s: %s", domain, ports[i].spec.ifname,
					  vmtap_err_text(&e, r));
	}
	rtnl_close(sk);
	return status;
}

int cmd_libvirt_hook(int argc, char **argv)
{
	struct vmtap_err err = { "" };
	struct domxml_port ports[DOMXML_MAX_PORTS];
	struct owner o = { false, false, 0, 0, NULL, NULL };
	const char *pos[4];
	unsigned nports;
	size_t len = 0;
	char *buf = NULL;
	int i, npos = 0, r, status;
	bool prepare, release;

	for (i = 1; i < argc; i++) {
		if (npos == 0 && !strcmp(argv[i], "--help")) {
			hook_usage();
			return 0;
		}
		if (npos == 0 && argv[i][0] == '-' && argv[i][1] == '-') {
			if ((r = owner_opt(argc, argv, &i, &o)) < 0)
				return -r;
			if (r == 0)
				return cmd_fail(2, "libvirt-hook: unknown option \"%s\"; see vmtap "
						"libvirt-hook --help", argv[i]);
			continue;
		}
		if (npos == 4)
			return cmd_fail(2, "libvirt-hook: expected DOMAIN OP SUBOP EXTRA, got more");
		pos[npos++] = argv[i];
	}
	if (npos != 4)
		return cmd_fail(2, "libvirt-hook: expected DOMAIN OP SUBOP EXTRA (as libvirt "
				"passes them); see vmtap libvirt-hook --help");
	prepare = !strcmp(pos[1], "prepare") && !strcmp(pos[2], "begin");
	release = !strcmp(pos[1], "release") && !strcmp(pos[2], "end");

	/* libvirt writes the XML for every operation: read it all, so it
	 * never sees a closed pipe. */
	if ((r = domxml_read_fd(0, "the domain XML on stdin", &buf, &len, &err)) < 0)
		return prepare || release ? cmd_fail(1, "domain %s: %s", pos[0], err.msg) : 0;
	if (!prepare && !release) {
		free(buf);
		return 0;
	}
	/* At release the interfaces are not checked: whatever the XML says
	 * about them, the declared ports' taps go. */
	r = domxml_ports("domain XML on stdin", buf, len, prepare, ports, &nports, &err);
	free(buf);
	if (r < 0)
		status = cmd_fail(1, "domain %s: %s", pos[0], err.msg);
	else if (nports == 0)
		status = 0;
	else if (prepare)
		status = hook_prepare(pos[0], ports, nports, &o);
	else
		status = hook_release(pos[0], ports, nports);
	return status;
}

/* ---- libvirt connection -------------------------------------------------- */

static void quiet(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

static const char *virt_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m && *m ? m : "unknown libvirt error";
}

static volatile int loop_quit;
/* The event loop's thread, joined by virt_close: a thread left in poll()
 * while main returns races exit()'s teardown of libvirt and glib (a
 * segfault after the last line, seen with qemu:///embed). */
static pthread_t loop_thread;
static bool loop_running;

static void loop_wake(int timer, void *opaque)
{
	(void)opaque;
	virEventRemoveTimeout(timer);
}

static void *event_loop(void *arg)
{
	(void)arg;
	while (!loop_quit)
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

/* What a NULL URI means, for messages: libvirt's own choice. */
static const char *uri_shown(const char *uri)
{
	const char *env = getenv("LIBVIRT_DEFAULT_URI");

	return uri ? uri : env && *env ? env : "libvirt's default URI";
}

/* Connects and finds the running domain.  uri NULL: virConnectOpen(NULL),
 * which takes LIBVIRT_DEFAULT_URI, then libvirt's configured default
 * (uri_default in libvirt.conf), then probes, as virsh does.  An event
 * loop runs for the connection's lifetime: the embedded driver
 * (qemu:///embed) talks to QEMU's monitor through it. */
static int virt_open(const char *uri, const char *name, virConnectPtr *conn, virDomainPtr *dom)
{

	/* An embedded driver (qemu:///embed) logs its warnings and errors to
	 * stderr; each error reaches the user in our one line anyway.  A
	 * LIBVIRT_LOG_OUTPUTS the user set still wins. */
	setenv("LIBVIRT_LOG_OUTPUTS", "1:file:/dev/null", 0);
	virSetErrorFunc(NULL, quiet);
	if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0)
		return cmd_fail(1, "cannot initialise libvirt: %s", virt_error());
	if (pthread_create(&loop_thread, NULL, event_loop, NULL) != 0)
		return cmd_fail(1, "cannot start libvirt's event loop");
	loop_running = true;
	*conn = virConnectOpen(uri);
	if (!*conn)
		return cmd_fail(1, "cannot connect to %s: %s", uri_shown(uri), virt_error());
	*dom = virDomainLookupByName(*conn, name);
	if (!*dom) {
		int s = cmd_fail(1, "domain %s: %s", name, virt_error());

		virConnectClose(*conn);
		return s;
	}
	if (virDomainIsActive(*dom) != 1) {
		virDomainFree(*dom);
		virConnectClose(*conn);
		return cmd_fail(1, "domain %s is not running; attach and detach act on a running "
				"domain", name);
	}
	return 0;
}

static void virt_close(virConnectPtr conn, virDomainPtr dom)
{
	if (dom)
		virDomainFree(dom);
	if (conn)
		virConnectClose(conn);
	if (!loop_running)
		return;
	/* A timer due now ends the loop's current wait; it then sees
	 * loop_quit. */
	loop_quit = 1;
	if (virEventAddTimeout(0, loop_wake, NULL, NULL) >= 0)
		pthread_join(loop_thread, NULL);
	loop_running = false;
}

/* ---- vmtap attach --------------------------------------------------------- */

static void attach_usage(void)
{
	printf("Usage: vmtap attach [--connect URI] --domain NAME --nic SPEC [--dev X]\n"
	       "                    [--owner USER] [--group GROUP] [--json] [--socket PATH]\n"
	       "\n"
	       "Makes a persistent tap X on the SPEC's bridge (as vmtap create does) and\n"
	       "hot-plugs it into the running libvirt domain NAME as\n"
	       "  <interface type='ethernet'><target dev='X' managed='no'/>\n"
	       "    <model type='virtio'/><driver queues='N'/>...</interface>\n"
	       "(live only: the domain's saved definition is not changed).  Prints X,\n"
	       "or with --json one object: dev, domain, bridge (a macvtap: macvtap), mac\n"
	       "(the guest's), queues.  If libvirt refuses, the tap is deleted again.\n"
	       "\n"
	       "SPEC = BRIDGE[,KEY=VALUE...], as vmtap exec's (see vmtap exec --help);\n"
	       "       queues=auto = the domain's vCPUs, at most %d; model virtio-net-pci\n"
	       "       is libvirt's 'virtio', any other is passed as libvirt's model type;\n"
	       "       vhost=on|off sets <driver name='vhost'|'qemu'>; vhost=on is refused\n"
	       "       here, as by vmtap exec, when /dev/vhost-net cannot be opened;\n"
	       "       macvtap=DEV[,mode=M] (root only) makes a persistent macvtap on\n"
	       "       uplink DEV with the guest's MAC, which libvirt opens (/dev/tapN)\n"
	       "\n"
	       "  --connect URI   libvirt's URI (default: $LIBVIRT_DEFAULT_URI, else\n"
	       "                  libvirt's own default, as virsh)\n"
	       "  --dev X         the tap's name (default vmt + 8 hex digits)\n"
	       "  --owner USER    owner of the tap (for libvirt running QEMU unprivileged)\n"
	       "  --group GROUP   group of the tap\n"
	       "  --json          print one JSON object instead of the name\n"
	       "  --socket PATH   vmtapd's socket (default %s)\n"
	       "\n"
	       "With CAP_NET_ADMIN it makes the tap itself.  Without, it asks vmtapd when\n"
	       "its socket answers, as vmtap create does: the daemon's policy must give\n"
	       "you the bridge (queues, VLANs, limits as it says), the tap is owned by\n"
	       "you (--owner may only name you, --group only a group of yours), and\n"
	       "your libvirt (qemu:///session) opens it by name.  Remove it with vmtap\n"
	       "detach.\n",
	       NIC_AUTO_QUEUES_MAX, VMTAPD_SOCKET);
}

static int interface_xml(const struct nic_opt *no, const char *dev, char *out, size_t cap)
{
	char mac[18], driver[80] = "";
	const char *model = strcmp(no->model, "virtio-net-pci") ? no->model : "virtio";
	int n;

	if (no->spec.queues > 1 || no->spec.vhost != VHOST_AUTO)
		snprintf(driver, sizeof(driver), "<driver%s%s%s queues='%u'/>",
			 no->spec.vhost == VHOST_AUTO ? "" : " name='",
			 no->spec.vhost == VHOST_AUTO ? "" : no->spec.vhost == VHOST_ON ? "vhost" : "qemu",
			 no->spec.vhost == VHOST_AUTO ? "" : "'", no->spec.queues);
	n = snprintf(out, cap,
		     "<interface type='ethernet'><mac address='%s'/>"
		     "<target dev='%s' managed='no'/><model type='%s'/>%s</interface>",
		     format_mac(no->guest_mac, mac), dev, model, driver);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
}

int cmd_attach(int argc, char **argv)
{
	struct vmtap_err err = { "" };
	struct owner o = { false, false, 0, 0, NULL, NULL };
	const char *uri = NULL, *name = NULL, *spec_s = NULL, *dev = NULL, *v;
	const char *sock = VMTAPD_SOCKET;
	struct nic_opt no;
	struct ptap p;
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	char xml[1024];
	char tap[IFNAMSIZ];
	bool made = false, json = false;
	int i, r, status = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			attach_usage();
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--connect"))) {
			uri = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--domain"))) {
			name = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--dev"))) {
			dev = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--nic"))) {
			spec_s = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--socket"))) {
			sock = v;
		} else if ((r = owner_opt(argc, argv, &i, &o)) != 0) {
			if (r < 0)
				return -r;
		} else {
			return cmd_fail(2, "attach: unknown or incomplete option \"%s\"; see vmtap "
					"attach --help", argv[i]);
		}
	}
	if (!name || !spec_s)
		return cmd_fail(2, "attach: expected --domain NAME --nic SPEC");
	if (nic_opt_parse(spec_s, &no, &err) < 0)
		return cmd_fail(2, "--nic %s: %s", spec_s, err.msg);
	if (no.id[0])
		return cmd_fail(2, "--nic %s: id= has no meaning here; libvirt names the device",
				spec_s);
	/* The name goes into the interface XML as an attribute value. */
	if (dev && ifname_check_err(dev, "--dev", &err) < 0)
		return cmd_fail(2, "%s", err.msg);
	if (dev && strpbrk(dev, "'\"<>&"))
		return cmd_fail(2, "--dev \"%s\": expected no quotes, '<', '>' or '&' (it goes into "
				"libvirt's XML)", dev);
	/* Which way the tap is made, or that none is open, before libvirt. */
	if ((r = ptap_init(&p, "vmtap attach", sock, &err)) < 0)
		return cmd_fail(1, "%s", vmtap_err_text(&err, r));
	/* As vmtap exec: vhost=on means vhost-net or nothing, and the reason
	 * is vhost_open's (one diagnosis, vhost/diagnose.c), said before
	 * anything is made.  libvirt opens its own fds; this one only asks. */
	if (no.spec.vhost == VHOST_ON) {
		int vfd;

		if ((r = vhost_open(1, &vfd, &err)) < 0)
			return cmd_fail(1, "--nic %s: vhost=on: %s", spec_s, vmtap_err_text(&err, r));
		close(vfd);
	}
	/* libvirt first: a wrong URI or domain costs no tap. */
	if (virt_open(uri, name, &conn, &dom)) {
		virt_close(NULL, NULL); /* its loop; virt_open closed the rest */
		return 1;
	}
	if (no.queues_auto) {
		int n = virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_LIVE);

		if (n < 1) {
			cmd_fail(1, "domain %s: cannot read its vCPU count for queues=auto: %s", name,
				 virt_error());
			goto out;
		}
		no.spec.queues = n < NIC_AUTO_QUEUES_MAX ? (unsigned)n : NIC_AUTO_QUEUES_MAX;
	}
	if (nic_opt_fill_macs(&no) < 0) {
		cmd_fail(1, "cannot pick a random MAC");
		goto out;
	}
	no.spec.persist = true;
	no.spec.has_owner = o.has_owner;
	no.spec.owner = o.uid;
	no.spec.has_group = o.has_group;
	no.spec.group = o.gid;
	if (dev)
		snprintf(no.spec.ifname, sizeof(no.spec.ifname), "%s", dev);

	if ((r = ptap_make(&p, &no.spec, o.owner_arg, o.group_arg, tap, &made, &err)) < 0) {
		cmd_fail(1, "%s", vmtap_err_text(&err, r));
		goto out;
	}
	if (interface_xml(&no, tap, xml, sizeof(xml)) < 0) {
		cmd_fail(1, "internal: interface XML too long");
		goto undo;
	}
	if (virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		cmd_fail(1, "domain %s: cannot attach %s: %s", name, tap, virt_error());
		goto undo;
	}
	if (json) {
		char mac[18];
		/* A macvtap names its parent where a tap names its bridge. */
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i}", "dev", tap, "domain", name,
				      no.spec.macvtap[0] ? "macvtap" : "bridge",
				      no.spec.macvtap[0] ? no.spec.macvtap : no.spec.bridge,
				      "mac", format_mac(no.guest_mac, mac), "queues", (int)no.spec.queues);

		if (!o || json_dumpf(o, stdout, JSON_COMPACT) < 0) {
			json_decref(o);
			cmd_fail(1, "cannot write the JSON reply; %s stays attached", tap);
			goto out;
		}
		putchar('\n');
		json_decref(o);
	} else {
		printf("%s\n", tap);
	}
	status = 0;
	goto out;
undo:
	/* The way it was made: through vmtapd, the daemon deletes it (and its
	 * count under `limit nics` goes with it). */
	if (made)
		ptap_delete(&p, (const char *const[]){ tap }, 1, false, NULL);
out:
	virt_close(conn, dom);
	return status;
}

/* ---- vmtap detach --------------------------------------------------------- */

/* The live <interface> on tap dev, serialised, or -ENOENT. */
static int live_interface(virDomainPtr dom, const char *dev, char **out, struct vmtap_err *err)
{
	char *xml;
	int r;

	*out = NULL;
	if (!(xml = virDomainGetXMLDesc(dom, 0)))
		return vmtap_fail(err, -EIO, "cannot read the domain's XML: %s", virt_error());
	r = domxml_interface("the domain's XML", xml, strlen(xml), dev, out, err);
	free(xml);
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cmd_detach(int argc, char **argv)
{
	struct vmtap_err err = { "" };
	const char *uri = NULL, *name = NULL, *dev = NULL, *v, *sock = VMTAPD_SOCKET;
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	struct ptap p;
	char *xml = NULL, *still = NULL;
	int i, r, waited, status = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("Usage: vmtap detach [--connect URI] --domain NAME --dev X\n"
			       "\n"
			       "Hot-unplugs the running domain's <interface type='ethernet'> on tap X\n"
			       "(virDomainDetachDeviceFlags, live), waits until the guest has let it go\n"
			       "(at most %d s), then deletes X.  X must be a tap (or macvtap) vmtap\n"
			       "made.  Prints one line saying so.  --connect as vmtap attach's.\n"
			       "\n"
			       "  --socket PATH   vmtapd's socket (default %s)\n"
			       "\n"
			       "With CAP_NET_ADMIN it deletes X itself; without, it asks vmtapd, which\n"
			       "deletes only a tap vmtap made that you own.\n", DETACH_WAIT_MS / 1000,
			       VMTAPD_SOCKET);
			return 0;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--connect"))) {
			uri = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--domain"))) {
			name = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--dev"))) {
			dev = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--socket"))) {
			sock = v;
		} else {
			return cmd_fail(2, "detach: unknown or incomplete option \"%s\"; see vmtap "
					"detach --help", argv[i]);
		}
	}
	if (!name || !dev)
		return cmd_fail(2, "detach: expected --domain NAME --dev X");
	if (ifname_check_err(dev, "--dev", &err) < 0)
		return cmd_fail(2, "%s", err.msg);
	/* Checked first: a tap we would refuse to delete stays plugged. */
	if ((r = ptap_init(&p, "vmtap detach", sock, &err)) < 0 ||
	    (r = ptap_check(&p, dev, false, &err)) < 0)
		return cmd_fail(1, "%s", vmtap_err_text(&err, r));
	if (virt_open(uri, name, &conn, &dom)) {
		virt_close(NULL, NULL); /* its loop; virt_open closed the rest */
		return 1;
	}
	r = live_interface(dom, dev, &xml, &err);
	if (r == -ENOENT) {
		cmd_fail(1, "domain %s has no interface on %s", name, dev);
		goto out;
	}
	if (r < 0) {
		cmd_fail(1, "domain %s: %s", name, err.msg);
		goto out;
	}
	if (virDomainDetachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		cmd_fail(1, "domain %s: cannot detach %s: %s", name, dev, virt_error());
		goto out;
	}
	/* libvirt returns once the request is sent; the guest answers when it
	 * will.  The tap goes only after QEMU has let go of it. */
	for (waited = 0;; waited += 100) {
		r = live_interface(dom, dev, &still, &err);
		free(still);
		still = NULL;
		if (r == -ENOENT)
			break;
		if (r < 0) {
			cmd_fail(1, "domain %s: %s", name, err.msg);
			goto out;
		}
		if (waited >= DETACH_WAIT_MS) {
			cmd_fail(1, "domain %s: the guest has not released %s after %d s; the tap is "
				 "kept (vmtap delete %s once it is gone)", name, dev,
				 DETACH_WAIT_MS / 1000, dev);
			goto out;
		}
		sleep_ms(100);
	}
	if ((r = ptap_delete(&p, (const char *const[]){ dev }, 1, false, &err)) < 0) {
		cmd_fail(1, "%s", vmtap_err_text(&err, r));
		goto out;
	}
	printf("detached %s from domain %s and deleted it\n", dev, name);
	status = 0;
out:
	free(xml);
	virt_close(conn, dom);
	return status;
}
