/* spec-set.c — parse one nic_spec field (see spec-set.h). */
#include "helper/core/spec-set.h"

#include <errno.h>
#include <string.h>

#include "helper/core/ifname.h"
#include "helper/core/parse.h"

int nic_spec_set(struct nic_spec *s, const char *key, const char *as, const char *v,
		 struct vmtap_err *err)
{
	unsigned long n;

	if (!strcmp(key, "bridge") || !strcmp(key, "ifname")) {
		if (ifname_check(v) < 0)
			return vmtap_fail(err, -EINVAL, "%s=%s: expected %s", as, v,
					  IFNAME_EXPECTED);
		memcpy(!strcmp(key, "bridge") ? s->bridge : s->ifname, v, strlen(v) + 1);
	} else if (!strcmp(key, "queues")) {
		if (parse_uint(v, 1, VMTAP_MAX_QUEUES, &n) < 0)
			return vmtap_fail(err, -ERANGE, "%s=%s: expected 1..%d", as, v,
					  VMTAP_MAX_QUEUES);
		s->queues = (unsigned)n;
	} else if (!strcmp(key, "mtu")) {
		if (parse_uint(v, VMTAP_MTU_MIN, VMTAP_MTU_MAX, &n) < 0)
			return vmtap_fail(err, -ERANGE, "%s=%s: expected %d..%d", as, v,
					  VMTAP_MTU_MIN, VMTAP_MTU_MAX);
		s->mtu = (unsigned)n;
	} else if (!strcmp(key, "vhost")) {
		if (vhost_mode_parse(v, &s->vhost) < 0)
			return vmtap_fail(err, -EINVAL, "%s=%s: expected on, off or auto", as, v);
	} else if (!strcmp(key, "qdisc")) {
		if (qdisc_mode_parse(v, &s->qdisc) < 0)
			return vmtap_fail(err, -EINVAL, "%s=%s: expected noqueue or default", as, v);
	} else if (!strcmp(key, "mac")) {
		if (parse_mac(v, s->mac) < 0)
			return vmtap_fail(err, -EINVAL,
					  "%s=%s: expected a unicast MAC like fe:54:00:12:34:56", as, v);
		s->has_mac = true;
	} else {
		return -ENOENT;
	}
	return 0;
}
