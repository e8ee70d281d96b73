#include "state/conn_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_MASK (CONN_TABLE_CAPACITY - 1)

int conn_table_init(struct conn_table *table, conn_proto_free_fn proto_free, void *ctx)
{
	memset(table, 0, sizeof(*table));
	table->slots = calloc(CONN_TABLE_CAPACITY, sizeof(*table->slots));
	table->pids = calloc(CONN_TABLE_CAPACITY, sizeof(*table->pids));
	table->by_sk = calloc(CONN_TABLE_CAPACITY, sizeof(*table->by_sk));
	table->proto_free = proto_free;
	table->proto_free_ctx = ctx;
	if (!table->slots || !table->pids || !table->by_sk) {
		conn_table_free(table);
		return -ENOMEM;
	}
	return 0;
}

static void sock_free(struct conn_table *table, struct conn_socket *sock);
static void sock_detach(struct conn_table *table, struct conn *conn, bool kept);

void conn_table_free(struct conn_table *table)
{
	if (table->slots)
		for (uint32_t i = 0; i < CONN_TABLE_CAPACITY; i++)
			if (table->slots[i].used)
				sock_detach(table, &table->slots[i], false);
	while (table->waiting_head)
		sock_free(table, table->waiting_head);
	free(table->slots);
	free(table->pids);
	free(table->by_sk);
	table->slots = NULL;
	table->pids = NULL;
	table->by_sk = NULL;
	table->count = 0;
}

/* ---- connections: the sk index, the waiting list ---- */

static uint32_t sk_hash(uint64_t sk)
{
	sk ^= sk >> 33;
	sk *= 0xc4ceb9fe1a85ec53ULL;
	sk ^= sk >> 33;
	return (uint32_t)sk & (CONN_TABLE_CAPACITY - 1);
}

static struct conn_socket *sk_find(const struct conn_table *table, uint64_t sk)
{
	struct conn_socket *sock = table->by_sk[sk_hash(sk)];

	while (sock && sock->sk != sk)
		sock = sock->sk_next;
	return sock;
}

static void sk_index(struct conn_table *table, struct conn_socket *sock, uint64_t sk)
{
	struct conn_socket **head = &table->by_sk[sk_hash(sk)];

	sock->sk = sk;
	sock->sk_next = *head;
	*head = sock;
}

static void sk_unindex(struct conn_table *table, struct conn_socket *sock)
{
	struct conn_socket **at = &table->by_sk[sk_hash(sock->sk)];

	if (!sock->sk)
		return;
	while (*at && *at != sock)
		at = &(*at)->sk_next;
	if (*at)
		*at = sock->sk_next;
	sock->sk_next = NULL;
}

static bool sock_waiting(const struct conn_table *table, const struct conn_socket *sock)
{
	return sock->waiting_prev || table->waiting_head == sock;
}

static void waiting_unlink(struct conn_table *table, struct conn_socket *sock)
{
	if (!sock_waiting(table, sock))
		return;
	if (sock->waiting_prev)
		sock->waiting_prev->waiting_next = sock->waiting_next;
	else
		table->waiting_head = sock->waiting_next;
	if (sock->waiting_next)
		sock->waiting_next->waiting_prev = sock->waiting_prev;
	else
		table->waiting_tail = sock->waiting_prev;
	sock->waiting_prev = sock->waiting_next = NULL;
	table->waiting_count--;
}

static void sock_free(struct conn_table *table, struct conn_socket *sock)
{
	waiting_unlink(table, sock);
	sk_unindex(table, sock);
	if (sock->proto && table->proto_free)
		table->proto_free(table->proto_free_ctx, &sock->proto);
	if (sock->plain_proto && table->proto_free)
		table->proto_free(table->proto_free_ctx, &sock->plain_proto);
	free(sock);
}

/* A socket whose last known handle went while the kernel kept it. */
static void sock_wait(struct conn_table *table, struct conn_socket *sock)
{
	if (table->waiting_count >= CONN_WAITING_MAX) {
		table->waiting_dropped++;
		sock_free(table, table->waiting_head);
	}
	sock->waiting_prev = table->waiting_tail;
	sock->waiting_next = NULL;
	if (table->waiting_tail)
		table->waiting_tail->waiting_next = sock;
	else
		table->waiting_head = sock;
	table->waiting_tail = sock;
	table->waiting_count++;
}

static struct conn_socket *sock_new(struct conn_table *table)
{
	struct conn_socket *sock = calloc(1, sizeof(*sock));

	if (sock)
		sock->id = ++table->next_id;
	return sock;
}

