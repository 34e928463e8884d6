/* qemu-argv.h — what `vmtap exec` reads from and adds to QEMU's argv. */
#ifndef VMTAP_QEMU_ARGV_H
#define VMTAP_QEMU_ARGV_H

#include <stddef.h>

#include "helper/core/nic.h"

/* vCPUs asked for by -smp (the last one, as QEMU takes it): "N[,...]",
 * "cpus=N,...", or else the product of sockets/dies/clusters/cores/threads.
 * 1 when there is no -smp. */
unsigned qemu_smp_vcpus(int argc, char *const *argv);

/* "tap,id=ID,fds=a:b[,vhost=on,vhostfds=c:d]" */
int qemu_netdev_arg(const struct nic *nic, const char *id, char *buf, size_t cap);

/* "MODEL,netdev=ID,mac=MAC[,mq=on,vectors=2N+2]" */
int qemu_device_arg(const struct nic *nic, const char *id, const char *model,
		    const unsigned char guest_mac[6], char *buf, size_t cap);

#endif
