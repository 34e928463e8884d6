/* vmtap exec's additions to QEMU's argv: -smp, fds lists, vectors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helper/cli/qemu-argv.h"

#define ARGV(...) ((char *const[]){ "qemu", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "x", __VA_ARGS__ }) / sizeof(char *)))
#define VCPUS(...) qemu_smp_vcpus(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void smp_forms(void **state)
{
	(void)state;
	assert_int_equal(VCPUS("-m", "256"), 1);
	assert_int_equal(VCPUS("-smp", "4"), 4);
	assert_int_equal(VCPUS("-smp", "4,sockets=1,cores=4"), 4);
	assert_int_equal(VCPUS("-smp", "cpus=6,maxcpus=8"), 6);
	assert_int_equal(VCPUS("-smp", "sockets=2,cores=2,threads=2"), 8);
	assert_int_equal(VCPUS("--smp", "3"), 3);
	assert_int_equal(VCPUS("-smp", "2", "-smp", "5"), 5); /* QEMU takes the last */
	assert_int_equal(VCPUS("-smp", "junk"), 1);
	assert_int_equal(VCPUS("-smp"), 1);                  /* no value */
}

static struct nic sample(unsigned queues, unsigned nvhost)
{
	struct nic n;
	unsigned i;

	nic_init(&n);
	n.queues = queues;
	n.nvhost = nvhost;
	for (i = 0; i < queues; i++)
		n.tapfd[i] = 10 + (int)i;
	for (i = 0; i < nvhost; i++)
		n.vhostfd[i] = 20 + (int)i;
	return n;
}

static void netdev_strings(void **state)
{
	char buf[256];
	struct nic one = sample(1, 0), four = sample(4, 4);

	(void)state;
	assert_int_equal(qemu_netdev_arg(&one, "net0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "tap,id=net0,fds=10");
	assert_int_equal(qemu_netdev_arg(&four, "lan", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "tap,id=lan,fds=10:11:12:13,vhost=on,vhostfds=20:21:22:23");
	assert_int_equal(qemu_netdev_arg(&four, "lan", buf, 20), -ENOSPC);
}

static void device_strings(void **state)
{
	char buf[256];
	struct nic one = sample(1, 0), four = sample(4, 0), many = sample(64, 0);
	const unsigned char mac[6] = { 0x52, 0x54, 0, 1, 2, 3 };

	(void)state;
	assert_int_equal(qemu_device_arg(&one, "net0", "virtio-net-pci", mac, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "virtio-net-pci,netdev=net0,mac=52:54:00:01:02:03");
	assert_int_equal(qemu_device_arg(&four, "net1", "virtio-net-pci", mac, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "virtio-net-pci,netdev=net1,mac=52:54:00:01:02:03,mq=on,vectors=10");
	assert_int_equal(qemu_device_arg(&many, "n", "virtio-net-pci", mac, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "vectors=130"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smp_forms),
		cmocka_unit_test(netdev_strings),
		cmocka_unit_test(device_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
