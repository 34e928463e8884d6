/* quota.c — the record of NICs by uid, and the refusal-line budget (see
 * quota.h).
 *
 * The record is a flat array, pruned of dead NICs before it grows, so it
 * stays about as large as what is alive; a lookup walks it (a few thousand
 * entries at most, each a compare).  The log budget is a fixed table: its
 * size does not depend on how many uids a flood uses. */
#include "helper/daemon/quota.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

void quota_init(struct quota *q, quota_alive_fn *alive, void *ctx)
{
	*q = (struct quota){ .alive = alive, .ctx = ctx };
}

void quota_free(struct quota *q)
{
	free(q->grants);
	q->grants = NULL;
	q->n = q->cap = 0;
}

static void prune(struct quota *q)
{
	size_t i = 0;

	while (i < q->n) {
		if (q->alive(q->ctx, q->grants[i].ifindex))
			i++;
		else
			q->grants[i] = q->grants[--q->n];
	}
}

int quota_add(struct quota *q, uid_t uid, int ifindex)
{
	if (q->n == q->cap) {
		struct quota_grant *g;
		size_t cap;

		/* Most of the record may be dead NICs: prune before growing. */
		prune(q);
		cap = q->n * 2 > 64 ? q->n * 2 : 64;
		if (cap > q->cap) {
			g = realloc(q->grants, cap * sizeof(*g));
			if (!g)
				return -ENOMEM;
			q->grants = g;
			q->cap = cap;
		}
	}
	q->grants[q->n++] = (struct quota_grant){ uid, ifindex };
	return 0;
}

unsigned quota_live(struct quota *q, uid_t uid, unsigned stop)
{
	unsigned live = 0;
	size_t i = 0;

	while (i < q->n && live < stop) {
		if (q->grants[i].uid != uid) {
			i++;
		} else if (q->alive(q->ctx, q->grants[i].ifindex)) {
			live++;
			i++;
		} else {
			q->grants[i] = q->grants[--q->n];
		}
	}
	return live;
}

bool quota_admits(struct quota *q, uid_t uid, unsigned limit, unsigned *live)
{
	*live = 0;
	if (limit == UINT_MAX)
		return true;
	*live = quota_live(q, uid, limit);
	return *live < limit;
}

bool quota_counted(const struct quota *q, int ifindex)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (q->grants[i].ifindex == ifindex)
			return true;
	return false;
}

bool loglimit_allow(struct loglimit *l, uid_t uid, uint64_t now, unsigned *unsaid,
		    uid_t *unsaid_uid)
{
	struct loglimit_slot *s = NULL, *oldest = &l->slot[0];
	size_t i;

	*unsaid = 0;
	*unsaid_uid = uid;
	for (i = 0; i < LOGLIMIT_UIDS; i++) {
		if (l->slot[i].used && l->slot[i].uid == uid) {
			s = &l->slot[i];
			break;
		}
		if (!l->slot[i].used)
			oldest = &l->slot[i];
		else if (oldest->used && l->slot[i].start < oldest->start)
			oldest = &l->slot[i];
	}
	if (!s) {
		s = oldest;
		if (s->used && s->suppressed) {
			*unsaid = s->suppressed;
			*unsaid_uid = s->uid;
		}
		*s = (struct loglimit_slot){ .uid = uid, .used = true, .start = now };
	} else if (now - s->start >= LOGLIMIT_WINDOW_MS) {
		*unsaid = s->suppressed;
		s->start = now;
		s->logged = 0;
		s->suppressed = 0;
	}
	if (s->logged < LOGLIMIT_BURST) {
		s->logged++;
		return true;
	}
	s->suppressed++;
	return false;
}

bool loglimit_due(struct loglimit *l, uint64_t now, uid_t *uid, unsigned *unsaid)
{
	size_t i;

	for (i = 0; i < LOGLIMIT_UIDS; i++) {
		struct loglimit_slot *s = &l->slot[i];

		if (s->used && s->suppressed && now - s->start >= LOGLIMIT_WINDOW_MS) {
			*uid = s->uid;
			*unsaid = s->suppressed;
			s->suppressed = 0;
			return true;
		}
	}
	return false;
}

uint64_t loglimit_next(const struct loglimit *l)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < LOGLIMIT_UIDS; i++)
		if (l->slot[i].used && l->slot[i].suppressed &&
		    l->slot[i].start + LOGLIMIT_WINDOW_MS < next)
			next = l->slot[i].start + LOGLIMIT_WINDOW_MS;
	return next;
}
