/* selftest.c — the vhost-net data-path self-test (see selftest.h).
 *
 * Theory of operation.  vhost-net moves frames between a tap and a guest's
 * virtqueues without QEMU in the path.  To check that on a real kernel we
 * stand in for QEMU and the guest at once:
 *
 *   - one anonymous mapping (MEM_SIZE) is the "guest memory": vhost's
 *     memory table maps guest-physical GPA_BASE.. onto it, so descriptor
 *     addresses are GPA_BASE + offset;
 *   - the rings live in the same mapping; vhost takes ring addresses as
 *     addresses in the owner's address space (not guest-physical), which
 *     is why the owner must be the process that mapped them;
 *   - vhost-net's queue 0 is RX (tap -> guest), queue 1 is TX;
 *   - the virtio-net header is 12 bytes once VIRTIO_NET_F_MRG_RXBUF (or
 *     VIRTIO_F_VERSION_1) is acked, else 10; when the tap carries vnet
 *     headers the tap itself reads and writes them (TUNSETVNETHDRSZ),
 *     otherwise vhost adds and strips them (VHOST_NET_F_VIRTIO_NET_HDR),
 *     the same choice QEMU makes.
 *
 * Layout of the mapping (offsets):
 *   0x0000 RX descriptors   0x0400 RX avail   0x0800 RX used
 *   0x1000 TX descriptors   0x1400 TX avail   0x1800 TX used
 *   0x2000 the TX buffer    0x4000 RX buffers, RING_NUM x BUF_SIZE
 *
 * The test frames carry the IEEE local experimental EtherType 0x88b5 and a
 * random nonce, so nothing else on the bridge can be mistaken for them.
 * No offloads are negotiated: headers are all zero but for num_buffers.
 *
 * Never prints; every wait is bounded by VHOST_SELFTEST_WAIT_MS. */
#include "vhost/selftest.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "helper/core/clock.h"

#define RING_NUM 32
#define BUF_SIZE 2048
#define MEM_SIZE 0x20000
#define GPA_BASE 0x10000000ULL

#define OFF_RX_DESC 0x0000
#define OFF_RX_AVAIL 0x0400
#define OFF_RX_USED 0x0800
#define OFF_TX_DESC 0x1000
#define OFF_TX_AVAIL 0x1400
#define OFF_TX_USED 0x1800
#define OFF_TX_BUF 0x2000
#define OFF_RX_BUF 0x4000

#define VQ_RX 0
#define VQ_TX 1

#define TEST_ETHERTYPE 0x88b5
#define FRAME_LEN 128

_Static_assert(OFF_RX_BUF + RING_NUM * BUF_SIZE <= MEM_SIZE, "RX buffers outside the mapping");
_Static_assert(RING_NUM * sizeof(struct vring_desc) <= OFF_RX_AVAIL - OFF_RX_DESC, "desc table");
_Static_assert(sizeof(struct vring_used) + RING_NUM * sizeof(struct vring_used_elem) + 2 <=
		       OFF_TX_DESC - OFF_RX_USED, "used ring");

struct vq {
	unsigned index;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;  /* entries we have published */
	uint16_t used_seen;  /* used entries we have looked at */
	int kick;
	int call;
};

struct selftest {
	int tap;
	int vhost;
	int pkt;             /* AF_PACKET socket bound to the bridge */
	int br_ifindex;
	uint8_t br_mac[6];
	uint8_t tap_mac[6];
	uint8_t guest_mac[6];
	unsigned hdr_len;
	unsigned char *mem;
	struct vq rx, tx;
	bool backend_set;
};

/* ---- small helpers ---------------------------------------------------- */

static int vioctl(int fd, unsigned long req, void *arg, const char *what,
		  struct vmtap_err *err)
{
	if (ioctl(fd, req, arg) < 0) {
		int e = errno;

		return vmtap_fail(err, -e, "vhost self-test: %s failed: %s", what, strerror(e));
	}
	return 0;
}

static uint64_t gpa(const struct selftest *t, const void *p)
{
	return GPA_BASE + (uint64_t)((const unsigned char *)p - t->mem);
}

static int remaining_ms(long long deadline)
{
	long long left = deadline - (long long)mono_ms();

	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* The device reads avail->idx and then the entries below it: the entry
 * must be visible first. */
static void vq_publish(struct vq *q, uint16_t head)
{
	q->avail->ring[q->avail_idx % RING_NUM] = htole16(head);
	q->avail_idx++;
	__atomic_store_n(&q->avail->idx, htole16(q->avail_idx), __ATOMIC_RELEASE);
}

static uint16_t vq_used_idx(const struct vq *q)
{
	return le16toh(__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE));
}

