#include "events/event.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

const char *const event_kind_names[ST_EV_NR] = {
	[ST_EV_CONNECT] = "connect",
	[ST_EV_ACCEPT] = "accept",
	[ST_EV_CLOSE] = "close",
	[ST_EV_DATA] = "data",
	[ST_EV_EXIT] = "exit",
	[ST_EV_CONNECTED] = "connected",
	[ST_EV_EXEC] = "exec",
	[ST_EV_RELEASE] = "release",
};

const char *const event_syscall_names[ST_SYS_NR] = {
	[ST_SYS_READ] = "read",         [ST_SYS_WRITE] = "write",
	[ST_SYS_READV] = "readv",       [ST_SYS_WRITEV] = "writev",
	[ST_SYS_SENDTO] = "sendto",     [ST_SYS_RECVFROM] = "recvfrom",
	[ST_SYS_SENDMSG] = "sendmsg",   [ST_SYS_RECVMSG] = "recvmsg",
	[ST_SYS_SENDMMSG] = "sendmmsg", [ST_SYS_RECVMMSG] = "recvmmsg",
	[ST_SYS_SENDFILE] = "sendfile", [ST_SYS_SPLICE] = "splice",
	[ST_SYS_IO_URING] = "io_uring",
	[ST_SYS_OPENSSL] = "openssl",   [ST_SYS_GNUTLS] = "gnutls",
	[ST_SYS_GO_TLS] = "go-tls",
};

const char *const event_capture_cut_names[ST_CUT_NR] = {
	[ST_CUT_NONE] = "",
	[ST_CUT_DATA_SIZE] = "data-size",
	[ST_CUT_IOVECS] = "iovec-limit",
	[ST_CUT_NO_BUFFER] = "no-buffer",
	[ST_CUT_MMSG] = "message-limit",
	[ST_CUT_UNREADABLE] = "unreadable",
	[ST_CUT_TLS_RECORD] = "tls-record",
};

const char *const event_direction_names[ST_DIR_NR] = {
	[ST_DIR_SEND] = "send",
	[ST_DIR_RECV] = "recv",
};

static void header_decode(const struct st_event_header *hdr, int64_t mono_to_wall_ns,
			  struct event *ev)
{
	ev->kind = hdr->kind;
	ev->pid = hdr->pid;
	ev->tid = hdr->tid;
	ev->fd = hdr->fd;
	ev->ts_ns = hdr->ts_ns;
	ev->wall_ns = hdr->ts_ns + mono_to_wall_ns;
	memcpy(ev->comm, hdr->comm, sizeof(ev->comm));
	memcpy(ev->process_name, hdr->comm, sizeof(ev->process_name));
}

static int conn_decode(const void *raw, int size, int64_t mono_to_wall_ns, struct event *ev)
{
	struct st_conn_event conn;

	if ((size_t)size < sizeof(conn))
		return -EINVAL;
	memcpy(&conn, raw, sizeof(conn));
	if (conn.addr_len > ST_ADDR_MAX)
		return -EINVAL;
	header_decode(&conn.hdr, mono_to_wall_ns, ev);
	ev->result = conn.result;
	ev->duration_ns = conn.duration_ns;
	ev->bytes_sent = conn.bytes_sent;
	ev->bytes_recv = conn.bytes_recv;
	ev->sk = conn.sk;
	ev->family = conn.family;
	ev->sock_type = conn.sock_type;
	ev->sock_flags = conn.sock_flags;
	ev->listen_fd = conn.listen_fd;
	format_sockaddr(conn.addr, conn.addr_len, ev->remote, sizeof(ev->remote));
	return 0;
}

/* Plaintext comes from a TLS library's call and ciphertext from a
 * syscall; a plaintext event without a socket has no fd, and one with a
 * socket has one. */
static bool tls_flags_valid(const struct st_data_event *data)
{
	bool library = data->syscall >= ST_SYS_OPENSSL && data->syscall <= ST_SYS_GO_TLS;
	bool plaintext = data->tls & ST_TLS_PLAINTEXT;

	const uint16_t from_session = ST_TLS_FD_CACHED | ST_TLS_FD_ADJACENT | ST_TLS_NO_SOCKET;

	if (data->tls & ~(ST_TLS_PLAINTEXT | ST_TLS_CIPHERTEXT | from_session))
		return false;
	if (library != plaintext || (plaintext && (data->tls & ST_TLS_CIPHERTEXT)) ||
	    (!plaintext && (data->tls & from_session)))
		return false;
	/* one way of knowing the socket at most */
	if ((data->tls & from_session) & ((data->tls & from_session) - 1))
		return false;
	if (data->tls & ST_TLS_NO_SOCKET)
		return data->hdr.fd == -1 && !data->addr_len;
	return data->hdr.fd >= 0 || !plaintext;
}

static int data_decode(const void *raw, int size, int64_t mono_to_wall_ns, struct event *ev)
{
	struct st_data_event data; /* header part only: the payload stays in raw */

	if ((size_t)size < ST_DATA_EVENT_HEADER_SIZE)
		return -EINVAL;
	memcpy(&data, raw, ST_DATA_EVENT_HEADER_SIZE);
	if (data.captured > ST_DATA_MAX || data.delivered > data.bytes ||
	    data.captured > data.delivered ||
	    ST_DATA_EVENT_HEADER_SIZE + data.captured > (size_t)size ||
	    data.addr_len > ST_ADDR_MAX || data.addr_kind > ST_ADDR_CONNECTION_PEER ||
	    data.capture_cut >= ST_CUT_NR || (data.capture_cut != ST_CUT_NONE) !=
						   (data.captured < data.delivered) ||
	    data.syscall == 0 || data.syscall >= ST_SYS_NR ||
	    data.direction == 0 || data.direction >= ST_DIR_NR || !tls_flags_valid(&data))
		return -EINVAL;
	header_decode(&data.hdr, mono_to_wall_ns, ev);
	ev->bytes = data.bytes;
	ev->pos = data.pos;
	ev->undelivered = data.bytes - data.delivered;
	ev->sock_open_ns = data.sock_open_ns;
	ev->sk = data.sk;
	ev->captured = data.captured;
	ev->capture_cut = data.capture_cut;
	ev->syscall = data.syscall;
	ev->direction = data.direction;
	ev->family = data.family;
	ev->sock_type = data.sock_type;
	ev->sock_flags = data.sock_flags;
	ev->connection_peer = data.addr_kind == ST_ADDR_CONNECTION_PEER;
	ev->tls = data.tls;
	ev->data = (const uint8_t *)raw + ST_DATA_EVENT_HEADER_SIZE;
	format_sockaddr(data.addr, data.addr_len, ev->remote, sizeof(ev->remote));
	return 0;
}

int event_decode(const void *raw, int size, int64_t mono_to_wall_ns, struct event *ev)
{
	struct st_event_header hdr;

	memset(ev, 0, sizeof(*ev));
	if (size < (int)sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, raw, sizeof(hdr));
	switch (hdr.kind) {
	case ST_EV_CONNECT:
	case ST_EV_ACCEPT:
	case ST_EV_CLOSE:
	case ST_EV_CONNECTED:
		return conn_decode(raw, size, mono_to_wall_ns, ev);
	case ST_EV_DATA:
		return data_decode(raw, size, mono_to_wall_ns, ev);
	case ST_EV_EXIT:
		header_decode(&hdr, mono_to_wall_ns, ev);
		return 0;
	default:
		return -EINVAL;
	}
}
