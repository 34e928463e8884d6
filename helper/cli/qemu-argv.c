/* qemu-argv.c — QEMU command-line pieces for `vmtap exec` (see qemu-argv.h).
 *
 * Multiqueue and vhost reach QEMU only as fds=/vhostfds= (QEMU refuses
 * queues= and vhostfds= with helper=).  vectors=2N+2: one MSI-X vector per
 * RX and TX queue, one for config, one for the control queue. */
#include "helper/cli/qemu-argv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/core/parse.h"

static unsigned smp_value(const char *v)
{
	unsigned long cpus = 0, product = 1, n;
	char buf[256], *tok, *save = NULL;
	int first = 1, topo = 0;

	if (strlen(v) >= sizeof(buf))
		return 1;
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), first = 0) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			if (first && parse_uint(tok, 1, 4096, &n) == 0)
				cpus = n;
			continue;
		}
		*eq = '\0';
		if (parse_uint(eq + 1, 1, 4096, &n) < 0)
			continue;
		if (!strcmp(tok, "cpus"))
			cpus = n;
		else if (!strcmp(tok, "sockets") || !strcmp(tok, "dies") ||
			 !strcmp(tok, "clusters") || !strcmp(tok, "cores") || !strcmp(tok, "threads")) {
			product *= n;
			topo = 1;
		}
	}
	if (cpus)
		return (unsigned)cpus;
	return topo && product <= 4096 ? (unsigned)product : 1;
}

unsigned qemu_smp_vcpus(int argc, char *const *argv)
{
	unsigned vcpus = 1;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-smp") || !strcmp(a, "--smp")) {
			if (i + 1 < argc)
				vcpus = smp_value(argv[++i]);
		} else if (!strncmp(a, "-smp=", 5) || !strncmp(a, "--smp=", 6)) {
			vcpus = smp_value(strchr(a, '=') + 1);
		}
	}
	return vcpus;
}

/* Appends ":fd" pieces; returns -ENOSPC when cap is too small. */
static int fd_list(char *buf, size_t cap, size_t *off, const int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		int w = snprintf(buf + *off, cap - *off, "%s%d", i ? ":" : "", fds[i]);

		if (w < 0 || (size_t)w >= cap - *off)
			return -ENOSPC;
		*off += (size_t)w;
	}
	return 0;
}

static int put(char *buf, size_t cap, size_t *off, const char *s)
{
	int w = snprintf(buf + *off, cap - *off, "%s", s);

	if (w < 0 || (size_t)w >= cap - *off)
		return -ENOSPC;
	*off += (size_t)w;
	return 0;
}

int qemu_netdev_arg(const struct nic *nic, const char *id, char *buf, size_t cap)
{
	size_t off = 0;
	int w = snprintf(buf, cap, "tap,id=%s,fds=", id);

	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	off = (size_t)w;
	if (fd_list(buf, cap, &off, nic->tapfd, nic->queues) < 0)
		return -ENOSPC;
	if (nic->nvhost) {
		if (put(buf, cap, &off, ",vhost=on,vhostfds=") < 0 ||
		    fd_list(buf, cap, &off, nic->vhostfd, nic->nvhost) < 0)
			return -ENOSPC;
	}
	return 0;
}

int qemu_device_arg(const struct nic *nic, const char *id, const char *model,
		    const unsigned char guest_mac[6], char *buf, size_t cap)
{
	char mac[18];
	int w;

	if (nic->queues > 1)
		w = snprintf(buf, cap, "%s,netdev=%s,mac=%s,mq=on,vectors=%u", model, id,
			     format_mac(guest_mac, mac), 2 * nic->queues + 2);
	else
		w = snprintf(buf, cap, "%s,netdev=%s,mac=%s", model, id, format_mac(guest_mac, mac));
	return w < 0 || (size_t)w >= cap ? -ENOSPC : 0;
}
