/* acl.c — the bridge policy: reads qemu-bridge-helper's ACL files into a
 * list of rules and answers "may a tap go on this bridge?" (see acl.h).
 *
 * Theory of operation: a file is opened without blocking and without
 * taking a controlling tty, checked with fstat on that fd (regular file,
 * owned by root, not writable by group or others) and fstatfs (no pseudo
 * filesystem), read whole (at most
 * ACL_MAX_FILE_SIZE) and closed before any of its lines is parsed, so at
 * most one fd is open at a time however deep includes nest.  Parsing
 * appends rules in file order; an include appends the included file's rules
 * where it stands.  A decision reads every rule: a matching deny wins, else
 * a matching allow, else the answer is no.
 *
 * Must never: print; truncate a name; accept a file or an include it could
 * not open and check (an include the caller may not open at all is skipped,
 * as QEMU does: that is how per-user includes work); leave an fd or memory
 * behind on any path.  The first
 * error ends the load: a policy is used whole or not at all.
 *
 * vmtapd's grammar (acl.h) is the same parser with `daemon` set: a rule
 * may end in a subject, `limit` and `require` lines exist, allow/deny may
 * carry a VLAN list, and every include must open.  acl_check_nic is the
 * one decision a front end asks for a NIC: untagged use reads the rules
 * without a VLAN list, tagged use those with one (and a deny of the whole
 * bridge), then require rules tighten the spec.
 * User and group names are resolved once, at load, so a decision never
 * calls into NSS.
 */
#include "helper/core/acl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper/core/field.h"
#include "helper/core/filesafe.h"
#include "helper/core/ids.h"
#include "helper/core/ifname.h"
#include "helper/core/nic.h"
#include "helper/core/parse.h"
#include "helper/core/vlanset.h"

enum acl_action { ACL_ALLOW, ACL_DENY, ACL_LIMIT, ACL_REQUIRE, ACL_RATE_MAX, ACL_RATE_DEFAULT };

/* What a require rule asks for, as bits. */
enum { REQ_ISOLATED = 1u << 0, REQ_MAC_LOCK = 1u << 1 };

/* Whom a rule is about.  QEMU's grammar only has rules for everyone;
 * vmtapd's adds a user or a group (id beside).  The order is the
 * precedence of limits: a more specific subject wins. */
enum acl_subject { ACL_SUBJECT_ANYONE, ACL_SUBJECT_GROUP, ACL_SUBJECT_USER };

struct acl_rule {
	enum acl_action action;
	bool any_bridge;       /* "all" */
	char bridge[IFNAMSIZ]; /* when !any_bridge; it passed ifname_check */
	enum acl_subject subject;
	unsigned id;           /* uid or gid, for a user or group subject */
	enum acl_limit limit;  /* ACL_LIMIT rules: which, and its value */
	unsigned value;        /* ACL_REQUIRE: REQ_* bits */
	/* allow/deny ... vlan LIST: the VLANs it grants or denies on the
	 * bridge (owned; allocated only for such a line, so a file of plain
	 * lines costs no bitmaps).  NULL: the rule is about untagged use. */
	struct vlan_set *vlans;
	bool macvtap;          /* allow/deny macvtap DEV: bridge is the parent */
	char *where;           /* ACL_REQUIRE, ACL_RATE_*: "FILE:LINE", for the refusal (owned) */
	/* ACL_RATE_MAX (rate alone) and ACL_RATE_DEFAULT: which direction,
	 * and the limit. */
	bool outbound;
	struct nic_rate rate;
};

struct acl {
	struct acl_rule *rules; /* in file order, includes inlined */
	size_t n, cap;
	char *name;             /* the top file, for messages */
	bool daemon;            /* vmtapd's grammar: VLANs can be granted */
};

/* One load, through all its includes. */
struct parser {
	struct acl *acl;
	struct vmtap_err *err;
	unsigned files; /* files opened so far */
	bool daemon;    /* vmtapd's grammar */
};

/* A token from a file, made safe to put in a one-line message by the one
 * sanitiser (err.h: controls as \xNN, quotes escaped, a long token cut
 * with "..." — only in the message: the token itself is never cut). */
#define SHOW_SIZE VMTAP_SHOW_CAP

static const char *show(char out[SHOW_SIZE], const char *tok)
{
	return vmtap_show(out, SHOW_SIZE, tok, SIZE_MAX, VMTAP_SHOW_QUOTED);
}

/* Opens, checks and reads path whole into *buf (malloc'd, not
 * NUL-terminated; the caller frees it).  from/from_line name the include
 * line that asked for it (from is NULL for the top file).  Returns 1, with
 * nothing read, for an include the caller may not open (see acl.h). */
