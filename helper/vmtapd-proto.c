/* vmtapd-proto.c — vmtapd's JSON messages, with jansson (see
 * vmtapd-proto.h).
 *
 * Decoding trusts nothing: every key is checked for its type before its
 * value is looked at, values go through the same setter as the command
 * line's (nic_spec_set), and any text from the peer that ends up in a
 * message is first checked (or shown) free of control and non-ASCII
 * bytes, so a message is always one printable line, fit for a log.
 * Encoding never fails on content we made ourselves, only for room. */
#include "vmtapd-proto.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "reply.h"
#include "spec-set.h"

#define SHOW_MAX 40

/* Peer text made safe for a one-line message: non-printable bytes as '?',
 * cut at SHOW_MAX with "...". */
static const char *show(char out[SHOW_MAX + 4], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < SHOW_MAX; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i])
		memcpy(out + i, "...", 4);
	else
		out[i] = '\0';
	return out;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			return false;
	return true;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int check_version(json_t *o, struct vmtap_err *err)
{
	json_t *v = json_object_get(o, "version");

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return vmtap_fail(err, -EINVAL, "\"version\" is %s; expected the integer %d",
				  type_name(v), VMTAPD_PROTO_VERSION);
	if (json_integer_value(v) != VMTAPD_PROTO_VERSION)
		return vmtap_fail(err, -EPROTONOSUPPORT, "protocol version %lld is not spoken here; "
				  "expected %d", (long long)json_integer_value(v),
				  VMTAPD_PROTO_VERSION);
	return 0;
}

static const char CREATE_KEYS[] = "bridge, queues, vhost, mac, mtu, ifname, qdisc or vnet_hdr";

/* One key of a create-nic request into spec. */
static int create_key(struct nic_spec *spec, const char *key, json_t *v, struct vmtap_err *err)
{
	char shown[SHOW_MAX + 4], num[32];

	if (!strcmp(key, "op") || !strcmp(key, "version"))
		return 0;
	if (!strcmp(key, "bridge") || !strcmp(key, "ifname") || !strcmp(key, "vhost") ||
	    !strcmp(key, "mac") || !strcmp(key, "qdisc")) {
		const char *s = json_string_value(v);

		if (!json_is_string(v))
			return vmtap_fail(err, -EINVAL, "create-nic: \"%s\" is %s; expected a string",
					  key, type_name(v));
		/* nic_spec_set echoes the value: it must be one clean line. */
		if (strlen(s) > SHOW_MAX || !printable(s))
			return vmtap_fail(err, -EINVAL, "create-nic: %s=\"%s\": expected %s", key,
					  show(shown, s),
					  !strcmp(key, "mac") ? "a unicast MAC like fe:54:00:12:34:56" :
					  !strcmp(key, "vhost") ? "on, off or auto" :
					  !strcmp(key, "qdisc") ? "noqueue or default" :
					  "an interface name of 1-15 printable ASCII bytes");
		return nic_spec_set(spec, key, key, s, err);
	}
	if (!strcmp(key, "queues") || !strcmp(key, "mtu")) {
		if (!json_is_integer(v))
			return vmtap_fail(err, -EINVAL, "create-nic: \"%s\" is %s; expected an integer",
					  key, type_name(v));
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return nic_spec_set(spec, key, key, num, err);
	}
	if (!strcmp(key, "vnet_hdr")) {
		if (!json_is_boolean(v))
			return vmtap_fail(err, -EINVAL, "create-nic: \"vnet_hdr\" is %s; expected true or false",
					  type_name(v));
		spec->vnet_hdr = json_is_true(v);
		return 0;
	}
	return vmtap_fail(err, -EINVAL, "create-nic: unknown key \"%s\"; expected %s",
			  show(shown, key), CREATE_KEYS);
}

int vmtapd_request_decode(const char *buf, size_t len, struct vmtapd_request *req,
			  struct vmtap_err *err)
{
	char shown[SHOW_MAX + 4];
	json_error_t jerr;
	const char *op, *key;
	json_t *o, *v;
	int r;

	memset(req, 0, sizeof(*req));
	nic_spec_init(&req->spec);
	req->spec.vhost = VHOST_AUTO;

	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return vmtap_fail(err, -EPROTO, "request is not valid JSON: %s at byte %d; "
				  "expected one JSON object per message", show(shown, jerr.text),
				  jerr.position);
	if (!json_is_object(o)) {
		r = vmtap_fail(err, -EPROTO, "request is %s; expected a JSON object", type_name(o));
		goto out;
	}
	v = json_object_get(o, "op");
	if (!v) {
		r = vmtap_fail(err, -EPROTO, "request has no \"op\"; expected hello or create-nic");
		goto out;
	}
	if (!json_is_string(v)) {
		r = vmtap_fail(err, -EINVAL, "\"op\" is %s; expected a string (hello or create-nic)",
			       type_name(v));
		goto out;
	}
	op = json_string_value(v);
	if ((r = check_version(o, err)) < 0)
		goto out;