static int kick(const struct vq *q)
{
	uint64_t one = 1;

	return write(q->kick, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

/* Clears an eventfd; true when it had been signalled. */
static bool drain(int efd)
{
	uint64_t v;

	return read(efd, &v, sizeof(v)) == sizeof(v) && v > 0;
}

/* ---- set-up, in QEMU's order ------------------------------------------ */

static int setup_features(struct selftest *t, struct vhost_selftest_result *res,
			  struct vmtap_err *err)
{
	const uint64_t mrg = 1ULL << VIRTIO_NET_F_MRG_RXBUF;
	const uint64_t v1 = 1ULL << VIRTIO_F_VERSION_1;
	const uint64_t own_hdr = 1ULL << VHOST_NET_F_VIRTIO_NET_HDR;
	struct ifreq ifr;
	bool tap_vnet_hdr;
	int r;

	if ((r = vioctl(t->vhost, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER", err)) < 0)
		return r;
	if ((r = vioctl(t->vhost, VHOST_GET_FEATURES, &res->offered, "VHOST_GET_FEATURES",
			err)) < 0)
		return r;

	memset(&ifr, 0, sizeof(ifr));
	if ((r = vioctl(t->tap, TUNGETIFF, &ifr, "TUNGETIFF on the tap", err)) < 0)
		return r;
	tap_vnet_hdr = ifr.ifr_flags & IFF_VNET_HDR;

	/* Mergeable RX buffers (and virtio 1.0 with them, as every modern
	 * guest negotiates): the 12-byte header.  Older kernels size the
	 * header from MRG_RXBUF alone, so VERSION_1 is acked only with it. */
	res->acked = res->offered & mrg;
	if (res->acked & mrg)
		res->acked |= res->offered & v1;
	t->hdr_len = res->acked ? sizeof(struct virtio_net_hdr_mrg_rxbuf)
				: sizeof(struct virtio_net_hdr);
	if (!tap_vnet_hdr) {
		if (!(res->offered & own_hdr))
			return vmtap_fail(err, -EOPNOTSUPP,
					  "vhost self-test: the tap has no IFF_VNET_HDR and vhost-net "
					  "does not offer VHOST_NET_F_VIRTIO_NET_HDR");
		res->acked |= own_hdr;
	}
	res->hdr_len = t->hdr_len;
	if ((r = vioctl(t->vhost, VHOST_SET_FEATURES, &res->acked, "VHOST_SET_FEATURES", err)) < 0)
		return r;

	/* What QEMU does to the tap for a guest without offloads. */
	if (tap_vnet_hdr) {
		int hl = (int)t->hdr_len, sndbuf = INT_MAX;
		unsigned off = 0;

		if ((r = vioctl(t->tap, TUNSETVNETHDRSZ, &hl, "TUNSETVNETHDRSZ", err)) < 0 ||
		    (r = vioctl(t->tap, TUNSETOFFLOAD, (void *)(unsigned long)off, "TUNSETOFFLOAD",
				err)) < 0 ||
		    (r = vioctl(t->tap, TUNSETSNDBUF, &sndbuf, "TUNSETSNDBUF", err)) < 0)
			return r;
	}
	return 0;
}

static int setup_memory(struct selftest *t, struct vmtap_err *err)
{
	union {
		struct vhost_memory m;
		unsigned char raw[sizeof(struct vhost_memory) + sizeof(struct vhost_memory_region)];
	} u;

	t->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->mem == MAP_FAILED) {
		t->mem = NULL;
		return vmtap_fail(err, -errno, "vhost self-test: cannot map %d bytes: %s", MEM_SIZE,
				  strerror(errno));
	}
	memset(&u, 0, sizeof(u));
	u.m.nregions = 1;
	u.m.regions[0].guest_phys_addr = GPA_BASE;
	u.m.regions[0].memory_size = MEM_SIZE;
	u.m.regions[0].userspace_addr = (uint64_t)(uintptr_t)t->mem;
	return vioctl(t->vhost, VHOST_SET_MEM_TABLE, &u.m, "VHOST_SET_MEM_TABLE", err);
}

static int setup_vq(struct selftest *t, struct vq *q, unsigned index, size_t off_desc,
		    size_t off_avail, size_t off_used, struct vmtap_err *err)
{
	struct vhost_vring_state num = { .index = index, .num = RING_NUM };
	struct vhost_vring_state base = { .index = index, .num = 0 };
	struct vhost_vring_addr addr;
	struct vhost_vring_file f;
	int r;

	q->index = index;
	q->desc = (void *)(t->mem + off_desc);
	q->avail = (void *)(t->mem + off_avail);
	q->used = (void *)(t->mem + off_used);
	q->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->kick < 0 || q->call < 0)
		return vmtap_fail(err, -errno, "vhost self-test: eventfd: %s", strerror(errno));

	memset(&addr, 0, sizeof(addr));
	addr.index = index;
	addr.desc_user_addr = (uint64_t)(uintptr_t)q->desc;
	addr.avail_user_addr = (uint64_t)(uintptr_t)q->avail;
	addr.used_user_addr = (uint64_t)(uintptr_t)q->used;

	if ((r = vioctl(t->vhost, VHOST_SET_VRING_NUM, &num, "VHOST_SET_VRING_NUM", err)) < 0 ||
	    (r = vioctl(t->vhost, VHOST_SET_VRING_BASE, &base, "VHOST_SET_VRING_BASE", err)) < 0 ||
	    (r = vioctl(t->vhost, VHOST_SET_VRING_ADDR, &addr, "VHOST_SET_VRING_ADDR", err)) < 0)
		return r;
	f = (struct vhost_vring_file){ .index = index, .fd = q->kick };
	if ((r = vioctl(t->vhost, VHOST_SET_VRING_KICK, &f, "VHOST_SET_VRING_KICK", err)) < 0)
		return r;
	f = (struct vhost_vring_file){ .index = index, .fd = q->call };
	return vioctl(t->vhost, VHOST_SET_VRING_CALL, &f, "VHOST_SET_VRING_CALL", err);
}

/* Every RX buffer goes on the ring before the backend is bound, as a
 * guest driver fills its RX queue at start. */
static void fill_rx(struct selftest *t)
{
	uint16_t i;

	for (i = 0; i < RING_NUM; i++) {
		t->rx.desc[i].addr = htole64(gpa(t, t->mem + OFF_RX_BUF + (size_t)i * BUF_SIZE));
		t->rx.desc[i].len = htole32(BUF_SIZE);
		t->rx.desc[i].flags = htole16(VRING_DESC_F_WRITE);
		t->rx.desc[i].next = 0;
		vq_publish(&t->rx, i);
	}
}

static int set_backend(struct selftest *t, int fd, struct vmtap_err *err)
{
	struct vhost_vring_file f = { .index = VQ_RX, .fd = fd };
	int r;

	if ((r = vioctl(t->vhost, VHOST_NET_SET_BACKEND, &f, "VHOST_NET_SET_BACKEND (RX)", err)) < 0)
		return r;
	f.index = VQ_TX;
	return vioctl(t->vhost, VHOST_NET_SET_BACKEND, &f, "VHOST_NET_SET_BACKEND (TX)", err);
}

static int setup_packet_socket(struct selftest *t, const char *bridge, struct vmtap_err *err)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(TEST_ETHERTYPE),
		.sll_ifindex = t->br_ifindex,
	};
	struct ifreq ifr;

	/* Bound to our EtherType only: such a socket sees frames the bridge
	 * receives, not the ones it sends (those go to ETH_P_ALL taps). */
	t->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(TEST_ETHERTYPE));
	if (t->pkt < 0)
		return vmtap_fail(err, -errno, "vhost self-test: packet socket: %s%s",
				  strerror(errno), errno == EPERM ? " (needs CAP_NET_RAW)" : "");
	if (bind(t->pkt, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return vmtap_fail(err, -errno, "vhost self-test: cannot bind a packet socket to %s: %s",
				  bridge, strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	if (ioctl(t->pkt, SIOCGIFHWADDR, &ifr) < 0)
		return vmtap_fail(err, -errno, "vhost self-test: cannot read %s's MAC: %s", bridge,
				  strerror(errno));
	memcpy(t->br_mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* ---- the two directions ----------------------------------------------- */

static void make_frame(unsigned char *f, const uint8_t dst[6], const uint8_t src[6],
		       const char *tag)
{
	uint8_t nonce[8];
	size_t i, n;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = TEST_ETHERTYPE >> 8;
	f[13] = TEST_ETHERTYPE & 0xff;
	if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce))
		memset(nonce, 0xa5, sizeof(nonce));
	n = (size_t)snprintf((char *)f + 14, FRAME_LEN - 14, "vmtap vhost-net self-test %s ", tag);
	memcpy(f + 14 + n, nonce, sizeof(nonce));
	/* A pattern to the end, so a frame cut short or shifted shows. */
	for (i = 14 + n + sizeof(nonce); i < FRAME_LEN; i++)
		f[i] = (unsigned char)(i * 7 + 3);
}

static void run_tx(struct selftest *t, struct vhost_selftest_result *res, const char *bridge)
{
	unsigned char frame[FRAME_LEN], *buf = t->mem + OFF_TX_BUF, got[BUF_SIZE];
	long long deadline = (long long)mono_ms() + VHOST_SELFTEST_WAIT_MS;
	unsigned others = 0;
	bool seen = false, done = false;

	make_frame(frame, t->br_mac, t->guest_mac, "tx");
	memset(buf, 0, t->hdr_len); /* no checksum, no GSO */
	memcpy(buf + t->hdr_len, frame, FRAME_LEN);
	t->tx.desc[0].addr = htole64(gpa(t, buf));
	t->tx.desc[0].len = htole32(t->hdr_len + FRAME_LEN);
	t->tx.desc[0].flags = 0;
	vq_publish(&t->tx, 0);
	if (kick(&t->tx) < 0) {
		snprintf(res->tx_why, sizeof(res->tx_why), "cannot kick the TX queue: %s",
			 strerror(errno));
		return;
	}

	while (!(seen && done)) {
		struct pollfd p[2] = { { .fd = t->pkt, .events = POLLIN },
				       { .fd = t->tx.call, .events = POLLIN } };
		int n = poll(p, 2, remaining_ms(deadline));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (p[0].revents & POLLIN) {
			ssize_t k;

			while ((k = recv(t->pkt, got, sizeof(got), 0)) > 0) {
				if (k == FRAME_LEN && !memcmp(got, frame, FRAME_LEN))
					seen = true;
				else
					others++;
			}
		}
		if (p[1].revents & POLLIN)
			drain(t->tx.call);
		if (vq_used_idx(&t->tx) != t->tx.used_seen) {
			struct vring_used_elem *e = &t->tx.used->ring[t->tx.used_seen % RING_NUM];

			t->tx.used_seen++;
			if (le32toh(e->id) == 0)
				done = true;
		}
	}
	res->tx_ok = seen && done;
	if (!res->tx_ok)
		snprintf(res->tx_why, sizeof(res->tx_why),
			 "frame %s on %s, descriptor %s in the used ring after %d ms (%u other "
			 "frame%s of the test's EtherType)",
			 seen ? "arrived" : "never arrived", bridge, done ? "returned" : "not returned",
			 VHOST_SELFTEST_WAIT_MS, others, others == 1 ? "" : "s");
}

/* One used RX entry: does its buffer hold frame, whole, behind a clean
 * virtio-net header? */
static bool rx_entry_is(const struct selftest *t, const struct vring_used_elem *e,
			const unsigned char *frame)
{
	uint32_t id = le32toh(e->id), len = le32toh(e->len);
	const unsigned char *b;
	struct virtio_net_hdr_mrg_rxbuf h;

	if (id >= RING_NUM || len != t->hdr_len + FRAME_LEN)
		return false;
	b = t->mem + OFF_RX_BUF + (size_t)id * BUF_SIZE;
	memset(&h, 0, sizeof(h));
	memcpy(&h, b, t->hdr_len);
	if (h.hdr.flags || h.hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return false;
	if (t->hdr_len == sizeof(h) && le16toh(h.num_buffers) != 1)
		return false;
	return !memcmp(b + t->hdr_len, frame, FRAME_LEN);
}

static void run_rx(struct selftest *t, struct vhost_selftest_result *res, const char *bridge)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(TEST_ETHERTYPE),
		.sll_ifindex = t->br_ifindex,
		.sll_halen = 6,
	};
	unsigned char frame[FRAME_LEN];
	long long deadline;
	unsigned others = 0;
	bool found = false, called = false;

	make_frame(frame, t->tap_mac, t->br_mac, "rx");
	memcpy(to.sll_addr, t->tap_mac, 6);
	if (sendto(t->pkt, frame, FRAME_LEN, 0, (struct sockaddr *)&to, sizeof(to)) != FRAME_LEN) {
		snprintf(res->rx_why, sizeof(res->rx_why), "cannot send a frame on %s: %s", bridge,
			 strerror(errno));
		return;
	}
	deadline = (long long)mono_ms() + VHOST_SELFTEST_WAIT_MS;
	while (!found) {
		struct pollfd p = { .fd = t->rx.call, .events = POLLIN };
		int n = poll(&p, 1, remaining_ms(deadline));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (drain(t->rx.call))
			called = true;
		while (!found && vq_used_idx(&t->rx) != t->rx.used_seen) {
			if (rx_entry_is(t, &t->rx.used->ring[t->rx.used_seen % RING_NUM], frame))
				found = true;
			else
				others++;
			t->rx.used_seen++;
		}
	}
	res->rx_ok = found && called;
	if (res->rx_ok)
		return;
	/* Say what the ring shows even though no call came. */
	while (!found && vq_used_idx(&t->rx) != t->rx.used_seen) {
		if (rx_entry_is(t, &t->rx.used->ring[t->rx.used_seen % RING_NUM], frame))
			found = true;
		else
			others++;
		t->rx.used_seen++;
	}
	snprintf(res->rx_why, sizeof(res->rx_why),
		 "frame sent to %02x:%02x:%02x:%02x:%02x:%02x through %s %s in the RX ring, "
		 "call eventfd %s after %d ms (%u other buffer%s used)",
		 t->tap_mac[0], t->tap_mac[1], t->tap_mac[2], t->tap_mac[3], t->tap_mac[4],
		 t->tap_mac[5], bridge, found ? "found" : "not found",
		 called ? "signalled" : "never signalled", VHOST_SELFTEST_WAIT_MS, others,
		 others == 1 ? "" : "s");
}

/* ---- the test --------------------------------------------------------- */

static void teardown(struct selftest *t)
{
	struct vmtap_err ignored = { "" };
	struct vq *qs[2] = { &t->rx, &t->tx };
	unsigned i;

	/* Unbind before the memory goes: vhost must not touch rings that
	 * are no longer mapped. */
	if (t->backend_set)
		set_backend(t, -1, &ignored);
	for (i = 0; i < 2; i++) {
		if (qs[i]->kick >= 0)
			close(qs[i]->kick);
		if (qs[i]->call >= 0)
			close(qs[i]->call);
	}
	if (t->pkt >= 0)
		close(t->pkt);
	if (t->mem)
		munmap(t->mem, MEM_SIZE);
}

int vhost_selftest(const struct nic *nic, const char *bridge, struct vhost_selftest_result *res,
		   struct vmtap_err *err)
{
	struct selftest t;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&t, 0, sizeof(t));
	t.pkt = t.rx.kick = t.rx.call = t.tx.kick = t.tx.call = -1;
	if (!nic || nic->queues < 1 || nic->nvhost < 1 || nic->tapfd[0] < 0 ||
	    nic->vhostfd[0] < 0)
		return vmtap_fail(err, -EINVAL,
				  "vhost self-test: the NIC has no vhost-net fd (make it with vhost=on)");
	t.tap = nic->tapfd[0];
	t.vhost = nic->vhostfd[0];
	memcpy(t.tap_mac, nic->mac, 6);
	/* The guest's MAC as vmtap derives the tap's from it: 52:54:00-style
	 * first byte, the tap's other five. */
	memcpy(t.guest_mac, nic->mac, 6);
	t.guest_mac[0] = 0x52;
	t.br_ifindex = (int)if_nametoindex(bridge);
	if (t.br_ifindex <= 0)
		return vmtap_fail(err, -ENODEV, "vhost self-test: bridge %s does not exist", bridge);

	if ((r = setup_packet_socket(&t, bridge, err)) < 0 ||
	    (r = setup_features(&t, res, err)) < 0 || (r = setup_memory(&t, err)) < 0 ||
	    (r = setup_vq(&t, &t.rx, VQ_RX, OFF_RX_DESC, OFF_RX_AVAIL, OFF_RX_USED, err)) < 0 ||
	    (r = setup_vq(&t, &t.tx, VQ_TX, OFF_TX_DESC, OFF_TX_AVAIL, OFF_TX_USED, err)) < 0)
		goto out;
	fill_rx(&t);
	if ((r = set_backend(&t, t.tap, err)) < 0)
		goto out;
	t.backend_set = true;

	/* TX first: a real guest speaks first too, and then the bridge
	 * knows where the guest's MAC lives. */
	run_tx(&t, res, bridge);
	run_rx(&t, res, bridge);
	if (!res->tx_ok || !res->rx_ok) {
		if (!res->tx_ok && !res->rx_ok)
			r = vmtap_fail(err, -EIO, "vhost self-test: tx failed: %s; rx failed: %s",
				       res->tx_why, res->rx_why);
		else if (!res->tx_ok)
			r = vmtap_fail(err, -EIO, "vhost self-test: tx failed: %s (rx ok)",
				       res->tx_why);
		else
			r = vmtap_fail(err, -EIO, "vhost self-test: rx failed: %s (tx ok)",
				       res->rx_why);
	}
out:
	teardown(&t);
	return r;
}