static int read_file(struct parser *p, const char *path, const char *from,
		     unsigned long from_line, char **buf, size_t *len)
{
	struct stat st;
	char *data = NULL;
	size_t n = 0, cap;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		/* Only the open: EACCES from a file we could open is an error.
		 * vmtapd reads as root and has subjects instead. */
		if (from && r == -EACCES && !p->daemon)
			return 1;
		if (from)
			return vmtap_fail(p->err, r, "%s:%lu: cannot open include %s: %s",
					  from, from_line, path, strerror(-r));
		return vmtap_fail(p->err, r, "%s: cannot open: %s", path, strerror(-r));
	}
	p->files++;

	if ((r = file_safe_check(fd, path, &st, NULL, p->err)) < 0)
		goto out;
	if (st.st_size > ACL_MAX_FILE_SIZE) {
		r = vmtap_fail(p->err, -EFBIG, "%s: is %lld bytes; expected at most %d",
			       path, (long long)st.st_size, ACL_MAX_FILE_SIZE);
		goto out;
	}

	/* st_size is only a hint: files in /proc say 0, and a file may grow
	 * while we read it. */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	data = malloc(cap);
	if (!data) {
		r = vmtap_fail(p->err, -ENOMEM, "%s: out of memory reading it", path);
		goto out;
	}
	for (;;) {
		ssize_t got;

		if (n == cap) {
			/* n <= ACL_MAX_FILE_SIZE here, so this grows. */
			size_t more = cap * 2 > ACL_MAX_FILE_SIZE + 1 ? ACL_MAX_FILE_SIZE + 1 : cap * 2;
			char *bigger = realloc(data, more);

			if (!bigger) {
				r = vmtap_fail(p->err, -ENOMEM, "%s: out of memory reading it", path);
				goto out;
			}
			data = bigger;
			cap = more;
		}
		got = read(fd, data + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			vmtap_fail(p->err, r, "%s: cannot read: %s", path, strerror(-r));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > ACL_MAX_FILE_SIZE) {
			r = vmtap_fail(p->err, -EFBIG, "%s: is larger than %d bytes",
				       path, ACL_MAX_FILE_SIZE);
			goto out;
		}
	}
	*buf = data;
	*len = n;
	data = NULL;
	r = 0;
out:
	free(data);
	close(fd);
	return r;
}

/* rule->bridge is filled from bridge ("all" or a checked name) unless it
 * is NULL (a limit).  The rule takes over proto's vlans and where, also
 * when it fails. */
static int add_rule(struct parser *p, const char *file, unsigned long line,
		    const struct acl_rule *proto, const char *bridge)
{
	struct acl *acl = p->acl;
	struct acl_rule *rule;

	if (acl->n == acl->cap) {
		size_t cap = acl->cap ? acl->cap * 2 : 16;
		struct acl_rule *bigger;

		if (cap > SIZE_MAX / sizeof(*bigger))
			bigger = NULL;
		else
			bigger = realloc(acl->rules, cap * sizeof(*bigger));
		if (!bigger) {
			/* proto's vlans and where are ours to free from here on. */
			free(proto->vlans);
			free(proto->where);
			return vmtap_fail(p->err, -ENOMEM, "%s:%lu: out of memory", file, line);
		}
		acl->rules = bigger;
		acl->cap = cap;
	}
	rule = &acl->rules[acl->n++];
	*rule = *proto;
	if (!bridge)
		return 0;
	if (!strcmp(bridge, "all"))
		rule->any_bridge = true;
	else
		memcpy(rule->bridge, bridge, strlen(bridge) + 1); /* fits: ifname_check */
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Cuts line in place into at most max blank-separated tokens; returns how
 * many it stored. */
static size_t split(char *line, char **tok, size_t max)
{
	size_t n = 0;

	while (n < max) {
		while (is_blank(*line))
			line++;
		if (!*line)
			break;
		tok[n++] = line;
		while (*line && !is_blank(*line))
			line++;
		if (*line)
			*line++ = '\0';
	}
	return n;
}

static int parse_lines(struct parser *p, const char *file, const char *buf,
		       size_t len, unsigned depth);

static int include(struct parser *p, const char *file, unsigned long line,
		   const char *path, unsigned depth)
{
	char shown[SHOW_SIZE];
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (path[0] != '/')
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: include path \"%s\" is not absolute",
				  file, line, show(shown, path));
	/* The path goes into every message about the file, unescaped. */
	if (!vmtap_text_clean(path, SIZE_MAX))
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: include path \"%s\" contains a control character",
				  file, line, show(shown, path));
	if (depth >= ACL_MAX_DEPTH)
		return vmtap_fail(p->err, -ELOOP, "%s:%lu: include %s nests deeper than %d levels (an include loop?)",
				  file, line, path, ACL_MAX_DEPTH);
	if (p->files >= ACL_MAX_FILES)
		return vmtap_fail(p->err, -E2BIG, "%s:%lu: include %s: more than %d files in one policy",
				  file, line, path, ACL_MAX_FILES);

	r = read_file(p, path, file, line, &buf, &len);
	if (r == 1)
		return 0; /* someone else's per-user include */
	if (r == 0)
		r = parse_lines(p, path, buf, len, depth + 1);
	free(buf);
	return r;
}

/* A user or group NAME from a vmtapd rule, as an id (ids.h's rule: a
 * known name, else a decimal id); neither is an error naming the line. */
static int lookup_id(struct parser *p, const char *file, unsigned long line, bool group,
		     const char *name, unsigned *id)
{
	struct vmtap_err why = { "" };
	int r = id_resolve(group, name, id, &why);

	/* A bad line, like every other one. */
	if (r < 0)
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: %s", file, line, why.msg);
	return 0;
}