	if (!strcmp(op, "hello")) {
		req->op = VMTAPD_OP_HELLO;
		json_object_foreach(o, key, v) {
			if (strcmp(key, "op") && strcmp(key, "version")) {
				r = vmtap_fail(err, -EINVAL, "hello: unknown key \"%s\"; expected op or version",
					       show(shown, key));
				goto out;
			}
		}
	} else if (!strcmp(op, "create-nic")) {
		req->op = VMTAPD_OP_CREATE_NIC;
		json_object_foreach(o, key, v) {
			if ((r = create_key(&req->spec, key, v, err)) < 0) {
				/* nic_spec_set: -ENOENT only for keys it does not know. */
				if (r == -ENOENT)
					r = vmtap_fail(err, -EINVAL, "create-nic: unknown key \"%s\"",
						       show(shown, key));
				goto out;
			}
		}
		if (!json_object_get(o, "bridge")) {
			r = vmtap_fail(err, -EINVAL, "create-nic: missing \"bridge\"; expected the name of a bridge");
			goto out;
		}
	} else {
		r = vmtap_fail(err, -EOPNOTSUPP, "unknown op \"%s\"; expected hello or create-nic",
			       show(shown, op));
		goto out;
	}
	r = 0;
out:
	json_decref(o);
	return r;
}

/* Dumps o (which it consumes) into buf, NUL-terminated. */
static int dump(json_t *o, char *buf, size_t cap, size_t *len)
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

static json_t *limit_value(unsigned v)
{
	return v == VMTAPD_NO_LIMIT ? json_null() : json_integer(v);
}

int vmtapd_hello_encode(const struct vmtapd_hello *h, char *buf, size_t cap, size_t *len)
{
	return dump(json_pack("{s:i, s:[i], s:s, s:[s,s], s:I, s:I, s:{s:o, s:o, s:o}}",
			      "version", VMTAPD_PROTO_VERSION, "versions", VMTAPD_PROTO_VERSION,
			      "server", h->server, "ops", "hello", "create-nic",
			      "uid", (json_int_t)h->uid, "gid", (json_int_t)h->gid,
			      "limits", "queues", limit_value(h->max_queues),
			      "nics", limit_value(h->max_nics),
			      "connections", limit_value(h->max_connections)),
		    buf, cap, len);
}

int vmtapd_nic_encode(const struct nic *nic, const char *warning, char *buf, size_t cap,
		      size_t *len)
{
	char hdr[REPLY_MAX];
	size_t n;
	json_t *o;
	int r;

	/* The helper's own header, so one decoder (reply_decode) checks both. */
	if ((r = reply_encode(nic, hdr, sizeof(hdr), &n)) < 0)
		return r;
	if (!warning || !*warning) {
		if (n >= cap)
			return -EMSGSIZE;
		memcpy(buf, hdr, n + 1);
		*len = n;
		return 0;
	}
	o = json_loadb(hdr, n, 0, NULL);
	if (!o || json_object_set_new(o, "warning", json_string(warning)) < 0) {
		json_decref(o);
		return -ENOMEM;
	}
	return dump(o, buf, cap, len);
}

int vmtapd_error_encode(int neg_errno, const char *message, char *buf, size_t cap, size_t *len)
{
	/* Short enough that even all-escaped it fits VMTAPD_REPLY_MAX. */
	char msg[300];

	snprintf(msg, sizeof(msg), "%s", message ? message : "");
	return dump(json_pack("{s:i, s:{s:s, s:s}}", "version", VMTAPD_PROTO_VERSION, "error",
			      "code", vmtapd_errno_name(neg_errno), "message", msg),
		    buf, cap, len);
}

int vmtapd_request_encode(const struct vmtapd_request *req, char *buf, size_t cap, size_t *len)
{
	const struct nic_spec *s = &req->spec;
	char mac[18];
	json_t *o;

	if (req->op == VMTAPD_OP_HELLO)
		return dump(json_pack("{s:s, s:i}", "op", "hello", "version", VMTAPD_PROTO_VERSION),
			    buf, cap, len);
	if (req->op != VMTAPD_OP_CREATE_NIC)
		return -EINVAL;
	o = json_pack("{s:s, s:i, s:s, s:i, s:s, s:s, s:b}", "op", "create-nic",
		      "version", VMTAPD_PROTO_VERSION, "bridge", s->bridge, "queues", (int)s->queues,
		      "vhost", vhost_mode_name(s->vhost), "qdisc", qdisc_mode_name(s->qdisc),
		      "vnet_hdr", (int)s->vnet_hdr);
	if (!o)
		return -ENOMEM;
	if ((s->has_mac && json_object_set_new(o, "mac", json_string(format_mac(s->mac, mac))) < 0) ||
	    (s->mtu && json_object_set_new(o, "mtu", json_integer(s->mtu)) < 0) ||
	    (s->ifname[0] && json_object_set_new(o, "ifname", json_string(s->ifname)) < 0)) {
		json_decref(o);
		return -ENOMEM;
	}
	return dump(o, buf, cap, len);
}

