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