/* The optional "user NAME" / "group NAME" that ends a vmtapd rule: the n
 * tokens in tok come after the token `after`. */
static int parse_subject(struct parser *p, const char *file, unsigned long line,
			 char **tok, size_t n, const char *after, struct acl_rule *rule)
{
	char shown[SHOW_SIZE], shown2[SHOW_SIZE];
	bool group;

	if (n == 0)
		return 0;
	group = !strcmp(tok[0], "group");
	if (!group && strcmp(tok[0], "user"))
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: unexpected \"%s\" after \"%s\"; expected user NAME or group NAME%s",
				  file, line, show(shown, tok[0]), show(shown2, after),
				  tok[0][0] == '#' ? " (comments must be on their own line)" : "");
	if (n < 2)
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: %s needs a %s name",
				  file, line, tok[0], tok[0]);
	if (n > 2)
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: unexpected \"%s\" after \"%s\"; expected the end of the line%s",
				  file, line, show(shown, tok[2]), show(shown2, tok[1]),
				  tok[2][0] == '#' ? " (comments must be on their own line)" : "");
	rule->subject = group ? ACL_SUBJECT_GROUP : ACL_SUBJECT_USER;
	return lookup_id(p, file, line, group, tok[1], &rule->id);
}

static const char *const limit_names[ACL_LIMIT_COUNT] = {
	[ACL_LIMIT_QUEUES] = "queues",
	[ACL_LIMIT_NICS] = "nics",
	[ACL_LIMIT_CONNECTIONS] = "connections",
};

const char *acl_limit_name(enum acl_limit which)
{
	return which < ACL_LIMIT_COUNT ? limit_names[which] : "?";
}

static int parse_rate_rule(struct parser *p, const char *file, unsigned long line,
			   char **tok, size_t n, bool dflt);

/* limit KIND N [user NAME | group NAME] */
static int parse_limit(struct parser *p, const char *file, unsigned long line,
		       char **tok, size_t n)
{
	struct acl_rule rule = { .action = ACL_LIMIT, .subject = ACL_SUBJECT_ANYONE };
	char shown[SHOW_SIZE], shown2[SHOW_SIZE];
	unsigned long min, max, v;
	int r;

	if (n >= 2 && (!strcmp(tok[1], "inbound") || !strcmp(tok[1], "outbound")))
		return parse_rate_rule(p, file, line, tok, n, false);
	if (n < 3)
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: limit needs a kind (queues, nics, connections, inbound or outbound) and a number",
				  file, line);
	for (rule.limit = 0; rule.limit < ACL_LIMIT_COUNT; rule.limit++)
		if (!strcmp(tok[1], limit_names[rule.limit]))
			break;
	if (rule.limit == ACL_LIMIT_COUNT)
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: unknown limit \"%s\"; expected queues, nics, connections, inbound or outbound",
				  file, line, show(shown, tok[1]));
	min = rule.limit == ACL_LIMIT_NICS ? 0 : 1;
	max = rule.limit == ACL_LIMIT_QUEUES ? VMTAP_MAX_QUEUES : ACL_LIMIT_MAX;
	if (parse_uint(tok[2], min, max, &v) < 0)
		return vmtap_fail(p->err, -ERANGE, "%s:%lu: limit %s %s: expected %lu..%lu",
				  file, line, tok[1], show(shown2, tok[2]), min, max);
	rule.value = (unsigned)v;
	if ((r = parse_subject(p, file, line, tok + 3, n - 3, tok[2], &rule)) < 0)
		return r;
	return add_rule(p, file, line, &rule, NULL);
}

/* limit inbound|outbound RATE [subject] (a maximum) and default
 * inbound|outbound RATE[:PEAK][:BURST] [subject]. */
static int parse_rate_rule(struct parser *p, const char *file, unsigned long line,
			   char **tok, size_t n, bool dflt)
{
	struct acl_rule rule = { .action = dflt ? ACL_RATE_DEFAULT : ACL_RATE_MAX,
				 .subject = ACL_SUBJECT_ANYONE };
	struct vmtap_err why = { "" };
	char shown[SHOW_SIZE], where[PATH_MAX + 32];
	int r;

	if (n < 3 || (strcmp(tok[1], "inbound") && strcmp(tok[1], "outbound")))
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: %s needs inbound or outbound and a "
				  "rate like 10mbit%s", file, line, tok[0],
				  dflt ? " (or 10mbit:20mbit:64kb)" : "");
	rule.outbound = !strcmp(tok[1], "outbound");
	r = dflt ? nic_rate_parse(tok[2], &rule.rate, &why) :
		   rate_parse_one(tok[2], &rule.rate.rate, &why);
	if (r < 0)
		return vmtap_fail(p->err, r, "%s:%lu: %s %s \"%s\": %s", file, line, tok[0], tok[1],
				  show(shown, tok[2]), why.msg);
	if ((r = parse_subject(p, file, line, tok + 3, n - 3, tok[2], &rule)) < 0)
		return r;
	snprintf(where, sizeof(where), "%s:%lu", file, line);
	if (!(rule.where = strdup(where)))
		return vmtap_fail(p->err, -ENOMEM, "%s:%lu: out of memory", file, line);
	return add_rule(p, file, line, &rule, NULL);
}

