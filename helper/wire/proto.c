/* proto.c — vmtapd's JSON messages, with jansson (see
 * proto.h).
 *
 * Decoding trusts nothing: every key is checked for its type before its
 * value is looked at, values go through the same setter as the command
 * line's (nic_field_set), and any text from the peer that ends up in a
 * message is first checked free of control and non-ASCII bytes, or shown
 * through vmtap_show() (err.h), so a message is always one line, fit for
 * a log.
 * Encoding never fails on content we made ourselves, only for room. */
#include "helper/wire/proto.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/core/jsonkind.h"
#include "helper/core/field.h"
#include "helper/core/ifname.h"
#include "helper/core/parse.h"
#include "helper/core/reply.h"

/* Longest peer string a request may hold where a name is expected. */
#define SHOW_MAX 40

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			return false;
	return true;
}

static int check_version(json_t *o, struct vmtap_err *err)
{
	json_t *v = json_object_get(o, "version");

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return vmtap_fail(err, -EINVAL, "\"version\" is %s; expected the integer %d",
				  json_kind(v), VMTAPD_PROTO_VERSION);
	if (json_integer_value(v) != VMTAPD_PROTO_VERSION)
		return vmtap_fail(err, -EPROTONOSUPPORT, "protocol version %lld is not spoken here; "
				  "expected %d", (long long)json_integer_value(v),
				  VMTAPD_PROTO_VERSION);
	return 0;
}

static const char OPS[] = "hello, create-nic, create-persistent, delete-persistent or "
			  "release-nic";
/* One key of a create-nic or create-persistent (spec->persist) request
 * into spec: a field of the table that the op takes (field.h), its JSON
 * type from the field's type, its value through the command line's
 * parser. */
static int create_key(struct nic_spec *spec, const char *key, json_t *v, struct vmtap_err *err)
{
	const unsigned front = spec->persist ? FRONT_PERSIST : FRONT_NIC;
	const char *op = spec->persist ? "create-persistent" : "create-nic", *s;
	char shown[VMTAP_SHOW_CAP], num[32], text[NIC_FIELD_EXPECTED_MAX > 256 ?
						  NIC_FIELD_EXPECTED_MAX : 256];
	const struct nic_field *f;
	int r;

	if (!strcmp(key, "op") || !strcmp(key, "version"))
		return 0;
	if (spec->persist && !strcmp(key, "owner"))
		return vmtap_fail(err, -EINVAL, "create-persistent: \"owner\" cannot be chosen: the "
				  "device is owned by the uid vmtapd takes the client for");
	f = nic_field_by_name(front, key);
	if (!f)
		return vmtap_fail(err, -EINVAL, "%s: unknown key \"%s\"; expected %s", op,
				  VMTAP_SHOW_TOKEN(shown, key), nic_field_keys(front, NULL, text, sizeof(text)));
	switch (f->type) {
	case NFT_UINT:
	case NFT_ID:
		if (!json_is_integer(v))
			return vmtap_fail(err, -EINVAL, "%s: \"%s\" is %s; expected an integer", op,
					  key, json_kind(v));
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
		break;
	case NFT_BOOL:
	case NFT_SWITCH:
		if (!json_is_boolean(v))
			return vmtap_fail(err, -EINVAL, "%s: \"%s\" is %s; expected true or false",
					  op, key, json_kind(v));
		s = f->type == NFT_BOOL ? (json_is_true(v) ? "true" : "false") :
		    (json_is_true(v) ? "on" : "off");
		break;
	case NFT_VLANS: {
		/* An array [10, "20-29"] or a string; its own messages name the
		 * element. */
		struct vlan_set set = { { 0 } };
		struct vmtap_err why = { "" };

		/* Its message quotes the peer's text already shown (vmtap_fail). */
		r = vlan_set_add_json(&set, v, &why);
		if (r < 0 && json_is_string(v))
			return vmtap_fail(err, r, "%s: %s=\"%s\": %s", op, key,
					  VMTAP_SHOW_TOKEN(shown, json_string_value(v)), why.msg);
		if (r < 0)
			return vmtap_fail(err, r, "%s: \"%s\": %s", op, key, why.msg);
		*nic_field_vlans(spec, f) = set;
		return 0;
	}
	default:
		if (!json_is_string(v))
			return vmtap_fail(err, -EINVAL, "%s: \"%s\" is %s; expected a string", op,
					  key, json_kind(v));
		s = json_string_value(v);
		/* nic_field_set echoes the value: it must be one clean line. */
		if (strlen(s) > SHOW_MAX || !printable(s))
			return vmtap_fail(err, -EINVAL, "%s: %s=\"%s\": expected %s", op, key,
					  VMTAP_SHOW_TOKEN(shown, s), nic_field_expected(f, text));
	}
	if ((r = nic_field_set(spec, f, key, '=', s, err)) < 0)
		return r;
	if (spec->persist && spec->mode == NIC_MODE_TUN)
		return vmtap_fail(err, -EOPNOTSUPP, "create-persistent: mode=tun is not offered by "
				  "vmtapd: a tun device has no bridge, and the policy grants bridges; "
				  "make it with CAP_NET_ADMIN (vmtap create --mode tun as root)");
	return 0;
}

