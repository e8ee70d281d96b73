/* conn_table: the hash table itself, then conn_table_apply. */
#include <stdio.h>

#include "check.h"
#include "state/conn_table.h"

/* The protocol state the table last handed back to be freed. */
static struct proto_conn *freed;

static void proto_record(void *ctx, struct proto_conn **proto)
{
	(void)ctx;
	freed = *proto;
	*proto = NULL;
}

/* Tags each entry with its own key so moved entries can be checked. */
static void tag(struct conn *conn, uint32_t pid, int32_t fd)
{
	snprintf(conn->sock->remote, sizeof(conn->sock->remote), "%u/%d", pid, fd);
}

static int tagged(const struct conn *conn, uint32_t pid, int32_t fd)
{
	char expected[32];

	snprintf(expected, sizeof(expected), "%u/%d", pid, fd);
	return conn && conn->pid == pid && conn->fd == fd && !strcmp(conn->sock->remote, expected);
}

static void test_basic(void)
{
	struct conn_table table;
	struct conn *a, *b;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);
	CHECK(conn_table_lookup(&table, 1, 3) == NULL);
	a = conn_table_upsert(&table, 1, 3);
	CHECK(a != NULL);
	CHECK(a->used && a->pid == 1 && a->fd == 3 && a->sock->remote[0] == '\0');
	CHECK_INT(table.count, 1);
	strcpy(a->sock->remote, "1.2.3.4:80");
	CHECK(conn_table_upsert(&table, 1, 3) == a); /* existing: same entry, kept */
	CHECK_STR(a->sock->remote, "1.2.3.4:80");
	CHECK_INT(table.count, 1);
	CHECK(conn_table_lookup(&table, 1, 3) == a);
	CHECK(conn_table_lookup(&table, 1, 4) == NULL);
	CHECK(conn_table_lookup(&table, 3, 1) == NULL);
	b = conn_table_upsert(&table, 1, -1); /* negative fd is a key like any */
	CHECK(b != NULL && b != a);
	CHECK_INT(table.count, 2);

	conn_table_remove(&table, 1, 3);
	CHECK(conn_table_lookup(&table, 1, 3) == NULL);
	CHECK_INT(table.count, 1);
	conn_table_remove(&table, 1, 3); /* absent: no-op */
	CHECK_INT(table.count, 1);
	CHECK(conn_table_lookup(&table, 1, -1) != NULL);

	conn_table_set_remote(&table, 9, 9, "[::1]:22");
	CHECK_STR(conn_table_lookup(&table, 9, 9)->sock->remote, "[::1]:22");
	conn_table_free(&table);
	CHECK(table.slots == NULL);
}

/* Inserts n keys, removes every third, and checks every key's presence and
 * contents, so backward-shift deletion is exercised at that load. */
static void test_many(uint32_t n)
{
	struct conn_table table;
	int missing = 0, stale = 0;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pid = 1000 + i / 10;
		int32_t fd = i % 10;
		struct conn *conn = conn_table_upsert(&table, pid, fd);

		CHECK(conn != NULL);
		if (conn)
			tag(conn, pid, fd);
	}
	CHECK_INT(table.count, n);
	for (uint32_t i = 0; i < n; i += 3)
		conn_table_remove(&table, 1000 + i / 10, i % 10);
	CHECK_INT(table.count, n - (n + 2) / 3);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pid = 1000 + i / 10;
		int32_t fd = i % 10;
		struct conn *conn = conn_table_lookup(&table, pid, fd);

		if (i % 3 == 0)
			stale += conn != NULL;
		else
			missing += !tagged(conn, pid, fd);
	}
	CHECK_INT(missing, 0);
	CHECK_INT(stale, 0);
	/* A free slot keeps nothing of an entry that moved out of it: the
	 * session frees each used slot's proto once, and only those. */
	int leftovers = 0;
	for (uint32_t i = 0; i < CONN_TABLE_CAPACITY; i++)
		leftovers += !table.slots[i].used && table.slots[i].pid;
	CHECK_INT(leftovers, 0);

	/* Remove the rest: the table ends empty, every slot free. */
	for (uint32_t i = 0; i < n; i++)
		if (i % 3)
			conn_table_remove(&table, 1000 + i / 10, i % 10);
	CHECK_INT(table.count, 0);
	for (uint32_t i = 0; i < CONN_TABLE_CAPACITY; i++)
		if (table.slots[i].used) {
			CHECK(!table.slots[i].used);
			break;
		}
	conn_table_free(&table);
}

