/* test_acl.c — the policy parser (helper/core/acl.c): the grammar, deny wins,
 * the file checks (type, owner, mode), includes and their limits, and that
 * every error names file:line and the bad value.
 *
 * Files are written into a fresh mkdtemp directory, removed at the end.
 * Run as root (as `make check` does): files are then root-owned like real
 * policy files.  Run as someone else, grammar tests parse the same text
 * through acl_parse_buffer, and tests that need root-owned files skip. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper/core/acl.h"
#include "helper/core/nic.h"
#include "helper/core/vlanset.h"

static char tmpdir[] = "/tmp/vmtap-test-acl-XXXXXX";
static int fds_at_start;

/* A path in tmpdir; a ring of buffers so one call can use several. */
static const char *P(const char *name)
{
	static char ring[8][PATH_MAX];
	static unsigned next;
	char *buf = ring[next++ % 8];

	snprintf(buf, PATH_MAX, "%s/%s", tmpdir, name);
	return buf;
}

static const char *write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	const char *path = P(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	/* fchmod, not the open mode: the umask must not decide the test. */
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

static const char *write_text(const char *name, const char *text)
{
	return write_file(name, text, strlen(text), 0644);
}

static bool is_root(void)
{
	return geteuid() == 0;
}

#define require_root()                                                           \
	do {                                                                     \
		if (!is_root()) {                                                \
			printf("skipped: needs root to make root-owned files\n"); \
			skip();                                                  \
		}                                                                \
	} while (0)

/* Writes text to name and loads it: from the file as root, else from the
 * same bytes under the same name (so messages are the same). */
static int load_bytes(const char *name, const char *text, size_t len,
		      struct acl **acl, struct vmtap_err *err)
{
	const char *path = write_file(name, text, len, 0644);

	if (is_root())
		return acl_load(path, acl, err);
	return acl_parse_buffer(path, text, len, acl, err);
}

static int load_text(const char *name, const char *text, struct acl **acl,
		     struct vmtap_err *err)
{
	return load_bytes(name, text, strlen(text), acl, err);
}

/* r is an error (want_r, or any negative errno when want_r is 0), no
 * acl came out, and the message holds every string given (NULL ends). */
static void check_error(int r, int want_r, const struct acl *acl,
			const struct acl *sentinel, const struct vmtap_err *err, ...)
{
	const char *want;
	va_list ap;

	if (r >= 0)
		fail_msg("expected an error, got %d", r);
	if (want_r && r != want_r)
		fail_msg("expected %d (%s), got %d: %s", want_r, strerror(-want_r), r,
			 vmtap_err_text(err, r));
	assert_ptr_equal(acl, sentinel);
	if (!err->msg[0])
		fail_msg("error %d recorded no message", r);
	if (strchr(err->msg, '\n'))
		fail_msg("message is more than one line: %s", err->msg);
	va_start(ap, err);
	while ((want = va_arg(ap, const char *)))
		if (!strstr(err->msg, want))
			fail_msg("message \"%s\" lacks \"%s\"", err->msg, want);
	va_end(ap);
}

static char sentinel_obj;
#define SENTINEL ((struct acl *)(void *)&sentinel_obj)

/* Loads text expecting failure; the rest as check_error. */
#define expect_text_error(name, text, want_r, ...)                            \
	do {                                                                  \
		struct vmtap_err err_ = { { 0 } };                            \
		struct acl *acl_ = SENTINEL;                                  \
		int r_ = load_text(name, text, &acl_, &err_);                 \
		check_error(r_, want_r, acl_, SENTINEL, &err_, __VA_ARGS__, NULL); \
	} while (0)

#define expect_path_error(path, want_r, ...)                                  \
	do {                                                                  \
		struct vmtap_err err_ = { { 0 } };                            \
		struct acl *acl_ = SENTINEL;                                  \
		int r_ = acl_load(path, &acl_, &err_);                        \
		check_error(r_, want_r, acl_, SENTINEL, &err_, __VA_ARGS__, NULL); \
	} while (0)

static struct acl *must_load_text(const char *name, const char *text)
{
	struct vmtap_err err = { { 0 } };
	struct acl *acl = NULL;
	int r = load_text(name, text, &acl, &err);

	if (r < 0)
		fail_msg("loading %s failed: %s", name, vmtap_err_text(&err, r));
	assert_non_null(acl);
	return acl;
}

static struct acl *must_load_path(const char *path)
{
	struct vmtap_err err = { { 0 } };
	struct acl *acl = NULL;
	int r = acl_load(path, &acl, &err);

	if (r < 0)
		fail_msg("loading %s failed: %s", path, vmtap_err_text(&err, r));
	assert_non_null(acl);
	return acl;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* ---- grammar ---------------------------------------------------------- */

static void test_allow_name(void **state)
{
	struct acl *acl = must_load_text("allow.conf", "allow br0\n");

	(void)state;
	assert_true(acl_allows(acl, "br0"));
	assert_false(acl_allows(acl, "br1"));
	/* Exact comparison: no prefix, no case folding. */
	assert_false(acl_allows(acl, "br"));
	assert_false(acl_allows(acl, "br00"));
	assert_false(acl_allows(acl, "BR0"));
	acl_free(acl);
}

static void test_deny_name(void **state)
{
	struct acl *acl = must_load_text("deny.conf", "allow all\ndeny br1\n");

	(void)state;
	assert_true(acl_allows(acl, "br0"));
	assert_false(acl_allows(acl, "br1"));
	acl_free(acl);
}

static void test_deny_wins_either_order(void **state)
{
	struct acl *a = must_load_text("dw1.conf", "deny br0\nallow br0\n");
	struct acl *b = must_load_text("dw2.conf", "allow br0\ndeny br0\n");
	struct acl *c = must_load_text("dw3.conf", "deny br0\nallow all\n");

	(void)state;
	assert_false(acl_allows(a, "br0"));
	assert_false(acl_allows(b, "br0"));
	assert_false(acl_allows(c, "br0"));
	assert_true(acl_allows(c, "br1"));
	acl_free(a);
	acl_free(b);
	acl_free(c);
}

static void test_allow_all(void **state)
{
	struct acl *acl = must_load_text("allowall.conf", "allow all\n");

	(void)state;
	assert_true(acl_allows(acl, "br0"));
	assert_true(acl_allows(acl, "virbr0"));
	assert_true(acl_allows(acl, "abcdefghijklmno")); /* 15 bytes */
	/* "all" covers bridges, never names that are not interface names. */
	assert_false(acl_allows(acl, ""));
	assert_false(acl_allows(acl, NULL));
	assert_false(acl_allows(acl, "br0:1"));
	assert_false(acl_allows(acl, "abcdefghijklmnop")); /* 16 bytes */
	assert_false(acl_allows(acl, ".."));
	assert_false(acl_allows(acl, "123"));
	acl_free(acl);
}

static void test_deny_all(void **state)
{
	struct acl *a = must_load_text("denyall1.conf", "allow br0\nallow all\ndeny all\n");
	struct acl *b = must_load_text("denyall2.conf", "deny all\nallow br0\n");

	(void)state;
	assert_false(acl_allows(a, "br0"));
	assert_false(acl_allows(a, "br1"));
	assert_false(acl_allows(b, "br0"));
	acl_free(a);
	acl_free(b);
}

static void test_default_deny(void **state)
{
	struct acl *a = must_load_text("deflt.conf", "deny br1\n");
	struct acl *b = must_load_text("empty.conf", "");
	struct acl *c = must_load_text("onlycomments.conf", "# nothing\n\n   # here\n");

	(void)state;
	assert_false(acl_allows(a, "br0"));
	assert_false(acl_allows(b, "br0"));
	assert_false(acl_allows(c, "br0"));
	assert_false(acl_allows(NULL, "br0"));
	acl_free(a);
	acl_free(b);
	acl_free(c);
	acl_free(NULL);
}

static void test_comments_blanks_whitespace(void **state)
{
	struct acl *acl = must_load_text("ws.conf",
		"# a comment\n"
		"\n"
		"   \t \n"
		"    # an indented comment: allow br9\n"
		"#allow br8\n"
		"  allow   br0  \n"
		"\tallow\tbr1\t\r\n"        /* CRLF and tabs */
		"\v\fdeny \t br3\f\n"
		"allow br3\n"
		"allow br2");               /* no final newline */

	(void)state;
	assert_true(acl_allows(acl, "br0"));
	assert_true(acl_allows(acl, "br1"));
	assert_true(acl_allows(acl, "br2"));
	assert_false(acl_allows(acl, "br3"));
	assert_false(acl_allows(acl, "br8"));
	assert_false(acl_allows(acl, "br9"));
	acl_free(acl);
}

static void test_bridge_named_like_keywords(void **state)
{
	struct acl *acl = must_load_text("kw.conf", "allow deny\nallow include\n");

	(void)state;
	assert_true(acl_allows(acl, "deny"));
	assert_true(acl_allows(acl, "include"));
	assert_false(acl_allows(acl, "br0"));
	acl_free(acl);
}

static void test_line_of_max_length(void **state)
{
	char text[ACL_MAX_LINE + 2];
	struct acl *acl;

	(void)state;
	/* "allow" + blanks + "br0" filling exactly ACL_MAX_LINE bytes. */
	memset(text, ' ', ACL_MAX_LINE);
	memcpy(text, "allow", 5);
	memcpy(text + ACL_MAX_LINE - 3, "br0", 3);
	text[ACL_MAX_LINE] = '\n';
	text[ACL_MAX_LINE + 1] = '\0';
	acl = must_load_text("maxline.conf", text);
	assert_true(acl_allows(acl, "br0"));
	acl_free(acl);
}

/* ---- grammar errors --------------------------------------------------- */

static void test_unknown_keyword(void **state)
{
	const char *p = P("alow.conf");

	(void)state;
	expect_text_error("alow.conf", "allow br0\n# c\nalow br0\n", -EINVAL,
			  p, ":3: unknown keyword \"alow\"; expected allow, deny or include");
	expect_text_error("caps.conf", "Allow br0\n", -EINVAL, ":1: unknown keyword \"Allow\"");
	/* A comment is a whole line; '#' elsewhere starts nothing. */
	expect_text_error("hashkw.conf", "allow# br0\n", -EINVAL, ":1: unknown keyword \"allow#\"");
}

static void test_missing_argument(void **state)
{
	(void)state;
	expect_text_error("noarg1.conf", "allow\n", -EINVAL, ":1: allow needs a bridge name");
	expect_text_error("noarg2.conf", "\n  deny   \n", -EINVAL, ":2: deny needs a bridge name");
	expect_text_error("noarg3.conf", "include\n", -EINVAL, ":1: include needs an absolute path");
}

static void test_extra_tokens(void **state)
{
	(void)state;
	expect_text_error("extra1.conf", "allow br0 br1\n", -EINVAL,
			  P("extra1.conf"), ":1: unexpected \"br1\" after \"br0\"");
	expect_text_error("extra2.conf", "allow all\ndeny br0 # not here\n", -EINVAL,
			  ":2: unexpected \"#\" after \"br0\"", "comments must be on their own line");
	expect_text_error("extra3.conf", "include /etc/a /etc/b\n", -EINVAL,
			  ":1: unexpected \"/etc/b\" after \"/etc/a\"");
}

static void test_bad_bridge_names(void **state)
{
	static const struct {
		const char *name, *shown;
	} bad[] = {
		{ "br0:1", "br0:1" },
		{ "a/b", "a/b" },
		{ "abcdefghijklmnop", "abcdefghijklmnop" }, /* 16 bytes: IFNAMSIZ */
		{ "averyveryverylongbridgename", "averyveryverylongbridgename" },
		{ "..", ".." },
		{ ".", "." },
		{ "123", "123" },
		{ "tap%d", "tap%d" },
		{ "br\xc3\xa9", "br\\xc3\\xa9" },   /* non-ASCII, shown escaped */
		{ "br\x01", "br\\x01" },            /* control byte */
		{ "br\":0", "br\\x22:0" },          /* a quote cannot fake the message */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], name[32], want[96];

		snprintf(name, sizeof(name), "badname%zu.conf", i);
		snprintf(text, sizeof(text), "allow br0\n%s %s\n", i % 2 ? "deny" : "allow",
			 bad[i].name);
		snprintf(want, sizeof(want), ":2: bad bridge name \"%s\"", bad[i].shown);
		expect_text_error(name, text, -EINVAL, P(name), want);
	}
}

static void test_long_token_cut_in_message_only(void **state)
{
	char text[300], want[80];

	(void)state;
	memcpy(text, "allow ", 6);
	memset(text + 6, 'x', 200);
	strcpy(text + 206, "\n");
	/* VMTAP_SHOW_CAP - 4 bytes then "...": the message stays one
	 * readable line. */
	snprintf(want, sizeof(want), "\"%.*s...\"", VMTAP_SHOW_CAP - 4, text + 6);
	expect_text_error("longtok.conf", text, -EINVAL, ":1: bad bridge name", want);
}

static void test_overlong_line(void **state)
{
	char text[ACL_MAX_LINE + 64];
	size_t len;

	(void)state;
	strcpy(text, "allow br0\n#");
	len = strlen(text);
	memset(text + len, 'c', ACL_MAX_LINE); /* the comment line: 4096 bytes */
	len += ACL_MAX_LINE;
	strcpy(text + len, "\nallow br1\n");
	expect_text_error("longline.conf", text, -EINVAL,
			  P("longline.conf"), ": line 2 is longer than 4095 bytes");

	/* The same without a final newline. */
	text[len] = '\0';
	expect_text_error("longline2.conf", text, -EINVAL, ": line 2 is longer than 4095 bytes");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "allow br0\nallow br1\0br2\n";
	struct vmtap_err err = { { 0 } };
	struct acl *acl = SENTINEL;
	int r;

	(void)state;
	r = load_bytes("nul.conf", text, sizeof(text) - 1, &acl, &err);
	check_error(r, -EINVAL, acl, SENTINEL, &err, P("nul.conf"), ":2: line contains a NUL byte", NULL);
}

/* ---- acl_parse_buffer ------------------------------------------------- */

static void test_parse_buffer(void **state)
{
	static const char text[] = "allow br0XYZ";
	struct vmtap_err err = { { 0 } };
	struct acl *acl = NULL;

	(void)state;
	/* Not NUL-terminated where it ends: only the first 9 bytes count. */
	assert_int_equal(acl_parse_buffer("mem", text, 9, &acl, &err), 0);
	assert_true(acl_allows(acl, "br0"));
	assert_false(acl_allows(acl, "br0XYZ"));
	acl_free(acl);

	acl = NULL;
	assert_int_equal(acl_parse_buffer("mem", NULL, 0, &acl, &err), 0);
	assert_false(acl_allows(acl, "br0"));
	acl_free(acl);

	acl = SENTINEL;
	assert_int_equal(acl_parse_buffer("mem", "deny\n", 5, &acl, &err), -EINVAL);
	assert_ptr_equal(acl, SENTINEL);
	assert_non_null(strstr(err.msg, "mem:1: deny needs"));

	memset(&err, 0, sizeof(err));
	assert_int_equal(acl_parse_buffer("mem", NULL, 3, &acl, &err), -EINVAL);
	assert_int_equal(acl_parse_buffer(NULL, "", 0, &acl, &err), -EINVAL);
	assert_int_equal(acl_parse_buffer("mem", "", 0, NULL, &err), -EINVAL);
	assert_int_equal(acl_load(NULL, &acl, &err), -EINVAL);
	assert_int_equal(acl_load("", &acl, &err), -EINVAL);
	assert_int_equal(acl_load(P("allow.conf"), NULL, NULL), -EINVAL);
	assert_ptr_equal(acl, SENTINEL);
}

/* ---- the file checks -------------------------------------------------- */

static void test_missing_file(void **state)
{
	(void)state;
	expect_path_error(P("does-not-exist.conf"), -ENOENT,
			  P("does-not-exist.conf"), ": cannot open: No such file or directory");
}

static void test_writable_by_group_or_others(void **state)
{
	const char *g, *o, *go;

	(void)state;
	require_root();
	g = write_file("gw.conf", "allow br0\n", 10, 0664);
	expect_path_error(g, -EPERM, g,
			  ": is writable by group or others (mode 0664); expected root-owned, not group/world-writable (fix: chmod go-w ");
	expect_path_error(g, -EPERM, g, "gw.conf)");
	o = write_file("ow.conf", "allow br0\n", 10, 0602);
	expect_path_error(o, -EPERM, o, "(mode 0602)");
	go = write_file("gow.conf", "allow br0\n", 10, 0666);
	expect_path_error(go, -EPERM, go, "(mode 0666)");
	/* Read-only for everyone, or root-only, is fine. */
	acl_free(must_load_path(write_file("ro.conf", "allow br0\n", 10, 0444)));
	acl_free(must_load_path(write_file("rootonly.conf", "allow br0\n", 10, 0600)));
}

static void test_not_owned_by_root(void **state)
{
	const char *path = write_text("nobody.conf", "allow br0\n");
	char want[64];
	uid_t owner = 65534;

	(void)state;
	if (is_root()) {
		assert_int_equal(chown(path, 65534, 65534), 0);
	} else {
		/* Not root: the file is already someone else's than root's. */
		owner = geteuid();
	}
	snprintf(want, sizeof(want), ": is owned by uid %lu; expected root-owned", (unsigned long)owner);
	expect_path_error(path, -EPERM, path, want, "(fix: chown root:root ", "nobody.conf)");
}

static void test_directory(void **state)
{
	const char *d = P("a-directory");

	(void)state;
	assert_int_equal(mkdir(d, 0755), 0);
	expect_path_error(d, -EINVAL, d, ": is a directory; expected a regular file");
}

static void test_fifo(void **state)
{
	const char *f = P("a-fifo");

	(void)state;
	assert_int_equal(mkfifo(f, 0644), 0);
	/* No writer: a blocking open would hang here. */
	expect_path_error(f, -EINVAL, f, ": is a FIFO; expected a regular file");
}

static void test_too_large(void **state)
{
	const char *path = write_text("huge.conf", "");

	(void)state;
	require_root();
	assert_int_equal(truncate(path, ACL_MAX_FILE_SIZE + 1), 0);
	expect_path_error(path, -EFBIG, path, "bytes; expected at most");
}

/* A pseudo filesystem's files look root-owned and read-only whatever they
 * hold: a non-dumpable process's /proc/self files are root's and carry
 * the caller's text (a setuid helper started through a symlink named
 * "allow all" had that comm, and `include /proc/self/comm` allowed every
 * bridge).  Refused by filesystem type, top file or include, naming the
 * file. */
static void test_pseudo_filesystems(void **state)
{
	char top[256];

	(void)state;
	require_root();
	expect_path_error("/proc/self/comm", -EPERM, "/proc/self/comm: is on procfs",
			  "expected a file on a real filesystem");
	expect_path_error("/proc/self/smaps", -EPERM, "/proc/self/smaps: is on procfs");
	if (access("/sys/kernel/uevent_seqnum", R_OK) == 0)
		expect_path_error("/sys/kernel/uevent_seqnum", -EPERM,
				  "/sys/kernel/uevent_seqnum: is on sysfs");
	snprintf(top, sizeof(top), "allow br0\ninclude /proc/self/comm\n");
	expect_text_error("inc-proc.conf", top, -EPERM, "/proc/self/comm: is on procfs");
}

/* ---- includes --------------------------------------------------------- */

static void test_include(void **state)
{
	char top[512], mid[512];
	struct acl *acl;

	(void)state;
	require_root();
	write_text("inc-leaf.conf", "allow br2\ndeny br1\n");
	snprintf(mid, sizeof(mid), "allow br1\ninclude %s\nallow br3\n", P("inc-leaf.conf"));
	write_text("inc-mid.conf", mid);
	snprintf(top, sizeof(top), "# top\nallow br0\n  include   %s  \n", P("inc-mid.conf"));
	acl = must_load_text("inc-top.conf", top);
	assert_true(acl_allows(acl, "br0"));
	assert_false(acl_allows(acl, "br1")); /* denied two levels down */
	assert_true(acl_allows(acl, "br2"));
	assert_true(acl_allows(acl, "br3"));
	assert_false(acl_allows(acl, "br4"));
	acl_free(acl);

	/* The same from a buffer. */
	acl = NULL;
	{
		struct vmtap_err err = { { 0 } };

		assert_int_equal(acl_parse_buffer("mem", top, strlen(top), &acl, &err), 0);
	}
	assert_true(acl_allows(acl, "br2"));
	assert_false(acl_allows(acl, "br1"));
	acl_free(acl);
}

static void test_include_missing(void **state)
{
	char top[512];

	(void)state;
	require_root();
	snprintf(top, sizeof(top), "allow br0\ninclude %s\n", P("no-such-include.conf"));
	expect_text_error("incmiss.conf", top, -ENOENT,
			  P("incmiss.conf"), ":2: cannot open include ", P("no-such-include.conf"),
			  "No such file or directory");
}

static void test_include_relative(void **state)
{
	(void)state;
	expect_text_error("increl.conf", "allow br0\n\ninclude bridge.d/x.conf\n", -EINVAL,
			  P("increl.conf"), ":3: include path \"bridge.d/x.conf\" is not absolute");
	expect_text_error("increl2.conf", "include ./x.conf\n", -EINVAL, ":1: include path \"./x.conf\"");
	expect_text_error("incctl.conf", "include /etc/\x1b[31m\n", -EINVAL,
			  ":1: include path \"/etc/\\x1b[31m\" contains a control character");
}

static void test_include_bad_file(void **state)
{
	char top[512];
	const char *bad;

	(void)state;
	require_root();

	/* Permissions of the included file. */
	bad = write_file("inc-gw.conf", "allow br0\n", 10, 0666);
	snprintf(top, sizeof(top), "include %s\n", bad);
	expect_text_error("incgw-top.conf", top, -EPERM, bad, "(mode 0666)");

	/* Content of the included file: named by its own file:line. */
	bad = write_text("inc-badline.conf", "allow br0\nallow br0:1\n");
	snprintf(top, sizeof(top), "allow br9\ninclude %s\n", bad);
	expect_text_error("incbl-top.conf", top, -EINVAL, bad, ":2: bad bridge name \"br0:1\"");

	/* A directory and a FIFO as include. */
	snprintf(top, sizeof(top), "include %s\n", P("inc-dir"));
	assert_int_equal(mkdir(P("inc-dir"), 0755), 0);
	expect_text_error("incdir-top.conf", top, -EINVAL, P("inc-dir"), ": is a directory");
	snprintf(top, sizeof(top), "include %s\n", P("inc-fifo"));
	assert_int_equal(mkfifo(P("inc-fifo"), 0644), 0);
	expect_text_error("incfifo-top.conf", top, -EINVAL, P("inc-fifo"), ": is a FIFO");
}

/* The per-user include, as in QEMU: files are read as the user who ran
 * QEMU, and an include that user may not open is skipped. */
static void test_include_unreadable_is_skipped(void **state)
{
	char text[512];
	const char *top, *topsecret;
	struct acl *acl;
	int status;
	pid_t pid;

	(void)state;
	require_root();
	assert_int_equal(chmod(tmpdir, 0755), 0);
	assert_int_equal(chown(write_file("pu-alice.conf", "allow br1\n", 10, 0640), 0, 65534), 0);
	write_file("pu-secret.conf", "allow br2\n", 10, 0600);
	snprintf(text, sizeof(text), "allow br0\ninclude %s\ninclude %s\n",
		 P("pu-alice.conf"), P("pu-secret.conf"));
	top = write_text("pu-top.conf", text);
	topsecret = write_file("pu-topsecret.conf", "allow br0\n", 10, 0600);

	/* Root reads everything. */
	acl = must_load_path(top);
	assert_true(acl_allows(acl, "br0"));
	assert_true(acl_allows(acl, "br1"));
	assert_true(acl_allows(acl, "br2"));
	acl_free(acl);

	/* uid/gid 65534 may read pu-alice.conf (group) but not pu-secret.conf,
	 * and not the top file pu-topsecret.conf, which is an error. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vmtap_err err = { { 0 } };
		int code = 0;

		acl = NULL;
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(20);
		if (acl_load(top, &acl, &err) < 0)
			_exit(21);
		if (!acl_allows(acl, "br0") || !acl_allows(acl, "br1") || acl_allows(acl, "br2"))
			code = 22;
		acl_free(acl);
		acl = NULL;
		if (!code && (acl_load(topsecret, &acl, &err) != -EACCES || acl ||
			      !strstr(err.msg, "pu-topsecret.conf: cannot open: Permission denied")))
			code = 23;
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(chmod(tmpdir, 0700), 0);
}

/* top -> chain1 -> ... -> chainN, the last one allowing br0. */
static const char *make_chain(const char *prefix, int n)
{
	char name[64], next[64], text[512];
	int i;

	for (i = n; i >= 0; i--) {
		snprintf(name, sizeof(name), "%s%d.conf", prefix, i);
		if (i == n) {
			snprintf(text, sizeof(text), "allow br0\n");
		} else {
			snprintf(next, sizeof(next), "%s%d.conf", prefix, i + 1);
			snprintf(text, sizeof(text), "# level %d\ninclude %s\n", i, P(next));
		}
		write_text(name, text);
	}
	snprintf(name, sizeof(name), "%s0.conf", prefix);
	return P(name);
}

static void test_include_depth(void **state)
{
	const char *top;
	char where[64];
	struct acl *acl;

	(void)state;
	require_root();
	/* ACL_MAX_DEPTH levels below the top file is the most allowed. */
	top = make_chain("deep-ok", ACL_MAX_DEPTH);
	acl = must_load_path(top);
	assert_true(acl_allows(acl, "br0"));
	acl_free(acl);

	/* One more: the include line of the file at the deepest level fails. */
	top = make_chain("deep-bad", ACL_MAX_DEPTH + 1);
	snprintf(where, sizeof(where), "deep-bad%d.conf:2: include ", ACL_MAX_DEPTH);
	expect_path_error(top, -ELOOP, where, "nests deeper than 8 levels");
}

static void test_include_self(void **state)
{
	char text[512];
	const char *self = P("self.conf");

	(void)state;
	require_root();
	snprintf(text, sizeof(text), "allow br0\ninclude %s\n", self);
	expect_text_error("self.conf", text, -ELOOP, self, ":2: include ", "nests deeper", "loop");

	/* A loop of two files. */
	snprintf(text, sizeof(text), "include %s\n", P("ping.conf"));
	write_text("pong.conf", text);
	snprintf(text, sizeof(text), "include %s\n", P("pong.conf"));
	expect_text_error("ping.conf", text, -ELOOP, ":1: include ", "nests deeper");
}

static void test_include_too_many_files(void **state)
{
	char *text;
	size_t cap = 256 * 128, len = 0;
	struct acl *acl;
	int i;

	(void)state;
	require_root();
	write_text("wide-leaf.conf", "allow br0\n");
	text = malloc(cap);
	assert_non_null(text);
	/* The top file plus 127 includes is the most. */
	for (i = 0; i < ACL_MAX_FILES - 1; i++)
		len += (size_t)snprintf(text + len, cap - len, "include %s\n", P("wide-leaf.conf"));
	acl = must_load_text("wide-ok.conf", text);
	assert_true(acl_allows(acl, "br0"));
	acl_free(acl);

	snprintf(text + len, cap - len, "include %s\n", P("wide-leaf.conf"));
	expect_text_error("wide-bad.conf", text, -E2BIG, "wide-bad.conf:128: include ",
			  "more than 128 files");
	free(text);
}

/* ---- no fd left behind ------------------------------------------------ */

static void test_no_fd_left(void **state)
{
	int before = count_fds(), i;
	char text[512];

	(void)state;
	require_root();
	snprintf(text, sizeof(text), "allow br0\ninclude %s\n", P("fd-leaf.conf"));
	write_text("fd-leaf.conf", "allow br1\n");
	write_text("fd-bad-leaf.conf", "allow br1 br2\n");
	for (i = 0; i < 3; i++) {
		struct acl *acl = must_load_text("fd-ok.conf", text);

		acl_free(acl);
		expect_text_error("fd-deep.conf", "include /nonexistent/x\n", -ENOENT, "cannot open include");
		snprintf(text, sizeof(text), "include %s\n", P("fd-bad-leaf.conf"));
		expect_text_error("fd-bad.conf", text, -EINVAL, "unexpected");
		snprintf(text, sizeof(text), "include %s\n", P("fd-self.conf"));
		expect_text_error("fd-self.conf", text, -ELOOP, "nests deeper");
		expect_path_error(write_file("fd-gw.conf", "", 0, 0666), -EPERM, "mode 0666");
		snprintf(text, sizeof(text), "allow br0\ninclude %s\n", P("fd-leaf.conf"));
	}
	assert_int_equal(count_fds(), before);
}

/* ---- vmtapd's grammar: subjects and limits --------------------------- */

/* Parses text in vmtapd's grammar (from a buffer: names resolve the same
 * way whoever runs the test). */
static int daemon_text(const char *text, struct acl **acl, struct vmtap_err *err)
{
	return acl_parse_buffer_daemon("vmtapd.conf", text, strlen(text), acl, err);
}

#define expect_daemon_error(text, want_r, ...)                                \
	do {                                                                  \
		struct vmtap_err err_ = { { 0 } };                            \
		struct acl *acl_ = SENTINEL;                                  \
		int r_ = daemon_text(text, &acl_, &err_);                     \
		check_error(r_, want_r, acl_, SENTINEL, &err_, __VA_ARGS__, NULL); \
	} while (0)

static struct acl *must_daemon(const char *text)
{
	struct vmtap_err err = { { 0 } };
	struct acl *acl = NULL;
	int r = daemon_text(text, &acl, &err);

	if (r < 0)
		fail_msg("vmtapd grammar refused \"%s\": %s", text, vmtap_err_text(&err, r));
	return acl;
}

static const gid_t users_groups[] = { 100 };
static const struct acl_peer root_peer = { 0, 0, NULL, 0 };
static const struct acl_peer nobody_peer = { 65534, 65534, NULL, 0 };
static const struct acl_peer nobody_in_users = { 65534, 65534, users_groups, 1 };
static const struct acl_peer other_peer = { 4242, 4242, NULL, 0 };

static void test_daemon_subjects(void **state)
{
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow br0 user root\n"
			  "allow br1 user nobody\n"
			  "allow br2 group users\n"
			  "allow br3 user 4242\n"
			  "allow shared\n");
	assert_true(acl_allows_peer(acl, "br0", &root_peer));
	assert_false(acl_allows_peer(acl, "br0", &nobody_peer));
	assert_true(acl_allows_peer(acl, "br1", &nobody_peer));
	assert_false(acl_allows_peer(acl, "br1", &other_peer));
	/* groups: primary or supplementary */
	assert_false(acl_allows_peer(acl, "br2", &nobody_peer));
	assert_true(acl_allows_peer(acl, "br2", &nobody_in_users));
	assert_true(acl_allows_peer(acl, "br3", &other_peer)); /* a numeric uid */
	assert_true(acl_allows_peer(acl, "shared", &other_peer));
	/* rules with a subject bind no one when nobody is asking */
	assert_false(acl_allows(acl, "br0"));
	assert_true(acl_allows(acl, "shared"));
	acl_free(acl);
}

static void test_daemon_deny_wins(void **state)
{
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow all\n"
			  "deny br-mgmt group users\n"
			  "deny br-root user nobody\n"
			  "allow br-mgmt user nobody\n");
	assert_true(acl_allows_peer(acl, "br-mgmt", &nobody_peer));
	assert_false(acl_allows_peer(acl, "br-mgmt", &nobody_in_users));
	assert_false(acl_allows_peer(acl, "br-root", &nobody_peer));
	assert_true(acl_allows_peer(acl, "br-root", &root_peer));
	assert_false(acl_allows_peer(acl, "bad/name", &root_peer));
	acl_free(acl);
}

