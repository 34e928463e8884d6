/* nic.c — constructors and the one destructor of nic_spec and nic. */
#include "helper/core/nic.h"

#include <string.h>
#include <unistd.h>

void nic_spec_init(struct nic_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->queues = 1;
	spec->vhost = VHOST_OFF;
	spec->qdisc = QDISC_NOQUEUE;
	spec->vnet_hdr = true;
}

void nic_host_mac(uint8_t out[6], const uint8_t src[6])
{
	memmove(out + 1, src + 1, 5);
	out[0] = 0xfe;
}

bool nic_spec_tap_mac(const struct nic_spec *spec, uint8_t out[6])
{
	if (spec->has_mac)
		memcpy(out, spec->mac, 6);
	else if (spec->has_guest_mac)
		nic_host_mac(out, spec->guest_mac);
	return spec->has_mac || spec->has_guest_mac;
}

unsigned nic_fds_flatten(const struct nic *nic, int fds[NIC_FDS_MAX])
{
	unsigned i, n = 0;

	for (i = 0; i < nic->queues; i++)
		fds[n++] = nic->tapfd[i];
	for (i = 0; i < nic->nvhost; i++)
		fds[n++] = nic->vhostfd[i];
	return n;
}

void nic_fds_take(struct nic *out, const int *fds)
{
	unsigned i;

	for (i = 0; i < out->queues; i++)
		out->tapfd[i] = fds[i];
	for (i = 0; i < out->nvhost; i++)
		out->vhostfd[i] = fds[out->queues + i];
}

void nic_init(struct nic *nic)
{
	unsigned i;

	memset(nic, 0, sizeof(*nic));
	for (i = 0; i < VMTAP_MAX_QUEUES; i++)
		nic->tapfd[i] = nic->vhostfd[i] = -1;
}

void nic_close(struct nic *nic)
{
	unsigned i;

	for (i = 0; i < VMTAP_MAX_QUEUES; i++) {
		if (nic->tapfd[i] >= 0)
			close(nic->tapfd[i]);
		if (nic->vhostfd[i] >= 0)
			close(nic->vhostfd[i]);
	}
	nic_init(nic);
}
