#include "conn_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_MASK (CONN_TABLE_CAPACITY - 1)

int conn_table_init(struct conn_table *table)
{
	table->slots = calloc(CONN_TABLE_CAPACITY, sizeof(*table->slots));
	table->pids = calloc(CONN_TABLE_CAPACITY, sizeof(*table->pids));
	table->count = 0;
	if (!table->slots || !table->pids) {
		conn_table_free(table);
		return -ENOMEM;
	}
	return 0;
}

void conn_table_free(struct conn_table *table)
{
	free(table->slots);
	free(table->pids);
	table->slots = NULL;
	table->pids = NULL;
	table->count = 0;
}

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

struct conn *conn_table_upsert(struct conn_table *table, uint32_t pid, int32_t fd)
{
	struct conn *slot;

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
		memset(slot, 0, sizeof(*slot));
		slot->used = true;
		slot->pid = pid;
		slot->fd = fd;
		table->pids[slot - table->slots] = pid;
		table->count++;
	}
	return slot;
}

/* Linear probing deletion: shift later entries of the run back into the hole. */
void conn_table_remove(struct conn_table *table, uint32_t pid, int32_t fd)
{
	struct conn *hole = conn_table_lookup(table, pid, fd);
	uint32_t hole_index;
	uint32_t index;

	if (!hole)
		return;
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
	 * moved, whose proto pointer now belongs to that entry alone. */
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
		snprintf(conn->remote, sizeof(conn->remote), "%s", remote);
}

/* Both hold a NUL-terminated address text of the same capacity: copied
 * whole, once per event. */
_Static_assert(sizeof(((struct event *)0)->remote) == sizeof(((struct conn *)0)->remote),
	       "event and connection remote sizes differ");

bool conn_table_new_socket(const struct conn *conn, const struct event *ev)
{
	if (ev->kind == ST_EV_ACCEPT)
		return ev->result >= 0;
	if (ev->kind != ST_EV_DATA || ev->direction >= ST_DIR_NR)
		return false;
	if (conn->sock_open_ns && ev->sock_open_ns)
		return conn->sock_open_ns != ev->sock_open_ns;
	/* Stream positions only grow on one socket: going back means the fd
	 * now names another socket. */
	return ev->pos < conn->next_pos[ev->direction];
}

/* Forgets what belonged to the previous socket on this (pid, fd); its
 * protocol state goes to *released, for the caller to free. */
static void conn_restart(struct conn *conn, struct proto_conn **released)
{
	memset(conn->next_pos, 0, sizeof(conn->next_pos));
	memset(conn->seen, 0, sizeof(conn->seen));
	conn->sock_open_ns = 0;
	*released = conn->proto;
	conn->proto = NULL;
}

static struct conn *data_apply(struct conn_table *table, struct event *ev,
			       struct proto_conn **released)
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
		conn_restart(conn, released);
	}
	memcpy(conn->comm, ev->comm, sizeof(conn->comm));
	if (ev->connection_peer && !conn->remote[0])
		memcpy(conn->remote, ev->remote, sizeof(conn->remote));
	if (!ev->remote[0])
		memcpy(ev->remote, conn->remote, sizeof(ev->remote));
	if (conn->seen[dir] || conn->remote[0]) {
		/* The connection was known from its start: any missing stream
		 * bytes before this event are a gap. */
		if (ev->pos > conn->next_pos[dir]) {
			ev->gap_bytes = ev->pos - conn->next_pos[dir];
			ev->gap_pos = conn->next_pos[dir];
		}
	}
	conn->seen[dir] = true;
	conn->sock_open_ns = ev->sock_open_ns;
	/* A late event of the same socket (another poll round's) does not move
	 * the stream back. */
	if (ev->pos + ev->captured > conn->next_pos[dir])
		conn->next_pos[dir] = ev->pos + ev->captured;
	return conn;
}

struct conn *conn_table_apply(struct conn_table *table, struct event *ev,
			      struct proto_conn **released)
{
	struct conn *conn;

	*released = NULL;
	switch (ev->kind) {
	case ST_EV_CONNECT:
	case ST_EV_ACCEPT:
		if (ev->kind == ST_EV_ACCEPT && ev->result < 0)
			return NULL; /* ev->fd is the listener */
		conn = conn_table_upsert(table, ev->pid, ev->fd);
		if (conn) {
			if (conn_table_new_socket(conn, ev))
				conn_restart(conn, released);
			memcpy(conn->comm, ev->comm, sizeof(conn->comm));
			memcpy(conn->remote, ev->remote, sizeof(conn->remote));
		}
		return conn;
	case ST_EV_CLOSE:
		conn = conn_table_lookup(table, ev->pid, ev->fd);
		if (conn)
			memcpy(ev->remote, conn->remote, sizeof(ev->remote));
		return conn;
	case ST_EV_CONNECTED:
		conn = conn_table_lookup(table, ev->pid, ev->fd);
		if (conn && !conn->remote[0])
			memcpy(conn->remote, ev->remote, sizeof(conn->remote));
		return conn;
	case ST_EV_DATA:
		return data_apply(table, ev, released);
	default:
		return NULL;
	}
}
