/* field.h — the one table of NIC fields.
 *
 * Every field a nic_spec carries is one row of nic_fields[] (field.c): its
 * key, its type and range, which front ends take it, and whether a NIC
 * made ahead of time (vmtapd's pool) may be given it.  Every front end
 * derives from the table what it accepts, how it spells it, how it parses
 * it and the words of its refusals; the pool derives its fit test:
 *
 *   vmtap-bridge-helper  --KEY=V (every field but bridge is an extension)
 *                        helper/bridge-helper/args.c; obtain.c builds the
 *                        helper child's argv from the same rows
 *   vmtap NIC SPEC       KEY=V (exec, hotplug, attach), helper/cli/nic-opt.c
 *   vmtap create         --KEY V, helper/cli/create-opt.c
 *   vmtapd JSON          "KEY" of create-nic and create-persistent, decoder
 *                        and the C client's encoder, helper/wire/proto.c
 *   libvirt metadata     <vmtap:port ATTR="V">, helper/cli/domxml.c
 *   --help               each front end's key list (nic_field_help)
 *   pool fit             helper/daemon/pool.c (nic_spec_poolable)
 *
 * Adding a per-NIC field:
 *   1. its member in struct nic_spec (nic.h), and its default in
 *      nic_spec_init (nic.c) unless all-zero; "absent" must be all-zero or
 *      that default;
 *   2. one row in nic_fields[] (field.c): key, type (NFT_*; a new type
 *      needs its parse, format, given and JSON kind here and in proto.c),
 *      range or words, .meta and .help for --help, the FRONT_* bits of the
 *      front ends that take it, .audited if vmtapd's grant line names it,
 *      and .poolable = true only once a pooled NIC
 *      can be given it (provision_ready applies it, or pool.c matches on
 *      it): left out, it is false, and a request that gives the field takes
 *      the usual path, never a pooled NIC;
 *   3. what it does: provision.c and bridge/ (the kernel message);
 *   4. README.md, and the tests: tests/unit/test_field.c checks the row in
 *      every front end by itself (it names the poolable rows: add it there
 *      if poolable); a test of what the field does.
 * No front end's file changes.
 *
 * Pure: no printing, no kernel. */
#ifndef VMTAP_FIELD_H
#define VMTAP_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#include "helper/core/err.h"
#include "helper/core/nic.h"

/* The front ends, as bits of nic_field.fronts. */
enum nic_front {
	FRONT_HELPER = 1u << 0,  /* vmtap-bridge-helper --KEY=V */
	FRONT_SPEC = 1u << 1,    /* vmtap's NIC SPEC KEY=V */
	FRONT_CREATE = 1u << 2,  /* vmtap create --KEY V (a bool: --KEY) */
	FRONT_NIC = 1u << 3,     /* vmtapd create-nic "KEY" */
	FRONT_PERSIST = 1u << 4, /* vmtapd create-persistent "KEY" */
	FRONT_LIBVIRT = 1u << 5, /* <vmtap:port ATTR="V"> */
};
#define FRONT_ALL 0x3fu

enum nic_field_type {
	NFT_NAME, /* char[IFNAMSIZ]; "" is absent; ifname_check */
	NFT_UINT, /* unsigned in min..max; 0 is absent */
	NFT_WORD, /* an enum, one of words (JSON: a string) */
	NFT_MAC,  /* uint8_t[6] and its has_ flag; unicast */
	NFT_ID,   /* uint32_t in 0..4294967294 and its has_ flag (a uid, gid) */
	NFT_BOOL, /* bool: "true"/"false" (a flag on vmtap create's line) */
	NFT_VLANS, /* struct vlan_set; empty is absent.  Text: a VLAN list
	            * (vlanset.h) with ',' or ':' between items (a NIC SPEC
	            * splits keys at ',', so there only ':' reaches it); written
	            * with ':'.  JSON: an array [10, "20-29"] or a string. */
	NFT_SWITCH, /* bool and its has_ flag: "on"/"off" (JSON true/false);
	             * absent is neither, which a policy's require tells from
	             * "off" */
	NFT_NETNS,  /* char[VMTAP_NETNS_MAX]; "" is absent; a name under
	             * /run/netns or an absolute path (netns.h) */
	NFT_RATE,   /* struct nic_rate (rate.h); rate 0 is absent.  Text and
	             * JSON: a string RATE[:PEAK][:BURST] ("10mbit:20mbit:64kb") */
};

struct nic_word {
	const char *word;
	int value;
};

