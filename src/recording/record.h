/*
 * --record FILE: the raw event stream of a trace, with every other input
 * the session took (sockets open at the start, the kernel's answers about
 * adopted sockets' peers, the clock of each poll round, which processes a
 * sweep found gone, the BPF entries of sockets held at exit), so --replay FILE (replay.h) prints the same lines
 * without root or BPF.
 *
 * The file, all integers in the recording machine's byte order (the
 * samples are raw structs anyway; RECORD_BYTE_ORDER tells):
 *
 *   header  RECORD_MAGIC, then the fields of struct record_header, of
 *           header_len bytes in all (a later version may append fields)
 *   records each a struct record_tag (type, payload length) and that many
 *           payload bytes, up to RECORD_PAYLOAD_MAX, in the order the
 *           session took them; the last is RECORD_END
 */
#ifndef ST_RECORD_H
#define ST_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events/socket_tracer_abi.h"

struct session;

#define RECORD_MAGIC "STRECORD"
#define RECORD_MAGIC_LEN 8
/* The layout of header and records; bumped on any incompatible change. */
#define RECORD_FORMAT_VERSION 1
#define RECORD_BYTE_ORDER 0x01020304u
#define RECORD_VERSION_TEXT_MAX 64
/* Largest payload of one record: a sample far larger than any the kernel
 * sends (ST_DATA_MAX plus a header). */
#define RECORD_PAYLOAD_MAX (1u << 20)

/* After the magic. Sizes are those of socket_tracer.h's structs as the
 * recording tracer was built: a replay refuses any that differ. */
struct record_header {
	uint32_t format_version;  /* RECORD_FORMAT_VERSION */
	uint32_t byte_order;      /* RECORD_BYTE_ORDER as written */
	uint32_t header_len;      /* bytes from the magic to the first record */
	uint32_t flags;           /* RECORD_FLAG_* */
	int64_t mono_to_wall_ns;  /* CLOCK_REALTIME - CLOCK_MONOTONIC at the start */
	uint64_t started_wall_ns; /* CLOCK_REALTIME when the recording started */
	uint32_t data_size;       /* --data-size of the capture */
	uint32_t size_event_header;     /* sizeof(struct st_event_header) */
	uint32_t size_conn_event;       /* sizeof(struct st_conn_event) */
	uint32_t size_exit_event;       /* sizeof(struct st_exit_event) */
	uint32_t size_data_event_header; /* offsetof(struct st_data_event, data) */
	uint32_t size_data_max;         /* ST_DATA_MAX */
	uint32_t size_sock;             /* sizeof(struct st_sock) */
	uint32_t event_kinds;           /* ST_EV_NR */
	char version[RECORD_VERSION_TEXT_MAX]; /* socket-tracer's, NUL-padded */
};

enum record_flag {
	RECORD_FLAG_RING_BUFFER = 1, /* --ring-buffer */
	RECORD_FLAG_NO_DATA = 2,     /* --no-data */
	RECORD_FLAG_FILTERED = 4,    /* -p or -c: only some processes traced */
};

/* Record types. Append only: values are part of recordings. */
enum record_type {
	RECORD_SAMPLE = 1,      /* one raw sample, the bytes the poller delivered */
	RECORD_FLUSH = 2,       /* a poll round ended: session_flush(false); empty */
	RECORD_CLOCK = 3,       /* u64: CLOCK_MONOTONIC ns the session read */
	RECORD_PEER = 4,        /* struct record_peer, then the peer's text */
	RECORD_PROCESS = 5,     /* struct record_process: a sweep's kill(pid, 0) */
	RECORD_SWEEP = 6,       /* session_sweep_exited; empty */
	RECORD_PREEXISTING = 7, /* struct record_preexisting, then the peer's text */
	RECORD_END = 8,         /* struct record_end, then its CPUs; the last record */
	RECORD_SOCK = 9,        /* struct record_sock: a socket's BPF entry at its exit */
	RECORD_LOCAL = 10,      /* struct record_peer, then the local address's text (-w) */
	RECORD_TYPE_NR
};

