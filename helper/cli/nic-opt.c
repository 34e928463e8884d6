/* nic-opt.c — parse a NIC SPEC (see nic-opt.h). */
#include "helper/cli/nic-opt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "helper/core/field.h"

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

/* The SPEC's own keys, which are no nic_spec field. */
const char *const nic_opt_own_keys[] = { "id", "model", NULL };

/* id, model, queues=auto and the guest's mac are the SPEC's own; every
 * other key is a field of the table, parsed as everywhere else. */
static int set(struct nic_opt *o, const struct nic_field *f, const char *key, const char *v,
	       struct vmtap_err *err)
{
	if (!f && !strcmp(key, "id")) {
		if (!id_ok(v))
			return vmtap_fail(err, -EINVAL, "id=%s: expected a letter then up to %d letters, "
					  "digits, '-', '.' or '_'", v, NIC_ID_MAX - 2);
		memcpy(o->id, v, strlen(v) + 1);
		return 0;
	}
	if (!f) { /* model */
		if (!model_ok(v))
			return vmtap_fail(err, -EINVAL, "model=%s: expected a QEMU device name such as "
					  "virtio-net-pci", v);
		memcpy(o->model, v, strlen(v) + 1);
		return 0;
	}
	/* The SPEC words these two its own way: parsed by the table into a
	 * scratch error, refused in the SPEC's words. */
	if (!strcmp(f->key, "queues")) {
		struct vmtap_err scratch = { "" };

		if (!strcmp(v, "auto")) {
			o->queues_auto = true;
			return 0;
		}
		if (nic_field_set(&o->spec, f, key, '=', v, &scratch) < 0)
			return vmtap_fail(err, -ERANGE, "queues=%s: expected %lu..%lu or auto", v,
					  f->min, f->max);
		return 0;
	}
	if (!strcmp(f->key, "mac")) {
		/* The guest's MAC; the tap's is made from it (nic_opt_fill_macs). */
		struct vmtap_err scratch = { "" };
		struct nic_spec guest;

		nic_spec_init(&guest);
		if (nic_field_set(&guest, f, key, '=', v, &scratch) < 0)
			return vmtap_fail(err, -EINVAL,
					  "mac=%s: expected a unicast MAC like 52:54:00:12:34:56", v);
		memcpy(o->guest_mac, guest.mac, sizeof(o->guest_mac));
		o->has_guest_mac = true;
		return 0;
	}
	return nic_field_set(&o->spec, f, key, '=', v, err);
}

/* Index into seen[]: a row of the table, or one of nic_opt_own_keys after them. */
static int lookup(const char *key, const struct nic_field **f)
{
	unsigned i;

	*f = nic_field_by_name(FRONT_SPEC, key);
	if (*f)
		return (int)(*f - nic_fields);
	for (i = 0; nic_opt_own_keys[i]; i++)
		if (!strcmp(key, nic_opt_own_keys[i]))
			return (int)(nic_nfields + i);
	return -1;
}

int nic_opt_parse(const char *s, struct nic_opt *o, struct vmtap_err *err)
{
	bool seen[NIC_FIELDS_MAX + 2] = { false };
	const struct nic_field *bridge = nic_field_by_key("bridge"), *f;
	char buf[512], keys[256], *tok, *save = NULL;

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
		if (set(o, bridge, bridge->key, tok, err) < 0)
			return -EINVAL;
		seen[bridge - nic_fields] = true;
		tok = strtok_r(NULL, ",", &save);
	} else {
		tok = strtok_r(buf, ",", &save);
	}

	for (; tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int k, r;

		if (!eq)
			return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": \"%s\" is not KEY=VALUE", s, tok);
		*eq = '\0';
		if ((k = lookup(tok, &f)) < 0)
			return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": unknown key \"%s\"; expected %s",
					  s, tok, nic_field_keys(FRONT_SPEC, nic_opt_own_keys, keys,
								 sizeof(keys)));
		if (seen[k])
			return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": %s given twice", s, tok);
		seen[k] = true;
		if ((r = set(o, f, tok, eq + 1, err)) < 0)
			return r;
	}
	/* A macvtap names its parent instead (macvtap=DEV). */
	if (!seen[bridge - nic_fields] && !o->spec.macvtap[0])
		return vmtap_fail(err, -EINVAL, "NIC spec \"%s\": no bridge (or macvtap=DEV)", s);
	return 0;
}

const char *nic_opt_help(char *buf, size_t cap)
{
	char line[256], what[160];
	size_t off = 0;
	unsigned i;

	/* The bridge is the SPEC's head (nic-opt.h), not a line of its own. */
	for (i = 0; i <= nic_nfields; i++) {
		const struct nic_field *f = i < nic_nfields ? &nic_fields[i] : NULL;

		if (i == 0)
			nic_field_help_line(NULL, FRONT_SPEC, "id=ID",
					    "netdev id (default net0, net1, ...)", line, sizeof(line));
		else if (!f)
			nic_field_help_line(NULL, FRONT_SPEC, "model=DEV",
					    "QEMU NIC device (default virtio-net-pci)", line,
					    sizeof(line));
		else if (!(f->fronts & FRONT_SPEC))
			continue;
		else if (!strcmp(f->key, "queues")) {
			snprintf(what, sizeof(what), "tap queues, %lu..%lu; auto = vCPUs from -smp, "
				 "at most %d\n                     (default 1)", f->min, f->max,
				 NIC_AUTO_QUEUES_MAX);
			nic_field_help_line(f, FRONT_SPEC, "queues=N|auto", what, line, sizeof(line));
		} else if (!strcmp(f->key, "mac"))
			nic_field_help_line(f, FRONT_SPEC, NULL, "the guest's MAC (default 52:54:00 + "
					    "random); the tap\n                     gets fe + its "
					    "last five bytes", line, sizeof(line));
		else
			nic_field_help_line(f, FRONT_SPEC, NULL, NULL, line, sizeof(line));
		if (i > 0 && f && !strcmp(f->key, "bridge"))
			continue;
		if (off + strlen(line) + 1 > cap)
			break;
		memcpy(buf + off, line, strlen(line) + 1);
		off += strlen(line);
	}
	return buf;
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
	/* The spec carries both: guest_mac is what mac_lock pins, and the
	 * tap's MAC follows it (nic_spec_tap_mac); mac too, for whoever
	 * reads the spec's tap MAC alone. */
	memcpy(o->spec.guest_mac, o->guest_mac, 6);
	o->spec.has_guest_mac = true;
	/* A macvtap has no host side: its MAC is the guest's. */
	if (o->spec.macvtap[0])
		return 0;
	nic_host_mac(o->spec.mac, o->guest_mac);
	o->spec.has_mac = true;
	return 0;
}
