/* A TCP client whose data goes through io_uring only: connect() as usual,
 * then IORING_OP_SEND of `size` bytes in chunks and IORING_OP_RECV until
 * the server's reply of `reply` bytes. Prints what it moved as JSON, for
 * tests/integration/test_io_uring.py. */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK 16384

static int ring_io(struct io_uring *ring, int fd, char *buf, size_t len, int send)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res;

	if (!sqe)
		return -1;
	if (send)
		io_uring_prep_send(sqe, fd, buf, len, 0);
	else
		io_uring_prep_recv(sqe, fd, buf, len, 0);
	if (io_uring_submit(ring) != 1 || io_uring_wait_cqe(ring, &cqe))
		return -1;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	static char buf[CHUNK];
	struct io_uring ring;
	long size, reply, sent = 0, received = 0;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: uring_client PORT SIZE REPLY\n");
		return 2;
	}
	addr.sin_port = htons(atoi(argv[1]));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	size = atol(argv[2]);
	reply = atol(argv[3]);
	memset(buf, 'u', sizeof(buf));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    io_uring_queue_init(8, &ring, 0)) {
		perror("uring_client");
		return 1;
	}
	while (sent < size) {
		long want = size - sent < CHUNK ? size - sent : CHUNK;
		int n = ring_io(&ring, fd, buf, want, 1);
		if (n <= 0)
			return 1;
		sent += n;
	}
	while (received < reply) {
		int n = ring_io(&ring, fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return 1;
		received += n;
	}
	printf("{\"pid\": %d, \"fd\": %d, \"sent\": %ld, \"received\": %ld}\n", getpid(), fd, sent,
	       received);
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}
