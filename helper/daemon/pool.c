/* pool.c — NICs made ahead of requests (see pool.h).
 *
 * Theory of operation.  Every NIC of every pool lives in one slot of one
 * array (so pool_owns is a range check on epoll's data.ptr) and is in
 * exactly one of these places:
 *
 *   free      the slot is unused                         (under mu)
 *   ready     made by the thread, not yet seen by main   (under mu)
 *   pooled    main's: in epfd, non-blocking, drained     (main only)
 *   retired   main gave it back to be closed             (under mu)
 *
 * The thread makes NICs while a pool has fewer than its size made and not
 * taken (one_pool.have, under mu), and closes retired ones: closing a
 * tap's last fd costs an RCU grace period under RTNL (~20 ms), which the
 * event loop must not wait for.  It tells main about new NICs and news to
 * log through an eventfd; main wakes it with the condition variable. */
#include "helper/daemon/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "helper/core/clock.h"
#include "helper/core/parse.h"
#include "bridge/port.h"
#include "helper/core/provision.h"
#include "helper/core/field.h"

struct slot {
	struct nic nic;
	int bridge_ifindex;    /* the bridge it was made on */
	struct one_pool *pool;
	struct slot *next;
	bool in_pool;          /* pooled (main only: the thread never writes it,
	                        * so an epoll event that was already queued for a
	                        * NIC taken since can be told apart) */
};

struct one_pool {
	struct pool_cfg cfg;
	unsigned have;         /* made and not taken: ready + pooled (mu) */
	struct slot *ready;    /* made by the thread (mu) */
	struct slot *pooled;   /* main's */
	uint64_t retry_at;     /* after a failure, ms on CLOCK_MONOTONIC (mu) */
	bool failing;          /* the thread's view (mu) */
	bool told_failing;     /* what main last logged */
	char why[sizeof(((struct vmtap_err *)0)->msg)]; /* last failure (mu) */
};

struct pool {
	struct one_pool one[POOL_MAX];
	unsigned n;
	struct slot *slots, *free, *retired; /* free, retired: mu */
	unsigned nslots;
	int epfd, evfd;
	char tag_ev;           /* epoll data.ptr of evfd */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, started;
	pthread_t thread;
	int ioctl_fd;          /* SIOCGIFNAME, SIOCGIFMTU: no RTNL */
};

/* ---- the option ------------------------------------------------------- */

int pool_cfg_parse(const char *arg, struct pool_cfg *out, struct vmtap_err *err)
{
	char buf[256], *rest = buf, *tok, *eq;
	struct nic_spec spec;
	unsigned long v;
	bool first = true;
	int r;

	if (strlen(arg) >= sizeof(buf))
		return vmtap_fail(err, -EINVAL, "--pool value too long; expected %s",
				  POOL_CFG_EXPECTED);
	if (!*arg)
		return vmtap_fail(err, -EINVAL, "--pool \"\": no bridge; expected %s",
				  POOL_CFG_EXPECTED);
	strcpy(buf, arg);
	nic_spec_init(&spec);
	out->size = POOL_SIZE_DEFAULT;
	for (; (tok = strsep(&rest, ",")); first = false) {
		eq = strchr(tok, '=');
		if (!*tok)
			return vmtap_fail(err, -EINVAL, "--pool \"%s\": an empty part; expected %s",
					  arg, POOL_CFG_EXPECTED);
		if (first && !eq) {
			if ((r = nic_spec_set(&spec, "bridge", "--pool", tok, err)) < 0)
				return r;
			continue;
		}
		if (!eq || first)
			return vmtap_fail(err, -EINVAL, "--pool %s: \"%s\" is out of place; expected %s",
					  arg, tok, POOL_CFG_EXPECTED);
		*eq = '\0';
		if (!strcmp(tok, "queues")) {
			if ((r = nic_spec_set(&spec, "queues", "queues", eq + 1, err)) < 0)
				return r;
		} else if (!strcmp(tok, "size")) {
			if (parse_uint(eq + 1, 1, POOL_SIZE_MAX, &v) < 0)
				return vmtap_fail(err, -EINVAL, "size=%s: expected 1..%d", eq + 1,
						  POOL_SIZE_MAX);
			out->size = (unsigned)v;
		} else {
			return vmtap_fail(err, -EINVAL, "--pool %s: unknown key \"%s\"; expected %s",
					  arg, tok, POOL_CFG_EXPECTED);
		}
	}
	if (!spec.bridge[0])
		return vmtap_fail(err, -EINVAL, "--pool \"%s\": no bridge; expected %s", arg,
				  POOL_CFG_EXPECTED);
	memcpy(out->bridge, spec.bridge, sizeof(out->bridge));
	out->queues = spec.queues;
	return 0;
}