/* create-nic's "watch": only "pidfd" (the fd itself is the loop's to
 * count, server.c).  Whether a macvtap goes with it is checked once every
 * key is in. */
static int watch_key(struct vmtapd_request *req, json_t *v, struct vmtap_err *err)
{
	char shown[VMTAP_SHOW_CAP];

	if (!json_is_string(v))
		return vmtap_fail(err, -EINVAL, "create-nic: \"watch\" is %s; expected \"pidfd\"",
				  json_kind(v));
	if (strcmp(json_string_value(v), "pidfd"))
		return vmtap_fail(err, -EINVAL, "create-nic: watch=\"%s\": expected \"pidfd\" (a "
				  "pidfd of the process whose exit deletes the macvtap, sent with the "
				  "request)", VMTAP_SHOW_TOKEN(shown, json_string_value(v)));
	req->watch = true;
	return 0;
}

/* The "ifnames" of a delete-persistent request: 1..VMTAPD_DELETE_MAX
 * distinct valid names, each checked before anything is done with it. */
static int names_key(struct vmtapd_request *req, json_t *v, struct vmtap_err *err)
{
	struct vmtap_err bad = { "" };
	size_t i, j;
	json_t *e;

	if (!json_is_array(v))
		return vmtap_fail(err, -EINVAL, "delete-persistent: \"ifnames\" is %s; expected an "
				  "array of interface names", json_kind(v));
	if (json_array_size(v) < 1 || json_array_size(v) > VMTAPD_DELETE_MAX)
		return vmtap_fail(err, -ERANGE, "delete-persistent: \"ifnames\" has %zu names; "
				  "expected 1..%d", json_array_size(v), VMTAPD_DELETE_MAX);
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);

		if (!json_is_string(e))
			return vmtap_fail(err, -EINVAL, "delete-persistent: ifnames[%zu] is %s; "
					  "expected a string", i, json_kind(e));
		/* ifname_check refuses what printable() would. */
		if (ifname_check_err(s, NULL, &bad) < 0)
			return vmtap_fail(err, -EINVAL, "delete-persistent: ifnames[%zu]: %s", i,
					  bad.msg);
		for (j = 0; j < i; j++)
			if (!strcmp(req->names[j], s))
				return vmtap_fail(err, -EINVAL, "delete-persistent: \"%s\" is named "
						  "twice in \"ifnames\"; expected each name once", s);
		memcpy(req->names[i], s, strlen(s) + 1);
	}
	req->nnames = (unsigned)json_array_size(v);
	return 0;
}

/* release-nic's "ifname": one valid name, in names[0]. */
static int release_key(struct vmtapd_request *req, json_t *v, struct vmtap_err *err)
{
	struct vmtap_err bad = { "" };
	const char *s = json_string_value(v);

	if (!json_is_string(v))
		return vmtap_fail(err, -EINVAL, "release-nic: \"ifname\" is %s; expected the name "
				  "of a macvtap", json_kind(v));
	/* ifname_check refuses what printable() would. */
	if (ifname_check_err(s, NULL, &bad) < 0)
		return vmtap_fail(err, -EINVAL, "release-nic: %s", bad.msg);
	memcpy(req->names[0], s, strlen(s) + 1);
	req->nnames = 1;
	return 0;
}

