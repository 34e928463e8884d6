/* obtain.c — get a NIC without privileges (see obtain.h).
 *
 * The helper's stderr goes through a pipe so that its one-line error
 * becomes our one-line error, instead of two lines on the user's terminal. */
#include "helper/wire/obtain.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper/core/fdpass.h"
#include "helper/core/filesafe.h"
#include "helper/core/field.h"
#include "helper/core/netns.h"
#include "helper/core/provision.h"
#include "helper/core/reply.h"
#include "helper/wire/client.h"

#ifndef VMTAP_LIBEXECDIR
#define VMTAP_LIBEXECDIR "/usr/local/libexec"
#endif
#define HELPER_NAME "vmtap-bridge-helper"

const char *helper_default_path(void)
{
	static char path[PATH_MAX + sizeof("/" HELPER_NAME)];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, HELPER_NAME);
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	return VMTAP_LIBEXECDIR "/" HELPER_NAME;
}

int broker_mode_off(struct vmtap_err *err)
{
	enum file_fault why;
	struct stat st;
	int fd = open(VMTAP_NO_BROKER_FILE, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), r;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return vmtap_fail(err, -errno, "%s: cannot open: %s (it turns broker mode off; "
				  "expected a root-owned file, or none)", VMTAP_NO_BROKER_FILE,
				  strerror(errno));
	r = file_safe_check(fd, VMTAP_NO_BROKER_FILE, &st, &why, err);
	close(fd);
	return r < 0 ? r : 1;
}

/* The last line of what the helper printed (its error, or its warning),
 * without its program prefix. */
static void last_line(char *text, struct vmtap_err *into, int r)
{
	size_t n = strlen(text);
	char *line;

	while (n > 0 && text[n - 1] == '\n')
		text[--n] = '\0';
	line = strrchr(text, '\n');
	line = line ? line + 1 : text;
	if (!strncmp(line, HELPER_NAME ": ", sizeof(HELPER_NAME ": ") - 1))
		line += sizeof(HELPER_NAME ": ") - 1;
	if (*line)
		vmtap_fail(into, r, "%s", line);
}