int pool_cfg_unique(const struct pool_cfg *cfg, unsigned n, struct vmtap_err *err)
{
	unsigned i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < i; k++)
			if (cfg[i].queues == cfg[k].queues && !strcmp(cfg[i].bridge, cfg[k].bridge))
				return vmtap_fail(err, -EINVAL, "--pool %s,queues=%u given twice; "
						  "expected one pool per bridge and queue count",
						  cfg[i].bridge, cfg[i].queues);
	return 0;
}

/* ---- the thread ---------------------------------------------------------- */

static void wake_main(struct pool *p)
{
	uint64_t one = 1;
	ssize_t n;

	/* Only EAGAIN (counter at its maximum) can fail: main wakes anyway. */
	n = write(p->evfd, &one, sizeof(one));
	(void)n;
}

/* One NIC for o, as a request with o's bridge and queues would get it. */
static int make(struct nl_sock **sk, struct one_pool *o, struct slot *s, struct vmtap_err *err)
{
	struct nic_spec spec;
	int r;

	nic_spec_init(&spec);
	memcpy(spec.bridge, o->cfg.bridge, sizeof(spec.bridge));
	spec.queues = o->cfg.queues;
	if (!*sk && (r = rtnl_open(sk, err)) < 0)
		return r;
	if ((r = nic_devs_open(&spec, &s->nic, NULL, err)) < 0)
		return r;
	if ((r = provision(*sk, &spec, PROVISION_ROOT, &s->nic, err)) < 0) {
		/* A socket out of step would fail every later try. */
		rtnl_close(*sk);
		*sk = NULL;
		return r;
	}
	s->bridge_ifindex = (int)if_nametoindex(o->cfg.bridge);
	return 0;
}

/* The pool that needs a NIC now, or NULL; *wait_ms: when to look again
 * (-1: when woken).  Under mu. */
static struct one_pool *needy(struct pool *p, long *wait_ms)
{
	uint64_t now = mono_ms();
	unsigned i;

	*wait_ms = -1;
	for (i = 0; i < p->n; i++) {
		struct one_pool *o = &p->one[i];

		if (o->have >= o->cfg.size)
			continue;
		if (o->retry_at <= now)
			return o;
		if (*wait_ms < 0 || (long)(o->retry_at - now) < *wait_ms)
			*wait_ms = (long)(o->retry_at - now);
	}
	return NULL;
}

static void wait_for(struct pool *p, long ms)
{
	struct timespec ts;

	if (ms < 0) {
		pthread_cond_wait(&p->cv, &p->mu);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

static void *filler(void *arg)
{
	struct pool *p = arg;
	struct nl_sock *sk = NULL;
	struct vmtap_err err;
	struct one_pool *o;
	struct slot *s;
	long wait_ms;
	int r;

	/* Making NICs ahead is background work: on a busy CPU it goes last,
	 * so the loop that answers requests is not queued behind it.  On a
	 * kernel without preemption that only decides where the loop runs
	 * (a CPU busy with SCHED_IDLE work counts as free); still worth it. */
	{
		struct sched_param sp = { .sched_priority = 0 };

		pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	}
	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		if ((s = p->retired)) {
			p->retired = s->next;
			pthread_mutex_unlock(&p->mu);
			nic_close(&s->nic);
			pthread_mutex_lock(&p->mu);
			s->next = p->free;
			p->free = s;
			continue;
		}
		if (!(o = needy(p, &wait_ms))) {
			wait_for(p, wait_ms);
			continue;
		}
		/* have <= size for every pool, so a slot is free. */
		s = p->free;
		p->free = s->next;
		o->have++;
		pthread_mutex_unlock(&p->mu);

		err.msg[0] = '\0';
		nic_init(&s->nic);
		s->pool = o;
		r = make(&sk, o, s, &err);

		pthread_mutex_lock(&p->mu);
		if (r < 0) {
			o->have--;
			s->next = p->free;
			p->free = s;
			o->retry_at = mono_ms() + POOL_RETRY_MS;
			if (!o->failing || strcmp(o->why, err.msg)) {
				o->failing = true;
				snprintf(o->why, sizeof(o->why), "%s", err.msg);
				wake_main(p);
			}
			continue;
		}
		o->failing = false;
		s->next = o->ready;
		o->ready = s;
		wake_main(p);
	}
	pthread_mutex_unlock(&p->mu);
	rtnl_close(sk);
	return NULL;
}

/* ---- main's side ------------------------------------------------------- */

static int set_blocking(const struct nic *nic, bool block)
{
	unsigned i;
	int fl;

	for (i = 0; i < nic->queues; i++) {
		if ((fl = fcntl(nic->tapfd[i], F_GETFL)) < 0 ||
		    fcntl(nic->tapfd[i], F_SETFL, block ? fl & ~O_NONBLOCK : fl | O_NONBLOCK) < 0)
			return -errno;
	}
	return 0;
}

static int watch(struct pool *p, struct slot *s, int op)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
	unsigned i;

	for (i = 0; i < s->nic.queues; i++)
		if (epoll_ctl(p->epfd, op, s->nic.tapfd[i], &ev) < 0 && op == EPOLL_CTL_ADD)
			return -errno;
	return 0;
}