static void test_daemon_limits(void **state)
{
	struct acl *acl;

	(void)state;
	acl = must_daemon("");
	assert_int_equal(acl_limit(acl, ACL_LIMIT_QUEUES, &root_peer), 64);
	assert_int_equal(acl_limit(acl, ACL_LIMIT_NICS, &root_peer), ACL_NO_LIMIT);
	assert_int_equal(acl_limit(acl, ACL_LIMIT_CONNECTIONS, &root_peer), ACL_DEFAULT_CONNECTIONS);
	acl_free(acl);

	acl = must_daemon("limit nics 10\n"
			  "limit nics 500 group users\n"
			  "limit nics 2 user nobody\n"
			  "limit nics 3 user nobody\n" /* same level: the last line wins */
			  "limit queues 4\n"
			  "limit queues 8 group users\n"
			  "limit connections 5 user 4242\n"
			  "limit nics 0 user 4242\n");
	assert_int_equal(acl_limit(acl, ACL_LIMIT_NICS, &root_peer), 10);
	/* user beats group beats everyone, whatever the order */
	assert_int_equal(acl_limit(acl, ACL_LIMIT_NICS, &nobody_peer), 3);
	assert_int_equal(acl_limit(acl, ACL_LIMIT_NICS, &nobody_in_users), 3);
	assert_int_equal(acl_limit(acl, ACL_LIMIT_QUEUES, &nobody_peer), 4);
	assert_int_equal(acl_limit(acl, ACL_LIMIT_QUEUES, &nobody_in_users), 8);
	assert_int_equal(acl_limit(acl, ACL_LIMIT_CONNECTIONS, &other_peer), 5);
	assert_int_equal(acl_limit(acl, ACL_LIMIT_CONNECTIONS, &root_peer), ACL_DEFAULT_CONNECTIONS);
	assert_int_equal(acl_limit(acl, ACL_LIMIT_NICS, &other_peer), 0);
	/* limits are not rules: they allow nothing */
	assert_false(acl_allows_peer(acl, "br0", &root_peer));
	acl_free(acl);
	assert_string_equal(acl_limit_name(ACL_LIMIT_NICS), "nics");
}

