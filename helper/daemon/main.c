/* vmtapd — the NIC broker daemon: serves multiqueue taps (and vhost-net
 * fds) over a unix socket to clients that have no privilege, as its policy
 * allows each client's uid.
 *
 *   vmtapd [--socket PATH] [--config PATH] [--foreground]
 *          [--idle-timeout SECONDS] [--send-timeout SECONDS]
 *          [--pool BRIDGE[,queues=N][,size=N]]...
 *
 * This file owns the process: its argv, the listening socket (made here,
 * or inherited from systemd through LISTEN_PID/LISTEN_FDS, without
 * libsystemd), signals (SIGTERM/SIGINT end it, SIGHUP reloads the policy;
 * all through a signalfd), syslog, dropping to CAP_NET_ADMIN alone,
 * detaching, and READY=1 for systemd's Type=notify.  The serving is
 * server.c's.
 *
 * Start-up is all or nothing: any failure before serving prints one line,
 * exits 1 and leaves no socket file behind.  A clean stop (SIGTERM) exits 0
 * and removes the socket file if this process made it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "helper/core/acl.h"
#include "helper/wire/obtain.h"
#include "helper/core/parse.h"
#include "helper/core/priv.h"
#include "helper/daemon/server.h"

#ifndef VMTAPD_CONF
#define VMTAPD_CONF "/etc/vmtap/vmtapd.conf"
#endif
/* systemd's first passed fd (sd_listen_fds(3)). */
#define LISTEN_FDS_START 3

static const char *prog = "vmtapd";

struct args {
	const char *socket_path;
	const char *config_path;
	bool foreground;
	bool netns;            /* keep CAP_SYS_ADMIN permitted, for setns (netns.h) */
	unsigned idle_timeout_s, send_timeout_s;
	struct pool_cfg pools[POOL_MAX];
	unsigned npools;
};

static void usage(void)
{
	printf("Usage: %s [--socket PATH] [--config PATH] [--foreground]\n"
	       "              [--idle-timeout SECONDS] [--send-timeout SECONDS]\n"
	       "              [--pool BRIDGE[,queues=N][,size=N]]...\n"
	       "\n"
	       "Serves NICs (multiqueue taps on a bridge, with vhost-net fds) to\n"
	       "unprivileged clients over a unix SOCK_SEQPACKET socket, as the policy\n"
	       "allows each client's uid (known from SO_PEERCRED).\n"
	       "\n"
	       "  --socket PATH          where to listen (default %s); ignored\n"
	       "                         when systemd passes the socket (LISTEN_FDS)\n"
	       "  --config PATH          the policy (default %s): allow/deny\n"
	       "                         BRIDGE [user NAME|group NAME], limit queues|nics|\n"
	       "                         connections N [...], include PATH\n"
	       "  --foreground           do not detach; log to stderr as well as syslog\n"
	       "  --netns                serve create-nic with \"netns\": keeps CAP_SYS_ADMIN\n"
	       "                         permitted (not effective) for setns into a client's\n"
	       "                         own namespace\n"
	       "  --idle-timeout SECONDS close connections idle this long (default %d)\n"
	       "  --send-timeout SECONDS drop clients that leave a reply unread this long\n"
	       "                         (default %d)\n"
	       "  --pool BRIDGE[,queues=N][,size=N]\n"
	       "                         keep N (default %d) NICs of that many queues\n"
	       "                         (default 1) ready on BRIDGE, so that a request\n"
	       "                         for one skips the kernel's port set-up, whose\n"
	       "                         cost grows with the bridge's size; up to %d\n"
	       "  --help, --version\n"
	       "\n"
	       "SIGTERM or SIGINT stops it; SIGHUP reloads the policy.\n",
	       prog, VMTAPD_SOCKET, VMTAPD_CONF, VMTAPD_IDLE_TIMEOUT_S, VMTAPD_SEND_TIMEOUT_S,
	       POOL_SIZE_DEFAULT, POOL_MAX);
}

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (!strcmp(argv[*i], name) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* 0; 1 after --help/--version; 3 after a usage error (said).  main
 * returns one less. */
static int parse_args(int argc, char **argv, struct args *a)
{
	unsigned long n;
	const char *v;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage();
			return 1;
		} else if (!strcmp(argv[i], "--version")) {
			printf("%s %s\n", prog, VMTAP_VERSION);
			return 1;
		} else if (!strcmp(argv[i], "--foreground")) {
			a->foreground = true;
		} else if (!strcmp(argv[i], "--netns")) {
			a->netns = true;
		} else if ((v = opt_value(argc, argv, &i, "--socket"))) {
			a->socket_path = v;
		} else if ((v = opt_value(argc, argv, &i, "--config"))) {
			a->config_path = v;
		} else if ((v = opt_value(argc, argv, &i, "--idle-timeout"))) {
			if (parse_uint(v, 1, 86400, &n) < 0)
				return die("--idle-timeout=%s: expected 1..86400 seconds", v) + 2;
			a->idle_timeout_s = (unsigned)n;
		} else if ((v = opt_value(argc, argv, &i, "--pool"))) {
			struct vmtap_err err = { "" }; /* vmtap_fail keeps a first message */

			if (a->npools == POOL_MAX)
				return die("--pool %s: expected at most %d --pool options", v,
					   POOL_MAX) + 2;
			if (pool_cfg_parse(v, &a->pools[a->npools], &err) < 0 ||
			    pool_cfg_unique(a->pools, a->npools + 1, &err) < 0)
				return die("%s", err.msg) + 2;
			a->npools++;
		} else if ((v = opt_value(argc, argv, &i, "--send-timeout"))) {
			if (parse_uint(v, 1, 3600, &n) < 0)
				return die("--send-timeout=%s: expected 1..3600 seconds", v) + 2;
			a->send_timeout_s = (unsigned)n;
		} else {
			return die("unknown or incomplete option \"%s\"; see --help", argv[i]) + 2;
		}
	}
	return 0;
}