/* Hands s to the thread to close.  s is in no list and out of epfd. */
static void retire(struct pool *p, struct slot *s)
{
	pthread_mutex_lock(&p->mu);
	s->pool->have--;
	s->next = p->retired;
	p->retired = s;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void unlink_pooled(struct one_pool *o, struct slot *s)
{
	struct slot **pp;

	for (pp = &o->pooled; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			return;
		}
}

/* Ready NICs become pooled ones.  Returns 1 (now failing) or 2 (making
 * NICs again) with *note when a pool's state changed since main last said
 * (note NULL: not now), else 0. */
static int take_in(struct pool *p, struct vmtap_err *note)
{
	struct slot *got[POOL_MAX] = { NULL }, *s;
	int said = 0;
	unsigned i;

	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++) {
		struct one_pool *o = &p->one[i];

		got[i] = o->ready;
		o->ready = NULL;
		if (note && !said && o->failing != o->told_failing) {
			o->told_failing = o->failing;
			/* vmtap_fail keeps a message already there: *note is
			 * the caller's, in whatever state. */
			note->msg[0] = '\0';
			if (o->failing)
				vmtap_fail(note, -EIO, "pool %s,queues=%u: cannot make a NIC (trying "
					   "again every %d s): %s", o->cfg.bridge, o->cfg.queues,
					   POOL_RETRY_MS / 1000, o->why);
			else
				vmtap_fail(note, 0, "pool %s,queues=%u: making NICs again",
					   o->cfg.bridge, o->cfg.queues);
			said = o->failing ? 1 : 2;
		}
	}
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n; i++) {
		while ((s = got[i])) {
			got[i] = s->next;
			if (set_blocking(&s->nic, false) < 0 || watch(p, s, EPOLL_CTL_ADD) < 0) {
				watch(p, s, EPOLL_CTL_DEL);
				retire(p, s);
				continue;
			}
			s->in_pool = true;
			s->next = p->one[i].pooled;
			p->one[i].pooled = s;
		}
	}
	return said;
}

/* Reads and drops what the bridge sent to a pooled NIC.  A tap someone
 * deleted reads as an error other than EAGAIN: retire it (the thread
 * makes another). */
static void drain(struct pool *p, struct slot *s)
{
	static char frame[65536 + 64];
	unsigned i, k;
	ssize_t n;

	if (!s->in_pool)
		return;
	for (i = 0; i < s->nic.queues; i++) {
		for (k = 0; k < 64; k++) {
			n = read(s->nic.tapfd[i], frame, sizeof(frame));
			if (n >= 0)
				continue;
			if (errno == EAGAIN || errno == EINTR)
				break;
			watch(p, s, EPOLL_CTL_DEL);
			unlink_pooled(s->pool, s);
			s->in_pool = false;
			retire(p, s);
			return;
		}
	}
}

bool pool_owns(const struct pool *p, const void *tag)
{
	const char *t = tag, *lo = (const char *)p->slots;

	return tag == &p->tag_ev ||
	       (t >= lo && t < lo + p->nslots * sizeof(struct slot));
}

int pool_event(struct pool *p, const void *tag, struct vmtap_err *note)
{
	uint64_t v;

	if (tag != &p->tag_ev) {
		drain(p, (struct slot *)tag);
		return 0;
	}
	if (read(p->evfd, &v, sizeof(v)) < 0) {
		/* EAGAIN: a spurious wake-up; take_in finds nothing. */
	}
	return take_in(p, note);
}

/* Whether s is still what it was made as: alive under its name, its
 * bridge still the one it joined, with the MTU it had then.  Ioctls, not
 * netlink, so this takes no RTNL. */
static bool still_good(struct pool *p, const struct slot *s)
{
	struct ifreq ifr = { .ifr_ifindex = s->nic.ifindex };

	if (ioctl(p->ioctl_fd, SIOCGIFNAME, &ifr) < 0 || strcmp(ifr.ifr_name, s->nic.ifname))
		return false;
	ifr.ifr_ifindex = s->bridge_ifindex;
	if (ioctl(p->ioctl_fd, SIOCGIFNAME, &ifr) < 0 || strcmp(ifr.ifr_name, s->pool->cfg.bridge))
		return false;
	if (ioctl(p->ioctl_fd, SIOCGIFMTU, &ifr) < 0 || (unsigned)ifr.ifr_mtu != s->nic.mtu)
		return false;
	return true;
}

