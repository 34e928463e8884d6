/* rtnl.h — the rtnetlink transport under bridge/: the socket, and the one
 * call every request goes through.
 *
 * Contract.
 *  - rtnl_open() gives a NETLINK_ROUTE socket, CLOEXEC, connected.  Its
 *    callbacks are always libnl's defaults, whatever NLCB says in the
 *    environment, and libnl's debug level (NLDBG) is reset to 0: a setuid
 *    helper must not let its caller turn on libnl's message dumps.
 *  - rtnl_do() sends one request and reads its whole answer (up to the
 *    ACK, or to the end of a dump), and frees the request.  It returns 0 or
 *    the kernel's own -errno (not libnl's translation), and on failure
 *    writes ONE line to err: "cannot X: Reason (kernel: extended-ack text)",
 *    X being the caller's words, the parenthesis only when the kernel
 *    explained.  An errno the caller words itself (own_errno) comes back
 *    with nothing written.
 *  - A request costs exactly one round trip.
 *
 * The rest of bridge/ builds its messages here; a front end uses only
 * rtnl_open() and rtnl_close() and hands the socket to link.h, port.h and
 * bridge.h. */
#ifndef VMTAP_BRIDGE_RTNL_H
#define VMTAP_BRIDGE_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include "helper/core/err.h"

struct nl_sock;
struct nl_msg;
struct nlattr;
struct nlmsghdr;

int rtnl_open(struct nl_sock **out, struct vmtap_err *err);
void rtnl_close(struct nl_sock *sk);

/* Called with each data message of an answer (a dump's every entry); a
 * -errno stops the parsing and becomes rtnl_do's result. */
typedef int rtnl_parse_fn(struct nlmsghdr *h, void *arg);

/* One request.  The caller fills what, name, parse and arg; rtnl_begin()
 * and rtnl_put*() fill the rest. */
struct rtnl_req {
	const char *what;      /* "cannot build the WHAT message for NAME": */
	const char *name;      /*   the words for a request that did not fit */
	rtnl_parse_fn *parse;  /* NULL when the answer is an ACK alone */
	void *arg;
	struct nl_msg *msg;
	int error;             /* the first failure building it, else 0 */
};

/* A message of TYPE with its fixed header (ifinfomsg, tcmsg, ...).
 * NLM_F_DUMP in nlflags makes it a dump: no ACK is asked, and the answer
 * ends with NLMSG_DONE.  Every other request asks for an ACK. */
void rtnl_begin(struct rtnl_req *req, int type, int nlflags, const void *hdr, size_t len);

/* Attributes.  One that does not fit marks the request, and rtnl_do()
 * reports it; the builder needs no check after each. */
void rtnl_put(struct rtnl_req *req, int type, const void *data, size_t len);
void rtnl_put_u8(struct rtnl_req *req, int type, uint8_t v);
void rtnl_put_u32(struct rtnl_req *req, int type, uint32_t v);
void rtnl_put_str(struct rtnl_req *req, int type, const char *s);
struct nlattr *rtnl_nest(struct rtnl_req *req, int type);
void rtnl_nest_end(struct rtnl_req *req, struct nlattr *nest);

/* Sends req, reads its answer, frees req->msg (also when it was never
 * sent).  The failure message starts with fmt ("cannot set MAC %s on %s").
 * A dump the kernel interrupted (the table changed under it) is -EAGAIN
 * like a kernel errno: a dump's caller passes own_errno -EAGAIN and starts
 * again.  A local failure (no memory, a socket error) is its own message. */
int rtnl_do(struct nl_sock *sk, struct rtnl_req *req, int own_errno, struct vmtap_err *err,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