static void test_daemon_errors(void **state)
{
	(void)state;
	expect_daemon_error("allow br0 user\n", -EINVAL, "vmtapd.conf:1: user needs a user name");
	expect_daemon_error("allow br0 uid 0\n", -EINVAL, "vmtapd.conf:1: unexpected \"uid\" after \"br0\"",
			    "expected user NAME or group NAME");
	expect_daemon_error("allow br0 user root extra\n", -EINVAL, "unexpected \"extra\" after \"root\"");
	expect_daemon_error("allow br0 # allow\n", -EINVAL, "comments must be on their own line");
	expect_daemon_error("\nallow br0 user no-such-user-vmtap\n", -EINVAL,
			    "vmtapd.conf:2: no user \"no-such-user-vmtap\"; expected a user name or a numeric uid");
	expect_daemon_error("deny br0 group no-such-group-vmtap\n", -EINVAL,
			    "no group \"no-such-group-vmtap\"; expected a group name or a numeric gid");
	expect_daemon_error("allow br0 user 4294967295\n", -EINVAL, "no user \"4294967295\"");
	expect_daemon_error("limit\n", -EINVAL, "limit needs a kind");
	expect_daemon_error("limit nics\n", -EINVAL, "limit needs a kind");
	expect_daemon_error("limit speed 10\n", -EINVAL, "unknown limit \"speed\"; expected queues, nics, connections, inbound or outbound");
	expect_daemon_error("limit queues 0\n", -ERANGE, "limit queues 0: expected 1..64");
	expect_daemon_error("limit queues 65\n", -ERANGE, "limit queues 65: expected 1..64");
	expect_daemon_error("limit nics -1\n", -ERANGE, "limit nics -1: expected 0..65535");
	expect_daemon_error("limit connections 0\n", -ERANGE, "limit connections 0: expected 1..65535");
	expect_daemon_error("limit nics 4 group\n", -EINVAL, "group needs a group name");
	expect_daemon_error("frob br0\n", -EINVAL, "unknown keyword \"frob\"; expected allow, deny, limit, default, require or include");
	expect_daemon_error("include relative.conf\n", -EINVAL, "is not absolute");
}