static void test_full(void)
{
	struct conn_table table;
	int failed = 0;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);
	for (uint32_t i = 0; i < CONN_TABLE_CAPACITY - 1; i++)
		failed += conn_table_upsert(&table, i, 3) == NULL;
	CHECK_INT(failed, 0);
	CHECK_INT(table.count, CONN_TABLE_CAPACITY - 1);
	/* New keys are refused; existing ones are still found. */
	CHECK(conn_table_upsert(&table, 100000, 3) == NULL);
	CHECK(conn_table_lookup(&table, 100000, 3) == NULL);
	CHECK(conn_table_upsert(&table, 5, 3) != NULL);
	CHECK(conn_table_lookup(&table, CONN_TABLE_CAPACITY - 2, 3) != NULL);
	CHECK_INT(table.count, CONN_TABLE_CAPACITY - 1);
	/* A removal makes room again. */
	conn_table_remove(&table, 5, 3);
	CHECK(conn_table_upsert(&table, 100000, 3) != NULL);
	CHECK(conn_table_lookup(&table, 100000, 3) != NULL);
	CHECK(conn_table_upsert(&table, 100001, 3) == NULL);
	conn_table_free(&table);
}

static struct event event_make(uint32_t kind, uint32_t pid, int32_t fd, const char *remote)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.pid = pid;
	ev.fd = fd;
	snprintf(ev.remote, sizeof(ev.remote), "%s", remote);
	return ev;
}

static struct event data_make(uint32_t pid, int32_t fd, uint8_t dir, uint64_t pos,
			      uint64_t bytes, uint32_t captured, const char *remote)
{
	struct event ev = event_make(ST_EV_DATA, pid, fd, remote);

	ev.direction = dir;
	ev.syscall = dir == ST_DIR_SEND ? ST_SYS_WRITE : ST_SYS_READ;
	ev.pos = pos;
	ev.bytes = bytes;
	ev.captured = captured;
	return ev;
}