int vmtapd_request_decode(const char *buf, size_t len, struct vmtapd_request *req,
			  struct vmtap_err *err)
{
	char shown[VMTAP_SHOW_CAP];
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
				  "expected one JSON object per message", VMTAP_SHOW_TOKEN(shown, jerr.text),
				  jerr.position);
	if (!json_is_object(o)) {
		r = vmtap_fail(err, -EPROTO, "request is %s; expected a JSON object", json_kind(o));
		goto out;
	}
	v = json_object_get(o, "op");
	if (!v) {
		r = vmtap_fail(err, -EPROTO, "request has no \"op\"; expected %s", OPS);
		goto out;
	}
	if (!json_is_string(v)) {
		r = vmtap_fail(err, -EINVAL, "\"op\" is %s; expected a string (%s)", json_kind(v),
			       OPS);
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
					       VMTAP_SHOW_TOKEN(shown, key));
				goto out;
			}
		}
	} else if (!strcmp(op, "create-nic")) {
		req->op = VMTAPD_OP_CREATE_NIC;
		json_object_foreach(o, key, v) {
			r = !strcmp(key, "watch") ? watch_key(req, v, err) :
			    create_key(&req->spec, key, v, err);
			if (r < 0)
				goto out;
		}
		/* A macvtap names its parent instead (README, "macvtap"). */
		if (!json_object_get(o, "bridge") && !json_object_get(o, "macvtap")) {
			r = vmtap_fail(err, -EINVAL, "create-nic: missing \"bridge\"; expected the name of a bridge (or \"macvtap\": a parent)");
			goto out;
		}
		/* A tap goes with its last fd: nobody has to watch for it. */
		if (req->watch && !req->spec.macvtap[0]) {
			r = vmtap_fail(err, -EINVAL, "create-nic: \"watch\" with bridge=%s: only a "
				       "macvtap is deleted when a process exits (a tap goes with its "
				       "last fd); expected \"watch\" with \"macvtap\"",
				       req->spec.bridge);
			goto out;
		}
	} else if (!strcmp(op, "create-persistent")) {
		req->op = VMTAPD_OP_CREATE_PERSISTENT;
		/* What vmtap create makes: no vnet header unless asked. */
		req->spec.persist = true;
		req->spec.vhost = VHOST_OFF;
		req->spec.vnet_hdr = false;
		json_object_foreach(o, key, v) {
			if ((r = create_key(&req->spec, key, v, err)) < 0)
				goto out;
		}
		if (!json_object_get(o, "ifname")) {
			r = vmtap_fail(err, -EINVAL, "create-persistent: missing \"ifname\"; expected "
				       "the name of the device to make");
			goto out;
		}
		/* A macvtap is refused by the handler, in its own words. */
		if (!json_object_get(o, "bridge") && !json_object_get(o, "macvtap")) {
			r = vmtap_fail(err, -EINVAL, "create-persistent: missing \"bridge\"; expected "
				       "the name of a bridge");
			goto out;
		}
	} else if (!strcmp(op, "delete-persistent")) {
		req->op = VMTAPD_OP_DELETE_PERSISTENT;
		json_object_foreach(o, key, v) {
			if (!strcmp(key, "ifnames"))
				r = names_key(req, v, err);
			else if (strcmp(key, "op") && strcmp(key, "version"))
				r = vmtap_fail(err, -EINVAL, "delete-persistent: unknown key \"%s\"; "
					       "expected ifnames", VMTAP_SHOW_TOKEN(shown, key));
			else
				r = 0;
			if (r < 0)
				goto out;
		}
		if (!req->nnames) {
			r = vmtap_fail(err, -EINVAL, "delete-persistent: missing \"ifnames\"; expected "
				       "an array of interface names");
			goto out;
		}
	} else if (!strcmp(op, "release-nic")) {
		req->op = VMTAPD_OP_RELEASE_NIC;
		json_object_foreach(o, key, v) {
			if (!strcmp(key, "ifname"))
				r = release_key(req, v, err);
			else if (strcmp(key, "op") && strcmp(key, "version"))
				r = vmtap_fail(err, -EINVAL, "release-nic: unknown key \"%s\"; "
					       "expected ifname", VMTAP_SHOW_TOKEN(shown, key));
			else
				r = 0;
			if (r < 0)
				goto out;
		}
		if (!req->nnames) {
			r = vmtap_fail(err, -EINVAL, "release-nic: missing \"ifname\"; expected the "
				       "name of a macvtap vmtapd made for you");
			goto out;
		}
	} else {
		r = vmtap_fail(err, -EOPNOTSUPP, "unknown op \"%s\"; expected %s", VMTAP_SHOW_TOKEN(shown, op),
			       OPS);
		goto out;
	}
	r = 0;
