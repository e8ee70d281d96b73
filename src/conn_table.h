/* Userspace connection state: what an event alone does not carry (the
 * peer of a close or data event, each direction's stream position). */
#ifndef ST_CONN_TABLE_H
#define ST_CONN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

struct proto_conn;

/* Power of two. A full table still prints events, without their peers.
 * The pipeline fuzzer builds with a small one, to reach its full paths. */
#ifndef CONN_TABLE_CAPACITY
#define CONN_TABLE_CAPACITY 65536
#endif

struct conn {
	bool used;
	uint32_t pid;
	int32_t fd;
	char remote[ADDR_TEXT_MAX];
	uint8_t comm[ST_COMM_LEN];   /* of the last event on it */
	uint64_t next_pos[ST_DIR_NR]; /* stream offset after the last captured byte */
	uint64_t sock_open_ns;        /* of the socket its data came from; 0 unknown */
	bool seen[ST_DIR_NR];         /* a data event arrived in that direction */
	struct proto_conn *proto;     /* protocol state (src/exchange.c), NULL until data */
};

struct conn_table {
	struct conn *slots; /* CONN_TABLE_CAPACITY entries */
	/* slots[i].pid for used slots, 0 for free ones: a process's entries are
	 * found by scanning 256 KiB rather than every slot's 600 bytes. */
	uint32_t *pids;
	uint32_t count;
	uint64_t full_misses;   /* events that found no room for their connection */
	uint64_t readopted;     /* data of a socket met again after its entry was evicted */
};

int conn_table_init(struct conn_table *table);
void conn_table_free(struct conn_table *table);

struct conn *conn_table_lookup(struct conn_table *table, uint32_t pid, int32_t fd);

/* Returns the entry for (pid, fd), created empty if needed; NULL when full. */
struct conn *conn_table_upsert(struct conn_table *table, uint32_t pid, int32_t fd);

void conn_table_remove(struct conn_table *table, uint32_t pid, int32_t fd);

/* Writes the fds of up to max entries of pid; returns how many. */
uint32_t conn_table_fds_of(const struct conn_table *table, uint32_t pid, int32_t *fds,
			   uint32_t max);

/* Whether ev starts another socket on conn's (pid, fd) although no close
 * was seen (it was lost): an accept returned this fd, or a data event comes
 * from a socket opened at another time (without that, its stream position
 * went back). conn_table_apply then restarts the entry. */
bool conn_table_new_socket(const struct conn *conn, const struct event *ev);

/*
 * Applies an event: connect/accept record the peer; close fills it in; data
 * fills in the peer (unless the datagram has its own) and the gap since the
 * previous captured byte. Returns the connection's entry, or NULL (a failed
 * accept, a close of an unknown socket, a full table). The caller removes a
 * closed connection's entry once done with it. When ev starts another
 * socket on an entry whose close was lost (conn_table_new_socket), the entry
 * restarts and *released gets the old socket's protocol state for the
 * caller to free; otherwise *released is NULL.
 */
struct conn *conn_table_apply(struct conn_table *table, struct event *ev,
			      struct proto_conn **released);

/* Sets the peer of a connection learned outside the event stream. */
void conn_table_set_remote(struct conn_table *table, uint32_t pid, int32_t fd,
			   const char *remote);

#endif