static void test_apply(void)
{
	struct conn_table table;
	struct event ev;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);

	/* connect records the remote; data and close get it. */
	ev = event_make(ST_EV_CONNECT, 10, 3, "1.2.3.4:80");
	ev.result = -115; /* EINPROGRESS: still a connection */
	conn_table_apply(&table, &ev);
	CHECK(conn_table_lookup(&table, 10, 3) != NULL);
	CHECK_STR(conn_table_lookup(&table, 10, 3)->sock->remote, "1.2.3.4:80");
	ev = data_make(10, 3, ST_DIR_SEND, 0, 10, 10, "");
	conn_table_apply(&table, &ev);
	CHECK_STR(ev.remote, "1.2.3.4:80");
	CHECK_INT(ev.gap_bytes, 0);
	/* A datagram with its own peer keeps it. */
	ev = data_make(10, 3, ST_DIR_RECV, 0, 10, 10, "8.8.8.8:53");
	conn_table_apply(&table, &ev);
	CHECK_STR(ev.remote, "8.8.8.8:53");
	CHECK_STR(conn_table_lookup(&table, 10, 3)->sock->remote, "1.2.3.4:80");
	ev = event_make(ST_EV_CLOSE, 10, 3, "");
	CHECK(conn_table_apply(&table, &ev) == conn_table_lookup(&table, 10, 3));
	CHECK_STR(ev.remote, "1.2.3.4:80");
	/* The caller removes the closed connection when done with it. */
	conn_table_remove(&table, 10, 3);
	CHECK(conn_table_lookup(&table, 10, 3) == NULL);
	CHECK_INT(table.count, 0);

	/* accept records the peer under the new fd; a failed accept's fd is
	 * the listener and records nothing. */
	ev = event_make(ST_EV_ACCEPT, 11, 5, "10.0.0.9:5555");
	ev.result = 5;
	conn_table_apply(&table, &ev);
	CHECK_STR(conn_table_lookup(&table, 11, 5)->sock->remote, "10.0.0.9:5555");
	ev = event_make(ST_EV_ACCEPT, 11, 4, "");
	ev.result = -11;
	conn_table_apply(&table, &ev);
	CHECK(conn_table_lookup(&table, 11, 4) == NULL);

	/* A close of an unknown socket keeps what it has. */
	ev = event_make(ST_EV_CLOSE, 12, 3, "");
	CHECK(conn_table_apply(&table, &ev) == NULL);
	CHECK_STR(ev.remote, "");
	CHECK(conn_table_lookup(&table, 12, 3) == NULL);

	/* Gaps on a socket seen first through its data. */
	ev = data_make(20, 4, ST_DIR_SEND, 0, 10, 10, "");
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 0);
	ev = data_make(20, 4, ST_DIR_SEND, 25, 5, 5, "");
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 15);
	CHECK_INT(ev.gap_pos, 10);
	ev = data_make(20, 4, ST_DIR_SEND, 30, 5, 5, ""); /* contiguous */
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 0);
	/* The other direction has its own position. */
	ev = data_make(20, 4, ST_DIR_RECV, 0, 7, 7, "");
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 0);

	/* A truncated capture leaves its uncaptured bytes as the next gap. */
	ev = data_make(21, 4, ST_DIR_RECV, 0, 100, 40, "");
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 0);
	ev = data_make(21, 4, ST_DIR_RECV, 100, 10, 10, "");
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 60);
	CHECK_INT(ev.gap_pos, 40);

	/* Seen mid-stream (opened before the tracer): its first event has no
	 * gap; a connection known from its connect does. */
	ev = data_make(22, 4, ST_DIR_SEND, 5000, 10, 10, "");
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 0);
	ev = event_make(ST_EV_CONNECT, 23, 4, "1.1.1.1:443");
	conn_table_apply(&table, &ev);
	ev = data_make(23, 4, ST_DIR_SEND, 8, 10, 10, "");
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 8);
	CHECK_INT(ev.gap_pos, 0);

	conn_table_free(&table);
}

/* A close that never arrived (lost): the next socket on the same fd must
 * not inherit the old one's stream positions. */
static void test_lost_close(void)
{
	struct conn_table table;
	struct event ev;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);
	ev = event_make(ST_EV_ACCEPT, 30, 6, "10.0.0.1:1000");
	ev.result = 6;
	conn_table_apply(&table, &ev);
	ev = data_make(30, 6, ST_DIR_RECV, 0, 500, 500, "");
	conn_table_apply(&table, &ev);
	ev = data_make(30, 6, ST_DIR_SEND, 0, 900, 900, "");
	conn_table_apply(&table, &ev);

	/* The close was lost; accept hands out fd 6 again: a new socket. Its
	 * predecessor's protocol state is handed back to be freed. */
	struct proto_conn *state = (struct proto_conn *)&table; /* any non-NULL marker */
	conn_table_lookup(&table, 30, 6)->sock->proto = state;
	freed = NULL;
	ev = event_make(ST_EV_ACCEPT, 30, 6, "10.0.0.2:2000");
	ev.result = 6;
	CHECK(conn_table_new_socket(conn_table_lookup(&table, 30, 6), &ev));
	conn_table_apply(&table, &ev);
	CHECK(freed == state);
	CHECK(conn_table_lookup(&table, 30, 6)->sock->proto == NULL);
	CHECK_STR(conn_table_lookup(&table, 30, 6)->sock->remote, "10.0.0.2:2000");
	/* Its first bytes are no gap, and a real gap is measured from 0. */
	ev = data_make(30, 6, ST_DIR_RECV, 0, 100, 100, "");
	freed = NULL;
	conn_table_apply(&table, &ev);
	CHECK(freed == NULL);
	CHECK_INT(ev.gap_bytes, 0);
	ev = data_make(30, 6, ST_DIR_SEND, 50, 10, 10, "");
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 50);
	CHECK_INT(ev.gap_pos, 0);

	/* Close and accept both lost (socket() then connect() on fd 7 here):
	 * a position going back tells. */
	ev = event_make(ST_EV_CONNECT, 31, 7, "10.0.0.3:3000");
	conn_table_apply(&table, &ev);
	ev = data_make(31, 7, ST_DIR_SEND, 0, 800, 800, "");
	conn_table_apply(&table, &ev);
	ev = data_make(31, 7, ST_DIR_SEND, 0, 20, 20, "");
	CHECK(conn_table_new_socket(conn_table_lookup(&table, 31, 7), &ev));
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 0);
	ev = data_make(31, 7, ST_DIR_SEND, 20, 5, 5, "");
	CHECK(!conn_table_new_socket(conn_table_lookup(&table, 31, 7), &ev));
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 0);

	/* A failed accept names the listener: nothing restarts. */
	ev = event_make(ST_EV_ACCEPT, 31, 7, "");
	ev.result = -11;
	CHECK(!conn_table_new_socket(conn_table_lookup(&table, 31, 7), &ev));
	conn_table_free(&table);
}

