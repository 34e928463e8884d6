/* vmtap hotplug / vmtap unplug — add a NIC to a running QEMU through its
 * QMP socket, and take it away again.
 *
 *   vmtap hotplug --qmp PATH --nic SPEC [--bus BUS] [--timeout S] [--json]
 *   vmtap unplug  --qmp PATH --id ID [--timeout S] [--json]
 *
 * hotplug gets its NIC exactly as `vmtap exec` does (nic_obtain: vmtapd
 * when it answers, else vmtap-bridge-helper), hands QEMU the fds with
 * getfd and plugs it (qmp/hotplug.c), then closes its own copies: from then
 * on QEMU's are the tap's only fds, so netdev_del (unplug) removes the tap.
 * The monitor is connected before any tap is made, so a wrong --qmp costs
 * nothing.  On any failure nothing is left: QEMU's side is undone by
 * hotplug_nic, ours by closing the fds.
 *
 * A macvtap (macvtap=DEV) is not removed by closing its fds: vmtapd
 * deletes it when a process exits, and this one exits at once.  So the
 * request names QEMU instead: a pidfd of the QMP socket's peer
 * (SO_PEERPIDFD), which vmtapd checks and watches ("watch", proto.h).
 * Only vmtapd does that: without it a macvtap is refused, as root too.
 * unplug takes QEMU's fds away (device_del, then netdev_del), and then
 * asks vmtapd to delete the macvtap at once (release-nic), so its MAC is
 * free for the next hotplug.  QEMU does not know a passed fd's device, so
 * unplug finds it by name: --release IFNAME, else the id itself when it
 * names a macvtap vmtapd marked (hotplug's default id is the device's
 * name); vmtapd checks that it made it, for this uid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge/link.h"
#include "bridge/rtnl.h"
#include "helper/cli/cmd.h"
#include "helper/core/ifname.h"
#include "helper/core/macvtap.h"
#include "helper/wire/client.h"
#include "qmp/hotplug.h"
#include "helper/cli/nic-opt.h"
#include "helper/wire/obtain.h"
#include "helper/core/parse.h"
#include "qmp/qmp.h"

#define DEFAULT_TIMEOUT_S 30
#define MAX_TIMEOUT_S 3600

static void hotplug_usage(void)
{
	printf("Usage: vmtap hotplug --qmp PATH --nic SPEC [--bus BUS] [--timeout S] [--json]\n"
	       "                     [--socket PATH] [--helper PATH]\n"
	       "\n"
	       "Makes a NIC (a multiqueue tap on a bridge, with vhost-net fds when available)\n"
	       "and plugs it into the running QEMU whose QMP monitor listens on PATH:\n"
	       "getfd for each fd, netdev_add (type tap), device_add. If a step fails the\n"
	       "earlier ones are undone and nothing is left behind.\n"
	       "\n"
	       "SPEC is vmtap exec's (see vmtap exec --help); here id= is both the netdev's\n"
	       "and the device's id (default: the tap's name), and queues=auto is the VM's\n"
	       "vCPU count as QEMU reports it, at most %d.\n"
	       "\n"
	       "macvtap=DEV comes from vmtapd only, which deletes the macvtap when QEMU (the\n"
	       "QMP socket's peer) exits, or when vmtap unplug releases it.\n"
	       "\n"
	       "Options:\n"
	       "  --qmp PATH          QEMU's QMP socket (-qmp unix:PATH,server=on,wait=off)\n"
	       "  --nic SPEC          the NIC to make and plug\n"
	       "  --bus BUS           the bus to plug into (q35: a free pcie-root-port's id)\n"
	       "  --timeout S         wait at most S seconds for each answer (default %d)\n"
	       "  --json              print what was plugged as one JSON object:\n"
	       "                      {\"id\",\"ifname\",\"mac\",\"queues\",\"vhost\"}\n"
	       "  --socket PATH       vmtapd's socket (default %s); used when it answers\n"
	       "  --helper PATH       vmtap-bridge-helper to run otherwise\n"
	       "  --help              this text\n"
	       "\n"
	       "Example:\n"
	       "  vmtap hotplug --qmp /run/vm1.qmp --nic br0,queues=2,id=hot0 --bus rp1\n",
	       NIC_AUTO_QUEUES_MAX, DEFAULT_TIMEOUT_S, VMTAPD_SOCKET);
}

static void unplug_usage(void)
{
	printf("Usage: vmtap unplug --qmp PATH --id ID [--release IFNAME] [--timeout S] [--json]\n"
	       "                    [--socket PATH]\n"
	       "\n"
	       "Unplugs the NIC with id ID from the running QEMU whose QMP monitor listens on\n"
	       "PATH: device_del, then waits for the guest to release the device\n"
	       "(DEVICE_DELETED), then netdev_del; QEMU closes the tap's fds and the tap\n"
	       "disappears.\n"
	       "\n"
	       "A macvtap vmtapd made (hotplug macvtap=DEV) does not go with its fds: unplug\n"
	       "then asks vmtapd to delete it (release-nic), so its MAC is free at once. It is\n"
	       "the device named ID (hotplug's default id), or IFNAME with --release.\n"
	       "\n"
	       "Options:\n"
	       "  --qmp PATH          QEMU's QMP socket\n"
	       "  --id ID             the id given at hotplug\n"
	       "  --release IFNAME    the macvtap vmtapd made for this NIC, when ID is not\n"
	       "                      its name (hotplug --json says it as \"ifname\")\n"
	       "  --timeout S         wait at most S seconds for each answer and for the guest\n"
	       "                      (default %d)\n"
	       "  --json              print {\"id\":ID,\"unplugged\":true[,\"released\":IFNAME]}\n"
	       "                      on success\n"
	       "  --socket PATH       vmtapd's socket (default %s)\n"
	       "  --help              this text\n",
	       DEFAULT_TIMEOUT_S, VMTAPD_SOCKET);
}

static int parse_timeout(const char *v, int *ms)
{
	unsigned long s;

	if (parse_uint(v, 1, MAX_TIMEOUT_S, &s) < 0)
		return cmd_fail(2, "--timeout %s: expected 1..%d seconds", v, MAX_TIMEOUT_S);
	*ms = (int)s * 1000;
	return 0;
}

/* queues=auto: the VM's vCPUs, as QEMU counts them. */
static int vm_vcpus(struct qmp *q, int timeout_ms, unsigned *out, struct vmtap_err *err)
{
	json_t *cpus = NULL;
	int r = qmp_execute(q, "query-cpus-fast", NULL, QMP_NO_FD, timeout_ms, &cpus, NULL, err);

	if (r < 0)
		return r;
	if (!json_is_array(cpus) || json_array_size(cpus) == 0) {
		json_decref(cpus);
		return vmtap_fail(err, -EPROTO, "query-cpus-fast: expected a list of vCPUs");
	}
	*out = (unsigned)json_array_size(cpus);
	json_decref(cpus);
	return 0;
}