static void sock_attach(struct conn *conn, struct conn_socket *sock)
{
	conn->sock = sock;
	sock->handles++;
	sock->users++;
}

/* conn's handle leaves its connection, which goes with its last handle
 * unless the kernel may still hold it for an fd not met yet. */
static void sock_detach(struct conn_table *table, struct conn *conn, bool kept)
{
	struct conn_socket *sock = conn->sock;

	conn->sock = NULL;
	if (!sock || --sock->handles)
		return;
	if (kept && sock->sk && !sock->ended)
		sock_wait(table, sock);
	else
		sock_free(table, sock);
}

static void sock_opened(struct conn_socket *sock, uint64_t ns)
{
	if (ns && (!sock->open_ns || ns < sock->open_ns))
		sock->open_ns = ns;
}

/* Puts conn's handle on the connection of kernel socket sk: the one another
 * handle already has, or its own, now indexed. */
static void sock_join(struct conn_table *table, struct conn *conn, uint64_t sk)
{
	struct conn_socket *mine = conn->sock;
	struct conn_socket *other;

	/* Only a handle whose socket is not known yet joins one: a known one
	 * naming another socket was restarted first (conn_table_new_socket). */
	if (!sk || mine->sk)
		return;
	other = sk_find(table, sk);
	if (!other) {
		sk_unindex(table, mine);
		sk_index(table, mine, sk);
		return;
	}
	waiting_unlink(table, other);
	if (!other->remote[0])
		memcpy(other->remote, mine->remote, sizeof(other->remote));
	sock_opened(other, mine->open_ns);
	if (!other->role)
		other->role = mine->role;
	if (!other->proto) {
		other->proto = mine->proto;
		mine->proto = NULL;
	}
	if (!other->plain_proto) {
		other->plain_proto = mine->plain_proto;
		mine->plain_proto = NULL;
	}
	other->closed_sent += mine->closed_sent;
	other->closed_recv += mine->closed_recv;
	mine->closed_sent = mine->closed_recv = 0;
	other->users += mine->users;
	sock_detach(table, conn, false);
	conn->sock = other;
	other->handles++;
}

/* ---- handles: (pid, fd) ---- */

static uint32_t slot_hash(uint32_t pid, int32_t fd)
{
	uint64_t key = ((uint64_t)pid << 32) | (uint32_t)fd;

	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (uint32_t)key & SLOT_MASK;
}

/* The slot holding (pid, fd), or the empty slot where it would go. */
static struct conn *slot_find(struct conn_table *table, uint32_t pid, int32_t fd)
{
	uint32_t index = slot_hash(pid, fd);

	for (uint32_t probes = 0; probes < CONN_TABLE_CAPACITY; probes++) {
		struct conn *slot = &table->slots[index];
		if (!slot->used || (slot->pid == pid && slot->fd == fd))
			return slot;
		index = (index + 1) & SLOT_MASK;
	}
	return NULL;
}

struct conn *conn_table_lookup(struct conn_table *table, uint32_t pid, int32_t fd)
{
	struct conn *slot = slot_find(table, pid, fd);

	return slot && slot->used ? slot : NULL;
}

/* conn_table_upsert, telling whether the entry was created just now. */
static struct conn *handle_upsert(struct conn_table *table, uint32_t pid, int32_t fd,
				  bool *created)
{
	struct conn *slot;

	*created = false;
	/* Keep a free slot so every probe sequence ends. */
	if (table->count >= CONN_TABLE_CAPACITY - 1) {
		slot = conn_table_lookup(table, pid, fd);
		if (!slot)
			table->full_misses++;
		return slot;
	}
	slot = slot_find(table, pid, fd);
	if (!slot)
		return NULL;
	if (!slot->used) {
		struct conn_socket *sock = sock_new(table);

		if (!sock) {
			table->full_misses++;
			return NULL;
		}
		memset(slot, 0, sizeof(*slot));
		sock_attach(slot, sock);
		slot->used = true;
		slot->pid = pid;
		slot->fd = fd;
		table->pids[slot - table->slots] = pid;
		table->count++;
		*created = true;
	}
	return slot;
}

struct conn *conn_table_upsert(struct conn_table *table, uint32_t pid, int32_t fd)
{
	bool created;

	return handle_upsert(table, pid, fd, &created);
}