out:
	json_decref(o);
	return r;
}

static json_t *limit_value(unsigned v)
{
	return v == VMTAPD_NO_LIMIT ? json_null() : json_integer(v);
}

/* One grant as hello lists it: {"bridge":"br0","untagged":true,
 * "vlans":"10,20-29","require":["isolated"]}. */
static json_t *grant_value(const struct acl_grant *g)
{
	char vlans[VLAN_SET_FORMAT_MAX];
	json_t *req = json_array();

	if (!req || vlan_set_format(&g->vlans, vlans, sizeof(vlans), ',') < 0 ||
	    (g->isolated && json_array_append_new(req, json_string("isolated")) < 0) ||
	    (g->mac_lock && json_array_append_new(req, json_string("mac_lock")) < 0)) {
		json_decref(req);
		return NULL;
	}
	return json_pack("{s:s, s:b, s:s, s:o}", "bridge", g->bridge, "untagged", (int)g->untagged,
			 "vlans", vlans, "require", req);
}

/* A rate in a request's words, or null for none. */
static json_t *rate_value(const struct nic_rate *r)
{
	char t[RATE_FORMAT_MAX];

	if (!r->rate || nic_rate_format(r, t, sizeof(t)) < 0)
		return json_null();
	return json_string(t);
}

/* {"inbound":{"max":..,"default":..},"outbound":{..}} */
static json_t *bandwidth_value(const struct vmtapd_hello *h)
{
	return json_pack("{s:{s:o, s:o}, s:{s:o, s:o}}",
			 "inbound", "max", rate_value(&h->bandwidth[0].max),
			 "default", rate_value(&h->bandwidth[0].dflt),
			 "outbound", "max", rate_value(&h->bandwidth[1].max),
			 "default", rate_value(&h->bandwidth[1].dflt));
}

