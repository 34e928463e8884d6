/* handlers.h — what vmtapd does with one decoded request: the policy and
 * quota decisions, provision(), and the reply it makes, as an outcome.
 *
 * Owns: the five requests (hello, create-nic, create-persistent,
 * delete-persistent, release-nic) and the decisions before each (the bridge is the
 * client's, so many queues, a group of its own, room under `limit nics`).
 *
 * Promises: a handler fills a struct outcome and nothing else — it never
 * touches the connection, never sends and never logs; the loop (server.c)
 * logs the outcome's line, encodes an error reply, and sends, in one
 * place.  A NIC in an outcome is either handed over by the loop or closed
 * by it.  A persistent tap made for an outcome that cannot be answered is
 * deleted again before the handler returns.
 *
 * Must never: trust anything a client says about who it is (the peer comes
 * from the kernel, at connect); keep a NIC's fd once the outcome has it. */
#ifndef VMTAP_VMTAPD_HANDLERS_H
#define VMTAP_VMTAPD_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "helper/core/acl.h"
#include "helper/core/err.h"
#include "helper/core/nic.h"
#include "helper/daemon/pool.h"
#include "helper/daemon/quota.h"
#include "helper/wire/proto.h"

struct nl_sock;
struct watch_set;

/* What the handlers work with: the daemon's, not a client's. */
struct handler_env {
	const struct acl *acl;
	const char *config_path;  /* for messages */
	struct nl_sock *nl;       /* renewed here when a failure left it out of step */
	struct pool *pool;        /* --pool, or NULL */
	struct quota *quota;
	struct watch_set *watch;  /* the macvtaps it made, by process (watch.h) */
};

/* Who asks, as the kernel recorded it at connect(). */
struct client_id {
	struct acl_peer peer;
	pid_t pid;                /* for logs, and a macvtap's mark */
	int pidfd;                /* the process, or -1: a macvtap needs it */
	unsigned conns;           /* connections its uid has open, this one included */
	int netns_fd;             /* the fd a create-nic with "netns" came with, or -1;
	                           * the loop's: a handler only uses it */
	int watch_fd;             /* the pidfd a create-nic with "watch" came with, or
	                           * -1; the loop's, as netns_fd */
};

enum outcome_kind {
	OUTCOME_REPLY,            /* send out (with nic's fds when has_nic) */
	OUTCOME_REFUSE,           /* log line (within the uid's budget), reply the error */
	OUTCOME_DROP,             /* log line if any, drop the client unanswered */
};

struct outcome {
	enum outcome_kind kind;
	int prio;                 /* syslog priority of line */
	char line[1280];          /* logged by the loop now (say() cuts it); "" for none */
	/* OUTCOME_REPLY */
	char out[VMTAPD_REPLY_MAX];
	size_t outlen;
	struct nic nic;
	bool has_nic;
	char grant[256 + VMTAP_NETNS_MAX]; /* logged once the NIC is handed over */
	bool macvtap;             /* nic is a macvtap: the loop watches owner */
	pid_t owner;              /* macvtap: whose exit deletes it (its mark) */
	bool owner_sent;          /* owner is watch_fd's process, not the client */
	/* OUTCOME_REFUSE: the error reply */
	int r;
	struct vmtap_err err;
};

/* Clears o (no NIC, nothing to log) for the next request. */
void outcome_init(struct outcome *o);

/* A request that did not decode (r, err): refused as a bad request. */
void handle_bad_request(const struct client_id *who, int r, const struct vmtap_err *err,
			struct outcome *o);

/* A request refused for who sent it, not for what it asks (a client of
 * another network namespace): logged as "deny". */
void handle_denied(const struct client_id *who, int r, const struct vmtap_err *err,
		   struct outcome *o);

void handle_request(struct handler_env *env, const struct client_id *who,
		    struct vmtapd_request *req, struct outcome *o);

/* ---- the decisions (pure: no kernel, no socket) ----------------------- */

/* The bridge is the peer's by the policy, and so many queues: 0 or -EPERM
 * with the message. */
int decide_bridge_queues(const struct acl *acl, const char *config_path,
			 struct nic_spec *spec, const struct acl_peer *peer,
			 struct vmtap_err *err);

/* A group for a persistent tap: only one of the peer's own (primary or
 * supplementary, as SO_PEERGROUPS said). */
int decide_group(const struct nic_spec *spec, const struct acl_peer *peer,
		 struct vmtap_err *err);

/* Room for one more NIC under `limit nics`: 0 or -EDQUOT with the message
 * (persistent: the message says persistent taps count). */
int decide_nics(struct quota *q, const struct acl *acl, const char *config_path,
		const struct acl_peer *peer, bool persistent, struct vmtap_err *err);

#endif