extern const char *const record_type_names[RECORD_TYPE_NR];

struct record_tag {
	uint32_t type;
	uint32_t len; /* payload bytes that follow */
};

/* A question the session asked of the kernel (session.socket_peer, or
 * session.socket_local for RECORD_LOCAL) and its answer: 0 and the text,
 * or a negative errno and no text. */
struct record_peer {
	uint32_t pid;
	int32_t fd;
	int32_t family;
	int32_t type;
	int32_t result;
	uint32_t reserved;
};

struct record_process {
	uint32_t pid;
	uint32_t gone; /* 1: kill(pid, 0) said ESRCH */
};

/* The socks map's entry of a socket its process held at exit, as the
 * session took it (result 0, or -ENOENT: evicted, sock zero). */
struct record_sock {
	uint64_t key; /* (pid << 32) | fd */
	int32_t result;
	uint32_t reserved;
	struct st_sock sock;
};

/* A socket open before the start, entered in the connection table with
 * its peer (preexisting_scan), in the order of their connection ids. */
struct record_preexisting {
	uint32_t pid;
	int32_t fd;
};

/* What the exit summary read from the kernel and the poller. */
struct record_end {
	uint64_t submit_failures[ST_SUBMIT_NR];
	uint64_t table_full[ST_FULL_NR];
	uint64_t lost_total;  /* the perf poller's */
	uint32_t cpu_count;   /* the perf poller's buffers; 0 with a ring buffer */
	uint32_t reserved;
	/* then cpu_count struct record_cpu_lost */
};

struct record_cpu_lost {
	uint32_t cpu;
	uint32_t reserved;
	uint64_t lost;
};

struct recorder {
	int fd;
	const char *path;
	uint8_t *buf;
	size_t used;
	uint64_t offset; /* bytes written to the file */
	int error;       /* the first write error, -errno; nothing more is written */
	bool quiet_round; /* a poll round with nothing held: its clock not recorded */
	int socks_fd;     /* the BPF map socks, for the sock_take hook; -1 none */
	/* the session's inputs, wrapped by record_session_hooks */
	int (*socket_peer)(uint32_t pid, int32_t fd, int family, int type, char *text,
			   size_t size);
	int (*socket_local)(uint32_t pid, int32_t fd, int family, int type, char *text,
			    size_t size);
};

/* Refuses a path that exists and is not a regular file (a FIFO would block
 * the trace; a device or a symbolic link is not meant), after printing why.
 * Returns 0 or a negative errno. */
int recorder_check_path(const char *path);

/* Creates (or truncates) path, mode 0600: it holds payloads. Returns 0 or a
 * negative errno after printing why. */
int recorder_open(struct recorder *rec, const char *path);

/* The header, from the session (its clock offset) and the capture's
 * options. */
void recorder_header(struct recorder *rec, const struct session *session, uint32_t data_size,
		     uint32_t flags, const char *version);

void recorder_sample(struct recorder *rec, const void *data, int size);
/* Before session_flush(session, false), which reads the clock once: both
 * unrecorded when no sample is held (the flush then changes nothing a
 * replay could see). */
void recorder_flush_round(struct recorder *rec, const struct session *session);
/* Before session_sweep_exited. */
void recorder_sweep(struct recorder *rec);

/* The sockets preexisting_scan entered (all the table holds then: call it
 * right after the scan, before any sample is handled). */
void recorder_preexisting(struct recorder *rec, const struct session *session);

/* The last record. */
void recorder_end(struct recorder *rec, const struct record_end *end,
		  const struct record_cpu_lost *cpus);

/* Wraps the session's clock, its check for gone processes, its taking of
 * exited sockets' BPF entries (from session->socks_fd: set it first) and
 * its socket_peer and socket_local (if set), so that each answer is
 * recorded as given. */
void record_session_hooks(struct recorder *rec, struct session *session);

/* Writes out what is buffered. Returns 0 or rec->error. */
int recorder_flush(struct recorder *rec);

/* Flushes and closes; returns 0 or the first write error (-errno). */
int recorder_close(struct recorder *rec);

#endif
