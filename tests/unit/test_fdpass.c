/* SCM_RIGHTS over a real socketpair: fds arrive CLOEXEC, and a message we
 * reject (too many fds) leaves no fd open in the receiver. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/core/fdpass.h"

static int count_open_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void passes_fds_cloexec(void **state)
{
	int sv[2], p[2], got[4];
	unsigned n;
	size_t len;
	char buf[16];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fd_send(sv[0], "hi", 2, p, 2), 0);
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), &len, got, 4, &n), 0);
	assert_int_equal(len, 2);
	assert_int_equal(n, 2);
	assert_true(fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(got[1], "x", 1), 1);
	assert_int_equal(read(p[0], buf, 1), 1);
	close(got[0]);
	close(got[1]);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void rejects_more_fds_than_expected_and_closes_them(void **state)
{
	int sv[2], p[2], got[1];
	unsigned n;
	size_t len;
	char buf[16];
	int before;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fd_send(sv[0], "x", 1, p, 2), 0);
	close(p[0]);
	close(p[1]);
	before = count_open_fds();
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), &len, got, 1, &n), -EPROTO);
	assert_int_equal(n, 0);
	assert_int_equal(count_open_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void oversized_datagram_is_refused(void **state)
{
	int sv[2], p[2], got[2];
	unsigned n;
	size_t len;
	char buf[4];
	int before;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fd_send(sv[0], "too long", 8, p, 2), 0);
	close(p[0]);
	close(p[1]);
	before = count_open_fds();
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), &len, got, 2, &n), -EMSGSIZE);
	assert_int_equal(count_open_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void end_of_stream(void **state)
{
	int sv[2], got[1];
	unsigned n;
	size_t len = 99;
	char buf[4];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[0]);
	assert_int_equal(fd_recv(sv[1], buf, sizeof(buf), &len, got, 1, &n), 0);
	assert_int_equal(len, 0);
	assert_int_equal(n, 0);
	close(sv[1]);
}

static void send_to_closed_peer_is_epipe_not_a_signal(void **state)
{
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);
	assert_int_equal(fd_send(sv[0], "x", 1, NULL, 0), -EPIPE);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passes_fds_cloexec),
		cmocka_unit_test(rejects_more_fds_than_expected_and_closes_them),
		cmocka_unit_test(oversized_datagram_is_refused),
		cmocka_unit_test(end_of_stream),
		cmocka_unit_test(send_to_closed_peer_is_epipe_not_a_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