static void read_all(int fd, char *buf, size_t cap)
{
	size_t off = 0;
	ssize_t n;

	while (off + 1 < cap && (n = read(fd, buf + off, cap - 1 - off)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	buf[off] = '\0';
}

/* The helper's argv: every field of the table the helper takes and spec
 * gives a value, as --KEY=VALUE. */
static void child(const char *helper, const struct nic_spec *spec, int sock, int errfd)
{
	char args[NIC_FIELDS_MAX][NIC_FIELD_NAME_MAX + 512], a_fd[32]; /* a trunk list: 512 */
	char *argv[NIC_FIELDS_MAX + 4];
	unsigned i;
	int n = 0, r;

	if (dup2(errfd, STDERR_FILENO) < 0 || fcntl(sock, F_SETFD, 0) < 0)
		_exit(126);
	snprintf(a_fd, sizeof(a_fd), "--fd=%d", sock);
	argv[n++] = (char *)helper;
	argv[n++] = "--use-vnet";
	argv[n++] = a_fd;
	for (i = 0; i < nic_nfields; i++) {
		const struct nic_field *f = &nic_fields[i];
		char name[NIC_FIELD_NAME_MAX], *a = args[i];
		size_t k;

		if (!(f->fronts & FRONT_HELPER))
			continue;
		k = (size_t)snprintf(a, sizeof(args[i]), "%s=", nic_field_name(f, FRONT_HELPER, name));
		r = nic_field_format(spec, f, a + k, sizeof(args[i]) - k);
		/* A field left out would be a NIC other than the one asked for
		 * (a trunk list too long for this buffer: an untagged port). */
		if (r < 0) {
			dprintf(STDERR_FILENO, "%s: %s too long for the helper's command line\n",
				helper, name);
			_exit(126);
		}
		if (r == 1)
			argv[n++] = a;
	}
	argv[n] = NULL;
	execv(helper, argv);
	dprintf(STDERR_FILENO, "%s: %s\n", helper, strerror(errno));
	_exit(127);
}

int nic_from_helper(const char *helper, const struct nic_spec *spec, struct nic *out,
		    struct vmtap_err *warn, struct vmtap_err *err)
{
	int sv[2] = { -1, -1 }, ep[2] = { -1, -1 }, fds[NIC_FDS_MAX];
	char hdr[REPLY_MAX], text[1024];
	unsigned nfds = 0, i;
	size_t len = 0;
	int status, r;
	pid_t pid;

	nic_init(out);
	if (access(helper, X_OK) < 0)
		return vmtap_fail(err, -errno, "helper %s: %s; give --helper=PATH or install vmtap",
				  helper, strerror(errno));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(ep, O_CLOEXEC) < 0) {
		r = vmtap_fail(err, -errno, "cannot make a socket for the helper: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = vmtap_fail(err, -errno, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(helper, spec, sv[1], ep[1]);
	close(sv[1]);
	close(ep[1]);
	sv[1] = ep[1] = -1;

	r = fd_recv(sv[0], hdr, sizeof(hdr) - 1, &len, fds, NIC_FDS_MAX, &nfds);
	/* The helper exits right after sending; its stderr is short. */
	read_all(ep[0], text, sizeof(text));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || r < 0 || len == 0) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		last_line(text, err, -EIO);
		if (r < 0)
			r = vmtap_fail(err, r, "no reply from helper %s: %s", helper, strerror(-r));
		else
			r = vmtap_fail(err, -EIO, "helper %s failed (%s %d)", helper,
				       WIFEXITED(status) ? "exit status" : "signal",
				       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		goto out;
	}
	last_line(text, warn, 0);
	hdr[len] = '\0';
	if ((r = reply_decode(hdr, len, nfds, out, err)) < 0) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		nic_init(out);
		goto out;
	}
	nic_fds_take(out, fds);
	r = 0;
out:
	for (i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return r;
}

/* -ENOENT or -ECONNREFUSED, with nothing recorded in err, when no daemon
 * answers at path: the one case in which the helper is tried instead.
 * Anything the daemon says (a denial too) is final. */
static int nic_from_daemon(const char *path, const struct nic_spec *spec, int watch_pidfd,
			   struct nic *out, struct vmtap_err *warn, struct vmtap_err *err)
{
	struct vmtap_err cerr = { "" };
	struct vmtapd_client *c;
	int r;

	nic_init(out);
	r = vmtapd_client_open(path, &c, &cerr);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return r;
	if (r < 0)
		return vmtap_fail(err, r, "%s", cerr.msg);
	r = vmtapd_client_create_nic_watched(c, spec, watch_pidfd, out, err);
	if (r == 0 && vmtapd_client_warning(c)[0])
		vmtap_fail(warn, 0, "%s", vmtapd_client_warning(c));
	vmtapd_client_close(c);
	return r;
}

/* Root makes a NIC in another namespace itself, having opened the path
 * with its own rights (netns.h): no daemon or helper needed.  A macvtap
 * there comes from vmtapd like any macvtap (its watch deletes it). */
static int nic_in_netns_as_root(const struct nic_spec *spec, struct nic *out,
				struct vmtap_err *warn, struct vmtap_err *err)
{
	int fd, r;

	nic_init(out);
	if ((r = netns_open(spec->netns, &fd, err)) < 0)
		return r;
	r = netns_make_nic(fd, spec, PROVISION_ROOT, out, warn, err);
	close(fd);
	return r;
}

int nic_obtain(const struct obtain_opts *o, const struct nic_spec *spec, struct nic *out,
	       struct vmtap_err *warn, struct vmtap_err *err)
{
	const char *sock = o->socket_path ? o->socket_path : VMTAPD_SOCKET;
	int r;

	if (o->watch) {
		r = nic_from_daemon(sock, spec, o->watch_pidfd, out, warn, err);
		if (r == -ENOENT || r == -ECONNREFUSED)
			r = vmtap_fail(err, r, "macvtap=%s: needs vmtapd, which deletes the macvtap "
				       "when QEMU exits (none answers at %s); without it nobody would",
				       spec->macvtap, sock);
		return r;
	}
	/* Not a macvtap: only vmtapd's watch deletes one when QEMU exits. */
	if (spec->netns[0] && !spec->macvtap[0] && geteuid() == 0)
		return nic_in_netns_as_root(spec, out, warn, err);
	r = nic_from_daemon(sock, spec, -1, out, warn, err);

	if (r != -ENOENT && r != -ECONNREFUSED)
		return r;
	return nic_from_helper(o->helper_path ? o->helper_path : helper_default_path(), spec, out,
			       warn, err);
}
