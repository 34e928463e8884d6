/* nic-opt.c — parse a NIC SPEC (see nic-opt.h). */
#include "helper/cli/nic-opt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "helper/core/parse.h"
#include "helper/core/spec-set.h"

/* QEMU's id rule (letter first; letters, digits, '-', '.', '_'), shorter. */
static bool id_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= NIC_ID_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", s[i]))
			return false;
	return true;
}

/* A device model goes into QEMU's -device string: no ',' or '=' may smuggle
 * extra properties in. */
static bool model_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= NIC_MODEL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", s[i]))
			return false;
	return true;
}

enum key { K_BRIDGE, K_ID, K_QUEUES, K_VHOST, K_MAC, K_MTU, K_MODEL, K_QDISC, K_COUNT };
static const char *const keys[K_COUNT] = {
	"bridge", "id", "queues", "vhost", "mac", "mtu", "model", "qdisc",
};

/* id, model, queues=auto and the guest's mac are the SPEC's own; every
 * other key is a nic_spec field, parsed as everywhere else. */
static int set(struct nic_opt *o, enum key k, const char *v, struct vmtap_err *err)
{
	unsigned long n;

	switch (k) {
	case K_ID:
		if (!id_ok(v))
			return vmtap_fail(err, -EINVAL, "id=%s: expected a letter then up to %d letters, "
					  "digits, '-', '.' or '_'", v, NIC_ID_MAX - 2);
		memcpy(o->id, v, strlen(v) + 1);
		return 0;
	case K_MODEL:
		if (!model_ok(v))
			return vmtap_fail(err, -EINVAL, "model=%s: expected a QEMU device name such as "
					  "virtio-net-pci", v);
		memcpy(o->model, v, strlen(v) + 1);
		return 0;
	case K_QUEUES:
		if (!strcmp(v, "auto")) {
			o->queues_auto = true;
			return 0;
		}
		if (parse_uint(v, 1, VMTAP_MAX_QUEUES, &n) < 0)
			return vmtap_fail(err, -ERANGE, "queues=%s: expected 1..%d or auto", v,
					  VMTAP_MAX_QUEUES);
		o->spec.queues = (unsigned)n;
		return 0;
	case K_MAC:
		if (parse_mac(v, o->guest_mac) < 0)
			return vmtap_fail(err, -EINVAL,
					  "mac=%s: expected a unicast MAC like 52:54:00:12:34:56", v);
		o->has_guest_mac = true;
		return 0;
	default:
		return nic_spec_set(&o->spec, keys[k], keys[k], v, err);
	}
}

int nic_opt_parse(const char *s, struct nic_opt *o, struct vmtap_err *err)
{
	bool seen[K_COUNT] = { false };
	char buf[512], *tok, *save = NULL;

	memset(o, 0, sizeof(*o));
	nic_spec_init(&o->spec);
	o->spec.vhost = VHOST_AUTO;
	strcpy(o->model, "virtio-net-pci");

	if (!s || !*s)
		return vmtap_fail(err, -EINVAL, "empty NIC spec; expected BRIDGE or bridge=BRIDGE,...");
	if (strlen(s) >= sizeof(buf))
		return vmtap_fail(err, -EINVAL, "NIC spec longer than %zu bytes", sizeof(buf) - 1);
	strcpy(buf, s);
	if (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": empty field", s);

	/* "br0" and "br0,queues=4" name the bridge by position. */
	if (!strchr(s, '=') || (strchr(s, ',') && strchr(s, ',') < strchr(s, '='))) {
		tok = strtok_r(buf, ",", &save);
		if (!tok)
			return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": expected BRIDGE first", s);
		if (set(o, K_BRIDGE, tok, err) < 0)
			return -EINVAL;
		seen[K_BRIDGE] = true;
		tok = strtok_r(NULL, ",", &save);
	} else {
		tok = strtok_r(buf, ",", &save);
	}

	for (; tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		enum key k;
		int r;

		if (!eq)
			return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": \"%s\" is not KEY=VALUE", s, tok);
		*eq = '\0';
		for (k = 0; k < K_COUNT; k++)
			if (!strcmp(tok, keys[k]))
				break;
		if (k == K_COUNT)
			return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": unknown key \"%s\"; expected "
					  "bridge, id, queues, vhost, mac, mtu, model or qdisc", s, tok);
		if (seen[k])
			return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": %s given twice", s, tok);
		seen[k] = true;
		if ((r = set(o, k, eq + 1, err)) < 0)
			return r;
	}
	if (!seen[K_BRIDGE])
		return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": no bridge", s);
	return 0;
}

int nic_opt_fill_macs(struct nic_opt *o)
{
	if (!o->has_guest_mac) {
		uint8_t r[3];

		if (getrandom(r, sizeof(r), 0) != sizeof(r))
			return -EIO;
		memcpy(o->guest_mac, "\x52\x54\x00", 3);
		memcpy(o->guest_mac + 3, r, 3);
		o->has_guest_mac = true;
	}
	o->spec.mac[0] = 0xfe;
	memcpy(o->spec.mac + 1, o->guest_mac + 1, 5);
	o->spec.has_mac = true;
	return 0;
}