/* "vlan LIST" after allow/deny BRIDGE: tok[0] is "vlan"; *vlans gets a
 * new set (the caller's to free). */
static int parse_vlans(struct parser *p, const char *file, unsigned long line,
		       char **tok, size_t n, struct vlan_set **vlans)
{
	struct vmtap_err why = { "" };
	struct vlan_set set;
	int r;

	if (n < 2)
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: vlan needs a list of VLANs like "
				  "100-199 or 10,20-29 (1..4094)", file, line);
	if ((r = vlan_set_parse(tok[1], ",:", &set, &why)) < 0)
		return vmtap_fail(p->err, r, "%s:%lu: vlan: %s", file, line, why.msg);
	if (!(*vlans = malloc(sizeof(**vlans))))
		return vmtap_fail(p->err, -ENOMEM, "%s:%lu: out of memory", file, line);
	**vlans = set;
	return 0;
}

/* require BRIDGE|all WHAT [user NAME | group NAME], WHAT being isolated,
 * mac_lock or both joined by ','. */
static int parse_require(struct parser *p, const char *file, unsigned long line,
			 char **tok, size_t n)
{
	struct acl_rule rule = { .action = ACL_REQUIRE, .subject = ACL_SUBJECT_ANYONE };
	char shown[SHOW_SIZE], where[PATH_MAX + 32];
	const char *w;
	int r;

	if (n < 3)
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: require needs a bridge name or \"all\" "
				  "and what it requires: isolated, mac_lock or isolated,mac_lock",
				  file, line);
	if (strcmp(tok[1], "all") && !ifname_valid(tok[1]))
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: bad bridge name \"%s\"; expected %s",
				  file, line, show(shown, tok[1]), IFNAME_EXPECTED);
	for (w = tok[2];;) {
		size_t len = strcspn(w, ",");

		if (len == strlen("isolated") && !strncmp(w, "isolated", len))
			rule.value |= REQ_ISOLATED;
		else if (len == strlen("mac_lock") && !strncmp(w, "mac_lock", len))
			rule.value |= REQ_MAC_LOCK;
		else
			return vmtap_fail(p->err, -EINVAL, "%s:%lu: require %s: expected isolated, "
					  "mac_lock or isolated,mac_lock", file, line,
					  show(shown, tok[2]));
		if (!w[len])
			break;
		w += len + 1;
	}
	if ((r = parse_subject(p, file, line, tok + 3, n - 3, tok[2], &rule)) < 0)
		return r;
	snprintf(where, sizeof(where), "%s:%lu", file, line);
	if (!(rule.where = strdup(where)))
		return vmtap_fail(p->err, -ENOMEM, "%s:%lu: out of memory", file, line);
	return add_rule(p, file, line, &rule, tok[1]);
}

static int parse_line(struct parser *p, const char *file, unsigned long line,
		      char *text, unsigned depth)
{
	char shown[SHOW_SIZE], shown2[SHOW_SIZE];
	struct acl_rule rule = { .subject = ACL_SUBJECT_ANYONE };
	bool is_include;
	char *tok[7];
	size_t n;
	int r;

	/* QEMU's lines have two tokens: a third is only ever an error. */
	n = split(text, tok, p->daemon ? 7 : 3);
	if (n == 0 || tok[0][0] == '#')
		return 0;
	if (p->daemon && !strcmp(tok[0], "limit"))
		return parse_limit(p, file, line, tok, n);
	if (p->daemon && !strcmp(tok[0], "require"))
		return parse_require(p, file, line, tok, n);
	if (p->daemon && !strcmp(tok[0], "default"))
		return parse_rate_rule(p, file, line, tok, n, true);

	is_include = !strcmp(tok[0], "include");
	if (!is_include && strcmp(tok[0], "allow") && strcmp(tok[0], "deny"))
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: unknown keyword \"%s\"; expected allow, deny%s or include",
				  file, line, show(shown, tok[0]), p->daemon ? ", limit, default, require" : "");
	if (n < 2)
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: %s needs %s",
				  file, line, tok[0],
				  is_include ? "an absolute path" : "a bridge name or \"all\"");
	if (n > 2 && (!p->daemon || is_include))
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: unexpected \"%s\" after \"%s\"; expected one argument per line%s",
				  file, line, show(shown, tok[2]), show(shown2, tok[1]),
				  tok[2][0] == '#' ? " (comments must be on their own line)" : "");

	if (is_include)
		return include(p, file, line, tok[1], depth);
	if (strcmp(tok[1], "all") && !ifname_valid(tok[1]))
		return vmtap_fail(p->err, -EINVAL, "%s:%lu: bad bridge name \"%s\"; expected an interface name (1-%d printable ASCII bytes, not all digits, not . or .., no / : %%)",
				  file, line, show(shown, tok[1]), IFNAMSIZ - 1);
	rule.action = strcmp(tok[0], "deny") ? ACL_ALLOW : ACL_DENY;
	/* "allow macvtap DEV": a parent, not a bridge called macvtap (whose
	 * lines go on with user, group or vlan, or end). */
	if (p->daemon && n > 2 && !strcmp(tok[1], "macvtap") && strcmp(tok[2], "user") &&
	    strcmp(tok[2], "group") && strcmp(tok[2], "vlan")) {
		if (strcmp(tok[2], "all") && !ifname_valid(tok[2]))
			return vmtap_fail(p->err, -EINVAL, "%s:%lu: bad macvtap parent \"%s\"; expected an interface name or all",
					  file, line, show(shown, tok[2]));
		rule.macvtap = true;
		if ((r = parse_subject(p, file, line, tok + 3, n - 3, tok[2], &rule)) < 0)
			return r;
		return add_rule(p, file, line, &rule, tok[2]);
	}
	if (p->daemon && n > 2 && !strcmp(tok[2], "vlan")) {
		if ((r = parse_vlans(p, file, line, tok + 2, n - 2, &rule.vlans)) < 0)
			return r;
		if ((r = parse_subject(p, file, line, tok + 4, n - 4, tok[3], &rule)) < 0) {
			free(rule.vlans);
			return r;
		}
		return add_rule(p, file, line, &rule, tok[1]);
	}
	if ((r = parse_subject(p, file, line, tok + 2, n - 2, tok[1], &rule)) < 0)
		return r;
	return add_rule(p, file, line, &rule, tok[1]);
}