/* With the socket's open time in data events, another socket on the fd is
 * told from a late event of the same one (two threads, two poll rounds). */
static void test_socket_identity(void)
{
	struct conn_table table;
	struct event ev;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);
	ev = data_make(40, 8, ST_DIR_SEND, 100, 100, 100, "10.0.0.4:4000");
	ev.sock_open_ns = 1111;
	conn_table_apply(&table, &ev);
	/* the same socket's bytes 0..100, a poll round late: no restart */
	ev = data_make(40, 8, ST_DIR_SEND, 0, 100, 100, "");
	ev.sock_open_ns = 1111;
	CHECK(!conn_table_new_socket(conn_table_lookup(&table, 40, 8), &ev));
	freed = NULL;
	conn_table_apply(&table, &ev);
	CHECK(freed == NULL);
	CHECK_INT(ev.gap_bytes, 0);
	ev = data_make(40, 8, ST_DIR_SEND, 200, 50, 50, "");
	ev.sock_open_ns = 1111;
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.gap_bytes, 0); /* the stream did not move back */
	/* another socket on fd 8, its position further on: still a new one */
	ev = data_make(40, 8, ST_DIR_SEND, 500, 10, 10, "");
	ev.sock_open_ns = 2222;
	CHECK(conn_table_new_socket(conn_table_lookup(&table, 40, 8), &ev));
	conn_table_free(&table);
}

/* A process's entries are found after removals moved others around. */
static void test_fds_of(void)
{
	struct conn_table table;
	int32_t fds[1024];
	bool seen[1000] = { false };
	uint32_t n;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);
	for (int32_t fd = 0; fd < 1000; fd++) {
		conn_table_upsert(&table, 7, fd);
		conn_table_upsert(&table, 8, fd);
	}
	for (int32_t fd = 0; fd < 1000; fd += 3)
		conn_table_remove(&table, 7, fd);
	n = conn_table_fds_of(&table, 7, fds, 1024);
	CHECK_INT(n, 666);
	for (uint32_t i = 0; i < n; i++) {
		CHECK(fds[i] % 3 != 0 && !seen[fds[i]]);
		seen[fds[i]] = true;
	}
	CHECK_INT(conn_table_fds_of(&table, 8, fds, 10), 10);
	CHECK_INT(conn_table_fds_of(&table, 9, fds, 1024), 0);
	for (int32_t fd = 0; fd < 1000; fd++)
		conn_table_remove(&table, 8, fd);
	CHECK_INT(conn_table_fds_of(&table, 8, fds, 1024), 0);
	CHECK_INT(conn_table_fds_of(&table, 7, fds, 1024), 666);
	conn_table_free(&table);
}

/* A close of handle (pid, fd) as the session makes it: decided, removed. */
static bool close_of(struct conn_table *table, uint32_t pid, int32_t fd, uint32_t flags,
		     uint64_t sent, uint64_t recv, struct event *ev)
{
	struct conn *conn;
	bool ends;

	*ev = event_make(ST_EV_CLOSE, pid, fd, "");
	ev->sock_flags = flags;
	ev->bytes_sent = sent;
	ev->bytes_recv = recv;
	ev->ts_ns = 1000;
	conn = conn_table_apply(table, ev);
	CHECK(conn != NULL);
	if (!conn)
		return false;
	ends = conn_table_close(table, ev, conn);
	conn_table_remove(table, pid, fd);
	return ends;
}

