/* vhost.c — open /dev/vhost-net per queue (see vhost.h). */
#include "vhost/vhost.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int explain(struct vmtap_err *err, int e)
{
	char fix[320];

	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		vhost_missing_fix(fix, sizeof(fix));
		return vmtap_fail(err, -e, "%s: %s; %s; or use vhost=off", VHOST_NET_DEVICE,
				  strerror(e), fix);
	case EACCES:
	case EPERM:
		return vmtap_fail(err, -e,
				  "%s: %s; give the caller access to it (usually group kvm) or use vhost=off",
				  VHOST_NET_DEVICE, strerror(e));
	default:
		return vmtap_fail(err, -e, "%s: %s", VHOST_NET_DEVICE, strerror(e));
	}
}

int vhost_open(unsigned n, int *fds, struct vmtap_err *err)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		fds[i] = open(VHOST_NET_DEVICE, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fds[i] < 0) {
			int e = errno;

			while (i > 0) {
				close(fds[--i]);
				fds[i] = -1;
			}
			fds[0] = -1;
			return explain(err, e);
		}
	}
	return 0;
}