static int parse_lines(struct parser *p, const char *file, const char *buf,
		       size_t len, unsigned depth)
{
	const char *pos, *end;
	char text[ACL_MAX_LINE + 1];
	unsigned long line = 0;
	int r;

	if (!len)
		return 0;
	pos = buf;
	end = buf + len;
	while (pos < end) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		size_t n = (size_t)((nl ? nl : end) - pos);

		line++;
		if (n > ACL_MAX_LINE)
			return vmtap_fail(p->err, -EINVAL, "%s: line %lu is longer than %d bytes",
					  file, line, ACL_MAX_LINE);
		if (memchr(pos, '\0', n))
			return vmtap_fail(p->err, -EINVAL, "%s:%lu: line contains a NUL byte; expected text",
					  file, line);
		memcpy(text, pos, n);
		text[n] = '\0';
		r = parse_line(p, file, line, text, depth);
		if (r < 0)
			return r;
		pos = nl ? nl + 1 : end;
	}
	return 0;
}

/* Reads path (when buf is NULL) or parses buf as file, and hands over the
 * result only if all of it parsed. */
static int load(const char *file, const char *path, const char *buf, size_t len,
		bool daemon, struct acl **out, struct vmtap_err *err)
{
	struct parser p = { .err = err, .daemon = daemon };
	char *data = NULL;
	int r;

	if (!file || !*file || !out || (!path && !buf && len))
		return vmtap_fail(err, -EINVAL, "acl: no policy file or buffer given");
	p.acl = calloc(1, sizeof(*p.acl));
	if (!p.acl || !(p.acl->name = strdup(file))) {
		free(p.acl);
		return vmtap_fail(err, -ENOMEM, "%s: out of memory", file);
	}
	p.acl->daemon = daemon;
	if (path) {
		r = read_file(&p, path, NULL, 0, &data, &len);
		if (r < 0)
			goto out;
		buf = data;
	}
	r = parse_lines(&p, file, buf, len, 0);
out:
	free(data);
	if (r < 0) {
		acl_free(p.acl);
		return r;
	}
	*out = p.acl;
	return 0;
}

int acl_load(const char *path, struct acl **out, struct vmtap_err *err)
{
	if (!path || !*path)
		return vmtap_fail(err, -EINVAL, "acl: no policy file given");
	return load(path, path, NULL, 0, false, out, err);
}

int acl_parse_buffer(const char *name, const char *buf, size_t len,
		     struct acl **out, struct vmtap_err *err)
{
	return load(name, NULL, buf, len, false, out, err);
}

int acl_load_daemon(const char *path, struct acl **out, struct vmtap_err *err)
{
	if (!path || !*path)
		return vmtap_fail(err, -EINVAL, "acl: no policy file given");
	return load(path, path, NULL, 0, true, out, err);
}

int acl_parse_buffer_daemon(const char *name, const char *buf, size_t len,
			    struct acl **out, struct vmtap_err *err)
{
	return load(name, NULL, buf, len, true, out, err);
}

static bool subject_matches(const struct acl_rule *rule, const struct acl_peer *peer)
{
	switch (rule->subject) {
	case ACL_SUBJECT_ANYONE:
		return true;
	case ACL_SUBJECT_USER:
		return peer && (unsigned)peer->uid == rule->id;
	case ACL_SUBJECT_GROUP:
		return peer && id_in_groups(rule->id, peer->gid, peer->groups, peer->ngroups);
	}
	return false;
}

/* Whether rule is about bridge and peer, whatever it says. */
static bool applies(const struct acl_rule *rule, const char *bridge, const struct acl_peer *peer)
{
	return subject_matches(rule, peer) && (rule->any_bridge || !strcmp(rule->bridge, bridge));
}

/* An allow or deny of untagged use (no vlan list) that applies. */
static bool rule_matches(const struct acl_rule *rule, const char *bridge,
			 const struct acl_peer *peer)
{
	if ((rule->action != ACL_ALLOW && rule->action != ACL_DENY) || rule->vlans ||
	    rule->macvtap)
		return false;
	return applies(rule, bridge, peer);
}

