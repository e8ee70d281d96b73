/* An event as userspace handles it: decoded from a perf sample, completed
 * with connection state, then printed. */
#ifndef ST_EVENT_H
#define ST_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "events/format.h"
#include "events/socket_tracer_abi.h"

struct event {
	uint32_t kind; /* enum st_event_kind */
	uint32_t pid;
	uint32_t tid;
	int32_t fd;
	uint64_t ts_ns;   /* CLOCK_MONOTONIC */
	uint64_t wall_ns; /* CLOCK_REALTIME, from ts_ns */
	uint8_t comm[ST_COMM_LEN];         /* the thread's */
	uint8_t process_name[ST_COMM_LEN]; /* its process's: its main thread's comm */
	uint16_t family;
	uint16_t sock_type;
	uint32_t sock_flags; /* enum st_sock_flag */
	char remote[ADDR_TEXT_MAX]; /* formatted peer, "" unknown */
	uint64_t sk;      /* kernel socket cookie, never shown; 0 unknown */
	uint64_t conn_id; /* the connection (kernel socket) it belongs to; 0 none */
	bool deselected;  /* outside --port, --remote, --tcp...: not printed */

	/* connect, accept, close */
	int64_t result;
	uint64_t duration_ns;
	uint64_t bytes_sent;
	uint64_t bytes_recv;
	bool process_exited; /* close: the process exited holding the socket */
	uint32_t users;      /* close: fds (of any process) that held the socket */
	int32_t listen_fd;   /* accept: the listening socket's fd */

	/* data */
	uint64_t bytes;
	uint64_t pos;
	/* bytes a recv*(MSG_TRUNC) did not place in the caller's buffer
	 * (st_data_event.bytes - delivered); 0 for every other call */
	uint64_t sock_open_ns; /* which socket of the fd (st_data_event) */
	uint64_t undelivered;
	bool connection_peer; /* remote is the connection's peer, first told here */
	uint32_t captured;
	uint8_t capture_cut; /* enum st_capture_cut */
	uint16_t syscall;   /* enum st_syscall */
	uint8_t direction;  /* enum st_direction */
	uint64_t gap_bytes; /* stream bytes missing before this event */
	uint64_t gap_pos;   /* where the gap starts in the stream */
	/* Of gap_bytes, those no event told (lost samples, a full table); the
	 * rest earlier events told as not captured. */
	uint64_t gap_lost;
	const uint8_t *data; /* captured bytes, inside the perf sample */
	uint8_t protocol;    /* protocol_number of the connection, once detected; 0 none */
	bool encrypted;      /* TLS application data */
	uint16_t tls;        /* enum st_tls_flag bits (st_data_event.tls) */
};

/* Names of the shared enums, indexed by value. */
extern const char *const event_kind_names[ST_EV_NR];
extern const char *const event_syscall_names[ST_SYS_NR];
extern const char *const event_direction_names[ST_DIR_NR];
extern const char *const event_capture_cut_names[ST_CUT_NR];

/*
 * Decodes one perf sample into ev, checking its size and every length in it
 * first. mono_to_wall_ns converts kernel timestamps to wall clock. Returns 0,
 * or -EINVAL for a malformed sample.
 */
int event_decode(const void *raw, int size, int64_t mono_to_wall_ns, struct event *ev);

#endif