int cmd_hotplug(int argc, char **argv)
{
	struct obtain_opts oo = { NULL, NULL, false, -1 };
	struct vmtap_err err = { "" }, warn = { "" };
	const char *qmp_path = NULL, *nic_arg = NULL, *bus = NULL;
	struct hotplug_req req;
	struct nic_opt opt;
	struct qmp *q = NULL;
	struct nic nic;
	int timeout_ms = DEFAULT_TIMEOUT_S * 1000, i, r, status = 1;
	bool json = false;
	char mac[18];

	for (i = 1; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "--help")) {
			hotplug_usage();
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--qmp"))) {
			qmp_path = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--nic"))) {
			if (nic_arg)
				return cmd_fail(2, "hotplug: one --nic per call");
			nic_arg = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--bus"))) {
			if (!qmp_id_valid(v))
				return cmd_fail(2, "--bus %s: expected a QEMU bus id such as rp1 or pcie.0", v);
			bus = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--timeout"))) {
			if (parse_timeout(v, &timeout_ms))
				return 2;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--socket"))) {
			oo.socket_path = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--helper"))) {
			oo.helper_path = v;
		} else {
			return cmd_fail(2, "hotplug: unknown or incomplete option \"%s\"; see vmtap "
					"hotplug --help", argv[i]);
		}
	}
	if (!qmp_path)
		return cmd_fail(2, "hotplug: expected --qmp PATH");
	if (!nic_arg)
		return cmd_fail(2, "hotplug: expected --nic SPEC");
	if (nic_opt_parse(nic_arg, &opt, &err) < 0)
		return cmd_fail(2, "--nic %s: %s", nic_arg, err.msg);

	nic_init(&nic);
	if ((r = qmp_connect(qmp_path, timeout_ms, &q, &err)) < 0)
		return cmd_fail(1, "%s", vmtap_err_text(&err, r));
	/* A macvtap goes when QEMU does, not when we do (the top). */
	if (opt.spec.macvtap[0]) {
		if ((r = qmp_peer_pidfd(q, &oo.watch_pidfd, &err)) < 0) {
			cmd_fail(1, "macvtap=%s: %s", opt.spec.macvtap, vmtap_err_text(&err, r));
			goto out;
		}
		oo.watch = true;
	}
	if (opt.queues_auto) {
		unsigned vcpus = 1;

		if ((r = vm_vcpus(q, timeout_ms, &vcpus, &err)) < 0) {
			cmd_fail(1, "queues=auto: %s", vmtap_err_text(&err, r));
			goto out;
		}
		opt.spec.queues = vcpus < NIC_AUTO_QUEUES_MAX ? vcpus : NIC_AUTO_QUEUES_MAX;
	}
	if (nic_opt_fill_macs(&opt) < 0) {
		cmd_fail(1, "cannot pick a random MAC");
		goto out;
	}
	if ((r = nic_obtain(&oo, &opt.spec, &nic, &warn, &err)) < 0) {
		cmd_fail(1, "%s", vmtap_err_text(&err, r));
		goto out;
	}

	req.id = opt.id[0] ? opt.id : nic.ifname;
	req.driver = opt.model;
	req.bus = bus;
	memcpy(req.mac, opt.guest_mac, 6);
	if (!qmp_id_valid(req.id)) {
		cmd_fail(1, "tap name %s is not a usable QEMU id; give id= in --nic", req.id);
		goto out;
	}
	if ((r = hotplug_nic(q, &nic, &req, timeout_ms, &err)) < 0) {
		cmd_fail(1, "%s", vmtap_err_text(&err, r));
		goto out;
	}
	if (warn.msg[0])
		fprintf(stderr, "vmtap: %s\n", warn.msg);
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b}", "id", req.id, "ifname", nic.ifname,
				      "mac", format_mac(req.mac, mac), "queues",
				      (json_int_t)nic.queues, "vhost", nic.nvhost > 0);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

		json_decref(o);
		if (!s) {
			cmd_fail(1, "plugged %s, but out of memory printing it", req.id);
			goto out;
		}
		printf("%s\n", s);
		free(s);
	} else {
		printf("plugged %s: %s %s on %s, mac %s, %u queue%s, vhost %s\n", req.id,
		       opt.spec.macvtap[0] ? "macvtap" : "tap", nic.ifname,
		       opt.spec.macvtap[0] ? opt.spec.macvtap : opt.spec.bridge,
		       format_mac(req.mac, mac), nic.queues, nic.queues == 1 ? "" : "s",
		       nic.nvhost ? "on" : "off");
	}
	status = 0;