bool acl_allows(const struct acl *acl, const char *bridge)
{
	return acl_allows_peer(acl, bridge, NULL);
}

bool acl_allows_peer(const struct acl *acl, const char *bridge, const struct acl_peer *peer)
{
	bool allowed = false;
	size_t i;

	if (!acl || !ifname_valid(bridge))
		return false;
	for (i = 0; i < acl->n; i++) {
		if (!rule_matches(&acl->rules[i], bridge, peer))
			continue;
		if (acl->rules[i].action == ACL_DENY)
			return false;
		allowed = true;
	}
	return allowed;
}

unsigned acl_limit(const struct acl *acl, enum acl_limit which, const struct acl_peer *peer)
{
	unsigned value;
	int level = -1;
	size_t i;

	switch (which) {
	case ACL_LIMIT_QUEUES:
		value = VMTAP_MAX_QUEUES;
		break;
	case ACL_LIMIT_CONNECTIONS:
		value = ACL_DEFAULT_CONNECTIONS;
		break;
	default:
		value = ACL_NO_LIMIT;
		break;
	}
	for (i = 0; acl && i < acl->n; i++) {
		const struct acl_rule *rule = &acl->rules[i];

		/* >=: at the same level, the later line wins. */
		if (rule->action == ACL_LIMIT && rule->limit == which &&
		    (int)rule->subject >= level && subject_matches(rule, peer)) {
			level = (int)rule->subject;
			value = rule->value;
		}
	}
	return value;
}

/* The VLANs the request asks for: trunk's and the native/access one. */
static struct vlan_set wanted_vlans(const struct nic_spec *spec)
{
	struct vlan_set want = spec->trunk;

	if (spec->vlan)
		vlan_set_add(&want, spec->vlan);
	return want;
}

/* The tagged part of the check: a deny of the bridge itself binds here
 * too; then every VLAN asked must be in some allow ... vlan that applies
 * and in no deny ... vlan that applies. */
static int check_vlans(const struct acl *acl, const struct acl_peer *peer,
		       const struct nic_spec *spec, unsigned long uid, struct vmtap_err *err)
{
	struct vlan_set want = wanted_vlans(spec), allowed = { { 0 } }, denied = { { 0 } };
	size_t i, w;
	unsigned vid;

	for (i = 0; i < acl->n; i++) {
		const struct acl_rule *rule = &acl->rules[i];

		if ((rule->action != ACL_ALLOW && rule->action != ACL_DENY) || rule->macvtap ||
		    !applies(rule, spec->bridge, peer))
			continue;
		if (rule->action == ACL_DENY && !rule->vlans)
			return vmtap_fail(err, -EPERM, "bridge %s is not allowed for uid %lu by %s",
					  spec->bridge, uid, acl->name);
		if (!rule->vlans)
			continue;
		for (w = 0; w < sizeof(want.w) / sizeof(want.w[0]); w++) {
			if (rule->action == ACL_ALLOW)
				allowed.w[w] |= rule->vlans->w[w];
			else
				denied.w[w] |= rule->vlans->w[w];
		}
	}
	for (w = 0; w < sizeof(want.w) / sizeof(want.w[0]); w++)
		allowed.w[w] &= ~denied.w[w];
	if ((vid = vlan_set_first_not_in(&want, &allowed)))
		return vmtap_fail(err, -EPERM, "uid %lu may not use VLAN %u on %s (policy %s)",
				  uid, vid, spec->bridge, acl->name);
	return 0;
}

/* One require bit on one switch of spec: an "off" asked for is refused,
 * an absent one is set. */
static int tighten(const struct acl_rule *rule, const char *key, bool *has, bool *on,
		   const struct nic_spec *spec, unsigned long uid, struct vmtap_err *err)
{
	if (*has && !*on)
		return vmtap_fail(err, -EPERM, "%s=off: %s requires %s=on for uid %lu on %s",
				  key, rule->where, key, uid, spec->bridge);
	*has = *on = true;
	return 0;
}

/* A macvtap on parent: allowed by an allow macvtap that applies, and no
 * deny macvtap that applies (deny wins); passthru hands the parent itself
 * to the guest (its MAC follows the guest's, and it goes promiscuous), so
 * only root gets it. */
static int check_macvtap(const struct acl *acl, const struct acl_peer *peer,
			 const struct nic_spec *spec, unsigned long uid, struct vmtap_err *err)
{
	bool allowed = false;
	size_t i;

	if (!acl || !acl->daemon)
		return vmtap_fail(err, -EPERM, "macvtap=%s: macvtap NICs are granted only by vmtapd's "
				  "policy (allow macvtap DEV), not by %s", spec->macvtap,
				  acl ? acl->name : "no policy");
	for (i = 0; i < acl->n; i++) {
		const struct acl_rule *rule = &acl->rules[i];

		if (!rule->macvtap || !applies(rule, spec->macvtap, peer))
			continue;
		if (rule->action == ACL_DENY) {
			allowed = false;
			break;
		}
		allowed = true;
	}
	if (!allowed)
		return vmtap_fail(err, -EPERM, "macvtap on %s is not allowed for uid %lu by %s",
				  spec->macvtap, uid, acl->name);
	if (spec->mode == NIC_MODE_PASSTHRU && uid != 0)
		return vmtap_fail(err, -EPERM, "macvtap=%s,mode=passthru gives the guest the parent "
				  "itself: only root may ask for it (uid %lu asked)", spec->macvtap, uid);
	return 0;
}

