/* ifname.c — the one interface-name validator (see ifname.h).
 *
 * Why reject rather than truncate: qemu-bridge-helper's CVE-2019-13164 was a
 * name longer than IFNAMSIZ that the ACL check saw whole and the kernel saw
 * cut short.  Why the character set: '/' and '.'/'..' would escape
 * /sys/class/net, ':' is an alias separator, '%' is a kernel template
 * (tap%d), and whitespace or non-ASCII bytes make log lines and ACL files
 * ambiguous.  All-digit names are refused because iproute2 and others read
 * them as interface indexes. */
#include "helper/core/ifname.h"

#include <errno.h>
#include <stdint.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int ifname_check(const char *name)
{
	size_t len, i;
	int all_digits = 1;

	if (!name)
		return -EINVAL;
	len = strnlen(name, IFNAMSIZ);
	if (len == 0 || len >= IFNAMSIZ)
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '%')
			return -EINVAL;
		if (c < '0' || c > '9')
			all_digits = 0;
	}
	return all_digits ? -EINVAL : 0;
}

int ifname_check_err(const char *name, const char *what, struct vmtap_err *err)
{
	char shown[VMTAP_SHOW_CAP];

	if (ifname_check(name) == 0)
		return 0;
	return vmtap_fail(err, -EINVAL, "bad %s \"%s\"; expected %s", what ? what : "interface name",
			  VMTAP_SHOW_TOKEN(shown, name), IFNAME_EXPECTED);
}

int ifname_index(const char *name, int *ifindex)
{
	struct ifreq ifr;
	int fd, r = 0;

	*ifindex = 0;
	if (ifname_check(name) < 0)
		return -EINVAL;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (r == 0)
		*ifindex = ifr.ifr_ifindex;
	return r;
}