/* QEMU's grammar stays exactly QEMU's: no subjects, no limits. */
static void test_qemu_grammar_unchanged(void **state)
{
	(void)state;
	expect_text_error("q1.conf", "allow br0 user root\n", -EINVAL,
			  "q1.conf:1: unexpected \"user\" after \"br0\"; expected one argument per line");
	expect_text_error("q2.conf", "limit nics 4\n", -EINVAL,
			  "q2.conf:1: unknown keyword \"limit\"; expected allow, deny or include");
}

/* vmtapd reads as root: an include it cannot open is an error, never the
 * per-user skip of QEMU's grammar. */
static void test_daemon_include_must_open(void **state)
{
	struct vmtap_err err = { { 0 } };
	struct acl *acl = SENTINEL;
	char text[PATH_MAX + 32];
	pid_t pid;
	int status;

	(void)state;
	require_root();
	write_file("d-secret.conf", "deny br0\n", 9, 0600);
	snprintf(text, sizeof(text), "allow br0\ninclude %s\n", P("d-secret.conf"));
	/* As nobody, the open fails with EACCES: QEMU's grammar skips it,
	 * vmtapd's refuses. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		if (acl_parse_buffer("q.conf", text, strlen(text), &acl, &err) < 0 ||
		    !acl_allows(acl, "br0"))
			_exit(4);
		acl_free(acl);
		acl = SENTINEL;
		if (acl_parse_buffer_daemon("d.conf", text, strlen(text), &acl, &err) != -EACCES ||
		    acl != SENTINEL || !strstr(err.msg, "d.conf:2: cannot open include"))
			_exit(5);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- tenant networks: VLAN grants and require ------------------------- */

#define MSG_MAX sizeof(((struct vmtap_err *)0)->msg)

/* A spec on bridge with vlan (0: none) and trunk ("": none). */
static struct nic_spec vspec(const char *bridge, unsigned vlan, const char *trunk)
{
	struct vmtap_err err = { { 0 } };
	struct nic_spec s;

	nic_spec_init(&s);
	snprintf(s.bridge, sizeof(s.bridge), "%s", bridge);
	s.vlan = vlan;
	if (*trunk)
		assert_int_equal(vlan_set_parse(trunk, ",:", &s.trunk, &err), 0);
	return s;
}

/* acl_check_nic's answer for peer asking for spec; msg gets its message. */
static int check(const struct acl *acl, const struct acl_peer *peer, struct nic_spec *spec,
		 char msg[MSG_MAX])
{
	struct vmtap_err err = { { 0 } };
	int r = acl_check_nic(acl, peer, spec, peer ? peer->uid : 1000, &err);

	snprintf(msg, MSG_MAX, "%s", err.msg);
	if (r < 0 && (!err.msg[0] || strchr(err.msg, '\n')))
		fail_msg("refusal %d without a one-line message: \"%s\"", r, err.msg);
	return r;
}

static bool may(const struct acl *acl, const struct acl_peer *peer, const char *bridge,
		unsigned vlan, const char *trunk)
{
	char msg[MSG_MAX];
	struct nic_spec s = vspec(bridge, vlan, trunk);

	return check(acl, peer, &s, msg) == 0;
}

/* ---- macvtap (README, "macvtap: a NIC on an uplink") ---------------- */

static struct nic_spec mvspec(const char *parent, enum nic_mode mode)
{
	struct nic_spec s;

	nic_spec_init(&s);
	snprintf(s.macvtap, sizeof(s.macvtap), "%s", parent);
	s.mode = mode;
	return s;
}

static void test_macvtap_rules(void **state)
{
	char msg[MSG_MAX];
	struct nic_spec s;
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow macvtap eth0 user nobody\n"
			  "allow macvtap all group users\n"
			  "deny macvtap eth9 user nobody\n"
			  "allow br0\n");
	s = mvspec("eth0", NIC_MODE_TAP);
	assert_int_equal(check(acl, &nobody_peer, &s, msg), 0);
	s = mvspec("eth0", NIC_MODE_VEPA);
	assert_int_equal(check(acl, &nobody_peer, &s, msg), 0);
	/* default deny: another parent, another user */
	s = mvspec("eth1", NIC_MODE_TAP);
	assert_int_equal(check(acl, &nobody_peer, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "macvtap on eth1 is not allowed for uid 65534"));
	s = mvspec("eth0", NIC_MODE_TAP);
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	/* all, by group; deny wins over it */
	s = mvspec("eth5", NIC_MODE_TAP);
	assert_int_equal(check(acl, &nobody_in_users, &s, msg), 0);
	s = mvspec("eth9", NIC_MODE_TAP);
	assert_int_equal(check(acl, &nobody_in_users, &s, msg), -EPERM);
	/* passthru: root's alone */
	s = mvspec("eth0", NIC_MODE_PASSTHRU);
	assert_int_equal(check(acl, &nobody_peer, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "only root may ask for it"));
	/* a bridge grant is no parent grant, and the other way round */
	s = mvspec("br0", NIC_MODE_TAP);
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	assert_false(acl_allows_peer(acl, "eth0", &nobody_peer));
	acl_free(acl);
	acl = must_daemon("allow macvtap all\n");
	s = mvspec("eth0", NIC_MODE_PASSTHRU);
	assert_int_equal(check(acl, &root_peer, &s, msg), 0);
	acl_free(acl);
}