/* The rate rule of kind action for direction that applies to peer: the
 * most specific subject, the later line at the same level (as limits). */
static const struct acl_rule *rate_rule(const struct acl *acl, enum acl_action action,
					bool outbound, const struct acl_peer *peer)
{
	const struct acl_rule *best = NULL;
	size_t i;

	for (i = 0; i < acl->n; i++) {
		const struct acl_rule *rule = &acl->rules[i];

		if (rule->action == action && rule->outbound == outbound &&
		    subject_matches(rule, peer) && (!best || rule->subject >= best->subject))
			best = rule;
	}
	return best;
}

/* One direction of spec under the policy's rate rules: a limit asked for
 * is checked against the maximum; none asked gets the default, cut to the
 * maximum, or else the maximum itself, so that asking for nothing never
 * escapes a maximum. */
static int check_rate(const struct acl *acl, const struct acl_peer *peer, bool outbound,
		      struct nic_rate *want, unsigned long uid, struct vmtap_err *err)
{
	const struct acl_rule *max = rate_rule(acl, ACL_RATE_MAX, outbound, peer);
	const struct acl_rule *def = rate_rule(acl, ACL_RATE_DEFAULT, outbound, peer);
	const char *dir = outbound ? "outbound" : "inbound";
	char a[32], b[32];

	if (!want->rate) {
		if (def)
			*want = def->rate;
		else if (max)
			*want = (struct nic_rate){ max->rate.rate, 0, 0 };
		if (max && want->rate > max->rate.rate)
			want->rate = max->rate.rate;
		if (max && (want->peak > max->rate.rate || want->peak <= want->rate))
			want->peak = 0;
		return 0;
	}
	if (max && want->rate > max->rate.rate)
		return vmtap_fail(err, -EPERM, "%s=%s: above the maximum %s for uid %lu (policy %s)",
				  dir, rate_format_one(want->rate, a),
				  rate_format_one(max->rate.rate, b), uid, max->where);
	if (max && want->peak > max->rate.rate)
		return vmtap_fail(err, -EPERM, "%s peak %s: above the maximum %s for uid %lu "
				  "(policy %s)", dir, rate_format_one(want->peak, a),
				  rate_format_one(max->rate.rate, b), uid, max->where);
	return 0;
}

void acl_bandwidth(const struct acl *acl, const struct acl_peer *peer, bool outbound,
		   struct nic_rate *max, struct nic_rate *dflt)
{
	const struct acl_rule *m = acl ? rate_rule(acl, ACL_RATE_MAX, outbound, peer) : NULL;

	*max = (struct nic_rate){ m ? m->rate.rate : 0, 0, 0 };
	*dflt = (struct nic_rate){ 0, 0, 0 };
	/* Asking for nothing never fails: check_rate's own answer. */
	if (acl)
		check_rate(acl, peer, outbound, dflt, 0, NULL);
}

int acl_check_nic(const struct acl *acl, const struct acl_peer *peer, struct nic_spec *spec,
		  uid_t caller, struct vmtap_err *err)
{
	const unsigned long uid = (unsigned long)caller;
	char list[VLAN_SET_FORMAT_MAX];
	struct nic_spec tight;
	size_t i;
	int r;

	if ((r = nic_spec_check_port(spec, err)) < 0)
		return r;
	if (spec->macvtap[0]) {
		const struct acl_rule *rr;

		if ((r = check_macvtap(acl, peer, spec, uid, err)) < 0)
			return r;
		/* A macvtap takes no limit yet (macvtap.c): a subject the
		 * policy limits gets none, rather than escape its limit. */
		if (!(rr = rate_rule(acl, ACL_RATE_MAX, false, peer)) &&
		    !(rr = rate_rule(acl, ACL_RATE_DEFAULT, false, peer)) &&
		    !(rr = rate_rule(acl, ACL_RATE_MAX, true, peer)))
			rr = rate_rule(acl, ACL_RATE_DEFAULT, true, peer);
		if (rr)
			return vmtap_fail(err, -EPERM, "macvtap=%s: %s limits uid %lu's bandwidth, "
					  "which a macvtap cannot take yet", spec->macvtap,
					  rr->where, uid);
		return 0;
	}
	if (!acl || !ifname_valid(spec->bridge))
		return vmtap_fail(err, -EPERM, "bridge %s is not allowed for uid %lu by %s",
				  spec->bridge, uid, acl ? acl->name : "no policy");
	if (!spec->vlan && vlan_set_empty(&spec->trunk)) {
		if (!acl_allows_peer(acl, spec->bridge, peer))
			return vmtap_fail(err, -EPERM, "bridge %s is not allowed for uid %lu by %s",
					  spec->bridge, uid, acl->name);
	} else if (!acl->daemon) {
		if (spec->vlan)
			snprintf(list, sizeof(list), "vlan=%u", spec->vlan);
		else if (vlan_set_format(&spec->trunk, list + 6, sizeof(list) - 6, ':') == 0)
			memcpy(list, "trunk=", 6);
		return vmtap_fail(err, -EPERM, "%s: VLANs are granted only by vmtapd's policy, not "
				  "by %s (vmtapd is not running)", list, acl->name);
	} else if ((r = check_vlans(acl, peer, spec, uid, err)) < 0) {
		return r;
	}
	/* Into a copy: spec changes only if every require holds. */
	tight = *spec;
	for (i = 0; i < acl->n; i++) {
		const struct acl_rule *rule = &acl->rules[i];

		if (rule->action != ACL_REQUIRE || !applies(rule, spec->bridge, peer))
			continue;
		if ((rule->value & REQ_ISOLATED) &&
		    (r = tighten(rule, "isolated", &tight.has_isolated, &tight.isolated, spec,
				 uid, err)) < 0)
			return r;
		if ((rule->value & REQ_MAC_LOCK) &&
		    (r = tighten(rule, "mac_lock", &tight.has_mac_lock, &tight.mac_lock, spec,
				 uid, err)) < 0)
			return r;
	}
	if ((r = check_rate(acl, peer, false, &tight.inbound, uid, err)) < 0 ||
	    (r = check_rate(acl, peer, true, &tight.outbound, uid, err)) < 0)
		return r;
	*spec = tight;
	return 0;
}