/* Linear probing deletion: shift later entries of the run back into the hole. */
void conn_table_remove(struct conn_table *table, uint32_t pid, int32_t fd)
{
	struct conn *hole = conn_table_lookup(table, pid, fd);
	uint32_t hole_index;
	uint32_t index;

	if (!hole)
		return;
	sock_detach(table, hole, true);
	hole_index = hole - table->slots;
	index = hole_index;
	for (;;) {
		struct conn *slot;
		uint32_t home;

		index = (index + 1) & SLOT_MASK;
		slot = &table->slots[index];
		if (!slot->used)
			break;
		home = slot_hash(slot->pid, slot->fd);
		/* Move the entry if its home is not cyclically in (hole, index]. */
		if (((index - home) & SLOT_MASK) >= ((index - hole_index) & SLOT_MASK)) {
			table->slots[hole_index] = *slot;
			table->pids[hole_index] = slot->pid;
			hole_index = index;
		}
	}
	/* Clear the vacated slot whole: it may hold a copy of an entry that
	 * moved, whose socket pointer now belongs to that entry alone. */
	memset(&table->slots[hole_index], 0, sizeof(table->slots[hole_index]));
	table->pids[hole_index] = 0;
	table->count--;
}

uint32_t conn_table_fds_of(const struct conn_table *table, uint32_t pid, int32_t *fds,
			   uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < CONN_TABLE_CAPACITY && n < max; i++)
		if (table->pids[i] == pid && table->slots[i].used)
			fds[n++] = table->slots[i].fd;
	return n;
}

void conn_table_set_remote(struct conn_table *table, uint32_t pid, int32_t fd,
			   const char *remote)
{
	struct conn *conn = conn_table_upsert(table, pid, fd);

	if (conn)
		snprintf(conn->sock->remote, sizeof(conn->sock->remote), "%s", remote);
}

/* Both hold a NUL-terminated address text of the same capacity: copied
 * whole, once per event. */
_Static_assert(sizeof(((struct event *)0)->remote) == sizeof(((struct conn_socket *)0)->remote),
	       "event and connection remote sizes differ");

bool conn_table_new_socket(const struct conn *conn, const struct event *ev)
{
	if (ev->kind == ST_EV_ACCEPT)
		return ev->result >= 0;
	if (ev->kind != ST_EV_DATA || ev->direction >= ST_DIR_NR)
		return false;
	if (conn->sock->sk && ev->sk && conn->sock->sk != ev->sk)
		return true;
	if (conn->sock_open_ns && ev->sock_open_ns)
		return conn->sock_open_ns != ev->sock_open_ns;
	/* Stream positions only grow on one socket: going back means the fd
	 * now names another socket. */
	return ev->pos < (ev->tls & ST_TLS_PLAINTEXT ? conn->plain_next_pos
						       : conn->next_pos)[ev->direction];
}

/* Forgets what belonged to the previous socket on this (pid, fd): the
 * handle goes on a connection of its own. */
static void conn_restart(struct conn_table *table, struct conn *conn)
{
	struct conn_socket *fresh = sock_new(table);

	memset(conn->next_pos, 0, sizeof(conn->next_pos));
	memset(conn->plain_next_pos, 0, sizeof(conn->plain_next_pos));
	memset(conn->told_pos, 0, sizeof(conn->told_pos));
	memset(conn->plain_told_pos, 0, sizeof(conn->plain_told_pos));
	memset(conn->seen, 0, sizeof(conn->seen));
	conn->sock_open_ns = 0;
	if (!fresh)
		return; /* out of memory: the handle stays where it was */
	sock_detach(table, conn, true);
	sock_attach(conn, fresh);
}

/* Moves one direction's stream past ev: its gap (when gaps are known) is
 * what lies between the last captured byte and ev, and of it, what lies
 * past the last byte any event told of is lost. A late event of the same
 * socket (another poll round's) does not move the stream back. */
static void stream_advance(uint64_t *next_pos, uint64_t *told_pos, struct event *ev,
			   bool gaps_known)
{
	if (gaps_known && ev->pos > *next_pos) {
		ev->gap_bytes = ev->pos - *next_pos;
		ev->gap_pos = *next_pos;
		if (ev->pos > *told_pos)
			ev->gap_lost = ev->pos - (*told_pos > *next_pos ? *told_pos : *next_pos);
	}
	if (ev->pos + ev->captured > *next_pos)
		*next_pos = ev->pos + ev->captured;
	if (ev->pos + ev->bytes > *told_pos)
		*told_pos = ev->pos + ev->bytes;
}

static struct conn *data_apply(struct conn_table *table, struct event *ev)
{
	struct conn *conn = conn_table_upsert(table, ev->pid, ev->fd);
	uint8_t dir = ev->direction;

