/* test_frame.h — the test frames two tests write on a NIC's fd as a guest
 * sends them and look for on the other ports (tests/integration/test_brport.c,
 * tests/helpers/tenant_frames.c): 60 bytes of Ethernet with the IEEE local
 * experimental EtherType, "vt" and a one-byte tag, optionally 802.1Q-tagged.
 * Header-only (static inline): each test is one program of its own. */
#ifndef VMTAP_TEST_FRAME_H
#define VMTAP_TEST_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#define ETH_TEST  0x88b5 /* IEEE local experimental EtherType */
#define FRAME_LEN 60     /* untagged; a VLAN tag adds 4 */

/* Builds the frame TAG from src to dst (VLAN vid, 0: untagged) into b,
 * which holds FRAME_LEN + 4 zeroed bytes.  Returns its length. */
static inline size_t test_frame_build(uint8_t *b, const uint8_t dst[6], const uint8_t src[6],
				      unsigned vid, uint8_t tag)
{
	size_t off = 12;

	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (vid) {
		b[off++] = 0x81;
		b[off++] = 0x00;
		b[off++] = (uint8_t)(vid >> 8);
		b[off++] = (uint8_t)vid;
	}
	b[off++] = ETH_TEST >> 8;
	b[off++] = ETH_TEST & 0xff;
	b[off++] = 'v';
	b[off++] = 't';
	b[off] = tag;
	return FRAME_LEN + (vid ? 4 : 0);
}

struct test_frame {
	int tag;        /* -1: not a test frame */
	unsigned vid;   /* 0: untagged */
	uint8_t src[6];
};

/* What the n bytes at b are (an Ethernet frame, no vnet header). */
static inline struct test_frame test_frame_parse(const uint8_t *b, ssize_t n)
{
	struct test_frame g = { .tag = -1 };
	size_t off = 12;

	if (n < 19)
		return g;
	memcpy(g.src, b + 6, 6);
	if (b[12] == 0x81 && b[13] == 0x00) {
		g.vid = ((unsigned)(b[14] & 0x0f) << 8) | b[15];
		off = 16;
	}
	if ((size_t)n >= off + 5 && b[off] == (ETH_TEST >> 8) && b[off + 1] == (ETH_TEST & 0xff) &&
	    b[off + 2] == 'v' && b[off + 3] == 't')
		g.tag = b[off + 4];
	return g;
}

#endif