/* An error reply: its -errno with its message in err; 0 if o is not one. */
static int error_reply(json_t *o, struct vmtap_err *err)
{
	json_t *e = json_object_get(o, "error");
	const char *code, *msg;
	char clean[sizeof(err->msg)];
	size_t i;

	if (!e)
		return 0;
	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	if (!json_is_object(e) || !code || !msg)
		return vmtap_fail(err, -EPROTO, "vmtapd: malformed error reply");
	for (i = 0; msg[i] && i + 1 < sizeof(clean); i++)
		clean[i] = (msg[i] >= 0x20 && msg[i] < 0x7f) ? msg[i] : '?';
	clean[i] = '\0';
	if (!clean[0]) {
		char shown[SHOW_MAX + 4];

		return vmtap_fail(err, vmtapd_errno_parse(code), "vmtapd refused the request (%s)",
				  show(shown, code));
	}
	return vmtap_fail(err, vmtapd_errno_parse(code), "%s", clean);
}

static json_t *load_reply(const char *buf, size_t len, struct vmtap_err *err)
{
	char shown[SHOW_MAX + 4];
	json_error_t jerr;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!json_is_object(o)) {
		vmtap_fail(err, -EPROTO, "vmtapd reply is not a JSON object: %s",
			   o ? type_name(o) : show(shown, jerr.text));
		json_decref(o);
		return NULL;
	}
	return o;
}

static int get_limit(json_t *limits, const char *key, unsigned *out, struct vmtap_err *err)
{
	json_t *v = json_object_get(limits, key);

	if (json_is_null(v)) {
		*out = VMTAPD_NO_LIMIT;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0xfffffffeLL)
		return vmtap_fail(err, -EPROTO, "vmtapd hello: limit \"%s\" missing or not a count",
				  key);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

int vmtapd_hello_decode(const char *buf, size_t len, struct vmtapd_hello *h,
			struct vmtap_err *err)
{
	json_t *o = load_reply(buf, len, err), *limits;
	const char *server;
	json_int_t uid, gid;
	int r;

	memset(h, 0, sizeof(*h));
	if (!o)
		return -EPROTO;
	if ((r = error_reply(o, err)) < 0)
		goto out;
	r = -EPROTO;
	if (json_integer_value(json_object_get(o, "version")) != VMTAPD_PROTO_VERSION) {
		vmtap_fail(err, r, "vmtapd hello: \"version\" missing or not %d", VMTAPD_PROTO_VERSION);
		goto out;
	}
	server = json_string_value(json_object_get(o, "server"));
	uid = json_integer_value(json_object_get(o, "uid"));
	gid = json_integer_value(json_object_get(o, "gid"));
	limits = json_object_get(o, "limits");
	if (!server || !json_is_integer(json_object_get(o, "uid")) ||
	    !json_is_integer(json_object_get(o, "gid")) || uid < 0 || gid < 0 ||
	    uid > 0xffffffffLL || gid > 0xffffffffLL || !json_is_object(limits)) {
		vmtap_fail(err, r, "vmtapd hello: \"server\", \"uid\", \"gid\" or \"limits\" missing or mistyped");
		goto out;
	}
	if ((r = get_limit(limits, "queues", &h->max_queues, err)) < 0 ||
	    (r = get_limit(limits, "nics", &h->max_nics, err)) < 0 ||
	    (r = get_limit(limits, "connections", &h->max_connections, err)) < 0)
		goto out;
	show(h->server, server);
	h->version = VMTAPD_PROTO_VERSION;
	h->uid = (unsigned)uid;
	h->gid = (unsigned)gid;
	r = 0;
out:
	json_decref(o);
	return r;
}

int vmtapd_nic_decode(const char *buf, size_t len, unsigned nfds, struct nic *nic,
		      struct vmtap_err *warn, struct vmtap_err *err)
{
	json_t *o = load_reply(buf, len, err);
	const char *w;
	size_t i;
	int r;

	if (!o)
		return -EPROTO;
	if ((r = error_reply(o, err)) < 0)
		goto out;
	if ((r = reply_decode(buf, len, nfds, nic, err)) < 0)
		goto out;
	w = json_string_value(json_object_get(o, "warning"));
	if (w && warn) {
		char clean[sizeof(warn->msg)];

		for (i = 0; w[i] && i + 1 < sizeof(clean); i++)
			clean[i] = (w[i] >= 0x20 && w[i] < 0x7f) ? w[i] : '?';
		clean[i] = '\0';
		vmtap_fail(warn, 0, "%s", clean);
	}
out:
	json_decref(o);
	return r;
}

const char *vmtapd_errno_name(int e)
{
	const char *name = strerrorname_np(e < 0 ? -e : e);

	return name ? name : "EIO";
}

int vmtapd_errno_parse(const char *name)
{
	int e;

	/* Linux errnos stop below 140. */
	for (e = 1; e < 256; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name))
			return -e;
	}
	return -EIO;
}