/* path, made absolute against the working directory (the daemon moves to
 * "/", and reloads and the final unlink must still find their files). */
static int absolute(const char *path, char *out, size_t cap)
{
	char cwd[PATH_MAX];

	if (!*path)
		return -EINVAL;
	if (path[0] == '/')
		return (size_t)snprintf(out, cap, "%s", path) < cap ? 0 : -ENAMETOOLONG;
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return (size_t)snprintf(out, cap, "%s/%s", cwd, path) < cap ? 0 : -ENAMETOOLONG;
}

/* ---- the listening socket -------------------------------------------- */

/* The socket systemd passed, if this process is the one it was meant for. */
static int activated_socket(int *fd)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int type = 0, domain = 0, listening = 0;
	socklen_t len = sizeof(int);
	unsigned long p, n;

	*fd = -1;
	if (!pid || !fds)
		return 0;
	if (parse_uint(pid, 1, INT_MAX, &p) < 0 || (pid_t)p != getpid())
		return 0;
	if (parse_uint(fds, 0, INT_MAX, &n) < 0 || n != 1)
		return die("LISTEN_FDS=%s: expected exactly one socket from the service manager", fds);
	if (getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    domain != AF_UNIX || type != SOCK_SEQPACKET || !listening)
		return die("fd %d from the service manager: expected a listening AF_UNIX "
			   "SOCK_SEQPACKET socket (ListenSequentialPacket=)", LISTEN_FDS_START);
	fcntl(LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	*fd = LISTEN_FDS_START;
	return 0;
}

/* Is a daemon answering at path?  (A socket file nobody listens on is what
 * a daemon that was killed leaves behind.) */
static bool answering(const struct sockaddr_un *sa)
{
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool yes;

	if (s < 0)
		return false;
	yes = connect(s, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno != ECONNREFUSED;
	close(s);
	return yes;
}

/* Binds and listens under a temporary name, then renames it into place:
 * a client never finds a socket file that does not accept yet. */
static int make_socket(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX }, tmp = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	struct stat st;
	mode_t old;
	int s;

	if (strlen(path) >= sizeof(sa.sun_path) ||
	    (size_t)snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%d.new", path, (int)getpid()) >=
		    sizeof(tmp.sun_path))
		return die("--socket=%s: expected a path of at most %zu bytes", path,
			   sizeof(sa.sun_path) - 16);
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* /run/vmtap, the default's directory, is ours to make. */
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return die("cannot make %s for the socket: %s", dir, strerror(errno));
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return die("%s exists and is not a socket; expected a free path for vmtapd's socket",
				   path);
		if (answering(&sa))
			return die("%s: another vmtapd is already listening there", path);
		unlink(path);
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return die("socket: %s", strerror(errno));
	unlink(tmp.sun_path);
	/* Anyone may connect: the policy decides by uid.  Restrict the
	 * directory (or systemd's SocketMode=) to narrow that. */
	old = umask(0);
	if (bind(s, (struct sockaddr *)&tmp, sizeof(tmp)) < 0) {
		umask(old);
		close(s);
		return die("cannot bind %s: %s", tmp.sun_path, strerror(errno));
	}
	umask(old);
	if (chmod(tmp.sun_path, 0666) < 0 || listen(s, SOMAXCONN) < 0 ||
	    rename(tmp.sun_path, path) < 0) {
		int e = errno;

		unlink(tmp.sun_path);
		close(s);
		return die("cannot listen on %s: %s", path, strerror(e));
	}
	*out = s;
	return 0;
}

/* ---- systemd's notify protocol (sd_notify(3), without libsystemd) ---- */

static void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int s;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	sendto(s, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(s);
}

/* Goes into the background before the event loop is made (an epoll set
 * made before fork() would keep waiting on the parent's signal queue).
 * The parent waits for the child's word and exits with it, so the exit
 * status still tells whether the daemon started; *ready is the child's
 * end of that pipe (see ready()). */