/* One entry of acl_grants: the rules about bridge (NULL: only those for
 * "all", the answer for a bridge no rule names) that apply to peer, read
 * as acl_allows_peer and check_vlans read them. */
static void grant_for(const struct acl *acl, const char *bridge, const struct acl_peer *peer,
		      struct acl_grant *g)
{
	struct vlan_set denied = { { 0 } };
	bool allowed = false, blocked = false;
	size_t i, w;

	memset(g, 0, sizeof(*g));
	snprintf(g->bridge, sizeof(g->bridge), "%s", bridge ? bridge : "all");
	for (i = 0; i < acl->n; i++) {
		const struct acl_rule *rule = &acl->rules[i];

		if (!subject_matches(rule, peer) || rule->macvtap ||
		    !(rule->any_bridge || (bridge && !strcmp(rule->bridge, bridge))))
			continue;
		if (rule->action == ACL_REQUIRE) {
			g->isolated |= !!(rule->value & REQ_ISOLATED);
			g->mac_lock |= !!(rule->value & REQ_MAC_LOCK);
		} else if (rule->action == ACL_ALLOW || rule->action == ACL_DENY) {
			struct vlan_set *into = rule->action == ACL_ALLOW ? &g->vlans : &denied;

			if (!rule->vlans && rule->action == ACL_ALLOW)
				allowed = true;
			else if (!rule->vlans)
				blocked = true; /* a deny of the bridge binds tagged use too */
			else
				for (w = 0; w < sizeof(into->w) / sizeof(into->w[0]); w++)
					into->w[w] |= rule->vlans->w[w];
		}
	}
	for (w = 0; w < sizeof(denied.w) / sizeof(denied.w[0]); w++)
		g->vlans.w[w] = blocked ? 0 : g->vlans.w[w] & ~denied.w[w];
	g->untagged = allowed && !blocked;
	if (!g->untagged && vlan_set_empty(&g->vlans))
		g->isolated = g->mac_lock = false;
}

static bool grant_same(const struct acl_grant *a, const struct acl_grant *b)
{
	return a->untagged == b->untagged && a->isolated == b->isolated &&
	       a->mac_lock == b->mac_lock && !memcmp(&a->vlans, &b->vlans, sizeof(a->vlans));
}

int acl_grants(const struct acl *acl, const struct acl_peer *peer, struct acl_grant **out,
	       size_t *n)
{
	struct acl_grant all, *list;
	size_t i, j, k = 0, kept = 0;

	*out = NULL;
	*n = 0;
	if (!acl)
		return 0;
	/* One entry per distinct name, at most one per rule, plus "all". */
	if (!(list = calloc(acl->n + 1, sizeof(*list))))
		return -ENOMEM;
	for (i = 0; i < acl->n; i++) {
		const struct acl_rule *rule = &acl->rules[i];

		/* Count and rate rules name no bridge, a macvtap rule a parent. */
		if (rule->any_bridge || rule->action == ACL_LIMIT || rule->action == ACL_RATE_MAX ||
		    rule->action == ACL_RATE_DEFAULT || rule->macvtap || !subject_matches(rule, peer))
			continue;
		for (j = 0; j < k && strcmp(list[j].bridge, rule->bridge); j++)
			;
		if (j == k)
			grant_for(acl, rule->bridge, peer, &list[k++]);
	}
	grant_for(acl, NULL, peer, &all);
	for (i = 0; i < k; i++)
		if (!grant_same(&list[i], &all))
			list[kept++] = list[i];
	if (all.untagged || !vlan_set_empty(&all.vlans))
		list[kept++] = all;
	if (!kept) {
		free(list);
		list = NULL;
	}
	*out = list;
	*n = kept;
	return 0;
}

void acl_free(struct acl *acl)
{
	size_t i;

	if (!acl)
		return;
	for (i = 0; i < acl->n; i++) {
		free(acl->rules[i].vlans);
		free(acl->rules[i].where);
	}
	free(acl->rules);
	free(acl->name);
	free(acl);
}
