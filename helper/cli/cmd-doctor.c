/* vmtap doctor — tell a user whether this host can give VMs fast NICs,
 * and what to do where it cannot.
 *
 *   vmtap doctor [--json] [--vhost-selftest] [--helper PATH] [--socket PATH]
 *                [--user NAME]
 *
 * Prints one line per check (ok / warn / fail) and, under each one that is
 * not ok, one line saying how to fix it; or, with --json, one JSON object.
 * Exits 1 when a check failed, 0 otherwise (warnings included), 2 for a
 * bad command line.  The checks live in doctor.c; this file only parses
 * argv and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <jansson.h>

#include "helper/cli/cmd.h"
#include "helper/cli/doctor.h"
#include "helper/wire/obtain.h"

static void usage(void)
{
	printf("Usage: vmtap doctor [--json] [--vhost-selftest] [--helper PATH] [--socket PATH]\n"
	       "                    [--user NAME]\n"
	       "\n"
	       "Checks what vmtap needs on this host, each as ok, warn or fail with a fix:\n"
	       "/dev/net/tun and its features, /dev/vhost-net and its features, the helper's\n"
	       "setuid bit or file capability, the ACL (%s) and vmtapd's\n"
	       "policy (%s), whether vmtapd answers and so whether the helper\n"
	       "relays to it (broker mode), which policy applies to a user and what it\n"
	       "grants, every bridge (ports, MTU, that policy's verdict), the qdisc\n"
	       "multiqueue taps get, and for each VXLAN port of a bridge its VNI,\n"
	       "learning, MTU headroom and whether FRR (vtysh) knows it for EVPN.\n"
	       "Changes nothing.\n"
	       "\n"
	       "  --json            one JSON object instead of text\n"
	       "  --vhost-selftest  also move one frame each way through vhost-net, in a network\n"
	       "                    namespace of its own (needs root; the host's network is\n"
	       "                    not touched); prints \"vhost-selftest: tx ok, rx ok\"\n"
	       "  --helper PATH     the vmtap-bridge-helper to check (default: next to this\n"
	       "                    program, else the installed one)\n"
	       "  --socket PATH     vmtapd's socket (default %s)\n"
	       "  --user NAME       report the policy that applies to this user (a name or a\n"
	       "                    uid; default: the caller)\n"
	       "  --help            this text\n"
	       "\n"
	       "Exit status: 0 nothing failed (warnings may remain), 1 something failed.\n",
	       VMTAP_ACL_FILE, VMTAPD_POLICY_FILE, VMTAPD_SOCKET);
}

struct selftest_outcome {
	bool ran;
	int r;
	struct vhost_selftest_result res;
	struct vmtap_err err;
};

static void print_text(const struct doctor_report *rep, const struct selftest_outcome *st,
		       const char *kernel)
{
	unsigned i, count[3] = { 0, 0, 0 };

	printf("vmtap doctor: kernel %s\n", kernel);
	for (i = 0; i < rep->n; i++) {
		const struct doctor_check *c = &rep->check[i];

		count[c->status]++;
		printf("%-4s  %-15s %s\n", doctor_status_name(c->status), c->name, c->detail);
		if (c->fix[0])
			printf("      fix: %s\n", c->fix);
	}
	if (st->ran) {
		if (st->r == 0) {
			count[DOCTOR_OK]++;
			printf("vhost-selftest: tx ok, rx ok\n");
		} else {
			count[DOCTOR_FAIL]++;
			printf("vhost-selftest: FAILED: %s\n", vmtap_err_text(&st->err, st->r));
		}
	}
	printf("summary: %u ok, %u warn, %u fail\n", count[DOCTOR_OK], count[DOCTOR_WARN],
	       count[DOCTOR_FAIL]);
}

static int print_json(const struct doctor_report *rep, const struct selftest_outcome *st,
		      const char *kernel)
{
	json_t *root = json_object(), *checks = json_array(), *sum;
	unsigned i, count[3] = { 0, 0, 0 };
	char hex[32];
	int r;

	if (!root || !checks) {
		json_decref(root);
		json_decref(checks);
		return -1;
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "kernel", json_string(kernel));
	for (i = 0; i < rep->n; i++) {
		const struct doctor_check *c = &rep->check[i];

		count[c->status]++;
		json_array_append_new(checks,
				      json_pack("{s:s, s:s, s:s, s:s?}", "name", c->name, "status",
						doctor_status_name(c->status), "detail", c->detail,
						"fix", c->fix[0] ? c->fix : NULL));
	}
	json_object_set_new(root, "checks", checks);
	if (st->ran) {
		json_t *t;

		count[st->r == 0 ? DOCTOR_OK : DOCTOR_FAIL]++;
		t = json_pack("{s:s, s:b, s:b}", "status", st->r == 0 ? "ok" : "fail", "tx",
			      st->res.tx_ok, "rx", st->res.rx_ok);
		if (t && st->res.offered) {
			snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)st->res.offered);
			json_object_set_new(t, "features_offered", json_string(hex));
			snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)st->res.acked);
			json_object_set_new(t, "features_acked", json_string(hex));
			json_object_set_new(t, "vnet_hdr_len", json_integer(st->res.hdr_len));
		}
		if (t && st->r < 0)
			json_object_set_new(t, "error",
					    json_string(vmtap_err_text(&st->err, st->r)));
		json_object_set_new(root, "vhost_selftest", t);
	}
	sum = json_pack("{s:i, s:i, s:i}", "ok", count[DOCTOR_OK], "warn", count[DOCTOR_WARN],
			"fail", count[DOCTOR_FAIL]);
	json_object_set_new(root, "summary", sum);
	r = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
	return r;
}

int cmd_doctor(int argc, char **argv)
{
	struct doctor_opts o = { NULL, NULL, NULL, NULL, NULL };
	struct selftest_outcome st;
	struct doctor_report *rep;
	struct utsname u;
	bool json = false;
	int i, status;

	memset(&st, 0, sizeof(st));
	for (i = 1; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--vhost-selftest")) {
			st.ran = true;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--helper"))) {
			o.helper_path = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--socket"))) {
			o.socket_path = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--user"))) {
			o.user = v;
		} else {
			return cmd_fail(2, "doctor: unknown or incomplete option \"%s\"; see vmtap "
					"doctor --help", argv[i]);
		}
	}
	/* Too big for the stack with the bridge list beside it. */
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return cmd_fail(1, "out of memory");
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");

	doctor_run(&o, rep);
	if (st.ran)
		st.r = doctor_vhost_selftest(&st.res, &st.err);

	status = doctor_worst(rep) == DOCTOR_FAIL || (st.ran && st.r < 0) ? 1 : 0;
	if (json) {
		if (print_json(rep, &st, u.release) < 0)
			status = cmd_fail(1, "cannot write the JSON report");
	} else {
		print_text(rep, &st, u.release);
	}
	free(rep);
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}