static int detach(int *ready)
{
	int p[2];
	pid_t pid;
	char st;

	if (pipe2(p, O_CLOEXEC) < 0)
		return die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return die("fork: %s", strerror(errno));
	if (pid > 0) {
		close(p[1]);
		/* Nothing read: the child died before it was ready. */
		_exit(read(p[0], &st, 1) == 1 ? st : 1);
	}
	close(p[0]);
	setsid();
	*ready = p[1];
	return 0;
}

/* The child of detach() is serving: the parent may exit 0, and the
 * terminal is let go. */
static void ready(int *fd)
{
	int null;

	if (*fd < 0)
		return;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	if (write(*fd, "", 1) < 0) {
		/* the parent is gone: nobody to tell */
	}
	close(*fd);
	*fd = -1;
}

int main(int argc, char **argv)
{
	struct args a = { .socket_path = VMTAPD_SOCKET, .config_path = VMTAPD_CONF };
	struct vmtapd_server_opts so = { .listen_fd = -1, .signal_fd = -1 };
	char sock_path[PATH_MAX], conf_path[PATH_MAX];
	struct vmtap_err err = { "" };
	struct vmtapd_server *srv = NULL;
	bool activated, own_socket = false, under_systemd;
	struct rlimit rl;
	sigset_t sigs;
	int r, listen_fd = -1, ready_fd = -1;

	if (priv_std_fds() < 0)
		return 1;
	if ((r = parse_args(argc, argv, &a)) != 0)
		return r - 1;
	if (absolute(a.socket_path, sock_path, sizeof(sock_path)) < 0)
		return die("--socket=%s: expected a usable path", a.socket_path);
	if (absolute(a.config_path, conf_path, sizeof(conf_path)) < 0)
		return die("--config=%s: expected a usable path", a.config_path);

	/* Only what we open from here on, and what systemd passed. */
	if (activated_socket(&listen_fd))
		return 1;
	activated = listen_fd >= 0;
	close_range(activated ? LISTEN_FDS_START + 1 : 3, ~0U, 0);
	under_systemd = activated || getenv("NOTIFY_SOCKET");
	/* Each client and each NIC being made costs fds: take what we may. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	openlog(prog, LOG_PID | LOG_NDELAY | (a.foreground ? LOG_PERROR : 0), LOG_DAEMON);
	/* Blocked from the start: a SIGTERM during start-up waits for the
	 * loop, which stops cleanly. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0) {
		r = die("sigprocmask: %s", strerror(errno));
		goto out;
	}

	if ((r = acl_load_daemon(conf_path, &so.acl, &err)) < 0) {
		r = die("%s", vmtap_err_text(&err, r));
		goto out;
	}
	if (!activated) {
		if (make_socket(sock_path, &listen_fd)) {
			r = 1;
			goto out;
		}
		own_socket = true;
	}
	so.listen_fd = listen_fd; /* closed at out until the server takes it */
	if (!a.foreground && !under_systemd && detach(&ready_fd)) {
		r = 1;
		goto out;
	}
	if ((so.signal_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		r = die("signalfd: %s", strerror(errno));
		goto out;
	}
	so.config_path = conf_path;
	so.idle_timeout_s = a.idle_timeout_s;
	so.send_timeout_s = a.send_timeout_s;
	so.pools = a.pools;
	so.npools = a.npools;
	r = vmtapd_server_new(&so, &srv, &err);
	so.listen_fd = so.signal_fd = -1;
	so.acl = NULL;
	if (r < 0) {
		r = die("%s", vmtap_err_text(&err, r));
		goto out;
	}
	/* Everything privileged that is not making taps is done. */
	if ((r = priv_daemon_keep_net_admin(a.netns, &err)) < 0) {
		r = die("%s", vmtap_err_text(&err, r));
		goto out;
	}
	if (chdir("/") < 0) {
		r = die("chdir /: %s", strerror(errno));
		goto out;
	}

	ready(&ready_fd);
	syslog(LOG_NOTICE, "serving on %s%s with policy %s", sock_path,
	       activated ? " (from the service manager)" : "", conf_path);
	notify("READY=1");
	r = vmtapd_server_run(srv, &err);
	notify("STOPPING=1");
	if (r < 0) {
		syslog(LOG_ERR, "%s", vmtap_err_text(&err, r));
		r = 1;
	} else {
		syslog(LOG_NOTICE, "stopping on %s", strsignal(r));
		r = 0;
	}
out:
	vmtapd_server_free(srv);
	if (so.listen_fd >= 0)
		close(so.listen_fd);
	if (so.signal_fd >= 0)
		close(so.signal_fd);
	acl_free(so.acl);
	if (own_socket && unlink(sock_path) < 0 && errno != ENOENT) {
		syslog(LOG_WARNING, "cannot remove %s: %s", sock_path, strerror(errno));
		if (r == 0)
			r = 1;
	}
	closelog();
	return r;
}
