/* nic.c — constructors and the one destructor of nic_spec and nic. */
#include "helper/core/nic.h"

#include <errno.h>
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

const char *vhost_mode_name(enum vhost_mode m)
{
	switch (m) {
	case VHOST_ON:
		return "on";
	case VHOST_AUTO:
		return "auto";
	default:
		return "off";
	}
}

int vhost_mode_parse(const char *s, enum vhost_mode *out)
{
	if (!strcmp(s, "on"))
		*out = VHOST_ON;
	else if (!strcmp(s, "off"))
		*out = VHOST_OFF;
	else if (!strcmp(s, "auto"))
		*out = VHOST_AUTO;
	else
		return -EINVAL;
	return 0;
}

const char *qdisc_mode_name(enum qdisc_mode m)
{
	return m == QDISC_KERNEL ? "default" : "noqueue";
}

int qdisc_mode_parse(const char *s, enum qdisc_mode *out)
{
	if (!strcmp(s, "noqueue"))
		*out = QDISC_NOQUEUE;
	else if (!strcmp(s, "default"))
		*out = QDISC_KERNEL;
	else
		return -EINVAL;
	return 0;
}
