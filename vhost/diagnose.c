/* diagnose.c — why /dev/vhost-net is missing here, and the one fix that
 * works on this machine (see vhost.h).
 *
 * Shared by every front end that reports a missing device (vhost_open's
 * error, so `vmtap exec` and the helper, and `vmtap doctor`), so they
 * cannot disagree: "modprobe vhost_net" is said only where a module can
 * be loaded.  Only reads files; never loads a module. */
#include "vhost/vhost.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* "y", "m", "n" from /boot/config-RELEASE, or 0 when unknown. */
static char kernel_config(const char *release, const char *option)
{
	char path[128], line[256];
	size_t n = strlen(option);
	char v = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/boot/config-%s", release);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	while (!v && fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, option, n) && line[n] == '=')
			v = line[n + 1];
		else if (!strncmp(line, "# ", 2) && !strncmp(line + 2, option, n) &&
			 !strcmp(line + 2 + n, " is not set\n"))
			v = 'n';
	}
	fclose(fp);
	return v;
}

static bool module_file_exists(const char *release, const char *dir, const char *name)
{
	static const char *const ext[] = { "", ".xz", ".zst", ".gz" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/kernel/%s/%s.ko%s", release, dir, name,
			 ext[i]);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

void vhost_missing_fix(char *fix, size_t n)
{
	struct utsname u;
	char cfg, moddir[80];

	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(moddir, sizeof(moddir), "/lib/modules/%.64s", u.release);
	cfg = kernel_config(u.release, "CONFIG_VHOST_NET");
	if (access("/sys/module/vhost_net", F_OK) == 0)
		snprintf(fix, n, "the vhost_net module is loaded but the node is missing: "
			 "mknod -m 0660 %s c 10 238 (udev or devtmpfs normally make it)",
			 VHOST_NET_DEVICE);
	else if (module_file_exists(u.release, "drivers/vhost", "vhost_net") || cfg == 'm')
		snprintf(fix, n, "modprobe vhost_net (and add vhost_net to /etc/modules to load it "
			 "at boot)");
	else if (cfg == 'n' || access(moddir, F_OK) == 0)
		snprintf(fix, n, "this kernel (%s) was built without CONFIG_VHOST_NET (it has no "
			 "vhost_net module): boot one that has it (Debian's linux-image-amd64 has "
			 "vhost_net as a module), then modprobe vhost_net", u.release);
	else
		snprintf(fix, n, "%s is missing, so this kernel (%s) has no vhost_net module: "
			 "install its modules, or boot a kernel with CONFIG_VHOST_NET (Debian's "
			 "linux-image-amd64), then modprobe vhost_net", moddir, u.release);
}