	if (!conn)
		return NULL;
	if (conn_table_new_socket(conn, ev)) {
		/* An adopted socket whose stream was already under way: the
		 * BPF table had evicted its entry. */
		if ((ev->sock_flags & ST_SOCK_ADOPTED) && ev->pos == 0 && conn->seen[dir] &&
		    conn->next_pos[dir])
			table->readopted++;
		conn_restart(table, conn);
	}
	sock_join(table, conn, ev->sk);
	sock_opened(conn->sock, ev->sock_open_ns);
	memcpy(conn->comm, ev->comm, sizeof(conn->comm));
	if (ev->connection_peer && !conn->sock->remote[0])
		memcpy(conn->sock->remote, ev->remote, sizeof(conn->sock->remote));
	if (!ev->remote[0])
		memcpy(ev->remote, conn->sock->remote, sizeof(ev->remote));
	conn->sock_open_ns = ev->sock_open_ns;
	if (ev->tls & ST_TLS_PLAINTEXT) {
		/* Counted from the first call seen: a position past the last
		 * byte is always bytes missed. */
		stream_advance(&conn->plain_next_pos[dir], &conn->plain_told_pos[dir], ev, true);
		return conn;
	}
	/* Gaps are known on a connection known from its start. */
	stream_advance(&conn->next_pos[dir], &conn->told_pos[dir], ev,
		       conn->seen[dir] || conn->sock->remote[0]);
	conn->seen[dir] = true;
	return conn;
}

static struct conn *apply(struct conn_table *table, struct event *ev)
{
	struct conn *conn;
	bool created;

	switch (ev->kind) {
	case ST_EV_CONNECT:
	case ST_EV_ACCEPT:
		if (ev->kind == ST_EV_ACCEPT && ev->result < 0)
			return NULL; /* ev->fd is the listener */
		conn = handle_upsert(table, ev->pid, ev->fd, &created);
		if (conn) {
			/* A handle made just now is on a connection of its own already. */
			if (!created && conn_table_new_socket(conn, ev))
				conn_restart(table, conn);
			sock_join(table, conn, ev->sk);
			sock_opened(conn->sock, ev->ts_ns);
			memcpy(conn->comm, ev->comm, sizeof(conn->comm));
			memcpy(conn->sock->remote, ev->remote, sizeof(conn->sock->remote));
		}
		return conn;
	case ST_EV_CLOSE:
		conn = conn_table_lookup(table, ev->pid, ev->fd);
		if (conn) {
			sock_join(table, conn, ev->sk);
			memcpy(ev->remote, conn->sock->remote, sizeof(ev->remote));
		}
		return conn;
	case ST_EV_CONNECTED:
		conn = conn_table_lookup(table, ev->pid, ev->fd);
		if (conn && !conn->sock->remote[0])
			memcpy(conn->sock->remote, ev->remote, sizeof(conn->sock->remote));
		return conn;
	case ST_EV_DATA:
		return data_apply(table, ev);
	default:
		return NULL;
	}
}

struct conn *conn_table_apply(struct conn_table *table, struct event *ev)
{
	const uint32_t roles = ST_SOCK_SERVER | ST_SOCK_CLIENT;
	struct conn *conn = apply(table, ev);

	if (!conn)
		return NULL;
	ev->conn_id = conn->sock->id;
	/* The role is the connection's: an fd that took it over has it too. */
	if (ev->sock_flags & roles)
		conn->sock->role = ev->sock_flags & roles;
	else
		ev->sock_flags |= conn->sock->role;
	return conn;
}

bool conn_table_close(struct conn_table *table, struct event *ev, struct conn *conn)
{
	struct conn_socket *sock = conn->sock;
	bool ends;

	sock->closed_sent += ev->bytes_sent;
	sock->closed_recv += ev->bytes_recv;
	ends = (ev->sock_flags & ST_SOCK_RELEASED) ||
	       (!(ev->sock_flags & ST_SOCK_KEPT) && sock->handles == 1);
	ev->conn_id = sock->id;
	if (!ends) {
		ev->kind = ST_EV_RELEASE;
		return false;
	}
	ev->bytes_sent = sock->closed_sent;
	ev->bytes_recv = sock->closed_recv;
	ev->users = sock->users;
	if (sock->open_ns && sock->open_ns <= ev->ts_ns)
		ev->duration_ns = ev->ts_ns - sock->open_ns;
	/* A recycled kernel address is another socket from now on. */
	sk_unindex(table, sock);
	sock->ended = true;
	return true;
}
