/* quota.h — vmtapd's record of what each uid holds, and the decisions made
 * from it: how many NICs a uid has alive (for `limit nics`), which devices
 * the record already counts, and how many refusal lines a uid may still
 * cause in the log.
 *
 * Owns: the record of NICs by (uid, ifindex) — NICs handed over and
 * persistent taps made through vmtapd, each counted against the uid that
 * made it through the daemon, never against a device's current kernel
 * owner (TUNSETOWNER), which the attached owner may change at will; and a
 * per-uid budget of log lines for refusals.
 *
 * Promises: a NIC is counted until the kernel says its ifindex is gone
 * (the alive callback; any answer but "gone" keeps it counted, so an error
 * cannot lift a limit); a device is counted once, against one uid.
 *
 * Must never: touch a socket, print, or decide from anything a client says
 * about itself.  The kernel is reached only through the alive callback, so
 * the decisions are unit-tested without root. */
#ifndef VMTAP_VMTAPD_QUOTA_H
#define VMTAP_VMTAPD_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Whether ifindex is still a device (false only when the kernel says it
 * is gone). */
typedef bool quota_alive_fn(void *ctx, int ifindex);

struct quota {
	quota_alive_fn *alive;
	void *ctx;
	/* by ifindex (never reused in a netns until the 31-bit counter wraps) */
	struct quota_grant {
		uid_t uid;
		int ifindex;
	} *grants;
	size_t n, cap;
};

void quota_init(struct quota *q, quota_alive_fn *alive, void *ctx);
void quota_free(struct quota *q);

/* Counts ifindex against uid: 0 or -ENOMEM. */
int quota_add(struct quota *q, uid_t uid, int ifindex);

/* NICs of uid still alive, counting no further than stop; dead ones of
 * uid are forgotten on the way. */
unsigned quota_live(struct quota *q, uid_t uid, unsigned stop);

/* Whether uid may have one more NIC under limit (UINT_MAX: none); *live
 * gets what it has (as far as the limit, 0 when there is none). */
bool quota_admits(struct quota *q, uid_t uid, unsigned limit, unsigned *live);

/* Whether the record counts ifindex already, against any uid. */
bool quota_counted(const struct quota *q, int ifindex);

/* ---- refusal lines ---------------------------------------------------- */

/* A uid's refusals (denials, bad requests, refused connections) are logged
 * up to LOGLIMIT_BURST lines per LOGLIMIT_WINDOW_MS; the rest are counted
 * and said in one line when the uid's next window opens (or, if the uid is
 * refused no more, when its window ends: loglimit_due).  The table holds
 * the LOGLIMIT_UIDS uids refused most recently; a uid pushed out of it
 * starts afresh (its count of unsaid lines is handed back then). */
#define LOGLIMIT_BURST 20
#define LOGLIMIT_WINDOW_MS 10000
#define LOGLIMIT_UIDS 64

struct loglimit {
	struct loglimit_slot {
		uid_t uid;
		bool used;
		uint64_t start;     /* ms: when this uid's window opened */
		unsigned logged;    /* lines in this window */
		unsigned suppressed;
	} slot[LOGLIMIT_UIDS];
};

/* Whether a refusal line for uid may be logged at now (ms, monotonic).
 * *unsaid: lines of uid not logged before (in its last window, or in a
 * slot this call took over for another uid: *unsaid_uid), to be said now;
 * 0 when none. */
bool loglimit_allow(struct loglimit *l, uid_t uid, uint64_t now, unsigned *unsaid,
		    uid_t *unsaid_uid);

/* For a uid that stopped being refused: true with the uid and the count of
 * a window that has ended with lines unsaid (then cleared, so it is said
 * once); false when there is none at now. */
bool loglimit_due(struct loglimit *l, uint64_t now, uid_t *uid, unsigned *unsaid);

/* When the earliest window with lines unsaid ends (ms); UINT64_MAX when
 * none has any. */
uint64_t loglimit_next(const struct loglimit *l);

#endif
