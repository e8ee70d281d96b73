/* event_decode: every field of connect/close/data samples, and refusal of
 * malformed ones. */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

#include "check.h"
#include "events/event.h"

#define MONO_TO_WALL 1700000000000000000LL

/* struct sockaddr_in for 10.0.0.2:443 as the BPF side copies it: family
 * AF_INET (2, host order), port 0x01bb (network order), address, padding. */
static const uint8_t sin_10_0_0_2_443[] = {
	0x02, 0x00, 0x01, 0xbb, 0x0a, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* A recvfrom peer: struct sockaddr_in for 192.168.1.1:53. */
static const uint8_t sin_dns[] = {
	0x02, 0x00, 0x00, 0x35, 0xc0, 0xa8, 0x01, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* The start of an HTTP request, with a CR LF. */
static const uint8_t payload[] = {
	'G', 'E', 'T', ' ', '/', ' ', 'H', 'T',
	'T', 'P', '/', '1', '.', '1', '\r', '\n',
};

static void header_fill(struct st_event_header *hdr, uint32_t kind)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->kind = kind;
	hdr->pid = 4242;
	hdr->tid = 4243;
	hdr->fd = 7;
	hdr->ts_ns = 123456789;
	memcpy(hdr->comm, "curl", 4);
}

static void header_check(const struct event *ev, uint32_t kind)
{
	CHECK_INT(ev->kind, kind);
	CHECK_INT(ev->pid, 4242);
	CHECK_INT(ev->tid, 4243);
	CHECK_INT(ev->fd, 7);
	CHECK_INT(ev->ts_ns, 123456789);
	CHECK_INT(ev->wall_ns, 123456789 + MONO_TO_WALL);
	CHECK(memcmp(ev->comm, "curl\0\0\0\0\0\0\0\0\0\0\0\0", ST_COMM_LEN) == 0);
}

static struct st_conn_event conn_sample(uint32_t kind)
{
	struct st_conn_event conn;

	memset(&conn, 0, sizeof(conn));
	header_fill(&conn.hdr, kind);
	conn.result = -111;
	conn.duration_ns = 5000;
	conn.bytes_sent = 100;
	conn.bytes_recv = 200;
	conn.family = AF_INET;
	conn.sock_type = SOCK_STREAM;
	conn.sock_flags = ST_SOCK_REPORTED | ST_SOCK_CLIENT;
	conn.addr_len = sizeof(sin_10_0_0_2_443);
	memcpy(conn.addr, sin_10_0_0_2_443, sizeof(sin_10_0_0_2_443));
	return conn;
}

static void test_conn(void)
{
	static const uint32_t kinds[] = { ST_EV_CONNECT, ST_EV_ACCEPT, ST_EV_CLOSE };
	uint8_t raw[sizeof(struct st_conn_event) + 1];
	struct st_conn_event conn;
	struct event ev;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		conn = conn_sample(kinds[k]);
		memcpy(raw, &conn, sizeof(conn));
		CHECK_INT(event_decode(raw, sizeof(conn), MONO_TO_WALL, &ev), 0);
		header_check(&ev, kinds[k]);
		CHECK_INT(ev.result, -111);
		CHECK_INT(ev.duration_ns, 5000);
		CHECK_INT(ev.bytes_sent, 100);
		CHECK_INT(ev.bytes_recv, 200);
		CHECK_INT(ev.family, AF_INET);
		CHECK_INT(ev.sock_type, SOCK_STREAM);
		CHECK_INT(ev.sock_flags, ST_SOCK_REPORTED | ST_SOCK_CLIENT);
		CHECK_STR(ev.remote, "10.0.0.2:443");
		CHECK_INT(ev.captured, 0);
		CHECK(ev.data == NULL);
	}

	/* Unknown address: remote "". */
	conn = conn_sample(ST_EV_CLOSE);
	conn.addr_len = 0;
	CHECK_INT(event_decode(&conn, sizeof(conn), 0, &ev), 0);
	CHECK_STR(ev.remote, "");

	/* addr_len up to ST_ADDR_MAX is fine, one more is not. */
	conn = conn_sample(ST_EV_CONNECT);
	conn.addr_len = ST_ADDR_MAX;
	CHECK_INT(event_decode(&conn, sizeof(conn), 0, &ev), 0);
	conn.addr_len = ST_ADDR_MAX + 1;
	CHECK_INT(event_decode(&conn, sizeof(conn), 0, &ev), -EINVAL);

	/* Every prefix is too short. */
	conn = conn_sample(ST_EV_CONNECT);
	memcpy(raw, &conn, sizeof(conn));
	for (int n = 0; n < (int)sizeof(conn); n++)
		CHECK_INT(event_decode(raw, n, 0, &ev), -EINVAL);
	CHECK_INT(event_decode(raw, -1, 0, &ev), -EINVAL);

	/* Unknown kinds. */
	conn.hdr.kind = 0;
	CHECK_INT(event_decode(&conn, sizeof(conn), 0, &ev), -EINVAL);
	conn.hdr.kind = ST_EV_NR;
	CHECK_INT(event_decode(&conn, sizeof(conn), 0, &ev), -EINVAL);
	conn.hdr.kind = 0xffffffff;
	CHECK_INT(event_decode(&conn, sizeof(conn), 0, &ev), -EINVAL);

	/* At an odd address. */
	conn = conn_sample(ST_EV_ACCEPT);
	memcpy(raw + 1, &conn, sizeof(conn));
	CHECK_INT(event_decode(raw + 1, sizeof(conn), MONO_TO_WALL, &ev), 0);
	header_check(&ev, ST_EV_ACCEPT);
	CHECK_INT(ev.bytes_recv, 200);
	CHECK_STR(ev.remote, "10.0.0.2:443");
}