/* One kernel socket through several handles: one connection. */
static void test_shared_socket(void)
{
	struct proto_conn *state = (struct proto_conn *)&freed; /* any non-NULL marker */
	struct conn_table table;
	struct event ev;
	uint64_t id;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);
	/* A server's accept (socket not known yet), its I/O, then a child's. */
	ev = event_make(ST_EV_ACCEPT, 50, 4, "10.0.0.5:4000");
	ev.result = 4;
	ev.sock_flags = ST_SOCK_SERVER;
	ev.ts_ns = 100;
	conn_table_apply(&table, &ev);
	id = ev.conn_id;
	CHECK(id != 0);
	ev = data_make(50, 4, ST_DIR_SEND, 0, 10, 10, "");
	ev.sk = 0xabc;
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.conn_id, id);
	conn_table_lookup(&table, 50, 4)->sock->proto = state;
	ev = data_make(51, 4, ST_DIR_SEND, 0, 5, 5, "");
	ev.sk = 0xabc;
	ev.sock_flags = ST_SOCK_ADOPTED;
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.conn_id, id);
	CHECK_STR(ev.remote, "10.0.0.5:4000");
	CHECK(ev.sock_flags & ST_SOCK_SERVER); /* the connection's role */
	CHECK(conn_table_lookup(&table, 51, 4)->sock == conn_table_lookup(&table, 50, 4)->sock);
	/* The parent lets go, TCP kept it: a release with the parent's totals. */
	CHECK(!close_of(&table, 50, 4, ST_SOCK_KEPT, 10, 0, &ev));
	CHECK_INT(ev.kind, ST_EV_RELEASE);
	CHECK_INT(ev.bytes_sent, 10);
	CHECK_INT(ev.conn_id, id);
	/* The child's close ended it: everyone's totals, from the accept. */
	freed = NULL;
	CHECK(close_of(&table, 51, 4, ST_SOCK_RELEASED, 5, 0, &ev));
	CHECK_INT(ev.kind, ST_EV_CLOSE);
	CHECK_INT(ev.bytes_sent, 15);
	CHECK_INT(ev.users, 2);
	CHECK_INT(ev.duration_ns, 900);
	CHECK_STR(ev.remote, "10.0.0.5:4000");
	CHECK(freed == state);
	/* The address is another socket's now. */
	ev = data_make(52, 9, ST_DIR_RECV, 0, 3, 3, "");
	ev.sk = 0xabc;
	conn_table_apply(&table, &ev);
	CHECK(ev.conn_id != id);
	CHECK(close_of(&table, 52, 9, 0, 0, 3, &ev));

	/* Every known handle released a socket TCP kept: it waits, and the
	 * next handle on it continues the connection. */
	ev = data_make(60, 3, ST_DIR_SEND, 0, 7, 7, "");
	ev.sk = 0xdef;
	conn_table_apply(&table, &ev);
	id = ev.conn_id;
	CHECK(!close_of(&table, 60, 3, ST_SOCK_KEPT, 7, 0, &ev));
	CHECK_INT(table.waiting_count, 1);
	ev = data_make(61, 3, ST_DIR_SEND, 0, 1, 1, "");
	ev.sk = 0xdef;
	conn_table_apply(&table, &ev);
	CHECK_INT(ev.conn_id, id);
	CHECK_INT(table.waiting_count, 0);
	CHECK(close_of(&table, 61, 3, ST_SOCK_RELEASED, 1, 0, &ev));
	CHECK_INT(ev.bytes_sent, 8);

	/* No word from the kernel (UDP): the last known handle closes it. */
	ev = data_make(70, 5, ST_DIR_SEND, 0, 4, 4, "");
	ev.sk = 0x111;
	conn_table_apply(&table, &ev);
	ev = data_make(70, 6, ST_DIR_SEND, 4, 2, 2, "");
	ev.sk = 0x111;
	conn_table_apply(&table, &ev);
	CHECK(!close_of(&table, 70, 6, 0, 2, 0, &ev));
	CHECK(close_of(&table, 70, 5, 0, 4, 0, &ev));
	CHECK_INT(ev.bytes_sent, 6);
	CHECK_INT(table.waiting_count, 0);

	/* A kept socket whose address is not known cannot wait for anyone. */
	ev = event_make(ST_EV_ACCEPT, 80, 4, "10.0.0.8:8000");
	ev.result = 4;
	conn_table_apply(&table, &ev);
	CHECK(!close_of(&table, 80, 4, ST_SOCK_KEPT, 0, 0, &ev));
	CHECK_INT(table.waiting_count, 0);

	/* The waiting list is bounded: the oldest goes, counted. */
	for (uint32_t i = 0; i <= CONN_WAITING_MAX; i++) {
		ev = data_make(1000 + i, 3, ST_DIR_SEND, 0, 1, 1, "");
		ev.sk = 0x100000 + i;
		conn_table_apply(&table, &ev);
		close_of(&table, 1000 + i, 3, ST_SOCK_KEPT, 1, 0, &ev);
	}
	CHECK_INT(table.waiting_count, CONN_WAITING_MAX);
	CHECK_INT(table.waiting_dropped, 1);
	CHECK_INT(table.count, 0);
	conn_table_free(&table);
}