static void test_macvtap_grammar(void **state)
{
	char msg[MSG_MAX];
	struct nic_spec s;
	struct acl *acl;

	(void)state;
	/* a bridge called macvtap keeps its meaning */
	acl = must_daemon("allow macvtap\nallow macvtap user nobody\n");
	assert_true(acl_allows_peer(acl, "macvtap", &other_peer));
	s = mvspec("eth0", NIC_MODE_TAP);
	assert_int_equal(check(acl, &nobody_peer, &s, msg), -EPERM);
	acl_free(acl);
	expect_daemon_error("allow macvtap eth/0\n", -EINVAL, "vmtapd.conf:1",
			    "bad macvtap parent");
	expect_daemon_error("allow macvtap eth0 vlan 10\n", -EINVAL, "vmtapd.conf:1");
	/* bridge.conf grants no macvtap */
	acl = must_load_text("bridge.conf", "allow all\n");
	s = mvspec("eth0", NIC_MODE_TAP);
	assert_int_equal(check(acl, NULL, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "macvtap NICs are granted only by vmtapd's policy"));
	acl_free(acl);
	expect_text_error("bridge.conf", "allow macvtap eth0\n", -EINVAL, "bridge.conf:1");
}

static void test_vlan_grammar(void **state)
{
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow br0 vlan 100-199 group users\n"
			  "allow br0 vlan 10,20:30 user 4242\n"
			  "deny br0 vlan 150\n"
			  "allow all vlan 7 user nobody\n"
			  "deny all vlan 8\n"
			  "require br0 isolated\n"
			  "require br0 mac_lock user root\n"
			  "require all isolated,mac_lock group users\n"
			  "require br1 mac_lock,isolated\n");
	acl_free(acl);
	expect_daemon_error("allow br0 vlan 0\n", -ERANGE, "vmtapd.conf:1: vlan: ", "\"0\"");
	expect_daemon_error("allow br0 vlan 4095\n", -ERANGE, "vmtapd.conf:1: vlan: ", "4095");
	expect_daemon_error("deny br0 vlan 10-5\n", -EINVAL, "vmtapd.conf:1: vlan: ", "10-5");
	expect_daemon_error("allow br0 vlan 1,,2\n", -EINVAL, "vmtapd.conf:1: vlan: ", "empty");
	expect_daemon_error("allow br0 vlan 010\n", -EINVAL, "vmtapd.conf:1: vlan: ");
	expect_daemon_error("allow br0 vlan\n", -EINVAL, "vmtapd.conf:1: vlan needs a list");
	expect_daemon_error("allow br0 vlan group users\n", -EINVAL, "vmtapd.conf:1: vlan: ");
	expect_daemon_error("allow br0 vlan 10 user\n", -EINVAL, "user needs a user name");
	expect_daemon_error("allow br0 vlan 10 extra\n", -EINVAL, "unexpected \"extra\" after \"10\"");
	expect_daemon_error("allow br0 vlan 10 user root x\n", -EINVAL, "unexpected \"x\"");
	expect_daemon_error("require br0\n", -EINVAL, "vmtapd.conf:1: require needs");
	expect_daemon_error("require\n", -EINVAL, "require needs");
	expect_daemon_error("require br0 vlan\n", -EINVAL, "require vlan: expected isolated, mac_lock");
	expect_daemon_error("require br0 isolated,\n", -EINVAL, "require isolated,: expected");
	expect_daemon_error("require br0 mac-lock\n", -EINVAL, "require mac-lock: expected");
	expect_daemon_error("require b/r isolated\n", -EINVAL, "bad bridge name \"b/r\"");
	expect_daemon_error("require br0 isolated user no-such-user-vmtap\n", -EINVAL,
			    "no user \"no-such-user-vmtap\"");
	/* QEMU's grammar has neither. */
	expect_text_error("q3.conf", "allow br0 vlan 10\n", -EINVAL,
			  "q3.conf:1: unexpected \"vlan\" after \"br0\"");
	expect_text_error("q4.conf", "require br0 isolated\n", -EINVAL,
			  "q4.conf:1: unknown keyword \"require\"; expected allow, deny or include");
}