int vmtapd_hello_encode(const struct vmtapd_hello *h, char *buf, size_t cap, size_t *len)
{
	json_t *o, *bridges = json_array();
	bool cut = h->bridges_truncated || h->nbridges > VMTAPD_HELLO_BRIDGES;
	unsigned i;
	int r;

	for (i = 0; bridges && i < h->nbridges && i < VMTAPD_HELLO_BRIDGES; i++)
		if (json_array_append_new(bridges, grant_value(&h->bridges[i])) < 0) {
			json_decref(bridges);
			return -ENOMEM;
		}
	o = json_pack("{s:i, s:[i], s:s, s:[s,s,s,s,s], s:I, s:I, s:{s:o, s:o, s:o}, s:o, s:b, "
		      "s:{s:o, s:o}}",
		      "version", VMTAPD_PROTO_VERSION, "versions", VMTAPD_PROTO_VERSION,
		      "server", h->server, "ops", "hello", "create-nic",
		      "create-persistent", "delete-persistent", "release-nic",
		      "uid", (json_int_t)h->uid, "gid", (json_int_t)h->gid,
		      "limits", "queues", limit_value(h->max_queues),
		      "nics", limit_value(h->max_nics),
		      "connections", limit_value(h->max_connections),
		      "bridges", bridges, "bridges_truncated", (int)cut,
		      "usage", "nics", limit_value(h->used_nics),
		      "connections", limit_value(h->used_connections));
	if (!o)
		return -ENOMEM;
	if (h->has_bandwidth && json_object_set_new(o, "bandwidth", bandwidth_value(h)) < 0) {
		json_decref(o);
		return -ENOMEM;
	}
	/* The list gives way to the limit every client sizes for: grants
	 * from the end are left out, and the reply says so. */
	for (;;) {
		size_t n = json_dumpb(o, buf, cap, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (n > 0 && n < cap) {
			buf[n] = '\0';
			*len = n;
			r = 0;
			break;
		}
		if (!json_array_size(bridges)) {
			r = -EMSGSIZE;
			break;
		}
		json_array_remove(bridges, json_array_size(bridges) - 1);
		json_object_set_new(o, "bridges_truncated", json_true());
	}
	json_decref(o);
	return r;
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
	return json_to_buf(o, buf, cap, len);
}

int vmtapd_persistent_encode(const struct vmtapd_persistent *p, char *buf, size_t cap,
			     size_t *len)
{
	char mac[18];

	return json_to_buf(json_pack("{s:i, s:s, s:i, s:i, s:s, s:b, s:I, s:o}",
			      "version", VMTAPD_PROTO_VERSION, "ifname", p->ifname,
			      "ifindex", p->ifindex, "mtu", (int)p->mtu,
			      "mac", format_mac(p->mac, mac), "multi_queue", (int)p->multi_queue,
			      "owner", (json_int_t)p->owner,
			      "group", p->has_group ? json_integer(p->group) : json_null()),
		    buf, cap, len);
}

/* A JSON array of req's names. */
static json_t *names_array(const struct vmtapd_request *req)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; a && i < req->nnames; i++)
		if (json_array_append_new(a, json_string(req->names[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int vmtapd_deleted_encode(const struct vmtapd_request *req, char *buf, size_t cap, size_t *len)
{
	return json_to_buf(json_pack("{s:i, s:o}", "version", VMTAPD_PROTO_VERSION,
			      "deleted", names_array(req)),
		    buf, cap, len);
}

int vmtapd_error_encode(int neg_errno, const char *message, char *buf, size_t cap, size_t *len)
{
	/* Short enough that even all-escaped it fits VMTAPD_REPLY_MAX. */
	char msg[300];

	snprintf(msg, sizeof(msg), "%s", message ? message : "");
	return json_to_buf(json_pack("{s:i, s:{s:s, s:s}}", "version", VMTAPD_PROTO_VERSION, "error",
			      "code", vmtapd_errno_name(neg_errno), "message", msg),
		    buf, cap, len);
}

/* Every field of the table that front takes and s gives a value, under
 * its key, in its JSON type. */
static int encode_fields(json_t *o, const struct nic_spec *s, unsigned front)
{
	unsigned i;

	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		char text[VLAN_SET_FORMAT_MAX];
		json_t *v;
		int r;

		if (!(f->fronts & front))
			continue;
		if ((r = nic_field_format(s, f, text, sizeof(text))) < 0)
			return r;
		if (!r)
			continue;
		if (f->type == NFT_UINT || f->type == NFT_ID)
			v = json_integer((json_int_t)strtoll(text, NULL, 10));
		else if (f->type == NFT_BOOL || f->type == NFT_SWITCH)
			v = json_boolean(!strcmp(text, "true") || !strcmp(text, "on"));
		else
			v = json_string(text);
		if (json_object_set_new(o, f->key, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

int vmtapd_request_encode(const struct vmtapd_request *req, char *buf, size_t cap, size_t *len)
{
	json_t *o;
	int r;

	if (req->op == VMTAPD_OP_HELLO)
		return json_to_buf(json_pack("{s:s, s:i}", "op", "hello", "version", VMTAPD_PROTO_VERSION),
			    buf, cap, len);
	if (req->op == VMTAPD_OP_DELETE_PERSISTENT)
		return json_to_buf(json_pack("{s:s, s:i, s:o}", "op", "delete-persistent",
				      "version", VMTAPD_PROTO_VERSION, "ifnames", names_array(req)),
			    buf, cap, len);
	if (req->op == VMTAPD_OP_RELEASE_NIC)
		return json_to_buf(json_pack("{s:s, s:i, s:s}", "op", "release-nic",
				      "version", VMTAPD_PROTO_VERSION, "ifname", req->names[0]),
			    buf, cap, len);
	if (req->op != VMTAPD_OP_CREATE_PERSISTENT && req->op != VMTAPD_OP_CREATE_NIC)
		return -EINVAL;
	/* create-persistent: no owner (the daemon decides it), and the mode
	 * as asked, so the daemon's refusal of tun is the one the user reads. */
	o = json_pack("{s:s, s:i}", "op", req->op == VMTAPD_OP_CREATE_NIC ? "create-nic" :
		      "create-persistent", "version", VMTAPD_PROTO_VERSION);
	if (!o)
		return -ENOMEM;
	r = encode_fields(o, &req->spec,
			  req->op == VMTAPD_OP_CREATE_NIC ? FRONT_NIC : FRONT_PERSIST);
	if (r == 0 && req->op == VMTAPD_OP_CREATE_NIC && req->watch &&
	    json_object_set_new(o, "watch", json_string("pidfd")) < 0)
		r = -ENOMEM;
	if (r < 0) {
		json_decref(o);
		return r;
	}
	return json_to_buf(o, buf, cap, len);
}

/* An error reply: its -errno with its message in err; 0 if o is not one. */
static int error_reply(json_t *o, struct vmtap_err *err)
{
	json_t *e = json_object_get(o, "error");
	const char *code, *msg;

	if (!e)
		return 0;
	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	if (!json_is_object(e) || !code || !msg)
		return vmtap_fail(err, -EPROTO, "vmtapd: malformed error reply");
	if (!msg[0]) {
		char shown[VMTAP_SHOW_CAP];

		return vmtap_fail(err, vmtapd_errno_parse(code), "vmtapd refused the request (%s)",
				  VMTAP_SHOW_TOKEN(shown, code));
	}
	/* vmtap_fail stores it through the one sanitiser. */
	return vmtap_fail(err, vmtapd_errno_parse(code), "%s", msg);
}

static json_t *load_reply(const char *buf, size_t len, struct vmtap_err *err)
{
	char shown[VMTAP_SHOW_CAP];
	json_error_t jerr;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!json_is_object(o)) {
		vmtap_fail(err, -EPROTO, "vmtapd reply is not a JSON object: %s",
			   o ? json_kind(o) : VMTAP_SHOW_TOKEN(shown, jerr.text));
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

/* One entry of hello's "bridges" into g. */
static int get_grant(json_t *e, size_t i, struct acl_grant *g, struct vmtap_err *err)
{
	const char *name = json_string_value(json_object_get(e, "bridge"));
	const char *vlans = json_string_value(json_object_get(e, "vlans"));
	json_t *untagged = json_object_get(e, "untagged"), *req = json_object_get(e, "require"), *v;
	struct vmtap_err why = { "" };
	size_t j;

	memset(g, 0, sizeof(*g));
	if (!json_is_object(e) || !name || (strcmp(name, "all") && ifname_check(name) < 0) ||
	    !json_is_boolean(untagged) || !vlans || !json_is_array(req))
		return vmtap_fail(err, -EPROTO, "vmtapd hello: bridges[%zu]: \"bridge\", "
				  "\"untagged\", \"vlans\" or \"require\" missing or mistyped", i);
	if (vlans[0] && vlan_set_parse(vlans, ",", &g->vlans, &why) < 0)
		return vmtap_fail(err, -EPROTO, "vmtapd hello: bridges[%zu]: %s", i, why.msg);
	/* A require this client does not know of is not its to enforce: the
	 * daemon does. */
	json_array_foreach(req, j, v) {
		g->isolated |= json_is_string(v) && !strcmp(json_string_value(v), "isolated");
		g->mac_lock |= json_is_string(v) && !strcmp(json_string_value(v), "mac_lock");
	}
	memcpy(g->bridge, name, strlen(name) + 1);
	g->untagged = json_is_true(untagged);
	return 0;
}

/* hello's "bridges" and "bridges_truncated"; absent (an older daemon):
 * has_bridges stays false. */
static int get_bridges(json_t *o, struct vmtapd_hello *h, struct vmtap_err *err)
{
	json_t *a = json_object_get(o, "bridges"), *e;
	size_t i;
	int r;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return vmtap_fail(err, -EPROTO, "vmtapd hello: \"bridges\" is %s; expected an array",
				  json_kind(a));
	json_array_foreach(a, i, e) {
		if (i == VMTAPD_HELLO_BRIDGES) {
			h->bridges_truncated = true;
			break;
		}
		if ((r = get_grant(e, i, &h->bridges[i], err)) < 0)
			return r;
		h->nbridges = (unsigned)i + 1;
	}
	h->bridges_truncated |= json_is_true(json_object_get(o, "bridges_truncated"));
	h->has_bridges = true;
	return 0;
}

/* hello's "usage"; absent (an older daemon): VMTAPD_NO_LIMIT. */
static int get_usage(json_t *o, struct vmtapd_hello *h, struct vmtap_err *err)
{
	json_t *u = json_object_get(o, "usage");
	int r;

	h->used_nics = h->used_connections = VMTAPD_NO_LIMIT;
	if (!u)
		return 0;
	if (!json_is_object(u))
		return vmtap_fail(err, -EPROTO, "vmtapd hello: \"usage\" is %s; expected an object",
				  json_kind(u));
	if ((r = get_limit(u, "nics", &h->used_nics, err)) < 0 ||
	    (r = get_limit(u, "connections", &h->used_connections, err)) < 0)
		return r;
	return 0;
}

/* One rate of hello's "bandwidth": a string in a request's words, or
 * null. */
static int get_rate(json_t *dir, const char *dname, const char *key, struct nic_rate *out,
		    struct vmtap_err *err)
{
	struct vmtap_err why = { "" };
	json_t *v = json_object_get(dir, key);

	*out = (struct nic_rate){ 0, 0, 0 };
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return vmtap_fail(err, -EPROTO, "vmtapd hello: bandwidth %s \"%s\" missing or not "
				  "a rate", dname, key);
	if (nic_rate_parse(json_string_value(v), out, &why) < 0)
		return vmtap_fail(err, -EPROTO, "vmtapd hello: bandwidth %s \"%s\": %s", dname,
				  key, why.msg);
	return 0;
}

/* hello's "bandwidth"; absent (an older daemon): has_bandwidth stays
 * false. */
static int get_bandwidth(json_t *o, struct vmtapd_hello *h, struct vmtap_err *err)
{
	static const char *const dirs[2] = { "inbound", "outbound" };
	json_t *b = json_object_get(o, "bandwidth");
	unsigned i;
	int r;

	if (!b)
		return 0;
	if (!json_is_object(b))
		return vmtap_fail(err, -EPROTO, "vmtapd hello: \"bandwidth\" is %s; expected an "
				  "object", json_kind(b));
	for (i = 0; i < 2; i++) {
		json_t *d = json_object_get(b, dirs[i]);

		if (!json_is_object(d))
			return vmtap_fail(err, -EPROTO, "vmtapd hello: bandwidth \"%s\" missing or "
					  "not an object", dirs[i]);
		if ((r = get_rate(d, dirs[i], "max", &h->bandwidth[i].max, err)) < 0 ||
		    (r = get_rate(d, dirs[i], "default", &h->bandwidth[i].dflt, err)) < 0)
			return r;
	}
	h->has_bandwidth = true;
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
	if ((r = get_bridges(o, h, err)) < 0 || (r = get_usage(o, h, err)) < 0 ||
	    (r = get_bandwidth(o, h, err)) < 0)
		goto out;
	vmtap_show(h->server, sizeof(h->server), server, SIZE_MAX, 0);
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
	int r;

	if (!o)
		return -EPROTO;
	if ((r = error_reply(o, err)) < 0)
		goto out;
	if ((r = reply_decode(buf, len, nfds, nic, err)) < 0)
		goto out;
	w = json_string_value(json_object_get(o, "warning"));
	if (w && warn)
		vmtap_fail(warn, 0, "%s", w); /* through the one sanitiser */
out:
	json_decref(o);
	return r;
}

/* A reply that must come without fds, and is no error reply: its object,
 * or NULL with err set. */
static json_t *load_plain_reply(const char *buf, size_t len, unsigned nfds, const char *what,
				struct vmtap_err *err, int *r)
{
	json_t *o = load_reply(buf, len, err);

	*r = -EPROTO;
	if (!o)
		return NULL;
	if ((*r = error_reply(o, err)) < 0)
		goto fail;
	*r = -EPROTO;
	if (nfds) {
		vmtap_fail(err, *r, "vmtapd sent %u fds with its %s reply; expected none", nfds, what);
		goto fail;
	}
	if (json_integer_value(json_object_get(o, "version")) != VMTAPD_PROTO_VERSION) {
		vmtap_fail(err, *r, "vmtapd %s reply: \"version\" missing or not %d", what,
			   VMTAPD_PROTO_VERSION);
		goto fail;
	}
	*r = 0;
	return o;
fail:
	json_decref(o);
	return NULL;
}

int vmtapd_persistent_decode(const char *buf, size_t len, unsigned nfds,
			     struct vmtapd_persistent *p, struct vmtap_err *err)
{
	json_t *o, *group, *mq;
	const char *name, *mac;
	json_int_t ifindex, mtu, owner;
	int r;

	memset(p, 0, sizeof(*p));
	if (!(o = load_plain_reply(buf, len, nfds, "create-persistent", err, &r)))
		return r;
	r = -EPROTO;
	name = json_string_value(json_object_get(o, "ifname"));
	mac = json_string_value(json_object_get(o, "mac"));
	ifindex = json_integer_value(json_object_get(o, "ifindex"));
	mtu = json_integer_value(json_object_get(o, "mtu"));
	owner = json_integer_value(json_object_get(o, "owner"));
	mq = json_object_get(o, "multi_queue");
	group = json_object_get(o, "group");
	if (!name || ifname_check(name) < 0 || ifindex < 1 || ifindex > 0x7fffffff ||
	    mtu < VMTAP_MTU_MIN || mtu > VMTAP_MTU_MAX || !mac || parse_mac(mac, p->mac) < 0 ||
	    !json_is_boolean(mq) || !json_is_integer(json_object_get(o, "owner")) || owner < 0 ||
	    owner > 0xffffffffLL ||
	    !(json_is_null(group) || (json_is_integer(group) && json_integer_value(group) >= 0 &&
				      json_integer_value(group) <= 0xffffffffLL))) {
		vmtap_fail(err, r, "vmtapd create-persistent reply: a field is missing, mistyped or "
			   "out of range");
		goto out;
	}
	memcpy(p->ifname, name, strlen(name) + 1);
	p->ifindex = (int)ifindex;
	p->mtu = (unsigned)mtu;
	p->multi_queue = json_is_true(mq);
	p->owner = (uint32_t)owner;
	p->has_group = json_is_integer(group);
	p->group = p->has_group ? (uint32_t)json_integer_value(group) : 0;
	r = 0;
out:
	json_decref(o);
	return r;
}

int vmtapd_deleted_decode(const char *op, const char *buf, size_t len, unsigned nfds,
			  unsigned *n, struct vmtap_err *err)
{
	json_t *o, *a, *e;
	size_t i;
	int r;

	*n = 0;
	if (!(o = load_plain_reply(buf, len, nfds, op, err, &r)))
		return r;
	a = json_object_get(o, "deleted");
	r = -EPROTO;
	if (!json_is_array(a)) {
		vmtap_fail(err, r, "vmtapd %s reply: \"deleted\" missing or not an array", op);
		goto out;
	}
	json_array_foreach(a, i, e) {
		if (!json_is_string(e)) {
			vmtap_fail(err, r, "vmtapd %s reply: \"deleted\" holds %s; expected names",
				   op, json_kind(e));
			goto out;
		}
	}
	*n = (unsigned)json_array_size(a);
	r = 0;
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