/* Header part of a data sample: write() of 16 bytes, all captured. */
static struct st_data_event data_hdr;

static void data_sample_fill(void)
{
	memset(&data_hdr, 0, ST_DATA_EVENT_HEADER_SIZE);
	header_fill(&data_hdr.hdr, ST_EV_DATA);
	data_hdr.bytes = sizeof(payload);
	data_hdr.pos = 1000;
	data_hdr.delivered = sizeof(payload);
	data_hdr.captured = sizeof(payload);
	data_hdr.syscall = ST_SYS_WRITE;
	data_hdr.direction = ST_DIR_SEND;
	data_hdr.family = AF_INET;
	data_hdr.sock_type = SOCK_STREAM;
	data_hdr.sock_flags = ST_SOCK_REPORTED | ST_SOCK_SERVER;
}

/* Header then payload at raw; returns the sample size. */
static int data_sample_build(uint8_t *raw)
{
	memcpy(raw, &data_hdr, ST_DATA_EVENT_HEADER_SIZE);
	memcpy(raw + ST_DATA_EVENT_HEADER_SIZE, payload, sizeof(payload));
	return ST_DATA_EVENT_HEADER_SIZE + sizeof(payload);
}

static int data_decode_with(uint8_t *raw, int size)
{
	struct event ev;

	data_sample_build(raw);
	return event_decode(raw, size, 0, &ev);
}