/* Untagged use and VLANs are granted apart: neither implies the other. */
static void test_vlan_grants_apart(void **state)
{
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow br0\n"
			  "allow br1 vlan 100-199\n");
	assert_true(may(acl, &nobody_peer, "br0", 0, ""));
	assert_false(may(acl, &nobody_peer, "br0", 100, ""));
	assert_false(may(acl, &nobody_peer, "br1", 0, ""));
	assert_false(acl_allows_peer(acl, "br1", &nobody_peer));
	assert_true(may(acl, &nobody_peer, "br1", 100, ""));
	assert_true(may(acl, &nobody_peer, "br1", 0, "100-199"));
	assert_true(may(acl, &nobody_peer, "br1", 150, "100-149:151-199"));
	acl_free(acl);
}

/* Every VLAN asked must be granted (the subset rule), and the refusal
 * names the first that is not, the bridge, the uid and the file. */
static void test_vlan_subset(void **state)
{
	char msg[MSG_MAX];
	struct nic_spec s;
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow br0 vlan 10,20-29 user 4242\n"
			  "allow br0 vlan 30 group users\n");
	assert_true(may(acl, &other_peer, "br0", 10, "20-29"));
	s = vspec("br0", 10, "20-30");
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	assert_string_equal(msg, "uid 4242 may not use VLAN 30 on br0 (policy vmtapd.conf)");
	s = vspec("br0", 11, "");
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "VLAN 11 on br0"));
	/* The native VLAN needs its grant as much as the tagged ones. */
	s = vspec("br0", 30, "20");
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "VLAN 30"));
	/* A grant for one bridge is not for another; a group's for its members. */
	assert_false(may(acl, &other_peer, "br1", 10, ""));
	assert_true(may(acl, &nobody_in_users, "br0", 30, ""));
	assert_false(may(acl, &nobody_peer, "br0", 30, ""));
	/* Grants add up across lines. */
	acl_free(acl);
	acl = must_daemon("allow br0 vlan 10\nallow br0 vlan 11\n");
	assert_true(may(acl, &nobody_peer, "br0", 0, "10-11"));
	acl_free(acl);
}

static void test_vlan_deny_wins(void **state)
{
	char msg[MSG_MAX];
	struct nic_spec s;
	struct acl *acl;

	(void)state;
	acl = must_daemon("deny br0 vlan 150 user nobody\n"
			  "allow br0 vlan 100-199\n"
			  "allow all vlan 1-4094 user 4242\n"
			  "deny all vlan 4000\n"
			  "deny br2 user 4242\n");
	assert_true(may(acl, &nobody_peer, "br0", 149, ""));
	assert_false(may(acl, &nobody_peer, "br0", 150, ""));
	assert_true(may(acl, &other_peer, "br0", 150, ""));
	s = vspec("br0", 0, "140-160");
	assert_int_equal(check(acl, &nobody_peer, &s, msg), -EPERM);
	assert_string_equal(msg, "uid 65534 may not use VLAN 150 on br0 (policy vmtapd.conf)");
	/* deny all ... vlan and the later allow of every VLAN */
	assert_true(may(acl, &other_peer, "br1", 3999, ""));
	assert_false(may(acl, &other_peer, "br1", 4000, ""));
	/* a deny of the bridge itself binds tagged use too */
	s = vspec("br2", 10, "");
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	assert_string_equal(msg, "bridge br2 is not allowed for uid 4242 by vmtapd.conf");
	/* a deny ... vlan says nothing of untagged use */
	acl_free(acl);
	acl = must_daemon("allow br0\ndeny br0 vlan 1-4094\n");
	assert_true(may(acl, &nobody_peer, "br0", 0, ""));
	assert_false(may(acl, &nobody_peer, "br0", 1, ""));
	acl_free(acl);
}

/* One grant of a listing as text: "br0 untagged vlans=10,20-29 isolated". */
static const char *grant_text(const struct acl_grant *g, char *buf, size_t len)
{
	char vlans[200];

	assert_int_equal(vlan_set_format(&g->vlans, vlans, sizeof(vlans), ','), 0);
	snprintf(buf, len, "%s%s%s%s%s%s", g->bridge, g->untagged ? " untagged" : "",
		 vlans[0] ? " vlans=" : "", vlans, g->isolated ? " isolated" : "",
		 g->mac_lock ? " mac_lock" : "");
	return buf;
}

