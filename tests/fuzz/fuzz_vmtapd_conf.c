/* fuzz_vmtapd_conf.c — fuzz harness for vmtapd's policy grammar
 * (helper/core/acl.c, acl_parse_buffer_daemon): QEMU's grammar plus user/group
 * subjects and limit lines.  As fuzz_acl.c, inputs that include something
 * under dev, proc or sys are skipped (an open() alone can make a device
 * act).  Aborts when a promise in acl.h is broken: an error comes with a
 * one-line message free of control bytes and leaves no acl; a name that is
 * not an interface name is never allowed, for anyone; limits stay in their
 * ranges; acl_check_nic (VLAN grants, require) refuses with one clean line
 * and leaves the spec alone, or only ever adds isolated / mac_lock; what
 * acl_grants lists (vmtapd's hello) is what the decisions answer. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/core/acl.h"
#include "helper/core/ifname.h"
#include "helper/core/nic.h"
#include "helper/core/vlanset.h"
#include "promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clean_line(const struct vmtap_err *err)
{
	size_t i;

	if (!err->msg[0])
		abort();
	for (i = 0; err->msg[i]; i++)
		if ((unsigned char)err->msg[i] < 0x20 || err->msg[i] == 0x7f)
			abort();
}

/* Asks for a few tenant NICs on br0: the answer keeps acl.h's promises. */
static void check_nics(const struct acl *acl, const struct acl_peer *peer)
{
	static const char *const trunks[] = { "", "100-199", "10:4094", "1-4094" };
	static const unsigned vlans[] = { 0, 1, 150, 4094 };
	size_t i, j;

	for (i = 0; i < sizeof(trunks) / sizeof(trunks[0]); i++)
		for (j = 0; j < sizeof(vlans) / sizeof(vlans[0]); j++) {
			struct vmtap_err err = { { 0 } };
			struct nic_spec s, before;
			int r;

			nic_spec_init(&s);
			strcpy(s.bridge, "br0");
			s.vlan = vlans[j];
			if (trunks[i][0] && vlan_set_parse(trunks[i], ":", &s.trunk, &err) < 0)
				abort();
			s.has_isolated = j & 1;
			before = s;
			r = acl_check_nic(acl, peer, &s, peer->uid, &err);
			if (r < 0) {
				clean_line(&err);
				if (memcmp(&s, &before, sizeof(s)))
					abort();
				continue;
			}
			if (s.vlan != before.vlan || memcmp(&s.trunk, &before.trunk, sizeof(s.trunk)) ||
			    (before.isolated && !s.isolated) || (before.has_isolated && !s.has_isolated) ||
			    (before.has_isolated && s.isolated != before.isolated))
				abort();
		}
}

/* What hello lists (acl_grants) is what the decisions say: for a bridge,
 * its entry, else "all"'s, else nothing, gives the answer of
 * acl_allows_peer (untagged) and of acl_check_nic for a few VLANs, and
 * the requires acl_check_nic puts in. */
static void check_grants(const struct acl *acl, const struct acl_peer *peer)
{
	static const char *const bridges[] = { "br0", "br1", "zq7" };
	static const unsigned vlans[] = { 1, 100, 150, 4094 };
	const struct acl_grant none = { "" }, *g;
	struct acl_grant *list;
	size_t n, i, b, v;

	if (acl_grants(acl, peer, &list, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		/* "all" only last; an entry grants something unless an exception
		 * to "all"; no require without a grant. */
		if (!strcmp(list[i].bridge, "all") ? i != n - 1 : !ifname_valid(list[i].bridge))
			abort();
		if (!list[i].untagged && vlan_set_empty(&list[i].vlans) &&
		    (list[i].isolated || list[i].mac_lock ||
		     !n || strcmp(list[n - 1].bridge, "all")))
			abort();
	}
	for (b = 0; b < sizeof(bridges) / sizeof(bridges[0]); b++) {
		struct vmtap_err err = { { 0 } };
		struct nic_spec s;

		for (g = &none, i = 0; i < n; i++)
			if (!strcmp(list[i].bridge, bridges[b]) ||
			    (g == &none && !strcmp(list[i].bridge, "all")))
				g = &list[i];
		if (acl_allows_peer(acl, bridges[b], peer) != g->untagged)
			abort();
		for (v = 0; v < sizeof(vlans) / sizeof(vlans[0]); v++) {
			nic_spec_init(&s);
			strcpy(s.bridge, bridges[b]);
			s.vlan = vlans[v];
			if ((acl_check_nic(acl, peer, &s, peer->uid, &err) == 0) !=
			    vlan_set_has(&g->vlans, vlans[v]))
				abort();
			if (vlan_set_has(&g->vlans, vlans[v]) &&
			    (s.isolated != g->isolated || s.mac_lock != g->mac_lock))
				abort();
		}
	}
	free(list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const gid_t groups[] = { 100, 27 };
	static const struct acl_peer peers[] = {
		{ 0, 0, NULL, 0 }, { 65534, 65534, groups, 2 }, { 1000, 1000, NULL, 0 },
	};
	static const char *const bad[] = { "", "br0:1", "a/b", "..", "123", "abcdefghijklmnop" };
	struct vmtap_err err = { { 0 } };
	struct acl *acl = NULL;
	size_t i, j;
	int r;

	if (fuzz_policy_opens_devices(data, size))
		return 0;

	r = acl_parse_buffer_daemon("fuzz", (const char *)data, size, &acl, &err);
	if (r < 0) {
		if (acl)
			abort();
		promise_one_line(err.msg);
		return 0;
	}
	if (r != 0 || !acl)
		abort();
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		unsigned q = acl_limit(acl, ACL_LIMIT_QUEUES, &peers[i]);
		unsigned n = acl_limit(acl, ACL_LIMIT_NICS, &peers[i]);
		unsigned c = acl_limit(acl, ACL_LIMIT_CONNECTIONS, &peers[i]);

		if (q < 1 || q > VMTAP_MAX_QUEUES || (n != ACL_NO_LIMIT && n > ACL_LIMIT_MAX) ||
		    c < 1 || (c != ACL_NO_LIMIT && c > ACL_LIMIT_MAX))
			abort();
		(void)acl_allows_peer(acl, "br0", &peers[i]);
		check_nics(acl, &peers[i]);
		check_grants(acl, &peers[i]);
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
			if (acl_allows_peer(acl, bad[j], &peers[i]))
				abort();
	}
	acl_free(acl);
	return 0;
}