static void test_data(void)
{
	/* Room for a sample, 8 bytes of perf padding, and an odd start. */
	static uint8_t raw[ST_DATA_EVENT_HEADER_SIZE + sizeof(payload) + 9];
	struct event ev;
	int size;

	data_sample_fill();
	size = data_sample_build(raw);
	CHECK_INT(event_decode(raw, size, MONO_TO_WALL, &ev), 0);
	header_check(&ev, ST_EV_DATA);
	CHECK_INT(ev.bytes, sizeof(payload));
	CHECK_INT(ev.pos, 1000);
	CHECK_INT(ev.captured, sizeof(payload));
	CHECK_INT(ev.syscall, ST_SYS_WRITE);
	CHECK_INT(ev.direction, ST_DIR_SEND);
	CHECK_INT(ev.family, AF_INET);
	CHECK_INT(ev.sock_type, SOCK_STREAM);
	CHECK_INT(ev.sock_flags, ST_SOCK_REPORTED | ST_SOCK_SERVER);
	CHECK_STR(ev.remote, "");
	CHECK(ev.data == raw + ST_DATA_EVENT_HEADER_SIZE);
	CHECK(memcmp(ev.data, payload, sizeof(payload)) == 0);
	CHECK_INT(ev.gap_bytes, 0);

	/* Perf pads samples: extra bytes after the payload are fine. */
	CHECK_INT(event_decode(raw, size + 8, 0, &ev), 0);
	CHECK_INT(ev.captured, sizeof(payload));

	/* A datagram peer and a truncated capture (recvfrom of 1500 bytes). */
	data_hdr.syscall = ST_SYS_RECVFROM;
	data_hdr.direction = ST_DIR_RECV;
	data_hdr.bytes = 1500;
	data_hdr.delivered = 1500;
	data_hdr.capture_cut = ST_CUT_DATA_SIZE;
	data_hdr.sock_type = SOCK_DGRAM;
	data_hdr.addr_len = sizeof(sin_dns);
	memcpy(data_hdr.addr, sin_dns, sizeof(sin_dns));
	size = data_sample_build(raw);
	CHECK_INT(event_decode(raw, size, 0, &ev), 0);
	CHECK_INT(ev.syscall, ST_SYS_RECVFROM);
	CHECK_INT(ev.direction, ST_DIR_RECV);
	CHECK_INT(ev.bytes, 1500);
	CHECK_INT(ev.captured, sizeof(payload));
	CHECK_STR(ev.remote, "192.168.1.1:53");

	CHECK_INT(ev.undelivered, 0);

	/* recvfrom(MSG_TRUNC) of a 1500-byte datagram into a 16-byte buffer. */
	data_hdr.delivered = sizeof(payload);
	data_hdr.capture_cut = ST_CUT_NONE;
	size = data_sample_build(raw);
	CHECK_INT(event_decode(raw, size, 0, &ev), 0);
	CHECK_INT(ev.bytes, 1500);
	CHECK_INT(ev.undelivered, 1500 - sizeof(payload));
	CHECK_INT(ev.captured, sizeof(payload));

	/* Nothing captured (sendfile, or --data-size 0): header alone. */
	data_hdr.captured = 0;
	data_hdr.capture_cut = ST_CUT_NO_BUFFER;
	data_sample_build(raw);
	CHECK_INT(event_decode(raw, ST_DATA_EVENT_HEADER_SIZE, 0, &ev), 0);
	CHECK_INT(ev.captured, 0);

	/* At an odd address. */
	data_sample_fill();
	size = data_sample_build(raw + 1);
	CHECK_INT(event_decode(raw + 1, size, MONO_TO_WALL, &ev), 0);
	header_check(&ev, ST_EV_DATA);
	CHECK_INT(ev.pos, 1000);
	CHECK_INT(ev.captured, sizeof(payload));
	CHECK(ev.data == raw + 1 + ST_DATA_EVENT_HEADER_SIZE);
	CHECK(memcmp(ev.data, payload, sizeof(payload)) == 0);

	/* Every prefix is too short: the header, then the payload. */
	data_sample_fill();
	size = data_sample_build(raw);
	for (int n = 0; n < size; n++)
		CHECK_INT(event_decode(raw, n, 0, &ev), -EINVAL);

	/* Malformed lengths and enums. */
	data_sample_fill();
	data_hdr.captured = data_hdr.bytes + 1; /* captured > bytes */
	CHECK_INT(data_decode_with(raw, sizeof(raw)), -EINVAL);
	data_sample_fill();
	data_hdr.capture_cut = ST_CUT_DATA_SIZE; /* a cut, with nothing cut */
	CHECK_INT(data_decode_with(raw, sizeof(raw)), -EINVAL);
	data_sample_fill();
	data_hdr.bytes = data_hdr.delivered = 100; /* something cut, no reason */
	CHECK_INT(data_decode_with(raw, sizeof(raw)), -EINVAL);
	data_hdr.capture_cut = ST_CUT_NR;
	CHECK_INT(data_decode_with(raw, sizeof(raw)), -EINVAL);
	data_hdr.capture_cut = ST_CUT_IOVECS;
	CHECK_INT(data_decode_with(raw, sizeof(raw)), 0);
	data_sample_fill();
	data_hdr.delivered = data_hdr.bytes + 1; /* delivered > bytes */
	CHECK_INT(data_decode_with(raw, sizeof(raw)), -EINVAL);
	data_sample_fill();
	data_hdr.delivered = data_hdr.captured - 1; /* captured > delivered */
	CHECK_INT(data_decode_with(raw, sizeof(raw)), -EINVAL);
	data_sample_fill();
	data_hdr.bytes = 100000;
	data_hdr.captured = sizeof(payload) + 1; /* more than the sample holds */
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.captured = ST_DATA_MAX + 1;
	CHECK_INT(data_decode_with(raw, sizeof(raw)), -EINVAL);
	data_hdr.captured = 0xffffffff; /* would wrap a 32-bit sum */
	CHECK_INT(data_decode_with(raw, sizeof(raw)), -EINVAL);
	data_sample_fill();
	data_hdr.addr_len = ST_ADDR_MAX + 1;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.addr_len = ST_ADDR_MAX;
	CHECK_INT(data_decode_with(raw, size), 0);
	data_sample_fill();
	data_hdr.syscall = 0;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.syscall = ST_SYS_NR;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.syscall = ST_SYS_SENDFILE;
	CHECK_INT(data_decode_with(raw, size), 0);
	data_sample_fill();
	data_hdr.direction = 0;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.direction = ST_DIR_NR;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.direction = ST_DIR_RECV;
	CHECK_INT(data_decode_with(raw, size), 0);
}