struct nic_field {
	const char *key;
	enum nic_field_type type;
	unsigned fronts;         /* FRONT_* bits */
	bool poolable;           /* a pooled NIC can be given it: default no */
	bool audited;            /* what a tenant's policy grants or limits
	                          * (a VLAN, the lock, a rate): vmtapd's grant
	                          * line names it when given */
	const char *helper_opt;  /* NULL: "--KEY" */
	const char *xml_attr;    /* NULL: KEY */
	size_t off;              /* of the value in nic_spec */
	size_t has_off;          /* NFT_MAC, NFT_ID, NFT_SWITCH: of the has_ flag */
	unsigned long min, max;  /* NFT_UINT */
	const struct nic_word *words; /* NFT_WORD, ends with { NULL } */
	bool gid;                /* NFT_ID: a group's (a command line may name it) */
	const char *meta;        /* the value in --help: "N"; NULL: words or none */
	const char *help;        /* for --help, whatever the front end: under 58
	                          * columns, or "\n" and 21 spaces to go on */
};

/* Room a front end may keep per row (a "seen" array). */
#define NIC_FIELDS_MAX 32

extern const struct nic_field nic_fields[];
extern const unsigned nic_nfields;

/* The longest spelling of a key in any front end, with its NUL. */
#define NIC_FIELD_NAME_MAX 32
/* The longest "expected ..." text. */
#define NIC_FIELD_EXPECTED_MAX 128

/* How FRONT (one bit) spells f: "--br", "--vnet-hdr", "queues", "dev". */
const char *nic_field_name(const struct nic_field *f, unsigned front,
			   char buf[NIC_FIELD_NAME_MAX]);

/* The row FRONT takes under NAME (its own spelling), or NULL. */
const struct nic_field *nic_field_by_name(unsigned front, const char *name);

/* The row of KEY, whatever the front end, or NULL. */
const struct nic_field *nic_field_by_key(const char *key);

/* What a value of f must be, for "...: expected TEXT". */
const char *nic_field_expected(const struct nic_field *f, char buf[NIC_FIELD_EXPECTED_MAX]);

/* Parses value into f's member of s.  A refusal reads "AS<SEP>VALUE:
 * expected ..." (AS is the user's spelling: "--queues", "queues"; SEP is
 * how they joined it to the value, '=' or ' ').  An NFT_BOOL with value
 * NULL is set true (a flag).  -EINVAL, or -ERANGE for a number out of
 * range. */
int nic_field_set(struct nic_spec *s, const struct nic_field *f, const char *as, char sep,
		  const char *value, struct vmtap_err *err);

/* f's value in s as its front ends take it back ("4", "auto", "br0",
 * "true"): 1, or 0 when s leaves it absent (an empty name, MTU 0, no MAC,
 * no id), which a front end then does not send.  Words and bools are never
 * absent.  -ENOSPC for a short buf. */
int nic_field_format(const struct nic_spec *s, const struct nic_field *f, char *buf, size_t cap);

/* Whether s asks f for something other than nic_spec_init's value. */
bool nic_field_given(const struct nic_spec *s, const struct nic_field *f);

/* Whether a pooled NIC can serve s: no field it gives is one the pool
 * cannot apply.  (Which pool, and its MTU, the pool decides itself.) */
bool nic_spec_poolable(const struct nic_spec *s);

/* The keys FRONT takes in its own spelling, then the front end's own
 * extra (NULL-terminated, may be NULL), as "a, b or c", into buf. */
const char *nic_field_keys(unsigned front, const char *const *extra, char *buf, size_t cap);

/* The --help lines of every row FRONT takes but those named in skip
 * (NULL-terminated, may be NULL): "  --queues=N         tap queues, ...\n",
 * in the front end's spelling, into buf. */
const char *nic_field_help(unsigned front, const char *const *skip, char *buf, size_t cap);

/* One row's --help line: LEFT ("queues=N|auto") or, when NULL, f's name
 * and value in front's spelling; HELP or, when NULL, f's.  f may be NULL
 * when both are given (a front end's own key). */
const char *nic_field_help_line(const struct nic_field *f, unsigned front, const char *left,
				const char *help, char *buf, size_t cap);

/* The struct vlan_set an NFT_VLANS row f keeps in s (JSON's array form
 * is read into it directly, proto.c). */
struct vlan_set *nic_field_vlans(struct nic_spec *s, const struct nic_field *f);

/* The rules between fields of the tenant-network rows (nic.h): a vlan=
 * VLAN is not also in trunk=, and a NIC that asks for any of vlan, trunk,
 * isolated, mac_lock or announce is a tap on a bridge.  -EINVAL naming the value.
 * (Every front end parses one field at a time; this is what they share
 * after, called by acl_check_nic and provision.) */
int nic_spec_check_port(const struct nic_spec *s, struct vmtap_err *err);

/* Whether s asks for any of the tenant-network fields (vlan, trunk,
 * isolated, mac_lock, announce) other than off. */
bool nic_spec_has_port_fields(const struct nic_spec *s);

/* Shorthand for KEY's row in any front end: -ENOENT, with no message, for
 * a key no row has.  (vmtapd's --pool BRIDGE,queues=N.) */
int nic_spec_set(struct nic_spec *s, const char *key, const char *as, const char *value,
		 struct vmtap_err *err);

#endif