/* acl_grants as one line, entries joined by "; " ("" for none). */
static const char *grants(const struct acl *acl, const struct acl_peer *peer)
{
	static char out[1024];
	struct acl_grant *g;
	char one[300];
	size_t n, i, at = 0;

	assert_int_equal(acl_grants(acl, peer, &g, &n), 0);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(out + at, sizeof(out) - at, "%s%s", i ? "; " : "",
				       grant_text(&g[i], one, sizeof(one)));
	free(g);
	return out;
}

/* What hello lists: for the peer, each bridge it may use and the VLANs on
 * it, minus denies, its requires; "all" for any bridge not named; a denied
 * bridge is listed as an exception to "all" only. */
static void test_grants_listing(void **state)
{
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow br0 user nobody\n"
			  "allow br1 vlan 10,20-29 user nobody\n"
			  "deny br1 vlan 25\n"
			  "require br1 isolated\n"
			  "allow br2 user 4242\n"
			  "deny br3 user nobody\n"
			  "limit nics 2\n");
	assert_string_equal(grants(acl, &nobody_peer),
			    "br0 untagged; br1 vlans=10,20-24,26-29 isolated");
	/* Another user's grants are not nobody's, and nobody's not theirs. */
	assert_string_equal(grants(acl, &other_peer), "br2 untagged");
	acl_free(acl);

	/* allow all shows as "all"; a deny is an exception to it; a bridge
	 * named only to repeat what "all" says is not listed. */
	acl = must_daemon("allow all\n"
			  "allow br0\n"
			  "deny br3 user nobody\n"
			  "allow all vlan 100 user nobody\n"
			  "deny br4 vlan 100\n");
	assert_string_equal(grants(acl, &nobody_peer), "br3; br4 untagged; all untagged vlans=100");
	assert_string_equal(grants(acl, &other_peer), "all untagged");
	acl_free(acl);

	/* A deny of the bridge itself takes its VLANs too; nothing granted,
	 * nothing listed (and no require shown for it). */
	acl = must_daemon("allow br0 vlan 5\ndeny br0\nrequire all mac_lock\n");
	assert_string_equal(grants(acl, &nobody_peer), "");
	acl_free(acl);
	acl = must_daemon("deny all\nallow br0\n");
	assert_string_equal(grants(acl, &nobody_peer), "");
	acl_free(acl);
	/* The same listing whatever the order of the lines (deny wins). */
	acl = must_daemon("allow br0 vlan 1-4094\ndeny all vlan 2-4094\nrequire br0 mac_lock\n");
	assert_string_equal(grants(acl, &nobody_peer), "br0 vlans=1 mac_lock");
	acl_free(acl);
	/* Bandwidth rules name no bridge: no entry of their own. */
	acl = must_daemon("allow br0\nlimit inbound 10mbit\ndefault outbound 1mbit user nobody\n");
	assert_string_equal(grants(acl, &nobody_peer), "br0 untagged");
	acl_free(acl);
}

/* bridge.conf (QEMU's grammar) grants no VLAN, whatever it allows;
 * isolated and mac_lock need no grant there either. */
static void test_vlan_not_from_bridge_conf(void **state)
{
	char msg[MSG_MAX];
	struct nic_spec s;
	struct acl *acl;

	(void)state;
	acl = must_load_text("bridge.conf", "allow all\n");
	s = vspec("br0", 10, "");
	assert_int_equal(check(acl, NULL, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "vlan=10: VLANs are granted only by vmtapd's policy, not by "));
	assert_non_null(strstr(msg, "bridge.conf (vmtapd is not running)"));
	s = vspec("br0", 0, "20-29,10");
	assert_int_equal(check(acl, NULL, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "trunk=10:20-29: VLANs are granted only by vmtapd's policy"));
	s = vspec("br0", 0, "");
	s.has_isolated = s.isolated = s.has_mac_lock = s.mac_lock = true;
	s.has_guest_mac = true;
	memcpy(s.guest_mac, "\x52\x54\x00\x01\x02\x03", 6);
	assert_int_equal(check(acl, NULL, &s, msg), 0);
	s = vspec("br1", 0, "");
	assert_int_equal(check(acl, NULL, &s, msg), 0);
	acl_free(acl);
	acl = must_load_text("bridge2.conf", "allow br0\n");
	s = vspec("br1", 0, "");
	s.has_isolated = s.isolated = true;
	assert_int_equal(check(acl, NULL, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "bridge br1 is not allowed for uid 1000 by "));
	assert_non_null(strstr(msg, "bridge2.conf"));
	acl_free(acl);
}

/* What require asks is put into the spec; asking it off is refused with
 * the line named, and the spec is left as it was. */

/* Bandwidth policy: a maximum refuses a request above it (naming both and
 * the line), a default fills a request that asks none, cut to the
 * maximum, and a maximum alone is applied to a request that asks none:
 * asking for nothing never escapes it.  User beats group beats anyone. */
static struct nic_spec rspec(const char *in, const char *out)
{
	struct vmtap_err err = { { 0 } };
	struct nic_spec s = vspec("br0", 0, "");

	if (*in)
		assert_int_equal(nic_rate_parse(in, &s.inbound, &err), 0);
	if (*out)
		assert_int_equal(nic_rate_parse(out, &s.outbound, &err), 0);
	return s;
}

static void test_rate_policy(void **state)
{
	struct acl *acl = must_daemon("allow br0\n"
				      "limit inbound 100mbit\n"
				      "default inbound 10mbit:20mbit:64kb\n"
				      "limit outbound 50mbit group users\n"
				      "limit inbound 1gbit user nobody\n"
				      "default outbound 200mbit user nobody\n");
	struct acl *plain = must_daemon("allow br0\n");
	struct nic_spec s;
	char msg[MSG_MAX];

	(void)state;
	/* Below the maximum: as asked. */
	s = rspec("50mbit", "");
	assert_int_equal(check(acl, &other_peer, &s, msg), 0);
	assert_int_equal(s.inbound.rate, 6250000);
	assert_int_equal(s.outbound.rate, 0); /* no rule for other_peer */
	/* Above it: refused, naming both and the line. */
	s = rspec("200mbit", "");
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "inbound=200mbit: above the maximum 100mbit for uid 4242 "
				    "(policy vmtapd.conf:2)"));
	assert_int_equal(s.inbound.rate, 25000000); /* spec unchanged on refusal */
	s = rspec("50mbit:200mbit", "");
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	assert_non_null(strstr(msg, "inbound peak 200mbit: above the maximum 100mbit"));
	/* None asked: the default, whole. */
	s = rspec("", "");
	assert_int_equal(check(acl, &other_peer, &s, msg), 0);
	assert_int_equal(s.inbound.rate, 1250000);
	assert_int_equal(s.inbound.peak, 2500000);
	assert_int_equal(s.inbound.burst, 65536);
	/* A group's maximum and no default: the maximum is applied. */
	s = rspec("", "");
	assert_int_equal(check(acl, &(struct acl_peer){ 4243, 4243, users_groups, 1 }, &s, msg),
			 0);
	assert_int_equal(s.outbound.rate, 6250000);
	s = rspec("", "60mbit");
	assert_int_equal(check(acl, &(struct acl_peer){ 4243, 4243, users_groups, 1 }, &s, msg),
			 -EPERM);
	assert_non_null(strstr(msg, "outbound=60mbit: above the maximum 50mbit"));
	/* The user's lines beat the group's and everyone's: inbound up to
	 * 1gbit, and outbound's default 200mbit cut to the group's 50mbit. */
	s = rspec("500mbit", "");
	assert_int_equal(check(acl, &nobody_in_users, &s, msg), 0);
	assert_int_equal(s.inbound.rate, 62500000);
	assert_int_equal(s.outbound.rate, 6250000);
	/* No rate rule: nothing added, anything allowed. */
	s = rspec("", "8tbit");
	assert_int_equal(check(plain, &other_peer, &s, msg), 0);
	assert_int_equal(s.inbound.rate, 0);

	/* What hello and doctor report is that same resolution: the maximum,
	 * and what asking for none gets (the default cut to the maximum, or
	 * the maximum itself); nothing where no rule applies. */
	{
		struct nic_rate max, dflt;

		acl_bandwidth(acl, &other_peer, false, &max, &dflt);
		assert_int_equal(max.rate, 12500000);
		assert_int_equal(dflt.rate, 1250000);
		assert_int_equal(dflt.peak, 2500000);
		acl_bandwidth(acl, &other_peer, true, &max, &dflt);
		assert_int_equal(max.rate, 0);
		assert_int_equal(dflt.rate, 0);
		acl_bandwidth(acl, &nobody_in_users, true, &max, &dflt);
		assert_int_equal(max.rate, 6250000);
		assert_int_equal(dflt.rate, 6250000); /* 200mbit cut to 50mbit */
		acl_bandwidth(acl, &(struct acl_peer){ 4243, 4243, users_groups, 1 }, true, &max,
			      &dflt);
		assert_int_equal(max.rate, 6250000);
		assert_int_equal(dflt.rate, 6250000); /* no default: the maximum */
		acl_bandwidth(plain, &other_peer, false, &max, &dflt);
		assert_int_equal(max.rate + dflt.rate, 0);
	}
	acl_free(acl);
	acl_free(plain);

	expect_daemon_error("limit inbound 10\n", -EINVAL,
			    "vmtapd.conf:1: limit inbound \"10\": rate 10 has no unit");
	expect_daemon_error("limit inbound 10mbit:20mbit\n", -EINVAL, "limit inbound");
	expect_daemon_error("default sideways 10mbit\n", -EINVAL,
			    "vmtapd.conf:1: default needs inbound or outbound");
	expect_daemon_error("default inbound 0mbit\n", -ERANGE, "above zero");
	expect_daemon_error("default inbound 10mbit user\n", -EINVAL, "user needs a user name");
}