/* TLS plaintext positions are a stream of their own beside the
 * ciphertext's: neither makes a gap or a new socket of the other. */
static void test_tls_plaintext(void)
{
	struct conn_table table;
	struct conn *conn;
	struct event ev;

	CHECK_INT(conn_table_init(&table, proto_record, NULL), 0);
	ev = event_make(ST_EV_CONNECT, 30, 5, "127.0.0.1:443");
	ev.sock_open_ns = 0;
	conn_table_apply(&table, &ev);
	/* 517 bytes of ClientHello, then the first 84 bytes of plaintext at
	 * plaintext position 0, then its 106-byte record. */
	ev = data_make(30, 5, ST_DIR_SEND, 0, 517, 517, "");
	conn_table_apply(&table, &ev);
	ev = data_make(30, 5, ST_DIR_SEND, 0, 84, 84, "");
	ev.syscall = ST_SYS_OPENSSL;
	ev.tls = ST_TLS_PLAINTEXT;
	conn = conn_table_apply(&table, &ev);
	CHECK(conn != NULL);
	CHECK_INT(ev.gap_bytes, 0);
	CHECK_STR(ev.remote, "127.0.0.1:443");
	CHECK_INT(conn->plain_next_pos[ST_DIR_SEND], 84);
	CHECK_INT(conn->next_pos[ST_DIR_SEND], 517);
	ev = data_make(30, 5, ST_DIR_SEND, 517, 106, 106, "");
	ev.tls = ST_TLS_CIPHERTEXT;
	CHECK(conn_table_apply(&table, &ev) == conn);
	CHECK_INT(ev.gap_bytes, 0);
	/* Plaintext missed (a lost sample) is a gap of the plaintext. */
	ev = data_make(30, 5, ST_DIR_SEND, 100, 20, 20, "");
	ev.syscall = ST_SYS_OPENSSL;
	ev.tls = ST_TLS_PLAINTEXT;
	CHECK(conn_table_apply(&table, &ev) == conn);
	CHECK_INT(ev.gap_bytes, 16);
	CHECK_INT(ev.gap_pos, 84);
	/* A plaintext position behind the last one is another socket on the
	 * fd, as it is for ciphertext. */
	ev = data_make(30, 5, ST_DIR_SEND, 10, 5, 5, "");
	ev.syscall = ST_SYS_OPENSSL;
	ev.tls = ST_TLS_PLAINTEXT;
	conn = conn_table_apply(&table, &ev);
	CHECK(conn != NULL);
	CHECK_INT(conn->plain_next_pos[ST_DIR_SEND], 15);
	CHECK_INT(conn->next_pos[ST_DIR_SEND], 0);
	CHECK_STR(ev.remote, "");
	conn_table_free(&table);
}

int main(void)
{
	test_tls_plaintext();
	test_shared_socket();
	test_fds_of();
	test_socket_identity();
	test_lost_close();
	test_basic();
	test_many(5000);
	test_many(60000); /* ~92% load: long probe runs */
	test_full();
	test_apply();
	return check_report("test_conn_table");
}
