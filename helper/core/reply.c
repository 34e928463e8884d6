/* reply.c — the extended helper reply header (see reply.h), with jansson. */
#include "helper/core/reply.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "helper/core/ifname.h"
#include "helper/core/parse.h"

int reply_encode(const struct nic *nic, char *buf, size_t cap, size_t *len)
{
	char mac[18];

	return json_to_buf(json_pack("{s:i, s:s, s:i, s:i, s:s, s:i, s:i}",
		      "version", REPLY_VERSION, "ifname", nic->ifname, "ifindex", nic->ifindex,
		      "mtu", (int)nic->mtu, "mac", format_mac(nic->mac, mac),
		      "queues", (int)nic->queues, "vhost", (int)nic->nvhost),
			   buf, cap, len);
}

int json_to_buf(json_t *o, char *buf, size_t cap, size_t *len)
{
	size_t n;

	if (!o)
		return -ENOMEM;
	n = json_dumpb(o, buf, cap, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (n == 0 || n >= cap)
		return -EMSGSIZE;
	buf[n] = '\0';
	*len = n;
	return 0;
}

static int get_uint(json_t *o, const char *key, json_int_t min, json_int_t max,
		    unsigned *out, struct vmtap_err *err)
{
	json_t *v = json_object_get(o, key);
	json_int_t i;

	if (!json_is_integer(v))
		return vmtap_fail(err, -EPROTO, "helper reply: \"%s\" missing or not an integer", key);
	i = json_integer_value(v);
	if (i < min || i > max)
		return vmtap_fail(err, -EPROTO, "helper reply: \"%s\" is %lld; expected %lld..%lld", key,
				  (long long)i, (long long)min, (long long)max);
	*out = (unsigned)i;
	return 0;
}

int reply_decode(const char *buf, size_t len, unsigned nfds, struct nic *nic,
		 struct vmtap_err *err)
{
	json_error_t jerr;
	json_t *o;
	const char *name, *mac;
	unsigned version, ifindex;
	int r = -EPROTO;

	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		r = vmtap_fail(err, -EPROTO, "helper reply is not a JSON object: %s", jerr.text);
		goto out;
	}
	if ((r = get_uint(o, "version", REPLY_VERSION, REPLY_VERSION, &version, err)) < 0 ||
	    (r = get_uint(o, "ifindex", 1, 0x7fffffff, &ifindex, err)) < 0 ||
	    (r = get_uint(o, "mtu", 68, 65535, &nic->mtu, err)) < 0 ||
	    (r = get_uint(o, "queues", 1, VMTAP_MAX_QUEUES, &nic->queues, err)) < 0 ||
	    (r = get_uint(o, "vhost", 0, VMTAP_MAX_QUEUES, &nic->nvhost, err)) < 0)
		goto out;
	nic->ifindex = (int)ifindex;
	name = json_string_value(json_object_get(o, "ifname"));
	if (!name || ifname_check(name) < 0) {
		r = vmtap_fail(err, -EPROTO, "helper reply: \"ifname\" missing or not a valid name");
		goto out;
	}
	strcpy(nic->ifname, name);
	mac = json_string_value(json_object_get(o, "mac"));
	if (!mac || parse_mac(mac, nic->mac) < 0) {
		r = vmtap_fail(err, -EPROTO, "helper reply: \"mac\" missing or not a unicast MAC");
		goto out;
	}
	if (nic->nvhost != 0 && nic->nvhost != nic->queues) {
		r = vmtap_fail(err, -EPROTO, "helper reply: %u vhost fds for %u queues", nic->nvhost,
			       nic->queues);
		goto out;
	}
	if (nfds != nic->queues + nic->nvhost) {
		r = vmtap_fail(err, -EPROTO, "helper reply: %u fds received, header says %u",
			       nfds, nic->queues + nic->nvhost);
		goto out;
	}
	r = 0;
out:
	json_decref(o);
	return r;
}