static struct one_pool *serving(struct pool *p, const struct nic_spec *spec)
{
	unsigned i;

	/* A field the table does not call poolable sends the request the
	 * usual way (field.h); bridge and queues choose the pool, the MTU is
	 * checked by pool_take. */
	if (!nic_spec_poolable(spec))
		return NULL;
	for (i = 0; i < p->n; i++)
		if (p->one[i].cfg.queues == spec->queues && !strcmp(p->one[i].cfg.bridge, spec->bridge))
			return &p->one[i];
	return NULL;
}

bool pool_has(struct pool *p, const struct nic_spec *spec)
{
	struct one_pool *o = serving(p, spec);

	if (o && !o->pooled)
		take_in(p, NULL);
	return o && o->pooled;
}

/* Takes s, the first pooled NIC of its pool, out of the pool's hands:
 * out of the list and of epfd. */
static void unpool(struct pool *p, struct slot *s)
{
	s->pool->pooled = s->next;
	s->in_pool = false;
	watch(p, s, EPOLL_CTL_DEL);
}

int pool_take(struct pool *p, const struct nic_spec *spec, struct nic *out)
{
	struct one_pool *o;
	struct slot *s;

	if (!pool_has(p, spec))
		return -ENOENT;
	o = serving(p, spec);
	while ((s = o->pooled)) {
		if (!still_good(p, s)) {
			unpool(p, s);
			retire(p, s);
			continue;
		}
		/* Good, but not for this request: it stays for the next. */
		if (spec->mtu && spec->mtu != s->nic.mtu)
			return -ENOENT;
		unpool(p, s);
		if (set_blocking(&s->nic, true) < 0) {
			retire(p, s);
			continue;
		}
		*out = s->nic;
		nic_init(&s->nic);
		pthread_mutex_lock(&p->mu);
		o->have--;
		s->next = p->free;
		p->free = s;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	return -ENOENT;
}

/* ---- life cycle ------------------------------------------------------- */

int pool_new(const struct pool_cfg *cfg, unsigned n, int epfd, struct pool **out,
	     struct vmtap_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct pool *p;
	unsigned i;
	int r;

	if (n > POOL_MAX)
		return vmtap_fail(err, -EINVAL, "%u pools; expected at most %d", n, POOL_MAX);
	if ((r = pool_cfg_unique(cfg, n, err)) < 0)
		return r;
	if (!(p = calloc(1, sizeof(*p))))
		return vmtap_fail(err, -ENOMEM, "out of memory");
	p->n = n;
	p->epfd = epfd;
	p->evfd = p->ioctl_fd = -1;
	for (i = 0; i < n; i++) {
		p->one[i].cfg = cfg[i];
		p->nslots += cfg[i].size;
	}
	p->slots = calloc(p->nslots ? p->nslots : 1, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		return vmtap_fail(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < p->nslots; i++) {
		nic_init(&p->slots[i].nic);
		p->slots[i].next = p->free;
		p->free = &p->slots[i];
	}
	pthread_mutex_init(&p->mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	p->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->ioctl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->evfd < 0 || p->ioctl_fd < 0) {
		r = vmtap_fail(err, -errno, "pool: %s", strerror(errno));
		goto fail;
	}
	ev.data.ptr = &p->tag_ev;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, p->evfd, &ev) < 0) {
		r = vmtap_fail(err, -errno, "pool: epoll: %s", strerror(errno));
		goto fail;
	}
	*out = p;
	return 0;
fail:
	pool_free(p);
	return r;
}

int pool_start(struct pool *p, struct vmtap_err *err)
{
	int r;

	if (p->started)
		return 0;
	if ((r = pthread_create(&p->thread, NULL, filler, p)) != 0)
		return vmtap_fail(err, -r, "pool: cannot start its thread: %s", strerror(r));
	p->started = true;
	return 0;
}

static void close_list(struct slot *s)
{
	for (; s; s = s->next)
		nic_close(&s->nic);
}

void pool_free(struct pool *p)
{
	unsigned i;

	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	for (i = 0; i < p->n; i++) {
		close_list(p->one[i].ready);
		close_list(p->one[i].pooled);
	}
	close_list(p->retired);
	if (p->evfd >= 0)
		close(p->evfd);
	if (p->ioctl_fd >= 0)
		close(p->ioctl_fd);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->slots);
	free(p);
}