out:
	/* Our copies only: once plugged, QEMU's keep the tap alive. */
	nic_close(&nic);
	if (oo.watch_pidfd >= 0)
		close(oo.watch_pidfd);
	qmp_close(q);
	return status;
}

/* Whether id names a macvtap vmtapd marked (its alias): the one a NIC
 * plugged under its default id leaves behind.  Anything else (a tap, no
 * such device, a failed look-up) is not one to release. */
static bool marked_macvtap(const char *id)
{
	struct nl_sock *sk = NULL;
	struct link_detail d;
	bool r = false;

	if (ifname_check(id) < 0 || rtnl_open(&sk, NULL) < 0)
		return false;
	if (link_get_detail(sk, id, &d, NULL) == 0)
		r = d.is_macvtap && !strncmp(d.alias, MACVTAP_ALIAS_PREFIX,
					     strlen(MACVTAP_ALIAS_PREFIX));
	rtnl_close(sk);
	return r;
}

/* release-nic of name, once QEMU has let go of it. */
static int release(const char *socket_path, const char *name, struct vmtap_err *err)
{
	struct vmtapd_client *c = NULL;
	int r;

	if ((r = vmtapd_client_open(socket_path ? socket_path : VMTAPD_SOCKET, &c, err)) < 0)
		return r;
	r = vmtapd_client_release_nic(c, name, err);
	vmtapd_client_close(c);
	return r;
}

