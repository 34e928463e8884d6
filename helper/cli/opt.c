/* opt.c — option values shared by vmtap's commands (see cmd.h): out of
 * main.c and cmd-tap.c so that a parser can be linked, and tested, without
 * a command's main. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "helper/cli/cmd.h"
#include "helper/core/err.h"
#include "helper/core/parse.h"

const char *cmd_opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (!strcmp(argv[*i], name) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int cmd_resolve_id(int group, const char *s, unsigned *out, struct vmtap_err *err)
{
	const char *what = group ? "group" : "user";
	unsigned long n;

	/* A number is an id even when no account has it (containers). */
	if (parse_uint(s, 0, 0xfffffffeUL, &n) == 0) {
		*out = (unsigned)n;
		return 0;
	}
	errno = 0;
	if (group) {
		struct group *gr = getgrnam(s);

		if (gr) {
			*out = gr->gr_gid;
			return 0;
		}
	} else {
		struct passwd *pw = getpwnam(s);

		if (pw) {
			*out = pw->pw_uid;
			return 0;
		}
	}
	return vmtap_fail(err, -ENOENT, "expected a %s name or number (%s%s)", what,
			  errno ? "cannot look it up: " : "no such ", errno ? strerror(errno) : what);
}
