/* vlanset.h — a set of 802.1Q VLAN IDs, and the one grammar for a VLAN
 * list wherever a user types one: a NIC SPEC's `vlan=`/`trunk=` (items
 * separated by ':', since ',' separates keys there, as in QEMU's
 * `fds=a:b`), a policy line `allow br0 vlan 100-199 group tenant-a` and a
 * vmtapd request (',' or ':').
 *
 * Owns: the bitmap, parsing a list into it, writing it back as compact
 * text, set arithmetic a policy check needs, and walking it by ranges (the
 * shape of BRIDGE_VLAN_INFO_RANGE_BEGIN/END netlink messages).
 *
 * Grammar: LIST = ITEM { SEP ITEM }, ITEM = VID | VID "-" VID, where SEP is
 * any byte of the caller's `seps` and VID is decimal 1..4094 in digits only:
 * no sign, no space, no leading zero (a tool parsing with base 0 would read
 * "010" as VLAN 8, so it is refused rather than guessed).  In a range the
 * first VID is <= the second.  VIDs 0 (priority tag) and 4095 (reserved)
 * are never members.  Items may overlap or repeat ("10-20:15"): the set is
 * their union.  A list says which VLANs are granted or wanted, and
 * "100-199,150" grants the same as "100-199"; refusing it would only make
 * users merge ranges by hand.
 *
 * Promises: parsing is linear in the input (a range fills whole 64-bit
 * words); a refusal returns -errno with one line in *err naming the bad item
 * and what was expected, and leaves the output set untouched.  A set
 * written by vlan_set_format and parsed again is the same set.
 *
 * Never: prints, allocates, or accepts a VID outside 1..4094.
 *
 * A zero-initialised struct vlan_set is the empty set. */
#ifndef VMTAP_VLANSET_H
#define VMTAP_VLANSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helper/core/err.h"

#define VLAN_VID_MIN 1
#define VLAN_VID_MAX 4094

/* Longest text vlan_set_format can write, with its NUL: the set
 * {1,2,4,5,7,8,...} (every VID not a multiple of 3), as 1365 two-VID
 * ranges ("4090-4091:4093-4094"). */
#define VLAN_SET_FORMAT_MAX 12912

struct vlan_set {
	uint64_t w[4096 / 64]; /* bit v set: VID v is a member; bits 0, 4095 stay clear */
};

/* Parses the whole of s (see the grammar above) into *out, replacing what
 * was there.  seps is the set of separator bytes (":" or ",:"); it must be
 * non-empty and hold no digit or '-' (-EINVAL otherwise).  Refused with
 * -EINVAL: an empty list, an empty item ("1::2", a leading or trailing
 * separator), anything but digits and one '-', a leading zero, a range
 * "N-M" with N > M; with -ERANGE: a VID outside 1..4094 (0, 4095,
 * 99999999999999999999). */
int vlan_set_parse(const char *s, const char *seps, struct vlan_set *out,
		   struct vmtap_err *err);

/* The JSON forms of a list, added (union) to *set: an array of integers
 * and strings, each string one ITEM ("20" or "20-29"), as in
 * [10, "20-29"]; or a string holding a whole list with ',' or ':' as
 * separators ("10,20-29").  Refuses (set untouched) an empty array or
 * string, a member of another JSON type, a non-integer number, an item the
 * text grammar refuses.  v is a jansson json_t. */
struct json_t;
int vlan_set_add_json(struct vlan_set *set, const struct json_t *v, struct vmtap_err *err);

/* Writes the set as ITEMs in ascending order, a run of two or more VIDs as
 * "N-M", separated by sep ("10:20-29"); the empty set is "".  Returns 0,
 * or -ENOSPC when len bytes cannot hold it and its NUL (then buf is "" if
 * len > 0: never a cut list that would read as a smaller one).
 * VLAN_SET_FORMAT_MAX bytes always suffice. */
int vlan_set_format(const struct vlan_set *set, char *buf, size_t len, char sep);

/* Adds VID vid, or every VID lo..hi; -ERANGE (set untouched) when a VID is
 * outside 1..4094 or lo > hi. */
int vlan_set_add(struct vlan_set *set, unsigned vid);
int vlan_set_add_range(struct vlan_set *set, unsigned lo, unsigned hi);

/* Whether vid is a member (false for any value outside 1..4094). */
bool vlan_set_has(const struct vlan_set *set, unsigned vid);

/* Whether the set has no member. */
bool vlan_set_empty(const struct vlan_set *set);

/* How many VIDs are members (0..4094). */
unsigned vlan_set_count(const struct vlan_set *set);

/* Whether every member of a is a member of b (the empty set is a subset
 * of every set). */
bool vlan_set_is_subset(const struct vlan_set *a, const struct vlan_set *b);

/* The lowest member of a that is not a member of b, or 0 when a is a
 * subset of b: for a refusal that names the first VLAN not granted. */
unsigned vlan_set_first_not_in(const struct vlan_set *a, const struct vlan_set *b);

/* Walks the set by maximal runs of consecutive VIDs, in ascending order:
 *
 *	unsigned from = VLAN_VID_MIN, lo, hi;
 *	while (vlan_set_next_range(set, &from, &lo, &hi))
 *		... lo..hi (lo == hi for a lone VID) ...
 *
 * Finds the first run that starts at or after *from, stores its bounds in
 * *lo and *hi, sets *from to hi + 1 and returns true; false when there is
 * none.  Starting from inside a run yields the rest of that run. */
bool vlan_set_next_range(const struct vlan_set *set, unsigned *from, unsigned *lo,
			 unsigned *hi);

#endif
