/* fds_send/fds_receive over a real SOCK_SEQPACKET socketpair: the fds that
 * arrive are open, close-on-exec and lead to the same files; a peer that
 * closes, a message of the wrong size and too many fds are errors. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "base/fd_passing.h"

struct payload {
	int count;
	char name[12];
};

static void test_fds_arrive_working(void)
{
	int sock[2], pipes[3][2], got[FD_PASSING_MAX];
	struct payload sent = { 3, "three pipes" }, received = { 0 };
	int write_ends[3];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK(pipe(pipes[i]) == 0);
		write_ends[i] = pipes[i][1];
	}
	CHECK_INT(fds_send(sock[0], &sent, sizeof(sent), write_ends, 3), 0);
	for (int i = 0; i < 3; i++)
		close(pipes[i][1]); /* the received copies keep the pipes open */
	CHECK_INT(fds_receive(sock[1], &received, sizeof(received), got, FD_PASSING_MAX), 3);
	CHECK_INT(received.count, 3);
	CHECK_STR(received.name, "three pipes");
	for (int i = 0; i < 3; i++) {
		char byte = 'a' + i, back = 0;
		CHECK(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
		CHECK_INT(write(got[i], &byte, 1), 1);
		CHECK_INT(read(pipes[i][0], &back, 1), 1);
		CHECK_INT(back, 'a' + i);
		close(got[i]);
		close(pipes[i][0]);
	}
	close(sock[0]);
	close(sock[1]);
}

static void test_errors(void)
{
	int sock[2], got[2], fds[3];
	struct payload msg = { 1, "x" }, big[2] = { { 0 } };

	/* the peer closed without a word */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock) == 0);
	close(sock[0]);
	CHECK_INT(fds_receive(sock[1], &msg, sizeof(msg), got, 2), -EPIPE);
	close(sock[1]);

	/* a message of another size */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock) == 0);
	CHECK_INT(fds_send(sock[0], big, sizeof(big), NULL, 0), 0);
	CHECK_INT(fds_receive(sock[1], &msg, sizeof(msg), got, 2), -EBADMSG);
	close(sock[0]);
	close(sock[1]);

	/* more fds than room: all closed, an error */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock) == 0);
	for (int i = 0; i < 3; i++)
		fds[i] = open("/dev/null", O_RDONLY);
	int before = fcntl(fds[2], F_DUPFD, 0); /* the lowest free fd now */
	close(before);
	CHECK_INT(fds_send(sock[0], &msg, sizeof(msg), fds, 3), 0);
	CHECK_INT(fds_receive(sock[1], &msg, sizeof(msg), got, 2), -EBADMSG);
	int after = fcntl(fds[2], F_DUPFD, 0);
	CHECK_INT(after, before); /* nothing received was left open */
	close(after);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	CHECK_INT(fds_send(sock[0], &msg, sizeof(msg), fds, FD_PASSING_MAX + 1), -EINVAL);
	close(sock[0]);
	close(sock[1]);
}

int main(void)
{
	test_fds_arrive_working();
	test_errors();
	return check_report("test_fd_passing");
}