int cmd_unplug(int argc, char **argv)
{
	const char *qmp_path = NULL, *id = NULL, *rel = NULL, *socket_path = NULL;
	struct vmtap_err err = { "" };
	int timeout_ms = DEFAULT_TIMEOUT_S * 1000, i, r;
	struct qmp *q = NULL;
	bool json = false;

	for (i = 1; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "--help")) {
			unplug_usage();
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--qmp"))) {
			qmp_path = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--id"))) {
			if (!qmp_id_valid(v))
				return cmd_fail(2, "--id %s: expected a letter then letters, digits, '-', "
						"'.' or '_' (at most 63 bytes)", v);
			id = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--release"))) {
			if (ifname_check_err(v, "--release", &err) < 0)
				return cmd_fail(2, "%s", err.msg);
			rel = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--socket"))) {
			socket_path = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--timeout"))) {
			if (parse_timeout(v, &timeout_ms))
				return 2;
		} else {
			return cmd_fail(2, "unplug: unknown or incomplete option \"%s\"; see vmtap "
					"unplug --help", argv[i]);
		}
	}
	if (!qmp_path)
		return cmd_fail(2, "unplug: expected --qmp PATH");
	if (!id)
		return cmd_fail(2, "unplug: expected --id ID");

	if ((r = qmp_connect(qmp_path, timeout_ms, &q, &err)) < 0)
		return cmd_fail(1, "%s", vmtap_err_text(&err, r));
	r = unplug_nic(q, id, timeout_ms, &err);
	qmp_close(q);
	if (r < 0)
		return cmd_fail(1, "%s", vmtap_err_text(&err, r));
	/* QEMU has closed its fds (netdev_del): the macvtap is unused now. */
	if (!rel && marked_macvtap(id))
		rel = id;
	if (rel && (r = release(socket_path, rel, &err)) < 0)
		return cmd_fail(1, "unplugged %s, but macvtap %s stays until QEMU exits: %s", id,
				rel, vmtap_err_text(&err, r));
	/* An interface name may hold '"' or '\\': jansson quotes it. */
	if (json) {
		json_t *o = json_pack("{s:s, s:b}", "id", id, "unplugged", 1);
		char *s;

		if (o && rel && json_object_set_new(o, "released", json_string(rel)) < 0) {
			json_decref(o);
			o = NULL;
		}
		s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (!s)
			return cmd_fail(1, "unplugged %s, but out of memory printing it", id);
		printf("%s\n", s);
		free(s);
	} else if (rel)
		printf("unplugged %s, released macvtap %s\n", id, rel);
	else
		printf("unplugged %s\n", id);
	return 0;
}