static void test_require(void **state)
{
	char msg[MSG_MAX];
	struct nic_spec s, before;
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow all\n"
			  "allow br0 vlan 10\n"
			  "require br0 isolated group users\n"
			  "require all mac_lock user 4242\n");
	/* not a subject of either */
	s = vspec("br0", 0, "");
	assert_int_equal(check(acl, &nobody_peer, &s, msg), 0);
	assert_false(s.has_isolated || s.isolated || s.has_mac_lock || s.mac_lock);
	/* tightened, untagged and tagged alike */
	s = vspec("br0", 10, "");
	assert_int_equal(check(acl, &nobody_in_users, &s, msg), 0);
	assert_true(s.has_isolated && s.isolated);
	assert_false(s.has_mac_lock || s.mac_lock);
	s = vspec("br1", 0, "");
	assert_int_equal(check(acl, &nobody_in_users, &s, msg), 0);
	assert_false(s.isolated); /* require br0 only */
	s = vspec("br1", 0, "");
	assert_int_equal(check(acl, &other_peer, &s, msg), 0);
	assert_true(s.has_mac_lock && s.mac_lock);
	/* on asked for: fine */
	s = vspec("br0", 0, "");
	s.has_isolated = s.isolated = true;
	assert_int_equal(check(acl, &nobody_in_users, &s, msg), 0);
	/* off asked for: refused naming the rule, spec untouched */
	s = vspec("br0", 0, "");
	s.has_isolated = true;
	before = s;
	assert_int_equal(check(acl, &nobody_in_users, &s, msg), -EPERM);
	assert_string_equal(msg, "isolated=off: vmtapd.conf:3 requires isolated=on for uid 65534 on br0");
	assert_memory_equal(&s, &before, sizeof(s));
	s = vspec("br7", 0, "");
	s.has_mac_lock = true;
	assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	assert_string_equal(msg, "mac_lock=off: vmtapd.conf:4 requires mac_lock=on for uid 4242 on br7");
	/* require grants nothing: the bridge must still be allowed */
	acl_free(acl);
	acl = must_daemon("require br0 isolated\n");
	s = vspec("br0", 0, "");
	assert_int_equal(check(acl, &nobody_peer, &s, msg), -EPERM);
	assert_false(s.isolated);
	acl_free(acl);
}

/* The checks between fields come first: a native VLAN inside the trunk,
 * a port field without a bridge to be a port of. */
static void test_check_nic_fields(void **state)
{
	char msg[MSG_MAX];
	struct nic_spec s;
	struct acl *acl;

	(void)state;
	acl = must_daemon("allow all vlan 1-4094\n");
	s = vspec("br0", 20, "10:20-29");
	assert_int_equal(check(acl, &nobody_peer, &s, msg), -EINVAL);
	assert_non_null(strstr(msg, "vlan=20 is also in trunk=10:20-29"));
	s = vspec("br0", 0, "");
	assert_int_equal(check(acl, &nobody_peer, &s, msg), -EPERM); /* no untagged grant */
	assert_int_equal(check(NULL, &nobody_peer, &s, msg), -EPERM);
	acl_free(acl);
}

/* The shipped example is valid vmtapd grammar and means what it says. */
static void test_daemon_example(void **state)
{
	struct vmtap_err err = { { 0 } };
	struct acl *acl = NULL;
	char buf[8192];
	size_t n;
	FILE *f = fopen("examples/vmtapd.conf", "re");

	(void)state;
	if (!f) {
		printf("skipped: run from the top of the tree (examples/vmtapd.conf)\n");
		skip();
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (acl_parse_buffer_daemon("examples/vmtapd.conf", buf, n, &acl, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(acl_allows_peer(acl, "br0", &root_peer));
	assert_true(acl_allows_peer(acl, "br0", &nobody_in_users));
	assert_false(acl_allows_peer(acl, "br0", &other_peer));
	assert_false(acl_allows_peer(acl, "br-mgmt", &nobody_in_users));
	assert_int_equal(acl_limit(acl, ACL_LIMIT_QUEUES, &nobody_in_users), 8);
	{
		char msg[MSG_MAX];
		struct nic_spec s = vspec("br0", 0, "100-149");

		assert_int_equal(check(acl, &nobody_in_users, &s, msg), 0);
		assert_true(s.isolated && s.mac_lock);
		s = vspec("br0", 150, "");
		assert_int_equal(check(acl, &nobody_in_users, &s, msg), -EPERM);
		s = vspec("br0", 100, "");
		assert_int_equal(check(acl, &other_peer, &s, msg), -EPERM);
	}
	acl_free(acl);
}

/* ---- set-up ----------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	fds_at_start = count_fds();
	if (!is_root())
		printf("note: not root; tests that need root-owned files will skip\n");
	return 0;
}

static int group_teardown(void **state)
{
	int fds = count_fds();

	(void)state;
	if (nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return -1;
	if (fds != fds_at_start) {
		fprintf(stderr, "fd leak: %d fds open at start, %d at the end\n", fds_at_start, fds);
		return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_name),
		cmocka_unit_test(test_vlan_grammar),
		cmocka_unit_test(test_vlan_grants_apart),
		cmocka_unit_test(test_vlan_subset),
		cmocka_unit_test(test_vlan_deny_wins),
		cmocka_unit_test(test_vlan_not_from_bridge_conf),
		cmocka_unit_test(test_grants_listing),
		cmocka_unit_test(test_require),
		cmocka_unit_test(test_rate_policy),
		cmocka_unit_test(test_check_nic_fields),
		cmocka_unit_test(test_deny_name),
		cmocka_unit_test(test_deny_wins_either_order),
		cmocka_unit_test(test_allow_all),
		cmocka_unit_test(test_deny_all),
		cmocka_unit_test(test_default_deny),
		cmocka_unit_test(test_comments_blanks_whitespace),
		cmocka_unit_test(test_bridge_named_like_keywords),
		cmocka_unit_test(test_line_of_max_length),
		cmocka_unit_test(test_unknown_keyword),
		cmocka_unit_test(test_missing_argument),
		cmocka_unit_test(test_extra_tokens),
		cmocka_unit_test(test_bad_bridge_names),
		cmocka_unit_test(test_long_token_cut_in_message_only),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_parse_buffer),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_writable_by_group_or_others),
		cmocka_unit_test(test_not_owned_by_root),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_pseudo_filesystems),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_missing),
		cmocka_unit_test(test_include_relative),
		cmocka_unit_test(test_include_bad_file),
		cmocka_unit_test(test_include_unreadable_is_skipped),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_include_self),
		cmocka_unit_test(test_include_too_many_files),
		cmocka_unit_test(test_no_fd_left),
		cmocka_unit_test(test_daemon_subjects),
		cmocka_unit_test(test_macvtap_rules),
		cmocka_unit_test(test_macvtap_grammar),
		cmocka_unit_test(test_daemon_deny_wins),
		cmocka_unit_test(test_daemon_limits),
		cmocka_unit_test(test_daemon_errors),
		cmocka_unit_test(test_qemu_grammar_unchanged),
		cmocka_unit_test(test_daemon_include_must_open),
		cmocka_unit_test(test_daemon_example),
	};

	return cmocka_run_group_tests_name("acl", tests, group_setup, group_teardown);
}