/* TLS plaintext and records: the flags must agree with the syscall, the
 * fd and each other. */
static void test_tls(void)
{
	static uint8_t raw[ST_DATA_EVENT_HEADER_SIZE + sizeof(payload)];
	struct event ev;
	int size;

	/* SSL_write's 16 bytes on fd 7, its socket from a syscall inside it. */
	data_sample_fill();
	data_hdr.syscall = ST_SYS_OPENSSL;
	data_hdr.tls = ST_TLS_PLAINTEXT;
	size = data_sample_build(raw);
	CHECK_INT(event_decode(raw, size, 0, &ev), 0);
	CHECK_INT(ev.tls, ST_TLS_PLAINTEXT);
	CHECK_INT(ev.syscall, ST_SYS_OPENSSL);
	CHECK_STR(event_syscall_names[ev.syscall], "openssl");
	data_hdr.tls = ST_TLS_PLAINTEXT | ST_TLS_FD_CACHED;
	CHECK_INT(data_decode_with(raw, size), 0);
	data_hdr.tls = ST_TLS_PLAINTEXT | ST_TLS_FD_ADJACENT;
	data_hdr.syscall = ST_SYS_GO_TLS;
	CHECK_INT(data_decode_with(raw, size), 0);
	CHECK_STR(event_syscall_names[ST_SYS_GO_TLS], "go-tls");
	CHECK_STR(event_syscall_names[ST_SYS_GNUTLS], "gnutls");
	/* two ways of knowing the socket at once */
	data_hdr.tls = ST_TLS_PLAINTEXT | ST_TLS_FD_ADJACENT | ST_TLS_FD_CACHED;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	/* plaintext from a syscall, or a library call without plaintext */
	data_hdr.tls = ST_TLS_PLAINTEXT;
	data_hdr.syscall = ST_SYS_WRITE;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.tls = 0;
	data_hdr.syscall = ST_SYS_GNUTLS;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	/* a bit no one defined */
	data_hdr.tls = ST_TLS_PLAINTEXT | 0x100;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);

	/* A session on no known socket: fd -1 and no peer, or it is refused. */
	data_sample_fill();
	data_hdr.syscall = ST_SYS_OPENSSL;
	data_hdr.tls = ST_TLS_PLAINTEXT | ST_TLS_NO_SOCKET;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.hdr.fd = -1;
	CHECK_INT(data_decode_with(raw, size), 0);
	CHECK_INT(event_decode(raw, size, 0, &ev), 0);
	CHECK_INT(ev.fd, -1);
	data_hdr.addr_len = sizeof(sin_dns);
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	/* plaintext on fd -1 that claims a socket */
	data_hdr.addr_len = 0;
	data_hdr.tls = ST_TLS_PLAINTEXT;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);

	/* A record moved inside a TLS call: a syscall's event, never plaintext. */
	data_sample_fill();
	data_hdr.tls = ST_TLS_CIPHERTEXT;
	CHECK_INT(data_decode_with(raw, size), 0);
	CHECK_INT(event_decode(raw, size, 0, &ev), 0);
	CHECK_INT(ev.tls, ST_TLS_CIPHERTEXT);
	data_hdr.tls = ST_TLS_CIPHERTEXT | ST_TLS_FD_CACHED;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
	data_hdr.syscall = ST_SYS_OPENSSL;
	data_hdr.tls = ST_TLS_CIPHERTEXT | ST_TLS_PLAINTEXT;
	CHECK_INT(data_decode_with(raw, size), -EINVAL);
}

int main(void)
{
	test_conn();
	test_data();
	test_tls();
	return check_report("test_event_decode");
}
