/* ids.c — users and groups (see ids.h).
 *
 * Owns the name-or-number rule and the membership test, so the policy
 * files (acl.c), the command line (helper/cli/) and vmtapd's checks cannot
 * read "1000" or a group list two ways.  Never prints, keeps no state. */
#include "helper/core/ids.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper/core/parse.h"

/* NSS's "no such entry" answers (getpwnam_r(3)): not an error. */
static bool not_found(int r)
{
	return r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM;
}

int id_resolve(bool group, const char *s, unsigned *out, struct vmtap_err *err)
{
	char buf[16384], shown[VMTAP_SHOW_CAP];
	unsigned long n;
	int r;

	if (group) {
		struct group gr, *res = NULL;

		r = getgrnam_r(s, &gr, buf, sizeof(buf), &res);
		if (r == 0 && res) {
			*out = (unsigned)res->gr_gid;
			return 0;
		}
	} else {
		struct passwd pw, *res = NULL;

		r = getpwnam_r(s, &pw, buf, sizeof(buf), &res);
		if (r == 0 && res) {
			*out = (unsigned)res->pw_uid;
			return 0;
		}
	}
	if (parse_uint(s, 0, 0xfffffffeUL, &n) == 0) {
		*out = (unsigned)n;
		return 0;
	}
	if (!not_found(r))
		return vmtap_fail(err, -r, "cannot look up %s \"%s\": %s", group ? "group" : "user",
				  VMTAP_SHOW_TOKEN(shown, s), strerror(r));
	return vmtap_fail(err, -ENOENT, "no %s \"%s\"; expected a %s name or a numeric %s",
			  group ? "group" : "user", VMTAP_SHOW_TOKEN(shown, s),
			  group ? "group" : "user", group ? "gid" : "uid");
}

bool id_in_groups(uint32_t gid, gid_t primary, const gid_t *groups, size_t n)
{
	size_t i;

	if (gid == (uint32_t)primary)
		return true;
	for (i = 0; i < n; i++)
		if ((uint32_t)groups[i] == gid)
			return true;
	return false;
}

bool id_self_in_group(uint32_t gid)
{
	gid_t *groups;
	bool mine;
	int n;

	if (gid == (uint32_t)getegid())
		return true;
	n = getgroups(0, NULL);
	if (n <= 0 || !(groups = calloc((size_t)n, sizeof(*groups))))
		return false;
	n = getgroups(n, groups);
	mine = n > 0 && id_in_groups(gid, getegid(), groups, (size_t)n);
	free(groups);
	return mine;
}
