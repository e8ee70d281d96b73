/* Userspace connection state: what an event alone does not carry (the
 * peer of a close or data event, each direction's stream position), and
 * which (pid, fd) handles share one kernel socket. */
#ifndef ST_CONN_TABLE_H
#define ST_CONN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "events/event.h"

struct proto_conn;

/* Power of two. A full table still prints events, without their peers.
 * The pipeline fuzzer builds with a small one, to reach its full paths. */
#ifndef CONN_TABLE_CAPACITY
#define CONN_TABLE_CAPACITY 65536
#endif

/* A connection: one kernel socket, whichever fds of whichever processes
 * use it. */
struct conn_socket {
	uint64_t sk;              /* kernel socket cookie; 0 not yet known */
	uint64_t id;              /* connection number, shown as "conn" */
	char remote[ADDR_TEXT_MAX];
	struct proto_conn *proto; /* protocol state (src/protocols/exchange.c), NULL until data */
	struct proto_conn *plain_proto; /* the same for its TLS plaintext */
	uint64_t open_ns;         /* earliest connect/accept/first I/O of its fds */
	uint64_t closed_sent;     /* totals of its fds already closed */
	uint64_t closed_recv;
	uint32_t handles;         /* (pid, fd) entries on it now */
	uint32_t users;           /* (pid, fd) entries it ever had */
	uint32_t role;            /* ST_SOCK_SERVER / ST_SOCK_CLIENT, from any of its fds */
	bool ended;               /* its close was reported: out of the sk index */
	bool peer_asked;          /* the kernel was asked for its peer */
	/* --port, --remote, ...: 0 not decided yet, else SELECTION_IN or _OUT
	 * (session.c), decided at its first event. */
	uint8_t selection;
	struct conn_socket *sk_next;                 /* sk index chain */
	struct conn_socket *waiting_prev, *waiting_next; /* see conn_table.waiting */
};

/* A (pid, fd) handle on a connection. */
struct conn {
	bool used;
	uint32_t pid;
	int32_t fd;
	uint8_t comm[ST_COMM_LEN];   /* of the last event on it */
	uint64_t next_pos[ST_DIR_NR]; /* stream offset after the last captured byte */
	/* The same, in the TLS plaintext stream (ST_TLS_PLAINTEXT events),
	 * whose positions the BPF program counts from the first call it saw. */
	uint64_t plain_next_pos[ST_DIR_NR];
	/* Stream offsets after the last byte an event told of, captured or
	 * not: a gap past them is bytes no event told. */
	uint64_t told_pos[ST_DIR_NR];
	uint64_t plain_told_pos[ST_DIR_NR];
	uint64_t sock_open_ns;        /* of the socket its data came from; 0 unknown */
	bool seen[ST_DIR_NR];         /* a data event arrived in that direction */
	struct conn_socket *sock;     /* never NULL in a used slot */
};

/* Frees a connection's protocol state (the session's exchange tracker). */
typedef void (*conn_proto_free_fn)(void *ctx, struct proto_conn **proto);

/* Sockets all of whose known fds closed while the kernel kept them (a
 * server's fork took one over): kept, oldest first, up to this many, for
 * the next fd met on them to continue their connection. */
#ifndef CONN_WAITING_MAX
#define CONN_WAITING_MAX 4096
#endif

struct conn_table {
	struct conn *slots; /* CONN_TABLE_CAPACITY entries */
	/* slots[i].pid for used slots, 0 for free ones: a process's entries are
	 * found by scanning 256 KiB rather than every slot's bytes. */
	uint32_t *pids;
	uint32_t count;
	struct conn_socket **by_sk; /* CONN_TABLE_CAPACITY chains */
	struct conn_socket *waiting_head, *waiting_tail;
	uint32_t waiting_count;
	uint64_t next_id;
	conn_proto_free_fn proto_free;
	void *proto_free_ctx;
	uint64_t full_misses;   /* events that found no room for their connection */
	uint64_t readopted;     /* data of a socket met again after its entry was evicted */
	uint64_t waiting_dropped; /* kept sockets forgotten, CONN_WAITING_MAX reached */
};

int conn_table_init(struct conn_table *table, conn_proto_free_fn proto_free, void *ctx);
void conn_table_free(struct conn_table *table);

struct conn *conn_table_lookup(struct conn_table *table, uint32_t pid, int32_t fd);

/* Returns the entry for (pid, fd), created on a connection of its own if
 * needed; NULL when full. */
struct conn *conn_table_upsert(struct conn_table *table, uint32_t pid, int32_t fd);

/* Drops the (pid, fd) handle; its connection goes with its last handle
 * (or waits, see CONN_WAITING_MAX). */
void conn_table_remove(struct conn_table *table, uint32_t pid, int32_t fd);

/* Writes the fds of up to max entries of pid; returns how many. */
uint32_t conn_table_fds_of(const struct conn_table *table, uint32_t pid, int32_t *fds,
			   uint32_t max);

/* Whether ev starts another socket on conn's (pid, fd) although no close
 * was seen (it was lost): an accept returned this fd, or a data event comes
 * from a socket opened at another time or another kernel socket (without
 * those, its stream position went back). conn_table_apply then restarts
 * the entry on a connection of its own. */
bool conn_table_new_socket(const struct conn *conn, const struct event *ev);

/*
 * Applies an event: connect/accept record the peer; close fills it in; data
 * fills in the peer (unless the datagram has its own) and the gap since the
 * previous captured byte. An event naming its kernel socket joins the
 * handle to that socket's connection. Sets ev->conn_id. Returns the
 * connection's entry, or NULL (a failed accept, a close of an unknown
 * socket, a full table).
 */
struct conn *conn_table_apply(struct conn_table *table, struct event *ev);

/*
 * A close of conn's handle (a close event, or one made at its process's
 * exit): returns true when the connection ends with it (the kernel said
 * so, or no other handle is known and the kernel did not say it kept the
 * socket); ev then has the totals of all its handles, the connection's
 * duration and users. Otherwise ev becomes an ST_EV_RELEASE with the
 * handle's own totals. The caller removes the handle once done with it.
 */
bool conn_table_close(struct conn_table *table, struct event *ev, struct conn *conn);

/* Sets the peer of a connection learned outside the event stream. */
void conn_table_set_remote(struct conn_table *table, uint32_t pid, int32_t fd,
			   const char *remote);

#endif
